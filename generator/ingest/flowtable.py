"""ClientHellos from a capture of any length, in bounded memory: the streaming counterpart of
find.py's `_from_capture` (which holds every stream until the capture is read).

Each direction of each TCP connection is reassembled by tcp.Flow (the same reassembly, STARTTLS
detection and limits `decode` uses) and is done — forgotten, its 4-tuple remembered in a
bounded list so its later segments cost nothing — as soon as its first ClientHello is
complete, or once it is known not to be a TLS client stream. A flow in progress costs its
bytes so far; what the table holds is bounded three ways, each drop counted:

* at most `max_flows` flows in progress (a SYN flood of half-open connections cannot grow it):
  a new flow beyond that displaces the one idle longest;
* at most `max_bytes` of payload fed to the flows in progress, and `MAX_FLOW_BYTES` to one;
* a flow idle for `idle` seconds of capture time is dropped.

Completeness is checked by walking the record headers once (each record looked at once, however
the segments cut it); the hello's bytes are handed over when its last byte is there, and the
caller decodes them (`impact` only when it has not seen their skeleton before).
"""

from __future__ import annotations

import socket
from collections import OrderedDict
from dataclasses import dataclass, field

from generator.ingest.packets import Segment
from generator.ingest.starttls import MAX_PLAINTEXT_PREFIX
from generator.ingest.tcp import Flow, FlowKey
from generator.tls.records import CONTENT_HANDSHAKE, MAX_CLIENT_FLIGHT

#: flows in progress at once (each holds at least its state, ~2 KB)
MAX_FLOWS = 50_000
#: payload bytes fed to the flows in progress, together
MAX_BYTES = 128 * 1024 * 1024
#: payload bytes fed to one flow before it is given up: room for the longest plaintext before
#: STARTTLS, the largest client flight, and as much again in retransmissions
MAX_FLOW_BYTES = 2 * (MAX_PLAINTEXT_PREFIX + MAX_CLIENT_FLIGHT)
#: seconds of capture time a flow may wait for its next segment
IDLE = 300.0
#: finished 4-tuples remembered, so their later segments are not taken for new flows
_DONE = 4 * MAX_FLOWS


@dataclass(frozen=True, slots=True)
class StreamHello:
    """The first ClientHello of one connection, as the bytes it came in."""
    key: FlowKey                      # (src, sport, dst, dport), addresses packed
    packet: int                       # the packet its first byte came in
    time: float
    starttls: str | None
    raw: bytes                        # the records from the hello's first byte to its last
                                      # (decode_client_hello_at(raw, 0) decodes or says why not)

    @property
    def peer(self) -> str:
        """The client's address (no port): the same host over many connections."""
        src = self.key[0]
        return socket.inet_ntop(socket.AF_INET if len(src) == 4 else socket.AF_INET6, src)

    @property
    def label(self) -> str:
        from generator.ingest.packets import address_text
        src, sport, dst, dport = self.key
        return f"TCP {address_text(src, sport)} → {address_text(dst, dport)}"


@dataclass(slots=True)
class TableStats:
    """What happened to the flows, for the report: nothing is dropped without being counted."""
    hellos: int = 0             # ClientHellos complete (the consumer decodes them)
    not_tls: int = 0            # streams that are not a TLS client's (servers' included)
    incomplete: int = 0         # the capture ended (or the flow idled out) mid-hello
    dropped_full: int = 0       # displaced, with bytes: max_flows flows were in progress
    dropped_bytes: int = 0      # over max_bytes together or MAX_FLOW_BYTES alone
    dropped_idle: int = 0       # no segment for `idle` seconds, no hello
    most_live: int = 0          # the most flows in progress at once

    def merge(self, other: TableStats) -> None:
        for name in self.__slots__:
            if name == "most_live":
                self.most_live = max(self.most_live, other.most_live)
            else:
                setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(slots=True)
class _Live:
    flow: Flow
    last: float
    fed: int = 0
    walked: int = 0                  # bytes after the hello's start whose records are walked
    head: bytearray = field(default_factory=bytearray)  # the handshake header, once seen
    body: int = 0                    # handshake bytes seen in the records walked


class FlowTable:
    """Feed TCP segments in capture order; `add` returns a connection's first ClientHello when
    its last byte arrives, `finish` counts what the capture left unfinished."""

    def __init__(self, max_flows: int = MAX_FLOWS, max_bytes: int = MAX_BYTES,
                 idle: float = IDLE) -> None:
        self.max_flows, self.max_bytes, self.idle = max_flows, max_bytes, idle
        self._live: OrderedDict[FlowKey, _Live] = OrderedDict()   # least recently active first
        self._done: OrderedDict[FlowKey, None] = OrderedDict()
        self._fed = 0
        self.stats = TableStats()

    @property
    def live(self) -> int:
        return len(self._live)

    def add(self, segment: Segment, number: int, time: float) -> StreamHello | None:
        key = (segment.src, segment.sport, segment.dst, segment.dport)
        self._expire(time)
        live = self._live.get(key)
        if live is None:
            if segment.flags & 0x12 == 0x12:      # SYN-ACK: the server's side, never a hello
                self._done_with(key)
                return None
            if key in self._done:
                if not segment.syn:
                    return None          # the rest of a connection already answered for
                del self._done[key]      # the 4-tuple reused by a new connection
            elif not segment.syn and not segment.payload:
                return None              # a bare ACK of a connection seen mid-way: nothing yet
            while len(self._live) >= self.max_flows:
                if self._evict():
                    self.stats.dropped_full += 1
            live = self._live[key] = _Live(Flow(key, number, time), time)
            self.stats.most_live = max(self.stats.most_live, len(self._live))
        else:
            if segment.syn and (live.flow.data or live.flow.pending):
                self._forget(key, live)          # reuse: the old flow never finished its hello
                self.stats.incomplete += 1
                return self.add(segment, number, time)
            self._live.move_to_end(key)
            live.last = time
        size = len(segment.payload)
        live.fed += size
        self._fed += size
        live.flow.add(segment, number, time)
        flow = live.flow
        if flow.ignored:
            self.stats.not_tls += 1
            self._finish(key, live)
            return None
        if flow.start is not None and self._complete(live):
            return self._hello(key, live)
        if live.fed > MAX_FLOW_BYTES:
            self.stats.dropped_bytes += 1
            self._finish(key, live)
        while self._fed > self.max_bytes and self._live:
            if self._evict():
                self.stats.dropped_bytes += 1
        return None

    def finish(self) -> None:
        """The capture is read: count the flows still waiting for bytes."""
        for key, live in list(self._live.items()):
            if live.flow.start is not None and not live.flow.ignored:
                self.stats.incomplete += 1
            elif live.flow.data or live.flow.pending:
                self.stats.not_tls += 1
            self._forget(key, live)
        self._done.clear()

    # -- the table ----------------------------------------------------------------------------
    def _forget(self, key: FlowKey, live: _Live) -> None:
        del self._live[key]
        self._fed -= live.fed

    def _finish(self, key: FlowKey, live: _Live) -> None:
        self._forget(key, live)
        self._done_with(key)

    def _done_with(self, key: FlowKey) -> None:
        self._done[key] = None
        self._done.move_to_end(key)
        if len(self._done) > max(_DONE, 4 * self.max_flows):
            self._done.popitem(last=False)

    def _evict(self) -> bool:
        """Drop the flow idle longest; True when it held bytes (a flow that never carried any,
        such as a server's SYN-ACK or a half-open connection, loses nothing)."""
        key, live = next(iter(self._live.items()))
        self._forget(key, live)
        return bool(live.fed)

    def _expire(self, now: float) -> None:
        while self._live:
            key, live = next(iter(self._live.items()))
            if now - live.last <= self.idle:
                return
            if live.fed and not live.flow.ignored:
                self.stats.dropped_idle += 1
            self._forget(key, live)

    # -- the hello ----------------------------------------------------------------------------
    @staticmethod
    def _complete(live: _Live) -> bool:
        """Whether the first ClientHello's last byte is there (or the records show it never
        will be, which the decoder then names): the record headers after the hello's start are
        walked once, as they arrive (RFC 8446 §5.1: a handshake message may span records)."""
        flow = live.flow
        data, start = flow.data, flow.start.offset
        if start >= len(data):
            return False
        if data[start] & 0x80:     # SSL 2.0 format (RFC 5246 E.2): a 15-bit length
            return (len(data) - start >= 2
                    and len(data) - start >= 2 + (((data[start] & 0x7F) << 8) | data[start + 1]))
        pos = start + live.walked
        while pos + 5 <= len(data):
            if data[pos] != CONTENT_HANDSHAKE:
                return True
            length = (data[pos + 3] << 8) | data[pos + 4]
            if pos + 5 + length > len(data):
                return False
            if len(live.head) < 4:
                live.head += data[pos + 5:pos + 5 + min(length, 4 - len(live.head))]
            live.body += length
            pos += 5 + length
            live.walked = pos - start
            if len(live.head) == 4 and live.body >= 4 + int.from_bytes(live.head[1:4], "big"):
                return True
        return False

    def _hello(self, key: FlowKey, live: _Live) -> StreamHello:
        flow = live.flow
        start = flow.start
        packet, time = flow.packet_at(start.offset)
        end = len(flow.data) if flow.data[start.offset] & 0x80 else start.offset + live.walked
        if end <= start.offset:    # not a handshake record: the decoder names what it is
            end = len(flow.data)
        self._finish(key, live)
        self.stats.hellos += 1
        return StreamHello(key, packet, time, start.starttls, bytes(flow.data[start.offset:end]))
