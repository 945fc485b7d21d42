/* tlskb: sortable tables and scroll boxes, written here so the site loads nothing from other
   hosts. Works with Material's instant loading (document$) and without it (file://).
   Each sortable header cell (th, which keeps its columnheader role) gets a real
   <button type="button">: the header's own text becomes the button, or, where the header is
   a link, a small button beside the link ("Sort by <header>"). aria-sort on the th says the
   order (none, ascending, descending). A cell's value is its data-sort attribute if it has
   one, else its text; numbers inside compare as numbers. Rows may start with th or td. */
(function () {
  "use strict";

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) { return ""; }
    var value = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort")
      : cell.textContent;
    return value.trim().toLowerCase();
  }

  function sortBy(table, index, header) {
    var body = table.tBodies[0];
    if (!body) { return; }
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index), y = cellValue(b, index);
      var order = x.localeCompare(y, undefined, { numeric: true });
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) {
      if (cell.hasAttribute("aria-sort")) { cell.setAttribute("aria-sort", "none"); }
    });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  function sortButton(header) {
    var button = document.createElement("button");
    var label = header.textContent.replace(/\s+/g, " ").trim();
    button.type = "button";
    button.className = "tlskb-sort";
    if (header.querySelector("a")) {
      button.setAttribute("aria-label", "Sort by " + label);
      button.title = "Sort by " + label;
      header.appendChild(document.createTextNode(" "));
      header.appendChild(button);
    } else {
      while (header.firstChild) { button.appendChild(header.firstChild); }
      button.title = "Sort by " + label;
      header.appendChild(button);
    }
    return button;
  }

  function enable(root) {
    Array.prototype.forEach.call(root.querySelectorAll(".tlskb-sortable table"), function (table) {
      if (table.dataset.tlskbSortable || !table.tHead || !table.tHead.rows.length) { return; }
      table.dataset.tlskbSortable = "1";
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, index) {
        if (header.tagName !== "TH" || !header.textContent.trim()) { return; }
        header.setAttribute("aria-sort", "none");
        sortButton(header).addEventListener("click", function () {
          sortBy(table, index, header);
        });
      });
    });
  }

  /* A table wider than its column scrolls in a box of its own: Material's wrapper, or ours
     where there is none. The box takes focus (keyboard scrolling) only while it scrolls. */
  var scrollBoxes = [];

  function scrollBox(table) {
    var box = table.closest(".md-typeset__scrollwrap, .tlskb-scroll");
    if (box) { return box; }
    box = document.createElement("div");
    box.className = "tlskb-scroll";
    table.parentNode.insertBefore(box, table);
    box.appendChild(table);
    return box;
  }

  function updateScrollBox(box) {
    if (!box.isConnected) { return; }
    if (box.scrollWidth > box.clientWidth + 1) {
      var headers = Array.prototype.map.call(box.querySelectorAll("thead th"), function (th) {
        return th.textContent.replace(/\s+/g, " ").trim();
      }).filter(Boolean);
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", "Table, scrolls sideways" +
        (headers.length ? ": " + headers.join(", ") : ""));
    } else {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  }

  function enableScrollBoxes(root) {
    scrollBoxes = scrollBoxes.filter(function (box) { return box.isConnected; });
    Array.prototype.forEach.call(root.querySelectorAll(".md-typeset table"), function (table) {
      var box = scrollBox(table);
      if (scrollBoxes.indexOf(box) < 0) { scrollBoxes.push(box); }
      updateScrollBox(box);
    });
  }

  window.addEventListener("resize", function () { scrollBoxes.forEach(updateScrollBox); });

  /* The client matrix's filters: current clients only, a kind of client, one server stack
     (each cell carries every stack's mark and class as data-stack-<id> / data-class-<id>). */
  function applyFilters(form, table) {
    var current = form.elements.current.checked;
    var category = form.elements.category.value;
    var stack = form.elements.stack.value;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var hidden = (current && row.dataset.historical === "yes") ||
        (category && row.dataset.category !== category);
      row.hidden = hidden;
      Array.prototype.forEach.call(row.cells, function (cell) {
        var text = cell.getAttribute("data-" + (stack === "all" ? "all" : "stack-" + stack));
        if (text === null) { return; }
        /* the mark, its words for screen readers, its sort value: the chosen stack's */
        var words = cell.getAttribute("data-sr-" + stack) || "";
        var spoken = document.createElement("span");
        spoken.className = "tlskb-sr";
        spoken.textContent = " " + words;
        cell.textContent = text;
        cell.appendChild(spoken);
        cell.title = words;
        cell.className = cell.getAttribute("data-class-" + stack) || "";
        var sort = cell.getAttribute("data-sort-" + stack);
        if (sort !== null) { cell.setAttribute("data-sort", sort); }
      });
    });
  }

  function enableFilters(root) {
    Array.prototype.forEach.call(root.querySelectorAll("form.tlskb-filters"), function (form) {
      var wrapper = form.nextElementSibling;
      var table = wrapper && wrapper.querySelector("table");
      if (!table || form.dataset.tlskbFilters) { return; }
      form.dataset.tlskbFilters = "1";
      form.addEventListener("change", function () { applyFilters(form, table); });
      form.addEventListener("submit", function (event) { event.preventDefault(); });
    });
  }

  function enableAll(root) { enable(root); enableFilters(root); enableScrollBoxes(root); }

  if (typeof document$ !== "undefined" && document$.subscribe) {
    document$.subscribe(function () { enableAll(document); });
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enableAll(document); });
  } else {
    enableAll(document);
  }
}());
