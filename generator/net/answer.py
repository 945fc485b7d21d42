"""What a server answered one probe, read from its bytes as they arrive, without I/O.

The answer is an Alert, or a ServerHello (RFC 8446 §4.1.3; a HelloRetryRequest is one) and,
before TLS 1.3, the Certificate message that follows it in the clear (RFC 5246 §7.4.2), whose
leaf key is named (certificate.py). The ServerHello decides the verdict: whatever comes after
it — a malformed, oversized or missing Certificate, a key nobody can parse — only limits what
can be said about the key, and is noted on the successful answer.

Bounded by construction: the reader holds at most one record (RFC 8446 §5.1: 2^14 + 2048
bytes) and one handshake message of at most MAX_MESSAGE bytes, stops after MAX_FLIGHT bytes in
all, and looks at each byte a bounded number of times.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from generator.errors import DecodeError
from generator.net.certificate import certificate_key
from generator.net.greeting import GREETING_BYTES, first_line, speaks, starts_like_tls
from generator.tls.messages import (HANDSHAKE_CERTIFICATE, HANDSHAKE_SERVER_HELLO,
                                    HANDSHAKE_SERVER_HELLO_DONE, Alert, CertificateList,
                                    ServerHello)
from generator.tls.reader import Reader
from generator.tls.records import CONTENT_ALERT, CONTENT_HANDSHAKE, read_record_header
from generator.tls.registry import lookup

#: the most of a server's first flight a probe reads: a long certificate chain fits easily
MAX_FLIGHT = 1 << 18
#: the largest handshake message (in practice, the Certificate) a probe assembles
MAX_MESSAGE = MAX_FLIGHT


class ProbeKind(StrEnum):
    """What one probe got back."""
    SERVER_HELLO = "server_hello"                # parameters chosen: the handshake proceeds
    HELLO_RETRY_REQUEST = "hello_retry_request"  # likewise, with another key share asked for
    ALERT = "alert"                              # refused, saying why
    CLOSED = "closed"                            # closed (or went quiet) after some bytes
    SILENT = "silent"                            # not one byte before the timeout
    NOT_TLS = "not_tls"                          # another protocol answered (greeting.py)
    UNREACHABLE = "unreachable"                  # no connection (refused, STARTTLS refused)
    ERROR = "error"                              # a malformed or oversized TLS answer


@dataclass(frozen=True, slots=True)
class ProbeSample:
    """A ClientHello to send: from a case (`case_id` set) or a recorded client."""
    id: str
    client: str
    raw: bytes
    case_id: str | None = None
    case_title: str | None = None
    #: a client of the past: a historical recording, or the sample of a case no longer current
    historical: bool = False


@dataclass(frozen=True, slots=True)
class ProbeResult:
    sample: ProbeSample
    kind: ProbeKind
    version: int | None = None
    cipher_suite: int | None = None
    group: int | None = None       # HelloRetryRequest's group, TLS 1.3 key share group
    alert: int | None = None
    detail: str | None = None      # what went wrong, for closed/error
    certificate_key: str | None = None  # "ECDSA P-384", or why it cannot be said, TLS <= 1.2
    certificate_key_type: str | None = None  # its catalogue id, when it is one
    first_bytes: bytes = b""       # kind not_tls: the start of what came (greeting.py reads it)

    @property
    def ok(self) -> bool:
        """The handshake would proceed: the server chose parameters (a HelloRetryRequest asks
        the client for another key share, which every TLS 1.3 client can send)."""
        return self.kind in (ProbeKind.SERVER_HELLO, ProbeKind.HELLO_RETRY_REQUEST)

    @property
    def not_tls(self) -> bool:
        """The server answered in another protocol (an SMTP greeting, HTTP), not TLS."""
        return self.kind is ProbeKind.NOT_TLS

    @property
    def silent(self) -> bool:
        """The server sent nothing at all before the timeout."""
        return self.kind is ProbeKind.SILENT

    @property
    def answered(self) -> bool:
        """The server decided (parameters or an alert), rather than closing or going silent."""
        return self.ok or self.kind is ProbeKind.ALERT

    @property
    def probed(self) -> bool:
        """The ClientHello reached the server: anything but a connection that failed."""
        return self.kind is not ProbeKind.UNREACHABLE


# -- the answer, as it arrives -------------------------------------------------------------------
class AnswerReader:
    """Feed it what the server sends after the ClientHello, in any pieces: `feed` returns the
    result once the answer decides it, and `end` says what the answer was when the server
    closes or goes silent first."""

    def __init__(self, sample: ProbeSample) -> None:
        self.sample = sample
        self.received = 0
        self._records = bytearray()    # bytes not yet forming a complete record
        self._consumed = 0             # bytes before _records[0]: offsets are in the answer
        self._messages = bytearray()   # handshake bytes not yet forming a complete message
        self._hello: ServerHello | None = None
        self._first = b""              # the first GREETING_BYTES bytes, to name a non-TLS answer
        self._greeting = False         # the answer is not TLS: read on to the end of its line

    @property
    def held(self) -> int:
        """Bytes held between feeds: under a record plus a handshake message, whatever came."""
        return len(self._records) + len(self._messages)

    def feed(self, data: bytes) -> ProbeResult | None:
        room = MAX_FLIGHT - self.received
        if len(self._first) < GREETING_BYTES:
            self._first += data[:GREETING_BYTES - len(self._first)]
        if self._greeting:
            self.received += len(data)
            return self._greeted(final=False)
        self.received += min(len(data), room + 1)
        self._records += data[:room + 1]
        try:
            result = self._advance()
        except DecodeError as error:
            return self._broken(error)
        if result is None and self.received > MAX_FLIGHT:
            if self._hello is not None:
                return self._decided(f"not read: the server's flight after its ServerHello "
                                      f"exceeds the {MAX_FLIGHT} bytes a probe reads")
            return ProbeResult(self.sample, ProbeKind.ERROR, detail=f"more than {MAX_FLIGHT} "
                               "bytes without a complete answer")
        return result

    def end(self, why: str, timed_out: bool = False) -> ProbeResult:
        """The server closed the connection or stopped sending (`why`, for the detail); one
        that sent nothing before the time ran out is silent."""
        if self._hello is not None:  # the ServerHello came; the certificate did not
            return self._decided(None)
        if self._greeting:
            return self._greeted(final=True)
        kind = ProbeKind.SILENT if timed_out and not self.received else ProbeKind.CLOSED
        return ProbeResult(self.sample, kind, detail=f"{why} ({self.received} bytes)")

    # -- records ------------------------------------------------------------------------------
    def _advance(self) -> ProbeResult | None:
        records, position = self._records, 0
        try:
            while len(records) - position >= 5:
                try:
                    header = read_record_header(records, position, any_version=True)
                except DecodeError as error:  # with its offset in the whole answer
                    raise DecodeError(error.message, offset=self._consumed + position,
                                      field=error.field) from None
                end = position + 5 + header.length
                if end > len(records):
                    break
                result = self._record(header.content_type, records[position + 5:end])
                position = end
                if result is not None:
                    return result
        finally:
            del records[:position]
            self._consumed += position
        return None

    def _record(self, content_type: int, payload: bytes) -> ProbeResult | None:
        if content_type == CONTENT_HANDSHAKE:
            self._messages += payload
            return self._handshake()
        if self._hello is not None:  # anything else ends the flight the ServerHello began
            name = lookup("content_types", content_type) or str(content_type)
            return self._decided(f"no Certificate: the server sent {name} after its ServerHello")
        if content_type == CONTENT_ALERT:
            if len(payload) < 2:
                raise DecodeError(f"alert record length {len(payload)} is shorter than an "
                                  "alert (2)", field="record length")
            alert = Alert.parse(Reader(payload))
            return ProbeResult(self.sample, ProbeKind.ALERT, alert=alert.description)
        name = lookup("content_types", content_type) or str(content_type)
        raise DecodeError(f"the server's first record is {name} ({content_type}), not a "
                          "handshake or an alert", field="record content type")

    # -- handshake messages -------------------------------------------------------------------
    def _handshake(self) -> ProbeResult | None:
        messages = self._messages
        while len(messages) >= 4:
            length = int.from_bytes(messages[1:4], "big")
            if length + 4 > MAX_MESSAGE:
                if self._hello is None:
                    raise DecodeError(f"a handshake message of {length} bytes where the "
                                      "ServerHello should be", field="handshake length")
                name = lookup("handshake_types", messages[0]) or f"type {messages[0]}"
                return self._decided(f"not read: a {name} message of {length} bytes, more "
                                     f"than the {MAX_MESSAGE} bytes a probe reads")
            if len(messages) < length + 4:
                return None
            message = bytes(messages[:length + 4])
            del messages[:length + 4]
            result = self._message(message)
            if result is not None:
                return result
        return None

    def _message(self, message: bytes) -> ProbeResult | None:
        msg_type = message[0]
        if self._hello is None:
            if msg_type != HANDSHAKE_SERVER_HELLO:
                name = lookup("handshake_types", msg_type) or "unknown"
                raise DecodeError(f"the server's first handshake message is {name} "
                                  f"({msg_type}), not a ServerHello (2)", field="handshake type")
            self._hello = ServerHello.parse(Reader(message, 4))
            if self._hello.is_hello_retry_request or self._hello.selected_version >= 0x0304:
                return self._decided(None)  # the rest is encrypted (RFC 8446 §2)
            return None
        if msg_type == HANDSHAKE_CERTIFICATE:
            try:
                chain = CertificateList.parse(Reader(message, 4)).certificates
            except DecodeError as error:
                return self._decided(f"unreadable: malformed Certificate message ({error})")
            if not chain:
                return self._decided("no certificate (an empty Certificate message)")
            key, key_type = certificate_key(chain[0])
            return self._decided(key, key_type)
        if msg_type == HANDSHAKE_SERVER_HELLO_DONE:
            return self._decided(None)  # an anonymous or PSK suite: no certificate
        return None

    # -- results ------------------------------------------------------------------------------
    def _decided(self, key: str | None, key_type: str | None = None) -> ProbeResult:
        hello = self._hello
        kind = (ProbeKind.HELLO_RETRY_REQUEST if hello.is_hello_retry_request
                else ProbeKind.SERVER_HELLO)
        return ProbeResult(self.sample, kind, hello.selected_version, hello.cipher_suite,
                           hello.selected_group, certificate_key=key,
                           certificate_key_type=key_type)

    def _broken(self, error: DecodeError) -> ProbeResult | None:
        if self._hello is not None:
            return self._decided(f"unreadable: {error}")
        if not starts_like_tls(self._first[:2]):   # another protocol: name it by its line
            self._greeting = True
            return self._greeted(final=False)
        return ProbeResult(self.sample, ProbeKind.ERROR, detail=f"a malformed TLS answer: {error}")

    def _greeted(self, final: bool) -> ProbeResult | None:
        """A non-TLS answer, named once its first line is whole (or GREETING_BYTES came, or
        the server stopped): the same whatever pieces the bytes came in."""
        newline = self._first.find(b"\n")
        if newline < 0 and len(self._first) < GREETING_BYTES and not final:
            return None
        first = self._first if newline < 0 else self._first[:newline + 1]
        what = speaks(first)
        return ProbeResult(self.sample, ProbeKind.NOT_TLS, detail=f"not TLS: the server "
                           f"answered in {what.value} ({first_line(first)!r})",
                           first_bytes=first)
