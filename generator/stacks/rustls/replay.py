"""The rustls replayer: a recorded ClientHello handed to rustls 0.23.45 (aws-lc-rs provider)
in process, through the sans-I/O server connection of the PyPI wheel rtls 2026.9.21
(`rtls._rustls.RustlsConfigBuilder.build_server_connection()`: read_tls, process_new_packets,
write_tls). No sockets, no threads, no helper process, no build step.

The server is what rtls builds for a server context with one certificate (jawah/rtls
rust/src/config.rs build_server_config_inner): `ServerConfig::builder_with_provider` with the
aws-lc-rs default provider (its nine suites, reordered AES-128 first, an order rustls never
uses while it follows the client's), TLS 1.2 and 1.3, no client authentication,
`with_single_cert`, no ALPN. rtls builds a fresh ServerConfig for every connection, so the
session cache is always empty and no ticket is issued: a session id or ticket in a replayed
hello never resumes, and a replay is a function of the hello and the key type alone.

TLS 1.3: rustls sends its ServerHello before it chooses the CertificateVerify scheme, so a
certificate it cannot use shows only as an encrypted alert. The builder's key log (a file in a
private temporary directory, mode 0700, removed at exit) gives the server handshake traffic
secret, with which outcome.py opens the encrypted flight: the scheme and the alert are read
from the library, not inferred.

rtls labels its server side beta. What a replay needs from it was tested (issue 11's
experiment): the first flight, the alert rustls queues on failure, the key log. Client
authentication, SNI callbacks and several certificates are not available there, and tlskb
uses none of them.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
from functools import cache
from typing import Any

from generator.compat.certs import certified_key
from generator.compat.keytypes import KeyType
from generator.compat.outcome import ReplayOutcome, outcome_from_flight
from generator.compat.replay import Replayer, ReplayUnavailable
from generator.stacks import StackId
from generator.stacks.rustls import facts

INSTALL = (f"pip install --only-binary=:all: 'rtls=={facts.PINNED_RTLS}' (or reinstall tlskb: "
           "make, or pip install -e .)")
#: a replay hands rustls at most this many bytes; a ClientHello is at most 64 KiB to rustls
#: (a longer one is refused as HandshakePayloadTooLarge), in records of 5 + at least 1 bytes
MAX_INPUT = 6 * (1 << 16)
MAX_DRAIN = 64               # write_tls calls per drain (rustls writes a flight in a few)
KEYLOG_LIMIT = 1 << 20       # the key log starts afresh past 1 MiB
KEYLOG_READ = 1 << 16        # one replay logs a few hundred bytes
HANDSHAKE_SECRET = "SERVER_HANDSHAKE_TRAFFIC_SECRET"


def check_library(rustls: str, provider: str, provider_version: str, rtls: str) -> None:
    """Refuse any library but the pinned one: the analyzer models rustls 0.23.45 with
    aws-lc-rs 1.18.1, and a verdict must not depend on the machine's wheel."""
    found = (rustls, provider, provider_version)
    wanted = (facts.PINNED_RUSTLS, facts.PINNED_PROVIDER, facts.PINNED_PROVIDER_VERSION)
    if found != wanted:
        raise ReplayUnavailable(
            f"replaying against rustls needs rustls {facts.PINNED_RUSTLS} with the "
            f"{facts.PINNED_PROVIDER} {facts.PINNED_PROVIDER_VERSION} provider, the library "
            f"inside the rtls {facts.PINNED_RTLS} wheel, but rtls {rtls} carries rustls "
            f"{rustls} with {provider} {provider_version}; {INSTALL}")


def _bindings() -> tuple[Any, Any]:
    """rtls and its native module, or ReplayUnavailable saying how to install them."""
    try:
        import rtls
        from rtls import _rustls
    except ImportError as error:
        raise ReplayUnavailable(f"replaying against rustls needs the rtls {facts.PINNED_RTLS} "
                                f"wheel, which cannot be loaded ({error}); {INSTALL}") from None
    return rtls, _rustls


@cache
def library_version() -> str:
    """"rustls 0.23.45 (aws-lc-rs 1.18.1, rtls 2026.9.21)", checked against the pin."""
    rtls, native = _bindings()
    rustls, provider = native.rustls_version(), native.crypto_provider()
    provider_version = native.crypto_provider_version()
    check_library(rustls, provider, provider_version, rtls.__version__)
    return f"rustls {rustls} ({provider} {provider_version}, rtls {rtls.__version__})"


# -- the key log: one private file per process --------------------------------------------------

class _KeyLog:
    """The file rustls appends its TLS 1.3 secrets to (NSS key log format), one per process;
    replays are serialized on `lock`, so the lines after `mark()` are this replay's."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.directory = tempfile.mkdtemp(prefix="tlskb-rustls-")   # mode 0700
        self.path = os.path.join(self.directory, "keylog.txt")
        atexit.register(shutil.rmtree, self.directory, True)

    def mark(self) -> int:
        try:
            size = os.path.getsize(self.path)
        except FileNotFoundError:
            return 0
        if size > KEYLOG_LIMIT:
            with open(self.path, "wb"):
                pass
            return 0
        return size

    def handshake_secret(self, mark: int) -> bytes | None:
        """The server handshake traffic secret logged after `mark`, if any."""
        try:
            with open(self.path, "rb") as handle:
                handle.seek(mark)
                text = handle.read(KEYLOG_READ).decode("ascii", "replace")
        except FileNotFoundError:
            return None
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[0] == HANDSHAKE_SECRET:
                try:
                    return bytes.fromhex(parts[2])
                except ValueError:
                    return None
        return None


@cache
def _keylog() -> _KeyLog:
    return _KeyLog()


@cache
def _builder(key_type: KeyType) -> Any:
    """The configuration builder holding a `key_type` certificate, one per key type."""
    library_version()
    _, native = _bindings()
    credentials = certified_key(key_type.algorithm, key_type.size, key_type.curve)
    builder = native.RustlsConfigBuilder()
    builder.set_server_cert_chain_pem(credentials.chain_pem, credentials.key_pem)
    builder.set_keylog_filename(_keylog().path)
    return builder


# -- driving a connection ----------------------------------------------------------------------

def _call(function, *args) -> tuple[Any, str | None]:
    """(result, None), or (None, the library's words) when it fails — a Rust panic included,
    which pyo3 raises as PanicException, a BaseException."""
    try:
        return function(*args), None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # noqa: BLE001 - pyo3_runtime.PanicException is not an Exception
        text = _error_text(error)
        return None, text if isinstance(error, Exception) else f"rustls panicked: {text}"


def _error_text(error: BaseException) -> str:
    """rustls' words: rtls.SSLError carries them as its one argument, which may itself be a
    one-element tuple."""
    detail: object = error.args[0] if len(error.args) == 1 else str(error)
    while isinstance(detail, tuple) and len(detail) == 1:
        detail = detail[0]
    return str(detail) or type(error).__name__


def _drain(connection: Any, out: bytearray) -> str | None:
    for _ in range(MAX_DRAIN):
        data, error = _call(connection.write_tls)
        if error is not None or not data:
            return error
        out += data
    return None


def _drive(connection: Any, raw: bytes) -> tuple[bytes, str | None]:
    """Feed `raw` (never an empty read: read_tls of no bytes means end of stream to rustls),
    process it, collect everything rustls writes; stop at its first error. Each round
    consumes at least one byte, so the rounds are bounded by the input's length."""
    out, offset, error = bytearray(), 0, None
    while offset < len(raw) and error is None:
        consumed, error = _call(connection.read_tls, raw[offset:])
        if error is None:
            if not consumed:
                break
            offset += consumed
            _, error = _call(connection.process_new_packets)
        drained = _drain(connection, out)   # after a failure too: the alert rustls queued
        error = error or drained
    return bytes(out), error


def replay(raw: bytes, key_type: KeyType) -> ReplayOutcome:
    """Hand `raw` (a ClientHello as sent) to a fresh rustls server connection holding a
    `key_type` certificate, and decode everything it writes until it waits or fails."""
    builder = _builder(key_type)
    raw = bytes(raw[:MAX_INPUT])
    keylog = _keylog()
    with keylog.lock:
        mark = keylog.mark()
        connection, error = _call(builder.build_server_connection)
        if connection is None:
            raise ReplayUnavailable(f"rustls would not build a server with the {key_type.label} "
                                    f"certificate: {error}")
        flight, error = _drive(connection, raw)
        secret = keylog.handshake_secret(mark) if flight else None
    reason = error
    if error is None and not flight:
        reason = "waiting for more bytes: the ClientHello is incomplete" if raw else "no input"
    return outcome_from_flight(key_type.id, flight, reason, library_name="rustls",
                               library_failed=error is not None,
                               server_handshake_secret=secret)


def label() -> str:
    """How proofs name this server: "rustls 0.23.45 (aws-lc-rs 1.18.1, rtls 2026.9.21 wheel)"."""
    library_version()
    return (f"rustls {facts.PINNED_RUSTLS} ({facts.PINNED_PROVIDER} "
            f"{facts.PINNED_PROVIDER_VERSION}, rtls {facts.PINNED_RTLS} wheel)")


@cache
def replayer() -> Replayer:
    """The rustls replayer; ReplayUnavailable when rtls is missing or carries another rustls."""
    return Replayer(StackId.RUSTLS, library_version(), facts.PINNED_RUSTLS, label(), replay,
                    is_reference=True,
                    extra={"provider": f"{facts.PINNED_PROVIDER} {facts.PINNED_PROVIDER_VERSION}",
                           "rtls": facts.PINNED_RTLS})
