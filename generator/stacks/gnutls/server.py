"""The GnuTLS server, in this process: the system's libgnutls.so.30 driven through its C API
with ctypes, handed a recorded ClientHello through push/pull callbacks over Python buffers (no
sockets, no files, no helper process), configured as Exim 4.96 configures it when the admin
sets only a certificate (facts.py cites each choice):

* ``gnutls_init(GNUTLS_SERVER | GNUTLS_NONBLOCK | GNUTLS_NO_TICKETS)``: NONBLOCK only drops
  the library's wall-clock handshake timer (this transport never blocks); NO_TICKETS makes
  explicit that Exim offers none; no session cache (no gnutls_db_* functions), so every replay
  is a function of the hello and the key type alone.
* ``gnutls_priority_init("NORMAL")``, with ``GNUTLS_SYSTEM_PRIORITY_FILE`` pointed at a file
  that does not exist, so a machine's /etc/gnutls/config cannot change NORMAL.
* one certificate credential (leaf and issuer from ``generator.compat.certs``), no DH
  parameters (the library default), no client-certificate request.
* after a fatal handshake error, ``gnutls_alert_send_appropriate(session, error)``, as Exim's
  tls_server_start() does (GnuTLS itself sends no alert).

ctypes rather than cffi: both would run in ABI mode (cffi's API mode needs a compiler), ctypes
needs no dependency, and every one of the functions used has its restype/argtypes declared, so
no pointer is truncated. Callbacks never let an exception unwind through C; they are created
once and live as long as the process; per-session state is found by an integer id (never 0).

The pull callback stops handing over input as soon as the server has written anything (what
follows would be the client's next flight), so exactly the first flight is captured. GnuTLS
returns GNUTLS_E_AGAIN after every record that leaves a handshake message incomplete, so the
handshake loop is bounded by progress through the input (one call per input byte at most, plus
a few, and never more than MAX_STALLED_CALLS in a row that consume nothing).

LiveSession (for stacks/gnutls/live.py) is the same session, set up by the same code, in a
second mode: its pull callback hands over whatever the client has sent so far, whatever the
server wrote, and the handshake runs to its end; the caller moves the bytes.
"""

from __future__ import annotations

import ctypes
import itertools
import os
import subprocess
import threading
from dataclasses import dataclass, field
from functools import cache

from generator.compat.certs import certified_key
from generator.compat.keytypes import KeyType
from generator.compat.outcome import ReplayOutcome, outcome_from_flight
from generator.errors import TlskbError
from generator.stacks.gnutls.facts import (DEBIAN_PACKAGE, EXPECTED_VERSION, INSTALL, LIBRARY,
                                           PRIORITY)
from generator.tls.records import MAX_CLIENT_FLIGHT

#: a first flight with an RSA 8192 chain is about 3 KiB; more than this is a fault
MAX_OUTPUT = 1 << 20
#: gnutls_handshake() calls beyond one per input byte, and calls in a row that read nothing
MAX_EXTRA_CALLS = 16
MAX_STALLED_CALLS = 4

#: read by the library when it loads: ignore any system-wide priority configuration
SYSTEM_PRIORITY_FILE = "/nonexistent/tlskb-no-system-priorities"

# <gnutls/gnutls.h> (3.7.9)
GNUTLS_SERVER, GNUTLS_NONBLOCK, GNUTLS_NO_TICKETS = 1, 1 << 3, 1 << 10
GNUTLS_CRD_CERTIFICATE, GNUTLS_X509_FMT_PEM, GNUTLS_CERT_IGNORE = 1, 1, 0
GNUTLS_E_AGAIN, GNUTLS_E_INTERRUPTED = -28, -52
GNUTLS_E_FATAL_ALERT_RECEIVED, GNUTLS_E_WARNING_ALERT_RECEIVED = -12, -16
GNUTLS_SHUT_WR = 1
EAGAIN, EIO = 11, 5


class GnuTLSUnavailable(TlskbError):
    """The library cannot be loaded or configured (replay.py turns it into ReplayUnavailable)."""


class _Datum(ctypes.Structure):
    _fields_ = [("data", ctypes.POINTER(ctypes.c_ubyte)), ("size", ctypes.c_uint)]


_PUSH = ctypes.CFUNCTYPE(ctypes.c_ssize_t, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)
_PULL = ctypes.CFUNCTYPE(ctypes.c_ssize_t, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)
_PULL_TIMEOUT = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_uint)
_KEYLOG = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(_Datum))

_vp, _int, _uint, _cp = ctypes.c_void_p, ctypes.c_int, ctypes.c_uint, ctypes.c_char_p
_SIGNATURES = {
    "gnutls_check_version": (_cp, [_cp]),
    "gnutls_certificate_allocate_credentials": (_int, [ctypes.POINTER(_vp)]),
    "gnutls_certificate_set_x509_key_mem2": (_int, [_vp, ctypes.POINTER(_Datum),
                                                    ctypes.POINTER(_Datum), _int, _cp, _uint]),
    "gnutls_priority_init": (_int, [ctypes.POINTER(_vp), _cp, ctypes.POINTER(_cp)]),
    "gnutls_init": (_int, [ctypes.POINTER(_vp), _uint]),
    "gnutls_deinit": (None, [_vp]),
    "gnutls_priority_set": (_int, [_vp, _vp]),
    "gnutls_credentials_set": (_int, [_vp, _int, _vp]),
    "gnutls_certificate_server_set_request": (None, [_vp, _int]),
    "gnutls_transport_set_ptr": (None, [_vp, _vp]),
    "gnutls_transport_set_push_function": (None, [_vp, _PUSH]),
    "gnutls_transport_set_pull_function": (None, [_vp, _PULL]),
    "gnutls_transport_set_pull_timeout_function": (None, [_vp, _PULL_TIMEOUT]),
    "gnutls_transport_set_errno": (None, [_vp, _int]),
    "gnutls_session_set_keylog_function": (None, [_vp, _KEYLOG]),
    "gnutls_session_set_ptr": (None, [_vp, _vp]),
    "gnutls_session_get_ptr": (_vp, [_vp]),
    "gnutls_handshake": (_int, [_vp]),
    "gnutls_strerror": (_cp, [_int]),
    "gnutls_strerror_name": (_cp, [_int]),
    "gnutls_alert_send_appropriate": (_int, [_vp, _int]),
    "gnutls_alert_get": (_int, [_vp]),
    "gnutls_error_to_alert": (_int, [_int, ctypes.POINTER(_int)]),
    "gnutls_protocol_get_version": (_int, [_vp]),
    "gnutls_protocol_get_name": (_cp, [_int]),
    "gnutls_ciphersuite_get": (_cp, [_vp]),
    "gnutls_bye": (_int, [_vp, _int]),
}


@cache
def _lib() -> ctypes.CDLL:
    os.environ["GNUTLS_SYSTEM_PRIORITY_FILE"] = SYSTEM_PRIORITY_FILE
    try:
        lib = ctypes.CDLL(LIBRARY)
    except OSError as error:
        raise GnuTLSUnavailable(f"cannot load {LIBRARY} ({error}); {INSTALL}") from None
    for name, (restype, argtypes) in _SIGNATURES.items():
        try:
            function = getattr(lib, name)
        except AttributeError:
            raise GnuTLSUnavailable(f"{LIBRARY} lacks {name}: it is not GnuTLS "
                                    f"{EXPECTED_VERSION}; {INSTALL}") from None
        function.restype, function.argtypes = restype, argtypes
    return lib


def _text(raw: bytes | None) -> str | None:
    return None if raw is None else raw.decode("ascii", "replace")


def reported_version() -> str:
    """The version the loaded library reports, e.g. "3.7.9"."""
    return _text(_lib().gnutls_check_version(None)) or "?"


@cache
def package_version() -> str | None:
    """The Debian package's version, e.g. "3.7.9-2+deb12u7" (named in the label: security
    updates change behaviour without changing the upstream number), or None off Debian."""
    try:
        done = subprocess.run(["dpkg-query", "-W", "-f=${Version}", DEBIAN_PACKAGE],
                              capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return (done.stdout.strip() or None) if done.returncode == 0 else None


def _error_text(code: int) -> str:
    return _text(_lib().gnutls_strerror(code)) or str(code)


def _error_name(code: int) -> str:
    return _text(_lib().gnutls_strerror_name(code)) or str(code)


def _check(code: int, what: str) -> None:
    if code < 0:
        raise GnuTLSUnavailable(f"{what}: {_error_text(code)} ({_error_name(code)})")


def _datum(data: bytes) -> tuple[_Datum, ctypes.Array]:
    buffer = (ctypes.c_ubyte * len(data)).from_buffer_copy(data)
    return _Datum(ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ubyte)), len(data)), buffer


@cache
def _priority():
    cache_, where = ctypes.c_void_p(), ctypes.c_char_p()
    _check(_lib().gnutls_priority_init(ctypes.byref(cache_), PRIORITY.encode("ascii"),
                                       ctypes.byref(where)), f"gnutls_priority_init({PRIORITY!r})")
    return cache_


def _credentials(key_type: KeyType):
    """One certificate credential per key type, kept for the process's life (GnuTLS copies the
    PEM it is given; sessions only reference the credential)."""
    key = certified_key(key_type.algorithm, key_type.size, key_type.curve)
    return credentials(key.chain_pem, key.key_pem, key_type.id)


@cache
def credentials(chain_pem: bytes, key_pem: bytes, name: str):
    """A certificate credential holding `chain_pem` and `key_pem` (`name` says which in
    errors), made once per process for each chain and kept for its life."""
    lib = _lib()
    credential = ctypes.c_void_p()
    _check(lib.gnutls_certificate_allocate_credentials(ctypes.byref(credential)),
           "gnutls_certificate_allocate_credentials")
    chain, keep_chain = _datum(chain_pem)
    private, keep_key = _datum(key_pem)
    _check(lib.gnutls_certificate_set_x509_key_mem2(credential, ctypes.byref(chain),
                                                    ctypes.byref(private), GNUTLS_X509_FMT_PEM,
                                                    None, 0),
           f"gnutls_certificate_set_x509_key_mem2({name})")
    del keep_chain, keep_key
    return credential


@dataclass(slots=True)
class _Connection:
    data: bytes | bytearray
    session: object = None
    position: int = 0
    output: bytearray = field(default_factory=bytearray)
    secrets: dict[str, bytes] = field(default_factory=dict)
    overflow: bool = False
    live: bool = False    # LiveSession: hand over all input, whatever was written


_connections: dict[int, _Connection] = {}
_ids = itertools.count(1)   # never 0: a NULL pointer reaches Python as None
_ids_lock = threading.Lock()


def _push(pointer, buffer, size):
    try:
        connection = _connections.get(pointer) if pointer else None
        if connection is None or not buffer or len(connection.output) + size > MAX_OUTPUT:
            if connection is not None:
                connection.overflow = True
                _lib().gnutls_transport_set_errno(connection.session, EIO)
            return -1
        connection.output += ctypes.string_at(buffer, size)
        return size
    except BaseException:   # an exception must never unwind through C
        return -1


def _pull(pointer, buffer, size):
    try:
        connection = _connections.get(pointer) if pointer else None
        if connection is None or not buffer:
            return -1
        if (connection.output and not connection.live) \
                or connection.position >= len(connection.data):
            _lib().gnutls_transport_set_errno(connection.session, EAGAIN)
            return -1
        chunk = connection.data[connection.position:connection.position + size]
        ctypes.memmove(buffer, chunk, len(chunk))
        connection.position += len(chunk)
        return len(chunk)
    except BaseException:
        return -1


def _pull_timeout(pointer, milliseconds):
    try:
        connection = _connections.get(pointer) if pointer else None
        if connection is None:
            return -1
        waiting = connection.position < len(connection.data)
        return 1 if waiting and (connection.live or not connection.output) else 0
    except BaseException:
        return -1


def _keylog(session, label, secret):
    try:
        pointer = _lib().gnutls_session_get_ptr(session)
        connection = _connections.get(pointer) if pointer else None
        if connection is not None and label and secret:
            value = secret.contents
            if 0 < value.size <= 64:
                connection.secrets[label.decode("ascii", "replace")] = \
                    ctypes.string_at(value.data, value.size)
        return 0
    except BaseException:
        return 0


# GnuTLS keeps the raw function pointers in every session: these must never be collected.
_PUSH_CALLBACK = _PUSH(_push)
_PULL_CALLBACK = _PULL(_pull)
_PULL_TIMEOUT_CALLBACK = _PULL_TIMEOUT(_pull_timeout)
_KEYLOG_CALLBACK = _KEYLOG(_keylog)


def _open_session(connection: _Connection, credential, priority) -> tuple[int, ctypes.c_void_p]:
    """A server session configured as Exim configures it (the module's docstring), its
    transport `connection`; the caller must _close_session it."""
    lib = _lib()
    with _ids_lock:
        ident = next(_ids)
    session = ctypes.c_void_p()
    _check(lib.gnutls_init(ctypes.byref(session),
                           GNUTLS_SERVER | GNUTLS_NONBLOCK | GNUTLS_NO_TICKETS), "gnutls_init")
    connection.session = session
    _connections[ident] = connection
    try:
        _check(lib.gnutls_priority_set(session, priority), "gnutls_priority_set")
        _check(lib.gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, credential),
               "gnutls_credentials_set")
        lib.gnutls_certificate_server_set_request(session, GNUTLS_CERT_IGNORE)
        lib.gnutls_session_set_ptr(session, ident)
        lib.gnutls_transport_set_ptr(session, ident)
        lib.gnutls_transport_set_push_function(session, _PUSH_CALLBACK)
        lib.gnutls_transport_set_pull_function(session, _PULL_CALLBACK)
        lib.gnutls_transport_set_pull_timeout_function(session, _PULL_TIMEOUT_CALLBACK)
        lib.gnutls_session_set_keylog_function(session, _KEYLOG_CALLBACK)
    except BaseException:
        _close_session(ident, session)
        raise
    return ident, session


def _close_session(ident: int, session: ctypes.c_void_p) -> None:
    _connections.pop(ident, None)
    _lib().gnutls_deinit(session)


def replay(raw: bytes, key_type: KeyType) -> ReplayOutcome:
    """Hand `raw` (a ClientHello as sent: TLS records or SSL 2.0 format) to the GnuTLS server
    holding one `key_type` certificate, and decode its first flight."""
    lib = _lib()
    credential = _credentials(key_type)
    priority = _priority()
    connection = _Connection(bytes(raw[:MAX_CLIENT_FLIGHT]))
    ident, session = _open_session(connection, credential, priority)
    reason = None
    try:
        calls = stalled = 0
        while calls < len(connection.data) + MAX_EXTRA_CALLS:
            calls += 1
            before = connection.position
            code = lib.gnutls_handshake(session)
            if code in (GNUTLS_E_AGAIN, GNUTLS_E_INTERRUPTED):
                if connection.output or connection.position >= len(connection.data):
                    break   # it answered, or it waits for bytes the client has not sent
                stalled = stalled + 1 if connection.position == before else 0
                if stalled >= MAX_STALLED_CALLS:
                    reason = "the library stopped reading its input"
                    break
                continue
            if code != 0:   # Exim ends the handshake and sends the matching alert
                reason = f"{_error_text(code)} ({_error_name(code)})"
                lib.gnutls_alert_send_appropriate(session, code)
            break
        if connection.overflow:
            reason = f"{reason + '; ' if reason else ''}its output exceeded {MAX_OUTPUT} bytes"
        flight = bytes(connection.output)
        secret = connection.secrets.get("SERVER_HANDSHAKE_TRAFFIC_SECRET")
    finally:
        _close_session(ident, session)
    return outcome_from_flight(key_type.id, flight, reason, library_name="GnuTLS",
                               library_failed=reason is not None,
                               server_handshake_secret=secret)


@dataclass(frozen=True, slots=True)
class LiveStep:
    """Where a LiveSession stands after the bytes it was given."""
    output: bytes                    # to send to the client now
    done: bool                       # the handshake ended (completed or failed)
    completed: bool = False
    version: str | None = None       # "TLSv1.3", once completed
    cipher: str | None = None        # the IANA name (gnutls_ciphersuite_get), once completed
    received_alert: int | None = None  # the client's alert that ended it (gnutls_alert_get)
    sent_alert: int | None = None    # what gnutls_alert_send_appropriate sent after a failure
    reason: str | None = None        # GnuTLS' words for the failure


class LiveSession:
    """One server session, configured as replay()'s, run to the end of its handshake: feed it
    what the client sends (`receive`), send the client what it returns."""

    def __init__(self, chain_pem: bytes, key_pem: bytes, name: str) -> None:
        self._connection = _Connection(b"", live=True)
        self._ident, self._session = _open_session(
            self._connection, credentials(chain_pem, key_pem, name), _priority())
        self._open = True

    def _take(self) -> bytes:
        output = bytes(self._connection.output)
        self._connection.output.clear()
        return output

    def receive(self, data: bytes) -> LiveStep:
        """Run gnutls_handshake() over `data` and what is left of earlier input; each call
        consumes input or ends, so the calls are bounded as in replay()."""
        lib, connection = _lib(), self._connection
        connection.data = bytes(connection.data[connection.position:]) + data
        connection.position = 0
        calls = stalled = 0
        while calls < len(connection.data) + MAX_EXTRA_CALLS:
            calls += 1
            before = connection.position
            code = lib.gnutls_handshake(self._session)
            if code == 0:
                version = _text(lib.gnutls_protocol_get_name(
                    lib.gnutls_protocol_get_version(self._session))) or ""
                return LiveStep(self._take(), True, True,
                                version.replace("TLS", "TLSv", 1) if version else None,
                                _text(lib.gnutls_ciphersuite_get(self._session)))
            if code in (GNUTLS_E_AGAIN, GNUTLS_E_INTERRUPTED):
                if connection.position >= len(connection.data):
                    return LiveStep(self._take(), False)   # it waits for the client
                stalled = stalled + 1 if connection.position == before else 0
                if stalled >= MAX_STALLED_CALLS:
                    break
                continue
            return self._failed(code)
        return LiveStep(self._take(), True, reason="the library stopped reading its input")

    def _failed(self, code: int) -> LiveStep:
        """Exim's end of a failed handshake: the matching alert, whatever the error."""
        lib = _lib()
        received = (lib.gnutls_alert_get(self._session)
                    if code in (GNUTLS_E_FATAL_ALERT_RECEIVED, GNUTLS_E_WARNING_ALERT_RECEIVED)
                    else None)
        level = ctypes.c_int()
        appropriate = lib.gnutls_error_to_alert(code, ctypes.byref(level))
        sent = lib.gnutls_alert_send_appropriate(self._session, code)
        return LiveStep(self._take(), True, received_alert=received,
                        sent_alert=appropriate if appropriate >= 0 and sent >= 0 else None,
                        reason=f"{_error_text(code)} ({_error_name(code)})")

    def close_notify(self) -> bytes:
        """A close_notify alert (gnutls_bye, GNUTLS_SHUT_WR: the client's is not awaited)."""
        _lib().gnutls_bye(self._session, GNUTLS_SHUT_WR)
        return self._take()

    def release(self) -> None:
        if self._open:
            self._open = False
            _close_session(self._ident, self._session)
