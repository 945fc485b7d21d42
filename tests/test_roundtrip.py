"""Property-based round trips: generate a ClientHello structure, encode it, decode it, compare.
TLS encodings are canonical, so decode(encode(x)) == x and encode(decode(b)) == b."""

from __future__ import annotations

from hypothesis import given, strategies as st

from generator.tls import decode_client_hello
from generator.tls.messages import SSLv2ClientHello
from generator.tls.records import client_hellos_in_stream
from support.corpus import load_corpus
from support.strategies import as_records, client_hellos


@given(client_hellos())
def test_handshake_message_round_trip(hello):
    message = hello.encode()
    wire = decode_client_hello(message)
    assert wire.hello == hello
    assert wire.wire_format == "handshake" and wire.raw == message


@given(client_hellos(), st.lists(st.integers(1, 700), min_size=1, max_size=4),
       st.sampled_from([0x0300, 0x0301, 0x0303]))
def test_any_record_fragmentation_decodes_the_same(hello, sizes, version):
    message = hello.encode()
    wire = decode_client_hello(as_records(message, sizes, version))
    assert wire.hello == hello
    assert sum(r.length for r in wire.records) == len(message)
    assert all(r.version == version for r in wire.records)


@given(client_hellos(max_extensions=4), st.binary(min_size=0, max_size=3))
def test_stream_decoding_stops_at_the_hello(hello, tail):
    """In a stream, what follows the hello is the client's business, not the hello's."""
    record = as_records(hello.encode(), [])
    found = client_hellos_in_stream(record + b"\x17\x03\x03\x00\x01\x00" + tail)
    assert [w.hello for w, _ in found] == [hello]


@given(st.integers(0x0300, 0x0303),
       st.lists(st.integers(0, 0xFFFFFF), min_size=1, max_size=30).map(tuple),
       st.sampled_from([b"", bytes(range(16))]), st.binary(min_size=16, max_size=32))
def test_sslv2_round_trip(version, specs, session_id, challenge):
    hello = SSLv2ClientHello(version, specs, session_id, challenge)
    wire = decode_client_hello(hello.encode())
    assert wire.sslv2 == hello
    assert wire.hello.cipher_suites == tuple(s for s in specs if s >> 16 == 0)
    assert wire.hello.random.endswith(challenge) and len(wire.hello.random) == 32


def test_corpus_reencodes_byte_for_byte():
    for sample in load_corpus():
        wire = decode_client_hello(sample.data)
        encoded = wire.sslv2.encode() if wire.sslv2 else as_records(
            wire.hello.encode(), [r.length for r in wire.records], wire.records[0].version)
        assert encoded == sample.data, sample.name
