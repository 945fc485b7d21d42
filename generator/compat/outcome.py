"""What a server answered a replayed ClientHello with, decoded from its first flight: a
ServerHello (with the TLS 1.2 ServerKeyExchange's group and signature scheme), a
HelloRetryRequest, an alert, or nothing. Pure: bytes in, a frozen value out."""

from __future__ import annotations

from dataclasses import dataclass

from generator.errors import DecodeError
from generator.tls import registry
from generator.tls.messages import ServerKeyExchange
from generator.tls.reader import Reader
from generator.tls.records import NeedMoreData, decode_server_response

HANDSHAKE_SERVER_KEY_EXCHANGE = 12


@dataclass(frozen=True, slots=True)
class ReplayOutcome:
    """What the server answered one ClientHello with one certificate."""
    key_type: str
    kind: str                        # "server_hello", "hello_retry_request", "alert", "silence"
    version: int | None = None       # negotiated protocol version
    cipher_suite: int | None = None
    group: int | None = None         # TLS 1.3 key share (or HRR) group; TLS 1.2 ECDHE curve
    signature_scheme: int | None = None  # TLS 1.2 ServerKeyExchange signature
    alert: int | None = None         # alert description (RFC 8446 §6)
    alert_level: int | None = None   # 1 warning, 2 fatal
    openssl_reason: str | None = None  # the library's own error text, e.g. "no shared cipher"

    @property
    def ok(self) -> bool:
        return self.kind in ("server_hello", "hello_retry_request")

    def describe(self) -> str:
        if self.kind == "alert":
            name = registry.name("alerts", self.alert)
            level = ("" if self.alert_level in (2, None)
                     else f"{registry.name('alert_levels', self.alert_level)} ")
            reason = f", OpenSSL: {self.openssl_reason}" if self.openssl_reason else ""
            return f"{level}alert {name} ({self.alert}){reason}"
        if self.kind == "silence":
            return f"no answer ({self.openssl_reason or 'OpenSSL wrote nothing'})"
        version = registry.version_name(self.version) if self.version else "?"
        suite = registry.cipher_suite_name(self.cipher_suite) if self.cipher_suite else "?"
        group = f", {registry.group_name(self.group)}" if self.group is not None else ""
        scheme = (f", {registry.signature_scheme_name(self.signature_scheme)}"
                  if self.signature_scheme is not None else "")
        retry = " after HelloRetryRequest" if self.kind == "hello_retry_request" else ""
        return f"{version} {suite}{group}{scheme}{retry}"


def _kind_of_key_exchange(suite: int) -> str | None:
    name = registry.cipher_suite_name(suite)
    if "_ECDHE_" in name:
        return "ecdhe"
    if "_DHE_" in name:
        return "dhe"
    return None


def outcome_from_flight(key_type: str, flight: bytes, reason: str | None) -> ReplayOutcome:
    """Decode the server's first flight (ServerHello... or an Alert). A server's own output
    that does not decode is reported as a DecodeError naming the server's answer."""
    try:
        return _decode_flight(key_type, flight, reason)
    except DecodeError as error:
        raise DecodeError(f"could not decode the server's answer: {error.message}",
                          offset=error.offset, field=error.field) from None


def _decode_flight(key_type: str, flight: bytes, reason: str | None) -> ReplayOutcome:
    if not flight:
        return ReplayOutcome(key_type, "silence", openssl_reason=reason)
    try:
        response = decode_server_response(flight)
    except NeedMoreData:
        return ReplayOutcome(key_type, "silence", openssl_reason=reason)
    if response.alert is not None:
        return ReplayOutcome(key_type, "alert", alert=response.alert.description,
                             alert_level=response.alert.level, openssl_reason=reason)
    hello = response.server_hello
    if hello.is_hello_retry_request:
        return ReplayOutcome(key_type, "hello_retry_request", hello.selected_version,
                             hello.cipher_suite, hello.selected_group)
    version = hello.selected_version
    group, scheme = hello.selected_group, None
    kind = _kind_of_key_exchange(hello.cipher_suite)
    if version <= 0x0303 and kind is not None:
        for message in response.following:
            if message.msg_type == HANDSHAKE_SERVER_KEY_EXCHANGE:
                exchange = ServerKeyExchange.parse(Reader(message.data, 4), kind,
                                                   version == 0x0303)
                group, scheme = exchange.group, exchange.signature_scheme
    return ReplayOutcome(key_type, "server_hello", version, hello.cipher_suite, group, scheme)
