"""pcap (libpcap) and pcapng capture files: bytes in, packets out.

pcap: the 24-byte global header with magic 0xA1B2C3D4 (microseconds) or 0xA1B23C4D
(nanoseconds) in either byte order, then 16-byte record headers (draft-ietf-opsawg-pcap §4-5).
pcapng: Section Header, Interface Description, Enhanced/Simple/obsolete Packet blocks
(draft-ietf-opsawg-pcapng §4); other block types are skipped by their length.

Reading costs O(file) time; `read_packet_stream` reads a capture from chunks of any size (a file
read a block at a time) and holds at most one block and one chunk, so a capture of any length
is read in bounded memory; `read_packets` is the same over bytes already in memory.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from generator.errors import DecodeError

PCAP_MAGICS = {b"\xd4\xc3\xb2\xa1": ("<", 1e-6), b"\xa1\xb2\xc3\xd4": (">", 1e-6),
               b"\x4d\x3c\xb2\xa1": ("<", 1e-9), b"\xa1\xb2\x3c\x4d": (">", 1e-9)}
PCAPNG_SHB = b"\x0a\x0d\x0d\x0a"
#: A packet bigger than this is not one a NIC delivered; refusing it bounds memory.
MAX_PACKET = 256 * 1024
#: the largest pcapng block read whole: a packet of MAX_PACKET and its header and options
MAX_BLOCK = MAX_PACKET + 64 * 1024
#: how much of a file `file_chunks` reads at a time
BLOCK = 1 << 20


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
    """The packets of a whole capture held in memory."""
    return read_packet_stream((data,))


def file_chunks(handle: BinaryIO, size: int = BLOCK) -> Iterator[bytes]:
    """A file object's bytes, `size` at a time (for read_packet_stream)."""
    while chunk := handle.read(size):
        yield chunk


def read_packet_stream(chunks: Iterable[bytes]) -> Iterator[Packet]:
    """The packets of a capture arriving as chunks of any sizes (a file read in blocks, a
    pipe): the same packets, numbers and errors as `read_packets` on the joined bytes, holding
    at most one block (MAX_BLOCK) and one chunk at a time."""
    window = _Window(iter(chunks))
    window.need(4)
    magic = bytes(window.buf[window.pos:window.pos + 4])
    if magic == PCAPNG_SHB:
        yield from _pcapng(window)
    elif magic in PCAP_MAGICS:
        yield from _pcap(window, magic)
    else:
        raise DecodeError("not a pcap or pcapng file (unknown magic number)", offset=0,
                          field="magic")


class _Window:
    """The stream from byte `base + pos` on: `buf[pos:]` holds what a reader asked for, pulled
    from the chunks only as far as needed. A reader may look at `buf` from `pos` up to what its
    last `need` secured, then move `pos` past what it used. Each `need` copies at most what is
    left of the buffer (fewer bytes than it asks for) and the chunks it pulls, so a stream of
    any chunking is read in time linear in its length."""

    __slots__ = ("_chunks", "buf", "pos", "base")

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self.buf: bytes = b""
        self.pos = 0
        self.base = 0   # the stream offset of buf[0]

    @property
    def offset(self) -> int:
        return self.base + self.pos

    @property
    def available(self) -> int:
        return len(self.buf) - self.pos

    def need(self, count: int) -> bool:
        """Make `count` bytes available at `pos`; False when the stream ends first."""
        have = len(self.buf) - self.pos
        if have >= count:
            return True
        parts = [self.buf[self.pos:]] if have else []
        for chunk in self._chunks:
            if chunk:
                parts.append(chunk)
                have += len(chunk)
                if have >= count:
                    break
        self.base += self.pos
        self.pos = 0
        self.buf = bytes(parts[0]) if len(parts) == 1 else b"".join(parts)
        return have >= count

    def skip(self, count: int) -> bool:
        """Move past `count` bytes without holding them; False when the stream ends first."""
        have = len(self.buf) - self.pos
        if have >= count:
            self.pos += count
            return True
        count -= have
        self.base += len(self.buf)
        self.buf, self.pos = b"", 0
        for chunk in self._chunks:
            if len(chunk) >= count:
                self.buf, self.pos = bytes(chunk), count
                return True
            count -= len(chunk)
            self.base += len(chunk)
        return False


def _truncated(what: str, offset: int, number: int) -> DecodeError:
    return DecodeError(f"{what} of packet {number} is cut short: the capture file ends early "
                       "(was the capture interrupted? `editcap` or `tshark -r ... -w` rewrites "
                       "what is complete)", offset=offset, field="pcap record")


def _pcap(window: _Window, magic: bytes) -> Iterator[Packet]:
    endian, resolution = PCAP_MAGICS[magic]
    if not window.need(24):
        raise DecodeError(f"pcap global header needs 24 bytes but the file has "
                          f"{window.available}", offset=0, field="pcap header")
    major, minor, _zone, _sigfigs, snaplen, linktype = struct.unpack_from(
        endian + "HHiIII", window.buf, window.pos + 4)
    if major != 2:
        raise DecodeError(f"pcap version {major}.{minor} is not 2.x", offset=4, field="pcap version")
    linktype &= 0x0FFFFFFF  # the top bits may carry FCS information
    record = struct.Struct(endian + "IIII")
    window.pos += 24
    number = 0
    while window.need(1):
        number += 1
        pos = window.offset
        if not window.need(16):
            raise _truncated("the record header", pos, number)
        seconds, fraction, captured, original = record.unpack_from(window.buf, window.pos)
        if captured > MAX_PACKET:
            raise DecodeError(f"packet {number} claims {captured} captured bytes, more than the "
                              f"{MAX_PACKET} tlskb accepts (a corrupt record header?)",
                              offset=pos + 8, field="incl_len")
        window.pos += 16
        if not window.need(captured):
            raise _truncated("the data", pos + 16, number)
        start = window.pos
        window.pos += captured
        yield Packet(number, seconds + fraction * resolution, linktype,
                     window.buf[start:start + captured], original)


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


#: pcapng blocks tlskb reads whole (interface descriptions and packets); others are skipped
_READ_BLOCKS = (1, 2, 3, 6)


def _pcapng(window: _Window) -> Iterator[Packet]:
    number = 0
    endian = "<"
    interfaces: list[_Interface] = []
    while window.need(1):
        pos = window.offset
        if not window.need(12):
            raise _truncated("a block header", pos, number + 1)
        buf, at = window.buf, window.pos
        if buf[at:at + 4] == PCAPNG_SHB:
            magic = buf[at + 8:at + 12]
            if magic == b"\x4d\x3c\x2b\x1a":
                endian = "<"
            elif magic == b"\x1a\x2b\x3c\x4d":
                endian = ">"
            else:
                raise DecodeError("pcapng section header has an unknown byte-order magic",
                                  offset=pos + 8, field="byte-order magic")
            interfaces = []
        block_type, total = struct.unpack_from(endian + "II", buf, at)
        if total < 12 or total % 4:
            raise DecodeError(f"pcapng block length {total} is not a multiple of 4 of at least 12",
                              offset=pos + 4, field="block total length")
        if block_type not in _READ_BLOCKS:
            if not window.skip(total - 4) or not window.need(4):
                raise _truncated("a block", pos, number + 1)
            _check_trailer(window.buf, window.pos, endian, total, pos)
            window.pos += 4
            continue
        if total > MAX_BLOCK:
            raise DecodeError(f"a pcapng packet block holds {total} bytes, more than the "
                              f"{MAX_BLOCK} tlskb reads for a packet (a corrupt block length?)",
                              offset=pos + 4, field="block total length")
        if not window.need(total):
            raise _truncated("a block", pos, number + 1)
        buf, at = window.buf, window.pos
        _check_trailer(buf, at + total - 4, endian, total, pos)
        body = memoryview(buf)[at + 8:at + total - 4]
        window.pos += total
        if block_type == 1:  # Interface Description Block
            if len(body) < 8:
                raise DecodeError("pcapng interface description block is too short", offset=pos,
                                  field="IDB")
            linktype = struct.unpack_from(endian + "H", body, 0)[0]
            interfaces.append(_Interface(linktype, _ts_resolution(body[8:], endian)))
        else:
            number += 1
            packet = _pcapng_packet(block_type, body, endian, interfaces, number, pos)
            if packet is not None:
                yield packet


def _check_trailer(buf: bytes, at: int, endian: str, total: int, pos: int) -> None:
    trailer = struct.unpack_from(endian + "I", buf, at)[0]
    if trailer != total:
        raise DecodeError(f"pcapng block lengths disagree ({total} at the start, {trailer} at "
                          "the end)", offset=pos + total - 4, field="block total length")


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
