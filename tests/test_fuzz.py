"""Robustness: for any bytes, every parser either returns a value or raises DecodeError — never
another exception, never a hang, never an allocation driven by a length field."""

from __future__ import annotations

import struct
import tracemalloc
from pathlib import Path

from hypothesis import example, given, strategies as st

from generator.errors import DecodeError
from generator.ingest.find import find_client_hellos
from generator.ingest.hexdump import parse_hex_text
from generator.tls import decode_client_hello, decode_server_response
from generator.tls.fingerprint import fingerprints
from generator.tls.jsonview import wire_client_hello_json
from generator.tls.tree import client_hello_tree
from support.corpus import load_corpus
from support.strategies import as_records

SAMPLES = [s.data for s in load_corpus()]
CAPTURE = (Path(__file__).parent / "data" / "captures" / "loopback-clients.pcap").read_bytes()


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


@st.composite
def mutated_samples(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "byte", "u16", "cut", "insert", "delete"]))
        position = draw(st.integers(0, len(data) - 1)) if data else 0
        if not data:
            break
        if kind == "flip":
            data[position] ^= 1 << draw(st.integers(0, 7))
        elif kind == "byte":
            data[position] = draw(st.integers(0, 255))
        elif kind == "u16" and position + 1 < len(data):
            data[position:position + 2] = draw(st.integers(0, 0xFFFF)).to_bytes(2, "big")
        elif kind == "cut":
            del data[position:]
        elif kind == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=8))
        else:
            del data[position:position + draw(st.integers(1, 8))]
    return bytes(data)


@given(mutated_samples())
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
