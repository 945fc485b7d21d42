"""The analyzer's verdicts equal what OpenSSL actually does with the recorded bytes: for every
corpus sample and every key type, and for hundreds of generated ClientHellos (hypothesis).
A disagreement is a bug in the analyzer (or a reference-server fact to document)."""

from __future__ import annotations

import pytest
from hypothesis import example, given, strategies as st

from generator.compat.keytypes import catalogue
from generator.compat.replay import replay
from generator.tls import decode_client_hello
from support.corpus import distinct_corpus
from generator.tls import extensions as ext
from support.hellos import client_hello, record
from support.strategies import reference_hellos, sslv2_hellos
from support.agreement import verdicts_agreeing
from generator.stacks import DEFAULT

KEY_TYPES = catalogue().key_types
SAMPLES = distinct_corpus()  # one per configuration: verdicts follow it


def assert_agree(raw: bytes, hello, label: str):
    return verdicts_agreeing(raw, hello, label, DEFAULT)


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_corpus_sample(sample):
    wire = decode_client_hello(sample.data)
    assert_agree(sample.data, wire.hello, sample.name)


#: counterexamples random exploration (--slow) has found, kept as explicit examples
COUNTEREXAMPLES = [
    # issue 9: compressed-only ec_point_formats (OpenSSL 3.0.22 serves an ECDSA certificate,
    # the pinned 3.5.6 does not; facts.Fact.POINT_FORMATS)
    client_hello([0xC02B], groups=[0x001D, 0x0017], point_formats=[1]),
    # no null compression: illegal_parameter on 3.5.6, decode_error on 3.0
    client_hello([0x1301], compression=(1,), extra=(ext.RenegotiationInfo(b""),
                                                   ext.EmptyExtension(23))),
    # a HelloRetryRequest takes the client's first group of the server's first tuple it lists
    client_hello([0x1301, 0xC0AC, 0x0004], version=0x0302, groups=[0x0101, 0x0016, 0x001A,
                  0x0019, 0x0018, 0x001E], versions=[0x0304, 0x0300], key_shares=[],
                  sigalgs=[0x0503, 0x0601, 0x0501], sigalgs_cert=[0x0503, 0x0601, 0x0501],
                  point_formats=[0]),
    # TLS 1.3: no shared signature scheme is found before extra compression methods
    client_hello([0x1302], groups=[0x0017], versions=[0x0300, 0x3A3A, 0x0304, 0x0303],
                 key_shares=[0x0017], sigalgs=[0x1A1A], compression=(0, 1)),
    # make fuzz: a small-order x25519 share is found only when the secret is derived, after
    # the missing signature_algorithms
    client_hello([0x1301], groups=[0x001D], versions=[0x0304], key_shares=[0x001D],
                 invalid_shares=[0x001D], extra=(ext.RenegotiationInfo(b""),
                                                 ext.EmptyExtension(23))),
    # issue 10's hostile SNIs: a zero byte or more than 255 bytes get unrecognized_name, before
    # any cipher suite is considered; a max_fragment_length code outside 1-4 illegal_parameter
    client_hello([0xC02F], groups=[23], sigalgs=[0x0401], extra=(
        ext.ServerName((ext.ServerNameEntry(0, b"x\x00y.example"),)),)),
    client_hello([0x1301], groups=[29], versions=[0x0304], key_shares=[29], sigalgs=[0x0804],
                 extra=(ext.ServerName((ext.ServerNameEntry(0, b"a" * 256),)),)),
    client_hello([0x0005], version=0x0301, extra=(ext.MaxFragmentLength(255),)),
]


@given(reference_hellos(), st.sampled_from([0x0301, 0x0303, 0x0300]))
@example(COUNTEREXAMPLES[0], 0x0301)
@example(COUNTEREXAMPLES[1], 0x0302)
@example(COUNTEREXAMPLES[2], 0x0301)
@example(COUNTEREXAMPLES[3], 0x0303)
@example(COUNTEREXAMPLES[4], 0x0301)
@example(COUNTEREXAMPLES[5], 0x0301)
@example(COUNTEREXAMPLES[6], 0x0301)
@example(COUNTEREXAMPLES[7], 0x0301)
def test_generated_hellos(hello, record_version):
    assert_agree(record(hello, record_version), hello, repr(hello))


@given(sslv2_hellos())
def test_generated_sslv2_hellos(hello):
    assert_agree(hello.encode(), hello.as_client_hello(), repr(hello))


def test_the_blog_posts_story():
    """Exchange Online's 2019 ClientHello against Postfix with lego's ec384 certificate: the
    handshake fails because supported_groups lists only secp256r1; OpenSSL answers with a fatal
    handshake_failure alert (40) and logs `no shared cipher`, exactly as the blog post shows.
    P-256 and RSA certificates work."""
    exchange = next(s for s in SAMPLES if s.name == "exchange-online-2019-reconstructed")
    verdicts = assert_agree(exchange.data, decode_client_hello(exchange.data).hello, "exchange")
    ec384 = verdicts["ec384"]
    assert not ec384.ok and ec384.fixable
    assert ec384.reason_code == "curve_not_in_supported_groups"
    assert ec384.reason == ("supported_groups lists secp256r1; an ECDSA P-384 certificate needs "
                            "secp384r1 there (RFC 8422 §5.1)")
    assert ec384.alert == 40 and ec384.fields == ("supported_groups",)
    outcome = replay(exchange.data, catalogue().key_type("ec384"))
    assert (outcome.kind, outcome.alert, outcome.library_reason) == ("alert", 40, "no shared cipher")
    assert verdicts["ec256"].ok and verdicts["ec256"].cipher_suite == 0xC02C
    assert verdicts["rsa2048"].ok and verdicts["rsa2048"].cipher_suite == 0xC030
    assert verdicts["ec256"].group == verdicts["rsa2048"].group == 0x0017
