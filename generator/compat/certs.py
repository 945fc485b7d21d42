"""Certificates for the replayed servers, one per key type, made with `cryptography`.

Each leaf is issued by a throwaway CA shaped like Let's Encrypt's since 2024: RSA leaves are
signed by an RSA 2048 issuer with sha256WithRSAEncryption (like R10-R14), ECDSA leaves by a
P-384 issuer with ecdsa-with-SHA384 (like E5-E9), Ed25519 leaves (no public CA issues them) by
themselves. The issuer's signature matters to clients that send signature_algorithms_cert.
The keys are committed in data/replay-keys/ (made by tools/make_replay_keys.py): they protect
nothing, and generating RSA 8192 would cost every build 2-25 s. Certificates are made fresh
once per process, valid from yesterday for 90 days.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from generator.compat.keytypes import key_parameters
from generator.errors import TlskbError

_VALIDITY = datetime.timedelta(days=90)


@dataclass(frozen=True, slots=True)
class CertifiedKey:
    """A leaf certificate (followed by its issuer, if any) and its private key, both as
    `cryptography` objects and PEM-encoded."""
    chain: tuple[x509.Certificate, ...]
    private_key: object     # a cryptography private key of the catalogue's kinds
    chain_pem: bytes
    key_pem: bytes
    issuer_signature: str   # e.g. "sha256WithRSAEncryption"


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tlskb reference server")])


KEY_DIRECTORY = Path(__file__).resolve().parent / "data" / "replay-keys"
#: issuer kind -> (algorithm, size, curve) of its key
ISSUER_KEYS = {"rsa": ("rsa", 2048, None), "ecdsa": ("ecdsa", None, "secp384r1")}


#: what each kind of replay leaf is signed with (its issuer below; Ed25519 leaves sign
#: themselves), by name and as the SignatureScheme a client's signature_algorithms(_cert)
#: lists for it (RFC 8446 §4.2.3) — known without loading a key, so analyzers stay pure; a
#: test holds it equal to the certificates certified_key makes
CHAIN_SIGNATURES = {"rsa": ("sha256WithRSAEncryption", 0x0401),
                    "ecdsa": ("ecdsa-with-SHA384", 0x0503),
                    "ed25519": ("ed25519", 0x0807)}


def chain_signature(algorithm: str) -> str:
    """The signature algorithm on a replay certificate of `algorithm` ("rsa", "ecdsa",
    "ed25519"), as certified_key's `issuer_signature` names it."""
    return CHAIN_SIGNATURES[algorithm][0]


def chain_scheme(algorithm: str) -> int:
    """That signature as a SignatureScheme: rsa_pkcs1_sha256, ecdsa_secp384r1_sha384, ed25519."""
    return CHAIN_SIGNATURES[algorithm][1]


class MissingReplayKey(TlskbError):
    """A committed replay key is absent or is not the key its file name promises."""


def key_file_name(algorithm: str, size: int | None, curve: str | None, issuer: bool = False) -> str:
    """e.g. "rsa-8192.pem", "ecdsa-secp384r1.pem", "ed25519.pem", "issuer-rsa-2048.pem"."""
    parts = ("issuer" if issuer else None, algorithm, size or curve)
    return "-".join(str(part) for part in parts if part) + ".pem"


@cache
def _private_key(algorithm: str, size: int | None, curve: str | None, issuer: bool = False):
    path = KEY_DIRECTORY / key_file_name(algorithm, size, curve, issuer)
    try:
        # The full RSA consistency check costs seconds for 8192 bits; these are our own
        # keys, and what matters (type and size) is checked below.
        key = serialization.load_pem_private_key(path.read_bytes(), password=None,
                                                 unsafe_skip_rsa_key_validation=True)
    except (OSError, ValueError) as error:
        raise MissingReplayKey(f"{path}: cannot load the replay key ({error}); "
                               "run `python tools/make_replay_keys.py`") from error
    if key_parameters(key) != (algorithm, size, curve):
        raise MissingReplayKey(f"{path}: holds a different key than {algorithm} "
                               f"{size or curve or ''}; run `python tools/make_replay_keys.py "
                               "--renew`")
    return key


@cache
def _issuer(kind: str):
    """The CA key and certificate for RSA ("rsa") or ECDSA ("ecdsa") leaves."""
    key = _private_key(*ISSUER_KEYS[kind], issuer=True)
    digest = hashes.SHA256() if kind == "rsa" else hashes.SHA384()
    name = _name(f"tlskb replay {kind.upper()} CA")
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + _VALIDITY)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                   .add_extension(x509.KeyUsage(
                       digital_signature=False, key_encipherment=False,
                       content_commitment=False, data_encipherment=False, key_agreement=False,
                       key_cert_sign=True, crl_sign=True, encipher_only=False,
                       decipher_only=False), critical=True)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                                  critical=False)
                   .sign(key, digest))
    return key, certificate, digest


@cache
def certified_key(algorithm: str, size: int | None = None, curve: str | None = None) -> CertifiedKey:
    """A leaf for `localhost` with the given key, cached for the life of the process."""
    return _leaf(algorithm, size, curve, live=False)


@cache
def live_certified_key(algorithm: str, size: int | None = None,
                       curve: str | None = None) -> CertifiedKey:
    """The leaf a live server shows a real client (end-to-end proof): the same key, for
    `localhost` and 127.0.0.1, and always issued by a CA (live_trust_pem) — an Ed25519 leaf by
    the ECDSA P-384 issuer, as a private CA such as step-ca issues one — so that every client
    can be told to trust the chain the way it trusts any private CA."""
    return _leaf(algorithm, size, curve, live=True)


def live_trust_pem() -> bytes:
    """The CA certificates a real client is told to trust for live_certified_key's leaves."""
    return b"".join(_issuer(kind)[1].public_bytes(serialization.Encoding.PEM)
                    for kind in ("rsa", "ecdsa"))


def _leaf(algorithm: str, size: int | None, curve: str | None, live: bool) -> CertifiedKey:
    key = _private_key(algorithm, size, curve)
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(_name("localhost"))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(days=1))
               .not_valid_after(now + _VALIDITY)
               .add_extension(x509.SubjectAlternativeName(
                   [x509.DNSName("localhost")]
                   + ([x509.IPAddress(ipaddress.IPv4Address("127.0.0.1"))] if live else [])),
                   critical=False)
               .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                              critical=False))
    # Key usage as in Let's Encrypt's leaves: digitalSignature, plus keyEncipherment for RSA
    # (RSA key exchange encrypts to the certificate's key).
    builder = builder.add_extension(x509.KeyUsage(
        digital_signature=True, key_encipherment=algorithm == "rsa", content_commitment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
        encipher_only=False, decipher_only=False), critical=True)
    if algorithm == "ed25519" and not live:
        certificate = builder.issuer_name(_name("localhost")).sign(key, None)
        chain = [certificate]
        signature = "ed25519"
    else:
        issuer_key, issuer_cert, digest = _issuer("rsa" if algorithm == "rsa" else "ecdsa")
        if live:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                critical=False)
        certificate = builder.issuer_name(issuer_cert.subject).sign(issuer_key, digest)
        chain = [certificate, issuer_cert]
        signature = certificate.signature_algorithm_oid._name
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return CertifiedKey(tuple(chain), key, pem, key_pem, signature)
