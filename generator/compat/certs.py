"""Certificates for the reference server, one per key type, made with `cryptography`.

Each leaf is issued by a throwaway CA shaped like Let's Encrypt's since 2024: RSA leaves are
signed by an RSA 2048 issuer with sha256WithRSAEncryption (like R10-R14), ECDSA leaves by a
P-384 issuer with ecdsa-with-SHA384 (like E5-E9), Ed25519 leaves (no public CA issues them) by
themselves. The issuer's signature matters to clients that send signature_algorithms_cert.
Keys are generated once per process (RSA 8192 takes a couple of seconds) and never written
anywhere but the replayer's short-lived temporary files.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_CURVES = {"secp256r1": ec.SECP256R1, "secp384r1": ec.SECP384R1, "secp521r1": ec.SECP521R1}
_VALIDITY = datetime.timedelta(days=90)


@dataclass(frozen=True, slots=True)
class CertifiedKey:
    """PEM-encoded leaf certificate (followed by its issuer, if any) and private key."""
    chain_pem: bytes
    key_pem: bytes
    issuer_signature: str   # e.g. "sha256WithRSAEncryption"


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tlskb reference server")])


def _private_key(algorithm: str, size: int | None, curve: str | None):
    if algorithm == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=size)
    if algorithm == "ecdsa":
        return ec.generate_private_key(_CURVES[curve]())
    if algorithm == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(f"unknown key algorithm {algorithm!r}")


@cache
def _issuer(kind: str):
    """The CA key and certificate for RSA ("rsa") or ECDSA ("ecdsa") leaves."""
    key = (rsa.generate_private_key(public_exponent=65537, key_size=2048) if kind == "rsa"
           else ec.generate_private_key(ec.SECP384R1()))
    digest = hashes.SHA256() if kind == "rsa" else hashes.SHA384()
    name = _name(f"tlskb replay {kind.upper()} CA")
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + _VALIDITY)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                   .sign(key, digest))
    return key, certificate, digest


@cache
def certified_key(algorithm: str, size: int | None = None, curve: str | None = None) -> CertifiedKey:
    """A leaf for `localhost` with the given key, cached for the life of the process."""
    key = _private_key(algorithm, size, curve)
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(_name("localhost"))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(days=1))
               .not_valid_after(now + _VALIDITY)
               .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]),
                              critical=False)
               .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                              critical=False))
    # Key usage as in Let's Encrypt's leaves: digitalSignature, plus keyEncipherment for RSA
    # (RSA key exchange encrypts to the certificate's key).
    builder = builder.add_extension(x509.KeyUsage(
        digital_signature=True, key_encipherment=algorithm == "rsa", content_commitment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
        encipher_only=False, decipher_only=False), critical=True)
    if algorithm == "ed25519":
        certificate = builder.issuer_name(_name("localhost")).sign(key, None)
        chain = [certificate]
        signature = "ed25519"
    else:
        issuer_key, issuer_cert, digest = _issuer("rsa" if algorithm == "rsa" else "ecdsa")
        certificate = builder.issuer_name(issuer_cert.subject).sign(issuer_key, digest)
        chain = [certificate, issuer_cert]
        signature = certificate.signature_algorithm_oid._name
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return CertifiedKey(pem, key_pem, signature)
