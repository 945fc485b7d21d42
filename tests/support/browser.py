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
