"""TCP stream reassembly (RFC 9293 §3.4 sequence numbers), one direction at a time.

Segments may arrive out of order, retransmitted or overlapping; the first copy of each byte
wins. A capture that starts mid-connection (no SYN) is anchored at the lowest sequence number
seen. Each direction keeps only the prefix that can hold a ClientHello: it is classified as
soon as its first bytes arrive (see starttls.TlsStartDetector) and dropped when it is not a
TLS client stream, so memory stays bounded however large the capture.

Every segment costs O(its length + log of the segments waiting): segments that arrive ahead of
a gap wait in a heap ordered by position and join the stream once the gap is filled, and the
packet each segment came in is appended to a list sorted once, at the end. When an earlier
segment moves the start of a SYN-less stream back, the stream is rebuilt from the heap only
once the bytes added since the last rebuild outnumber the bytes it holds, so a stream that
arrives backwards is rebuilt O(log n) times, not once per segment.
"""

from __future__ import annotations

import bisect
import heapq
from dataclasses import dataclass, field

from generator.ingest.packets import Segment, address_text
from generator.ingest.starttls import NeedMore, TlsStart, TlsStartDetector
from generator.tls.records import MAX_CLIENT_FLIGHT

#: bytes kept after the ClientHello starts
_TLS_WINDOW = MAX_CLIENT_FLIGHT
_PLAINTEXT_WINDOW = 64 * 1024 + 16
#: a stream whose start moved back is rebuilt once this many bytes (or as many as it held) wait
_REBUILD_AFTER = 4096
_HALF = 1 << 31
_MOD = 1 << 32

FlowKey = tuple[bytes, int, bytes, int]


@dataclass(slots=True)
class Flow:
    """One direction of one TCP connection. Positions are sequence numbers relative to the first
    one seen (RFC 9293 §3.4: compared modulo 2^32 within half the space); stream offset 0 is at
    position `base`."""
    key: FlowKey
    first_packet: int
    first_time: float
    origin: int | None = None        # the sequence number at position 0
    base: int = 0                    # the position of stream offset 0
    anchored: bool = False           # base comes from a SYN
    data: bytearray = field(default_factory=bytearray)  # the stream from base, as far as it
                                                          # is contiguous
    pending: list[tuple[int, int, bytes | bytearray]] = field(default_factory=list)
    #: ^ a heap of (position, arrival, payload) waiting for the bytes before them
    limit: int = _PLAINTEXT_WINDOW
    ignored: bool = False
    suspended: bool = False          # SYN-less and not TLS from its first seen byte: wait for
                                     # an earlier segment before giving up (kept within `limit`)
    stale: bool = False              # the start moved back; `data` is rebuilt from `pending`
    stale_bytes: int = 0             # bytes added to `pending` since it went stale...
    rebuild_after: int = 0           # ...and how many make it worth rebuilding
    start: TlsStart | None = None
    truncated_position: int | None = None  # where snaplen cut a segment short
    packets: list[tuple[int, int, int, float]] = field(default_factory=list)
    #: ^ (position, -arrival, packet number, time) of each segment kept, sorted by `finish`
    packet_offsets: list[int] = field(default_factory=list)  # filled by `finish`
    arrivals: int = 0
    detector: TlsStartDetector = field(default_factory=TlsStartDetector)
    finished: bool = False

    @property
    def label(self) -> str:
        src, sport, dst, dport = self.key
        return f"TCP {address_text(src, sport)} → {address_text(dst, dport)}"

    @property
    def truncated_at(self) -> int | None:
        """The stream offset where snaplen cut a segment short."""
        return None if self.truncated_position is None else self.truncated_position - self.base

    def packet_at(self, offset: int) -> tuple[int, float]:
        """The packet (number, time) that carried stream byte `offset` (the first to arrive)."""
        self.finish()
        index = bisect.bisect_right(self.packet_offsets, offset) - 1
        if index < 0:
            return self.first_packet, self.first_time
        _, _, number, time = self.packets[index]
        return number, time

    def missing_at(self) -> int | None:
        """The stream offset of the first gap, if later bytes are waiting behind it."""
        return len(self.data) if self.pending else None

    def _position(self, seq: int) -> int:
        return (seq - self.origin + _HALF) % _MOD - _HALF

    def add(self, segment: Segment, number: int, time: float) -> None:
        if self.ignored:
            return
        if segment.syn:
            self.origin, self.base, self.anchored = (segment.seq + 1) % _MOD, 0, True
            if not segment.payload:
                return
        payload = segment.payload
        if not payload:
            return
        seq = (segment.seq + (1 if segment.syn else 0)) % _MOD
        if self.origin is None:
            self.origin = seq
        position = self._position(seq)
        if position < self.base:  # before the current start
            if self.anchored:
                return  # a retransmission of bytes before the SYN's ISN: nothing to keep
            self._move_start(position)
        relative = position - self.base
        if relative >= self.limit:
            return
        payload = payload[:self.limit - relative]
        if segment.truncated and (self.truncated_position is None
                                  or position + len(payload) < self.truncated_position):
            self.truncated_position = position + len(payload)
        self.arrivals += 1
        self.packets.append((position, -self.arrivals, number, time))
        if not self.stale and relative <= len(self.data):
            self._append(relative, payload)
            self._drain()
            self._classify()
            return
        heapq.heappush(self.pending, (position, self.arrivals, payload))
        if self.stale:
            self.stale_bytes += len(payload)
            if self.stale_bytes >= self.rebuild_after:
                self._rebuild()

    def _move_start(self, position: int) -> None:
        """An earlier segment arrived late in a SYN-less capture: offset 0 moves back to it. The
        bytes held so far wait in the heap (moved, not copied) until the stream is rebuilt, and
        where TLS starts is found again, with room for a hello after a plaintext prefix."""
        if not self.stale:
            self.rebuild_after = max(_REBUILD_AFTER, len(self.data))
        if self.data:
            heapq.heappush(self.pending, (self.base, 0, self.data))
            self.data = bytearray()
        self.base = position
        self.stale, self.start, self.suspended = True, None, False
        self.limit = _PLAINTEXT_WINDOW + _TLS_WINDOW  # the most a start found later may need

    def _rebuild(self) -> None:
        self.stale, self.stale_bytes = False, 0
        self.detector = TlsStartDetector()
        self._drain()
        self._classify()

    def _append(self, offset: int, chunk: bytes | bytearray) -> None:
        overlap = len(self.data) - offset
        if overlap < len(chunk):
            room = self.limit - len(self.data)
            if room > 0:
                self.data += chunk[overlap:overlap + room]

    def _drain(self) -> None:
        pending, base = self.pending, self.base
        while pending and pending[0][0] - base <= len(self.data):
            position, _, chunk = heapq.heappop(pending)
            self._append(position - base, chunk)

    def _classify(self) -> None:
        if self.start is not None:
            self._narrow()
            return
        if self.suspended:
            return
        verdict = self.detector.update(self.data)
        if isinstance(verdict, NeedMore):
            if len(self.data) >= self.limit:
                self._give_up()
            return
        if verdict is None:
            self._give_up()
            return
        self.start = verdict
        self.limit = verdict.offset + _TLS_WINDOW
        self._narrow()

    def _narrow(self) -> None:
        """Once the handshake length is visible, keep room for three hellos of that size (the
        hello, a second one after a HelloRetryRequest, and fragmentation overhead), not more."""
        if self.limit != self.start.offset + _TLS_WINDOW:
            return
        head = self.start.offset
        if len(self.data) >= head + 9 and self.data[head] == 0x16:
            length = int.from_bytes(self.data[head + 6:head + 9], "big")
            self.limit = min(self.limit, head + 3 * (9 + length) + 8192)

    def _give_up(self) -> None:
        """Not a TLS client stream. Without a SYN, the bytes seen first may not be the first
        bytes sent, so keep them (bounded by `limit`) until an earlier segment shows up."""
        if self.anchored:
            self._drop()
        else:
            self.suspended = True

    def _drop(self) -> None:
        self.ignored = True
        self.data = bytearray()
        self.pending.clear()
        self.packets.clear()

    def finish(self) -> None:
        """The capture is read: rebuild a stream whose start moved, and order the packets."""
        if self.finished:
            return
        self.finished = True
        if self.stale and not self.ignored:
            self._rebuild()
        self.packets.sort()
        self.packet_offsets = [position - self.base for position, _, _, _ in self.packets]


class Reassembler:
    """Feed segments in capture order; `flows()` yields the client streams that start TLS."""

    def __init__(self) -> None:
        self._open: dict[FlowKey, Flow] = {}
        self._done: list[Flow] = []

    def add(self, segment: Segment, number: int, time: float) -> None:
        key = (segment.src, segment.sport, segment.dst, segment.dport)
        flow = self._open.get(key)
        if flow is not None and segment.syn and (flow.data or flow.pending or flow.ignored):
            self._done.append(flow)  # the 4-tuple is reused by a new connection
            flow = None
        if flow is None:
            flow = self._open[key] = Flow(key, number, time)
        flow.add(segment, number, time)

    def flows(self) -> list[Flow]:
        everything = self._done + list(self._open.values())
        for flow in everything:
            flow.finish()
        return [flow for flow in everything if not flow.ignored and flow.start is not None]

    @property
    def flow_count(self) -> int:
        return len(self._done) + len(self._open)
