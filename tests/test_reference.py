"""The reference server's facts (generator/stacks/openssl/facts.py) hold for the pinned OpenSSL.
Each fact the analyzer relies on, established by experiment, is asserted here against a replay,
so a different OpenSSL fails loudly and by name (the facts that are known to differ between
releases have their own canaries in test_canary.py)."""

from __future__ import annotations

import base64
import importlib.util
import random
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from generator.stacks.openssl import facts as ref
from generator.tls import extensions as ext
from generator.tls import ffdhe
from generator.compat.certs import certified_key, chain_scheme, chain_signature
from generator.compat.keytypes import catalogue
from generator.compat.replay import replay
from support.hellos import client_hello, record

ROOT = Path(__file__).resolve().parent.parent
KEYS = {k.id: k for k in catalogue().key_types}
ALL = [0x0403, 0x0503, 0x0603, 0x0807, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0201,
       0x0203]


def test_suite_snapshot_matches_the_pinned_openssl():
    """The committed suite list is what the pinned library enables, byte for byte (its
    version included: the snapshot is of that library and no other)."""
    spec = importlib.util.spec_from_file_location("snap", ROOT / "tools" / "snapshot_openssl_suites.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    committed = (ROOT / "generator" / "stacks" / "openssl" / "data" / "openssl-suites.json").read_text()
    assert module.render() == committed, "run: python tools/snapshot_openssl_suites.py"
    assert ref.snapshot_openssl().split()[:2] == ["OpenSSL", ref.PINNED_OPENSSL]


def _probably_prime(n: int, rounds: int = 24) -> bool:
    if n % 2 == 0:
        return False
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    rng = random.Random(7919)
    for _ in range(rounds):
        x = pow(rng.randrange(2, n - 2), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _dh_parameters(pem: bytes) -> tuple[int, int]:
    """PKCS #3 `DHParameter ::= SEQUENCE { prime INTEGER, base INTEGER }`, read by hand
    (cryptography deprecates its finite-field DH API)."""
    der = base64.b64decode(b"".join(pem.split(b"\n")[1:-2]))

    def length(pos: int) -> tuple[int, int]:
        first = der[pos]
        if first < 0x80:
            return first, pos + 1
        count = first & 0x7F
        return int.from_bytes(der[pos + 1:pos + 1 + count], "big"), pos + 1 + count

    assert der[0] == 0x30
    _, pos = length(1)
    values = []
    for _ in range(2):
        assert der[pos] == 0x02
        size, pos = length(pos + 1)
        values.append(int.from_bytes(der[pos:pos + size], "big"))
        pos += size
    return values[0], values[1]


def test_dhe_group_is_rfc7919_ffdhe2048():
    """The committed DH parameters are ffdhe2048 as generator/tls/ffdhe.py computes it from
    RFC 7919's formula, checked by hand for A.1: p = 2^2048 - 2^1984 + (floor(2^1918 * e) +
    560316) * 2^64 - 1, with e summed here independently."""
    p, g = _dh_parameters((ROOT / "generator" / "compat" / "data" / "ffdhe2048.pem").read_bytes())
    scale = 1 << (1918 + 64)
    total, term, k = 0, scale, 0
    while term:
        total, k = total + term, k + 1
        term //= k
    expected = 2**2048 - 2**1984 + ((total >> 64) + 560316) * 2**64 - 1
    assert p == expected == ffdhe.prime(0x0100) and g == ffdhe.GENERATOR


@pytest.mark.parametrize("group", [0x0100, 0x0101])
def test_the_tls13_ffdhe_groups_are_safe_primes(group):
    """The groups the reference server offers for TLS 1.3 (facts.GROUP_TUPLES), whose primes
    the analyzer checks key shares against: p and (p - 1) / 2 prime, top and bottom 64 bits
    set (RFC 7919 §A)."""
    p = ffdhe.prime(group)
    assert p.bit_length() == ffdhe.GROUPS[group][0] and ffdhe.byte_length(group) * 8 == p.bit_length()
    assert p >> (p.bit_length() - 64) == 2**64 - 1 and p & (2**64 - 1) == 2**64 - 1
    assert _probably_prime(p, 8) and _probably_prime((p - 1) // 2, 8)
    assert group in ref.GROUPS_TLS13


@pytest.mark.parametrize("key_id,issuer", [("rsa2048", "sha256WithRSAEncryption"),
                                           ("ec384", "ecdsa-with-SHA384"),
                                           ("ec256", "ecdsa-with-SHA384"),
                                           ("ed25519", "ed25519")])
def test_certificates_mirror_lets_encrypt_chains(key_id, issuer):
    key_type = KEYS[key_id]
    credentials = certified_key(key_type.algorithm, key_type.size, key_type.curve)
    leaf = x509.load_pem_x509_certificates(credentials.chain_pem)[0]
    assert credentials.issuer_signature == issuer == chain_signature(key_type.algorithm)
    # the scheme the analyzers compare with signature_algorithms(_cert), from the certificate
    hash_name = leaf.signature_hash_algorithm.name if leaf.signature_hash_algorithm else None
    assert chain_scheme(key_type.algorithm) == {"sha256WithRSAEncryption": 0x0401,
                                                "ecdsa-with-SHA384": 0x0503,
                                                "ed25519": 0x0807}[issuer]
    assert hash_name == {"ed25519": None, "ecdsa-with-SHA384": "sha384",
                         "sha256WithRSAEncryption": "sha256"}[issuer]
    assert leaf.signature_algorithm_oid._name == issuer
    public = leaf.public_key()
    if key_type.size:
        assert public.key_size == key_type.size
    if key_type.curve:
        assert public.curve.name == key_type.curve


@pytest.mark.parametrize("key_id", sorted(KEYS))
def test_every_key_type_has_its_committed_key(key_id):
    """The replay of a key type really uses that key: the committed file holds the promised
    algorithm and size or curve, and the leaf certifies it."""
    key_type = KEYS[key_id]
    credentials = certified_key(key_type.algorithm, key_type.size, key_type.curve)
    leaf = x509.load_pem_x509_certificates(credentials.chain_pem)[0]
    private = serialization.load_pem_private_key(credentials.key_pem, password=None)
    raw = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert leaf.public_key().public_bytes(*raw) == private.public_key().public_bytes(*raw)
    expected = {"rsa": rsa.RSAPrivateKey, "ecdsa": ec.EllipticCurvePrivateKey,
                "ed25519": ed25519.Ed25519PrivateKey}[key_type.algorithm]
    assert isinstance(private, expected)
    if key_type.size:
        assert private.key_size == key_type.size
    if key_type.curve:
        assert private.curve.name == key_type.curve


def test_a_key_file_that_does_not_match_its_name_is_refused(tmp_path, monkeypatch):
    from generator.compat import certs
    (tmp_path / "rsa-3072.pem").write_bytes((certs.KEY_DIRECTORY / "rsa-2048.pem").read_bytes())
    monkeypatch.setattr(certs, "KEY_DIRECTORY", tmp_path)
    certs._private_key.cache_clear()
    try:
        with pytest.raises(certs.MissingReplayKey, match=r"rsa-3072.pem: holds a different key"):
            certs._private_key("rsa", 3072, None)
        with pytest.raises(certs.MissingReplayKey, match=r"make_replay_keys.py"):
            certs._private_key("rsa", 4096, None)
    finally:
        certs._private_key.cache_clear()


#: (fact, hello, key type, expected kind, expected alert or suite)
FACTS = [
    ("SSL 3.0 is not spoken; the alert is handshake_failure",
     client_hello([0x002F], version=0x0300), "rsa2048", "alert", 40),
    ("a legacy_version below SSL 3.0 gets protocol_version",
     client_hello([0x002F], version=0x0200), "rsa2048", "alert", 70),
    ("ECDHE needs supported_groups (no RFC 4492 default)",
     client_hello([0xC02F, 0xC02B], sigalgs=ALL), "rsa2048", "alert", 40),
    ("DHE works, with the ffdhe2048 group",
     client_hello([0x009E], groups=[23], sigalgs=ALL), "rsa2048", "server_hello", 0x009E),
    ("ECDHE in TLS 1.2 skips ffdhe groups",
     client_hello([0xC02F], groups=[0x0100, 29], sigalgs=ALL), "rsa2048", "server_hello", 0xC02F),
    ("TLS 1.2 does not bind the ECDSA curve to the scheme",
     client_hello([0xC02C], groups=[23, 24], sigalgs=[0x0403]), "ec384", "server_hello", 0xC02C),
    ("TLS 1.3 binds it",
     client_hello([0x1301], groups=[29], versions=[0x0304], key_shares=[29], sigalgs=[0x0403]),
     "ec384", "alert", 40),
    ("an RSA suite chosen without an RSA scheme fails rather than falling back",
     client_hello([0xC02F, 0x009C], groups=[23], sigalgs=[0x0403]), "rsa2048", "alert", 40),
    ("an ECDSA certificate without an ECDSA scheme is skipped for the next suite",
     client_hello([0xC02B, 0xC02F], groups=[23], sigalgs=[0x0401]), "rsa2048", "server_hello",
     0xC02F),
    ("brainpool TLS 1.3 schemes are not shared in TLS 1.2",
     client_hello([0xC02B], groups=[23], sigalgs=[0x081A]), "ec256", "alert", 40),
    ("signature_algorithms_cert applies in TLS 1.2",
     client_hello([0xC02F], groups=[23], sigalgs=ALL, sigalgs_cert=[0x0807]), "rsa2048", "alert",
     40),
    ("no shared scheme fails before cipher selection, TLS 1.2 only",
     client_hello([0x002F], version=0x0302, sigalgs=[0x0101]), "rsa2048", "server_hello", 0x002F),
    ("TLS_FALLBACK_SCSV below TLS 1.3 is refused",
     client_hello([0xC02F, 0x5600], groups=[23], sigalgs=ALL), "rsa2048", "alert", 86),
    ("TLS 1.3 CCM suites are off",
     client_hello([0x1304], groups=[29], versions=[0x0304], key_shares=[29], sigalgs=ALL),
     "rsa2048", "alert", 40),
    ("an empty key_share gets a HelloRetryRequest",
     client_hello([0x1301], groups=[24, 23], versions=[0x0304], key_shares=[], sigalgs=ALL),
     "ec384", "hello_retry_request", 0x1301),
    ("Ed25519 works in TLS 1.2 with ed25519 offered",
     client_hello([0xC02B], groups=[23], sigalgs=[0x0807]), "ed25519", "server_hello", 0xC02B),
    ("SHA-1 signatures are served at the reference's security level 0",
     client_hello([0xC02F], groups=[23], sigalgs=[0x0201]), "rsa2048", "server_hello", 0xC02F),
    ("TLS 1.0 is served at security level 0",
     client_hello([0x002F], version=0x0301), "rsa2048", "server_hello", 0x002F),
    ("a non-empty renegotiation_info in an initial TLS 1.2 hello is refused (RFC 5746 §3.6)",
     client_hello([0xC02F], groups=[23], sigalgs=ALL, extra=(ext.RenegotiationInfo(b"x" * 12),)),
     "rsa2048", "alert", 40),
    ("... and ignored in TLS 1.3, where the extension has no meaning",
     client_hello([0x1301], groups=[29], versions=[0x0304], key_shares=[29], sigalgs=ALL,
                  extra=(ext.RenegotiationInfo(b"x" * 12),)), "rsa2048", "server_hello", 0x1301),
]


@pytest.mark.parametrize("fact,hello,key_id,kind,value", FACTS, ids=[f[0] for f in FACTS])
def test_observed_openssl_behaviour(fact, hello, key_id, kind, value):
    outcome = replay(record(hello), KEYS[key_id])
    assert outcome.kind == kind, outcome.describe()
    assert (outcome.alert if kind == "alert" else outcome.cipher_suite) == value, outcome.describe()


def test_tls13_groups_follow_the_servers_tuples_and_the_clients_order_within_one():
    """facts.GROUP_TUPLES, observed on 3.5.6: the first server tuple holding a group the client
    lists decides; in it the client's first key share wins, else a HelloRetryRequest names the
    client's first listed group of that tuple."""
    def tls13(groups, shares):
        return replay(record(client_hello([0x1301], groups=groups, versions=[0x0304],
                                          key_shares=shares, sigalgs=ALL)), KEYS["ec256"])
    # within a tuple: the client's supported_groups order for a retry ...
    assert (tls13([23, 29], []).kind, tls13([23, 29], []).group) == ("hello_retry_request", 23)
    assert tls13([0x0019, 0x0018, 0x001E], []).group == 0x0019
    # ... and its key_share order for a share
    accepted = tls13([23, 29], [23, 29])
    assert (accepted.kind, accepted.group) == ("server_hello", 23)
    # a share from a later tuple loses to a group merely listed from an earlier one
    retry = tls13([0x001E, 23], [0x001E])
    assert (retry.kind, retry.group) == ("hello_retry_request", 23)
    assert ref.GROUP_TUPLES[1] == (0x001D, 0x0017)


def test_tls12_ecdhe_follows_the_clients_order():
    ecdhe = replay(record(client_hello([0xC02F], groups=[24, 23, 29], sigalgs=ALL)),
                   KEYS["rsa2048"])
    assert (ecdhe.kind, ecdhe.group) == ("server_hello", 24)
    hybrid_first = replay(record(client_hello([0xC02F], groups=[0x11EC, 0x0100, 25],
                                              sigalgs=ALL)), KEYS["rsa2048"])
    assert (hybrid_first.kind, hybrid_first.group) == ("server_hello", 25)


def test_dhe_uses_a_2048_bit_prime():
    """The TLS 1.2 DHE group is the committed ffdhe2048, as the ServerKeyExchange shows."""
    from OpenSSL import SSL
    from generator.stacks.openssl.pinned import reference_context
    from generator.tls.messages import ServerKeyExchange
    from generator.tls.reader import Reader
    from generator.tls.records import decode_server_response
    server = SSL.Connection(reference_context(KEYS["rsa2048"]), None)
    server.set_accept_state()
    server.bio_write(record(client_hello([0x009E], groups=[23], sigalgs=ALL)))
    with pytest.raises(SSL.WantReadError):
        server.do_handshake()
    response = decode_server_response(server.bio_read(1 << 16))
    exchange = next(m for m in response.following if m.msg_type == 12)
    parsed = ServerKeyExchange.parse(Reader(exchange.data, 4), "dhe", True)
    assert parsed.dh_prime_bits == ref.DHE_GROUP_BITS


def test_a_small_order_key_share_is_found_only_when_the_secret_is_derived():
    """Key shares are checked in two stages (observed, 3.5.6): their encoding as the extension
    is parsed, a small-order X25519 point only when the server derives the secret for its
    ServerHello — after the certificate's signature scheme has been chosen."""
    from generator.compat.analyzer import analyze
    hello = client_hello([0x1301], groups=[29], versions=[0x0304], key_shares=[29],
                         sigalgs=[0x0403], invalid_shares=[29])
    cannot_sign = replay(record(hello), KEYS["ec384"])
    can_sign = replay(record(hello), KEYS["ec256"])
    assert (cannot_sign.kind, cannot_sign.alert) == ("alert", 40), cannot_sign.describe()
    assert (can_sign.kind, can_sign.alert) == ("alert", 47), can_sign.describe()
    assert analyze(hello, KEYS["ec256"]).reason_code == "small_order_key_share"
    assert analyze(hello, KEYS["ec384"]).reason_code == "no_tls13_signature_scheme"
    malformed = client_hello([0x1301], groups=[23], versions=[0x0304], key_shares=[23],
                             sigalgs=[0x0403], invalid_shares=[23])  # a point off the curve
    assert replay(record(malformed), KEYS["ec384"]).alert == 47


@pytest.mark.parametrize("max_version", ["TLSv1.2", "TLSv1.3"])
def test_a_replay_never_resumes_a_session(max_version):
    """A replay is a function of the ClientHello and the key type alone: after a full handshake
    with a real client (the pinned OpenSSL's own, completing against the reference server as
    `capture --handshake` does), that client's next hello gets a full handshake, as the
    analyzer predicts — the server keeps no session cache, so it offers nothing to resume
    (with a cache it would resume: TLS 1.2 by session id, TLS 1.3 by a stateful ticket)."""
    from OpenSSL import SSL
    from generator.compat.analyzer import analyze
    from generator.stacks.openssl.handshake import HandshakeSession, HandshakeState
    from generator.stacks.openssl.pinned import drain, reference_context
    from generator.compat.proof import disagreements
    from generator.tls.records import decode_client_hello, decode_server_response

    def client(session=None) -> SSL.Connection:
        context = SSL.Context(SSL.TLS_CLIENT_METHOD)
        context.set_max_proto_version(getattr(SSL, max_version.replace("v", "").replace(".", "_")
                                              .upper() + "_VERSION"))
        connection = SSL.Connection(context, None)
        connection.set_connect_state()
        if session is not None:
            connection.set_session(session)
        return connection

    def first_flight(connection: SSL.Connection) -> bytes:
        with pytest.raises(SSL.WantReadError):
            connection.do_handshake()
        return connection.bio_read(1 << 16)

    first, capture = client(), HandshakeSession(KEYS["rsa2048"])
    capture.feed(first_flight(first))
    for _ in range(8):  # bounded: a TLS 1.2 or 1.3 handshake takes two round trips at most
        step = capture.step()
        first.bio_write(step.output)
        try:
            first.do_handshake()
        except SSL.WantReadError:
            pass
        if step.state is not HandshakeState.CONTINUE:
            break
        try:
            capture.feed(first.bio_read(1 << 16))
        except SSL.WantReadError:
            pass
    assert step.state is HandshakeState.COMPLETED, step.reason
    first.bio_write(capture.close())  # a clean close, as capture does: a session would stay
    with pytest.raises((SSL.WantReadError, SSL.ZeroReturnError)):
        first.recv(1)  # reads what followed the handshake (a TLS 1.3 NewSessionTicket, if any)
    resumed = first_flight(client(first.get_session()))
    hello = decode_client_hello(resumed).hello
    # what the server says (first: a TLS 1.3 ticket is good for one use): no pre_shared_key
    # accepted (RFC 8446 §4.2.11), and in TLS 1.2 not the client's session id back, which would
    # mean resumption (RFC 5246 §7.4.1.3; TLS 1.3 echoes it always)
    replayed = SSL.Connection(reference_context(KEYS["rsa2048"]), None)
    replayed.set_accept_state()
    replayed.bio_write(resumed)
    with pytest.raises(SSL.WantReadError):
        replayed.do_handshake()
    answer = decode_server_response(drain(replayed)).server_hello
    assert 41 not in answer.extension_types
    if max_version == "TLSv1.2":
        assert not hello.session_id or answer.session_id != hello.session_id
    outcome = replay(resumed, KEYS["rsa2048"])
    assert outcome.kind == "server_hello"
    assert not disagreements(analyze(hello, KEYS["rsa2048"]), outcome)
