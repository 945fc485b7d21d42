"""The socket side of the in-process live servers (net/live.py): listeners on 127.0.0.1 that
pump each connection's bytes through a sans-I/O TLS engine — OpenSSL over memory BIOs, GnuTLS
over push/pull callbacks, rustls' read_tls/write_tls — so a stack supplies only its `Engine`.

One thread accepts per listener (at most MAX_CONNECTIONS connections; later ones are closed
unanswered), one thread per connection. A connection is one handshake: the bytes the client
sends are handed to the engine as they arrive (at most READ_CHUNK per read, MAX_INPUT in all),
what it writes goes straight back, until the engine says the handshake ended, the client
closes, or HANDSHAKE_TIMEOUT passes. After a completed handshake the engine's close_notify
(RFC 8446 §6.1) is sent; no application data is read or written. The server then shuts its
side and reads what the client still sends for at most LINGER seconds, so that closing does
not reset a connection whose last bytes the client is still reading.

One fact is read from the wire rather than from the library: a client that refuses the
certificate in TLS 1.3 before it has switched to its handshake keys sends its alert
unencrypted (observed, OpenSSL 3.0.22's s_client: unknown_ca as a plaintext record after the
server's flight). RFC 8446 §5 lets the server treat that as a record it cannot open, and GnuTLS
3.7.9 does (GNUTLS_E_DECRYPTION_FAILED, answering bad_record_mac); but the client's fatal alert
is in the clear, so when a failed handshake's last client record is one (a 2-byte alert
record: an encrypted one is longer), the handshake is reported as ended by that client alert,
with the library's own words kept in the detail.
"""

from __future__ import annotations

import abc
import contextlib
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from generator.compat.certs import CertifiedKey
from generator.net.live import (HANDSHAKE_TIMEOUT, HandshakeEnd, LiveHandshake, LiveServer,
                                LiveServerError)
from generator.tls import registry

#: connections one listener serves; one client run makes one or a few
MAX_CONNECTIONS = 64
#: bytes per read, and in all from one client during its handshake (a handshake's client
#: flights are a few KiB; client certificates are never requested)
READ_CHUNK = 1 << 14
MAX_INPUT = 1 << 20
#: seconds to read (and drop) what the client still sends after the server's last bytes
LINGER = 1.0
#: seconds the accept loop sleeps in select() before it checks whether it was closed
ACCEPT_POLL = 0.1
#: the longest `detail` a LiveHandshake carries
DETAIL_LIMIT = 300


@dataclass(frozen=True, slots=True)
class EngineStep:
    """What the engine wrote after the bytes it was given, and the handshake's end once
    reached (None: it waits for more)."""
    output: bytes
    ended: LiveHandshake | None = None


class Engine(abc.ABC):
    """One server-side TLS connection of a library, without I/O."""

    @abc.abstractmethod
    def receive(self, data: bytes) -> EngineStep:
        """Hand the library `data` (never empty), as the client sent it."""

    @abc.abstractmethod
    def close_notify(self) -> bytes:
        """The close_notify alert to send after a completed handshake."""

    def release(self) -> None:
        """Free the library's connection (called once, whatever happened)."""


#: a stack's part: given a listener's chain, a factory of engines holding it (the library's
#: configuration is built once per listener)
EnginePreparer = Callable[[CertifiedKey], Callable[[], Engine]]


def one_line(text: str) -> str:
    """A library's words as one line of at most DETAIL_LIMIT characters."""
    line = " ".join(text.split())
    return line if len(line) <= DETAIL_LIMIT else line[:DETAIL_LIMIT - 1] + "…"


def alert_name(description: int | None) -> str | None:
    """RFC 8446 §6 name of an alert description: 48 -> "unknown_ca"."""
    return None if description is None else registry.name("alerts", description)


def alert_by_words(words: str) -> str | None:
    """The registered alert name spelled by `words` in any case and spacing ("unknown ca",
    "UnknownCA", "bad_certificate"), or None if no alert has that name."""
    key = "".join(ch for ch in words.lower() if ch.isalnum())
    return _alert_keys().get(key)


def _alert_keys() -> dict[str, str]:
    names = registry.tables()["alerts"].values()
    return {"".join(ch for ch in name.lower() if ch.isalnum()): name for name in names}


#: record content types (RFC 8446 §5.1): change_cipher_spec, alert, handshake, application_data
_CONTENT_TYPES = range(20, 24 + 1)
_ALERT = 21
_FATAL = 2


class ClientRecords:
    """The TLS records of a client's byte stream, headers only (RFC 8446 §5.1): what the
    last complete one was. Gives up (and reports nothing) on anything that is not a record."""

    def __init__(self) -> None:
        self._buffer = bytearray()   # at most one record plus one read
        self._broken = False
        self.last: tuple[int, bytes] | None = None   # (content type, body) of the last record

    def feed(self, data: bytes) -> None:
        if self._broken:
            return
        self._buffer += data
        while len(self._buffer) >= 5:   # each round removes a record
            if self._buffer[0] not in _CONTENT_TYPES:
                self._broken, self.last = True, None
                self._buffer.clear()
                return
            end = 5 + int.from_bytes(self._buffer[3:5], "big")
            if len(self._buffer) < end:
                return
            body = bytes(self._buffer[5:min(end, 5 + 2)])
            self.last = (self._buffer[0], body)
            del self._buffer[:end]

    def plaintext_fatal_alert(self) -> int | None:
        """The description of the last record if it is an unencrypted fatal alert."""
        if self.last is None or self.last[0] != _ALERT or len(self.last[1]) != 2:
            return None
        level, description = self.last[1]
        return description if level == _FATAL and not self._buffer else None


def _with_client_alert(ended: LiveHandshake, records: ClientRecords) -> LiveHandshake:
    """`ended`, or the client's unencrypted fatal alert the library could not read."""
    if ended.end in (HandshakeEnd.COMPLETED, HandshakeEnd.CLIENT_ALERT):
        return ended
    description = records.plaintext_fatal_alert()
    if description is None:
        return ended
    said = f"{ended.end.value}" + (f" {ended.alert}" if ended.alert else "")
    return LiveHandshake(HandshakeEnd.CLIENT_ALERT, alert=alert_name(description),
                         detail=one_line(f"the client's alert came unencrypted; the library "
                                         f"said: {ended.detail or said} ({said})"))


class _Listener:
    def __init__(self, name: str, new_engine: Callable[[], Engine]) -> None:
        self.name = name
        self.new_engine = new_engine
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(MAX_CONNECTIONS)
        self.socket.setblocking(False)   # accept() only after select(), and never waits
        self.port: int = self.socket.getsockname()[1]
        self.lock = threading.Lock()
        self.results: list[LiveHandshake | None] = []   # accept order; None: in progress
        self.threads: list[threading.Thread] = []
        self.clients: list[socket.socket] = []
        self.closed = threading.Event()
        self.acceptor = threading.Thread(target=self._accept_loop, daemon=True,
                                         name=f"tlskb-live-{name}-{self.port}")
        self.acceptor.start()

    # -- accepting --------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self.closed.is_set():
            try:
                ready, _, _ = select.select([self.socket], [], [], ACCEPT_POLL)
            except (OSError, ValueError):   # closed under us: close_listener
                return
            if not ready:
                continue
            # accepting and recording under one lock: handshakes() sees every connection
            # either still queued (pending) or recorded, never in between
            with self.lock:
                try:
                    client, _ = self.socket.accept()
                except BlockingIOError:
                    continue
                except (OSError, ValueError):
                    return
                client.setblocking(True)
                if self.closed.is_set() or len(self.results) >= MAX_CONNECTIONS:
                    client.close()
                    continue
                index = len(self.results)
                self.results.append(None)
                self.clients.append(client)
                thread = threading.Thread(target=self._serve, args=(client, index), daemon=True,
                                          name=f"tlskb-live-{self.name}-{self.port}-{index}")
                self.threads.append(thread)
            thread.start()

    def pending(self) -> bool:
        """A connection the kernel accepted that the accept loop has not taken yet."""
        try:
            ready, _, _ = select.select([self.socket], [], [], 0)
        except (OSError, ValueError):
            return False
        return bool(ready)

    # -- one connection ---------------------------------------------------------------------

    def _serve(self, client: socket.socket, index: int) -> None:
        try:
            result = self._handshake(client)
        except Exception as error:  # noqa: BLE001 - recorded as the connection's end, not lost
            result = LiveHandshake(HandshakeEnd.ERROR,
                                   detail=one_line(f"{type(error).__name__}: {error}"))
        finally:
            with contextlib.suppress(OSError):
                client.close()
        with self.lock:
            self.results[index] = result

    def _handshake(self, client: socket.socket) -> LiveHandshake:
        engine = self.new_engine()
        try:
            deadline = time.monotonic() + HANDSHAKE_TIMEOUT
            result = self._pump(client, engine, deadline)
            if result.end is HandshakeEnd.COMPLETED:
                _send(client, engine.close_notify(), deadline + LINGER)
        finally:
            engine.release()
        _linger(client)
        return result

    def _pump(self, client: socket.socket, engine: Engine, deadline: float) -> LiveHandshake:
        received = 0
        records = ClientRecords()
        while True:   # each round reads at least one byte: bounded by MAX_INPUT
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return _timed_out()
            client.settimeout(remaining)
            try:
                chunk = client.recv(READ_CHUNK)
            except TimeoutError:
                return _timed_out()
            except OSError as error:
                return LiveHandshake(HandshakeEnd.CLOSED,
                                     detail=one_line(f"the connection failed: {error}"))
            if not chunk:
                return LiveHandshake(HandshakeEnd.CLOSED, detail="the client closed the "
                                     "connection during the handshake, without an alert")
            received += len(chunk)
            if received > MAX_INPUT:
                return LiveHandshake(HandshakeEnd.ERROR, detail=f"the client sent more than "
                                     f"{MAX_INPUT} bytes during the handshake")
            records.feed(chunk)
            step = engine.receive(chunk)
            sent = _send(client, step.output, deadline)
            if step.ended is not None:
                return _with_client_alert(step.ended, records)
            if not sent:
                return LiveHandshake(HandshakeEnd.CLOSED, detail="the client stopped reading "
                                     "the server's handshake messages")

    def close(self, wait: float) -> None:
        self.closed.set()
        with contextlib.suppress(OSError):
            self.socket.close()
        with self.lock:
            clients, threads = list(self.clients), list(self.threads)
        for client in clients:   # ends a blocked recv in its thread
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
        end = time.monotonic() + wait
        self.acceptor.join(max(0.0, end - time.monotonic()))
        for thread in threads:
            thread.join(max(0.0, end - time.monotonic()))

    def handshakes(self, settle: float) -> tuple[LiveHandshake, ...]:
        end = time.monotonic() + max(0.0, settle)
        while time.monotonic() < end:   # bounded by `settle`
            with self.lock:
                busy = any(result is None for result in self.results) or self.pending()
            if not busy:
                break
            time.sleep(0.02)
        with self.lock:
            return tuple(result for result in self.results if result is not None)


def _timed_out() -> LiveHandshake:
    return LiveHandshake(HandshakeEnd.TIMEOUT,
                         detail=f"the handshake did not end within {HANDSHAKE_TIMEOUT:g} s")


def _send(client: socket.socket, data: bytes, deadline: float) -> bool:
    """Send `data` before `deadline`; False if the client is gone or stopped reading."""
    if not data:
        return True
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return False
    try:
        client.settimeout(remaining)
        client.sendall(data)
    except OSError:   # TimeoutError included
        return False
    return True


def _linger(client: socket.socket) -> None:
    """Shut the server's side, then read what the client still sends (its close_notify, its
    own alert) until it closes or LINGER seconds pass, at most MAX_INPUT bytes."""
    end = time.monotonic() + LINGER
    with contextlib.suppress(OSError):
        client.shutdown(socket.SHUT_WR)
        drained = 0
        while drained < MAX_INPUT:
            remaining = end - time.monotonic()
            if remaining <= 0:
                return
            client.settimeout(remaining)
            chunk = client.recv(READ_CHUNK)
            if not chunk:
                return
            drained += len(chunk)


class SansIOServer(LiveServer):
    """A LiveServer for a library driven in this process: `prepare` builds, once per listener,
    the factory of that library's engines for the listener's chain."""

    def __init__(self, library: str, prepare: EnginePreparer) -> None:
        self.library = library
        self._prepare = prepare
        self._listeners: dict[int, _Listener] = {}
        self._lock = threading.Lock()

    def open_listener(self, key: CertifiedKey) -> int:
        new_engine = self._prepare(key)
        try:
            listener = _Listener(self.library, new_engine)
        except OSError as error:
            raise LiveServerError(f"the {self.library} live server cannot listen on "
                                  f"127.0.0.1: {error}") from None
        with self._lock:
            self._listeners[listener.port] = listener
        return listener.port

    def _listener(self, port: int) -> _Listener:
        with self._lock:
            listener = self._listeners.get(port)
        if listener is None:
            raise LiveServerError(f"the {self.library} live server has no listener on port "
                                  f"{port}; use the port open_listener returned")
        return listener

    def handshakes(self, port: int, settle: float = 2.0) -> tuple[LiveHandshake, ...]:
        return self._listener(port).handshakes(settle)

    def close_listener(self, port: int) -> None:
        with self._lock:
            listener = self._listeners.pop(port, None)
        if listener is not None:
            listener.close(HANDSHAKE_TIMEOUT)

    def close(self) -> None:
        with self._lock:
            ports = list(self._listeners)
        for port in ports:
            self.close_listener(port)
