/* tlskb: let the site's search run when the site is opened from disk (file://).
 *
 * Browsers refuse to start Web Workers for file:// pages, and Material's search runs in a
 * worker. From file:// only, this replaces `Worker` with an emulation: the worker script runs
 * in a hidden iframe, and messages travel between page and iframe with postMessage. Inside the
 * iframe, `importScripts` loads scripts one after another and returns a promise (Material's
 * search worker waits for it), and the language scripts it loads resolve against the worker
 * script's address, as in a real worker. Material's offline plugin looks for a polyfill whose address
 * contains "iframe-worker" and, finding this one, adds no script from a CDN.
 */
(function () {
  "use strict";

  if (location.protocol !== "file:" || typeof window === "undefined") {
    return;
  }

  // Runs inside the iframe before the worker script: the worker-side globals.
  var WORKER_SIDE =
    "window.postMessage = function (data) { parent.postMessage(data, '*'); };" +
    "window.importScripts = function () {" +
    "  var urls = Array.prototype.slice.call(arguments);" +
    "  return urls.reduce(function (previous, url) {" +
    "    return previous.then(function () {" +
    "      return new Promise(function (resolve, reject) {" +
    "        var script = document.createElement('script');" +
    "        script.src = url; script.onload = resolve; script.onerror = reject;" +
    "        document.body.appendChild(script);" +
    "      });" +
    "    });" +
    "  }, Promise.resolve());" +
    "};";

  function attribute(value) {
    return String(value).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  }

  function FrameWorker(url) {
    var target = new EventTarget();
    var frame = document.createElement("iframe");
    var self = this;
    this.onmessage = null;
    this.onerror = null;
    this.addEventListener = target.addEventListener.bind(target);
    this.removeEventListener = target.removeEventListener.bind(target);
    this.dispatchEvent = target.dispatchEvent.bind(target);
    frame.hidden = true;
    document.body.appendChild(frame);
    this.frame = frame;
    this.relay = function (event) {
      if (event.source !== frame.contentWindow) {
        return;
      }
      var message = new MessageEvent("message", { data: event.data });
      self.dispatchEvent(message);
      if (typeof self.onmessage === "function") {
        self.onmessage(message);
      }
    };
    window.addEventListener("message", this.relay);
    var page = frame.contentWindow.document;
    page.open();
    page.write("<!doctype html><html><body><script>" + WORKER_SIDE + "<\/script>" +
               "<script src=\"" + attribute(url) + "\"><\/script></body></html>");
    page.close();
    // After document.open(): it erases the handlers the window had before.
    this.ready = new Promise(function (resolve) {
      if (page.readyState === "complete") {
        resolve();
      } else {
        frame.contentWindow.addEventListener("load", function () { resolve(); });
      }
    });
  }

  FrameWorker.prototype.postMessage = function (data) {
    var frame = this.frame;
    this.ready.then(function () {
      frame.contentWindow.dispatchEvent(new MessageEvent("message",
                                                         { data: structuredClone(data) }));
    });
  };

  FrameWorker.prototype.terminate = function () {
    window.removeEventListener("message", this.relay);
    this.frame.remove();
  };

  window.Worker = FrameWorker;
  // Material's search worker loads its language scripts (lunr.ja, tinyseg: the Japanese
  // edition) from "../lunr" beside its own address; inside an iframe that address would be
  // the page's, so it looks for IFrameWorker here and then takes it from its <script src>.
  window.IFrameWorker = FrameWorker;
}());
