"""pcap (libpcap) and pcapng capture files: bytes in, packets out.

pcap: the 24-byte global header with magic 0xA1B2C3D4 (microseconds) or 0xA1B23C4D
(nanoseconds) in either byte order, then 16-byte record headers (draft-ietf-opsawg-pcap §4-5).
pcapng: Section Header, Interface Description, Enhanced/Simple/obsolete Packet blocks
(draft-ietf-opsawg-pcapng §4); other block types are skipped by their length.

Reading costs O(file) time and memory: blocks are looked at through a view of the file, and only
a packet's bytes (at most MAX_PACKET) are copied.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

from generator.errors import DecodeError

PCAP_MAGICS = {b"\xd4\xc3\xb2\xa1": ("<", 1e-6), b"\xa1\xb2\xc3\xd4": (">", 1e-6),
               b"\x4d\x3c\xb2\xa1": ("<", 1e-9), b"\xa1\xb2\x3c\x4d": (">", 1e-9)}
PCAPNG_SHB = b"\x0a\x0d\x0d\x0a"
#: A packet bigger than this is not one a NIC delivered; refusing it bounds memory.
MAX_PACKET = 256 * 1024


@dataclass(frozen=True, slots=True)
class Packet:
    number: int        # 1-based, as Wireshark numbers frames
    time: float        # seconds since the epoch
    linktype: int      # LINKTYPE_* value (https://www.tcpdump.org/linktypes.html)
    data: bytes
    original_length: int


def is_capture(data: bytes) -> bool:
    return data[:4] in PCAP_MAGICS or data[:4] == PCAPNG_SHB


def format_name(data: bytes) -> str:
    return "pcapng" if data[:4] == PCAPNG_SHB else "pcap"


def read_packets(data: bytes) -> Iterator[Packet]:
    if data[:4] == PCAPNG_SHB:
        yield from _pcapng(data)
    elif data[:4] in PCAP_MAGICS:
        yield from _pcap(data)
    else:
        raise DecodeError("not a pcap or pcapng file (unknown magic number)", offset=0,
                          field="magic")


def _truncated(what: str, offset: int, number: int) -> DecodeError:
    return DecodeError(f"{what} of packet {number} is cut short: the capture file ends early "
                       "(was the capture interrupted? `editcap` or `tshark -r ... -w` rewrites "
                       "what is complete)", offset=offset, field="pcap record")


def _pcap(data: bytes) -> Iterator[Packet]:
    endian, resolution = PCAP_MAGICS[data[:4]]
    if len(data) < 24:
        raise DecodeError(f"pcap global header needs 24 bytes but the file has {len(data)}",
                          offset=0, field="pcap header")
    major, minor, _zone, _sigfigs, snaplen, linktype = struct.unpack_from(endian + "HHiIII", data, 4)
    if major != 2:
        raise DecodeError(f"pcap version {major}.{minor} is not 2.x", offset=4, field="pcap version")
    linktype &= 0x0FFFFFFF  # the top bits may carry FCS information
    record = struct.Struct(endian + "IIII")
    pos, number = 24, 0
    end = len(data)
    while pos < end:
        number += 1
        if pos + 16 > end:
            raise _truncated("the record header", pos, number)
        seconds, fraction, captured, original = record.unpack_from(data, pos)
        if captured > MAX_PACKET:
            raise DecodeError(f"packet {number} claims {captured} captured bytes, more than the "
                              f"{MAX_PACKET} tlskb accepts (a corrupt record header?)",
                              offset=pos + 8, field="incl_len")
        pos += 16
        if pos + captured > end:
            raise _truncated("the data", pos, number)
        yield Packet(number, seconds + fraction * resolution, linktype, data[pos:pos + captured],
                     original)
        pos += captured


@dataclass(slots=True)
class _Interface:
    linktype: int
    resolution: float


def _ts_resolution(options: bytes, endian: str) -> float:
    """if_tsresol (option 9): 10^-n, or 2^-n when the high bit is set; default microseconds."""
    pos = 0
    while pos + 4 <= len(options):
        code, length = struct.unpack_from(endian + "HH", options, pos)
        if code == 0:
            break
        if code == 9 and length >= 1 and pos + 4 < len(options):
            value = options[pos + 4]
            return 2.0 ** -(value & 0x7F) if value & 0x80 else 10.0 ** -value
        pos += 4 + ((length + 3) & ~3)
    return 1e-6


def _pcapng(data: bytes) -> Iterator[Packet]:
    view = memoryview(data)
    pos, end, number = 0, len(data), 0
    endian = "<"
    interfaces: list[_Interface] = []
    while pos < end:
        if pos + 12 > end:
            raise _truncated("a block header", pos, number + 1)
        if data[pos:pos + 4] == PCAPNG_SHB:
            magic = data[pos + 8:pos + 12]
            if magic == b"\x4d\x3c\x2b\x1a":
                endian = "<"
            elif magic == b"\x1a\x2b\x3c\x4d":
                endian = ">"
            else:
                raise DecodeError("pcapng section header has an unknown byte-order magic",
                                  offset=pos + 8, field="byte-order magic")
            interfaces = []
        block_type, total = struct.unpack_from(endian + "II", data, pos)
        if total < 12 or total % 4:
            raise DecodeError(f"pcapng block length {total} is not a multiple of 4 of at least 12",
                              offset=pos + 4, field="block total length")
        if pos + total > end:
            raise _truncated("a block", pos, number + 1)
        trailer = struct.unpack_from(endian + "I", data, pos + total - 4)[0]
        if trailer != total:
            raise DecodeError(f"pcapng block lengths disagree ({total} at the start, {trailer} at "
                              "the end)", offset=pos + total - 4, field="block total length")
        body = view[pos + 8:pos + total - 4]
        if block_type == 1:  # Interface Description Block
            if len(body) < 8:
                raise DecodeError("pcapng interface description block is too short", offset=pos,
                                  field="IDB")
            linktype = struct.unpack_from(endian + "H", body, 0)[0]
            interfaces.append(_Interface(linktype, _ts_resolution(body[8:], endian)))
        elif block_type in (6, 2, 3):
            number += 1
            packet = _pcapng_packet(block_type, body, endian, interfaces, number, pos)
            if packet is not None:
                yield packet
        pos += total


def _pcapng_packet(block_type: int, body: memoryview, endian: str, interfaces: list[_Interface],
                   number: int, pos: int) -> Packet | None:
    if block_type == 3:  # Simple Packet Block: one interface, no timestamp
        if not interfaces or len(body) < 4:
            raise DecodeError("pcapng simple packet block without an interface", offset=pos,
                              field="SPB")
        original = struct.unpack_from(endian + "I", body, 0)[0]
        captured = min(original, len(body) - 4)
        if captured > MAX_PACKET:
            raise DecodeError(f"packet {number} holds {captured} bytes, more than the "
                              f"{MAX_PACKET} tlskb accepts (a corrupt block?)", offset=pos,
                              field="SPB")
        return Packet(number, 0.0, interfaces[0].linktype, bytes(body[4:4 + captured]), original)
    if block_type == 6:
        if len(body) < 20:
            raise DecodeError("pcapng enhanced packet block is too short", offset=pos, field="EPB")
        interface_id, high, low, captured, original = struct.unpack_from(endian + "IIIII", body, 0)
        start = 20
    else:  # obsolete Packet Block
        if len(body) < 20:
            raise DecodeError("pcapng packet block is too short", offset=pos, field="PB")
        interface_id, _drops, high, low, captured, original = struct.unpack_from(
            endian + "HHIIII", body, 0)
        start = 20
    if interface_id >= len(interfaces):
        raise DecodeError(f"packet {number} names interface {interface_id}, but only "
                          f"{len(interfaces)} are described", offset=pos + 8, field="interface id")
    if captured > len(body) - start or captured > MAX_PACKET:
        raise DecodeError(f"packet {number} claims {captured} captured bytes but its block holds "
                          f"{len(body) - start}", offset=pos + 20, field="captured length")
    interface = interfaces[interface_id]
    timestamp = ((high << 32) | low) * interface.resolution
    return Packet(number, timestamp, interface.linktype, bytes(body[start:start + captured]),
                  original)


# -- writing (tests, benchmarks, `tlskb capture`) --------------------------------------------------

def write_pcap(packets: list[tuple[float, bytes]], linktype: int = 1) -> bytes:
    """A little-endian microsecond pcap of (time, frame) pairs."""
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype))
    for when, frame in packets:
        seconds = int(when)
        out += struct.pack("<IIII", seconds, int(round((when - seconds) * 1e6)), len(frame),
                           len(frame))
        out += frame
    return bytes(out)
