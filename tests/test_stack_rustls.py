"""The rustls stack: its analyzer's verdicts equal what rustls 0.23.45 (aws-lc-rs, inside the
pinned rtls wheel) does with the same bytes — every corpus sample × every key type, and
generated ClientHellos (hypothesis); the issue's Exchange row; the replayer survives hostile
input with typed errors only; and it refuses any rustls but the pinned one."""

from __future__ import annotations

import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import example, given, settings, strategies as st

from conftest import missing
from generator.compat.certs import certified_key, chain_scheme
from generator.compat.keytypes import catalogue
from generator.compat.outcome import AnswerKind
from generator.compat.replay import ReplayUnavailable, replay
from generator.compat.verdict import Caveat, VerdictKind
from generator.errors import TlskbError
from generator.stacks import StackId, analyzer
from generator.stacks.rustls import facts
from generator.stacks.rustls import replay as rustls_replay
from generator.stacks.rustls.analyzer import is_dns_name
from generator.tls import decode_client_hello
from generator.tls import extensions as ext
from support.corpus import distinct_corpus
from support.hellos import client_hello, record
from support.strategies import (as_records, mutated, reference_hellos,
                                sslv2_hellos)
from support.agreement import agreement


ROOT = Path(__file__).resolve().parent.parent
KEY_TYPES = catalogue().key_types
SAMPLES = distinct_corpus()  # one per configuration: verdicts follow it
RUSTLS = StackId.RUSTLS
analyze = analyzer(RUSTLS)


@pytest.fixture(scope="module", autouse=True)
def rustls_available():
    """The pinned rustls, or a skip with the install line (a failure in CI)."""
    try:
        rustls_replay.replayer()
    except ReplayUnavailable as error:
        missing(str(error))


def assert_agree(raw: bytes, hello, label: str):
    return agreement(raw, hello, label, RUSTLS)


# -- (1) the corpus ------------------------------------------------------------------------------

@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_corpus_sample(sample):
    assert_agree(sample.data, decode_client_hello(sample.data).hello, sample.name)


def test_the_corpus_shows_each_kind_of_answer():
    """The corpus exercises every way rustls answers, so the differential above is not
    agreeing on one kind alone: ok, proceeds (curve not offered), an alert, nothing at all
    (TLS 1.2, a key whose scheme is not offered), and an encrypted alert after the TLS 1.3
    ServerHello (decrypted with the key log)."""
    kinds = set()
    for sample in SAMPLES:
        hello = decode_client_hello(sample.data).hello
        for key_type in KEY_TYPES:
            verdict = analyze(hello, key_type)
            outcome = replay(sample.data, key_type, RUSTLS)
            kinds.add((verdict.kind, outcome.kind, verdict.alert, outcome.alert))
    assert (VerdictKind.OK, AnswerKind.SERVER_HELLO, None, None) in kinds
    assert (VerdictKind.PROCEEDS, AnswerKind.SERVER_HELLO, None, None) in kinds
    assert (VerdictKind.FAIL, AnswerKind.ALERT, 40, 40) in kinds
    assert (VerdictKind.FAIL, AnswerKind.ALERT, 50, 50) in kinds         # SSL 2.0 format
    assert (VerdictKind.FAIL, AnswerKind.SILENCE, None, None) in kinds
    assert (VerdictKind.FAIL, AnswerKind.FAILED_AFTER_SERVER_HELLO, 40, 40) in kinds


def test_tls13_signature_scheme_is_read_from_the_decrypted_flight():
    """rustls chooses the CertificateVerify scheme after its ServerHello; the replay opens
    the flight with the key log's secret, so the scheme is the library's, not a guess."""
    sample = next(s for s in SAMPLES if s.name == "openssl-3.0-ecdsa-sigalgs")
    outcome = replay(sample.data, catalogue().key_type("ec384"), RUSTLS)
    assert (outcome.kind, outcome.version, outcome.signature_scheme) == (
        AnswerKind.SERVER_HELLO, 0x0304, 0x0503)
    failed = replay(sample.data, catalogue().key_type("ed25519"), RUSTLS)
    assert (failed.kind, failed.alert) == (AnswerKind.FAILED_AFTER_SERVER_HELLO, 40)
    assert failed.library_reason == "peer is incompatible: NoSignatureSchemesInCommon"


# -- (2) the table row ---------------------------------------------------------------------

def test_exchange_2019_with_p384_proceeds():
    """Issue 11's table: the Exchange 2019 hello against a P-384 certificate. rustls never
    compares the certificate's curve with supported_groups (secp256r1 only): it answers in
    TLS 1.2 and signs the ServerKeyExchange with the key's own scheme,
    ecdsa_secp384r1_sha384 (never P-384 with SHA-256, unlike GnuTLS and Go) — a proceeds
    verdict, since the client may refuse a curve it did not offer (RFC 8422 §5.1)."""
    exchange = next(s for s in SAMPLES if s.name == "exchange-online-2019-reconstructed")
    verdicts = assert_agree(exchange.data, decode_client_hello(exchange.data).hello, "exchange")
    verdict, outcome = verdicts["ec384"]
    assert verdict.kind is VerdictKind.PROCEEDS
    assert verdict.caveat_code is Caveat.CURVE_NOT_OFFERED
    assert "secp384r1" in verdict.caveat and "RFC 8422 §5.1" in verdict.caveat
    assert (verdict.version, verdict.cipher_suite, verdict.group, verdict.signature_scheme) == (
        0x0303, 0xC02C, 0x0017, 0x0503)
    assert (outcome.kind, outcome.version, outcome.group, outcome.signature_scheme) == (
        AnswerKind.SERVER_HELLO, 0x0303, 0x0017, 0x0503)
    # the Ed25519 key's scheme is not offered: rustls fails without sending a byte
    ed25519, silent = verdicts["ed25519"]
    assert (ed25519.ok, ed25519.alert, ed25519.reason_code) == (
        False, None, "no_signature_scheme_for_key")
    assert (silent.kind, silent.library_reason) == (AnswerKind.SILENCE,
                                                    "unexpected error: incompatible signing key")
    assert verdicts["ec256"][0].kind is verdicts["rsa2048"][0].kind is VerdictKind.OK


# -- (3) generated hellos --------------------------------------------------------------------------

S = ext.ServerName
N = ext.ServerNameEntry
TLS13 = dict(groups=[29], sigalgs=[0x0403], versions=[0x0304], key_shares=[29])
#: what building the analyzer found, kept as explicit examples (each was a disagreement once)
COUNTEREXAMPLES = [
    # a duplicate extension: illegal_parameter while decoding, before anything else
    client_hello([0x1301], compression=(1,), **TLS13,
                 extra=(ext.EmptyExtension(23), ext.EmptyExtension(23))),
    # decoding goes in wire order: the empty host name comes before the duplicate
    client_hello([0x1301], **TLS13, extra=(S((N(0, b""),)), ext.EmptyExtension(23),
                                           ext.EmptyExtension(23))),
    # a name of another type first: rustls stops reading, finds no host name: illegal_parameter
    client_hello([0x1301], **TLS13, extra=(S((N(2, b"\xff\xfe"),)),)),
    # a label over 63 bytes is no DNS name; an IP literal counts as no server_name at all
    client_hello([0x1301], **TLS13, extra=(S((N(0, b"a" * 64),)),)),
    client_hello([0x1301], **TLS13, extra=(S((N(0, b"192.0.2.1"),)),)),
    # null compression is checked before server_name and signature_algorithms
    client_hello([0x1301], groups=[29], versions=[0x0304], key_shares=[29], compression=(1,),
                 extra=(S((N(2, b"x"),)),)),
    # TLS 1.3 compression other than [null]: after the suite, before the key share
    client_hello([0x1301], groups=[29], sigalgs=[0x0403], versions=[0x0304], key_shares=[],
                 compression=(0, 1)),
    # a share for another group both support still gets a HelloRetryRequest
    client_hello([0x1301], groups=[29, 23], sigalgs=[0x0403], versions=[0x0304],
                 key_shares=[23]),
    # two shares for one group, even one the server does not choose
    client_hello([0x1301], groups=[29, 23], sigalgs=[0x0403], versions=[0x0304],
                 key_shares=[23, 23]),
    # a small-order x25519 share, found before the signature scheme
    client_hello([0x1301], groups=[29], sigalgs=[0x0201], versions=[0x0304], key_shares=[29],
                 invalid_shares=[29]),
    # TLS 1.2 without supported_groups: no implicit P-256
    client_hello([0xC02B, 0xC02F], sigalgs=[0x0403, 0x0401]),
    # TLS 1.2, compressed points only: illegal_parameter, after the suite
    client_hello([0xC02B], groups=[29], sigalgs=[0x0201], point_formats=[1]),
    # offering TLS 1.3 without a TLS 1.3 suite: no fallback to TLS 1.2
    client_hello([0xC02B], groups=[29], sigalgs=[0x0403], versions=[0x0304, 0x0303],
                 key_shares=[29]),
    # an ECDSA key with only another curve's scheme offered: nothing at all in TLS 1.2
    client_hello([0xC02B], groups=[23], sigalgs=[0x0503]),
    # signature_algorithms_cert restricts nothing in rustls: proceeds with the caveat
    client_hello([0x1301], **{**TLS13, "sigalgs": [0x0403, 0x0804]}, sigalgs_cert=[0x0807]),
]


@given(reference_hellos(), st.sampled_from([0x0301, 0x0303, 0x0300]))
@example(COUNTEREXAMPLES[0], 0x0301)
@example(COUNTEREXAMPLES[1], 0x0301)
@example(COUNTEREXAMPLES[2], 0x0301)
@example(COUNTEREXAMPLES[3], 0x0301)
@example(COUNTEREXAMPLES[4], 0x0301)
@example(COUNTEREXAMPLES[5], 0x0301)
@example(COUNTEREXAMPLES[6], 0x0301)
@example(COUNTEREXAMPLES[7], 0x0301)
@example(COUNTEREXAMPLES[8], 0x0301)
@example(COUNTEREXAMPLES[9], 0x0301)
@example(COUNTEREXAMPLES[10], 0x0303)
@example(COUNTEREXAMPLES[11], 0x0301)
@example(COUNTEREXAMPLES[12], 0x0301)
@example(COUNTEREXAMPLES[13], 0x0300)
@example(COUNTEREXAMPLES[14], 0x0301)
def test_generated_hellos(hello, record_version):
    assert_agree(record(hello, record_version), hello, repr(hello))


@given(sslv2_hellos(sslv2_specs=False))
def test_generated_sslv2_hellos(hello):
    """rustls reads TLS records only: an SSL 2.0-format hello is a decode_error."""
    verdicts = assert_agree(hello.encode(), hello.as_client_hello(), repr(hello))
    assert {v.reason_code for v, _ in verdicts.values()} == {"sslv2_format"}


def test_dns_name_syntax_follows_rustls_pki_types():
    """The cases of rustls-pki-types' own validation test (server_name.rs)."""
    cases = {b"localhost": True, b"LOCALHOST": True, b".localhost": False, b"1.2.3.4": False,
             b"absolute.": True, b"absolute..": False, b"infix-hyphen-allowed.com": True,
             b"-prefixhypheninvalid.com": False, b"suffixhypheninvalid-.com": False,
             b"_prefixunderscorevalid.com": True, b"numeric-only-final-label.1": False,
             b"1.2.3.4.com": True, b"a" * 63 + b".com": True, b"a" * 64 + b".com": False,
             b"a." * 126 + b"a": True, b"a." * 126 + b"ab": False, b"": False, b".": False}
    assert {name: is_dns_name(name) for name in cases} == cases


# -- (4) hostile input -----------------------------------------------------------------------------

def _replays_or_reports(data: bytes) -> None:
    for key_type in (KEY_TYPES[0], KEY_TYPES[5], KEY_TYPES[7]):
        try:
            outcome = replay(data, key_type, RUSTLS)
        except TlskbError as error:   # typed: the server's answer did not decode
            assert str(error)
            continue
        assert outcome.kind in AnswerKind


#: a short deterministic slice by default; `make fuzz` (--slow) explores 5000 at random
HOSTILE = settings(max_examples=40 if settings().max_examples <= 300 else settings().max_examples)


@HOSTILE
@given(mutated([s.data for s in SAMPLES]))
@example(b"")
@example(b"\x16\x03\x01\x00\x00")
@example(b"\x16\x03\x01\x00\x04\x01\x01\x00\x00")   # a ClientHello of 65,536 bytes, announced
@example(b"\x80\x2e\x01\x03\x01")
def test_mutated_hellos_through_the_replayer(data):
    _replays_or_reports(data)


def test_hellos_in_tiny_records_and_a_large_hello():
    """A hello in one-byte records is read; a 64 KB hello in one-byte records overflows
    rustls' message buffer (it answers nothing: "message buffer full"); the same hello in
    full records is served. All bounded, all typed."""
    ec256 = catalogue().key_type("ec256")
    small = client_hello([0x1301], **TLS13).encode()
    outcome = replay(as_records(small, [1]), ec256, RUSTLS)
    assert (outcome.kind, outcome.signature_scheme) == (AnswerKind.SERVER_HELLO, 0x0403)
    large = client_hello([0x1301], **TLS13, extra=(ext.Padding(bytes(64000)),)).encode()
    overflow = replay(as_records(large, [1]), ec256, RUSTLS)
    assert (overflow.kind, overflow.library_reason) == (
        AnswerKind.SILENCE, "read_tls failed: message buffer full")
    assert replay(as_records(large, [16384]), ec256, RUSTLS).kind is AnswerKind.SERVER_HELLO


def test_an_incomplete_hello_is_silence_with_the_reason():
    raw = record(client_hello([0x1301], **TLS13))
    outcome = replay(raw[:40], KEY_TYPES[0], RUSTLS)
    assert outcome.kind is AnswerKind.SILENCE
    assert "incomplete" in outcome.library_reason


# -- (5) the version check -------------------------------------------------------------------------

@pytest.mark.parametrize("found", [("0.23.44", "aws-lc-rs", "1.18.1"),
                                   ("0.23.45", "ring", "0.17.14"),
                                   ("0.23.45", "aws-lc-rs", "1.18.2")])
def test_another_rustls_or_provider_is_refused(monkeypatch, found):
    native = SimpleNamespace(rustls_version=lambda: found[0], crypto_provider=lambda: found[1],
                             crypto_provider_version=lambda: found[2])
    monkeypatch.setattr(rustls_replay, "_bindings",
                        lambda: (SimpleNamespace(__version__="2099.1.1"), native))
    rustls_replay.library_version.cache_clear()
    rustls_replay.replayer.cache_clear()
    try:
        with pytest.raises(ReplayUnavailable) as refused:
            rustls_replay.replayer()
    finally:
        rustls_replay.library_version.cache_clear()
        rustls_replay.replayer.cache_clear()
    message = str(refused.value)
    assert "rustls 0.23.45" in message and "aws-lc-rs 1.18.1" in message
    assert f"rustls {found[0]} with {found[1]} {found[2]}" in message
    assert "pip install --only-binary=:all: 'rtls==2026.9.21'" in message


def test_a_missing_rtls_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "rtls", None)
    with pytest.raises(ReplayUnavailable, match=r"pip install --only-binary=:all: 'rtls==2026\.9\.21'"):
        rustls_replay._bindings()


def test_the_pinned_library_is_what_runs():
    replayer = rustls_replay.replayer()
    assert replayer.stack is RUSTLS and replayer.version == facts.PINNED_RUSTLS
    assert replayer.library == "rustls 0.23.45 (aws-lc-rs 1.18.1, rtls 2026.9.21)"
    assert metadata.version("rtls") == facts.PINNED_RTLS
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert f"rtls=={facts.PINNED_RTLS}" in project["dependencies"]
    assert re.search(r"--only-binary=\S*rtls", (ROOT / "Makefile").read_text())


def test_issuer_schemes_name_the_certificates_replay_serves():
    """The issuer schemes the caveat uses (certs.chain_scheme) match certs.py's issuers."""
    names = {"rsa": "sha256WithRSAEncryption", "ecdsa": "ecdsa-with-SHA384", "ed25519": "ed25519"}
    for key_type in KEY_TYPES:
        credentials = certified_key(key_type.algorithm, key_type.size, key_type.curve)
        assert credentials.issuer_signature == names[key_type.algorithm]
    assert {a: chain_scheme(a) for a in names} == {"rsa": 0x0401, "ecdsa": 0x0503,
                                                   "ed25519": 0x0807}
