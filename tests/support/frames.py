"""Frame builders for synthetic captures: TCP over IPv4/IPv6, Ethernet (optionally VLAN-tagged),
Linux cooked SLL/SLL2, and helpers to cut a byte stream into segments."""

from __future__ import annotations

import socket
import struct

from generator.ingest.packets import _checksum, ethernet_ipv4_tcp


def tcp_header(sport: int, dport: int, seq: int, flags: int, src: bytes, dst: bytes,
               payload: bytes) -> bytes:
    tcp = bytearray(struct.pack(">HHIIBBHHH", sport, dport, seq, 0, 0x50, flags, 65535, 0, 0))
    proto_len = len(tcp) + len(payload)
    if len(src) == 4:
        pseudo = src + dst + bytes((0, 6)) + proto_len.to_bytes(2, "big")
    else:
        pseudo = src + dst + proto_len.to_bytes(4, "big") + bytes((0, 0, 0, 6))
    tcp[16:18] = _checksum(pseudo + bytes(tcp) + payload).to_bytes(2, "big")
    return bytes(tcp)


def ipv6_tcp(src: str, dst: str, sport: int, dport: int, seq: int, payload: bytes,
             flags: int = 0x18, hop_by_hop: bool = False) -> bytes:
    """A raw IPv6 packet, optionally with a hop-by-hop extension header before TCP."""
    s, d = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
    tcp = tcp_header(sport, dport, seq, flags, s, d, payload) + payload
    extension = bytes((6, 0, 1, 4, 0, 0, 0, 0)) if hop_by_hop else b""  # PadN option
    next_header = 0 if hop_by_hop else 6
    header = struct.pack(">IHBB", 0x60000000, len(extension) + len(tcp), next_header, 64) + s + d
    return header + extension + tcp


def ethernet(ip_packet: bytes, vlans: tuple[int, ...] = (), ethertype: int = 0x0800) -> bytes:
    tags = b"".join(struct.pack(">HH", 0x8100, vid) for vid in vlans)
    return bytes(6) + bytes(6) + tags + ethertype.to_bytes(2, "big") + ip_packet


def linux_sll(ip_packet: bytes, ethertype: int = 0x0800) -> bytes:
    """LINKTYPE_LINUX_SLL (113): 16-byte cooked header."""
    return struct.pack(">HHH8sH", 0, 772, 6, bytes(8), ethertype) + ip_packet


def linux_sll2(ip_packet: bytes, ethertype: int = 0x0800) -> bytes:
    """LINKTYPE_LINUX_SLL2 (276): 20-byte cooked header."""
    return struct.pack(">HHIHBB8s", ethertype, 0, 1, 772, 0, 6, bytes(8)) + ip_packet


def strip_ethernet(frame: bytes) -> bytes:
    return frame[14:]


def segments(stream: bytes, sizes: list[int]) -> list[tuple[int, bytes]]:
    """Cut a stream into (offset, chunk) pieces of the given sizes (the rest in the last)."""
    out, offset = [], 0
    for size in sizes:
        if offset >= len(stream):
            break
        out.append((offset, stream[offset:offset + size]))
        offset += size
    if offset < len(stream):
        out.append((offset, stream[offset:]))
    return out


def connection_frames(stream: bytes, sizes: list[int], *, sport: int = 50000, dport: int = 443,
                      isn: int = 1000, syn: bool = True, src: str = "192.0.2.10",
                      dst: str = "192.0.2.20") -> list[bytes]:
    """Ethernet/IPv4 frames of one client stream: an optional SYN, then the data segments."""
    frames = []
    if syn:
        frames.append(ethernet_ipv4_tcp(src, dst, sport, dport, isn, b"", flags=0x02))
    for offset, chunk in segments(stream, sizes):
        frames.append(ethernet_ipv4_tcp(src, dst, sport, dport, (isn + 1 + offset) % 2**32, chunk))
    return frames


def conversation_frames(turns: list[tuple[str, bytes]], *, client: str = "192.0.2.10",
                        server: str = "192.0.2.20", sport: int = 50000, dport: int = 25) -> list[bytes]:
    """Both directions of one TCP connection: handshake, then each ("c"|"s", bytes) turn."""
    seq = {"c": 1000, "s": 8000}
    frames = [ethernet_ipv4_tcp(client, server, sport, dport, seq["c"], b"", flags=0x02),
              ethernet_ipv4_tcp(server, client, dport, sport, seq["s"], b"", flags=0x12,
                                ack=seq["c"] + 1)]
    seq = {"c": seq["c"] + 1, "s": seq["s"] + 1}
    for side, payload in turns:
        if side == "c":
            frames.append(ethernet_ipv4_tcp(client, server, sport, dport, seq["c"], payload,
                                            ack=seq["s"]))
        else:
            frames.append(ethernet_ipv4_tcp(server, client, dport, sport, seq["s"], payload,
                                            ack=seq["c"]))
        seq[side] += len(payload)
    return frames


def write_pcapng(packets: list[tuple[float, bytes]], linktype: int = 1) -> bytes:
    """A little-endian pcapng (draft-ietf-opsawg-pcapng §4) of (time, frame) pairs: a Section
    Header, one Interface Description with microsecond timestamps, an Enhanced Packet each."""
    def block(kind: int, body: bytes) -> bytes:
        body += bytes(-len(body) % 4)
        length = 12 + len(body)
        return struct.pack("<II", kind, length) + body + struct.pack("<I", length)
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    tsresol = struct.pack("<HHB3x", 9, 1, 6) + struct.pack("<HH", 0, 0)
    out += block(1, struct.pack("<HHI", linktype, 0, 262144) + tsresol)
    for when, frame in packets:
        micros = int(round(when * 1e6))
        out += block(6, struct.pack("<IIIII", 0, micros >> 32, micros & 0xFFFFFFFF, len(frame),
                                    len(frame)) + frame)
    return out
