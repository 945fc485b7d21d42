"""The built site in a real browser (Debian's chromium driven by Playwright): search finds the
case from its error text, the key-type table shows the failure, the tree folds, tabs switch,
nothing is requested from another host, no console errors, it works opened from disk, and a
hostile case renders inert. Screenshots go to test-artifacts/ (kept by CI, not committed)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest

from conftest import require_tool
from support.site import ROOT, build_site, project_copy, serve

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync",
                  "--allow-file-access-from-files"]


@pytest.fixture(scope="module")
def browser():
    chromium = require_tool("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("playwright is required in CI (pip install '.[test]')")
        pytest.skip("playwright not installed (pip install '.[test]')")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


class Watched:
    """A page that records every request, console error and dialog."""

    def __init__(self, browser) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 1600})
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
        local = {"127.0.0.1"}
        return [url for url in self.requests
                if urlsplit(url).scheme not in ("file", "data", "blob", "about")
                and urlsplit(url).hostname not in local]

    def shoot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)

    def close(self) -> None:
        self.page.close()


@pytest.fixture
def watched(browser):
    page = Watched(browser)
    yield page
    assert page.foreign_requests() == [], "requests to other hosts"
    assert page.errors == [], "console errors"
    page.close()


@pytest.fixture(scope="module")
def served(site):
    with serve(site) as url:
        yield url


def search(page, query: str):
    page.locator("label.md-search__icon, .md-search__input").first.click()
    # Typed key by key as a reader does: Material's search listens to key events.
    page.locator(".md-search__input").press_sequentially(query, delay=20)
    results = page.locator(".md-search-result__item")
    results.first.wait_for(timeout=15000)
    return results


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
    page = watched.page
    page.goto(served + "index.html")
    matrix = page.locator(".tlskb-matrix table")
    first_before = matrix.locator("tbody tr").first.inner_text()
    matrix.locator("th", has_text="ec384").click()
    watched.shoot("home-matrix-sorted")
    cells = matrix.locator("tbody tr td:nth-child(7)").all_inner_texts()
    assert cells == sorted(cells, key=str.lower) and first_before


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


HOSTILE = """# yaml-language-server: $schema=case.schema.json
id: hostile
title: <script>alert('title')</script> and <img src=x onerror=alert('img')>
summary: >-
  An attempt at HTML injection <script>alert('summary')</script> with a
  [link](javascript:alert('link')) and <b onclick=alert('b')>bold</b> for the checker to refuse.
status:
  state: current
  observed: 2026-01-01
platform:
  name: <iframe src=https://example.com></iframe>
  role: upload
symptoms:
  - where: <script>alert('where')</script>
    text: "</code><script>alert('symptom')</script>"
cause: |
  <script>alert('cause')</script> <style>body{display:none}</style>
  [click](javascript:alert('cause-link')) ![pic](https://example.com/x.png)
outcomes:
  rsa2048: {result: works, note: "<script>alert('note')</script>"}
  rsa3072: untested
  rsa4096: untested
  rsa8192: untested
  ec256: untested
  ec384: untested
  ec521: untested
  ed25519: untested
fix:
  recommended: rsa2048
  summary: <img src=x onerror=alert('fix')>
references:
  - url: https://example.org/"onmouseover="alert('ref')
    title: <script>alert('reference')</script>
    date: 2026
tags: [rsa]
"""


def test_hostile_case_renders_inert(watched, tmp_path):
    project = project_copy(tmp_path, {"hostile.yaml": HOSTILE})
    site = build_site(tmp_path / "site", project)
    page = watched.page
    with serve(site) as url:
        page.goto(url + "cases/hostile.html")
        page.wait_for_timeout(500)
        watched.shoot("hostile-case")
        assert watched.dialogs == []
        body = page.inner_text("article")
        assert "<script>alert('summary')</script>" in body
        assert "</code><script>alert('symptom')</script>" in body
        assert page.locator("article script").count() == 0
        assert page.locator("article [onerror], article [onclick], article [onmouseover]").count() == 0
        assert page.locator("article a[href^='javascript:']").count() == 0
        assert page.locator("article iframe, article style").count() == 0
        page.goto(url + "index.html")
        page.wait_for_timeout(300)
        assert watched.dialogs == []
