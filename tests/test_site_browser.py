"""The built site in a real browser (Debian's chromium driven by Playwright): search finds the
case from its error text, the key-type table shows the failure, the tree folds, tabs switch,
nothing is requested from another host, no console errors, it works opened from disk, and a
corpus of injection payloads through every field of the case schema executes nothing.
Screenshots go to test-artifacts/ (kept by CI, not committed)."""

from __future__ import annotations

import re

import yaml

from support.browser import search
from support.site import serve


def test_search_finds_the_exchange_case_from_its_error_text(watched, served):
    page = watched.page
    page.goto(served + "index.html")
    results = search(page, "IllegalMessage")
    watched.shoot("search-illegalmessage")
    first = results.first.locator("a").first
    assert "exchange-online-p384" in first.get_attribute("href")
    first.click()
    page.wait_for_url("**/exchange-online-p384.html*")
    row = page.locator(".tlskb-keytypes tr", has_text="ECDSA P-384")
    assert "✗ fails" in row.inner_text()
    assert "supported_groups lists secp256r1" in row.inner_text()
    watched.shoot("exchange-case")


def test_tree_folds_and_unfolds(watched, served):
    page = watched.page
    page.goto(served + "cases/exchange-online-p384.html")
    suites = page.locator(".tlskb-tree summary", has_text="Cipher Suites (16 suites)")
    suite = page.locator(".tlskb-tree li", has_text="TLS_RSA_WITH_AES_128_CBC_SHA (0x002f)").last
    assert not suite.is_visible()
    suites.click()
    assert suite.is_visible()
    decisive = page.locator(".tlskb-decisive", has_text="Extension: supported_groups (len=4)")
    assert decisive.is_visible()
    decisive.scroll_into_view_if_needed()
    watched.shoot("exchange-tree")
    suites.click()
    assert not suite.is_visible()


def test_fix_tabs_switch(watched, served):
    page = watched.page
    page.goto(served + "cases/exchange-online-p384.html")
    lego = page.locator(".tabbed-block", has_text="--key-type ec256").first
    certbot = page.locator(".tabbed-block", has_text="--elliptic-curve secp256r1").first
    assert lego.is_visible() and not certbot.is_visible()
    page.locator(".tabbed-labels label", has_text="Certbot").first.click()
    assert certbot.is_visible() and not lego.is_visible()
    certbot.scroll_into_view_if_needed()
    watched.shoot("exchange-fix-certbot")


def test_home_matrix_sorts(watched, served):
    """A click on the ECDSA P-384 column's sort button sorts that column by its cells' values
    (data-sort: works, fails, untested), without leaving the page."""
    page = watched.page
    page.goto(served + "index.html")
    matrix = page.locator(".tlskb-case-matrix table")
    first_before = matrix.locator("tbody tr").first.inner_text()
    headers = matrix.locator("thead th")
    column = next(i for i in range(headers.count()) if "P-384" in headers.nth(i).inner_text())
    headers.nth(column).locator("button.tlskb-sort").click()
    watched.shoot("home-matrix-sorted")
    assert headers.nth(column).get_attribute("aria-sort") == "ascending"
    assert page.url.endswith("index.html")
    values = [cell.get_attribute("data-sort")
              for cell in matrix.locator(f"tbody tr > :nth-child({column + 1})").all()]
    assert values == sorted(values) and set(values) >= {"works", "fails"} and first_before


def test_opened_from_disk_with_search(watched, site):
    page = watched.page
    page.goto((site / "index.html").as_uri())
    results = search(page, "NodeBalancer")
    assert any("linode-nodebalancer-rsa-only" in (results.nth(i).locator("a").first
                                                  .get_attribute("href") or "")
               for i in range(results.count()))
    watched.shoot("file-search")
    page.goto((site / "cases" / "android-7-p256-only.html").as_uri())
    assert "Android 7.0" in page.title()


#: what would run script if case text had become markup, read from the live DOM: event
#: handlers, autofocus, script addresses (as a browser reads them), scripts, frames, styles,
#: images and forms inside the article (the theme's own icons are inline SVG, without
#: handlers; the tabs' inputs and the client matrix's filter form are the site's own), focus moved into the article, NUL characters (as the parser keeps them)
INSPECT = r"""() => {
  const found = [];
  const urlAttributes = ["href", "src", "action", "formaction", "data", "xlink:href", "srcdoc",
                         "poster", "background", "ping"];
  for (const element of document.querySelectorAll("*")) {
    for (const attribute of Array.from(element.attributes)) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value.replace(/[\t\n\r]/g, "").replace(/^[\u0000-\u0020]+/, "")
        .toLowerCase();
      if (name.startsWith("on") || name === "autofocus") {
        found.push(`<${element.tagName} ${name}="${attribute.value}">`);
      }
      if (urlAttributes.includes(name) && /^(javascript|data|vbscript):/.test(value)) {
        found.push(`<${element.tagName} ${name}="${attribute.value}">`);
      }
    }
  }
  for (const element of document.querySelectorAll(
      "article script, article iframe, article object, article embed, article style, " +
      "article img, article form:not(.tlskb-filters), " +
      "article input:not(.tabbed-set > input):not(form.tlskb-filters input)")) {
    found.push(`<${element.tagName}> in the article`);
  }
  for (const script of document.querySelectorAll("script")) {
    if (/xss-/.test(script.textContent + script.src)) found.push(`script ${script.textContent}`);
  }
  // a NUL in the HTML is dropped from text and becomes U+FFFD in attributes
  if (/[\u0000\ufffd]/.test(document.documentElement.outerHTML)) found.push("NUL in the DOM");
  if (document.activeElement && document.activeElement.closest("article")) {
    found.push(`focus moved to <${document.activeElement.tagName}> in the article`);
  }
  return found;
}"""


def test_the_inspection_finds_what_it_looks_for(browser, watched, served):
    """Calibration: nothing on the real site, everything on a page that does have it."""
    page = watched.page
    for path in ("index.html", "cases/exchange-online-p384.html", "key-types/ec384.html",
                 "acme-clients/lego.html", "tags.html", "clients/index.html",
                 "clients/curl-7.88.html", "client-families/curl.html"):
        page.goto(served + path)
        assert page.evaluate(INSPECT) == [], path
    planted = browser.new_page()
    planted.set_content("<article><b onclick='void 0'>b</b><a href=' jav&#x09;ascript:1'>a</a>"
                        "<input autofocus><script>/*xss-0*/</script><p title='\u0000'>p</p>"
                        "<form class='tlskb-filter'><input name=q></form></article>")
    found = " ".join(planted.evaluate(INSPECT))
    for expected in ('<B onclick="void 0">', '<A href=" jav\tascript:1">', "<INPUT autofocus",
                     "<SCRIPT> in the article", "script /*xss-0*/", "NUL in the DOM",
                     "<FORM> in the article"):
        assert expected in found, expected
    planted.close()


def test_injection_corpus_through_every_field_executes_nothing(watched, tmp_path_factory):
    """tests/support/hostile.py puts every payload into every string field of the case schema
    (and the hello's SNI and ALPN), of the catalogue's schema and of the client file schema,
    builds with the real plugin and the text rules off, and every page is opened — cases, key
    types, ACME clients, client pages, client family pages, the client matrix: no dialog, no
    handler, no script address, nothing focused from contributed text, and the payloads
    visible as the text they are. Then search, whose results and highlighting also show that
    text, once for case text and once for client text."""
    from support.hostile import PAYLOADS, build_hostile_site_catalogue_and_clients
    site, base, hostile, clients = build_hostile_site_catalogue_and_clients(tmp_path_factory)
    catalogue = yaml.safe_load(hostile.text)
    client_files = {name.removesuffix(".yaml"): yaml.safe_load(text)
                    for name, text in clients.files.items()}
    families = {data["family"] for data in client_files.values()}
    page = watched.page
    with serve(site) as url:
        # (404.html addresses its assets under the site's /tlskb/ path, so it is left out here)
        paths = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                       if p.name != "404.html")
        assert len(paths) > (len(base.cases) + len(catalogue["acme_clients"])
                             + len(client_files) + len(families) + 10)
        assert {f"clients/{c}.html" for c in client_files} | {"clients/index.html"} | {
            f"client-families/{f}.html" for f in families} <= set(paths)
        for path in paths:
            response = page.goto(url + path)
            assert b"\x00" not in response.body(), path
            page.wait_for_load_state("load")
            assert page.evaluate(INSPECT) == [], path
            assert watched.dialogs == [], path
        page.goto(url + "cases/hostile-0.html")
        watched.shoot("hostile-case")
        shown = page.inner_text("article")
        case = yaml.safe_load(base.cases["hostile-0.yaml"])
        for text in (case["title"], case["platform"]["name"], case["symptoms"][0]["where"],
                     case["symptoms"][0]["text"], case["samples"][0]["client"]):
            if not re.search(r"[\x00-\x1f\x7f\u2028]", text):   # plain text, shown as typed
                assert text in shown, text
        for client in catalogue["acme_clients"][-3:]:   # and the catalogue's
            page.goto(url + f"acme-clients/{client['id']}.html")
            shown = page.inner_text("article")
            for text in (client["name"], client["history"]):
                if not re.search(r"[\x00-\x1f\x7f\u2028]", text):
                    assert " ".join(text.split()) in " ".join(shown.split()), text
        _client_text_is_shown(page, url, client_files, clients)
        page.goto(url + "index.html")
        results = search(page, "padded")   # the summaries padded to their minimum length
        assert results.count() > 0
        assert page.evaluate(INSPECT) == [] and watched.dialogs == []
        watched.shoot("hostile-search")
        results.first.locator("a").first.click()   # the result page, with terms highlighted
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)
        assert page.evaluate(INSPECT) == [] and watched.dialogs == []
        page.goto(url + "index.html")
        results = search(page, "Program")   # a fact on every client page, and only there
        links = [results.nth(i).locator("a").first.get_attribute("href") or ""
                 for i in range(results.count())]
        assert any("clients/hostile-client-" in link for link in links), links
        assert page.evaluate(INSPECT) == [] and watched.dialogs == []
        watched.shoot("hostile-client-search")
        results.nth(next(i for i, link in enumerate(links) if "clients/hostile-client-" in link)
                    ).locator("a").first.click()
        page.wait_for_url("**/clients/hostile-client-*")
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)
        assert page.evaluate(INSPECT) == [] and watched.dialogs == []
    assert len(PAYLOADS) == len(base.cases) == len(client_files) // 2


def _shown_as_typed(text: str, shown: str) -> bool:
    """`text` in `shown`, whitespace runs as one space (the page wraps, HTML folds them), or
    True for text with control characters (the site drops those: not shown as typed)."""
    if re.search(r"[\x00-\x1f\x7f\u2028]", text.replace("\n", " ").replace("\t", " ")):
        return True
    return " ".join(text.split()) in " ".join(shown.split())


def _client_text_is_shown(page, url: str, client_files: dict, clients) -> None:
    """A hostile binary client's page and a hostile recording's: every published field's
    payload shows as its text (in the article, the run cells' hover titles, the heading), as
    do the names in the matrix and on the family page."""
    import shlex
    for client_id in ("hostile-client-0", f"hostile-client-{len(client_files) // 2 + 1}"):
        data = client_files[client_id]
        page.goto(url + f"clients/{client_id}.html")
        article = page.inner_text("article")
        binary = data["source"] == "binary"
        published = [data["name"], data["variant"], data["end_to_end_note"],
                     *data["package_versions"], data["version"]]
        published.append(shlex.join(data["command"]) if binary else data["provenance"])
        for text in published:
            assert _shown_as_typed(text, article), (client_id, text)
        assert _shown_as_typed(f"{data['name']} {data['version']}",
                               page.inner_text("article h1"))
        titles = page.eval_on_selector_all(".tlskb-stacks td[title]",
                                           "cells => cells.map(c => c.title)")
        results = data["end_to_end"]["results"]
        assert len(titles) == sum(len(by_key) for by_key in results.values())
        run = results["openssl"]["rsa2048"]
        for text in (f"alert {run['alert']}", f"the client said: {run['said']}"):
            assert any(_shown_as_typed(text, t) for t in titles), (client_id, text)
        page.goto(url + f"client-families/{data['family']}.html")
        assert _shown_as_typed(data["name"], page.inner_text("article h1"))
    page.goto(url + "clients/index.html")
    matrix = page.inner_text(".tlskb-client-matrix")
    shown = [name for name, data in client_files.items()
             if _shown_as_typed(data["variant"], matrix)]
    assert len(shown) == len(client_files), sorted(set(client_files) - set(shown))
