"""Build ClientHellos for tests: any suites, groups, signature schemes, versions, with TLS 1.3
key shares whose public values are valid for their group."""

from __future__ import annotations

import random
from functools import cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, x448, x25519

from generator.tls import extensions as ext
from generator.tls import ffdhe
from generator.tls.messages import ClientHello

X25519MLKEM768 = 0x11EC


def _mlkem768_encapsulation_key(seed: int) -> bytes:
    """An ML-KEM-768 encapsulation key that passes the FIPS 203 §7.2 modulus check: 768
    coefficients below q = 3329, packed 12 bits each, then a 32-byte rho. Nobody holds its
    decapsulation key, which a server never needs."""
    rng = random.Random(seed)
    packed = bytearray()
    for _ in range(384):
        a, b = rng.randrange(3329), rng.randrange(3329)
        packed += bytes((a & 0xFF, (a >> 8) | (b & 0x0F) << 4, b >> 4))
    return bytes(packed) + rng.randbytes(32)


@cache
def key_share_value(group: int) -> bytes:
    """A valid public value: a fresh key for ECDH groups; for FFDHE (RFC 7919) the value 4,
    which lies in the prime-order subgroup (a square); for X25519MLKEM768 an encapsulation key
    and an X25519 key (draft-ietf-tls-ecdhe-mlkem §4.1)."""
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    point = serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    if group == 0x001D:
        return x25519.X25519PrivateKey.generate().public_key().public_bytes(*raw)
    if group == 0x001E:
        return x448.X448PrivateKey.generate().public_key().public_bytes(*raw)
    if group == X25519MLKEM768:
        return _mlkem768_encapsulation_key(group) + key_share_value(0x001D)
    curves = {0x0017: ec.SECP256R1, 0x0018: ec.SECP384R1, 0x0019: ec.SECP521R1,
              0x0016: ec.SECP256K1, 0x001A: ec.BrainpoolP256R1, 0x001B: ec.BrainpoolP384R1,
              0x001C: ec.BrainpoolP512R1}
    if group in curves:
        return ec.generate_private_key(curves[group]()).public_key().public_bytes(*point)
    if group in ffdhe.GROUPS:
        return (4).to_bytes(ffdhe.byte_length(group), "big")
    return b"\x42" * 32  # a group no test expects to be accepted


def invalid_key_share_value(group: int) -> bytes:
    """A public value the server must refuse (RFC 8446 §4.2.8.2, §7.4.2): a small-order
    X25519/X448 point, a point off the curve, y = 1 for FFDHE, an ML-KEM coefficient >= q."""
    if group == 0x001D:
        return bytes(32)
    if group == 0x001E:
        return bytes(56)
    if group == X25519MLKEM768:
        return b"\xff" * 1152 + bytes(32) + key_share_value(0x001D)
    if group in ffdhe.GROUPS:
        return (1).to_bytes(ffdhe.byte_length(group), "big")
    valid = key_share_value(group)
    return valid[:-1] + bytes((valid[-1] ^ 1,))


def client_hello(suites, *, version=0x0303, groups=None, sigalgs=None, versions=None,
                 key_shares=None, point_formats=None, sigalgs_cert=None, compression=(0,),
                 extra=(), invalid_shares=()) -> ClientHello:
    extensions: list[ext.Extension] = []
    if groups is not None:
        extensions.append(ext.SupportedGroups(tuple(groups)))
    if point_formats is not None:
        extensions.append(ext.EcPointFormats(tuple(point_formats)))
    if sigalgs is not None:
        extensions.append(ext.SignatureAlgorithms(tuple(sigalgs)))
    if sigalgs_cert is not None:
        extensions.append(ext.SignatureAlgorithmsCert(tuple(sigalgs_cert)))
    if versions is not None:
        extensions.append(ext.SupportedVersions(tuple(versions)))
    if key_shares is not None:
        extensions.append(ext.KeyShare(tuple(
            ext.KeyShareEntry(g, invalid_key_share_value(g) if g in invalid_shares
                              else key_share_value(g)) for g in key_shares)))
    extensions.extend(extra)
    return ClientHello(version, bytes(range(32)), b"", tuple(suites), tuple(compression),
                       tuple(extensions), True)


def record(hello: ClientHello, record_version: int = 0x0301) -> bytes:
    message = hello.encode()
    return bytes((22,)) + record_version.to_bytes(2, "big") + len(message).to_bytes(2, "big") + message


def padded_hello_stream(size: int) -> bytes:
    """A ClientHello whose records add up to about `size` bytes (at least the hello without
    padding, at most 65,535 bytes of padding, RFC 7685): records of 16,384 bytes at most, as
    a client fragments a large hello (RFC 8446 §5.1)."""
    from support.strategies import as_records
    bare = ClientHello(0x0303, bytes(range(32)), b"", (0x1301, 0xC02B), (0,),
                       (ext.Padding(b""),), True).encode()
    records = max(1, -(-size // 16389))
    padding = min(0xFFFF, max(0, size - len(bare) - 5 * records))
    message = ClientHello(0x0303, bytes(range(32)), b"", (0x1301, 0xC02B), (0,),
                          (ext.Padding(bytes(padding)),), True).encode()
    return as_records(message, [16384])
