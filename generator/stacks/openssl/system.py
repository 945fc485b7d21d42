"""This machine's own OpenSSL (the libssl Python's `ssl` module links), configured like the
reference server: what that library does with the client's bytes. A Postfix, nginx or Dovecot
on this box may link the same library with settings of their own (`tlskb probe` asks them).

An option for admins (`tlskb analyze --replay --openssl system`), never the reference: its
answer depends on the distribution's patch level, and the analyzer models the pinned
library (pinned.py), so a difference here is a fact about this machine, not a bug.
"""

from __future__ import annotations

import os
import re
import ssl
import tempfile
from functools import cache
from importlib import resources

from generator.compat.certs import certified_key
from generator.compat.keytypes import KeyType
from generator.stacks.openssl.facts import CIPHER_STRING
from generator.compat.outcome import ReplayOutcome, outcome_from_flight

#: "[SSL: NO_SHARED_CIPHER] no shared cipher (_ssl.c:1006)" -> "no shared cipher"
_SSL_MESSAGE = re.compile(r"^\[[^\]]*\] (?P<text>.*?)(?: \(_ssl\.c:\d+\))?$")


def library_version() -> str:
    """e.g. "OpenSSL 3.0.19 27 Jan 2026"."""
    return ssl.OPENSSL_VERSION


def label() -> str:
    number = library_version().split()[1] if library_version().startswith("OpenSSL ") else ""
    return (f"OpenSSL {number} (this machine's libssl, through Python's ssl module)"
            if number else f"{library_version()} (this machine's libssl)")


@cache
def system_context(key_type: KeyType) -> ssl.SSLContext:
    """The reference server's configuration on this machine's libssl, once per key type."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    context.maximum_version = ssl.TLSVersion.MAXIMUM_SUPPORTED
    context.set_ciphers(CIPHER_STRING)
    context.options &= ~ssl.OP_CIPHER_SERVER_PREFERENCE   # the client's preference decides
    context.options |= ssl.OP_NO_TICKET
    credentials = certified_key(key_type.algorithm, key_type.size, key_type.curve)
    # Python's ssl loads certificates only from files: a private directory, removed at once.
    with tempfile.TemporaryDirectory(prefix="tlskb-") as work:
        chain, key = os.path.join(work, "chain.pem"), os.path.join(work, "key.pem")
        with open(chain, "wb") as handle:
            handle.write(credentials.chain_pem)
        with open(os.open(key, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as handle:
            handle.write(credentials.key_pem)
        context.load_cert_chain(chain, key)
    with resources.as_file(resources.files("generator.compat")
                           .joinpath("data/ffdhe2048.pem")) as dh:
        context.load_dh_params(str(dh))
    return context


def error_text(error: ssl.SSLError) -> str:
    """The library's own words, as the pinned replayer reports them: "no shared cipher"."""
    message = error.args[1] if len(error.args) > 1 and isinstance(error.args[1], str) else ""
    match = _SSL_MESSAGE.match(message)
    return match["text"] if match else (error.reason or message or type(error).__name__)


def replay(raw: bytes, key_type: KeyType) -> ReplayOutcome:
    """`raw` handed to this machine's libssl holding a `key_type` certificate."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    server = system_context(key_type).wrap_bio(incoming, outgoing, server_side=True)
    incoming.write(raw)
    reason = None
    try:
        server.do_handshake()
    except ssl.SSLWantReadError:
        pass  # it answered and now waits for the client's next flight
    except ssl.SSLError as error:
        reason = error_text(error)
    return outcome_from_flight(key_type.id, outgoing.read(), reason, library_name="OpenSSL",
                               library_failed=reason is not None)
