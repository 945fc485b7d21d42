"""A LiveServer whose library runs in one helper process of its own (Go's tlsreplay in live
mode, the JSSE JVM), spoken to over its stdin and stdout.

Requests are framed as the replayers' are: a 4-byte big-endian length, then the payload, whose
first byte names the operation; every answer is one JSON object on one line:

    'V'                 -> the helper's report of its library (checked by the stack)
    'L' + key           -> {"ok": true, "port": N}   (the key's encoding is the stack's own)
    'R' + u32 port      -> {"ok": true, "handshakes": [...], "pending": n, "full": bool}
    'C' + u32 port      -> {"ok": true}

The helper accepts on 127.0.0.1 only, handles each connection concurrently with a deadline of
HANDSHAKE_TIMEOUT, and stops accepting on a listener after its connection limit ("full").
Everything here is bounded: request and answer sizes, every wait; a helper that dies or does
not answer becomes a LiveServerError that says what to do.
"""

from __future__ import annotations

import abc
import json
import os
import select
import struct
import subprocess
import tempfile
import threading
import time

from generator.compat.certs import CertifiedKey
from generator.net.live import (HANDSHAKE_TIMEOUT, HandshakeEnd, LiveHandshake, LiveServer,
                                LiveServerError)
from generator.tls import registry

#: the largest request sent and answer read (an answer holds at most one listener's results)
MAX_REQUEST, MAX_ANSWER = 1 << 20, 1 << 20
#: seconds to wait for one answer (closing a listener ends its connections at once)
REQUEST_TIMEOUT = 15.0
#: seconds between two looks at a listener's connections while they settle
SETTLE_POLL = 0.05
#: the most characters of the library's own words kept in a LiveHandshake
MAX_DETAIL = 300


def alert_name(value: int | str | None) -> str | None:
    """RFC 8446 §6 (RFC 5246 §7.2 for the older ones) name of an alert, from its number ("alert:N"
    too) or a library's name for it ("HANDSHAKE_FAILURE", "handshake_failure"); None for none."""
    if value is None or value == -1 or value == "":
        return None
    if isinstance(value, str) and value.startswith("alert:") and value[6:].isdigit():
        value = int(value[6:])     # a number a helper had no name for
    if isinstance(value, int):
        return registry.lookup("alerts", value) or f"alert_{value}"
    name = value.strip().lower().replace(" ", "_")
    known = set(registry.tables()["alerts"].values())
    return name if name in known else f"unregistered:{name}"


def one_line(text: str | None) -> str | None:
    if text is None:
        return None
    return " ".join(str(text).split())[:MAX_DETAIL] or None


class HelperLiveServer(LiveServer):
    """The helper process and its pipes; one request at a time (a lock). A subclass names the
    command and says how a key is sent and how the helper's handshake entries read."""

    #: e.g. "the Go live helper"; and what to do when it fails (install line, tool to check)
    name: str = "the live helper"
    remedy: str = ""

    def __init__(self, command: list[str], env: dict[str, str] | None = None,
                 start_timeout: float = REQUEST_TIMEOUT) -> None:
        self._lock = threading.Lock()
        self._buffer = b""
        self._stderr = tempfile.TemporaryFile()
        self._ports: set[int] = set()
        try:
            self._process = subprocess.Popen(command, stdin=subprocess.PIPE,
                                             stdout=subprocess.PIPE, stderr=self._stderr,
                                             env=env, bufsize=0)
        except OSError as error:
            self._stderr.close()
            raise LiveServerError(f"cannot start {self.name} ({command[0]}): {error}; "
                                  f"{self.remedy}") from None
        try:
            self.info = self._call(b"V", start_timeout)
        except LiveServerError:
            self._stop()
            raise

    # -- what a stack provides ---------------------------------------------------------------------

    @abc.abstractmethod
    def listen_payload(self, key: CertifiedKey) -> bytes:
        """The body of an 'L' request carrying `key`'s chain and private key."""

    @abc.abstractmethod
    def to_handshake(self, entry: dict) -> LiveHandshake:
        """One entry of an 'R' answer's "handshakes" as a LiveHandshake."""

    # -- the pipes ---------------------------------------------------------------------------------

    def _stderr_tail(self) -> str:
        try:
            self._stderr.seek(0, os.SEEK_END)
            self._stderr.seek(max(0, self._stderr.tell() - 600))
            return " ".join(self._stderr.read().decode("utf-8", "replace").split())
        except (OSError, ValueError):
            return ""

    def _failed(self, what: str) -> LiveServerError:
        process = self._process
        status = process.poll() if process is not None else None
        self._stop()
        tail = self._stderr_tail()
        return LiveServerError(f"{self.name} {what} (exit status {status})"
                               + (f": {tail}" if tail else "") + f"; {self.remedy}")

    def _call(self, payload: bytes, timeout: float = REQUEST_TIMEOUT) -> dict:
        if len(payload) > MAX_REQUEST:
            raise LiveServerError(f"a request of {len(payload)} bytes to {self.name}; at most "
                                  f"{MAX_REQUEST} are sent (no certificate chain is that large)")
        with self._lock:
            process = self._process
            if process is None or process.poll() is not None:
                raise self._failed("is not running")
            try:
                process.stdin.write(struct.pack(">I", len(payload)) + payload)
                process.stdin.flush()
            except OSError:
                raise self._failed("exited") from None
            deadline = time.monotonic() + timeout
            descriptor = process.stdout.fileno()
            while b"\n" not in self._buffer:
                if len(self._buffer) > MAX_ANSWER:
                    raise self._failed(f"wrote an answer longer than {MAX_ANSWER} bytes")
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([descriptor], [], [], left)[0]:
                    raise self._failed(f"gave no answer within {timeout:g} s")
                chunk = os.read(descriptor, 1 << 16)
                if not chunk:
                    raise self._failed("exited")
                self._buffer += chunk
            line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            answer = json.loads(line)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            with self._lock:
                raise self._failed(f"wrote a line that is no JSON object: {line[:200]!r}")
        return answer

    def _checked(self, payload: bytes, what: str) -> dict:
        answer = self._call(payload)
        if not answer.get("ok"):
            raise LiveServerError(f"{self.name} could not {what}: {answer.get('error')}")
        return answer

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        try:
            process.stdin.close()
        except OSError:
            pass
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()          # our own child, by its pid
            process.wait(timeout=10)
        process.stdout.close()

    # -- LiveServer --------------------------------------------------------------------------------

    def open_listener(self, key: CertifiedKey) -> int:
        answer = self._checked(b"L" + self.listen_payload(key), "open a listener")
        port = answer.get("port")
        if not isinstance(port, int) or not 0 < port < 65536:
            raise LiveServerError(f"{self.name} answered a listen with port {port!r}")
        self._ports.add(port)
        return port

    def handshakes(self, port: int, settle: float = 2.0) -> tuple[LiveHandshake, ...]:
        """Polls the helper every SETTLE_POLL seconds until none of `port`'s connections is in
        its handshake or `settle` seconds have passed."""
        deadline = time.monotonic() + max(0.0, settle)
        while True:
            answer = self._checked(b"R" + struct.pack(">I", port), f"report port {port}")
            if not answer.get("pending") or time.monotonic() >= deadline:
                break
            time.sleep(min(SETTLE_POLL, max(0.0, deadline - time.monotonic())))
        entries = answer.get("handshakes")
        if not isinstance(entries, list):
            raise LiveServerError(f"{self.name} reported no list of handshakes for port {port}")
        return tuple(self.to_handshake(entry) for entry in entries)

    def close_listener(self, port: int) -> None:
        self._checked(b"C" + struct.pack(">I", port), f"close port {port}")
        self._ports.discard(port)

    def close(self) -> None:
        with self._lock:
            self._stop()
        self._stderr.close()


def handshake_end(value: object) -> HandshakeEnd:
    try:
        return HandshakeEnd(value)
    except ValueError:
        raise LiveServerError(f"a live helper reported a handshake ending {value!r}") from None


__all__ = ["HANDSHAKE_TIMEOUT", "HelperLiveServer", "alert_name", "handshake_end", "one_line"]
