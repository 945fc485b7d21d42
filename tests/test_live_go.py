"""Go crypto/tls live server (generator/stacks/go/live.py): real clients (openssl s_client,
curl) run their whole handshake against go1.19's tls.Server configured as the replayer's; the
outcomes agree with the Go analyzer. Without golang-go (Debian 12: Go 1.19) these tests skip
locally and fail in CI (CI=true)."""

from __future__ import annotations

import pytest

from conftest import missing, require_tool
from generator.net.live import LiveServerError
from generator.stacks import StackId
from generator.stacks.go import live as go_live
from support.live import (test_closed_listener_is_gone, test_curl_completes,  # noqa: F401
                          test_helper_death_is_an_error, test_p384_key_refused_in_tls13,
                          test_p384_key_without_its_scheme,
                          test_several_connections_in_accept_order,
                          test_trusting_client_completes, test_untrusting_client_refuses)


def _server():
    require_tool("openssl")
    try:
        return go_live.live_server()
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
    return StackId.GO


def test_reports_the_release(live):
    assert live.library.startswith("Go crypto/tls go1.19")
