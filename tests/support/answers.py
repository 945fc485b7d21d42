"""Server answers for the probe tests, built with the project's encoders: a TLS 1.2 ServerHello
and what may follow it, and leaf certificates with keys of every kind — some that
`cryptography` makes (DSA, Ed448, X448) and some it will not even load (SM2, GOST, unknown
OIDs: support/der.py)."""

from __future__ import annotations

import datetime
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, x448
from cryptography.x509.oid import NameOID

from generator.tls.messages import ServerHello
from generator.tls.records import CONTENT_HANDSHAKE, encode_records
from support.der import public_key_info, with_public_key_info

SERVER_HELLO = ServerHello(0x0303, bytes(range(32)), b"", 0xC02B, 0, (), False).encode()
SERVER_HELLO_DONE = b"\x0e\x00\x00\x00"
#: a Certificate message whose certificate_list claims 100 bytes and has 4
MALFORMED_CERTIFICATE = b"\x0b\x00\x00\x07\x00\x00\x64\x00\x00\x01\x00"
_EC_PUBLIC_KEY = "1.2.840.10045.2.1"
_POINT = b"\x04" + bytes(range(1, 65))


def u24(value: int) -> bytes:
    return value.to_bytes(3, "big")


def certificate_message(*chain: bytes) -> bytes:
    """RFC 5246 §7.4.2: `ASN.1Cert certificate_list<0..2^24-1>`, leaf first."""
    body = b"".join(u24(len(der)) + der for der in chain)
    return b"\x0b" + u24(len(body) + 3) + u24(len(body)) + body


def flight(*messages: bytes) -> bytes:
    """A TLS 1.2 ServerHello and `messages`, in handshake records of at most 2^14 bytes."""
    return encode_records(CONTENT_HANDSHAKE, 0x0303, SERVER_HELLO + b"".join(messages))


@cache
def _signer() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def certificate(public_key) -> bytes:
    """A leaf holding `public_key`, signed by a P-256 key (nobody checks the signature)."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hostile.test")])
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(public_key).serial_number(1).not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=30))
            .sign(_signer(), hashes.SHA256()).public_bytes(serialization.Encoding.DER))


@cache
def leaf_certificates() -> tuple[tuple[str, bytes], ...]:
    """(what `tlskb probe` must call the key, the leaf) for a key of every kind."""
    ec256 = certificate(_signer().public_key())

    def spki(algorithm: str, parameter: str | None, key: bytes) -> bytes:
        return with_public_key_info(ec256, public_key_info(algorithm, parameter, key))
    return (
        ("ECDSA P-256", ec256),
        ("DSA 2048", certificate(dsa.generate_private_key(2048).public_key())),
        ("Ed448", certificate(ed448.Ed448PrivateKey.generate().public_key())),
        ("X448", certificate(x448.X448PrivateKey.generate().public_key())),
        ("SM2 (elliptic curve OID 1.2.156.10197.1.301)",
         spki(_EC_PUBLIC_KEY, "1.2.156.10197.1.301", _POINT)),
        ("unknown elliptic curve (OID 1.3.6.1.4.1.99999.7)",
         spki(_EC_PUBLIC_KEY, "1.3.6.1.4.1.99999.7", _POINT)),
        ("unknown key type (OID 1.3.6.1.4.1.99999.1)",
         spki("1.3.6.1.4.1.99999.1", None, bytes(32))),
        ("GOST R 34.10-2012 256-bit (OID 1.2.643.7.1.1.1.1)",
         spki("1.2.643.7.1.1.1.1", None, bytes(66))),
    )
