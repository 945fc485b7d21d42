"""Where does TLS start in a client's byte stream?

At byte 0 for TLS proper; after an upgrade command for STARTTLS protocols, on any port:
SMTP/LMTP (RFC 3207 `STARTTLS`), IMAP (RFC 9051 §6.2.1 `tag STARTTLS`), POP3 (RFC 2595 §4
`STLS`), NNTP and ManageSieve (`STARTTLS`), FTP (RFC 4217 `AUTH TLS`), XMPP (RFC 6120 §5.4
`<starttls .../>`), and PostgreSQL's 8-byte SSLRequest. Only the client's direction is needed:
what follows its upgrade command, once the server agreed, is its ClientHello.

A stream arrives a segment at a time, so detection is incremental (`TlsStartDetector`): upgrade
commands are bounded in length (MAX_COMMAND), so each call looks again only at where an
unfinished command may begin, never more than MAX_COMMAND bytes back, and a stream fed byte by
byte costs what it costs whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.tls.records import (looks_like_sslv2_client_hello,
                                   looks_like_tls_handshake_record)

#: plaintext scanned for an upgrade command before a stream is given up as not TLS
MAX_PLAINTEXT_PREFIX = 64 * 1024
POSTGRES_SSL_REQUEST = bytes.fromhex("0000000804d2162f")
#: the longest IMAP tag, run of spaces, and `<starttls>` attribute text tlskb recognises (an
#: IMAP tag is a few characters; RFC 6120's element carries only its namespace)
_MAX_TAG, _MAX_SPACES, _MAX_XMPP_ATTRIBUTES = 64, 64, 256
_COMMAND = re.compile(
    rb"(?im)^(?:(?P<starttls>STARTTLS)|(?P<imap>[A-Za-z0-9.+_-]{1,%d} STARTTLS)|(?P<pop3>STLS)"
    rb"|(?P<ftp>AUTH (?:TLS|SSL|TLS-C|TLS-P)))[ \t]{0,%d}\r?\n"
    rb"|(?P<xmpp><starttls\b[^<>]{0,%d}?(?:/>|>\s{0,%d}</starttls>))"
    % (_MAX_TAG, _MAX_SPACES, _MAX_XMPP_ATTRIBUTES, _MAX_SPACES))
#: the most bytes _COMMAND can match: `<starttls`, its attributes, `>`, spaces, `</starttls>`
MAX_COMMAND = len(b"<starttls") + _MAX_XMPP_ATTRIBUTES + 1 + _MAX_SPACES + len(b"</starttls>")
_SMTP_GREETING = re.compile(rb"(?im)^(?P<verb>EHLO|HELO|LHLO)\b")
#: bytes a text protocol's command lines hold: printable ASCII, tab, CR, LF
_TEXT_BYTES = bytes(range(32, 127)) + b"\t\r\n"
_XMPP_SPACE = b" \t\r\n"


@dataclass(frozen=True, slots=True)
class TlsStart:
    offset: int
    starttls: str | None  # None for TLS from the first byte, else the protocol that upgraded


class NeedMore:
    """Not decidable yet: more of the stream is needed."""


NEED_MORE = NeedMore()


def _is_hello_start(data: bytes, offset: int) -> bool | None:
    """True/False, or None if too few bytes to tell."""
    available = len(data) - offset
    if available >= 3 and looks_like_tls_handshake_record(data, offset):
        return None if available < 6 else data[offset + 5] == 0x01
    if available < 5:
        return None if available == 0 or data[offset] & 0x80 or data[offset] == 0x16 else False
    return looks_like_sslv2_client_hello(data, offset)


def _printable_first_line(data: bytes) -> bool:
    """Text protocols start with a printable line (the TLS bytes come after the command)."""
    head = bytes(data[:64]).split(b"\n", 1)[0]
    return all(32 <= b < 127 or b in (9, 13) for b in head)


def _protocol(prefix: bytes, command: str) -> str:
    if command != "starttls":
        return command
    greeting = _SMTP_GREETING.search(prefix)
    if greeting:
        return "lmtp" if greeting.group("verb").upper() == b"LHLO" else "smtp"
    return "starttls"


@dataclass(slots=True)
class _Command:
    """An upgrade command found in the stream, waiting for the bytes after it."""
    start: int        # where the command begins
    hello_at: int     # where its ClientHello would begin (XMPP: after whitespace skipped so far)
    command: str      # the _COMMAND group that matched
    xmpp: bool


class TlsStartDetector:
    """`locate_tls_start` for a stream that grows: call `update` with the stream so far (each
    time the same bytes, and more). Each call scans only the bytes new since the last one and
    at most MAX_COMMAND before them."""

    def __init__(self) -> None:
        self._resume = 0                  # where the search for a command continues
        self._command: _Command | None = None
        self._seen = 0                    # bytes looked at for binary content
        self._line_start = 0              # where the last line of those bytes starts
        self._newline = False             # a line has ended
        self._binary_line = False         # the last line holds a byte no text protocol sends

    def update(self, data: bytes | bytearray) -> TlsStart | NeedMore | None:
        """Where the client's ClientHello begins, NEED_MORE, or None if this stream is not a TLS
        client stream (a server's stream, or a protocol that never upgrades)."""
        if not data:
            return NEED_MORE
        first = _is_hello_start(data, 0)
        if first is None and (data[0] == 0x16 or data[0] & 0x80):
            return NEED_MORE
        if first:
            return TlsStart(0, None)
        if data[:8] == POSTGRES_SSL_REQUEST or (len(data) < 8
                                                 and POSTGRES_SSL_REQUEST.startswith(data)):
            if len(data) < 13:
                return NEED_MORE
            return TlsStart(8, "postgres") if _is_hello_start(data, 8) else None
        if not _printable_first_line(data):
            return None
        end = min(len(data), MAX_PLAINTEXT_PREFIX)
        while True:
            if self._command is not None:
                verdict = self._after_command(data)
                if verdict is not None:
                    return verdict
            match = _COMMAND.search(data, self._resume, end)
            if match is None:
                break
            self._resume = match.end()
            self._command = _Command(match.start(), match.end(), match.lastgroup or "",
                                     match.lastgroup == "xmpp")
        self._resume = self._unfinished_command(data, end)
        # Binary after the plaintext without an upgrade command: not a STARTTLS stream.
        if len(data) >= MAX_PLAINTEXT_PREFIX:
            return None
        self._look_for_binary(data, end)
        if self._binary_line and self._newline:
            return None
        return NEED_MORE

    def _unfinished_command(self, data: bytes | bytearray, end: int) -> int:
        """Where a command that more bytes could complete may begin: within the last MAX_COMMAND
        bytes, at the start of the last line, or at one of the last two `<` (an XMPP element
        holds no `<` before its `</starttls>`); `end` if nowhere."""
        floor = max(self._resume, end - MAX_COMMAND)
        resume = end
        newline = data.rfind(b"\n", max(floor - 1, 0), end)
        if newline >= 0 or floor == 0:
            resume = newline + 1
        last = data.rfind(b"<", floor, end)
        if last >= 0:
            before = data.rfind(b"<", floor, last)
            resume = min(resume, before if before >= 0 else last)
        return resume

    def _after_command(self, data: bytes | bytearray) -> TlsStart | NeedMore | None:
        """TlsStart if a ClientHello follows the command, NEED_MORE if too few bytes do yet, or
        None (the command was not followed by a hello: search on)."""
        command = self._command
        if command.xmpp:
            while command.hello_at < len(data) and data[command.hello_at] in _XMPP_SPACE:
                command.hello_at += 1
        verdict = _is_hello_start(data, command.hello_at)
        if verdict is None:
            return NEED_MORE
        self._command = None
        if verdict:
            return TlsStart(command.hello_at, _protocol(bytes(data[:command.start]),
                                                        command.command))
        return None

    def _look_for_binary(self, data: bytes | bytearray, end: int) -> None:
        if end <= self._seen:
            return
        newline = data.rfind(b"\n", self._seen, end)
        if newline >= 0:
            self._newline = True
            self._line_start = newline + 1
            self._binary_line = bool(bytes(data[self._line_start:end]).translate(None, _TEXT_BYTES))
        elif bytes(data[self._seen:end]).translate(None, _TEXT_BYTES):
            self._binary_line = True
        self._seen = end


def locate_tls_start(data: bytes) -> TlsStart | NeedMore | None:
    """Where the client's ClientHello begins in `data`, NEED_MORE, or None if this stream is not
    a TLS client stream (a server's stream, or a protocol that never upgrades)."""
    return TlsStartDetector().update(data)
