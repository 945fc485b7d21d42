"""The decoder's error messages name the field, the offset and what was expected."""

from __future__ import annotations

import pytest

from generator.errors import DecodeError
from generator.tls import decode_client_hello, decode_server_response
from generator.tls.messages import ServerHello
from generator.tls.reader import Reader
from support.corpus import load_corpus

SAMPLES = {s.name: s.data for s in load_corpus()}
ANDROID = SAMPLES["android-7.0-native"]


def mutate(data: bytes, offset: int, value: bytes) -> bytes:
    return data[:offset] + value + data[offset + len(value):]


def test_odd_cipher_suites_length_names_field_and_offset():
    # record(5) + handshake header(4) + version(2) + random(32) + session id length(1) = 44
    with pytest.raises(DecodeError) as caught:
        decode_client_hello(mutate(ANDROID, 44, b"\x00\x19"))
    assert caught.value.field == "cipher_suites"
    assert caught.value.offset == 44
    assert str(caught.value) == "cipher_suites length 0x0019 is odd at offset 44"


@pytest.mark.parametrize("offset,value,message", [
    (3, b"\x00\x9e", "record of length 158 is truncated: only 157 bytes follow its header"),
    (6, b"\x00\x00\x9a", "the handshake message needs 1 more bytes than its records hold"),
    (6, b"\x00\x00\x98", "extensions length 88 (0x0058) exceeds the 87 bytes that remain"),
    (0, b"\x17", "input starts with 0x17, which begins neither a TLS handshake record"),
    (5, b"\x02", "handshake message type 2 (server_hello) is not a ClientHello (1)"),
    (43, b"\x21", "legacy_session_id length 33 is outside the allowed <0..32>"),
    (1, b"\x04", "record version 0x0401 is not SSL 3.0 or TLS 1.0-1.3"),
    (3, b"\x00\x00", "zero-length handshake record"),
    (70, b"\x00\x00", "legacy_compression_methods length 0 is outside the allowed <1..255>"),
])
def test_messages(offset, value, message):
    with pytest.raises(DecodeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        decode_client_hello(mutate(ANDROID, offset, value))


def test_extension_body_must_be_consumed_exactly():
    # supported_groups is the last extension: 000a 0004 0002 0017 -> declare 1 group in 4 bytes
    data = ANDROID[:-4] + b"\x00\x01\x00\x17"
    with pytest.raises(DecodeError, match=r"supported_groups named_group_list length 0x0001 is odd"):
        decode_client_hello(data)


def test_extension_longer_than_extensions_block():
    data = ANDROID[:-6] + b"\x00\x05" + ANDROID[-4:]
    with pytest.raises(DecodeError, match=r"extension 10 \(supported_groups\) length 5 .* exceeds "
                                          r"the 4 bytes that remain"):
        decode_client_hello(data)


def test_trailing_garbage_after_record_is_reported():
    with pytest.raises(DecodeError, match="bytes after the ClientHello record are not complete "
                                          "TLS records"):
        decode_client_hello(ANDROID + b"garbage")


def test_complete_records_after_hello_are_accepted():
    change_cipher_spec = bytes.fromhex("140303000101")
    assert decode_client_hello(ANDROID + change_cipher_spec).raw == ANDROID


def test_offsets_of_fragmented_hello_point_into_the_input():
    """A hello cut into two records: an error in the second fragment reports the input offset."""
    body = ANDROID[5:]
    first, second = body[:100], body[100:]
    data = (b"\x16\x03\x01" + len(first).to_bytes(2, "big") + first
            + b"\x16\x03\x01" + len(second).to_bytes(2, "big") + second)
    bad = bytearray(data)
    bad[-3] = 0x05  # supported_groups list length 2 -> 5 (odd and too long)
    with pytest.raises(DecodeError) as caught:
        decode_client_hello(bytes(bad))
    assert caught.value.offset == len(bad) - 4


def test_reader_vector_bounds():
    reader = Reader(b"\x00\x03ab")
    with pytest.raises(DecodeError, match="x length 3 \\(0x0003\\) exceeds the 2 bytes that remain"):
        reader.vector(2, "x")


def test_server_hello_and_alert():
    alert = decode_server_response(bytes.fromhex("15030300020228"))
    assert alert.alert.level == 2 and alert.alert.description == 40 and alert.server_hello is None
    hello = ServerHello(0x0303, bytes(32), b"", 0xC02F, 0, ())
    record = b"\x16\x03\x03" + len(hello.encode()).to_bytes(2, "big") + hello.encode()
    assert decode_server_response(record).server_hello == hello


def test_bytes_after_the_extensions_inside_the_message():
    body = ANDROID[5:] + b"\x00"
    body = body[:1] + (len(body) - 4).to_bytes(3, "big") + body[4:]
    data = b"\x16\x03\x01" + len(body).to_bytes(2, "big") + body
    with pytest.raises(DecodeError, match="1 unexpected byte after the end of ClientHello at "
                                          f"offset {len(data) - 1}"):
        decode_client_hello(data)
