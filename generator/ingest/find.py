"""Find every ClientHello in an input, whatever its form: pcap/pcapng (TCP reassembly,
STARTTLS), hex text (any dump form, including whole frames), or raw bytes.

One entry point, `find_client_hellos`, so the CLI and the case loader treat input alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.errors import DecodeError
from generator.ingest import pcap
from generator.ingest.hexdump import HexBlock, looks_like_text, parse_hex_text
from generator.ingest.packets import LINKTYPE_GUESS, Segment, tcp_segment
from generator.ingest.postfixlog import HINT, looks_like_postfix_log_without_hex
from generator.ingest.starttls import TlsStart, locate_tls_start
from generator.ingest.tcp import Flow, Reassembler
from generator.tls.records import (NeedMoreData, WireClientHello, client_hellos_in_stream,
                                   decode_client_hello, looks_like_sslv2_client_hello,
                                   looks_like_tls_handshake_record)

#: inputs larger than this are refused before parsing (a capture of a few million packets)
MAX_INPUT = 2 * 1024 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a ClientHello was found, precisely enough to find it again."""
    source: str                  # the file name, or "<stdin>"
    container: str               # "pcap", "pcapng", "binary", or the hex form
    where: str | None = None     # the TCP stream or hex block
    offset: int = 0              # byte offset of the hello in that stream or block
    packet: int | None = None    # the capture packet its first byte arrived in
    time: float | None = None
    starttls: str | None = None  # the protocol that upgraded to TLS, if any
    second: bool = False         # the second ClientHello, after a HelloRetryRequest

    def describe(self) -> str:
        parts = [self.source]
        if self.where:
            parts.append(self.where)
        if self.packet is not None:
            parts.append(f"packet {self.packet}")
        if self.starttls:
            parts.append(f"after {self.starttls.upper()} STARTTLS")
        if self.second:
            parts.append("second ClientHello (after HelloRetryRequest)")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Found:
    wire: WireClientHello
    origin: Origin


@dataclass(frozen=True, slots=True)
class Ingested:
    hellos: tuple[Found, ...]
    notes: tuple[str, ...] = ()
    skipped: tuple[DecodeError, ...] = ()


class _Collector:
    """Gathers hellos and errors; with skip_invalid, errors become `skipped` instead of raising."""

    def __init__(self, skip_invalid: bool) -> None:
        self.skip_invalid = skip_invalid
        self.found: list[Found] = []
        self.notes: list[str] = []
        self.skipped: list[DecodeError] = []

    def error(self, error: DecodeError) -> None:
        if not self.skip_invalid:
            raise error
        self.skipped.append(error)

    def stream(self, data: bytes, start: TlsStart, origin: Origin, flow: Flow | None = None) -> None:
        try:
            pairs = client_hellos_in_stream(data, start.offset)
        except NeedMoreData as error:
            self.error(_incomplete(error, origin, flow))
            return
        except DecodeError as error:
            self.error(error.within(origin.describe()))
            return
        for index, (wire, offset) in enumerate(pairs):
            packet, time = (flow.packet_at(offset) if flow is not None
                            else (origin.packet, origin.time))
            self.found.append(Found(wire, Origin(origin.source, origin.container, origin.where,
                                                 offset, packet, time, start.starttls, index > 0)))

    def result(self) -> Ingested:
        return Ingested(tuple(self.found), tuple(self.notes), tuple(self.skipped))


def _incomplete(error: NeedMoreData, origin: Origin, flow: Flow | None) -> DecodeError:
    if flow is not None and flow.missing_at() is not None:
        gap = flow.missing_at()
        message = (f"the ClientHello is incomplete: a TCP segment is missing at stream offset "
                   f"{gap} (packet loss during capture?)")
    elif flow is not None and flow.truncated_at is not None:
        message = ("the ClientHello is incomplete: the capture kept only the first bytes of a "
                   "packet (snaplen); capture again with `tcpdump -s 0`")
    elif flow is not None:
        message = f"the ClientHello is incomplete: the capture ends before it does ({error.message})"
    else:
        message = f"the ClientHello is incomplete: {error.message}"
    return DecodeError(message, offset=error.offset, field=error.field, context=origin.describe())


def find_client_hellos(data: bytes, source: str = "<stdin>", *,
                       skip_invalid: bool = False) -> Ingested:
    """Every ClientHello in `data`, in the order they were sent. Raises DecodeError if there is
    none, or if one is malformed (unless `skip_invalid`, which lists those in `skipped`)."""
    if len(data) > MAX_INPUT:
        raise DecodeError(f"input of {len(data)} bytes exceeds the {MAX_INPUT} bytes tlskb reads",
                          context=source)
    if not data:
        raise DecodeError("the input is empty", context=source)
    collector = _Collector(skip_invalid)
    if pcap.is_capture(data):
        _from_capture(data, source, collector)
    elif looks_like_text(data):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:  # looks_like_text only samples the start
            raise DecodeError(f"the input is not UTF-8 text past byte {error.start}",
                              offset=error.start, context=source) from None
        if looks_like_postfix_log_without_hex(text):  # loglevel 0-2: no bytes were logged
            raise DecodeError(HINT, context=source)
        blocks = parse_hex_text(text, source)
        _from_blocks(blocks, source, collector)
    else:
        _from_blocks([HexBlock(data, source, "binary")], source, collector, strict=True)
    result = collector.result()
    if not result.hellos and result.skipped:
        more = f" (and {len(result.skipped) - 1} more)" if len(result.skipped) > 1 else ""
        raise DecodeError(f"no valid ClientHello found; skipped {result.skipped[0]}{more}",
                          context=source)
    if not result.hellos:
        raise DecodeError("no ClientHello found" + _why_none(result), context=source)
    return result


def _why_none(result: Ingested) -> str:
    return f" ({'; '.join(result.notes)})" if result.notes else ""


def _from_capture(data: bytes, source: str, collector: _Collector) -> None:
    container = pcap.format_name(data)
    reassembler = Reassembler()
    skipped: dict[str, int] = {}
    packets = 0
    try:
        for packet in pcap.read_packets(data):
            packets += 1
            segment = tcp_segment(packet.data, packet.linktype)
            if isinstance(segment, Segment):
                reassembler.add(segment, packet.number, packet.time)
            else:
                skipped[segment] = skipped.get(segment, 0) + 1
    except DecodeError as error:
        raise error.within(source) from None
    flows = reassembler.flows()
    for flow in sorted(flows, key=lambda f: f.packet_at(f.start.offset)[0]):
        packet, time = flow.packet_at(flow.start.offset)
        origin = Origin(source, container, flow.label, flow.start.offset, packet, time,
                        flow.start.starttls)
        collector.stream(bytes(flow.data), flow.start, origin, flow)
    if not flows:
        detail = ", ".join(f"{count} {reason}" for reason, count in sorted(skipped.items()))
        collector.notes.append(f"{packets} packets, {reassembler.flow_count} TCP streams, none "
                               "starting a TLS ClientHello" + (f"; skipped: {detail}" if detail else ""))


def _starts_hello(data: bytes) -> bool:
    if looks_like_tls_handshake_record(data):
        return len(data) < 6 or data[5] == 1  # a short record is reported as truncated
    return looks_like_sslv2_client_hello(data) or (len(data) >= 4 and data[0] == 1)


def _other_handshake(data: bytes) -> str | None:
    """What a block starts with when it is the server's side: a handshake message other than
    a ClientHello, or an alert record."""
    from generator.tls.registry import name
    if looks_like_tls_handshake_record(data) and len(data) >= 6 and data[5] != 1:
        return f"a {name('handshake_types', data[5])}"
    if len(data) >= 7 and data[0] == 21 and data[1] == 3 and data[3:5] == b"\x00\x02":
        return f"an alert ({name('alerts', data[6])})"
    return None


def _from_blocks(blocks: list[HexBlock], source: str, collector: _Collector,
                 strict: bool = False) -> None:
    frames: list[tuple[int, bytes]] = []
    if any(block.label.startswith("Frame (") for block in blocks):
        # tshark -x prints each frame and, after the last segment, the reassembled payload;
        # the frames are reassembled here (with their addresses), so skip tshark's copy.
        skipped = [b for b in blocks if b.label.startswith("Reassembled")]
        blocks = [b for b in blocks if not b.label.startswith("Reassembled")]
        if skipped:
            collector.notes.append(f"{len(skipped)} 'Reassembled' block(s) skipped: the frames "
                                   "are reassembled instead")
    for index, block in enumerate(blocks):
        collector.notes.extend(block.notes)
        container = block.form
        where = block.label if block.label != source else None
        origin = Origin(source, container, where)
        if _starts_hello(block.data):
            if strict or (len(blocks) == 1 and block.form in ("plain hex", "0x-prefixed bytes",
                                                               "\\x escapes", "offset dump")):
                try:
                    wire = decode_client_hello(block.data)
                except DecodeError as error:
                    collector.error(error.within(origin.describe()))
                    continue
                collector.found.append(Found(wire, origin))
            else:
                collector.stream(block.data, TlsStart(0, None), origin)
            continue
        other = _other_handshake(block.data)
        if other is not None:
            if strict or len(blocks) == 1:
                collector.error(DecodeError(f"the input starts with {other}, not a "
                                            "ClientHello", offset=5, field="handshake type",
                                            context=origin.describe()))
            else:
                collector.notes.append(f"{block.label} starts with {other} (the server's side): "
                                       "not decoded")
            continue
        located = locate_tls_start(block.data)
        if isinstance(located, TlsStart):
            collector.stream(block.data, located, origin)
            continue
        frames.append((index + 1, block.data))
    if frames:
        _from_frames(frames, source, collector, blocks[0].form)


def _from_frames(frames: list[tuple[int, bytes]], source: str, collector: _Collector,
                 form: str) -> None:
    """Blocks that are whole frames (tshark -x, Wireshark hex dumps): reassemble like a pcap."""
    reassembler = Reassembler()
    reasons: list[str] = []
    for number, frame in frames:
        segment = tcp_segment(frame, LINKTYPE_GUESS)
        if isinstance(segment, Segment):
            reassembler.add(segment, number, 0.0)
        else:
            reasons.append(f"block {number}: {segment}")
    for flow in reassembler.flows():
        origin = Origin(source, f"{form} frames", flow.label, flow.start.offset,
                        flow.packet_at(flow.start.offset)[0], None, flow.start.starttls)
        collector.stream(bytes(flow.data), flow.start, origin, flow)
    if not reassembler.flows():
        collector.notes.append("the bytes are neither a ClientHello (TLS record 16 03 0x, SSL 2.0 "
                               "hello, or handshake message 01) nor a frame carrying one"
                               + (f" [{'; '.join(reasons[:3])}]" if reasons else ""))
