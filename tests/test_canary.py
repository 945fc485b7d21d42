"""Canaries: which side of each known OpenSSL change the pinned library is on.

Every fact in facts.VERSIONED (behaviour that differs between OpenSSL releases) has a crafted
ClientHello here whose answer tells the two sides apart. The pinned library must give the
answer facts.py says it gives, and the analyzer must model it; when a bump of the pin moves a
fact, its canary fails and names the fact, what the library now answers and what to update.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from generator.compat.analyzer import analyze
from generator.compat.keytypes import catalogue
from generator.stacks.openssl import pinned
from generator.stacks.openssl.facts import CIPHER_STRING, VERSIONED, Fact
from generator.stacks.openssl.pinned import library_version
from generator.compat.outcome import ReplayOutcome
from generator.compat.proof import disagreements
from generator.compat.replay import replay
from generator.tls import extensions as ext
from generator.tls import ffdhe
from generator.tls.messages import ClientHello
from support.hellos import client_hello, key_share_value, record

KEYS = {k.id: k for k in catalogue().key_types}
ALL = [0x0403, 0x0503, 0x0603, 0x0807, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601]


def _with_share(hello: ClientHello, group: int, value: bytes) -> ClientHello:
    """`hello` with its key_share replaced by one entry of the given bytes."""
    extensions = tuple(ext.KeyShare((ext.KeyShareEntry(group, value),))
                       if isinstance(e, ext.KeyShare) else e for e in hello.extensions)
    return ClientHello(hello.legacy_version, hello.random, hello.session_id,
                       hello.cipher_suites, hello.compression_methods, extensions, True)


def _tls13(groups, shares, sigalgs=ALL, compression=(0,)) -> ClientHello:
    return client_hello([0x1301], groups=groups, versions=[0x0304], key_shares=shares,
                        sigalgs=sigalgs, compression=compression)


@dataclass(frozen=True)
class Canary:
    hello: ClientHello
    key_type: str
    pinned: str          # the pinned side, in ReplayOutcome.describe() words (a prefix)
    elsewhere: str       # the other side, as observed on a release there (for the message)
    reason_code: str | None = None     # the analyzer's, where the alert alone cannot tell
    cipher_string: str = CIPHER_STRING  # another configuration of the pinned library


CANARIES = {
    Fact.POINT_FORMATS: Canary(
        client_hello([0xC02B], groups=[29, 23], sigalgs=[0x0403], point_formats=[1]), "ec256",
        "alert handshake_failure (40)",
        "TLS 1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (3.0.22, 4.0.2)"),
    Fact.HYBRID_GROUP: Canary(
        _tls13([0x11EC, 0x001D], [0x001D]), "ec256",
        "TLS 1.3 TLS_AES_128_GCM_SHA256, X25519MLKEM768 after HelloRetryRequest",
        "TLS 1.3 with the x25519 share (3.0.x)"),
    Fact.GROUP_TUPLES: Canary(
        _tls13([0x0018, 0x001E], []), "ec256",
        "TLS 1.3 TLS_AES_128_GCM_SHA256, secp384r1 after HelloRetryRequest",
        "a HelloRetryRequest for x448, the server's first default group the client lists "
        "(3.0.x)"),
    Fact.FFDHE_GROUPS: Canary(
        _tls13([0x0102], []), "ec256", "alert handshake_failure (40)",
        "a HelloRetryRequest for ffdhe4096 (3.0.x)"),
    Fact.FFDHE_PARTIAL_CHECK: Canary(
        _with_share(_tls13([0x0100], [0x0100]), 0x0100,
                    (7).to_bytes(ffdhe.byte_length(0x0100), "big")), "ec256",
        "TLS 1.3 TLS_AES_128_GCM_SHA256, ffdhe2048", "alert internal_error (80) (3.0.22)"),
    Fact.NULL_COMPRESSION_ALERT: Canary(
        client_hello([0xC02F], groups=[23], sigalgs=ALL, compression=(1,)), "rsa2048",
        "alert illegal_parameter (47)", "alert decode_error (50) (3.0.x)"),
    Fact.SCHEMES_BEFORE_TLS13_COMPRESSION: Canary(
        _tls13([23], [23], sigalgs=[0x1A1A], compression=(0, 1)), "rsa2048",
        "alert handshake_failure (40)", "alert illegal_parameter (47) (3.0.22)"),
    Fact.MLDSA_SCHEMES: Canary(
        _tls13([23], [23], sigalgs=[0x0905]), "ec256",
        "alert handshake_failure (40), OpenSSL: no suitable signature algorithm",
        "alert handshake_failure (40), OpenSSL: no shared signature algorithms (3.0.x)",
        reason_code="no_tls13_signature_scheme"),
    Fact.SHA1_NEEDS_LEVEL_0: Canary(
        client_hello([0xC02F], groups=[23], sigalgs=[0x0201]), "rsa2048",
        "alert handshake_failure (40), OpenSSL: no shared signature algorithms",
        "served with rsa_pkcs1_sha1 at level 1 (1.1.1)", cipher_string="ALL:!aNULL:@SECLEVEL=1"),
}


def test_every_versioned_fact_has_a_canary():
    assert [v.fact for v in VERSIONED] == list(Fact)
    assert set(CANARIES) == set(Fact)


@pytest.mark.parametrize("fact", list(Fact), ids=[f.value for f in Fact])
def test_the_pinned_openssl_is_on_the_documented_side(fact):
    canary = CANARIES[fact]
    documented = next(v for v in VERSIONED if v.fact is fact)
    raw = record(canary.hello)
    outcome: ReplayOutcome = pinned.replay(raw, KEYS[canary.key_type], canary.cipher_string)
    assert outcome.describe().startswith(canary.pinned), (
        f"fact '{fact.value}' moved: {library_version()} now answers {outcome.describe()!r} "
        f"where facts.py says: {documented.pinned} (holds for {documented.holds_for}). The "
        f"other side, '{documented.elsewhere}', was seen as {canary.elsewhere}. Update "
        f"generator/stacks/openssl/facts.py and the analyzer for the new pin, then this canary.")
    if canary.cipher_string != CIPHER_STRING:
        return  # the analyzer models the reference server's configuration only
    verdict = analyze(canary.hello, KEYS[canary.key_type])
    assert not disagreements(verdict, outcome), (fact.value, verdict.summary())
    if canary.reason_code is not None:
        assert verdict.reason_code == canary.reason_code, (fact.value, verdict.reason)


def test_hybrid_key_shares_are_valid_for_the_pinned_openssl():
    """The ML-KEM-768 encapsulation key the tests build (support/hellos.py) is accepted as a
    key share, so the hybrid-group hellos of the property tests reach the server's choice."""
    hello = _tls13([0x11EC, 0x001D], [0x11EC])
    outcome = replay(record(hello), KEYS["ec256"])
    assert (outcome.kind, outcome.group) == ("server_hello", 0x11EC), outcome.describe()
    assert len(key_share_value(0x11EC)) == 1184 + 32
