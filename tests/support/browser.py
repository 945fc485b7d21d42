"""Debian's chromium driven by Playwright (never `playwright install`): its launch flags, and a
page that records what it requests, logs and asks. Shared by the browser tests of the site."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest

from support.site import ROOT

#: screenshots (kept by CI, not committed)
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync",
                  "--allow-file-access-from-files"]
#: the only host a page of the site may talk to: the test's own server
LOCAL_HOSTS = frozenset({"127.0.0.1"})


def require_playwright() -> None:
    """Skips locally when Playwright's Python package is missing; fails in CI."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("playwright is required in CI (pip install '.[test]')")
        pytest.skip("playwright not installed (pip install '.[test]')")


def is_foreign(url: str) -> bool:
    """A request that leaves this machine: any scheme but the local ones, to any host but the
    test's server."""
    parts = urlsplit(url)
    return (parts.scheme not in ("file", "data", "blob", "about")
            and parts.hostname not in LOCAL_HOSTS)


class Watched:
    """A page that records every request, console error and dialog."""

    def __init__(self, browser, width: int = 1280, height: int = 1600) -> None:
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

        def dismiss(dialog):
            self.dialogs.append(dialog.message)
            dialog.dismiss()
        self.page.on("dialog", dismiss)

    def foreign_requests(self) -> list[str]:
        return [url for url in self.requests if is_foreign(url)]

    def shoot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)

    def close(self) -> None:
        self.page.close()


def search(page, query: str):
    page.locator("label.md-search__icon, .md-search__input").first.click()
    # Typed key by key as a reader does: Material's search listens to key events.
    page.locator(".md-search__input").press_sequentially(query, delay=20)
    results = page.locator(".md-search-result__item")
    results.first.wait_for(timeout=15000)
    return results


def paste_search(page, query: str, base: str) -> list[str]:
    """The pages Material's search lists for `query` pasted into the search box of the page
    open in `page`, best first (the first ten, those it shows at once), as addresses relative
    to the site's root `base` (http://…/ or file://…/).

    Pasted, as a reader pastes an error message: the box's value is set whole, then a key is
    let go (Material searches on keyup), so the only query after an empty one (focusing the
    box, or clearing the previous query) is the whole text, and the worker answering in order,
    the first results shown are its results."""
    box = page.locator(".md-search__input")
    items = page.locator(".md-search-result__item")
    page.locator("label.md-search__icon, .md-search__input").first.click()
    if box.input_value():   # the previous query's results go first (the empty query has none)
        box.fill("")
        box.press("End")
        items.first.wait_for(state="detached", timeout=15000)
    box.fill(query)
    box.press("End")
    items.first.wait_for(timeout=15000)
    hrefs = page.eval_on_selector_all(
        ".md-search-result__item > a:first-child", "links => links.map(a => a.href)")
    root = urlsplit(base).path
    return [urlsplit(href).path.removeprefix(root) for href in hrefs]
