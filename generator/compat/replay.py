"""Proof by replay: feed recorded ClientHello bytes to OpenSSL acting as the reference server,
through Python's `ssl.SSLObject` over `MemoryBIO` (no sockets), and decode what it answers.

The reference server (see `reference_context`) speaks every protocol version this OpenSSL
allows, every cipher suite of `ALL:!aNULL:@SECLEVEL=0` (anonymous suites are left out: they
would "succeed" with no certificate at all, hiding the question being asked), DHE with the
RFC 7919 ffdhe2048 group (data/ffdhe2048.pem; Python sets no DH parameters by itself, which
would silently disable every DHE suite), OpenSSL's default groups and signature algorithms,
and holds one certificate of the key type in question. It picks in the client's order of
preference, so its choice depends on the client alone.
"""

from __future__ import annotations

import os
import ssl
import tempfile
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from generator.compat.certs import certified_key
from generator.compat.keytypes import KeyType
from generator.compat.reference import CIPHER_STRING
from generator.errors import DecodeError
from generator.tls import registry
from generator.tls.messages import ServerKeyExchange
from generator.tls.reader import Reader
from generator.tls.records import NeedMoreData, decode_server_response

HANDSHAKE_SERVER_KEY_EXCHANGE = 12


@dataclass(frozen=True, slots=True)
class ReplayOutcome:
    """What the reference server answered one ClientHello with one certificate."""
    key_type: str
    kind: str                        # "server_hello", "hello_retry_request", "alert", "silence"
    version: int | None = None       # negotiated protocol version
    cipher_suite: int | None = None
    group: int | None = None         # TLS 1.3 key share (or HRR) group; TLS 1.2 ECDHE curve
    signature_scheme: int | None = None  # TLS 1.2 ServerKeyExchange signature
    alert: int | None = None         # alert description (RFC 8446 §6)
    alert_level: int | None = None   # 1 warning, 2 fatal
    openssl_reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.kind in ("server_hello", "hello_retry_request")

    def describe(self) -> str:
        if self.kind == "alert":
            name = registry.name("alerts", self.alert)
            level = "" if self.alert_level in (2, None) else f"{registry.name('alert_levels', self.alert_level)} "
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


def openssl_version() -> str:
    return ssl.OPENSSL_VERSION


@cache
def reference_context(key_type: KeyType) -> ssl.SSLContext:
    """The reference server's context for one key type, built once per process."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    context.maximum_version = ssl.TLSVersion.MAXIMUM_SUPPORTED
    context.set_ciphers(CIPHER_STRING)
    context.options &= ~ssl.OP_CIPHER_SERVER_PREFERENCE   # the client's preference decides
    context.options |= ssl.OP_NO_TICKET                   # no ticket, no extra messages
    credentials = certified_key(key_type.algorithm, key_type.size, key_type.curve)
    with tempfile.TemporaryDirectory(prefix="tlskb-") as work:
        chain, key = os.path.join(work, "chain.pem"), os.path.join(work, "key.pem")
        with open(chain, "wb") as handle:
            handle.write(credentials.chain_pem)
        with open(os.open(key, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as handle:
            handle.write(credentials.key_pem)
        context.load_cert_chain(chain, key)
    with resources.as_file(resources.files(__package__).joinpath("data/ffdhe2048.pem")) as dh:
        context.load_dh_params(str(dh))
    return context


def _kind_of_key_exchange(suite: int) -> str | None:
    name = registry.cipher_suite_name(suite)
    if "_ECDHE_" in name:
        return "ecdhe"
    if "_DHE_" in name:
        return "dhe"
    return None


def outcome_from_flight(key_type: str, flight: bytes, reason: str | None) -> ReplayOutcome:
    """Decode the server's first flight (ServerHello... or an Alert)."""
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


@lru_cache(maxsize=16384)
def replay_memoized(raw: bytes, key_type: KeyType) -> ReplayOutcome:
    """`replay`, remembered for the life of the process: cases that quote the same client's
    ClientHello (a site has many) cost one handshake per key type. The reference server's
    choice depends only on the ClientHello and the key type, never on its random values."""
    return replay(raw, key_type)


def replay(raw: bytes, key_type: KeyType) -> ReplayOutcome:
    """Hand `raw` (a ClientHello as sent: TLS records or SSL 2.0 format) to the reference
    server holding a `key_type` certificate, and decode its answer."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    server = reference_context(key_type).wrap_bio(incoming, outgoing, server_side=True)
    incoming.write(raw)
    reason = None
    try:
        server.do_handshake()
    except ssl.SSLWantReadError:
        pass  # it answered and now waits for the client's next flight
    except ssl.SSLError as error:
        reason = error.reason or error.strerror
    try:
        return outcome_from_flight(key_type.id, outgoing.read(), reason)
    except DecodeError as error:  # OpenSSL's own output should always decode
        raise DecodeError(f"could not decode the reference server's answer: {error}",
                          offset=error.offset, field=error.field) from None
