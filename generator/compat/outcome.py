"""What a server stack answered a replayed ClientHello with, read from its whole first flight:
leading warning alerts, then a ServerHello (with the TLS 1.2 ServerKeyExchange's group and
signature scheme, or — when the replayer hands over the library's handshake secret — the TLS
1.3 CertificateVerify's), a HelloRetryRequest, an alert, nothing, or a ServerHello followed by
a failure (a fatal alert after the Certificate, an encrypted alert, or the library's own error
once its ServerHello is out). Pure: bytes in, a frozen value out."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from generator.i18n import Message, reason, verbatim
from generator.languages import SOURCE
from generator.errors import DecodeError
from generator.tls import registry
from generator.tls.messages import Alert, ServerHello, ServerKeyExchange
from generator.tls.protection import open_records
from generator.tls.reader import Reader
from generator.tls.records import (CONTENT_ALERT, CONTENT_APPLICATION_DATA, CONTENT_HANDSHAKE,
                                   read_record_header)

HANDSHAKE_SERVER_HELLO, HANDSHAKE_SERVER_KEY_EXCHANGE = 2, 12
HANDSHAKE_CERTIFICATE_VERIFY = 15
ALERT_LEVEL_WARNING = 1


class AnswerKind(str, enum.Enum):
    """What the first flight amounts to."""
    SERVER_HELLO = "server_hello"
    HELLO_RETRY_REQUEST = "hello_retry_request"
    ALERT = "alert"
    SILENCE = "silence"
    #: a ServerHello, then a failure: the handshake does not go on (a failure, not a ServerHello)
    FAILED_AFTER_SERVER_HELLO = "failed_after_server_hello"


@dataclass(frozen=True, slots=True)
class ReplayOutcome:
    """What the server answered one ClientHello with one certificate."""
    key_type: str
    kind: AnswerKind
    version: int | None = None       # negotiated protocol version
    cipher_suite: int | None = None
    group: int | None = None         # TLS 1.3 key share (or HRR) group; TLS 1.2 ECDHE curve
    signature_scheme: int | None = None  # TLS 1.2 ServerKeyExchange / TLS 1.3 CertificateVerify
    alert: int | None = None         # alert description (RFC 8446 §6)
    alert_level: int | None = None   # 1 warning, 2 fatal
    library_reason: str | None = None  # the library's own error text, e.g. "no shared cipher"
    library_name: str | None = None  # who said it: "OpenSSL", "GnuTLS" (None: "the library")
    leading_warnings: tuple[int, ...] = ()  # warning alerts sent before the ServerHello

    @property
    def ok(self) -> bool:
        return self.kind in (AnswerKind.SERVER_HELLO, AnswerKind.HELLO_RETRY_REQUEST)

    def describe(self) -> str:
        """The answer in English (the CLI, JSON, case checks)."""
        return self.described().render(SOURCE)

    def described(self) -> Message:
        """The answer as a message, for any language (the site's hover texts); the library's
        own error text stays as the library wrote it."""
        said = (reason(", %(library)s: %(said)s", library=self._library(),
                       said=self.library_reason) if self.library_reason else verbatim(""))
        if self.kind is AnswerKind.ALERT:
            return reason("%(alert)s%(said)s", alert=self._alert_text(), said=said)
        if self.kind is AnswerKind.SILENCE:
            why = (verbatim(self.library_reason) if self.library_reason
                   else reason("%(library)s wrote nothing", library=self._library()))
            return reason("no answer (%(why)s)", why=why)
        version = registry.version_name(self.version) if self.version else "?"
        suite = registry.cipher_suite_name(self.cipher_suite) if self.cipher_suite else "?"
        group = f", {registry.group_name(self.group)}" if self.group is not None else ""
        scheme = (f", {registry.signature_scheme_name(self.signature_scheme)}"
                  if self.signature_scheme is not None else "")
        answered: Message = verbatim(f"{version} {suite}{group}{scheme}")
        if self.kind is AnswerKind.HELLO_RETRY_REQUEST:
            answered = reason("%(answer)s after HelloRetryRequest", answer=answered)
        if self.kind is AnswerKind.FAILED_AFTER_SERVER_HELLO:
            then = self._alert_text() if self.alert is not None else reason("a failure")
            return reason("ServerHello (%(answer)s), then %(then)s%(said)s", answer=answered,
                          then=then, said=said)
        return answered

    def _library(self) -> Message:
        return reason("the library") if self.library_name is None else verbatim(self.library_name)

    def _alert_text(self) -> Message:
        name = registry.name("alerts", self.alert)
        if self.alert_level in (2, None):
            return reason("alert %(name)s (%(code)s)", name=name, code=self.alert)
        return reason("%(level)s alert %(name)s (%(code)s)",
                      level=registry.name("alert_levels", self.alert_level), name=name,
                      code=self.alert)


def _kind_of_key_exchange(suite: int) -> str | None:
    name = registry.cipher_suite_name(suite)
    if "_ECDHE_" in name:
        return "ecdhe"
    if "_DHE_" in name:
        return "dhe"
    return None


def outcome_from_flight(key_type: str, flight: bytes, reason: str | None, *,
                        library_name: str | None = None, library_failed: bool = False,
                        server_handshake_secret: bytes | None = None) -> ReplayOutcome:
    """Read the server's whole first flight. `library_failed`: the library reported a failure
    (its text is `reason`), so a ServerHello it wrote first is not an answer;
    `server_handshake_secret`: the TLS 1.3 server handshake traffic secret from its key log,
    to open the encrypted part. A server's own output that does not decode is reported as a
    DecodeError naming the server's answer."""
    try:
        return _Flight(flight, server_handshake_secret).outcome(
            key_type, reason, library_name, library_failed)
    except DecodeError as error:
        raise DecodeError(f"could not decode the server's answer: {error.message}",
                          offset=error.offset, field=error.field) from None


class _Flight:
    """The records of a first flight, walked once in order (bounded by its length)."""

    def __init__(self, flight: bytes, secret: bytes | None) -> None:
        self.warnings: list[int] = []
        self.alert: Alert | None = None
        self.hello: ServerHello | None = None
        self.group: int | None = None
        self.scheme: int | None = None
        protected: list[bytes] = []
        handshake = bytearray()
        pos = 0
        while pos + 5 <= len(flight):
            header = read_record_header(flight, pos, any_version=True)
            end = pos + 5 + header.length
            if end > len(flight):
                break  # a record cut short: what came before is the answer
            body = flight[pos + 5:end]
            pos = end
            if header.content_type == CONTENT_ALERT and not protected:
                self._take_alert(body)
            elif header.content_type == CONTENT_HANDSHAKE and not protected:
                handshake += body
                handshake = self._take_messages(handshake)
            elif header.content_type == CONTENT_APPLICATION_DATA and self.hello is not None:
                protected.append(body)
            if self.alert is not None:
                break  # a fatal alert ends the flight
        if protected and secret is not None and self.alert is None:
            buffer = bytearray()
            for inner in open_records(protected, self.hello.cipher_suite, secret):
                if inner is None:
                    break
                if inner.content_type == CONTENT_ALERT:
                    self._take_alert(inner.content)
                    break
                if inner.content_type == CONTENT_HANDSHAKE:
                    buffer += inner.content
                    buffer = self._take_messages(buffer)

    def _take_alert(self, body: bytes) -> None:
        if len(body) < 2:
            raise DecodeError(f"alert record length {len(body)} is shorter than an alert (2)",
                              field="record length")
        alert = Alert.parse(Reader(body, 0, 2))
        if alert.level == ALERT_LEVEL_WARNING and self.hello is None and self.alert is None:
            self.warnings.append(alert.description)
        elif self.alert is None:
            self.alert = alert

    def _take_messages(self, buffer: bytearray) -> bytearray:
        """Every whole handshake message at the front of `buffer`; the incomplete rest."""
        offset = 0
        while offset + 4 <= len(buffer):
            end = offset + 4 + int.from_bytes(buffer[offset + 1:offset + 4], "big")
            if end > len(buffer):
                break
            self._take_message(buffer[offset], bytes(buffer[offset:end]))
            offset = end
        return buffer[offset:]

    def _take_message(self, msg_type: int, data: bytes) -> None:
        if self.hello is None:
            if msg_type != HANDSHAKE_SERVER_HELLO:
                name = registry.name("handshake_types", msg_type)
                raise DecodeError(f"the server's first handshake message is {name} "
                                  f"({msg_type}), not a ServerHello (2)", field="handshake type")
            self.hello = ServerHello.parse(Reader(data, 4))
            self.group = self.hello.selected_group
            return
        version = self.hello.selected_version
        if msg_type == HANDSHAKE_SERVER_KEY_EXCHANGE and version <= 0x0303:
            kind = _kind_of_key_exchange(self.hello.cipher_suite)
            if kind is not None:
                exchange = ServerKeyExchange.parse(Reader(data, 4), kind, version == 0x0303)
                self.group, self.scheme = exchange.group, exchange.signature_scheme
        elif msg_type == HANDSHAKE_CERTIFICATE_VERIFY and version >= 0x0304 and len(data) >= 6:
            self.scheme = int.from_bytes(data[4:6], "big")

    def outcome(self, key_type: str, reason: str | None, library_name: str | None,
                library_failed: bool) -> ReplayOutcome:
        said = {"library_reason": reason, "library_name": library_name,
                "leading_warnings": tuple(self.warnings)}
        alert = self.alert
        if self.hello is None:
            if alert is None and self.warnings:  # only warnings: the last one is the answer
                alert = Alert(ALERT_LEVEL_WARNING, self.warnings[-1])
                said["leading_warnings"] = tuple(self.warnings[:-1])
            if alert is None:
                return ReplayOutcome(key_type, AnswerKind.SILENCE, **said)
            return ReplayOutcome(key_type, AnswerKind.ALERT, alert=alert.description,
                                 alert_level=alert.level, **said)
        hello = self.hello
        if hello.is_hello_retry_request and alert is None and not library_failed:
            return ReplayOutcome(key_type, AnswerKind.HELLO_RETRY_REQUEST, hello.selected_version,
                                 hello.cipher_suite, hello.selected_group, **said)
        kind = (AnswerKind.FAILED_AFTER_SERVER_HELLO if alert is not None or library_failed
                else AnswerKind.SERVER_HELLO)
        return ReplayOutcome(key_type, kind, hello.selected_version, hello.cipher_suite,
                             self.group, self.scheme, alert.description if alert else None,
                             alert.level if alert else None, **said)
