"""The GnuTLS server live (net/live.py): the session server.py sets up for a replay — priority
NORMAL, no tickets, no session cache, alert_send_appropriate after an error, as Exim 4.96 —
run to the end of its handshake (server.LiveSession), net/sansio_server.py moving its bytes.

Who ended a failed handshake is GnuTLS' own word: GNUTLS_E_FATAL_ALERT_RECEIVED (or, as Exim
treats any error as the end, GNUTLS_E_WARNING_ALERT_RECEIVED) and gnutls_alert_get() name the
client's alert, decrypted in TLS 1.3; any other error is the server's refusal, and the alert
is the one gnutls_alert_send_appropriate() sends for it (gnutls_error_to_alert()).
"""

from __future__ import annotations

from collections.abc import Callable

from generator.compat.certs import CertifiedKey
from generator.compat.replay import ReplayUnavailable
from generator.net.live import HandshakeEnd, LiveHandshake, LiveServer, LiveServerError
from generator.net.sansio_server import (Engine, EngineStep, SansIOServer, alert_name,
                                         one_line)


class _GnuTLSEngine(Engine):
    def __init__(self, session) -> None:
        self._session = session

    def receive(self, data: bytes) -> EngineStep:
        step = self._session.receive(data)
        if not step.done:
            return EngineStep(step.output)
        if step.completed:
            return EngineStep(step.output, LiveHandshake(HandshakeEnd.COMPLETED, step.version,
                                                         step.cipher))
        detail = one_line(step.reason or "the handshake failed")
        if step.received_alert is not None:
            end = LiveHandshake(HandshakeEnd.CLIENT_ALERT, alert=alert_name(step.received_alert),
                                detail=detail)
        elif step.sent_alert is not None:
            end = LiveHandshake(HandshakeEnd.SERVER_ALERT, alert=alert_name(step.sent_alert),
                                detail=detail)
        else:
            end = LiveHandshake(HandshakeEnd.ERROR, detail=detail)
        return EngineStep(step.output, end)

    def close_notify(self) -> bytes:
        return self._session.close_notify()

    def release(self) -> None:
        self._session.release()


def _prepare(key: CertifiedKey) -> Callable[[], Engine]:
    from generator.stacks.gnutls import server
    try:
        server.credentials(key.chain_pem, key.key_pem, "the live chain")  # fail now, not later
    except server.GnuTLSUnavailable as error:
        raise LiveServerError(str(error)) from None
    return lambda: _GnuTLSEngine(server.LiveSession(key.chain_pem, key.key_pem,
                                                    "the live chain"))


def live_server() -> LiveServer:
    """GnuTLS 3.7.9 as a live server; LiveServerError if the library is missing or another
    release (the replayer's check)."""
    from generator.stacks.gnutls.replay import replayer
    try:
        replayer()
    except ReplayUnavailable as error:
        raise LiveServerError(str(error)) from None
    return SansIOServer("GnuTLS", _prepare)
