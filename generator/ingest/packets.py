"""From a link-layer frame to a TCP segment: Ethernet (with 802.1Q/802.1ad VLAN tags), Linux
cooked captures SLL and SLL2, BSD loopback, raw IPv4/IPv6; IPv6 extension headers; TCP.
Frames that are not TCP over IP yield None with a reason, for the summary of what was skipped.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

ETHERTYPE_IPV4, ETHERTYPE_IPV6 = 0x0800, 0x86DD
VLAN_ETHERTYPES = (0x8100, 0x88A8, 0x9100)
LINKTYPE_NULL, LINKTYPE_ETHERNET, LINKTYPE_LOOP = 0, 1, 108
LINKTYPE_RAW = (101, 12, 14)
LINKTYPE_IPV4, LINKTYPE_IPV6 = 228, 229
LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2 = 113, 276
#: used for hex frames of unknown link type (tshark -x output)
LINKTYPE_GUESS = -1
_IPV6_EXTENSIONS = (0, 43, 60, 135, 139, 140)  # hop-by-hop, routing, dest-opts, mobility, HIP, shim6


@dataclass(frozen=True, slots=True)
class Segment:
    src: bytes      # packed address (4 or 16 bytes)
    dst: bytes
    sport: int
    dport: int
    seq: int
    flags: int
    payload: bytes
    truncated: bool  # the capture kept fewer bytes than the packet had (snaplen)

    @property
    def syn(self) -> bool:
        return bool(self.flags & 0x02)

    @property
    def fin_or_rst(self) -> bool:
        return bool(self.flags & 0x05)


def endpoint(pair: tuple[str, int]) -> str:
    """"192.0.2.1:25" or "[2001:db8::1]:25"."""
    host, port = pair
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def address_text(packed: bytes, port: int) -> str:
    family = socket.AF_INET if len(packed) == 4 else socket.AF_INET6
    return endpoint((socket.inet_ntop(family, packed), port))


def _ip_from_link(frame: bytes, linktype: int) -> tuple[bytes, int] | str:
    """(IP packet, its start offset) or the reason it is not IP."""
    if linktype == LINKTYPE_ETHERNET:
        return _ethernet(frame)
    if linktype in LINKTYPE_RAW or linktype in (LINKTYPE_IPV4, LINKTYPE_IPV6):
        return frame, 0
    if linktype in (LINKTYPE_NULL, LINKTYPE_LOOP):
        return frame, 4
    if linktype == LINKTYPE_LINUX_SLL:
        if len(frame) < 16:
            return "short Linux cooked header"
        return (frame, 16) if int.from_bytes(frame[14:16], "big") in (ETHERTYPE_IPV4,
                                                                       ETHERTYPE_IPV6) else "not IP"
    if linktype == LINKTYPE_LINUX_SLL2:
        if len(frame) < 20:
            return "short Linux cooked v2 header"
        return (frame, 20) if int.from_bytes(frame[0:2], "big") in (ETHERTYPE_IPV4,
                                                                     ETHERTYPE_IPV6) else "not IP"
    if linktype == LINKTYPE_GUESS:
        return _guess(frame)
    return f"link type {linktype}"


def _ethernet(frame: bytes) -> tuple[bytes, int] | str:
    pos = 12
    while pos + 2 <= len(frame):
        ethertype = (frame[pos] << 8) | frame[pos + 1]
        if ethertype in VLAN_ETHERTYPES:
            pos += 4
            continue
        if ethertype in (ETHERTYPE_IPV4, ETHERTYPE_IPV6):
            return frame, pos + 2
        return "not IP"
    return "short Ethernet header"


def _guess(frame: bytes) -> tuple[bytes, int] | str:
    """A frame of unknown link type: Ethernet, raw IP, or Linux cooked (v2, then v1)."""
    ethernet = _ethernet(frame)
    if not isinstance(ethernet, str):
        return ethernet
    if frame and frame[0] >> 4 in (4, 6):
        return frame, 0
    if len(frame) >= 20 and int.from_bytes(frame[0:2], "big") in (ETHERTYPE_IPV4, ETHERTYPE_IPV6):
        return frame, 20
    if len(frame) >= 16 and int.from_bytes(frame[14:16], "big") in (ETHERTYPE_IPV4, ETHERTYPE_IPV6):
        return frame, 16
    return "not a recognisable Ethernet, IP or Linux cooked frame"


def tcp_segment(frame: bytes, linktype: int) -> Segment | str:
    """The TCP segment in a frame, or a short reason why there is none."""
    found = _ip_from_link(frame, linktype)
    if isinstance(found, str):
        return found
    data, pos = found
    if pos >= len(data):
        return "no IP header"
    version = data[pos] >> 4
    truncated = False
    if version == 4:
        if pos + 20 > len(data):
            return "short IPv4 header"
        header_length = (data[pos] & 0x0F) * 4
        total = (data[pos + 2] << 8) | data[pos + 3]
        if header_length < 20 or total < header_length:
            return "malformed IPv4 header"
        if (data[pos + 6] & 0x3F) or data[pos + 7]:  # MF flag or fragment offset
            return "IPv4 fragment"
        if data[pos + 9] != 6:
            return "not TCP"
        src, dst = data[pos + 12:pos + 16], data[pos + 16:pos + 20]
        end = pos + total
        if end > len(data):
            truncated, end = True, len(data)
        start = pos + header_length
    elif version == 6:
        if pos + 40 > len(data):
            return "short IPv6 header"
        payload_length = (data[pos + 4] << 8) | data[pos + 5]
        next_header = data[pos + 6]
        src, dst = data[pos + 8:pos + 24], data[pos + 24:pos + 40]
        start = pos + 40
        end = start + payload_length
        if end > len(data):
            truncated, end = True, len(data)
        while next_header in _IPV6_EXTENSIONS or next_header == 51:
            if start + 2 > end:
                return "short IPv6 extension header"
            length = (data[start + 1] + 2) * 4 if next_header == 51 else (data[start + 1] + 1) * 8
            next_header = data[start]
            start += length
        if next_header == 44:
            return "IPv6 fragment"
        if next_header != 6:
            return "not TCP"
    else:
        return "not IP"
    if start + 20 > end:
        return "short TCP header"
    offset = (data[start + 12] >> 4) * 4
    if offset < 20 or start + offset > end:
        return "malformed TCP header"
    return Segment(src, dst, (data[start] << 8) | data[start + 1],
                   (data[start + 2] << 8) | data[start + 3],
                   int.from_bytes(data[start + 4:start + 8], "big"), data[start + 13],
                   data[start + offset:end], truncated)


# -- building frames (tests, benchmarks) -------------------------------------------------------------

def ethernet_ipv4_tcp(src: str, dst: str, sport: int, dport: int, seq: int, payload: bytes,
                      flags: int = 0x18, ack: int = 0) -> bytes:
    """An Ethernet/IPv4/TCP frame with correct IPv4 and TCP checksums."""
    src_b, dst_b = socket.inet_aton(src), socket.inet_aton(dst)
    tcp = bytearray(sport.to_bytes(2, "big") + dport.to_bytes(2, "big") + seq.to_bytes(4, "big")
                    + ack.to_bytes(4, "big") + bytes((0x50, flags)) + (65535).to_bytes(2, "big")
                    + bytes(4))
    pseudo = src_b + dst_b + bytes((0, 6)) + (len(tcp) + len(payload)).to_bytes(2, "big")
    tcp[16:18] = _checksum(pseudo + bytes(tcp) + payload).to_bytes(2, "big")
    total = 20 + len(tcp) + len(payload)
    ip = bytearray(bytes((0x45, 0)) + total.to_bytes(2, "big") + bytes(4) + bytes((64, 6))
                   + bytes(2) + src_b + dst_b)
    ip[10:12] = _checksum(bytes(ip)).to_bytes(2, "big")
    ethernet = bytes(6) + bytes(6) + ETHERTYPE_IPV4.to_bytes(2, "big")
    return ethernet + bytes(ip) + bytes(tcp) + payload


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\x00"
    total = sum(int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF
