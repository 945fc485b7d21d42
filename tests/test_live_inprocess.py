"""Live servers of the in-process stacks (OpenSSL pinned, GnuTLS 3.7.9, rustls 0.23.45): real
clients — openssl s_client, gnutls-cli, curl — run whole handshakes against them over
127.0.0.1 sockets, and each handshake's end is what the library itself reported: completed
with a trusted chain, the client's alert without one, and the server's own refusal exactly
where the stack's analyzer says the recorded ClientHello fails.

Without a library or client these skip with what to install; in CI (CI=true) they fail."""

from __future__ import annotations

import importlib
import socket
import subprocess
from pathlib import Path

import pytest

from conftest import missing, require_tool
from generator.compat.certs import live_certified_key, live_trust_pem
from generator.compat.keytypes import catalogue
from generator.compat.verdict import Caveat
from generator.net.live import HandshakeEnd, LiveServerError
from generator.net.sansio_server import MAX_CONNECTIONS, ClientRecords
from generator.stacks import StackId, analyzer
from generator.tls import decode_client_hello, registry
from support.net import relay

STACKS = (StackId.OPENSSL, StackId.GNUTLS, StackId.RUSTLS)
KEY_TYPES = ("rsa2048", "ec256", "ec384", "ed25519")
#: client runs end well within this; the server's own limit is HANDSHAKE_TIMEOUT
CLIENT_TIMEOUT = 30
TLS13_SUITES = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                "TLS_CHACHA20_POLY1305_SHA256"}


@pytest.fixture(scope="module", params=STACKS, ids=[s.value for s in STACKS])
def stack(request) -> StackId:
    return request.param


@pytest.fixture(scope="module")
def server(stack):
    module = importlib.import_module(f"generator.stacks.{stack.value}.live")
    try:
        live = module.live_server()
    except LiveServerError as error:
        missing(str(error))
    with live:
        yield live


@pytest.fixture(scope="module")
def trust(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("live") / "ca.pem"
    path.write_bytes(live_trust_pem())
    return path


def key_type(key_id: str):
    return catalogue().key_type(key_id)


def certified(key_id: str):
    kt = key_type(key_id)
    return live_certified_key(kt.algorithm.value, kt.size, kt.curve)


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=CLIENT_TIMEOUT)


def s_client(port: int, *options: str) -> subprocess.CompletedProcess:
    return run(require_tool("openssl"), "s_client", "-connect", f"127.0.0.1:{port}",
               "-servername", "localhost", "-verify_return_error", *options)


def only_handshake(live, port: int):
    """The one handshake of `port`'s one client run."""
    handshakes = live.handshakes(port, settle=5.0)
    assert len(handshakes) == 1, handshakes
    return handshakes[0]


@pytest.mark.parametrize("key_id", KEY_TYPES)
def test_trusted_chain_completes(stack, server, trust, key_id):
    """s_client trusting the live CAs finishes the handshake (TLS 1.3, its default) and reads
    the server's close_notify: the client exits 0, the server saw the client's Finished."""
    port = server.open_listener(certified(key_id))
    try:
        done = s_client(port, "-CAfile", str(trust))
        handshake = only_handshake(server, port)
    finally:
        server.close_listener(port)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Verification: OK" in done.stdout
    if stack is StackId.GNUTLS:   # GNUTLS_NO_TICKETS; OpenSSL and rustls send stateful ones
        assert "New Session Ticket" not in done.stdout
    assert handshake.end is HandshakeEnd.COMPLETED, handshake
    assert handshake.version == "TLSv1.3"
    assert handshake.cipher in TLS13_SUITES
    assert f"Cipher is {handshake.cipher}" in done.stdout
    assert handshake.alert is None


@pytest.mark.parametrize("options", [(), ("-tls1_2",)], ids=["tls13", "tls12"])
def test_untrusted_chain_is_the_clients_alert(server, options):
    """Without the CAs s_client refuses the chain with unknown_ca: a client alert, whether it
    comes in the clear (TLS 1.2, and OpenSSL 3.0's TLS 1.3 alert before its handshake keys)
    or encrypted."""
    port = server.open_listener(certified("rsa2048"))
    try:
        done = s_client(port, *options)
        handshake = only_handshake(server, port)
    finally:
        server.close_listener(port)
    assert done.returncode != 0
    assert "certificate verify failed" in done.stderr
    assert handshake.end is HandshakeEnd.CLIENT_ALERT, handshake
    assert handshake.alert == "unknown_ca"
    assert handshake.version is None and handshake.detail


#: (key type, s_client options, what the server library was observed to do): the client
#: offers no signature scheme (or, in TLS 1.2, no curve) the key can serve
REFUSALS = [
    ("ed25519", ("-sigalgs", "RSA-PSS+SHA256")),
    ("ec384", ("-tls1_2", "-groups", "P-256", "-sigalgs", "ECDSA+SHA256")),
]
OBSERVED = {
    # OpenSSL 3.5.6: "no suitable signature algorithm" / "no shared cipher"
    (StackId.OPENSSL, "ed25519"): (HandshakeEnd.SERVER_ALERT, "handshake_failure"),
    (StackId.OPENSSL, "ec384"): (HandshakeEnd.SERVER_ALERT, "handshake_failure"),
    # GnuTLS 3.7.9: GNUTLS_E_NO_CIPHER_SUITES; for TLS 1.2 it signs with the P-384 key
    # (ecdsa_secp256r1_sha256 is hash-only there) and OpenSSL's client refuses: wrong curve
    (StackId.GNUTLS, "ed25519"): (HandshakeEnd.SERVER_ALERT, "handshake_failure"),
    (StackId.GNUTLS, "ec384"): (HandshakeEnd.CLIENT_ALERT, "illegal_parameter"),
    # rustls 0.23.45: NoSignatureSchemesInCommon after its ServerHello (the alert encrypted);
    # in TLS 1.2 "incompatible signing key" and nothing written at all
    (StackId.RUSTLS, "ed25519"): (HandshakeEnd.SERVER_ALERT, "handshake_failure"),
    (StackId.RUSTLS, "ec384"): (HandshakeEnd.SERVER_ALERT, None),
}


@pytest.mark.parametrize(("key_id", "options"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_server_refusal_agrees_with_the_analyzer(stack, server, trust, key_id, options):
    """The ClientHello s_client really sent (recorded by a relay) is given to the stack's
    analyzer: where it says the server fails, the library ended the handshake itself (its
    alert is the analyzer's); where it says the server proceeds, the client ended it."""
    port = server.open_listener(certified(key_id))
    try:
        with relay(port) as recorder:
            done = s_client(recorder.port, "-CAfile", str(trust), *options)
            handshake = only_handshake(server, port)
            sent = bytes(recorder.sent[0])
    finally:
        server.close_listener(port)
    assert done.returncode != 0
    verdict = analyzer(stack)(decode_client_hello(sent).hello, key_type(key_id))
    end, alert = OBSERVED[stack, key_id]
    assert (handshake.end, handshake.alert) == (end, alert), handshake
    if verdict.ok:
        assert handshake.end is HandshakeEnd.CLIENT_ALERT
        assert verdict.caveat_code is Caveat.CURVE_NOT_OFFERED
    else:
        assert handshake.end is HandshakeEnd.SERVER_ALERT
        assert handshake.alert == (registry.name("alerts", verdict.alert)
                                   if verdict.alert is not None else None)
        assert handshake.detail


def test_gnutls_cli(server, trust):
    """gnutls-cli trusting the live CAs completes; without them it sends bad_certificate."""
    cli = require_tool("gnutls-cli", "gnutls-bin")
    port = server.open_listener(certified("ec256"))
    try:
        trusted = run(cli, "--port", str(port), "--x509cafile", str(trust), "localhost")
        untrusted = run(cli, "--port", str(port), "localhost")   # the system's CAs only
        first, second = server.handshakes(port, settle=5.0)
    finally:
        server.close_listener(port)
    assert trusted.returncode == 0, trusted.stdout[-2000:] + trusted.stderr[-2000:]
    assert first.end is HandshakeEnd.COMPLETED and first.version == "TLSv1.3", first
    assert "(TLS1.3-X.509)" in trusted.stdout and "Handshake was completed" in trusted.stdout
    assert "Peer has closed the GnuTLS connection" in trusted.stdout   # our close_notify
    assert untrusted.returncode != 0
    assert (second.end, second.alert) == (HandshakeEnd.CLIENT_ALERT, "bad_certificate"), second


def test_curl(server, trust):
    """curl trusting the live CAs completes the handshake (then finds no HTTP answer: the live
    server closes with close_notify, as it exchanges no application data)."""
    curl = require_tool("curl")
    port = server.open_listener(certified("rsa2048"))
    try:
        done = run(curl, "--silent", "--show-error", "--max-time", "20", "--cacert", str(trust),
                   "--resolve", f"localhost:{port}:127.0.0.1", f"https://localhost:{port}/")
        handshake = only_handshake(server, port)
    finally:
        server.close_listener(port)
    assert handshake.end is HandshakeEnd.COMPLETED, handshake
    assert "certificate" not in done.stderr.lower()   # no verification complaint
    assert done.returncode != 0                      # and, as expected, no HTTP response


def test_client_that_hangs_up(server):
    """A client that connects and closes without a byte: the handshake ended "closed"."""
    port = server.open_listener(certified("ec256"))
    try:
        with socket.create_connection(("127.0.0.1", port), 5):
            pass
        handshake = only_handshake(server, port)
    finally:
        server.close_listener(port)
    assert handshake.end is HandshakeEnd.CLOSED and handshake.alert is None


def test_client_records_find_a_plaintext_fatal_alert():
    """The driver's record tracker: a 2-byte fatal alert record is the client's alert in the
    clear; an encrypted alert (longer), a warning, or a partial record is not."""
    hello = bytes([22, 3, 1, 0, 4]) + b"\x01\x00\x00\x00"
    records = ClientRecords()
    records.feed(hello + bytes([21, 3, 3, 0]))        # the alert's header, cut
    assert records.plaintext_fatal_alert() is None
    records.feed(bytes([2, 2, 48]))
    assert records.plaintext_fatal_alert() == 48
    encrypted = ClientRecords()
    encrypted.feed(bytes([21, 3, 3, 0, 19]) + bytes(19))
    assert encrypted.plaintext_fatal_alert() is None
    warning = ClientRecords()
    warning.feed(bytes([21, 3, 3, 0, 2, 1, 0]))
    assert warning.plaintext_fatal_alert() is None
    garbage = ClientRecords()
    garbage.feed(b"GET / HTTP/1.1\r\n\r\n" + bytes([21, 3, 3, 0, 2, 2, 48]))
    assert garbage.plaintext_fatal_alert() is None


def test_listener_serves_at_most_64_connections(server):
    """Past MAX_CONNECTIONS a listener closes connections unanswered and records nothing."""
    port = server.open_listener(certified("ec256"))
    try:
        for _ in range(MAX_CONNECTIONS + 2):
            with socket.create_connection(("127.0.0.1", port), 5):
                pass
        handshakes = server.handshakes(port, settle=10.0)
    finally:
        server.close_listener(port)
    assert len(handshakes) == MAX_CONNECTIONS
    assert {h.end for h in handshakes} == {HandshakeEnd.CLOSED}
