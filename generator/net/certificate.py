"""The key in a server's certificate, named: the catalogue's label ("ECDSA P-384") when it is
one of its key types, else a description — "RSA 1024", "DSA 2048", "Ed448", "SM2 (elliptic
curve OID 1.2.156.10197.1.301)", "unknown key type (OID 1.3.6.1.4.1.99999.1)". Whatever the
bytes, a name or a reason comes back, never an exception: keys `cryptography` cannot load are
named from their OIDs, read from the certificate's DER with the bounds checked.
"""

from __future__ import annotations

import warnings

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.utils import CryptographyDeprecationWarning

from generator.compat.keytypes import catalogue, key_parameters
from generator.errors import DecodeError

#: public key algorithms and curves `cryptography` does not load, by OID
_KEY_OIDS = {
    "1.2.156.10197.1.301": "SM2",                        # GB/T 32918, as an EC curve
    "1.2.643.2.2.19": "GOST R 34.10-2001",               # RFC 4491
    "1.2.643.7.1.1.1.1": "GOST R 34.10-2012 256-bit",    # RFC 9215
    "1.2.643.7.1.1.1.2": "GOST R 34.10-2012 512-bit",
}
_EC_PUBLIC_KEY = "1.2.840.10045.2.1"  # RFC 5480 §2.1.1 id-ecPublicKey


def certificate_key(der: bytes) -> tuple[str, str | None]:
    """("ECDSA P-384", "ec384") for a leaf certificate: the catalogue's label and id, or a
    description and None for a key outside the catalogue (RSA 1024, ECDSA brainpoolP256r1,
    DSA 2048, Ed448, SM2, an unknown OID). Never raises."""
    try:
        with warnings.catch_warnings():  # a server's odd serial number is not the user's news
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            certificate = x509.load_der_x509_certificate(der)
    except (ValueError, x509.InvalidVersion) as error:
        return f"unreadable certificate ({error})", None
    try:
        key = certificate.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return _unloadable_key(certificate), None
    parameters = key_parameters(key)
    if parameters is None:
        size = getattr(key, "key_size", None)  # DSA, DH
        kind = type(key).__name__.removeprefix("_").removesuffix("PublicKey")
        return f"{kind} {size}" if isinstance(size, int) else kind, None
    known = catalogue().matching(*parameters)
    if known is not None:
        return known.label, known.id
    algorithm, size, curve = parameters
    return f"{algorithm.upper()} {size or curve}", None


def _unloadable_key(certificate: x509.Certificate) -> str:
    """A key `cryptography` cannot load, named by its OIDs (RFC 5280 §4.1.2.7)."""
    try:
        algorithm, parameter = public_key_oids(certificate.tbs_certificate_bytes)
    except DecodeError as error:
        return f"unreadable public key ({error})"
    if algorithm == _EC_PUBLIC_KEY and parameter is not None:
        name = _KEY_OIDS.get(parameter)
        return (f"{name} (elliptic curve OID {parameter})" if name
                else f"unknown elliptic curve (OID {parameter})")
    name = _KEY_OIDS.get(algorithm)
    return f"{name} (OID {algorithm})" if name else f"unknown key type (OID {algorithm})"


def public_key_oids(tbs: bytes) -> tuple[str, str | None]:
    """(algorithm, parameter or None) of a TBSCertificate's SubjectPublicKeyInfo (RFC 5280
    §4.1): the seventh element (sixth without the [0] version), as dotted OIDs. DER per X.690
    §8.1, lengths checked against what remains."""
    fields = _der_children(_der_only(tbs, 0x30, "TBSCertificate"))
    if fields and fields[0][0] == 0xA0:
        fields = fields[1:]
    if len(fields) < 6 or fields[5][0] != 0x30:
        raise DecodeError("no SubjectPublicKeyInfo in the certificate", field="certificate")
    spki = _der_children(fields[5][1])
    if not spki or spki[0][0] != 0x30:
        raise DecodeError("no AlgorithmIdentifier in the public key", field="certificate")
    identifier = _der_children(spki[0][1])
    if not identifier or identifier[0][0] != 0x06:
        raise DecodeError("no algorithm OID in the public key", field="certificate")
    parameter = (_dotted(identifier[1][1]) if len(identifier) > 1 and identifier[1][0] == 0x06
                 else None)
    return _dotted(identifier[0][1]), parameter


def _der_children(data: bytes) -> list[tuple[int, bytes]]:
    """The (tag, contents) of consecutive DER elements with one-byte tags."""
    out: list[tuple[int, bytes]] = []
    position = 0
    while position < len(data):
        if position + 2 > len(data):
            raise DecodeError("DER element header truncated", offset=position, field="certificate")
        tag, first = data[position], data[position + 1]
        position += 2
        if first & 0x80:
            count = first & 0x7F
            if not 1 <= count <= 4 or position + count > len(data):
                raise DecodeError("DER length malformed", offset=position, field="certificate")
            length = int.from_bytes(data[position:position + count], "big")
            position += count
        else:
            length = first
        if position + length > len(data):
            raise DecodeError(f"DER length {length} exceeds the {len(data) - position} bytes "
                              "that remain", offset=position, field="certificate")
        out.append((tag, data[position:position + length]))
        position += length
    return out


def _der_only(data: bytes, tag: int, what: str) -> bytes:
    children = _der_children(data)
    if len(children) != 1 or children[0][0] != tag:
        raise DecodeError(f"{what} is not one DER element of tag 0x{tag:02x}", field="certificate")
    return children[0][1]


def _dotted(body: bytes) -> str:
    """X.690 §8.19: base-128 arcs, the first two folded into one."""
    if not body or body[-1] & 0x80:
        raise DecodeError("OID malformed", field="certificate")
    numbers, current = [], 0
    for byte in body:
        current = (current << 7) | (byte & 0x7F)
        if not byte & 0x80:
            numbers.append(current)
            current = 0
    first = min(numbers[0] // 40, 2)
    return ".".join(str(n) for n in (first, numbers[0] - 40 * first, *numbers[1:]))
