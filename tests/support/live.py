"""Real clients against a stack's live server (generator/net/live.py): `openssl s_client` and
curl run to the end of their handshake on 127.0.0.1; a relay records the hello the client
really sent, so that the stack's analyzer can be asked about the same bytes. Every run is
bounded by a timeout."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from generator.compat.certs import live_certified_key, live_trust_pem
from generator.compat.keytypes import catalogue
from generator.compat.verdict import VerdictKind
from generator.net.live import (HANDSHAKE_TIMEOUT, HandshakeEnd, LiveHandshake, LiveServer,
                                LiveServerError)
from generator.stacks import StackId, analyzer
from generator.tls import decode_client_hello, registry
from support.net import relay

CLIENT_TIMEOUT = HANDSHAKE_TIMEOUT + 10
#: key types every live test serves: one of each algorithm, and the curve the failures use
KEY_TYPES = ("rsa2048", "ec256", "ec384", "ed25519")


def key_type(ident: str):
    return catalogue().key_type(ident)


def certified(ident: str):
    kt = key_type(ident)
    return live_certified_key(kt.algorithm.value, kt.size, kt.curve)


def trust_file(directory: Path) -> Path:
    path = directory / "ca.pem"
    path.write_bytes(live_trust_pem())
    return path


def s_client(port: int, *args: str) -> subprocess.CompletedProcess:
    """`openssl s_client` to 127.0.0.1:port, stdin closed: it ends after the handshake."""
    return subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}",
                           "-servername", "localhost", "-verify_return_error", *args],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=CLIENT_TIMEOUT)


def only(server: LiveServer, port: int) -> LiveHandshake:
    """The one handshake of `port` (a listener per client run)."""
    handshakes = server.handshakes(port, settle=HANDSHAKE_TIMEOUT)
    assert len(handshakes) == 1, handshakes
    return handshakes[0]


def run_recorded(server: LiveServer, ident: str, *args: str):
    """s_client with `args` through a relay to a fresh listener holding an `ident` key: (the
    client's run, the live handshake, the analyzer's verdict on the hello it sent)."""
    port = server.open_listener(certified(ident))
    try:
        with relay(port) as recorder:
            done = s_client(recorder.port, *args)
        handshake = only(server, port)
    finally:
        server.close_listener(port)
    wire = bytes(recorder.sent[0])
    first_record = wire[:5 + int.from_bytes(wire[3:5], "big")]
    hello = decode_client_hello(first_record).hello
    return done, handshake, hello


def verdict(stack: StackId, hello, ident: str):
    return analyzer(stack)(hello, key_type(ident))


# -- the tests every stack's live server passes (tests/test_live_<stack>.py import them and
# -- provide the fixtures `live`, a LiveServer, and `stack`, its StackId) --------------------

VERSIONS = {"-tls1_2": "TLSv1.2", "-tls1_3": "TLSv1.3"}
#: signature_algorithms without ecdsa_secp384r1_sha384: a P-384 key has no TLS 1.3 scheme
NO_P384_SIGALGS = ("-sigalgs", "rsa_pss_rsae_sha256:ecdsa_secp256r1_sha256")
UNTRUSTING = ("-no-CAfile", "-no-CApath", "-no-CAstore")


@pytest.mark.parametrize("flag", VERSIONS)
@pytest.mark.parametrize("ident", KEY_TYPES)
def test_trusting_client_completes(live, stack, tmp_path, ident, flag):
    """A client that trusts the CA finishes the handshake with every key type; the version
    and suite are those the stack's analyzer predicts for the hello the client sent."""
    done, handshake, hello = run_recorded(live, ident, "-CAfile", str(trust_file(tmp_path)), flag)
    assert done.returncode == 0, done.stderr[-800:]
    assert "Verify return code: 0 (ok)" in done.stdout
    assert handshake.end is HandshakeEnd.COMPLETED, handshake
    assert handshake.version == VERSIONS[flag]
    expected = verdict(stack, hello, ident)
    assert expected.ok, expected.reason
    assert handshake.cipher == registry.cipher_suite_name(expected.cipher_suite)


@pytest.mark.parametrize("flag", VERSIONS)
def test_untrusting_client_refuses(live, stack, flag):
    """A client that trusts no CA refuses the chain: the handshake ends with its alert
    (OpenSSL sends unknown_ca), not the server's — in TLS 1.3 too, where OpenSSL's alert
    travels in plaintext that neither server can read (the helpers watch the wire)."""
    done, handshake, _ = run_recorded(live, "rsa2048", *UNTRUSTING, flag)
    assert done.returncode != 0
    assert "certificate verify failed" in done.stderr
    if (stack is StackId.JSSE and flag == "-tls1_3" and handshake.end is HandshakeEnd.CLOSED
            and "Broken pipe" in (handshake.detail or "")):
        # observed (OpenJDK 17.0.21.1, TLS 1.3, loopback): the client refuses the chain and
        # closes while JSSE still writes its flight; the reset that follows can discard the
        # alert before JSSE's byte pump reads it. The end is still the client's (a closed
        # connection), never a server alert or a completed handshake
        return
    assert (handshake.end, handshake.alert) == (HandshakeEnd.CLIENT_ALERT, "unknown_ca"), handshake


@pytest.mark.parametrize("flag", VERSIONS)
def test_p384_key_without_its_scheme(live, stack, tmp_path, flag):
    """A client whose signature_algorithms lack the P-384 scheme: the server refuses exactly
    when its analyzer says it does, with the analyzer's alert; otherwise it completes."""
    done, handshake, hello = run_recorded(live, "ec384", "-CAfile", str(trust_file(tmp_path)),
                                          *NO_P384_SIGALGS, flag)
    expected = verdict(stack, hello, "ec384")
    if expected.kind is VerdictKind.FAIL:
        assert done.returncode != 0
        assert handshake.end is HandshakeEnd.SERVER_ALERT, handshake
        assert handshake.alert == registry.lookup("alerts", expected.alert), (handshake, expected)
    else:
        assert done.returncode == 0, done.stderr[-800:]
        assert handshake.end is HandshakeEnd.COMPLETED, (handshake, expected)


def test_p384_key_refused_in_tls13(live, stack, tmp_path):
    """TLS 1.3 binds an ECDSA scheme to its curve (RFC 8446 §4.2.3): both servers refuse."""
    _, handshake, _ = run_recorded(live, "ec384", "-CAfile", str(trust_file(tmp_path)),
                                   *NO_P384_SIGALGS, "-tls1_3")
    assert handshake.end is HandshakeEnd.SERVER_ALERT, handshake


def test_curl_completes(live, tmp_path):
    """curl trusting the CA completes the handshake; the server then closes with close_notify
    and no application data, which curl reports as an empty reply (exit status 52)."""
    from conftest import require_tool
    curl = require_tool("curl")
    port = live.open_listener(certified("ec256"))
    try:
        done = subprocess.run([curl, "-sS", "--max-time", str(CLIENT_TIMEOUT), "--cacert",
                               str(trust_file(tmp_path)), f"https://localhost:{port}/"],
                              capture_output=True, text=True, timeout=CLIENT_TIMEOUT + 5)
        handshake = only(live, port)
    finally:
        live.close_listener(port)
    assert done.returncode == 52, done.stderr
    assert handshake.end is HandshakeEnd.COMPLETED, handshake


def test_several_connections_in_accept_order(live, tmp_path):
    """One listener, three clients: three handshakes, in the order they were accepted."""
    port = live.open_listener(certified("rsa2048"))
    try:
        s_client(port, "-CAfile", str(trust_file(tmp_path)), "-tls1_2")
        s_client(port, *UNTRUSTING, "-tls1_2")
        s_client(port, "-CAfile", str(trust_file(tmp_path)), "-tls1_3")
        ends = [(h.end, h.version) for h in live.handshakes(port, settle=HANDSHAKE_TIMEOUT)]
    finally:
        live.close_listener(port)
    assert [end for end, _ in ends] == [HandshakeEnd.COMPLETED, HandshakeEnd.CLIENT_ALERT,
                                        HandshakeEnd.COMPLETED]
    assert ends[2][1] == "TLSv1.3"


def test_closed_listener_is_gone(live):
    port = live.open_listener(certified("rsa2048"))
    live.close_listener(port)
    with pytest.raises(LiveServerError, match="no listener"):
        live.handshakes(port, settle=0)
    done = s_client(port, "-tls1_2")
    assert done.returncode != 0


def test_helper_death_is_an_error(fresh_live):
    """A helper that dies is a LiveServerError saying what to do, never a hang."""
    process = fresh_live._process
    os.kill(process.pid, signal.SIGKILL)    # our own child
    process.wait(timeout=10)
    with pytest.raises(LiveServerError, match="exit") as raised:
        fresh_live.open_listener(certified("rsa2048"))
    assert fresh_live.remedy in str(raised.value)
