"""The Go crypto/tls stack: its analyzer's verdicts equal what Go's own tls.Server (go1.19,
Debian 12's golang-go; generator/stacks/go/) does with the same bytes — for every corpus sample
× key type, for generated hellos (hypothesis, derandomized by the default profile) and the
counterexamples found on the way; the issue's table row; hostile input through the replayer;
and the release check. Without golang-go these tests skip locally and fail in CI (CI=true)."""

from __future__ import annotations

import os
import signal
import stat

import pytest
from hypothesis import example, given, settings, strategies as st

from conftest import missing
from generator.compat.certs import certified_key, chain_signature
from generator.compat.keytypes import catalogue
from generator.compat.outcome import AnswerKind
from generator.compat.replay import ReplayUnavailable, replay
from generator.compat.verdict import Caveat, VerdictKind
from generator.errors import TlskbError
from generator.stacks import StackId, analyzer
from generator.stacks.go import facts
from generator.stacks.go import replay as go_replay
from generator.tls import decode_client_hello
from generator.tls import extensions as ext
from support.corpus import distinct_corpus
from support.hellos import client_hello, record
from support.strategies import (RECORD_MUTATIONS, mutated, reference_hellos,
                                sslv2_hellos)
from support.agreement import verdicts_agreeing

KEY_TYPES = catalogue().key_types
SAMPLES = distinct_corpus()  # one per configuration: verdicts follow it
analyze = analyzer(StackId.GO)


@pytest.fixture(scope="module", autouse=True)
def go_stack():
    """The Go replayer, or a skip (a failure in CI) saying what to install."""
    try:
        return go_replay.replayer()
    except ReplayUnavailable as error:
        missing(str(error))


def assert_agree(raw: bytes, hello, label: str):
    return verdicts_agreeing(raw, hello, label, StackId.GO)


# -- (1) the corpus ----------------------------------------------------------------------------------

@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_corpus_sample(sample):
    assert_agree(sample.data, decode_client_hello(sample.data).hello, sample.name)


# -- (2) the table row -----------------------------------------------------------------------

def test_exchange_2019_with_p384_proceeds():
    """Exchange Online's 2019 hello × a P-384 certificate: Go answers (TLS 1.2, ECDHE over
    secp256r1) and signs the ServerKeyExchange with ecdsa_secp256r1_sha256 using the P-384 key,
    although supported_groups lists secp256r1 only — the verdict proceeds, with the caveat."""
    exchange = next(s for s in SAMPLES if s.name == "exchange-online-2019-reconstructed")
    verdicts = assert_agree(exchange.data, decode_client_hello(exchange.data).hello, "exchange")
    ec384 = verdicts["ec384"]
    assert ec384.kind is VerdictKind.PROCEEDS
    assert ec384.caveat_code is Caveat.CURVE_NOT_OFFERED and "RFC 8422 §5.1" in ec384.caveat
    assert (ec384.version, ec384.cipher_suite, ec384.group, ec384.signature_scheme) == (
        0x0303, 0xC02B, 0x0017, 0x0403)
    outcome = replay(exchange.data, catalogue().key_type("ec384"), StackId.GO)
    assert outcome.kind is AnswerKind.SERVER_HELLO
    assert (outcome.group, outcome.signature_scheme) == (0x0017, 0x0403)
    assert verdicts["ec256"].kind is VerdictKind.OK
    # Ed25519: Go picks an ECDHE_ECDSA suite, sends ServerHello and Certificate, then alert 40
    ed25519 = verdicts["ed25519"]
    assert not ed25519.ok and ed25519.after_server_hello and ed25519.alert == 40
    outcome = replay(exchange.data, catalogue().key_type("ed25519"), StackId.GO)
    assert outcome.kind is AnswerKind.FAILED_AFTER_SERVER_HELLO and outcome.alert == 40


# -- (3) generated hellos ----------------------------------------------------------------------------

#: what Go's parser refuses, or decides on, that reference_hellos rarely holds
GO_EXTRAS = [
    ext.EmptyExtension(42),                                    # early_data
    ext.RawExtension(18, b"\x00"),                             # SCT with data
    ext.ServerName((ext.ServerNameEntry(0, b"mail.example.org."),)),
    ext.ServerName((ext.ServerNameEntry(0, b"a.example"), ext.ServerNameEntry(0, b"b"))),
    ext.ServerName((ext.ServerNameEntry(1, b"x"), ext.ServerNameEntry(0, b"a.example"))),
    ext.RawExtension(10, b"\x00\x00"),                         # empty supported_groups
    ext.RawExtension(11, b"\x00"),                             # empty ec_point_formats
    ext.RawExtension(13, b"\x00\x00"),                         # empty signature_algorithms
    ext.RawExtension(5, b"\x02\x00"),                          # status_request: Go wants 2 vectors
    ext.RawExtension(5, b"\x01\x00\x00\x00\x00"),
    ext.Cookie(b"\x01"),
    ext.Alpn((b"h2", b"http/1.1")),
]
GO_GROUPS = [0x001D, 0x0017, 0x0018, 0x0019] * 2 + [0x001E, 0x0100, 0x11EC, 0x2A2A]
GO_SCHEMES = [0x0403, 0x0503, 0x0603, 0x0807, 0x0804, 0x0805, 0x0806, 0x0809, 0x0401, 0x0501,
              0x0601, 0x0201, 0x0203, 0x0303, 0x1A1A]
GO_SUITES = [0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0xC009,
             0xC013, 0xC00A, 0xC014, 0x009C, 0x009D, 0x002F, 0x0035, 0x000A, 0xC012, 0xC023,
             0xC027, 0x003C, 0x0005, 0x009E, 0x0A0A]


def _often(draw, in_ten: int) -> bool:
    return draw(st.sampled_from([True] * in_ten + [False] * (10 - in_ten)))


@st.composite
def well_formed_hellos(draw):
    """Hellos Go mostly answers, so that its choices (TLS 1.3 groups and HelloRetryRequests,
    signature schemes by curve, TLS 1.2 suites by key type) are tested, not only its refusals:
    TLS 1.3 (supported_versions, key shares, sometimes none) or TLS 1.0-1.2, the groups,
    schemes and suites Go knows among a few it does not, now and then one of GO_EXTRAS or
    TLS_FALLBACK_SCSV."""
    tls13 = _often(draw, 6)
    suites = draw(st.lists(st.sampled_from(GO_SUITES), min_size=1, max_size=10, unique=True))
    if tls13 and not set(suites) & facts.TLS13_SUITES and _often(draw, 9):
        suites.insert(draw(st.integers(0, len(suites))), draw(st.sampled_from(GO_SUITES[:3])))
    if _often(draw, 1):
        suites.append(facts.FALLBACK_SCSV)
    groups = (draw(st.lists(st.sampled_from(GO_GROUPS), min_size=1, max_size=5, unique=True))
              if _often(draw, 9) else None)
    sigalgs = (draw(st.lists(st.sampled_from(GO_SCHEMES), min_size=1, max_size=6, unique=True))
               if _often(draw, 9) else None)
    sigalgs_cert = (draw(st.lists(st.sampled_from(GO_SCHEMES), min_size=1, max_size=3,
                                  unique=True)) if _often(draw, 2) else None)
    formats = draw(st.sampled_from([None, None, (0,), (0, 1), (1,)]))
    versions = shares = None
    legacy = draw(st.sampled_from([0x0303, 0x0303, 0x0302, 0x0301]))
    if tls13:
        legacy = 0x0303
        versions = draw(st.sampled_from([[0x0304, 0x0303], [0x0304], [0x3A3A, 0x0304, 0x0303],
                                         [0x0303, 0x0304], [0x7F1C, 0x0304, 0x0302]]))
        pool = (groups or []) + ([draw(st.sampled_from(GO_GROUPS[:4]))] if _often(draw, 2) else [])
        least = 1 if _often(draw, 8) else 0
        shares = (draw(st.lists(st.sampled_from(pool), min_size=least, max_size=2, unique=True))
                  if pool else [])
    extra = [ext.RenegotiationInfo(b"")]
    extra += draw(st.lists(st.sampled_from(GO_EXTRAS), max_size=1)) if _often(draw, 2) else []
    hello = client_hello(suites, version=legacy, groups=groups, sigalgs=sigalgs,
                         versions=versions, key_shares=shares, point_formats=formats,
                         sigalgs_cert=sigalgs_cert, extra=tuple(extra))
    order = draw(st.permutations(range(len(hello.extensions))))
    return type(hello)(hello.legacy_version, hello.random, hello.session_id, hello.cipher_suites,
                       hello.compression_methods, tuple(hello.extensions[i] for i in order), True)


def go_hellos():
    """reference_hellos (refusals of every kind) and well_formed_hellos (Go's choices)."""
    return st.one_of(reference_hellos(), well_formed_hellos())


#: shapes where Go departs from the RFCs or from OpenSSL; each fails the analyzer when the Go
#: rule named in its comment is taken out
COUNTEREXAMPLES = [
    # supported_versions lists TLS 1.2 before TLS 1.3: Go takes the client's order
    client_hello([0x1301, 0xC02F], groups=[0x001D], versions=[0x0303, 0x0304], key_shares=[0x001D],
                 sigalgs=[0x0804, 0x0403]),
    # TLS_FALLBACK_SCSV in a TLS 1.2 hello: Go compares legacy_version with TLS 1.3
    client_hello([0xC02F, 0x5600], groups=[0x0017], sigalgs=[0x0401]),
    # a key share for a group supported_groups does not list is taken (x25519 first)
    client_hello([0x1301], groups=[0x0018], versions=[0x0304], key_shares=[0x001D],
                 sigalgs=[0x0804, 0x0503, 0x0807]),
    # TLS 1.2 with only ecdsa_secp256r1_sha256: RSA keys get ServerHello, Certificate, alert 40
    client_hello([0xC02F, 0xC02B], groups=[0x0017], sigalgs=[0x0403]),
    # no common curve: RSA falls back to RSA key exchange, which needs no signature
    client_hello([0xC02F, 0x009C], groups=[0x0100], sigalgs=[0x0403]),
    # a host name with a trailing dot: Go's parser refuses the whole message
    client_hello([0x1301], groups=[0x001D], versions=[0x0304], key_shares=[0x001D],
                 sigalgs=[0x0804], extra=(ext.ServerName((ext.ServerNameEntry(0, b"a.example."),)),)),
    # TLS 1.0 with an Ed25519 key: a suite by key type, then no legacy signature for it
    client_hello([0xC009, 0x002F], version=0x0301, groups=[0x0017]),
    # TLS 1.3 without a key share for any listed group: a HelloRetryRequest, before the key
    client_hello([0x1301], groups=[0x0017, 0x001D], versions=[0x0304], key_shares=[],
                 sigalgs=[0x0403]),
]


@given(go_hellos(), st.sampled_from([0x0301, 0x0303, 0x0300]))
@example(COUNTEREXAMPLES[0], 0x0301)
@example(COUNTEREXAMPLES[1], 0x0301)
@example(COUNTEREXAMPLES[2], 0x0303)
@example(COUNTEREXAMPLES[3], 0x0301)
@example(COUNTEREXAMPLES[4], 0x0301)
@example(COUNTEREXAMPLES[5], 0x0301)
@example(COUNTEREXAMPLES[6], 0x0301)
@example(COUNTEREXAMPLES[7], 0x0303)
def test_generated_hellos(hello, record_version):
    assert_agree(record(hello, record_version), hello, repr(hello))


@given(sslv2_hellos(sslv2_specs=False, max_suites=8))
@settings(max_examples=30)
def test_sslv2_hellos_are_refused(hello):
    """Go refuses the SSL 2.0 record format outright (protocol_version), whatever it offers."""
    verdicts = assert_agree(hello.encode(), hello.as_client_hello(), repr(hello))
    assert all(v.alert == facts.ALERT_PROTOCOL_VERSION for v in verdicts.values())


# -- (4) hostile input -------------------------------------------------------------------------------


HOSTILE = [b"", b"\x16", b"\x16\x03\x01\xff\xff", b"\x80\x03\x01", b"\x16\x03\x01\x00\x00" * 1000,
           b"\x14\x03\x03\x00\x01\x01" * 1000, b"\x16\x03\x01\x00\x04\x01\xff\xff\xff",
           bytes(1 << 16), bytes(go_replay.MAX_INPUT + 1)]


def replays_or_reports(data: bytes, key_type) -> None:
    try:
        outcome = replay(data, key_type, StackId.GO)
    except TlskbError as error:
        assert str(error)
        return
    assert outcome.kind in AnswerKind


@given(mutated([s.data for s in SAMPLES], RECORD_MUTATIONS), st.sampled_from(KEY_TYPES))
@settings(max_examples=max(20, settings().max_examples // 5))
def test_mutated_hellos_get_an_answer_or_a_typed_error(data, key_type):
    replays_or_reports(data, key_type)


@pytest.mark.parametrize("data", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_flights(data):
    replays_or_reports(data, catalogue().key_type("ec256"))


def test_a_dead_helper_is_restarted():
    sample = SAMPLES[0].data
    ec256 = catalogue().key_type("ec256")
    first = replay(sample, ec256, StackId.GO)
    os.kill(go_replay._helper.process.pid, signal.SIGKILL)
    go_replay._helper.process.wait()
    assert replay(sample, ec256, StackId.GO) == first


# -- (5) the release check ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["go version go1.22.5 linux/amd64", "go version go1.20 linux/amd64",
                                  "go version go1.190 linux/amd64", "no go here"])
def test_another_go_release_is_refused(text):
    with pytest.raises(ReplayUnavailable, match="go1.19"):
        go_replay.check_release(text)


def test_go119_patch_releases_are_accepted():
    assert go_replay.check_release("go version go1.19.13 linux/arm64") == "go1.19.13"


def test_the_toolchain_on_path_is_checked(tmp_path, monkeypatch):
    fake = tmp_path / "go"
    fake.write_text("#!/bin/sh\necho 'go version go1.24.1 linux/amd64'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    go_replay.toolchain.cache_clear()
    try:
        with pytest.raises(ReplayUnavailable, match="go1.24.1.*golang-go"):
            go_replay.toolchain()
    finally:
        go_replay.toolchain.cache_clear()


def test_chain_signatures_match_the_certificates():
    """The chain signature Go's caveat names (certs.chain_signature) is the one certs.py
    really puts on each chain."""
    for key_type in KEY_TYPES:
        credentials = certified_key(key_type.algorithm, key_type.size, key_type.curve)
        assert chain_signature(key_type.algorithm) == credentials.issuer_signature
