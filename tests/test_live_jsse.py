"""JSSE live server (generator/stacks/jsse/live.py): real clients (openssl s_client,
curl) run their whole handshake against OpenJDK 17's SunJSSE with the replayer's pinned settings; the
outcomes agree with the JSSE analyzer. Without Java 17 (default-jdk-headless) these tests skip
locally and fail in CI (CI=true)."""

from __future__ import annotations

import pytest

from conftest import missing, require_tool
from generator.net.live import LiveServerError
from generator.stacks import StackId
from generator.stacks.jsse import live as jsse_live
from support.live import (test_closed_listener_is_gone, test_curl_completes,  # noqa: F401
                          test_helper_death_is_an_error, test_p384_key_refused_in_tls13,
                          test_p384_key_without_its_scheme,
                          test_several_connections_in_accept_order,
                          test_trusting_client_completes, test_untrusting_client_refuses)


def _server():
    require_tool("openssl")
    try:
        return jsse_live.live_server()
    except LiveServerError as error:
        missing(str(error))


@pytest.fixture(scope="module")
def live():
    with _server() as server:
        yield server


@pytest.fixture
def fresh_live():
    with _server() as server:
        yield server


@pytest.fixture
def stack():
    return StackId.JSSE


def test_reports_the_pinned_runtime(live):
    assert live.runtime.version.startswith("17.")
