"""Live servers: each stack's library serving real TLS connections on 127.0.0.1, so that a real
client can be run against it to the end of the handshake (end-to-end proof, issue 12).

A replay hands a recorded ClientHello to the library and reads its first flight; a live server
lets the real client answer that flight, so it also shows whether the client accepts the
certificate (its key, its chain, its signature). Each stack package provides
`live.live_server() -> LiveServer`, configured exactly as its replayer is (same settings, same
defaults), so the two kinds of evidence speak for the same server.

A LiveServer opens any number of listeners, one per client run, each on a fresh port of
127.0.0.1 holding one certificate chain. Every connection to a listener is one handshake,
bounded by HANDSHAKE_TIMEOUT; when it ends the server records a LiveHandshake and closes the
connection (close_notify after a completed handshake: no application data is exchanged, no
session ticket is issued).
"""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass

from generator.compat.certs import CertifiedKey
from generator.errors import TlskbError

#: seconds one connection may take from accept to the end of its handshake
HANDSHAKE_TIMEOUT = 10.0


class LiveServerError(TlskbError):
    """A live server could not start or answer (its library or helper is missing or died)."""


class HandshakeEnd(enum.StrEnum):
    """How one live handshake ended, seen from the server."""
    COMPLETED = "completed"          # the client's Finished was received and verified
    SERVER_ALERT = "server_alert"    # the server's library gave up: an alert, or silence
    CLIENT_ALERT = "client_alert"    # the client sent a fatal alert (e.g. bad_certificate)
    CLOSED = "closed"                # the client closed the connection mid-handshake, no alert
    TIMEOUT = "timeout"              # HANDSHAKE_TIMEOUT passed
    ERROR = "error"                  # anything else the library reported


@dataclass(frozen=True, slots=True)
class LiveHandshake:
    """One connection's handshake as the server saw it."""
    end: HandshakeEnd
    version: str | None = None    # negotiated version, "TLSv1.2" / "TLSv1.3", when known
    cipher: str | None = None     # negotiated suite, the IANA name, when known
    alert: str | None = None      # the alert that ended it, RFC 8446 §6 name ("bad_certificate")
    detail: str | None = None     # the library's own words, one line, at most 300 characters


class LiveServer(abc.ABC):
    """One stack's library, serving handshakes on 127.0.0.1. Use as a context manager."""

    @abc.abstractmethod
    def open_listener(self, key: CertifiedKey) -> int:
        """Start accepting on a fresh port of 127.0.0.1 with `key`'s chain; return the port."""

    @abc.abstractmethod
    def handshakes(self, port: int, settle: float = 2.0) -> tuple[LiveHandshake, ...]:
        """The handshakes of `port`'s connections so far, in accept order, after waiting up to
        `settle` seconds for connections still in their handshake to end."""

    @abc.abstractmethod
    def close_listener(self, port: int) -> None:
        """Stop accepting on `port` and end its connections."""

    @abc.abstractmethod
    def close(self) -> None:
        """Close every listener and release the library or helper process."""

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
