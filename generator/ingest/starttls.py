"""Where does TLS start in a client's byte stream?

At byte 0 for TLS proper; after an upgrade command for STARTTLS protocols, on any port:
SMTP/LMTP (RFC 3207 `STARTTLS`), IMAP (RFC 9051 §6.2.1 `tag STARTTLS`), POP3 (RFC 2595 §4
`STLS`), NNTP and ManageSieve (`STARTTLS`), FTP (RFC 4217 `AUTH TLS`), XMPP (RFC 6120 §5.4
`<starttls .../>`), and PostgreSQL's 8-byte SSLRequest. Only the client's direction is needed:
what follows its upgrade command, once the server agreed, is its ClientHello.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.tls.records import (looks_like_sslv2_client_hello,
                                   looks_like_tls_handshake_record)

#: plaintext scanned for an upgrade command before a stream is given up as not TLS
MAX_PLAINTEXT_PREFIX = 64 * 1024
POSTGRES_SSL_REQUEST = bytes.fromhex("0000000804d2162f")
_COMMAND = re.compile(
    rb"(?im)^(?:(?P<starttls>STARTTLS)|(?P<imap>[A-Za-z0-9.+_-]+ STARTTLS)|(?P<pop3>STLS)"
    rb"|(?P<ftp>AUTH (?:TLS|SSL|TLS-C|TLS-P)))[ \t]*\r?\n"
    rb"|(?P<xmpp><starttls\b[^>]*?(?:/>|>\s*</starttls>))")
_SMTP_GREETING = re.compile(rb"(?im)^(?P<verb>EHLO|HELO|LHLO)\b")


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
    head = data[:64].split(b"\n", 1)[0]
    return all(32 <= b < 127 or b in (9, 13) for b in head)


def _protocol(prefix: bytes, match: re.Match[bytes]) -> str:
    if match.group("pop3"):
        return "pop3"
    if match.group("ftp"):
        return "ftp"
    if match.group("xmpp"):
        return "xmpp"
    if match.group("imap"):
        return "imap"
    greeting = _SMTP_GREETING.search(prefix)
    if greeting:
        return "lmtp" if greeting.group("verb").upper() == b"LHLO" else "smtp"
    return "starttls"


def locate_tls_start(data: bytes) -> TlsStart | NeedMore | None:
    """Where the client's ClientHello begins, NEED_MORE, or None if this stream is not a TLS
    client stream (a server's stream, or a protocol that never upgrades)."""
    if not data:
        return NEED_MORE
    first = _is_hello_start(data, 0)
    if first is None and (data[0] == 0x16 or data[0] & 0x80):
        return NEED_MORE
    if first:
        return TlsStart(0, None)
    if data[:8] == POSTGRES_SSL_REQUEST or (len(data) < 8 and POSTGRES_SSL_REQUEST.startswith(data)):
        if len(data) < 13:
            return NEED_MORE
        return TlsStart(8, "postgres") if _is_hello_start(data, 8) else None
    if not _printable_first_line(data):
        return None
    scan = data[:MAX_PLAINTEXT_PREFIX]
    for match in _COMMAND.finditer(scan):
        start = match.end()
        if match.group("xmpp"):
            while start < len(data) and data[start] in b" \t\r\n":
                start += 1
        verdict = _is_hello_start(data, start)
        if verdict is None:
            return NEED_MORE
        if verdict:
            return TlsStart(start, _protocol(data[:match.start()], match))
    # Binary after the plaintext without an upgrade command: not a STARTTLS stream.
    if len(data) >= MAX_PLAINTEXT_PREFIX:
        return None
    tail = scan.rsplit(b"\n", 1)[-1]
    if any(not (32 <= b < 127 or b in (9, 13)) for b in tail) and b"\n" in scan:
        return None
    return NEED_MORE
