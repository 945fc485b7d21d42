"""JSSE as a live server: JsseLive.java (compiled with the replayer's JsseReplay.java by
replay.compiled) in a JVM started exactly as the replayer's (replay.java_command: the pinned
java.security and jdk.tls.* properties of facts.py), serving real connections on 127.0.0.1.

Each connection gets a fresh SSLContext with the replayer's key managers (JsseReplay.readKey),
as each replay does, and a server-mode SSLSocket with the defaults; the JVM's report is checked
as the replayer's is (replay.check_configuration), and each listener's enabled protocols and
suites against facts.py, so a runtime the replayer refuses is refused here too.

How a handshake ended: an SSLHandshakeException "Received fatal alert: X" is the client's alert
(client_alert); otherwise JSSE's own "Fatal (X): ..." log record, on the handshake's thread,
names the alert it sent (server_alert).
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from generator.compat.certs import CertifiedKey
from generator.compat.replay import ReplayUnavailable
from generator.net.live import HANDSHAKE_TIMEOUT, LiveHandshake, LiveServerError
from generator.net.livehelper import HelperLiveServer, alert_name, handshake_end, one_line
from generator.stacks.jsse import facts
from generator.stacks.jsse import replay as jsse_replay

MAIN_CLASS = "JsseLive"
#: seconds for the JVM's first answer (start-up, class loading)
START_TIMEOUT = 60.0


def _key_factory(credentials: CertifiedKey) -> str:
    key = credentials.private_key
    if isinstance(key, rsa.RSAPrivateKey):
        return "RSA"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return "EC"
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "Ed25519"
    raise LiveServerError(f"the JSSE live server takes RSA, EC and Ed25519 keys, not "
                          f"{type(key).__name__}")


class JsseLiveServer(HelperLiveServer):
    """One JsseLive JVM; see the module's docstring."""

    name = "the JSSE live helper (JsseLive)"
    remedy = (f"it needs Java {facts.JAVA_FEATURE} ({facts.INSTALL}, or set TLSKB_JAVA and "
              "TLSKB_JAVAC); the replayer (tlskb replay --stack jsse) uses the same JVM settings")

    def __init__(self) -> None:
        self._last_listen: dict = {}    # the last 'L' answer: the listener's enabled settings
        try:
            command = jsse_replay.java_command(MAIN_CLASS, str(round(HANDSHAKE_TIMEOUT * 1000)))
        except ReplayUnavailable as error:
            raise LiveServerError(f"no live JSSE server: {error}") from None
        super().__init__(command, start_timeout=START_TIMEOUT)
        try:
            self.runtime = jsse_replay.check_configuration(self.info)
        except ReplayUnavailable as error:
            self.close()
            raise LiveServerError(f"no live JSSE server: {error}") from None

    def listen_payload(self, key: CertifiedKey) -> bytes:
        return jsse_replay.key_payload(_key_factory(key), key)

    def open_listener(self, key: CertifiedKey) -> int:
        port = super().open_listener(key)
        enabled = self._last_listen
        problems = [f"{what} {', '.join(found)}" for what, found, pinned in (
            ("protocols", enabled.get("enabled_protocols", ()), facts.ENABLED_PROTOCOLS),
            ("cipher suites", enabled.get("enabled_cipher_suites", ()),
             facts.SERVER_CIPHER_SUITES)) if tuple(found) != pinned]
        if problems:
            self.close_listener(port)
            raise LiveServerError(f"the JSSE live server enables other {'; '.join(problems)} "
                                  f"than the replayer's pinned ones (facts.py)")
        return port

    def _checked(self, payload: bytes, what: str) -> dict:
        answer = super()._checked(payload, what)
        if payload[:1] == b"L":
            self._last_listen = answer
        return answer

    def to_handshake(self, entry: dict) -> LiveHandshake:
        version, cipher = entry.get("version"), entry.get("cipher")
        return LiveHandshake(end=handshake_end(entry.get("end")),
                             version=version if version in ("TLSv1.2", "TLSv1.3") else None,
                             cipher=cipher if cipher and not cipher.startswith("SSL_NULL")
                             else None,
                             alert=alert_name(entry.get("alert")),
                             detail=one_line(entry.get("detail")))


def live_server() -> JsseLiveServer:
    """A live JSSE server (its own JVM); LiveServerError says what to install when Java 17 is
    missing or cannot honour the pins."""
    return JsseLiveServer()
