"""TCP stream reassembly (RFC 9293 §3.4 sequence numbers), one direction at a time.

Segments may arrive out of order, retransmitted or overlapping; the first copy of each byte
wins. A capture that starts mid-connection (no SYN) is anchored at the lowest sequence number
seen. Each direction keeps only the prefix that can hold a ClientHello: it is classified as
soon as its first bytes arrive (see starttls.TlsStartDetector, which looks at each new byte
once however the stream is cut into segments) and dropped when it is not a
TLS client stream, so memory stays bounded however large the capture.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from generator.ingest.packets import Segment, address_text
from generator.ingest.starttls import NeedMore, TlsStart, TlsStartDetector
from generator.tls.records import MAX_CLIENT_FLIGHT

#: bytes kept after the ClientHello starts
_TLS_WINDOW = MAX_CLIENT_FLIGHT
_PLAINTEXT_WINDOW = 64 * 1024 + 16
_HALF = 1 << 31
_MOD = 1 << 32

FlowKey = tuple[bytes, int, bytes, int]


@dataclass(slots=True)
class Flow:
    """One direction of one TCP connection."""
    key: FlowKey
    first_packet: int
    first_time: float
    base: int | None = None          # sequence number of stream offset 0
    anchored: bool = False           # base comes from a SYN
    data: bytearray = field(default_factory=bytearray)
    pending: dict[int, bytes] = field(default_factory=dict)
    limit: int = _PLAINTEXT_WINDOW
    ignored: bool = False
    suspended: bool = False          # SYN-less and not TLS from its first seen byte: wait for
                                     # an earlier segment before giving up (kept within `limit`)
    start: TlsStart | None = None
    truncated_at: int | None = None  # stream offset where snaplen cut a segment short
    packet_offsets: list[int] = field(default_factory=list)   # stream offset of each segment...
    packet_numbers: list[int] = field(default_factory=list)   # ...and its packet number
    packet_times: list[float] = field(default_factory=list)
    detector: TlsStartDetector = field(default_factory=TlsStartDetector)

    @property
    def label(self) -> str:
        src, sport, dst, dport = self.key
        return f"TCP {address_text(src, sport)} → {address_text(dst, dport)}"

    def packet_at(self, offset: int) -> tuple[int, float]:
        """The packet (number, time) that carried stream byte `offset`."""
        index = bisect.bisect_right(self.packet_offsets, offset) - 1
        if index < 0:
            return self.first_packet, self.first_time
        return self.packet_numbers[index], self.packet_times[index]

    def missing_at(self) -> int | None:
        """The stream offset of the first gap, if later bytes are waiting behind it."""
        return len(self.data) if self.pending else None

    def add(self, segment: Segment, number: int, time: float) -> None:
        if self.ignored:
            return
        if segment.syn:
            self.base, self.anchored = (segment.seq + 1) % _MOD, True
            if not segment.payload:
                return
        payload = segment.payload
        if not payload:
            return
        seq = segment.seq + (1 if segment.syn else 0)
        if self.base is None:
            self.base = seq
        relative = (seq - self.base) % _MOD
        if relative >= _HALF:  # before the current anchor
            if self.anchored:
                return  # a retransmission of bytes before the SYN's ISN: nothing to keep
            self._rebase(seq)
            self.suspended = False
            relative = 0
        if relative >= self.limit:
            return
        payload = payload[:self.limit - relative]
        if segment.truncated and (self.truncated_at is None or relative + len(payload) < self.truncated_at):
            self.truncated_at = relative + len(payload)
        index = bisect.bisect_left(self.packet_offsets, relative)
        self.packet_offsets.insert(index, relative)
        self.packet_numbers.insert(index, number)
        self.packet_times.insert(index, time)
        if relative <= len(self.data):
            self._append(relative, payload)
            self._drain()
        elif relative not in self.pending or len(self.pending[relative]) < len(payload):
            self.pending[relative] = payload
        self._classify()

    def _rebase(self, seq: int) -> None:
        """Move offset 0 back to `seq` (an earlier segment arrived late in a SYN-less capture)."""
        shift = (self.base - seq) % _MOD
        self.pending = {offset + shift: chunk for offset, chunk in self.pending.items()}
        if self.data:
            self.pending[shift] = bytes(self.data)
        self.data = bytearray()
        self.detector = TlsStartDetector()  # the stream now starts earlier: detect afresh
        self.packet_offsets = [offset + shift for offset in self.packet_offsets]
        self.base = seq

    def _append(self, offset: int, chunk: bytes) -> None:
        overlap = len(self.data) - offset
        if overlap < len(chunk):
            self.data += chunk[overlap:]

    def _drain(self) -> None:
        while self.pending:
            ready = [offset for offset in self.pending if offset <= len(self.data)]
            if not ready:
                return
            for offset in sorted(ready):
                self._append(offset, self.pending.pop(offset))

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
        self.packet_offsets.clear()
        self.packet_numbers.clear()
        self.packet_times.clear()


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
        return [flow for flow in everything if not flow.ignored and flow.start is not None]

    @property
    def flow_count(self) -> int:
        return len(self._done) + len(self._open)
