"""The reference server live (net/live.py): the pinned OpenSSL, configured by
pinned.server_context exactly as the replayer is, driven over memory BIOs as the replayer
drives it, with net/sansio_server.py moving the bytes between those BIOs and a real socket.

Who ended a failed handshake is read from the library itself: its info callback reports
every alert it reads (SSL_CB_READ_ALERT) and writes (SSL_CB_WRITE_ALERT) with the alert's
description, after decryption in TLS 1.3 — so a client's encrypted unknown_ca after the
server's flight is a client alert, and the server's own handshake_failure a server alert.
Its error reason agrees ("tlsv1 alert unknown ca" for a received alert, "no suitable
signature algorithm" for its own refusal) and is kept as the detail.

Observed, OpenSSL 3.5.6: in TLS 1.3 the server still sends NewSessionTickets when the
handshake completes — SSL_OP_NO_TICKET makes them stateful (RFC 8446 §4.6.1), and with the
session cache off no connection can resume from one. pyOpenSSL has no SSL_CTX_set_num_tickets
and the replayer's configuration is kept as it is, so the live server sends them too.
"""

from __future__ import annotations

from collections.abc import Callable

from OpenSSL import SSL

from generator.compat.certs import CertifiedKey
from generator.net.live import HandshakeEnd, LiveHandshake, LiveServer, LiveServerError
from generator.net.sansio_server import (Engine, EngineStep, SansIOServer, alert_name,
                                         one_line)
from generator.stacks.openssl import pinned
from generator.tls import registry

#: the first bytes the server writes that are kept to read its ServerHello's suite
_HELLO_BYTES = 1 << 12
_SERVER_HELLO = 2
_HANDSHAKE = 22


class _OpenSSLEngine(Engine):
    def __init__(self, context: SSL.Context) -> None:
        self.read_alerts: list[int] = []      # descriptions, in order (the info callback)
        self.written_alerts: list[int] = []
        self._first = bytearray()
        self._connection = SSL.Connection(context, None)
        self._connection.set_app_data(self)
        self._connection.set_accept_state()

    def receive(self, data: bytes) -> EngineStep:
        connection = self._connection
        connection.bio_write(data)
        try:
            connection.do_handshake()
        except SSL.WantReadError:
            return EngineStep(self._drain())
        except SSL.Error as error:
            return EngineStep(self._drain(), self._failed(pinned.error_text(error)))
        output = self._drain()
        suite = server_hello_suite(bytes(self._first))
        return EngineStep(output, LiveHandshake(
            HandshakeEnd.COMPLETED, connection.get_protocol_version_name(),
            registry.cipher_suite_name(suite) if suite is not None
            else connection.get_cipher_name()))

    def _drain(self) -> bytes:
        output = pinned.drain(self._connection)
        if len(self._first) < _HELLO_BYTES:
            self._first += output[:_HELLO_BYTES - len(self._first)]
        return output

    def _failed(self, reason: str) -> LiveHandshake:
        detail = one_line(reason)
        if self.read_alerts:     # the client's alert ended it
            return LiveHandshake(HandshakeEnd.CLIENT_ALERT,
                                 alert=alert_name(self.read_alerts[-1]), detail=detail)
        if self.written_alerts:  # the library refused and said so
            return LiveHandshake(HandshakeEnd.SERVER_ALERT,
                                 alert=alert_name(self.written_alerts[-1]), detail=detail)
        return LiveHandshake(HandshakeEnd.ERROR, detail=detail)

    def close_notify(self) -> bytes:
        try:
            self._connection.shutdown()
        except SSL.Error:
            pass  # the alert is written whether or not shutdown() waits for the client's
        return pinned.drain(self._connection)

    def release(self) -> None:
        self._connection.set_app_data(None)


def server_hello_suite(flight: bytes) -> int | None:
    """The cipher suite of the ServerHello that starts `flight` (RFC 8446 §4.1.3: version,
    random, session id, suite), or None if it does not start with one."""
    if len(flight) < 5 + 4 + 2 + 32 + 1 or flight[0] != _HANDSHAKE or flight[5] != _SERVER_HELLO:
        return None
    at = 5 + 4 + 2 + 32
    at += 1 + flight[at]
    return int.from_bytes(flight[at:at + 2], "big") if at + 2 <= len(flight) else None


def _info(connection: SSL.Connection, where: int, value: int) -> None:
    """OpenSSL's info callback: `value` is (level << 8) | description for an alert."""
    engine = connection.get_app_data()
    if not isinstance(engine, _OpenSSLEngine) or not where & SSL.SSL_CB_ALERT:
        return
    if where & SSL.SSL_CB_READ:
        engine.read_alerts.append(value & 0xFF)
    elif where & SSL.SSL_CB_WRITE:
        engine.written_alerts.append(value & 0xFF)


def _prepare(key: CertifiedKey) -> Callable[[], Engine]:
    context = pinned.server_context(key)
    context.set_info_callback(_info)   # observes only: no setting of the server changes
    return lambda: _OpenSSLEngine(context)


def live_server() -> LiveServer:
    """The pinned OpenSSL as a live server; LiveServerError if it is not the pinned one."""
    try:
        pinned.label()
    except pinned.ReferenceMismatch as error:
        raise LiveServerError(str(error)) from None
    return SansIOServer("OpenSSL", _prepare)
