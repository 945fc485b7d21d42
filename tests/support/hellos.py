"""Build ClientHellos for tests: any suites, groups, signature schemes, versions, with TLS 1.3
key shares whose public values are valid for their group."""

from __future__ import annotations

from functools import cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, x448, x25519

from generator.tls import extensions as ext
from generator.tls.messages import ClientHello

_FFDHE_BYTES = {0x0100: 256, 0x0101: 384, 0x0102: 512, 0x0103: 768, 0x0104: 1024}


@cache
def key_share_value(group: int) -> bytes:
    """A valid public value: a fresh key for ECDH groups; for FFDHE (RFC 7919) the value 4,
    which lies in the prime-order subgroup (a square) and needs no knowledge of p."""
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    point = serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    if group == 0x001D:
        return x25519.X25519PrivateKey.generate().public_key().public_bytes(*raw)
    if group == 0x001E:
        return x448.X448PrivateKey.generate().public_key().public_bytes(*raw)
    curves = {0x0017: ec.SECP256R1, 0x0018: ec.SECP384R1, 0x0019: ec.SECP521R1,
              0x0016: ec.SECP256K1, 0x001A: ec.BrainpoolP256R1, 0x001B: ec.BrainpoolP384R1,
              0x001C: ec.BrainpoolP512R1}
    if group in curves:
        return ec.generate_private_key(curves[group]()).public_key().public_bytes(*point)
    if group in _FFDHE_BYTES:
        return (4).to_bytes(_FFDHE_BYTES[group], "big")
    return b"\x42" * 32  # a group no test expects to be accepted


def client_hello(suites, *, version=0x0303, groups=None, sigalgs=None, versions=None,
                 key_shares=None, point_formats=None, sigalgs_cert=None, compression=(0,),
                 extra=()) -> ClientHello:
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
        extensions.append(ext.KeyShare(tuple(ext.KeyShareEntry(g, key_share_value(g))
                                             for g in key_shares)))
    extensions.extend(extra)
    return ClientHello(version, bytes(range(32)), b"", tuple(suites), tuple(compression),
                       tuple(extensions), True)


def record(hello: ClientHello, record_version: int = 0x0301) -> bytes:
    message = hello.encode()
    return bytes((22,)) + record_version.to_bytes(2, "big") + len(message).to_bytes(2, "big") + message
