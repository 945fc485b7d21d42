"""The plaintext conversations before STARTTLS, both sides, without I/O.

`ServerDialogue` is what `tlskb capture` says to a client: just enough SMTP (RFC 3207), IMAP
(RFC 3501 §6.2.1) or POP3 (RFC 2595 §4) for the client to send STARTTLS and then its
ClientHello. `ClientDialogue` is what `tlskb probe` says to a server to get to the same point.
Both consume complete lines (CRLF or LF) and return what to send; the I/O lives in capture.py
and probe.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.errors import TlskbError

PROTOCOLS = ("smtp", "imap", "pop3")
#: RFC 5321 §4.5.3.1.4 allows 512 octets per command line and §4.5.3.1.5 1000 per reply line;
#: IMAP and POP3 lines are of the same order. Longer lines end the conversation.
MAX_LINE = 4096
#: Commands accepted before STARTTLS; a client that keeps talking without it is dropped.
MAX_COMMANDS = 32
#: Lines a server may send before agreeing to STARTTLS (greeting, EHLO reply, untagged data):
#: real ones send a dozen; one that sends endless `250-` lines is refused, not buffered.
MAX_SERVER_LINES = 128


class DialogueError(TlskbError):
    """The other side did not follow the protocol up to STARTTLS. `line` is the start of the
    line that broke it, when one did (greeting.py names what the server speaks from it)."""

    def __init__(self, message: str, line: bytes = b"") -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True, slots=True)
class Reply:
    """What to send back, and what happens next: TLS starts after sending (`start_tls`), or the
    connection closes after sending (`close`)."""
    data: bytes
    start_tls: bool = False
    close: bool = False


def _known(protocol: str) -> str:
    if protocol not in PROTOCOLS:
        raise DialogueError(f"unknown STARTTLS protocol {protocol!r}; one of "
                            f"{', '.join(PROTOCOLS)}")
    return protocol


def _command_word(line: bytes, tagged: bool) -> tuple[bytes, bytes]:
    """(tag, upper-cased command word) of a client line; the tag is empty unless `tagged`."""
    words = line.strip().split()
    if tagged:
        if len(words) < 2:
            return (words[0] if words else b"*"), b""
        return words[0], words[1].upper()
    return b"", (words[0].upper() if words else b"")


class ServerDialogue:
    """The server side, for one connection."""

    def __init__(self, protocol: str, name: str = "tlskb-capture") -> None:
        self.protocol = _known(protocol)
        self.name = name
        self.commands = 0

    def greeting(self) -> bytes:
        if self.protocol == "smtp":
            return f"220 {self.name} ESMTP ready (tlskb capture)\r\n".encode()
        if self.protocol == "imap":
            return (b"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] " + self.name.encode()
                    + b" ready (tlskb capture)\r\n")
        return b"+OK " + self.name.encode() + b" ready (tlskb capture)\r\n"

    def receive(self, line: bytes) -> Reply:
        """The reply to one client line (without or with its line ending)."""
        self.commands += 1
        if self.commands > MAX_COMMANDS:
            return Reply(self.goodbye(b"too many commands before STARTTLS"), close=True)
        return {"smtp": self._smtp, "imap": self._imap, "pop3": self._pop3}[self.protocol](line)

    def goodbye(self, why: bytes) -> bytes:
        """The line that ends a session from the server's side: SMTP 421 (RFC 5321 §3.8), IMAP
        BYE (RFC 3501 §7.1.5), POP3 -ERR."""
        if self.protocol == "smtp":
            return b"421 4.7.0 " + why + b"\r\n"
        if self.protocol == "imap":
            return b"* BYE " + why + b"\r\n"
        return b"-ERR " + why + b"\r\n"

    def _smtp(self, line: bytes) -> Reply:
        """RFC 5321 §4.1.1 and RFC 3207 §4: EHLO advertises STARTTLS, which answers 220."""
        _, verb = _command_word(line, tagged=False)
        if verb == b"EHLO":
            return Reply(f"250-{self.name}\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
                         "250 STARTTLS\r\n".encode())
        if verb in (b"HELO", b"LHLO"):
            return Reply(f"250 {self.name}\r\n".encode())
        if verb == b"STARTTLS":
            return Reply(b"220 2.0.0 Ready to start TLS\r\n", start_tls=True)
        if verb == b"QUIT":
            return Reply(b"221 2.0.0 Bye\r\n", close=True)
        if verb in (b"NOOP", b"RSET"):
            return Reply(b"250 2.0.0 OK\r\n")
        return Reply(b"530 5.7.0 Must issue a STARTTLS command first\r\n")

    def _imap(self, line: bytes) -> Reply:
        """RFC 3501 §6.1.1 CAPABILITY, §6.2.1 STARTTLS, §6.1.3 LOGOUT."""
        tag, verb = _command_word(line, tagged=True)
        if verb == b"CAPABILITY":
            return Reply(b"* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n" + tag
                         + b" OK CAPABILITY completed\r\n")
        if verb == b"STARTTLS":
            return Reply(tag + b" OK Begin TLS negotiation now\r\n", start_tls=True)
        if verb == b"LOGOUT":
            return Reply(b"* BYE logging out\r\n" + tag + b" OK LOGOUT completed\r\n", close=True)
        if verb == b"NOOP":
            return Reply(tag + b" OK NOOP completed\r\n")
        return Reply(tag + b" BAD STARTTLS first\r\n")

    def _pop3(self, line: bytes) -> Reply:
        """RFC 2449 CAPA and RFC 2595 §4 STLS."""
        _, verb = _command_word(line, tagged=False)
        if verb == b"CAPA":
            return Reply(b"+OK capability list follows\r\nSTLS\r\n.\r\n")
        if verb == b"STLS":
            return Reply(b"+OK Begin TLS negotiation\r\n", start_tls=True)
        if verb == b"QUIT":
            return Reply(b"+OK bye\r\n", close=True)
        if verb == b"NOOP":
            return Reply(b"+OK\r\n")
        return Reply(b"-ERR STLS first\r\n")


class ClientDialogue:
    """The client side: feed it the server's lines; it says what to send until TLS may start.

    SMTP: greeting 220 → EHLO → 250 with STARTTLS → STARTTLS → 220 (RFC 3207 §4).
    IMAP: greeting * OK → `a1 STARTTLS` → `a1 OK` (RFC 3501 §6.2.1).
    POP3: greeting +OK → STLS → +OK (RFC 2595 §4).
    """

    def __init__(self, protocol: str, ehlo_name: str = "tlskb-probe.invalid") -> None:
        self.protocol = _known(protocol)
        self.ehlo_name = ehlo_name
        self.state = "greeting"
        self.offers_starttls = False   # an EHLO reply line named STARTTLS
        self.lines = 0
        self.done = False

    def receive(self, line: bytes) -> bytes:
        """Bytes to send in answer to one server line (b"" while a multi-line reply goes on).
        Sets `done` once TLS may start; DialogueError when the server refuses, says something
        unexpected, or says too much (a line over MAX_LINE bytes, more than MAX_SERVER_LINES
        lines). Keeps nothing of the lines but what it needs: its memory is constant."""
        self.lines += 1
        if len(line) > MAX_LINE:
            raise self._fail(f"sent a line longer than {MAX_LINE} bytes", line)
        if self.lines > MAX_SERVER_LINES:
            raise self._fail(f"sent more than {MAX_SERVER_LINES} lines without agreeing to "
                             f"{'STLS' if self.protocol == 'pop3' else 'STARTTLS'}", line)
        text = line.rstrip(b"\r\n")
        return {"smtp": self._smtp, "imap": self._imap, "pop3": self._pop3}[self.protocol](text)

    def _fail(self, what: str, line: bytes) -> DialogueError:
        shown = line[:200].decode("utf-8", "replace")
        return DialogueError(f"{self.protocol.upper()} server {what}: {shown!r}", line[:256])

    def _smtp(self, line: bytes) -> bytes:
        code, more = line[:3], line[3:4] == b"-"
        if not code.isdigit():
            raise self._fail("sent a line that is not an SMTP reply", line)
        if self.state == "greeting":
            if code != b"220":
                raise self._fail("did not greet with 220", line)
            if more:
                return b""
            self.state = "ehlo"
            return b"EHLO " + self.ehlo_name.encode() + b"\r\n"
        if self.state == "ehlo":
            if code != b"250":
                raise self._fail("refused EHLO", line)
            if line[4:].strip().upper().split(b" ")[0] == b"STARTTLS":
                self.offers_starttls = True
            if more:
                return b""
            if not self.offers_starttls:
                raise self._fail("does not offer STARTTLS (last EHLO line)", line)
            self.state = "starttls"
            return b"STARTTLS\r\n"
        if self.state == "starttls":
            if code != b"220":
                raise self._fail("refused STARTTLS", line)
            if more:
                return b""
            self.done = True
            return b""
        raise self._fail("sent more after agreeing to STARTTLS", line)

    def _imap(self, line: bytes) -> bytes:
        if self.state == "greeting":
            if not line.upper().startswith(b"* OK"):
                raise self._fail("did not greet with * OK", line)
            self.state = "starttls"
            return b"a1 STARTTLS\r\n"
        if self.state == "starttls":
            if line.startswith(b"* "):
                return b""  # untagged data before the tagged answer
            if line.upper().startswith(b"A1 OK"):
                self.done = True
                return b""
            raise self._fail("refused STARTTLS", line)
        raise self._fail("sent more after agreeing to STARTTLS", line)

    def _pop3(self, line: bytes) -> bytes:
        if self.state == "greeting":
            if not line.startswith(b"+OK"):
                raise self._fail("did not greet with +OK", line)
            self.state = "starttls"
            return b"STLS\r\n"
        if self.state == "starttls":
            if line.startswith(b"+OK"):
                self.done = True
                return b""
            raise self._fail("refused STLS", line)
        raise self._fail("sent more after agreeing to STLS", line)
