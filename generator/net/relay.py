"""The plaintext part of a STARTTLS protocol in front of a live server: a listener on
127.0.0.1 that speaks SMTP, IMAP or POP3 up to STARTTLS (dialogue.py's ServerDialogue, the
same words `tlskb capture` says) or answers PostgreSQL's SSLRequest, then connects to the live
server's port and relays bytes both ways, so the stack's library handles the TLS part exactly
as it does for a client that speaks TLS at once.

Bounded: at most MAX_CONNECTIONS at once, each for at most MAX_DURATION seconds, each read
with a timeout; lines over dialogue.MAX_LINE end the connection.
"""

from __future__ import annotations

import selectors
import socket
import threading
import time

from generator.net.capture import POSTGRES_SSL_REQUEST
from generator.net.dialogue import MAX_LINE, DialogueError, ServerDialogue

MAX_CONNECTIONS = 16
MAX_DURATION = 40.0
READ_TIMEOUT = 15.0


class StartTlsRelay:
    """Relays clients of `dialogue` ("smtp", "imap", "pop3", "postgres") to 127.0.0.1:`target`."""

    def __init__(self, dialogue: str, target: int) -> None:
        self.dialogue = dialogue
        self.target = target
        self.reached_tls = 0          # connections that got as far as their TLS part
        self.problems: list[str] = []
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(MAX_CONNECTIONS)
        self._socket.settimeout(0.2)
        self.port = self._socket.getsockname()[1]
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except (socket.timeout, TimeoutError):
                continue
            except OSError:
                return
            with self._lock:
                self._threads = [t for t in self._threads if t.is_alive()]
                if len(self._threads) >= MAX_CONNECTIONS:
                    connection.close()
                    continue
                thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
                self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        deadline = time.monotonic() + MAX_DURATION
        with connection:
            connection.settimeout(READ_TIMEOUT)
            try:
                rest = self._plaintext(connection)
                with socket.create_connection(("127.0.0.1", self.target), timeout=10) as upstream:
                    with self._lock:
                        self.reached_tls += 1
                    if rest:
                        upstream.sendall(rest)
                    _pipe(connection, upstream, deadline)
            except (OSError, DialogueError, ValueError) as error:
                with self._lock:
                    self.problems.append(str(error)[:300])

    def _plaintext(self, connection: socket.socket) -> bytes:
        """Speak until the client may start TLS; return bytes it sent beyond that point."""
        if self.dialogue == "postgres":
            request = _read_exactly(connection, 8)
            if request != POSTGRES_SSL_REQUEST:
                raise ValueError(f"not a PostgreSQL SSLRequest: {request.hex()}")
            connection.sendall(b"S")
            return b""
        dialogue = ServerDialogue(self.dialogue)
        connection.sendall(dialogue.greeting())
        buffer = b""
        while True:
            while b"\n" not in buffer:
                if len(buffer) > MAX_LINE:
                    raise ValueError(f"a line over {MAX_LINE} bytes before STARTTLS")
                chunk = connection.recv(4096)
                if not chunk:
                    raise ValueError("the client closed the connection before STARTTLS")
                buffer += chunk
            line, buffer = buffer.split(b"\n", 1)
            reply = dialogue.receive(line + b"\n")
            connection.sendall(reply.data)
            if reply.start_tls:
                return buffer
            if reply.close:
                raise ValueError("the client ended the session without STARTTLS")

    def close(self) -> None:
        self._stop.set()
        self._socket.close()
        self._acceptor.join(5)
        for thread in list(self._threads):
            thread.join(5)

    def __enter__(self) -> StartTlsRelay:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _read_exactly(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise ValueError(f"the client closed the connection after {len(data)} bytes")
        data += chunk
    return data


def _pipe(a: socket.socket, b: socket.socket, deadline: float) -> None:
    """Copy bytes both ways until either side closes or the deadline passes."""
    with selectors.DefaultSelector() as selector:
        selector.register(a, selectors.EVENT_READ, b)
        selector.register(b, selectors.EVENT_READ, a)
        while time.monotonic() < deadline:
            for key, _ in selector.select(timeout=min(1.0, max(deadline - time.monotonic(), 0))):
                data = key.fileobj.recv(65536)
                if not data:
                    return
                key.data.sendall(data)
