"""Is a TLS 1.3 key share a public value the server can use? Pure checks, linear in the share,
in the two stages OpenSSL applies them: as it parses the extension, and as it derives the
secret.

RFC 8446 §4.2.8.2 (ECDHE: an uncompressed point on the curve; X25519/X448: 32/56 bytes),
§4.2.8.1 (FFDHE: padded to the prime's length), §7.4.2 (X25519/X448 shared secrets of all
zeros, i.e. small-order points, must be refused), and the hybrid ML-KEM groups of
draft-ietf-tls-ecdhe-mlkem §4.1 (X25519MLKEM768: an ML-KEM-768 encapsulation key followed by
an X25519 share), whose ML-KEM part passes the FIPS 203 §7.2 modulus check.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric import ec, x448, x25519

from generator.tls import ffdhe

X25519, X448, X25519MLKEM768 = 0x001D, 0x001E, 0x11EC
_CURVES = {0x0017: ec.SECP256R1, 0x0018: ec.SECP384R1, 0x0019: ec.SECP521R1}
#: FIPS 203: q = 3329; an ML-KEM-768 encapsulation key is 384·k bytes of 12-bit coefficients
#: (k = 3) followed by the 32-byte seed rho
MLKEM_Q = 3329
MLKEM768_EK = 384 * 3 + 32


#: per byte b1 of a coefficient pair: 2 when its low nibble alone puts the first coefficient at
#: or over q (0xE, 0xF), 1 when the low byte decides (0xD: over unless b0 is 0), 0 below
_LOW_NIBBLE = bytes(2 if b & 0x0F > 0x0D else 1 if b & 0x0F == 0x0D else 0 for b in range(256))


def mlkem_modulus_check(encapsulation_key: bytes, k: int = 3) -> bool:
    """FIPS 203 §7.2 'modulus check': every 12-bit coefficient of t̂ is below q = 3329 = 0xD01.
    Three bytes b0 b1 b2 hold two coefficients, b0 | (b1 & 0xF) << 8 and b1 >> 4 | b2 << 4;
    the bytes are looked at a column at a time (slices, translate, max: C loops), and only the
    few places where a coefficient's high part equals q's (0xD, 0xD0) one at a time. Equal to
    `_mlkem_modulus_check_slow` (tests)."""
    polynomial = bytes(encapsulation_key[:384 * k])
    if len(polynomial) % 3:
        return _mlkem_modulus_check_slow(polynomial, k)
    b0, b1, b2 = polynomial[0::3], polynomial[1::3], polynomial[2::3]
    if b2 and max(b2) > 0xD0:
        return False
    at = b2.find(0xD0)
    while at >= 0:
        if b1[at] >> 4:
            return False
        at = b2.find(0xD0, at + 1)
    low = b1.translate(_LOW_NIBBLE)
    if 2 in low:
        return False
    at = low.find(1)
    while at >= 0:
        if b0[at]:
            return False
        at = low.find(1, at + 1)
    return True


def _mlkem_modulus_check_slow(encapsulation_key: bytes, k: int = 3) -> bool:
    """`mlkem_modulus_check` a coefficient at a time, as FIPS 203 writes it."""
    polynomial = memoryview(encapsulation_key)[:384 * k]
    for i in range(0, len(polynomial), 3):
        b0, b1, b2 = polynomial[i], polynomial[i + 1], polynomial[i + 2]
        if (b0 | (b1 & 0x0F) << 8) >= MLKEM_Q or (b1 >> 4 | b2 << 4) >= MLKEM_Q:
            return False
    return True


def _montgomery_length_ok(group: int, value: bytes) -> bool:
    return len(value) == (32 if group == X25519 else 56)


#: RFC 7748: X25519's field prime, and the u-coordinates (reduced modulo it) of every point of
#: small order on Curve25519 and its twist — 0, 1, -1 and the two of order 8 — as libsodium's
#: has_small_order() lists them; an exchange with any of these yields the all-zero secret
_P25519 = 2 ** 255 - 19
_SMALL_ORDER_25519 = frozenset((
    0, 1, _P25519 - 1,
    325606250916557431795983626356110631294008115727848805560023387167927233504,
    39382357235489614581723060781553021112529911719440698176882885853963445705823))


def x25519_small_order(value: bytes) -> bool:
    """Whether an X25519 public value is of small order: decoded as RFC 7748 §5 says (little
    endian, the top bit masked, non-canonical values reduced modulo p). Arithmetic, so it costs
    a microsecond where an exchange costs hundreds; tests hold it equal to the exchange."""
    u = (int.from_bytes(value, "little") & ((1 << 255) - 1)) % _P25519
    return u in _SMALL_ORDER_25519


@lru_cache(maxsize=4096)
def _montgomery_agreement_ok(group: int, value: bytes) -> bool:
    """Not of small order: an exchange with it gives no all-zero secret (cryptography refuses
    one, as OpenSSL's derive does; RFC 7748 §6.1, RFC 8446 §7.4.2)."""
    if group == X25519 and len(value) == 32:
        return not x25519_small_order(value)
    return _exchange_ok(group, value)


def _exchange_ok(group: int, value: bytes) -> bool:
    """`_montgomery_agreement_ok` the slow way: an exchange with a fixed private key."""
    public_type, private_type = ((x25519.X25519PublicKey, x25519.X25519PrivateKey)
                                 if group == X25519 else (x448.X448PublicKey, x448.X448PrivateKey))
    own = private_type.from_private_bytes(b"\x01" * len(value))
    try:
        own.exchange(public_type.from_public_bytes(value))
    except ValueError:
        return False
    return True


def encoding_valid(group: int, value: bytes) -> bool:
    """Whether the server can parse `value` as a public value for `group` — what OpenSSL
    checks as it reads the key_share extension (tls13_set_encoded_pub_key; observed, 3.5.6).
    Groups the caller does not model count as valid: the server never gets to parse them."""
    if group in (X25519, X448):
        return _montgomery_length_ok(group, value)
    if group == X25519MLKEM768:
        return len(value) == MLKEM768_EK + 32 and mlkem_modulus_check(value[:MLKEM768_EK])
    if group in _CURVES:
        if len(value) < 3 or value[0] != 4:
            return False
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(_CURVES[group](), value)
        except ValueError:
            return False
        return True
    if group in ffdhe.GROUPS:
        # OpenSSL 3.5 checks 1 < y < p - 1 only (observed: a y outside the prime-order
        # subgroup is accepted; facts.Fact.FFDHE_PARTIAL_CHECK)
        return (len(value) == ffdhe.byte_length(group)
                and 1 < int.from_bytes(value, "big") < ffdhe.prime(group) - 1)
    return True


def agreement_valid(group: int, value: bytes) -> bool:
    """Whether a key share that parsed also yields a shared secret: X25519 and X448 values
    (alone or inside X25519MLKEM768) must not be of small order. OpenSSL finds out only when
    it derives the secret as it writes its ServerHello, after every other choice (observed,
    3.5.6: tls_construct_stoc_key_share)."""
    if group in (X25519, X448):
        return _montgomery_agreement_ok(group, bytes(value))
    if group == X25519MLKEM768:
        return _montgomery_agreement_ok(X25519, bytes(value[MLKEM768_EK:]))
    return True
