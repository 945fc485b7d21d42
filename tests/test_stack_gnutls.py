"""The GnuTLS stack: its analyzer agrees with GnuTLS 3.7.9 itself (Debian 12's libgnutls30,
driven in this process) for every corpus sample and key type and for generated hellos; the
issue's Exchange row; hostile bytes never get past a typed error; any other GnuTLS is refused.
Locally without libgnutls30 3.7.9 these skip with the install line; in CI (CI=true) they fail."""

from __future__ import annotations

import random

import pytest
from hypothesis import example, given, strategies as st

from conftest import missing
from generator.compat.keytypes import catalogue
from generator.compat.outcome import AnswerKind
from generator.compat.replay import ReplayUnavailable, replay, replayer
from generator.compat.verdict import Caveat, VerdictKind
from generator.errors import TlskbError
from generator.stacks import StackId
from generator.stacks.gnutls import facts
from generator.stacks.gnutls.replay import check_version
from generator.tls import decode_client_hello
from generator.tls import extensions as ext
from support.corpus import distinct_corpus
from support.hellos import client_hello, record
from support.strategies import as_records, reference_hellos, sslv2_hellos
from support.agreement import verdicts_agreeing

GNUTLS = StackId.GNUTLS
KEY_TYPES = catalogue().key_types
SAMPLES = distinct_corpus()  # one per configuration: verdicts follow it


@pytest.fixture(scope="module", autouse=True)
def gnutls_library():
    try:
        return replayer(GNUTLS)
    except ReplayUnavailable as error:
        missing(str(error))


def assert_agree(raw: bytes, hello, label: str):
    return verdicts_agreeing(raw, hello, label, GNUTLS)


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_corpus_sample(sample):
    assert_agree(sample.data, decode_client_hello(sample.data).hello, sample.name)


def test_exchange_online_ec384_proceeds():
    """The issue's table: GnuTLS answers Exchange Online's 2019 hello with a P-384 certificate,
    signing its ServerKeyExchange ecdsa_secp256r1_sha256 — the client never offered P-384, so
    the verdict is "proceeds" with the curve caveat."""
    exchange = next(s for s in SAMPLES if s.name == "exchange-online-2019-reconstructed")
    verdicts = assert_agree(exchange.data, decode_client_hello(exchange.data).hello, "exchange")
    ec384 = verdicts["ec384"]
    assert ec384.kind is VerdictKind.PROCEEDS
    assert ec384.caveat_code is Caveat.CURVE_NOT_OFFERED and "RFC 8422 §5.1" in ec384.caveat
    assert (ec384.version, ec384.cipher_suite, ec384.signature_scheme) == (0x0303, 0xC02C, 0x0403)
    outcome = replay(exchange.data, catalogue().key_type("ec384"), GNUTLS)
    assert outcome.kind is AnswerKind.SERVER_HELLO
    assert (outcome.cipher_suite, outcome.group, outcome.signature_scheme) == (0xC02C, 0x0017, 0x0403)
    assert verdicts["ec256"].kind is VerdictKind.OK
    assert verdicts["ed25519"].kind is VerdictKind.FAIL and verdicts["ed25519"].alert == 40


#: hellos where GnuTLS's order or leniency differs from OpenSSL's; the first nine each made an
#: earlier draft of the analyzer disagree with the replay
COUNTEREXAMPLES = [
    # a non-empty renegotiation_info is refused only after the suite is chosen, and a
    # HelloRetryRequest comes first (lib/ext/safe_renegotiation.c _gnutls_ext_sr_verify())
    client_hello([0xC013, 0xCCA8], groups=[23], sigalgs=[0x0401],
                 extra=(ext.RenegotiationInfo(b"Z" * 12),)),
    client_hello([0x1301], groups=[23, 29], versions=[0x0304], key_shares=[29],
                 sigalgs=[0x0403, 0x0804], extra=(ext.RenegotiationInfo(b"Z" * 12),)),
    # DHE: the ServerKeyExchange names a prime, not a group
    client_hello([0x0033, 0x002F], groups=[0x0104, 23], sigalgs=[0x0301, 0x0201]),
    # the key share for the candidate group must be valid; others are never read
    client_hello([0x1301], groups=[29], versions=[0x0304], key_shares=[29],
                 invalid_shares=[29], sigalgs=[0x0403, 0x0804, 0x0807]),
    client_hello([0x1301], groups=[29, 23], versions=[0x0304], key_shares=[29, 23],
                 invalid_shares=[23], sigalgs=[0x0403, 0x0804, 0x0807]),
    # pre_shared_key without psk_key_exchange_modes: unsupported_extension
    client_hello([0x1301], groups=[29], versions=[0x0304], key_shares=[29], sigalgs=[0x0804],
                 extra=(ext.PreSharedKey((ext.PskIdentity(b"a", 1),), (b"b" * 32,)),)),
    # max_fragment_length is read even after record_size_limit; status_request's minimum
    client_hello([0xC02F], groups=[23], sigalgs=[0x0401],
                 extra=(ext.MaxFragmentLength(0), ext.RecordSizeLimit(100))),
    client_hello([0x1301], groups=[29], versions=[0x0304], key_shares=[29], sigalgs=[0x0804],
                 extra=(ext.StatusRequest(5, other_request=b"zz"),)),
    # a server name with an underscore: illegal_parameter (only letters, digits, '-', '.')
    client_hello([0xC02F], groups=[23], sigalgs=[0x0401],
                 extra=(ext.ServerName((ext.ServerNameEntry(0, b"a_b.example"),)),)),
    # TLS 1.3 and a usable share for a group the client listed second: HelloRetryRequest
    client_hello([0x1301], groups=[23, 29], versions=[0x0304], key_shares=[29],
                 sigalgs=[0x0403, 0x0804]),
]


@given(reference_hellos(), st.sampled_from([0x0301, 0x0303, 0x0300]))
@example(COUNTEREXAMPLES[0], 0x0301)
@example(COUNTEREXAMPLES[1], 0x0301)
@example(COUNTEREXAMPLES[2], 0x0303)
@example(COUNTEREXAMPLES[3], 0x0301)
@example(COUNTEREXAMPLES[4], 0x0301)
@example(COUNTEREXAMPLES[5], 0x0301)
@example(COUNTEREXAMPLES[6], 0x0301)
@example(COUNTEREXAMPLES[7], 0x0301)
@example(COUNTEREXAMPLES[8], 0x0301)
@example(COUNTEREXAMPLES[9], 0x0301)
def test_generated_hellos(hello, record_version):
    assert_agree(record(hello, record_version), hello, repr(hello))


@given(sslv2_hellos())
def test_generated_sslv2_hellos(hello):
    assert_agree(hello.encode(), hello.as_client_hello(), repr(hello))


def _mutations(seed: int, count: int) -> list[bytes]:
    """Hostile variants of the corpus: byte flips, truncations, inserted bytes, 1-7-byte
    records, leading alerts or ChangeCipherSpec, random bytes."""
    rng = random.Random(seed)
    bases = [s.data for s in SAMPLES if s.data[:1] == b"\x16"]
    out = []
    for _ in range(count):
        data = bytearray(rng.choice(bases))
        kind = rng.randrange(6)
        if kind == 0:
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif kind == 1:
            data = data[:rng.randrange(len(data))]
        elif kind == 2:
            at = rng.randrange(len(data))
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 40)))
        elif kind == 3:
            data = bytearray(as_records(bytes(data[5:]), [rng.randint(1, 7)]))
        elif kind == 4:
            data = bytearray(rng.choice([b"\x15\x03\x03\x00\x02\x01\x00", b"\x14\x03\x03\x00\x01\x01"])) + data
        else:
            data = bytearray(rng.randbytes(rng.randint(0, 600)))
        out.append(bytes(data))
    return out


@pytest.mark.parametrize("seed", [20261129])
def test_mutated_hellos_give_an_answer_or_a_typed_error(seed, request):
    """Mutated hellos through the replayer: every one ends in an outcome or a TlskbError
    (nothing else, and no hang: the handshake loop is bounded by the input's length)."""
    count = 2000 if request.config.getoption("--slow") else 150
    kinds = set()
    for number, raw in enumerate(_mutations(seed, count)):
        key_type = KEY_TYPES[number % len(KEY_TYPES)]
        try:
            kinds.add(replay(raw, key_type, GNUTLS).kind)
        except TlskbError:
            kinds.add("typed error")
    assert {AnswerKind.ALERT, AnswerKind.SERVER_HELLO} <= kinds


def test_a_hello_in_one_byte_records_and_an_endless_one_stay_bounded():
    sample = next(s for s in SAMPLES if s.name == "curl-7.88")
    message = sample.data[5:]
    ec256 = catalogue().key_type("ec256")
    outcome = replay(as_records(message, [1]), ec256, GNUTLS)
    assert outcome.kind is AnswerKind.SERVER_HELLO
    claimed = b"\x01\xff\xff\xff" + bytes(4000)   # a 16 MB hello that never arrives
    assert replay(as_records(claimed, [1]), ec256, GNUTLS).kind is AnswerKind.SILENCE


def test_another_gnutls_is_refused():
    assert check_version(facts.EXPECTED_VERSION) == "3.7.9"
    with pytest.raises(ReplayUnavailable, match=r"GnuTLS 3\.7\.9 .*GnuTLS 3\.8\.3.*apt-get install"):
        check_version("3.8.3")


def test_the_label_names_the_library_and_package(gnutls_library):
    assert gnutls_library.version == "3.7.9" and gnutls_library.stack is GNUTLS
    assert gnutls_library.label.startswith("GnuTLS 3.7.9")
    assert "NORMAL" in gnutls_library.label
