"""Reconstructed samples carry placeholder bytes (the Exchange hello's last four random bytes,
its 218-byte session ticket filled with zeros): bytes nobody recorded. A verdict that changes
with them is not evidence. This makes the variants to replay beside the sample — the same hello
with every placeholder byte changed, and with a placeholder session ticket emptied — so that a
stack whose answer moves can be named. Pure: bytes in, bytes out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from generator.tls import extensions as ext
from generator.tls.records import decode_client_hello, encode_records

CONTENT_HANDSHAKE = 22


@dataclass(frozen=True, slots=True)
class Span:
    """Bytes nobody recorded: `length` bytes from `offset` of the sample, named `field`."""
    offset: int
    length: int
    field: str


@dataclass(frozen=True, slots=True)
class Variant:
    description: str   # "placeholder bytes inverted", "session ticket emptied"
    raw: bytes


def variants(raw: bytes, spans: Sequence[Span]) -> tuple[Variant, ...]:
    """The sample with each placeholder's bytes inverted (so every one differs; lengths stay),
    and, when a placeholder lies inside the session_ticket extension, the sample with an empty
    ticket (RFC 5077 §3.2: "give me a new one", a neutral value a real client sends). Spans
    outside the sample are ignored (check reports them)."""
    inside = [s for s in spans if 0 <= s.offset and s.offset + s.length <= len(raw)]
    if not inside:
        return ()
    inverted = bytearray(raw)
    for span in inside:
        for index in range(span.offset, span.offset + span.length):
            inverted[index] ^= 0xFF
    found = [Variant(f"placeholder bytes inverted ({', '.join(s.field for s in inside)})",
                     bytes(inverted))]
    emptied = _empty_ticket(raw, inside)
    if emptied is not None:
        found.append(Variant("placeholder session ticket emptied", emptied))
    return tuple(found)


def _empty_ticket(raw: bytes, spans: Sequence[Span]) -> bytes | None:
    wire = decode_client_hello(raw)
    hello = wire.hello
    ticket = next((e for e in hello.extensions if isinstance(e, ext.SessionTicket)), None)
    if ticket is None or not ticket.ticket or not wire.records:
        return None
    start = raw.find(ticket.ticket)
    if start < 0 or not any(s.offset < start + len(ticket.ticket) and start < s.offset + s.length
                            for s in spans):
        return None
    extensions = tuple(ext.SessionTicket(b"") if e is ticket else e for e in hello.extensions)
    emptied = dataclasses.replace(hello, extensions=extensions)
    return encode_records(CONTENT_HANDSHAKE, wire.records[0].version, emptied.encode())
