"""An audit of the built site in a real browser (Debian's chromium under Playwright): no page is
wider than a 390 px phone or a 1280 px window, one page of each type passes axe-core (loaded
from node_modules/, never a CDN) without a serious or critical violation and requests nothing
from another host, the home matrix sorts from the keyboard alone, and the 404 page is styled
wherever it is opened. Screenshots of each page type go to test-artifacts/."""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import missing, require_tool
from support.browser import ARTIFACTS, CHROMIUM_FLAGS, Watched, require_playwright
from support.site import ROOT, serve

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (390, 1280)
#: the site's path on GitHub Pages (site_url in mkdocs.yml), which 404.html names in its <base>
PAGES_PATH = "/tlskb/"
#: one page of each type (the documented case: its key-type table says "documented")
PAGE_TYPES = {
    "home": "index.html",
    "case-replayed": "cases/exchange-online-p384.html",
    "case-documented": "cases/gitlab-pages-rsa-only.html",
    "cases": "cases/index.html",
    "key-types": "key-types/index.html",
    "key-type": "key-types/ec384.html",
    "acme-clients": "acme-clients/index.html",
    "acme-client": "acme-clients/lego.html",
    "stacks": "stacks/index.html",
    "stack": "stacks/openssl.html",
    "clients": "clients/index.html",
    "client": "clients/curl-7.88.html",
    "client-family": "client-families/curl.html",
    "guide-debug": "guides/debug-a-handshake-failure.html",
    "guide-verdicts": "guides/how-verdicts-are-proven.html",
    "contributing": "contributing.html",
    "install": "install.html",
    "tags": "tags.html",
    "404": "404.html",
}
#: axe impacts that fail the audit (minor and moderate ones are printed, not failed)
BLOCKING = ("serious", "critical")


def require_axe() -> Path:
    if not AXE.is_file():
        missing(f"axe-core is not installed ({AXE} missing; run `make node_modules`)")
    return AXE


# ---------------------------------------------------------------------------------------------
# a. no horizontal overflow, every page, both widths

#: what sticks out of the viewport: the document's own width, and every element of the article
#: (outside a box that scrolls or clips: a wide table may scroll inside its own box) that
#: reaches past either edge, named by its path from the article; an offender's descendants are
#: not listed again
OVERFLOW = r"""() => {
  const width = window.innerWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    Array.from(el.classList).map((c) => "." + c).join("");
  const path = (el, top) => {
    const parts = [];
    for (let e = el; e && e !== top; e = e.parentElement) parts.unshift(name(e));
    return parts.join(" > ");
  };
  const article = document.querySelector("article") || document.body;
  const offenders = [];
  const walk = (el) => {
    for (const child of el.children) {
      const box = child.getBoundingClientRect();
      if ((box.width || box.height) && (box.right > width + 0.5 || box.left < -0.5)) {
        const span = `${Math.round(box.left)}..${Math.round(box.right)} px`;
        offenders.push(`${path(child, article)} (${span})`);
        continue;
      }
      if (getComputedStyle(child).overflowX === "visible") walk(child);
    }
  };
  walk(article);
  return {documentWidth: document.documentElement.scrollWidth, offenders};
}"""


@dataclass(frozen=True)
class Overflow:
    page: str
    width: int
    document_width: int
    offenders: tuple[str, ...]

    def __str__(self) -> str:
        return (f"{self.page} at {self.width} px: document {self.document_width} px wide; "
                + ("; ".join(self.offenders) or "no article element past the edge"))


async def _measure_all(chromium: str, site: Path, pages: list[str],
                       workers: int) -> list[Overflow]:
    """Every page at every width, from disk (file://), in several tabs at once: each page is
    loaded once, at the narrowest width, and measured again after each widening of the
    viewport (the layout is CSS media queries and resize handlers, which a resize reruns)."""
    from playwright.async_api import async_playwright
    work: asyncio.Queue = asyncio.Queue()
    for page in pages:
        work.put_nowait(page)
    found: list[Overflow] = []
    widths = sorted(WIDTHS)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)

        async def worker() -> None:
            tab = await browser.new_page(viewport={"width": widths[0], "height": 900})
            while not work.empty():
                page = work.get_nowait()
                await tab.set_viewport_size({"width": widths[0], "height": 900})
                await tab.goto((site / page).as_uri(), wait_until="load")
                for width in widths:
                    if width != widths[0]:
                        await tab.set_viewport_size({"width": width, "height": 900})
                        # two frames: the resize's layout and its handlers' changes are done
                        await tab.evaluate("() => new Promise((done) => requestAnimationFrame("
                                           "() => requestAnimationFrame(done)))")
                    seen = await tab.evaluate(OVERFLOW)
                    found.append(Overflow(page, width, seen["documentWidth"],
                                          tuple(seen["offenders"])))
            await tab.close()

        await asyncio.gather(*(worker() for _ in range(workers)))
        await browser.close()
    return found


def test_no_page_is_wider_than_a_phone_or_a_window(site):
    chromium = require_tool("chromium")
    require_playwright()
    pages = sorted(path.relative_to(site).as_posix() for path in site.rglob("*.html"))
    assert len(pages) > 250, "the site lost pages: the audit would prove little"
    started = time.monotonic()
    # a thread of its own: the sync Playwright of other tests owns this thread's event loop
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        found = pool.submit(asyncio.run, _measure_all(chromium, site, pages, 3)).result()
    print(f"\noverflow audit: {len(pages)} pages, {len(found)} measurements in "
          f"{time.monotonic() - started:.1f} s")
    assert len(found) == len(pages) * len(WIDTHS)
    wide = [seen for seen in found if seen.document_width > seen.width or seen.offenders]
    assert wide == [], "pages wider than the viewport:\n" + "\n".join(map(str, wide))


# ---------------------------------------------------------------------------------------------
# b, e, f. each page type: axe-core, no other host, a screenshot

AXE_RUN = """async () => {
  const result = await axe.run(document);
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" "))}));
}"""


def _described(violations: list[dict]) -> str:
    return "\n".join(f"[{v['impact']}] {v['id']} ({v['help']}): " + " | ".join(v["nodes"][:8])
                     + (f" … and {len(v['nodes']) - 8} more" if len(v["nodes"]) > 8 else "")
                     for v in violations)


@pytest.fixture(scope="module")
def served_as_on_pages(site, tmp_path_factory):
    """The built site as GitHub Pages serves it: under the site's path, a missing page answered
    with 404.html; the URL of the site's root."""
    root = tmp_path_factory.mktemp("pages")
    (root / PAGES_PATH.strip("/")).symlink_to(site, target_is_directory=True)
    with serve(root, pages_site_path=PAGES_PATH) as url:
        yield url + PAGES_PATH.lstrip("/")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", sorted(PAGE_TYPES))
def test_page_type_passes_axe_and_stays_local(browser, served_as_on_pages, kind, width):
    axe = require_axe()
    watched = Watched(browser, width=width, height=900)
    try:
        page = watched.page
        page.goto(served_as_on_pages + PAGE_TYPES[kind], wait_until="load")
        ARTIFACTS.mkdir(exist_ok=True)
        watched.shoot(f"{kind}-{width}")
        page.add_script_tag(path=str(axe))
        violations = page.evaluate(AXE_RUN)
        foreign = watched.foreign_requests()
        errors = list(watched.errors)
    finally:
        watched.close()
    assert foreign == [], f"{kind}: requests to other hosts"
    assert errors == [], f"{kind}: console errors"
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert blocking == [], (f"{PAGE_TYPES[kind]} at {width} px, axe-core violations "
                            f"(all of them):\n{_described(violations)}")


def test_axe_finds_what_it_looks_for(browser):
    """Calibration: the same run reports a table header without text and an image without a
    name on a page that has them."""
    axe = require_axe()
    page = browser.new_page()
    page.set_content("<html lang=en><title>t</title><main><table><tr><th></th><td>1</td></tr>"
                     "</table><img src='data:,'></main></html>")
    page.add_script_tag(path=str(axe))
    found = {v["id"] for v in page.evaluate(AXE_RUN)}
    page.close()
    assert {"image-alt", "empty-table-header"} <= found


def test_home_marks_keep_their_contrast_in_the_dark_scheme(browser, served):
    """The matrix's marks (documented ones in a dashed box, no longer faded) against the slate
    scheme that a reader who prefers dark gets."""
    axe = require_axe()
    page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    try:
        page.goto(served + "index.html", wait_until="load")
        assert page.evaluate("document.body.dataset.mdColorScheme") == "slate"
        page.add_script_tag(path=str(axe))
        contrast_only = "axe.run(document, {runOnly: ['color-contrast']})"
        violations = page.evaluate(AXE_RUN.replace("axe.run(document)", contrast_only))
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator(".tlskb-case-matrix").screenshot(path=str(ARTIFACTS / "home-matrix-dark.png"))
    finally:
        page.close()
    assert violations == [], _described(violations)


# ---------------------------------------------------------------------------------------------
# c. sorting the home matrix from the keyboard alone

COLUMN = """(matrix) => {
  const headers = Array.from(matrix.tHead.rows[0].cells);
  const index = headers.findIndex((th) =>
    th.querySelector('a[href$="key-types/ec384.html"]') || /P-384/.test(th.textContent));
  const value = (row) => {
    const cell = row.cells[index];
    return (cell.getAttribute("data-sort") ?? cell.textContent).trim().toLowerCase();
  };
  const values = Array.from(matrix.tBodies[0].rows).map(value);
  const collator = new Intl.Collator(undefined, {numeric: true});
  const ascending = values.every((v, i) => i === 0 || collator.compare(values[i - 1], v) <= 0);
  const descending = values.every((v, i) => i === 0 || collator.compare(values[i - 1], v) >= 0);
  return {index, values, ascending, descending, sort: headers[index].getAttribute("aria-sort"),
          roles: headers.filter((th) => th.hasAttribute("role")).length};
}"""


def test_home_matrix_sorts_from_the_keyboard(watched, served):
    page = watched.page
    page.goto(served + "index.html", wait_until="load")
    matrix = page.locator(".tlskb-case-matrix table")
    before = matrix.evaluate(COLUMN)
    assert before["index"] > 0 and before["sort"] == "none" and before["roles"] == 0
    # the header cells keep their role: every one is a column header to assistive technology
    headers = matrix.locator("thead th")
    assert matrix.get_by_role("columnheader").count() == headers.count()
    control = headers.nth(before["index"]).locator("button.tlskb-sort")
    assert control.count() == 1
    for presses in range(1, 301):
        page.keyboard.press("Tab")
        if control.evaluate("(button) => document.activeElement === button"):
            break
    else:
        pytest.fail("300 Tab presses never reached the ECDSA P-384 column's sort button")
    page.keyboard.press("Enter")
    after = matrix.evaluate(COLUMN)
    watched.shoot("home-matrix-keyboard-sorted")
    assert after["sort"] == "ascending" and after["ascending"], after
    assert sorted(after["values"]) == sorted(before["values"])
    assert page.url.endswith("index.html"), "Enter followed a link instead of sorting"
    page.keyboard.press("Enter")
    again = matrix.evaluate(COLUMN)
    assert again["sort"] == "descending" and again["descending"], again
    assert again["values"] == after["values"][::-1] or not again["ascending"]
    others = headers.evaluate_all("(ths) => ths.map((th) => th.getAttribute('aria-sort'))")
    assert others.count("descending") == 1 and "ascending" not in others
    print(f"\nreached the sort button after {presses} Tab presses")


# ---------------------------------------------------------------------------------------------
# d. the 404 page, styled wherever it is opened

STYLED = """() => ({
  header: getComputedStyle(document.querySelector(".md-header")).position,
  height: document.documentElement.scrollHeight,
  icons: Array.from(document.querySelectorAll(".md-header svg")).map((svg) => {
    const box = svg.getBoundingClientRect();
    return Math.max(box.width, box.height);
  }),
})"""


def _check_404(browser, url: str, where: str) -> None:
    """Styled, small icons, a reasonable height, a working link home, nothing from another
    host. The only loads that may fail: the page itself where a server answers 404 for it, and
    from disk or the server's root, what the browser's preload scanner fetched under the
    static <base> (the site's GitHub Pages path) before the page's first script corrected it."""
    watched = Watched(browser, width=1280, height=900)
    failed: list[str] = []
    watched.page.on("response", lambda response: response.status >= 400
                    and failed.append(response.url))
    watched.page.on("requestfailed", lambda request: failed.append(request.url))
    try:
        page = watched.page
        page.goto(url, wait_until="load")
        watched.shoot(f"404-{where}")
        styled = page.evaluate(STYLED)
        assert styled["header"] in ("sticky", "fixed"), (where, styled)
        assert styled["icons"] and max(styled["icons"]) <= 48, (where, styled)
        assert styled["height"] < 2500, (where, styled)
        page.locator("article a", has_text="home page").click()
        page.wait_for_load_state("load")
        assert page.url.endswith("index.html"), (where, page.url)
        assert page.locator(".tlskb-case-matrix table").count() == 1, (where, page.url)
        foreign = watched.foreign_requests()
        errors = [e for e in watched.errors if not e.startswith("Failed to load resource")]
    finally:
        watched.close()
    assert foreign == [] and errors == [], (where, foreign, errors)
    unexpected = [u for u in failed
                  if u != url and not urlsplit(u).path.startswith(PAGES_PATH + "assets/")]
    assert unexpected == [], (where, unexpected)
    if where == "pages":
        assert failed == [url], "on the site's own path every address must resolve at once"


def test_404_is_styled_from_disk(browser, site):
    _check_404(browser, (site / "404.html").as_uri(), "file")


def test_404_is_styled_at_the_site_root(browser, served):
    _check_404(browser, served + "404.html", "root")


def test_404_is_styled_under_the_pages_path_at_any_depth(browser, served_as_on_pages):
    """As on GitHub Pages: the site under /tlskb/, a missing page three folders deep answered
    with the site's 404.html."""
    _check_404(browser, served_as_on_pages + "no/such/page.html", "pages")


# ---------------------------------------------------------------------------------------------
# the "done when": the answer on the first screen of a phone

def test_a_phone_reader_sees_what_to_request_on_the_first_screen(watched, served):
    """At 390 × 844 (a phone), the home page's answer line is on the first screen, whole, and
    names a key type; nothing scrolls sideways."""
    page = watched.page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(served + "index.html")
    line = page.locator(".tlskb-answer-line")
    box = line.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 844, box
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    assert line.inner_text().startswith("Request ")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    watched.shoot("home-first-screen-390")


def test_the_client_matrix_filters_keep_words_and_sort_values(watched, served):
    """Choosing a stack shows that stack's mark with its words for screen readers and sorts by
    its values; "current clients only" hides the historical recordings."""
    page = watched.page
    page.goto(served + "clients/index.html")
    table = page.locator(".tlskb-client-matrix table")
    rows = table.locator("tbody tr")
    total = rows.count()
    page.locator("form.tlskb-filters select[name=stack]").select_option("openssl")
    cell = table.locator("tbody tr td[data-stack-openssl]").first
    assert cell.locator(".tlskb-sr").count() == 1
    assert cell.locator(".tlskb-sr").inner_text().strip() == cell.get_attribute("data-sr-openssl")
    assert cell.get_attribute("data-sort") == cell.get_attribute("data-sort-openssl")
    page.locator("form.tlskb-filters input[name=current]").check()
    historical = table.locator('tbody tr[data-historical="yes"]')
    assert historical.count() >= 1 and all(not historical.nth(i).is_visible()
                                           for i in range(historical.count()))
    assert sum(rows.nth(i).is_visible() for i in range(total)) == total - historical.count()

def test_sorting_takes_row_headers_data_sort_and_linked_headers(browser):
    """tlskb.js on a table shaped as the templates will write it: row headers (th scope=row),
    a header that is a link (kept, with a separate "Sort by" button) and cells whose value is
    in data-sort; numbers compare as numbers."""
    page = browser.new_page()
    try:
        page.set_content(
            "<article class='md-typeset'><div class='tlskb-sortable'><table><thead><tr>"
            "<th>Case</th><th><a href='key-types/ec384.html'>ECDSA P-384</a></th></tr></thead>"
            "<tbody><tr><th scope='row'>case 10</th><td data-sort='2'>✗</td></tr>"
            "<tr><th scope='row'>case 9</th><td data-sort='10'>✓</td></tr>"
            "<tr><th scope='row'>case 100</th><td data-sort='1'>?</td></tr></tbody>"
            "</table></div></article>")
        page.add_script_tag(path=str(ROOT / "kb" / "assets" / "tlskb.js"))
        rows = lambda: page.locator("tbody tr").evaluate_all(  # noqa: E731
            "(rows) => rows.map((r) => r.cells[0].textContent)")
        link_header = page.locator("thead th").nth(1)
        assert link_header.locator("a[href='key-types/ec384.html']").count() == 1
        sort = page.get_by_role("button", name="Sort by ECDSA P-384")
        sort.click()
        assert rows() == ["case 100", "case 10", "case 9"]   # data-sort 1, 2, 10
        assert link_header.get_attribute("aria-sort") == "ascending"
        page.get_by_role("button", name="Case").click()
        assert rows() == ["case 9", "case 10", "case 100"]   # numeric-aware
        assert link_header.get_attribute("aria-sort") == "none"
        page.get_by_role("button", name="Case").click()
        assert rows() == ["case 100", "case 10", "case 9"]
        assert page.locator("thead th").first.get_attribute("aria-sort") == "descending"
        assert page.get_by_role("columnheader").count() == 2
        assert page.get_by_role("rowheader").count() == 3
    finally:
        page.close()


def test_the_measures_find_what_they_look_for(browser):
    """Calibration: the overflow measure names an element past the edge and a page widened by
    text escaping its box, and passes a wide table that scrolls in its own box; the 404 checks
    see an unstyled header with a giant icon, as 404.html was from disk before."""
    page = browser.new_page(viewport={"width": 390, "height": 900})
    try:
        page.set_content(
            "<body style='margin:0'><article><div class='wide' style='width:500px'>w</div>"
            "<div style='overflow-x:auto'><table style='width:900px'><tr><td>t</td></tr>"
            "</table></div><span class='escapee' style='position:absolute;left:800px'>s</span>"
            "</article></body>")
        seen = page.evaluate(OVERFLOW)
        assert seen["documentWidth"] > 390
        assert [o.split(" (")[0] for o in seen["offenders"]] == ["div.wide", "span.escapee"]
        page.set_content("<header class='md-header'><svg width='1000' height='1000'></svg>"
                         "</header><article><p>x</p></article>")
        styled = page.evaluate(STYLED)
        assert styled["header"] == "static" and max(styled["icons"]) > 48
    finally:
        page.close()
