"""From bytes on the wire to handshake messages: the TLS record layer (RFC 8446 §5.1,
RFC 5246 §6.2.1), handshake reassembly across records, and the SSL 2.0 record header
(RFC 5246 Appendix E.2).

`decode_client_hello` accepts input that starts at a TLS record, at an SSL 2.0-format
ClientHello, or at the bare handshake message, and says precisely why anything else is rejected.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.errors import DecodeError
from generator.tls.messages import (HANDSHAKE_CLIENT_HELLO, HANDSHAKE_SERVER_HELLO, Alert,
                                    ClientHello, RecordHeader, ServerHello, SSLv2ClientHello)
from generator.tls.reader import Reader
from generator.tls.registry import lookup

CONTENT_CHANGE_CIPHER_SPEC = 20
CONTENT_ALERT = 21
CONTENT_HANDSHAKE = 22
CONTENT_APPLICATION_DATA = 23
#: RFC 8446 §5.1 / RFC 5246 §6.2.1: a plaintext fragment is at most 2^14 bytes.
MAX_PLAINTEXT = 1 << 14
#: A ClientHello larger than this is not a ClientHello anyone sends; refusing it bounds memory.
MAX_HANDSHAKE_MESSAGE = 1 << 17
#: The most of one client stream tlskb reads from where its ClientHello starts: two hellos of the
#: largest size (the second after a HelloRetryRequest, RFC 8446 §4.1.4) with their record
#: headers, and room for a compatibility ChangeCipherSpec (RFC 8446 §D.4).
MAX_CLIENT_FLIGHT = 2 * (MAX_HANDSHAKE_MESSAGE + 4096)
#: The most a live listener (`tlskb capture`) holds of one connection before its ClientHello is
#: complete: the largest hello's handshake message and header, some record headers, and one
#: more record's worth of what follows.
MAX_FIRST_FLIGHT = MAX_HANDSHAKE_MESSAGE + 4 + 5 * 16 + (1 << 14)


@dataclass(frozen=True, slots=True)
class WireClientHello:
    """A ClientHello as it appeared on the wire.

    `records` are the TLS records that carried it (empty when the input started at the handshake
    message, or for SSL 2.0 format); `sslv2` holds the original when it came in SSL 2.0 format
    (`hello` is then its TLS equivalent); `raw` is exactly the bytes it occupied.
    """
    hello: ClientHello
    records: tuple[RecordHeader, ...]
    sslv2: SSLv2ClientHello | None
    raw: bytes

    @property
    def wire_format(self) -> str:
        if self.sslv2 is not None:
            return "sslv2"
        return "record" if self.records else "handshake"

    @property
    def handshake_message(self) -> bytes:
        """The handshake message (header and body) reassembled from its records; for the SSL 2.0
        format, the record body."""
        if self.sslv2 is not None:
            return self.raw[2:]
        if not self.records:
            return self.raw
        base = self.records[0].offset
        return b"".join(self.raw[r.offset - base + 5:r.offset - base + 5 + r.length]
                        for r in self.records)

    @property
    def handshake_length(self) -> int:
        """The uint24 length in the handshake header (the SSL 2.0 record length for sslv2)."""
        if self.sslv2 is not None:
            return len(self.raw) - 2
        return int.from_bytes(self.handshake_message[1:4], "big")


@dataclass(frozen=True, slots=True)
class HandshakeMessage:
    """One handshake message, reassembled; `fragments` maps its bytes back to input offsets as
    (offset in message, offset in input, length) triples."""
    msg_type: int
    data: bytes  # the full message including the 4-byte header
    records: tuple[RecordHeader, ...]
    fragments: tuple[tuple[int, int, int], ...]
    end: int  # input offset just past the last byte of the message

    def input_offset(self, message_offset: int) -> int:
        for inner, outer, length in self.fragments:
            if inner <= message_offset < inner + length:
                return outer + (message_offset - inner)
        last_inner, last_outer, last_length = self.fragments[-1]
        return last_outer + last_length


class NeedMoreData(DecodeError):
    """The bytes end before the structure does. Streams (probe, capture) wait for more; a file
    input reports it as truncated."""


def read_record_header(data: bytes, pos: int, any_version: bool = False) -> RecordHeader:
    """RFC 8446 §5.1: `ContentType type; ProtocolVersion legacy_record_version; uint16 length;`.

    The version must look like SSL 3.0-TLS 1.3 (how tlskb tells TLS from other bytes), except
    with `any_version`: servers echo whatever version a client sent in an alert record, and
    RFC 8446 §5.1 says the field MUST be ignored."""
    if pos + 5 > len(data):
        raise NeedMoreData(f"TLS record header needs 5 bytes but only {len(data) - pos} remain",
                           offset=pos, field="record header")
    content_type = data[pos]
    version = (data[pos + 1] << 8) | data[pos + 2]
    length = (data[pos + 3] << 8) | data[pos + 4]
    if not any_version and (data[pos + 1] != 3 or data[pos + 2] > 4):
        raise DecodeError(f"record version 0x{version:04x} is not SSL 3.0 or TLS 1.0-1.3 (0x0300-0x0304)",
                          offset=pos + 1, field="record version")
    if content_type not in (20, 21, 22, 23, 24):
        raise DecodeError(f"record content type {content_type} (0x{content_type:02x}) is not a TLS "
                          "content type (20-24)", offset=pos, field="record content type")
    if length > MAX_PLAINTEXT + 2048:
        raise DecodeError(f"record length {length} exceeds 2^14 + 2048 (RFC 5246 §6.2.3)",
                          offset=pos + 3, field="record length")
    return RecordHeader(content_type, version, length, pos)


def read_handshake_message(data: bytes, pos: int) -> HandshakeMessage:
    """Collect the handshake message that starts in the record at `pos`, across as many
    handshake records as it spans (RFC 8446 §5.1: messages may be fragmented)."""
    records: list[RecordHeader] = []
    fragments: list[tuple[int, int, int]] = []
    buffer = bytearray()
    wanted: int | None = None
    while wanted is None or len(buffer) < wanted:
        if records and pos >= len(data):
            missing = "its header" if wanted is None else f"{wanted - len(buffer)} more bytes"
            raise NeedMoreData(f"the handshake message needs {missing} than its records hold: "
                               f"the input ends after the record at offset {records[-1].offset}",
                               offset=pos, field="handshake length")
        header = read_record_header(data, pos)
        if header.content_type != CONTENT_HANDSHAKE:
            name = lookup("content_types", header.content_type) or "unknown"
            where = "starts" if not records else "interrupts"
            raise DecodeError(f"a {name} record ({header.content_type}) {where} the handshake "
                              "message; expected a handshake record (22)", offset=pos,
                              field="record content type")
        if header.length == 0:
            raise DecodeError("zero-length handshake record (RFC 8446 §5.1 forbids them)",
                              offset=pos + 3, field="record length")
        if header.length > MAX_PLAINTEXT:
            raise DecodeError(f"handshake record length {header.length} exceeds 2^14 "
                              "(RFC 8446 §5.1)", offset=pos + 3, field="record length")
        body_start = pos + 5
        available = len(data) - body_start
        if available < header.length:
            raise NeedMoreData(f"record of length {header.length} is truncated: only {available} "
                               "bytes follow its header", offset=pos + 3, field="record length")
        take = header.length
        if wanted is not None:
            take = min(take, wanted - len(buffer))
        fragments.append((len(buffer), body_start, take))
        buffer += data[body_start:body_start + take]
        records.append(header)
        if wanted is None and len(buffer) >= 4:
            wanted = 4 + int.from_bytes(buffer[1:4], "big")
            if wanted - 4 > MAX_HANDSHAKE_MESSAGE:
                raise DecodeError(f"handshake message length {wanted - 4} exceeds the "
                                  f"{MAX_HANDSHAKE_MESSAGE} bytes tlskb accepts",
                                  offset=fragments[0][1] + 1, field="handshake length")
            if len(buffer) > wanted:  # more messages follow inside this record
                surplus = len(buffer) - wanted
                del buffer[wanted:]
                inner, outer, length = fragments[-1]
                fragments[-1] = (inner, outer, length - surplus)
                take -= surplus
        pos = body_start + take
        if take < header.length and len(buffer) >= (wanted or 0):
            # the message ended inside this record; the caller decides about the rest
            break
    return HandshakeMessage(buffer[0], bytes(buffer), tuple(records), tuple(fragments), pos)


def _parse_message(message: HandshakeMessage, parse):
    """Parse a reassembled message body; map any error offset back to the input."""
    reader = Reader(message.data, 4)
    try:
        return parse(reader)
    except DecodeError as error:
        if error.offset is None:
            raise
        raise DecodeError(error.message, offset=message.input_offset(error.offset),
                          field=error.field, context=error.context) from None


def _decode_from_records(data: bytes, start: int) -> tuple[WireClientHello, int]:
    message = read_handshake_message(data, start)
    if message.msg_type != HANDSHAKE_CLIENT_HELLO:
        name = lookup("handshake_types", message.msg_type) or "unknown"
        raise DecodeError(f"handshake message type {message.msg_type} ({name}) is not a "
                          "ClientHello (1)", offset=start + 5, field="handshake type")
    hello = _parse_message(message, ClientHello.parse)
    last = message.records[-1]
    record_end = last.offset + 5 + last.length
    if message.end != record_end:
        raise DecodeError(f"{record_end - message.end} bytes follow the ClientHello inside its "
                          "record; a ClientHello is the only message of the client's first flight",
                          offset=message.end, field="record")
    return WireClientHello(hello, message.records, None, data[start:record_end]), record_end


def _decode_sslv2(data: bytes, start: int) -> tuple[WireClientHello, int]:
    """RFC 5246 E.2: a 2-byte header with the high bit set and a 15-bit length."""
    if start + 2 > len(data):
        raise NeedMoreData("SSL 2.0 record header needs 2 bytes", offset=start,
                           field="SSLv2 record header")
    length = ((data[start] & 0x7F) << 8) | data[start + 1]
    end = start + 2 + length
    if end > len(data):
        raise NeedMoreData(f"SSL 2.0 record of length {length} is truncated: only "
                           f"{len(data) - start - 2} bytes follow its header", offset=start,
                           field="SSLv2 record length")
    sslv2 = SSLv2ClientHello.parse(Reader(data, start + 2, end))
    return WireClientHello(sslv2.as_client_hello(), (), sslv2, data[start:end]), end


def _decode_handshake(data: bytes, start: int) -> tuple[WireClientHello, int]:
    reader = Reader(data, start)
    reader.uint8("handshake type")
    length = reader.uint24("handshake length")
    if length > len(data) - start - 4:
        raise NeedMoreData(f"ClientHello length {length} exceeds the {len(data) - start - 4} "
                           "bytes that follow its header", offset=start + 1,
                           field="handshake length")
    end = start + 4 + length
    hello = ClientHello.parse(Reader(data, start + 4, end))
    return WireClientHello(hello, (), None, data[start:end]), end


def looks_like_sslv2_client_hello(data: bytes, start: int = 0) -> bool:
    """2-byte SSL 2.0 header (high bit set) followed by msg_type CLIENT-HELLO and a 0x03xx or
    0x0002 version."""
    return (len(data) - start >= 5 and data[start] & 0x80 != 0 and data[start + 2] == 1
            and (data[start + 3] == 3 or (data[start + 3] == 0 and data[start + 4] == 2)))


def looks_like_tls_handshake_record(data: bytes, start: int = 0) -> bool:
    return (len(data) - start >= 3 and data[start] == CONTENT_HANDSHAKE and data[start + 1] == 3
            and data[start + 2] <= 4)


def decode_client_hello_at(data: bytes, start: int = 0) -> tuple[WireClientHello, int]:
    """Decode the ClientHello at `start`; return it and the offset just past it."""
    if start >= len(data):
        raise DecodeError("no bytes to decode: the input is empty", offset=start, field="input")
    first = data[start]
    if first == CONTENT_HANDSHAKE and len(data) - start >= 5:
        read_record_header(data, start)  # says what is wrong with the version, if anything
    if looks_like_tls_handshake_record(data, start):
        return _decode_from_records(data, start)
    if looks_like_sslv2_client_hello(data, start):
        return _decode_sslv2(data, start)
    if first == HANDSHAKE_CLIENT_HELLO:
        return _decode_handshake(data, start)
    raise DecodeError(f"input starts with 0x{first:02x}, which begins neither a TLS handshake "
                      "record (16 03 0x), an SSL 2.0 ClientHello (80..ff xx 01 03), nor a "
                      "ClientHello handshake message (01)", offset=start, field="input")


def decode_client_hello(data: bytes) -> WireClientHello:
    """Decode a single ClientHello. Bytes after it are accepted only when they are complete TLS
    records (a client may send 0-RTT data or a ChangeCipherSpec right after its hello);
    anything else is reported."""
    wire, end = decode_client_hello_at(data, 0)
    if end < len(data):
        if not wire.records:
            raise DecodeError(f"{len(data) - end} unexpected bytes after the end of the ClientHello",
                              offset=end, field="trailing data")
        pos = end
        while pos < len(data):
            try:
                header = read_record_header(data, pos)
            except DecodeError as error:
                raise DecodeError(f"{len(data) - end} bytes after the ClientHello record are not "
                                  f"complete TLS records ({error.message})", offset=pos,
                                  field="trailing data") from None
            if pos + 5 + header.length > len(data):
                raise DecodeError(f"{len(data) - end} bytes after the ClientHello record end "
                                  "inside a truncated record", offset=pos, field="trailing data")
            pos += 5 + header.length
    return wire


def client_hellos_in_stream(data: bytes, start: int = 0) -> list[tuple[WireClientHello, int]]:
    """The ClientHellos a client sent in its stream: the first, and a second one after a
    HelloRetryRequest (RFC 8446 §4.1.4), skipping the compatibility ChangeCipherSpec
    (RFC 8446 Appendix D.4). Returns (hello, offset) pairs; stops at the first other record or
    at the end of the captured bytes."""
    wire, pos = decode_client_hello_at(data, start)
    found = [(wire, start)]
    if not wire.records:
        return found
    while pos + 5 <= len(data):
        header = read_record_header(data, pos)
        if header.content_type == CONTENT_CHANGE_CIPHER_SPEC:
            pos += 5 + header.length
            continue
        if (header.content_type == CONTENT_HANDSHAKE and pos + 5 < len(data)
                and data[pos + 5] == HANDSHAKE_CLIENT_HELLO):
            second, end = _decode_from_records(data, pos)
            found.append((second, pos))
            pos = end
            continue
        break
    return found


def encode_records(content_type: int, version: int, payload: bytes) -> bytes:
    """`payload` as TLSPlaintext records of at most 2^14 bytes each (RFC 8446 §5.1)."""
    chunks = [payload[i:i + MAX_PLAINTEXT] for i in range(0, len(payload), MAX_PLAINTEXT)] or [b""]
    return b"".join(bytes((content_type,)) + version.to_bytes(2, "big")
                    + len(chunk).to_bytes(2, "big") + chunk for chunk in chunks)


def alert_record(description: int, version: int = 0x0303, fatal: bool = True) -> bytes:
    """One Alert record (RFC 8446 §6): level fatal (2) or warning (1), then the description.
    Before TLS 1.3 is agreed, record versions 0x0301-0x0303 are what every client accepts."""
    return encode_records(CONTENT_ALERT, version, Alert(2 if fatal else 1, description).encode())


def bytes_needed_for_first_flight(data: bytes) -> int:
    """How many bytes must be there before decoding the client's first flight is worth trying:
    the end of the first incomplete record, or `len(data)` when every record is complete, or
    when the header already shows the input is bad (not a handshake record, a record over
    2^14 bytes), so the decoder says why at once. A reader of a trickling stream decodes only
    when this many bytes are there: one header walk per read, not one decode."""
    if not data:
        return 1
    if data[0] & 0x80:  # SSL 2.0 format (RFC 5246 E.2): 15-bit length after the high bit
        return 2 if len(data) < 2 else 2 + (((data[0] & 0x7F) << 8) | data[1])
    pos = 0
    while pos + 5 <= len(data):
        length = (data[pos + 3] << 8) | data[pos + 4]
        if data[pos] != CONTENT_HANDSHAKE or length > MAX_PLAINTEXT:
            return len(data)
        end = pos + 5 + length
        if end > len(data):
            return end
        pos = end
    if pos < len(data) and data[pos] != CONTENT_HANDSHAKE:
        return len(data)
    return len(data) if pos == len(data) else pos + 5


@dataclass(frozen=True, slots=True)
class ServerResponse:
    """What a server answered a ClientHello with: a ServerHello (with the plaintext handshake
    messages after it, for TLS 1.2 and older), or an Alert."""
    server_hello: ServerHello | None
    alert: Alert | None
    records: tuple[RecordHeader, ...]
    following: tuple[HandshakeMessage, ...] = ()


def handshake_messages(data: bytes, start: int = 0) -> list[HandshakeMessage]:
    """The plaintext handshake messages in the consecutive handshake records from `start`
    (several messages per record, or one across records; RFC 8446 §5.1). Stops at the first
    record of another type; NeedMoreData if the bytes end inside a record or a message."""
    buffer = bytearray()
    fragments: list[tuple[int, int, int, RecordHeader]] = []
    pos = start
    while pos + 5 <= len(data) and data[pos] == CONTENT_HANDSHAKE:
        header = read_record_header(data, pos)
        if pos + 5 + header.length > len(data):
            raise NeedMoreData(f"record of length {header.length} is truncated", offset=pos + 3,
                               field="record length")
        fragments.append((len(buffer), pos + 5, header.length, header))
        buffer += data[pos + 5:pos + 5 + header.length]
        pos += 5 + header.length
    messages: list[HandshakeMessage] = []
    offset = 0
    while offset < len(buffer):
        if offset + 4 > len(buffer):
            raise NeedMoreData("handshake header truncated", offset=pos, field="handshake header")
        end = offset + 4 + int.from_bytes(buffer[offset + 1:offset + 4], "big")
        if end > len(buffer):
            raise NeedMoreData("handshake message truncated", offset=pos, field="handshake length")
        pieces = [(max(inner, offset) - offset, outer + max(inner, offset) - inner,
                   min(inner + length, end) - max(inner, offset), header)
                  for inner, outer, length, header in fragments
                  if inner < end and inner + length > offset]
        messages.append(HandshakeMessage(
            buffer[offset], bytes(buffer[offset:end]), tuple(p[3] for p in pieces),
            tuple(p[:3] for p in pieces), pieces[-1][1] + pieces[-1][2]))
        offset = end
    return messages


def decode_server_response(data: bytes) -> ServerResponse:
    """Decode the first message a server sends: a ServerHello (RFC 8446 §4.1.3) or an Alert
    (RFC 8446 §6). Raises NeedMoreData while the bytes are incomplete."""
    header = read_record_header(data, 0, any_version=True)
    if header.content_type == CONTENT_ALERT:
        if 5 + header.length > len(data):
            raise NeedMoreData("alert record is truncated", offset=3, field="record length")
        if header.length < 2:
            raise DecodeError(f"alert record length {header.length} is shorter than an alert (2)",
                              offset=3, field="record length")
        return ServerResponse(None, Alert.parse(Reader(data, 5, 7)), (header,))
    messages = handshake_messages(data, 0)
    if not messages:
        raise NeedMoreData("no complete handshake message yet", offset=0, field="handshake")
    message = messages[0]
    if message.msg_type != HANDSHAKE_SERVER_HELLO:
        name = lookup("handshake_types", message.msg_type) or "unknown"
        raise DecodeError(f"the server's first handshake message is {name} ({message.msg_type}), "
                          "not a ServerHello (2)", offset=5, field="handshake type")
    hello = _parse_message(message, ServerHello.parse)
    return ServerResponse(hello, None, message.records, tuple(messages[1:]))
