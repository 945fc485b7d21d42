"""pcap/pcapng ingest: TCP reassembly (split, out of order, overlapping, wrapped, SYN-less),
link layers, STARTTLS, record fragmentation, HelloRetryRequest; checked against tshark where
tshark can decode the same capture, and against the known bytes everywhere."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest

from generator.errors import DecodeError
from generator.ingest.find import find_client_hellos
from generator.ingest.packets import ethernet_ipv4_tcp
from generator.ingest.pcap import write_pcap
from support.corpus import load_corpus
from support.frames import (connection_frames, conversation_frames, ethernet, ipv6_tcp, linux_sll, linux_sll2,
                            strip_ethernet)

from conftest import require_tool

SAMPLES = {s.name: s.data for s in load_corpus()}
CURL = SAMPLES["curl-7.88"]            # 517 bytes, TLS 1.3 with GREASE-free extensions
JAVA = SAMPLES["java-17-jsse"]
ANDROID = SAMPLES["android-7.0-native"]
SERVER_HELLO_RECORD = bytes.fromhex(
    "160303003102000031030300000000000000000000000000000000000000000000000000000000000000"
    "0000c02f000009ff0100010000170000")


def pcap_of(frames: list[bytes], linktype: int = 1) -> bytes:
    return write_pcap([(1_700_000_000.0 + i / 100, frame) for i, frame in enumerate(frames)],
                      linktype)


def hellos(data: bytes, **kwargs) -> list:
    return list(find_client_hellos(data, "test.pcap", **kwargs).hellos)


def tshark_raw_hellos(tshark: str, tmp_path: Path, data: bytes, *options: str) -> int:
    path = tmp_path / "capture.pcap"
    path.write_bytes(data)
    command = [tshark, "-r", str(path), "-n", "-o", "tcp.reassemble_out_of_order:TRUE",
               *options, "-Y", "tls.handshake.type == 1", "-T", "fields", "-e", "frame.number"]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)
    return len(out.stdout.split())


def fragment_records(hello_record: bytes, size: int) -> bytes:
    """Re-cut a one-record ClientHello into TLS records of at most `size` bytes (RFC 8446 §5.1)."""
    version, body = hello_record[1:3], hello_record[5:]
    return b"".join(b"\x16" + version + len(body[i:i + size]).to_bytes(2, "big") + body[i:i + size]
                    for i in range(0, len(body), size))


# -- TCP reassembly --------------------------------------------------------------------------------

def test_hello_split_across_three_segments(tshark, tmp_path):
    data = pcap_of(connection_frames(CURL, [100, 200]))
    found = hellos(data)
    assert [f.wire.raw for f in found] == [CURL]
    assert found[0].origin.packet == 2  # the first data segment (packet 1 is the SYN)
    assert tshark_raw_hellos(tshark, tmp_path, data) == 1


def test_out_of_order_segments(tshark, tmp_path):
    frames = connection_frames(CURL, [100, 200])
    data = pcap_of([frames[0], frames[3], frames[1], frames[2]])
    assert [f.wire.raw for f in hellos(data)] == [CURL]
    assert tshark_raw_hellos(tshark, tmp_path, data) == 1


def test_retransmitted_and_overlapping_segments():
    syn = ethernet_ipv4_tcp("192.0.2.10", "192.0.2.20", 50000, 443, 999, b"", flags=0x02)
    pieces = [(0, CURL[:100]), (50, CURL[50:250]), (0, CURL[:100]), (250, CURL[250:]),
              (250, CURL[250:])]
    frames = [syn] + [ethernet_ipv4_tcp("192.0.2.10", "192.0.2.20", 50000, 443, 1000 + off, chunk)
                      for off, chunk in pieces]
    assert [f.wire.raw for f in hellos(pcap_of(frames))] == [CURL]


def test_capture_without_syn_and_late_first_segment():
    frames = connection_frames(CURL, [100, 200], syn=False)
    assert [f.wire.raw for f in hellos(pcap_of([frames[1], frames[0], frames[2]]))] == [CURL]


def test_sequence_numbers_wrap_around():
    frames = connection_frames(CURL, [60, 60, 60], isn=2**32 - 100)
    assert [f.wire.raw for f in hellos(pcap_of(frames))] == [CURL]


def test_many_interleaved_connections_in_first_packet_order(tshark, tmp_path):
    streams = [connection_frames([CURL, JAVA, ANDROID][i % 3], [90], sport=40000 + i)
               for i in range(60)]
    frames = [frame for group in zip(*streams) for frame in group]  # round-robin interleaving
    data = pcap_of(frames)
    found = hellos(data)
    assert [f.wire.raw for f in found] == [[CURL, JAVA, ANDROID][i % 3] for i in range(60)]
    assert [f.origin.packet for f in found] == sorted(f.origin.packet for f in found)
    assert tshark_raw_hellos(tshark, tmp_path, data) == 60


def test_port_reuse_gives_two_connections():
    first = connection_frames(CURL, [600], isn=5000)
    second = connection_frames(JAVA, [600], isn=900000)
    assert [f.wire.raw for f in hellos(pcap_of(first + second))] == [CURL, JAVA]


def test_server_direction_is_not_mistaken_for_a_client():
    client = connection_frames(ANDROID, [600])
    server = [ethernet_ipv4_tcp("192.0.2.20", "192.0.2.10", 443, 50000, 7000, SERVER_HELLO_RECORD)]
    found = hellos(pcap_of(client + server))
    assert len(found) == 1 and found[0].origin.where.startswith("TCP 192.0.2.10:50000")


# -- link layers and IP versions -------------------------------------------------------------------

@pytest.mark.parametrize("linktype,wrap", [
    (1, lambda ip: ethernet(ip, vlans=(10, 20))),        # 802.1Q inside 802.1Q
    (101, lambda ip: ip),                               # LINKTYPE_RAW
    (113, linux_sll),                                   # tcpdump -i any (older)
    (276, linux_sll2),                                  # tcpdump -i any (libpcap >= 1.10)
    (0, lambda ip: struct.pack("<I", 2) + ip),          # BSD loopback, AF_INET host order
], ids=["vlan-qinq", "raw-ip", "linux-sll", "linux-sll2", "bsd-loopback"])
def test_link_layers(tshark, tmp_path, linktype, wrap):
    frames = [wrap(strip_ethernet(f)) for f in connection_frames(CURL, [200])]
    data = pcap_of(frames, linktype)
    assert [f.wire.raw for f in hellos(data)] == [CURL]
    assert tshark_raw_hellos(tshark, tmp_path, data) == 1


def test_ipv6_with_extension_header(tshark, tmp_path):
    src, dst = "2001:db8::1", "2001:db8::2"
    frames = [ethernet(ipv6_tcp(src, dst, 50000, 443, 1000, b"", flags=0x02, hop_by_hop=True),
                       ethertype=0x86DD)]
    for offset in (0, 250):
        chunk = CURL[offset:offset + 250] if offset == 0 else CURL[offset:]
        frames.append(ethernet(ipv6_tcp(src, dst, 50000, 443, 1001 + offset, chunk,
                                        hop_by_hop=True), ethertype=0x86DD))
    data = pcap_of(frames)
    found = hellos(data)
    assert [f.wire.raw for f in found] == [CURL]
    assert found[0].origin.where == "TCP [2001:db8::1]:50000 → [2001:db8::2]:443"
    assert tshark_raw_hellos(tshark, tmp_path, data) == 1


# -- file formats ------------------------------------------------------------------------------------

@pytest.mark.parametrize("out_format", ["pcapng", "nsecpcap"])
def test_formats_written_by_editcap(tmp_path, out_format):
    editcap = require_tool("editcap", "tshark")
    source = Path(__file__).parent / "data" / "captures" / "loopback-clients.pcap"
    target = tmp_path / f"converted.{out_format}"
    subprocess.run([editcap, "-F", out_format, str(source), str(target)], check=True, timeout=60)
    original = hellos(source.read_bytes())
    converted = hellos(target.read_bytes())
    assert [f.wire.raw for f in converted] == [f.wire.raw for f in original]
    assert [f.origin.packet for f in converted] == [f.origin.packet for f in original]
    assert all(abs(a.origin.time - b.origin.time) < 2e-6 for a, b in zip(converted, original))


def test_big_endian_pcap():
    frames = connection_frames(CURL, [300])
    big = bytearray(struct.pack(">IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for i, frame in enumerate(frames):
        big += struct.pack(">IIII", 1_700_000_000 + i, 0, len(frame), len(frame)) + frame
    assert [f.wire.raw for f in hellos(bytes(big))] == [CURL]


# -- STARTTLS ----------------------------------------------------------------------------------------

STARTTLS_PREFIXES = {
    "smtp": (25, b"EHLO client.example\r\nSTARTTLS\r\n"),
    "lmtp": (24, b"LHLO client.example\r\nSTARTTLS\r\n"),
    "imap": (143, b"a001 CAPABILITY\r\na002 STARTTLS\r\n"),
    "pop3": (110, b"CAPA\r\nSTLS\r\n"),
    "ftp": (21, b"AUTH TLS\r\n"),
    "xmpp": (5222, b"<?xml version='1.0'?><stream:stream to='example.com' version='1.0' "
                   b"xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
                   b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"),
    "postgres": (5432, bytes.fromhex("0000000804d2162f")),
}


@pytest.mark.parametrize("protocol", sorted(STARTTLS_PREFIXES))
def test_starttls_on_standard_port(protocol):
    port, prefix = STARTTLS_PREFIXES[protocol]
    frames = connection_frames(prefix + CURL, [len(prefix) // 2, len(prefix) // 2 + 40], dport=port)
    found = hellos(pcap_of(frames))
    assert [f.wire.raw for f in found] == [CURL]
    assert found[0].origin.starttls == protocol
    assert found[0].origin.offset == len(prefix)


DIALOGUES = {
    "smtp": [("s", b"220 mx.example ESMTP\r\n"), ("c", b"EHLO client.example\r\n"),
             ("s", b"250-mx.example\r\n250 STARTTLS\r\n"), ("c", b"STARTTLS\r\n"),
             ("s", b"220 2.0.0 Ready to start TLS\r\n")],
    "imap": [("s", b"* OK IMAP4rev1 ready\r\n"), ("c", b"a001 CAPABILITY\r\n"),
             ("s", b"* CAPABILITY IMAP4rev1 STARTTLS\r\na001 OK done\r\n"),
             ("c", b"a002 STARTTLS\r\n"), ("s", b"a002 OK Begin TLS negotiation now\r\n")],
    "pop3": [("s", b"+OK POP3 ready\r\n"), ("c", b"CAPA\r\n"), ("s", b"+OK\r\nSTLS\r\n.\r\n"),
             ("c", b"STLS\r\n"), ("s", b"+OK Begin TLS negotiation\r\n")],
}


@pytest.mark.parametrize("protocol", sorted(DIALOGUES))
def test_starttls_on_any_port_agrees_with_tshark(tshark, tmp_path, protocol):
    """A whole dialogue (both directions) on port 2525: tshark, told the protocol, and tlskb,
    told nothing, find the same hello."""
    turns = DIALOGUES[protocol] + [("c", ANDROID[:80]), ("c", ANDROID[80:])]
    data = pcap_of(conversation_frames(turns, dport=2525))
    found = hellos(data)
    assert [f.wire.raw for f in found] == [ANDROID] and found[0].origin.starttls == protocol
    dissector = {"pop3": "pop"}.get(protocol, protocol)
    assert tshark_raw_hellos(tshark, tmp_path, data, "-d", f"tcp.port==2525,{dissector}") == 1


def test_plaintext_without_upgrade_is_not_tls():
    frames = connection_frames(b"GET / HTTP/1.1\r\nHost: example\r\n\r\n" + bytes(range(256)), [500])
    with pytest.raises(DecodeError, match="no ClientHello found .*none starting a TLS ClientHello"):
        hellos(pcap_of(frames))


# -- record layer inside a capture ---------------------------------------------------------------

def test_hello_fragmented_across_tls_records(tshark, tmp_path):
    stream = fragment_records(CURL, 100)
    data = pcap_of(connection_frames(stream, [333]))
    found = hellos(data)
    assert len(found) == 1 and len(found[0].wire.records) == 6
    assert found[0].wire.hello.encode() == CURL[5:]
    assert tshark_raw_hellos(tshark, tmp_path, data) == 1


def test_second_hello_after_hello_retry_request():
    change_cipher_spec = bytes.fromhex("140303000101")
    stream = SAMPLES["openssl-3.0-default"] + change_cipher_spec + CURL
    found = hellos(pcap_of(connection_frames(stream, [400])))
    assert [f.wire.raw for f in found] == [SAMPLES["openssl-3.0-default"], CURL]
    assert [f.origin.second for f in found] == [False, True]


# -- what goes wrong, said precisely -----------------------------------------------------------------

def test_truncated_capture_file_is_reported():
    data = pcap_of(connection_frames(CURL, [200]))
    with pytest.raises(DecodeError, match=r"cut short.*capture file ends early"):
        hellos(data[:-10])


def test_missing_segment_is_reported_with_its_offset():
    frames = connection_frames(CURL, [100, 100])
    with pytest.raises(DecodeError, match=r"TCP 192.0.2.10:50000 → 192.0.2.20:443.*segment is "
                                          r"missing at stream offset 100"):
        hellos(pcap_of([frames[0], frames[1], frames[3]]))


def test_snaplen_truncation_is_reported():
    frame = connection_frames(CURL, [600])[1]
    cut = frame[:200]
    capture = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 200, 1))
    capture += struct.pack("<IIII", 1, 0, len(cut), len(frame)) + cut
    with pytest.raises(DecodeError, match=r"snaplen.*tcpdump -s 0"):
        hellos(bytes(capture))


def test_malformed_hello_fails_or_is_skipped_on_request():
    bad = bytearray(ANDROID)
    bad[44] ^= 0x01  # cipher_suites length becomes odd
    frames = (connection_frames(bytes(bad), [600], sport=40001)
              + connection_frames(JAVA, [600], sport=40002))
    with pytest.raises(DecodeError, match=r"TCP 192.0.2.10:40001.*cipher_suites"):
        hellos(pcap_of(frames))
    result = find_client_hellos(pcap_of(frames), "x.pcap", skip_invalid=True)
    assert [f.wire.raw for f in result.hellos] == [JAVA]
    assert len(result.skipped) == 1 and "40001" in str(result.skipped[0])


def test_garbage_that_starts_like_pcap():
    with pytest.raises(DecodeError):
        hellos(b"\xd4\xc3\xb2\xa1" + bytes(10))


def test_capture_made_by_text2pcap(tmp_path):
    """text2pcap (Wireshark's own tool) wraps a hex dump in Ethernet/IPv4/TCP headers."""
    text2pcap = require_tool("text2pcap", "tshark")
    dump = tmp_path / "hello.txt"
    dump.write_text("".join(f"{i:06x} {' '.join(f'{b:02x}' for b in CURL[i:i + 16])}\n"
                            for i in range(0, len(CURL), 16)))
    capture = tmp_path / "hello.pcap"
    subprocess.run([text2pcap, "-q", "-T", "50000,443", str(dump), str(capture)], check=True,
                   timeout=60)
    found = hellos(capture.read_bytes())
    assert [f.wire.raw for f in found] == [CURL]
    assert found[0].origin.where == "TCP 10.1.1.1:50000 → 10.2.2.2:443"  # text2pcap defaults
