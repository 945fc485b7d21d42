"""The reference server: the OpenSSL built into the pinned `cryptography` wheel, driven through
pyOpenSSL over memory BIOs (`SSL.Connection(context, None)`, `bio_write`/`bio_read`; no
sockets, no files).

Every machine that installs tlskb gets this very library, whatever libssl the system has, so
a verdict proven here is proven the same way on a contributor's laptop, in CI and on the
Pages runner. The server speaks every protocol version the library allows, every suite of
`facts.CIPHER_STRING` (anonymous suites are left out: they would "succeed" with no
certificate at all, hiding the question), DHE with the RFC 7919 ffdhe2048 group, the
library's default groups and signature schemes, chooses in the client's order of preference
(no SSL_OP_CIPHER_SERVER_PREFERENCE), keeps no session cache and issues no tickets (so a
ClientHello carrying a session id or ticket is never resumed: every replay is a function of the
hello and the key type alone), and holds one certificate of the key type in question.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import cryptography
from OpenSSL import SSL

from generator.compat.certs import CertifiedKey, certified_key
from generator.compat.keytypes import KeyType
from generator.stacks.openssl.facts import CIPHER_STRING, PINNED_CRYPTOGRAPHY, PINNED_OPENSSL
from generator.compat.outcome import ReplayOutcome, outcome_from_flight
from generator.errors import TlskbError

_READ_CHUNK = 1 << 16


class ReferenceMismatch(TlskbError):
    """The OpenSSL inside `cryptography` is not the pinned reference (a source build that
    linked the system's libssl, or a different wheel)."""


@cache
def library_version() -> str:
    """The full version text of the OpenSSL pyOpenSSL drives, e.g.
    "OpenSSL 3.5.6 7 Apr 2026", checked against the pin on first use."""
    text = SSL.OpenSSL_version(SSL.OPENSSL_VERSION).decode("ascii", "replace")
    if text.split()[:2] != ["OpenSSL", PINNED_OPENSSL]:
        raise ReferenceMismatch(
            f"the reference server must be OpenSSL {PINNED_OPENSSL}, the library inside the "
            f"cryptography {PINNED_CRYPTOGRAPHY} wheel, but cryptography "
            f"{cryptography.__version__} runs {text}; reinstall the wheel: pip install "
            f"--force-reinstall --only-binary=:all: 'cryptography=={PINNED_CRYPTOGRAPHY}'")
    return text


def label() -> str:
    """How every proof names this server: "OpenSSL 3.5.6 (pinned reference, cryptography
    46.0.7)"."""
    library_version()
    return f"OpenSSL {PINNED_OPENSSL} (pinned reference, cryptography {cryptography.__version__})"


def reference_context(key_type: KeyType, cipher_string: str = CIPHER_STRING) -> SSL.Context:
    """The reference server's context for one key type, built once per process. Another
    cipher string (a security level, say) is for the canaries that probe the library."""
    return _context(key_type, cipher_string)  # one cache key however the caller spells it


@cache
def _context(key_type: KeyType, cipher_string: str) -> SSL.Context:
    return server_context(certified_key(key_type.algorithm, key_type.size, key_type.curve),
                          cipher_string)


def server_context(credentials: CertifiedKey, cipher_string: str = CIPHER_STRING) -> SSL.Context:
    """A new context configured as the reference server, holding `credentials`' chain: the
    replayer's (one per key type, above) and the live server's (live.py) are both made here."""
    library_version()
    context = SSL.Context(SSL.TLS_SERVER_METHOD)
    context.set_min_proto_version(0)   # 0: the lowest and highest the library implements
    context.set_max_proto_version(0)
    context.set_cipher_list(cipher_string.encode("ascii"))
    context.set_options(SSL.OP_NO_TICKET)     # no stateless tickets (TLS 1.2 and 1.3) ...
    context.set_session_cache_mode(SSL.SESS_CACHE_OFF)  # ... and no stateful sessions either
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


def drain(connection: SSL.Connection) -> bytes:
    """Everything the connection has written to its memory BIO so far."""
    out = bytearray()
    while True:
        try:
            out += connection.bio_read(_READ_CHUNK)
        except SSL.WantReadError:
            return bytes(out)


def replay(raw: bytes, key_type: KeyType, cipher_string: str = CIPHER_STRING) -> ReplayOutcome:
    """Hand `raw` (a ClientHello as sent: TLS records or SSL 2.0 format) to the reference
    server holding a `key_type` certificate, and decode its first flight."""
    connection = SSL.Connection(reference_context(key_type, cipher_string), None)
    connection.set_accept_state()
    connection.bio_write(raw)
    reason = None
    try:
        connection.do_handshake()
    except SSL.WantReadError:
        pass  # it answered and now waits for the client's next flight
    except SSL.Error as error:
        reason = error_text(error)
    return outcome_from_flight(key_type.id, drain(connection), reason, library_name="OpenSSL",
                               library_failed=reason is not None)
