"""Robustness: for any bytes, every parser either returns a value or raises DecodeError — never
another exception, never a hang, never an allocation driven by a length field.

The fuzz targets, one per parser, start from the test corpus and mutate it: the decoder from
the recorded ClientHellos (generator/compat/data/clients/), the hex reader from those hellos in
every dump form and from the recorded logs (tests/data/hexforms/), the capture reader from the
recorded capture (tests/data/captures/) as pcap and pcapng, byte by byte and packet by packet.
By default each runs a short derandomized slice (tests/conftest.py); `make fuzz` (--slow)
explores at random with many more examples."""

from __future__ import annotations

import struct
import tracemalloc
from pathlib import Path

from hypothesis import example, given, strategies as st

from generator.errors import DecodeError
from generator.ingest.find import find_client_hellos
from generator.ingest.hexdump import parse_hex_text, wrap_hex
from generator.ingest.packets import ethernet_ipv4_tcp
from generator.ingest.pcap import read_packets, write_pcap
from generator.tls import decode_client_hello, decode_server_response
from generator.tls.fingerprint import fingerprints
from generator.tls.jsonview import wire_client_hello_json
from generator.tls.records import MAX_CLIENT_FLIGHT
from generator.tls.tree import client_hello_tree
from support import dumps
from support.corpus import load_corpus
from support.frames import write_pcapng
from support.strategies import as_records, mutated

SAMPLES = [s.data for s in load_corpus()]
DATA = Path(__file__).parent / "data"
CAPTURE = (DATA / "captures" / "loopback-clients.pcap").read_bytes()
PACKETS = [(packet.time, packet.data) for packet in read_packets(CAPTURE)]
CAPTURE_NG = write_pcapng(PACKETS)
LOGS = [path.read_text() for path in sorted((DATA / "hexforms").iterdir())]


def reencode(wire) -> bytes:
    if wire.sslv2 is not None:
        return wire.sslv2.encode()
    if not wire.records:
        return wire.hello.encode()
    return as_records(wire.hello.encode(), [r.length for r in wire.records],
                      wire.records[0].version)


def decodes_or_reports(data: bytes) -> None:
    try:
        wire = decode_client_hello(data)
    except DecodeError as error:
        assert error.offset is None or 0 <= error.offset <= len(data)
        assert str(error)
        return
    # Whatever decodes renders, fingerprints and re-encodes to exactly the bytes it came from.
    assert data.startswith(reencode(wire))
    client_hello_tree(wire)
    wire_client_hello_json(wire)
    fingerprints(wire)


@given(mutated(SAMPLES))
def test_mutated_hellos(data):
    decodes_or_reports(data)


@given(st.binary(max_size=600))
@example(b"\x16\x03\x01\xff\xff")
@example(b"\x16\x03\x01\x00\x04\x01\xff\xff\xff")
@example(b"\x80\x03\x01")
@example(b"\x01\x00\x00\x00")
def test_random_bytes(data):
    decodes_or_reports(data)


@given(st.integers(0, len(SAMPLES) - 1), st.data())
def test_every_truncation_is_reported(index, data):
    sample = SAMPLES[index]
    cut = data.draw(st.integers(0, len(sample) - 1))
    try:
        decode_client_hello(sample[:cut])
    except DecodeError as error:
        assert "needs" in error.message or "truncated" in error.message or "exceeds" in error.message \
            or "empty" in error.message or "neither" in error.message
    else:
        raise AssertionError(f"a hello cut at {cut} of {len(sample)} bytes decoded")


@given(st.binary(max_size=300))
def test_server_response_decoder(data):
    try:
        decode_server_response(data)
    except DecodeError:
        pass


@given(st.text(max_size=400))
def test_hex_text(text):
    try:
        parse_hex_text(text)
    except DecodeError:
        pass


@given(st.binary(max_size=400))
@example(b"\x0a\x0d\x0d\x0a" + struct.pack("<II", 28, 0x1A2B3C4D) + bytes(16))
@example(bytes.fromhex("0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c000000"  # if_tsresol
                       "010000001800000001000000ffff00000900010018000000"))  # without its value
def test_find_on_any_input(data):
    try:
        find_client_hellos(data, "fuzz")
    except DecodeError:
        pass


@given(st.data())
def test_mutated_capture(data):
    capture = bytearray(CAPTURE)
    for _ in range(data.draw(st.integers(1, 6))):
        position = data.draw(st.integers(0, len(capture) - 1))
        capture[position] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        del capture[data.draw(st.integers(24, len(capture))):]
    try:
        result = find_client_hellos(bytes(capture), "fuzz.pcap", skip_invalid=data.draw(st.booleans()))
    except DecodeError:
        return
    for found in result.hellos:
        wire_client_hello_json(found.wire)


def test_huge_length_fields_allocate_nothing():
    """Lengths claiming megabytes are refused before any buffer of that size exists."""
    inputs = [
        b"\x16\x03\x01\x40\x00" + b"\x01\xff\xff\xff" + bytes(16380),  # 16 MiB handshake
        struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
        + struct.pack("<IIII", 0, 0, 0xFFFFFFF0, 0xFFFFFFF0),          # 4 GiB packet
        b"\x0a\x0d\x0d\x0a" + struct.pack("<II", 0xFFFFFFF0, 0x1A2B3C4D),  # 4 GiB block
    ]
    for data in inputs:
        tracemalloc.start()
        try:
            find_client_hellos(data, "huge")
        except DecodeError:
            pass
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < 2_000_000, f"peak {peak} bytes for a {len(data)}-byte input"


# -- the hex reader, from the corpus in every form ------------------------------------------------

def _frames(data: bytes) -> list[bytes]:
    return [ethernet_ipv4_tcp("192.0.2.1", "192.0.2.2", 40000, 443, 1 + i, data[i:i + 700])
            for i in range(0, len(data), 700)]


HEX_FORMS = [wrap_hex, dumps.plain_hex, dumps.xxd, dumps.hexdump_c, dumps.od_hex, dumps.bio_dump,
             dumps.postfix_dump, lambda data: dumps.tshark_x(_frames(data)),
             lambda data: ", ".join(f"0x{b:02x}" for b in data),
             lambda data: "".join(f"\\x{b:02x}" for b in data),
             lambda data: dumps.bio_dump(data[:5]) + dumps.bio_dump(data[5:])]
HOSTILE_LINES = ["*", "ffffffff - <SPACES/NULS>", "0000 - <SPACES/NULLS>", "ffffffff",
                 "read from 1 [2] (1 bytes => 4000000000 (0x1))", ">>> TLS 1.3, Handshake",
                 "mail postfix/smtpd[7]: write to 1 [2] (2 bytes => 2 (0x2))", "0000 - 16 03",
                 "# comment", "", "a" * 5000, "0" * 5000, "\\x16", "0x16,", "0000000 0316 0001"]


@st.composite
def mutated_dumps(draw) -> str:
    """A corpus hello (or a recorded log) in some dump form, with lines dropped, repeated or
    swapped, hostile lines inserted, characters replaced, or cut short."""
    if draw(st.integers(0, 4)) == 0:
        text = draw(st.sampled_from(LOGS))
    else:
        text = draw(st.sampled_from(HEX_FORMS))(draw(st.sampled_from(SAMPLES)))
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["drop", "repeat", "swap", "insert", "char", "cut"]))
        if kind == "drop" and len(lines) > 1:
            del lines[index]
        elif kind == "repeat":
            lines.insert(index, lines[index])
        elif kind == "swap" and index + 1 < len(lines):
            lines[index], lines[index + 1] = lines[index + 1], lines[index]
        elif kind == "insert":
            lines.insert(index, draw(st.sampled_from(HOSTILE_LINES)))
        elif kind == "char" and lines[index]:
            column = draw(st.integers(0, len(lines[index]) - 1))
            lines[index] = (lines[index][:column] + draw(st.sampled_from("0f9 *-|:>#\\x\t"))
                            + lines[index][column + 1:])
        elif kind == "cut":
            lines = lines[:index + 1]
    return "\n".join(lines)


@given(mutated_dumps())
def test_mutated_hex_dumps(text):
    """Whatever a dump says, reading it raises only DecodeError, and yields at most what its
    characters spell (two per byte) plus its budget for bytes left unwritten."""
    try:
        blocks = parse_hex_text(text)
    except DecodeError as error:
        assert str(error)
    else:
        assert sum(len(b.data) for b in blocks) <= len(text) // 2 + MAX_CLIENT_FLIGHT + len(text)
    try:
        find_client_hellos(text.encode(), "fuzz.txt", skip_invalid=True)
    except DecodeError:
        pass


# -- the capture reader, packet by packet and as pcapng ---------------------------------------------

@given(st.data())
def test_reordered_capture(data):
    """The recorded capture's packets dropped, repeated, reordered (TCP reassembly, STARTTLS
    detection), some with a byte changed: only DecodeError, and every hello found decodes."""
    indices = data.draw(st.lists(st.integers(0, len(PACKETS) - 1), max_size=len(PACKETS) + 20))
    packets = []
    for index in indices:
        when, frame = PACKETS[index]
        if data.draw(st.integers(0, 9)) == 0 and frame:
            position = data.draw(st.integers(0, len(frame) - 1))
            frame = frame[:position] + bytes([data.draw(st.integers(0, 255))]) + frame[position + 1:]
        packets.append((when, frame))
    writer = data.draw(st.sampled_from([write_pcap, write_pcapng]))
    try:
        result = find_client_hellos(writer(packets), "fuzz.pcap",
                                    skip_invalid=data.draw(st.booleans()))
    except DecodeError:
        return
    for found in result.hellos:
        wire_client_hello_json(found.wire)


@given(st.data())
def test_mutated_pcapng(data):
    capture = bytearray(CAPTURE_NG)
    for _ in range(data.draw(st.integers(1, 6))):
        position = data.draw(st.integers(0, len(capture) - 1))
        capture[position] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        del capture[data.draw(st.integers(12, len(capture))):]
    try:
        result = find_client_hellos(bytes(capture), "fuzz.pcapng")
    except DecodeError:
        return
    for found in result.hellos:
        wire_client_hello_json(found.wire)
