"""The JSSE stack (generator/stacks/jsse): its analyzer agrees with OpenJDK 17's own SSLEngine
for every corpus sample and key type and for generated hellos; the replayer survives hostile
bytes with typed errors only, and refuses a Java it does not pin. Needs Java 17 (17.0.21.1's
java.security features; CI installs default-jdk-headless), skipped locally without it."""

from __future__ import annotations

import random

import pytest
from hypothesis import example, given, strategies as st

from conftest import missing
from generator.compat.analyzer import analyze
from generator.compat.keytypes import catalogue
from generator.compat.outcome import AnswerKind, ReplayOutcome
from generator.compat.replay import ReplayUnavailable, replay
from generator.stacks import StackId
from generator.stacks.jsse import facts
from generator.stacks.jsse import replay as jsse
from generator.tls import decode_client_hello
from generator.tls import extensions as ext
from generator.tls.messages import ClientHello
from support.corpus import distinct_corpus
from support.hellos import client_hello, record
from support.strategies import (GROUPS, LEGACY_SUITES, SCHEMES, SIGNALLING, TLS13_SUITES,
                                VERSIONS, _maybe, _ordered_subset, sslv2_hellos)
from support.agreement import verdicts_agreeing

KEY_TYPES = catalogue().key_types
SAMPLES = distinct_corpus()  # one per configuration: verdicts follow it


@pytest.fixture(scope="module")
def jsse_available():
    try:
        jsse.runtime()
    except ReplayUnavailable as error:
        missing(str(error))


needs_jsse = pytest.mark.usefixtures("jsse_available")


def assert_agree(raw: bytes, hello, label: str):
    return verdicts_agreeing(raw, hello, label, StackId.JSSE)


@needs_jsse
@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_corpus_sample(sample):
    assert_agree(sample.data, decode_client_hello(sample.data).hello, sample.name)


@needs_jsse
@pytest.mark.parametrize("sample", [s for s in SAMPLES if b"\x00\x2b" in s.data][:6],
                         ids=lambda s: s.name)
def test_tls13_certificate_verify_scheme(sample):
    """The TLS 1.3 CertificateVerify travels encrypted; the replayer's signature probe (a
    Signature provider in front of the JDK's) says which scheme JSSE signed with."""
    hello = decode_client_hello(sample.data).hello
    for key_type in KEY_TYPES:
        verdict = analyze(hello, key_type, StackId.JSSE)
        answer = jsse.replay_answer(sample.data, key_type)
        outcome = jsse.to_outcome(key_type, answer)
        if outcome.kind is AnswerKind.SERVER_HELLO and outcome.version == 0x0304:
            assert jsse.signed_scheme(answer) == verdict.signature_scheme, (sample.name,
                                                                            key_type.id)


@needs_jsse
def test_the_blog_posts_row():
    """Issue 11's table: Exchange Online's 2019 hello with an ec384 certificate. Its
    supported_groups lists secp256r1 only; JSSE refuses an ECDSA certificate on another curve
    and has nothing else: handshake_failure (40) before any ServerHello."""
    sample = next(s for s in SAMPLES if s.name == "exchange-online-2019-reconstructed")
    ec384 = next(k for k in KEY_TYPES if k.id == "ec384")
    verdict = analyze(decode_client_hello(sample.data).hello, ec384, StackId.JSSE)
    outcome = replay(sample.data, ec384, StackId.JSSE)
    assert (verdict.ok, verdict.alert, verdict.reason_code, verdict.after_server_hello) == (
        False, 40, "curve_not_in_supported_groups", False)
    assert (outcome.kind, outcome.alert) == (AnswerKind.ALERT, 40)
    assert "no cipher suites in common" in outcome.library_reason


#: host names JSSE accepts and refuses (SNIHostName: UTF-8, IDNA 2003 with STD3 rules, no
#: trailing dot), among them the injection payloads the site's tests put into SNIs
SERVER_NAMES = [b"mail.example.org", b"b\xc3\xbccher.example", b"xn--bcher-kva.example",
                b"example.org.", b"-bad.example", b"bad-.example", b"a" * 64 + b".example",
                b"a" * 63 + b".example", b"<script>alert(1)</script>", b"under_score.example",
                b"\xff\xfe", b"a..b", b"localhost", b"192.0.2.1", b"ex ample.org",
                b"caf\xc3\xa9.example", b"xn--.example"]


@st.composite
def jsse_hellos(draw) -> ClientHello:
    """support.strategies.reference_hellos, narrowed to well-formed extensions. Gaps the JSSE
    analyzer does not model yet, each of which JSSE refuses before anything this test checks:
    duplicate extensions (illegal_parameter), ec_point_formats without uncompressed and a
    non-empty renegotiation_info (unexpected_message), max_fragment_length codes, compression
    other than [null], and invalid key shares. Server names include hostile and odd ones
    (SERVER_NAMES), whose check JSSE makes right after the version."""
    suites = draw(st.lists(st.sampled_from(TLS13_SUITES + LEGACY_SUITES + SIGNALLING),
                           min_size=1, max_size=16, unique=True))
    versions = draw(_maybe(_ordered_subset(VERSIONS, 1, 4), absent_weight=2))
    legacy = draw(st.sampled_from([0x0303] * 6 + [0x0301, 0x0302, 0x0304, 0x0300]))
    groups = draw(_maybe(_ordered_subset(GROUPS, 1, 6)))
    shares = None
    if draw(st.booleans()):
        pool = (groups or []) + ([draw(st.sampled_from(GROUPS))]
                                 if draw(st.integers(0, 9)) == 0 else [])
        shares = draw(st.lists(st.sampled_from(pool), max_size=2, unique=True)) if pool else []
    sigalgs = draw(_maybe(_ordered_subset(SCHEMES, 1, 8)))
    sigalgs_cert = draw(st.one_of(st.none(), st.none(), st.none(), _ordered_subset(SCHEMES, 1, 4)))
    formats = draw(st.sampled_from([None, None, (0,), (0, 1, 2)]))
    extra = [ext.RenegotiationInfo(b""), ext.EmptyExtension(23)]
    if draw(st.integers(0, 3)) == 0:
        extra.append(ext.ServerName(tuple(ext.ServerNameEntry(0, name) for name in draw(
            st.lists(st.sampled_from(SERVER_NAMES), min_size=1, max_size=2)))))
    if draw(st.integers(0, 7)) == 0:
        extra.append(ext.Alpn(draw(st.sampled_from([(b"h2", b"http/1.1"), (b"smtp",)]))))
    hello = client_hello(suites, version=legacy, groups=groups, sigalgs=sigalgs,
                         versions=versions, key_shares=shares, point_formats=formats,
                         sigalgs_cert=sigalgs_cert, extra=tuple(extra))
    order = draw(st.permutations(range(len(hello.extensions))))
    return ClientHello(hello.legacy_version, hello.random, hello.session_id, hello.cipher_suites,
                       hello.compression_methods, tuple(hello.extensions[i] for i in order), True)


#: what exploration found while the analyzer was written, kept as explicit examples
COUNTEREXAMPLES = [
    # TLS 1.3, an empty key_share: the HelloRetryRequest is decided before the signature
    # schemes are weighed (rsa_pkcs1_sha256 alone cannot sign a TLS 1.3 handshake)
    client_hello([0x1302], groups=[0x0016, 0x0102], versions=[0x0304], key_shares=[],
                 sigalgs=[0x0401]),
    # ... but without key_share at all they are weighed first, then key_share is missed
    client_hello([0x1301], groups=[0x001D], versions=[0x0304], sigalgs=[0x0401, 0x0101]),
    client_hello([0x1301], groups=[0x001D], versions=[0x0304], sigalgs=[0x0804]),
    # an empty key_share without supported_groups: the HelloRetryRequest's suite, then group
    client_hello([0x009E], versions=[0x0304], key_shares=[], sigalgs=[0x0804]),
    # supported_groups naming no group JSSE knows: ECDHE falls back to the server's x25519
    client_hello([0xC02F, 0xCCA9], groups=[26], sigalgs=[0x0401]),
    client_hello([0xCCA9, 0xCCA8], groups=[26]),
    # an ECDSA certificate's curve must be listed (RFC 8422 §5.1), the group only JSSE knows
    client_hello([0xC02C, 0xC030], groups=[0x0017, 0x0018], sigalgs=[0x0403, 0x0401, 0x0303]),
    # server names (found by the hostile site build and make fuzz): an empty label is refused
    # like a trailing dot; the TLS 1.3 legacy_version check comes before the names are read
    client_hello([0x1301], extra=(ext.ServerName((ext.ServerNameEntry(0, b"a..b"),)),)),
    client_hello([0x1301], version=0x0301, versions=[0x0304], extra=(ext.ServerName((
        ext.ServerNameEntry(0, b"mail.example.org"),
        ext.ServerNameEntry(0, b"mail.example.org"))),)),
]


@needs_jsse
@given(jsse_hellos(), st.sampled_from([0x0301, 0x0303]))
@example(COUNTEREXAMPLES[0], 0x0301)
@example(COUNTEREXAMPLES[1], 0x0301)
@example(COUNTEREXAMPLES[2], 0x0301)
@example(COUNTEREXAMPLES[3], 0x0301)
@example(COUNTEREXAMPLES[4], 0x0301)
@example(COUNTEREXAMPLES[5], 0x0303)
@example(COUNTEREXAMPLES[6], 0x0301)
@example(COUNTEREXAMPLES[7], 0x0303)
@example(COUNTEREXAMPLES[8], 0x0301)
def test_generated_hellos(hello, record_version):
    assert_agree(record(hello, record_version), hello, repr(hello))


@needs_jsse
@given(sslv2_hellos(versions=(0x0300, 0x0301, 0x0303), sslv2_specs=False, max_suites=8))
def test_sslv2_hellos_are_refused(hello):
    assert_agree(hello.encode(), hello.as_client_hello(), repr(hello))


# -- hostile input -------------------------------------------------------------------------------

def _mutate(raw: bytes, rng: random.Random) -> bytes:
    data = bytearray(raw)
    how = rng.randrange(6)
    if how == 0:
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif how == 1:
        del data[rng.randrange(1, len(data)):]
    elif how == 2:
        data += bytes(rng.randrange(256) for _ in range(rng.randint(1, 300)))
    elif how == 3:
        at = rng.randrange(len(data) - 1)
        data[at:at + 2] = rng.choice([b"\xff\xff", b"\x00\x00", b"\x7f\xff"])
    elif how == 4:
        data = bytearray(rng.randbytes(rng.randint(1, 600)))
    else:
        data = data[:5] + data[5:] * rng.randint(2, 4)
    return bytes(data)


@needs_jsse
@pytest.mark.parametrize("count", [pytest.param(120, id="quick")])
def test_hostile_hellos_give_outcomes_or_typed_errors(count, request):
    """Mutated corpus hellos, deterministically: every answer is a decoded outcome or a
    JsseError (timeout, helper death), never another exception; the helper keeps serving."""
    total = count * (20 if request.config.getoption("--slow") else 1)
    rng = random.Random(11)
    items = [(_mutate(rng.choice(SAMPLES).data, rng), rng.choice(KEY_TYPES))
             for _ in range(total)]
    answers = jsse.replay_many(items)
    assert len(answers) == len(items)
    assert all(isinstance(a, (ReplayOutcome, jsse.JsseError)) for a in answers)
    assert sum(isinstance(a, jsse.JsseError) for a in answers) <= total // 20
    sample = SAMPLES[0]
    assert replay(sample.data, KEY_TYPES[0], StackId.JSSE).ok   # still serving


# -- the version check ---------------------------------------------------------------------------

def _report(**changes) -> dict:
    report = {"ok": True, "java_specification_version": "17", "java.version": "17.0.21.1",
              "java.runtime.version": "17.0.21.1+2-1-deb12u1-Debian",
              "java.vm.name": "OpenJDK 64-Bit Server VM", "provider": "SunJSSE 17",
              "handshake_signature_scope": True,
              "enabled_cipher_suites": list(facts.SERVER_CIPHER_SUITES),
              "enabled_protocols": list(facts.ENABLED_PROTOCOLS), **facts.SECURITY_PROPERTIES}
    report.update(changes)
    return report


def test_version_check_accepts_the_pinned_configuration():
    assert jsse.check_configuration(_report()).version == "17.0.21.1"


@needs_jsse
def test_the_runtime_is_named_with_its_exact_version():
    assert jsse.runtime().version.startswith("17.")
    assert jsse.label().startswith(("OpenJDK 17.", "Java 17."))


@pytest.mark.parametrize("changes,words", [
    ({"java_specification_version": "21"}, "needs Java 17"),
    ({"handshake_signature_scope": False}, "HandshakeSignature"),
    ({"jdk.tls.disabledAlgorithms": "SSLv3"}, "jdk.tls.disabledAlgorithms"),
    ({"enabled_cipher_suites": ["TLS_AES_128_GCM_SHA256"]}, "other cipher suites"),
])
def test_version_check_refuses(changes, words):
    with pytest.raises(ReplayUnavailable, match=words):
        jsse.check_configuration(_report(**changes))
