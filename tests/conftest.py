"""Shared fixtures: the ClientHello corpus, external tools (required in CI), --slow, the built
site and a browser to open it in."""

from __future__ import annotations

import os
import re
import shutil
import ssl
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))

from support.corpus import load_corpus  # noqa: E402
from support.net import free_port, write_credentials  # noqa: E402
from generator.compat.keytypes import catalogue  # noqa: E402


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true", help="run long property-based runs")


def pytest_configure(config: pytest.Config) -> None:
    """Hypothesis profiles. The default one is derandomized (examples follow from each test's
    own source and the pinned Hypothesis release) and keeps no example database, so a run
    cannot pass or fail by chance and every machine tests the same hellos. `--slow` (and
    `make fuzz`) explores at random, 5000 examples per property; each counterexample it finds
    becomes an explicit @example."""
    from hypothesis import HealthCheck, settings
    settings.register_profile("default", max_examples=300, deadline=None, derandomize=True,
                              database=None, print_blob=True,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile("slow", max_examples=5000, deadline=None, print_blob=True,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile("slow" if config.getoption("--slow") else "default")
    # replays remembered on disk (compat/replaycache.py) go to a directory of this run's own,
    # never the user's cache: every run replays against the libraries it has
    import os
    import tempfile
    os.environ["TLSKB_CACHE_DIR"] = tempfile.mkdtemp(prefix="tlskb-test-cache-")


def require_tool(name: str, package: str | None = None) -> str:
    """The tool's path; skips locally when missing, but fails in CI (CI=true), where .ci/run
    installs it."""
    path = shutil.which(name)
    if path:
        return path
    missing(f"{name} is not installed (apt-get install {package or name})")


def missing(message: str) -> None:
    """Fails in CI (where .ci/run must have provided it), skips elsewhere."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; fix .ci/run")
    pytest.skip(message)


def require_tls_client(name: str, probe: list[str], expect: str, package: str) -> str:
    """A client program that can really speak TLS: what `probe` (e.g. ["--support"]) prints
    must match the regular expression `expect`. A client built or installed without TLS (swaks
    without Net::SSLeay, which Debian only recommends) fails at once with its own words, never
    by a timeout later."""
    path = require_tool(name)
    try:
        done = subprocess.run([path, *probe], capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        missing(f"{name} {' '.join(probe)} did not answer within 20 s")
    said = (done.stdout + done.stderr).strip()
    if not re.search(expect, said, re.MULTILINE):
        lines = said.splitlines()
        why = [line for line in lines if "TLS" in line or "SSL" in line] or lines[:3]
        missing(f"{name} cannot do TLS here ({' / '.join(why) or 'no output'}; "
                 f"apt-get install {package})")
    return path


@pytest.fixture(scope="session")
def corpus():
    return load_corpus()


@pytest.fixture(scope="session")
def tshark() -> str:
    return require_tool("tshark")


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The real site, built once per test session with `mkdocs build --strict`."""
    from support.site import build_site
    return build_site(tmp_path_factory.mktemp("site") / "site")


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium under Playwright, one per test module."""
    from support.browser import CHROMIUM_FLAGS, require_playwright
    chromium = require_tool("chromium")
    require_playwright()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def watched(browser):
    """A 1280 px wide page that must request nothing from other hosts and log no error."""
    from support.browser import Watched
    page = Watched(browser)
    yield page
    assert page.foreign_requests() == [], "requests to other hosts"
    assert page.errors == [], "console errors"
    page.close()


@pytest.fixture(scope="module")
def served(site):
    """The built site over HTTP on 127.0.0.1; its base URL."""
    from support.site import serve
    with serve(site) as url:
        yield url


@pytest.fixture()
def smtp_server(tmp_path):
    """An SMTP server with STARTTLS (aiosmtpd, Python's ssl) holding the given key types."""
    try:
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Sink
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("aiosmtpd is required in CI (pip install '.[test]')")
        pytest.skip("aiosmtpd not installed (pip install '.[test]')")
    started = []

    def start(*key_ids: str | None) -> int:
        """A server holding a certificate of each key type given (none: no STARTTLS)."""
        context = None
        for key_id in filter(None, key_ids):
            chain, key = write_credentials(tmp_path, catalogue().key_type(key_id))
            context = context or ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(chain, key)
        port = free_port()
        controller = Controller(Sink(), hostname="127.0.0.1", port=port, tls_context=context,
                                require_starttls=context is not None, ready_timeout=10)
        controller.start()
        started.append(controller)
        return port

    yield start
    for controller in started:
        controller.stop()
