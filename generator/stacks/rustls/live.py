"""The rustls server live (net/live.py): rtls' sans-I/O server connection, built as the
replayer builds it (replay.py: the pinned rustls with aws-lc-rs, one certificate, rtls'
server defaults), net/sansio_server.py moving its bytes (read_tls, process_new_packets,
write_tls until the connection no longer is_handshaking).

Who ended a failed handshake is rustls' own error: `AlertReceived(...)` is the client's alert
(decrypted in TLS 1.3); any other error is rustls' refusal, and the alert it sent is read from
what it wrote — in the clear before its ServerHello, else opened with the server handshake
traffic secret from the listener's own key log, as the replayer opens a TLS 1.3 flight.

Observed, rustls 0.23.45 in rtls 2026.9.21: after a TLS 1.3 handshake the server sends two
NewSessionTickets (rustls' default send_tls13_tickets, stateful); rtls builds a fresh
ServerConfig, and so an empty session cache, per connection, so none can resume, and rtls
offers no setting to stop them. In TLS 1.2, a key that cannot sign with any scheme the client
offers ends the handshake with nothing written ("incompatible signing key", as the replayer
sees): no alert, so the end is "error" with rustls' words.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable
from typing import Any

from generator.compat.certs import CertifiedKey
from generator.compat.outcome import outcome_from_flight
from generator.compat.replay import ReplayUnavailable
from generator.errors import DecodeError
from generator.net.live import HandshakeEnd, LiveHandshake, LiveServer, LiveServerError
from generator.net.sansio_server import (Engine, EngineStep, SansIOServer, alert_by_words,
                                         alert_name, one_line)
from generator.stacks.rustls import replay as rustls_replay

#: rustls' words for an alert it received: "received fatal alert: UnknownCA" (Display) or
#: "AlertReceived(UnknownCA)" (Debug)
_RECEIVED = re.compile(r"(?:AlertReceived\(|received fatal alert: ?)(?P<alert>[A-Za-z0-9_]+)")
#: the first bytes the server writes that are kept to find its alert (a failed first flight
#: with an RSA 8192 chain is about 3 KiB)
_KEPT_OUTPUT = 1 << 16
#: what protocol_version() returns (the version's code point, observed, rtls 2026.9.21)
_VERSION_NAMES = {0x0303: "TLSv1.2", 0x0304: "TLSv1.3"}
_HANDSHAKE_SECRET = "SERVER_HANDSHAKE_TRAFFIC_SECRET"
_KEYLOG_READ = 1 << 20


class _KeyLog:
    """One listener's key log: rustls appends a line per secret, keyed by the client random."""

    def __init__(self) -> None:
        self.directory = tempfile.mkdtemp(prefix="tlskb-rustls-live-")   # mode 0700
        self.path = os.path.join(self.directory, "keylog.txt")
        self.lock = threading.Lock()

    def handshake_secret(self, client_random: bytes) -> bytes | None:
        wanted = client_random.hex()
        with self.lock:
            try:
                with open(self.path, "rb") as handle:
                    text = handle.read(_KEYLOG_READ).decode("ascii", "replace")
            except FileNotFoundError:
                return None
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[0] == _HANDSHAKE_SECRET and parts[1].lower() == wanted:
                try:
                    return bytes.fromhex(parts[2])
                except ValueError:
                    return None
        return None

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def client_random(hello: bytes) -> bytes | None:
    """The random of the ClientHello that starts `hello` (RFC 8446 §4.1.2), if it does."""
    if len(hello) < 5 + 4 + 2 + 32 or hello[0] != 22 or hello[5] != 1:
        return None
    return hello[11:43]


class _RustlsEngine(Engine):
    def __init__(self, connection: Any, keylog: _KeyLog, key_id: str) -> None:
        self._connection = connection
        self._keylog = keylog
        self._key_id = key_id
        self._input = bytearray()    # the client's first bytes, for its random
        self._output = bytearray()   # the server's first bytes, for its alert

    def receive(self, data: bytes) -> EngineStep:
        connection = self._connection
        if len(self._input) < 64:
            self._input += data[:64 - len(self._input)]
        out = bytearray()
        offset, error = 0, None
        while offset < len(data) and error is None:   # each round consumes a byte or stops
            consumed, error = rustls_replay._call(connection.read_tls, data[offset:])
            if error is None:
                if not consumed:
                    break
                offset += consumed
                _, error = rustls_replay._call(connection.process_new_packets)
            drained = rustls_replay._drain(connection, out)   # after a failure too: its alert
            error = error or drained
        if len(self._output) < _KEPT_OUTPUT:
            self._output += out[:_KEPT_OUTPUT - len(self._output)]
        if error is not None:
            return EngineStep(bytes(out), self._failed(error))
        handshaking, error = rustls_replay._call(connection.is_handshaking)
        if error is not None:
            return EngineStep(bytes(out), LiveHandshake(HandshakeEnd.ERROR,
                                                        detail=one_line(error)))
        if handshaking:
            return EngineStep(bytes(out))
        version = connection.protocol_version()
        return EngineStep(bytes(out), LiveHandshake(
            HandshakeEnd.COMPLETED, _VERSION_NAMES.get(version, str(version)),
            _suite_name(connection.negotiated_cipher_suite())))

    def _failed(self, error: str) -> LiveHandshake:
        detail = one_line(error)
        received = _RECEIVED.search(error)
        if received:
            return LiveHandshake(HandshakeEnd.CLIENT_ALERT,
                                 alert=alert_by_words(received["alert"]), detail=detail)
        sent = self._sent_alert()
        if sent is not None:
            return LiveHandshake(HandshakeEnd.SERVER_ALERT, alert=alert_name(sent),
                                 detail=detail)
        # rustls's own error without an alert on the wire: it refused silently (observed with
        # rustls 0.23.45 in TLS 1.2, "incompatible signing key"): still the server's refusal
        return LiveHandshake(HandshakeEnd.SERVER_ALERT, detail=detail)

    def _sent_alert(self) -> int | None:
        """The alert in what rustls wrote, opened with its key log in TLS 1.3."""
        random = client_random(bytes(self._input))
        secret = self._keylog.handshake_secret(random) if random is not None else None
        try:
            outcome = outcome_from_flight(self._key_id, bytes(self._output), "failed",
                                          library_name="rustls", library_failed=True,
                                          server_handshake_secret=secret)
        except DecodeError:
            return None
        return outcome.alert

    def close_notify(self) -> bytes:
        out = bytearray()
        _, error = rustls_replay._call(self._connection.send_close_notify)
        if error is None:
            rustls_replay._drain(self._connection, out)
        return bytes(out)


def _suite_name(suite: object) -> str | None:
    """rustls names TLS 1.3 suites "TLS13_AES_256_GCM_SHA384"; the IANA name has "TLS_"."""
    if suite is None:
        return None
    text = str(suite)
    return "TLS_" + text[len("TLS13_"):] if text.startswith("TLS13_") else text


class _Listeners:
    """Key logs to remove when the server closes."""

    def __init__(self) -> None:
        self.keylogs: list[_KeyLog] = []
        self.lock = threading.Lock()

    def prepare(self, key: CertifiedKey) -> Callable[[], Engine]:
        _, native = rustls_replay._bindings()
        keylog = _KeyLog()
        with self.lock:
            self.keylogs.append(keylog)
        builder = native.RustlsConfigBuilder()
        try:
            builder.set_server_cert_chain_pem(key.chain_pem, key.key_pem)
        except Exception as error:  # noqa: BLE001 - rtls raises its own error classes
            raise LiveServerError(f"rustls refused the live chain: "
                                  f"{rustls_replay._error_text(error)}") from None
        builder.set_keylog_filename(keylog.path)
        key_id = "live"

        def engine() -> Engine:
            connection, error = rustls_replay._call(builder.build_server_connection)
            if connection is None:
                raise LiveServerError(f"rustls would not build a server: {error}")
            return _RustlsEngine(connection, keylog, key_id)
        return engine

    def remove(self) -> None:
        with self.lock:
            keylogs, self.keylogs = self.keylogs, []
        for keylog in keylogs:
            keylog.remove()


class _RustlsServer(SansIOServer):
    def __init__(self) -> None:
        self._keylogs = _Listeners()
        super().__init__("rustls", self._keylogs.prepare)

    def close(self) -> None:
        super().close()
        self._keylogs.remove()


def live_server() -> LiveServer:
    """The pinned rustls as a live server; LiveServerError if rtls is missing or carries
    another rustls (the replayer's check)."""
    try:
        rustls_replay.library_version()
    except ReplayUnavailable as error:
        raise LiveServerError(str(error)) from None
    return _RustlsServer()
