"""What a server that answered a ClientHello (or a STARTTLS dialogue) with something other than
TLS speaks, from its first bytes, and what to type instead. Pure and bounded: it looks at the
first line only (at most GREETING_BYTES bytes).

A TLS record starts with a content type from 20 to 24 and a version whose major byte is 3
(RFC 8446 §5.1; RFC 5246 §6.2.1). Mail protocols greet first in text: SMTP `220` (RFC 5321
§4.2; FTP greets with 220 too, RFC 959), IMAP `* OK` / `* PREAUTH` / `* BYE` (RFC 9051 §7.1),
POP3 `+OK` / `-ERR` (RFC 1939 §4); an HTTP server answers bytes it cannot parse with a status
line `HTTP/1.x` (RFC 9112 §4), or with an HTML error page alone when it takes them for an
HTTP/0.9 request (observed: Python 3.11's http.server); an SSH server greets with `SSH-` (RFC 4253 §4.2).
"""

from __future__ import annotations

import enum

#: the most of an answer looked at: one greeting line is far shorter
GREETING_BYTES = 256

#: the implicit-TLS port of each STARTTLS protocol (RFC 8314 §7.3 and §7.4; RFC 8314 §3.3 for
#: submissions on 465)
IMPLICIT_TLS_PORT = {"smtp": 465, "imap": 993, "pop3": 995}


class Speaks(enum.Enum):
    TLS = "TLS"
    SMTP = "SMTP"
    FTP = "FTP"
    IMAP = "IMAP"
    POP3 = "POP3"
    HTTP = "HTTP"
    SSH = "SSH"
    TEXT = "text"
    BINARY = "bytes that are not TLS"

    @property
    def starttls(self) -> str | None:
        """The --starttls protocol that reaches TLS on a server speaking this, if any."""
        return {Speaks.SMTP: "smtp", Speaks.IMAP: "imap", Speaks.POP3: "pop3"}.get(self)


def starts_like_tls(first: bytes) -> bool:
    """The first two bytes (or one) could begin a TLS record: a content type from 20 to 24,
    then the version's major byte 3."""
    return bool(first) and 20 <= first[0] <= 24 and (len(first) < 2 or first[1] == 3)


def speaks(first: bytes) -> Speaks:
    """What the first bytes a server sent look like."""
    head = bytes(first[:GREETING_BYTES])
    if starts_like_tls(head[:2]):
        return Speaks.TLS
    line = head.split(b"\n", 1)[0].rstrip(b"\r")
    upper = line.upper()
    if upper[:3] == b"220" and upper[3:4] in (b" ", b"-", b""):
        return Speaks.FTP if b"FTP" in upper and b"SMTP" not in upper else Speaks.SMTP
    if upper[:3] in (b"421", b"554") and upper[3:4] in (b" ", b"-"):
        return Speaks.SMTP   # RFC 5321 §3.1: a server refusing service greets with 554 or 421
    if upper.startswith((b"* OK", b"* PREAUTH", b"* BYE")):
        return Speaks.IMAP
    if upper.startswith((b"+OK", b"-ERR")):
        return Speaks.POP3
    if upper.startswith((b"HTTP/", b"<!DOCTYPE HTML", b"<HTML")):
        return Speaks.HTTP   # a status line, or an error page alone (an HTTP/0.9 answer)
    if line.startswith(b"SSH-"):
        return Speaks.SSH
    if line and all(32 <= b < 127 or b == 9 for b in line):
        return Speaks.TEXT
    return Speaks.BINARY


def first_line(first: bytes, width: int = 60) -> str:
    """The greeting's first line as printable text for a message (quoted by the caller)."""
    line = bytes(first[:GREETING_BYTES]).split(b"\n", 1)[0].rstrip(b"\r")
    text = "".join(chr(b) if 32 <= b < 127 else "\ufffd" for b in line)
    return text if len(text) <= width else text[:width - 1] + "…"


def not_tls_advice(what: Speaks, first: bytes, starttls: str | None, port: int) -> str:
    """One sentence: what the server answered instead of TLS, and the likely fix."""
    seen = f"{what.value} ({first_line(first)!r})" if what is not Speaks.BINARY else (
        f"bytes that are not TLS (first: {bytes(first[:8]).hex(' ')})")
    protocol = what.starttls
    if protocol and starttls is None:
        return (f"it greets in {seen}, not TLS: add --starttls {protocol}, or probe its "
                f"implicit-TLS port ({IMPLICIT_TLS_PORT[protocol]})")
    if protocol and starttls != protocol:
        return f"it greets in {seen}, not {starttls.upper()}: use --starttls {protocol}"
    if what is Speaks.HTTP:
        return f"it answers in plain {seen}, not TLS: probe its HTTPS port (usually 443)"
    if what is Speaks.TLS and starttls:
        return (f"it speaks TLS from the first byte, before any {starttls.upper()} greeting: "
                "leave out --starttls")
    return (f"it answers with {seen}, not TLS: check the port"
            + ("" if starttls else "; a mail port that greets first needs --starttls "
               "smtp, imap or pop3"))


def silence_advice(starttls: str | None, timeout: float) -> str:
    """One sentence for a server that sent nothing at all within the timeout."""
    if starttls:
        ports = ", ".join(str(p) for p in (443, *IMPLICIT_TLS_PORT.values()))
        return (f"it sent no {starttls.upper()} greeting within {timeout:g} s: if it speaks TLS "
                f"from the first byte (ports {ports}), leave out --starttls")
    return (f"it sent nothing within {timeout:g} s after a ClientHello: not a TLS server, or "
            "one that waits for its own protocol (check the port and the firewall)")
