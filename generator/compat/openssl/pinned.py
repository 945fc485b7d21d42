"""The reference server: the OpenSSL built into the pinned `cryptography` wheel, driven through
pyOpenSSL over memory BIOs (`SSL.Connection(context, None)`, `bio_write`/`bio_read`; no
sockets, no files).

Every machine that installs tlskb gets this very library, whatever libssl the system has, so
a verdict proven here is proven the same way on a contributor's laptop, in CI and on the
Pages runner. The server speaks every protocol version the library allows, every suite of
`facts.CIPHER_STRING` (anonymous suites are left out: they would "succeed" with no
certificate at all, hiding the question), DHE with the RFC 7919 ffdhe2048 group, the
library's default groups and signature schemes, chooses in the client's order of preference
(no SSL_OP_CIPHER_SERVER_PREFERENCE), sends no session ticket, and holds one certificate of
the key type in question.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from importlib import metadata

import cryptography
from OpenSSL import SSL

from generator.compat.certs import certified_key
from generator.compat.keytypes import KeyType
from generator.compat.openssl.facts import CIPHER_STRING, PINNED_OPENSSL
from generator.compat.outcome import ReplayOutcome, outcome_from_flight
from generator.errors import TlskbError

_READ_CHUNK = 1 << 16


class ReferenceMismatch(TlskbError):
    """The OpenSSL inside `cryptography` is not the pinned reference (a source build that
    linked the system's libssl, or a different wheel)."""


def pinned_requirement() -> str:
    """The cryptography pin as tlskb's own metadata states it (pyproject.toml), e.g.
    "cryptography==46.0.7"."""
    try:
        requirements = metadata.requires("tlskb") or []
    except metadata.PackageNotFoundError:
        return "cryptography (the version pinned in pyproject.toml)"
    return next((r.split(";")[0].strip() for r in requirements if r.startswith("cryptography")),
                "cryptography (the version pinned in pyproject.toml)")


@cache
def library_version() -> str:
    """The full version text of the OpenSSL pyOpenSSL drives, e.g.
    "OpenSSL 3.5.6 7 Apr 2026", checked against the pin on first use."""
    text = SSL.OpenSSL_version(SSL.OPENSSL_VERSION).decode("ascii", "replace")
    if text.split()[:2] != ["OpenSSL", PINNED_OPENSSL]:
        raise ReferenceMismatch(
            f"the reference server must be OpenSSL {PINNED_OPENSSL}, the library inside the "
            f"wheel of {pinned_requirement()}, but cryptography {cryptography.__version__} "
            f"runs {text}; reinstall the wheel: pip install --force-reinstall "
            f"--only-binary=:all: '{pinned_requirement()}'")
    return text


def label() -> str:
    """How every proof names this server: "OpenSSL 3.5.6 (pinned reference, cryptography
    46.0.7)"."""
    library_version()
    return f"OpenSSL {PINNED_OPENSSL} (pinned reference, cryptography {cryptography.__version__})"


@cache
def reference_context(key_type: KeyType) -> SSL.Context:
    """The reference server's context for one key type, built once per process."""
    library_version()
    context = SSL.Context(SSL.TLS_SERVER_METHOD)
    context.set_min_proto_version(0)   # 0: the lowest and highest the library implements
    context.set_max_proto_version(0)
    context.set_cipher_list(CIPHER_STRING.encode("ascii"))
    context.set_options(SSL.OP_NO_TICKET)     # no ticket, no extra messages
    credentials = certified_key(key_type.algorithm, key_type.size, key_type.curve)
    leaf, *issuers = credentials.chain
    context.use_certificate(leaf)
    for issuer in issuers:
        context.add_extra_chain_cert(issuer)
    context.use_privatekey(credentials.private_key)
    context.check_privatekey()
    with resources.as_file(resources.files("generator.compat")
                           .joinpath("data/ffdhe2048.pem")) as dh:
        context.load_tmp_dh(str(dh).encode())
    return context


def error_text(error: SSL.Error) -> str:
    """OpenSSL's own words for a failure, as Postfix logs them: "no shared cipher"."""
    detail = error.args[0] if error.args else None
    if isinstance(detail, list) and detail:
        reasons = [entry[2] for entry in detail if len(entry) == 3 and entry[2]]
        if reasons:
            return "; ".join(dict.fromkeys(reasons))
    return str(error) or type(error).__name__


def _drain(connection: SSL.Connection) -> bytes:
    out = bytearray()
    while True:
        try:
            out += connection.bio_read(_READ_CHUNK)
        except SSL.WantReadError:
            return bytes(out)


def replay(raw: bytes, key_type: KeyType) -> ReplayOutcome:
    """Hand `raw` (a ClientHello as sent: TLS records or SSL 2.0 format) to the reference
    server holding a `key_type` certificate, and decode its first flight."""
    connection = SSL.Connection(reference_context(key_type), None)
    connection.set_accept_state()
    connection.bio_write(raw)
    reason = None
    try:
        connection.do_handshake()
    except SSL.WantReadError:
        pass  # it answered and now waits for the client's next flight
    except SSL.Error as error:
        reason = error_text(error)
    return outcome_from_flight(key_type.id, _drain(connection), reason)


@dataclass(frozen=True, slots=True)
class HandshakeStep:
    """Where a server-side handshake stands after the bytes fed so far."""
    output: bytes                 # to send to the client now
    state: str                    # "continue" (feed more), "completed" or "failed"
    version: str | None = None    # "TLSv1.3", once completed
    cipher: str | None = None     # "TLS_AES_256_GCM_SHA384", once completed
    reason: str | None = None     # OpenSSL's words, once failed: "tlsv1 alert unknown ca"


class HandshakeSession:
    """A full handshake as the reference server (`tlskb capture --handshake`): feed it what the
    client sends, send the client what `step` returns, until it completes or fails."""

    def __init__(self, key_type: KeyType) -> None:
        self._connection = SSL.Connection(reference_context(key_type), None)
        self._connection.set_accept_state()

    def feed(self, data: bytes) -> None:
        self._connection.bio_write(data)

    def step(self) -> HandshakeStep:
        connection = self._connection
        try:
            connection.do_handshake()
        except SSL.WantReadError:
            return HandshakeStep(_drain(connection), "continue")
        except SSL.Error as error:
            return HandshakeStep(_drain(connection), "failed", reason=error_text(error))
        return HandshakeStep(_drain(connection), "completed",
                             connection.get_protocol_version_name(),
                             connection.get_cipher_name())

    def close(self) -> bytes:
        """A close_notify alert to send; the client's own is not awaited."""
        try:
            self._connection.shutdown()
        except SSL.Error:
            pass  # the alert is written either way
        return _drain(self._connection)
