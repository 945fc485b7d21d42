"""The key in a server's certificate, named: the catalogue's label ("ECDSA P-384") when it is
one of its key types, else a description — "RSA 1024", "DSA 2048", "Ed448", "SM2 (elliptic
curve OID 1.2.156.10197.1.301)", "ECDSA with explicit curve parameters (P-256)", "unknown key
type (OID 1.3.6.1.4.1.99999.1)". Whatever the bytes, a name or a reason comes back, never an
exception: keys `cryptography` cannot load are named from their OIDs or their curve's
parameters, read from the certificate's DER with the bounds checked.
"""

from __future__ import annotations

import warnings

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.utils import CryptographyDeprecationWarning

from generator.compat.keytypes import catalogue, key_parameters
from generator.errors import DecodeError
from generator.net.explicit_curve import CurveParameters, known_curve

#: public key algorithms and curves `cryptography` does not load, by OID
_KEY_OIDS = {
    "1.2.156.10197.1.301": "SM2",                        # GB/T 32918, as an EC curve
    "1.2.643.2.2.19": "GOST R 34.10-2001",               # RFC 4491
    "1.2.643.7.1.1.1.1": "GOST R 34.10-2012 256-bit",    # RFC 9215
    "1.2.643.7.1.1.1.2": "GOST R 34.10-2012 512-bit",
}
_EC_PUBLIC_KEY = "1.2.840.10045.2.1"  # RFC 5480 §2.1.1 id-ecPublicKey
_PRIME_FIELD = "1.2.840.10045.1.1"    # RFC 3279 §2.3.5 prime-field
_INTEGER, _OCTET_STRING, _NULL, _OID, _SEQUENCE = 0x02, 0x04, 0x05, 0x06, 0x30  # X.690 §8


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
    """A key `cryptography` cannot load, named by its OIDs (RFC 5280 §4.1.2.7), or by its
    curve's parameters when the certificate spells them out."""
    try:
        algorithm, parameters = public_key_algorithm(certificate.tbs_certificate_bytes)
    except DecodeError as error:
        return f"unreadable public key ({error})"
    if algorithm == _EC_PUBLIC_KEY:
        return _ec_key(parameters)
    name = _KEY_OIDS.get(algorithm)
    return f"{name} (OID {algorithm})" if name else f"unknown key type (OID {algorithm})"


def _ec_key(parameters: tuple[int, bytes] | None) -> str:
    """An id-ecPublicKey key by its parameters, RFC 5480 §2.1.1's choice: namedCurve (an OID
    `cryptography` does not know: SM2, or an unknown curve), specifiedCurve (RFC 3279 §2.3.5:
    the curve spelled out, which `cryptography` refuses; named when it is P-256, P-384 or
    P-521) or implicitCurve (NULL)."""
    tag, body = parameters if parameters is not None else (None, b"")
    if tag == _OID:
        try:
            curve = _dotted(body)
        except DecodeError as error:
            return f"ECDSA with an unreadable curve OID ({error})"
        name = _KEY_OIDS.get(curve)
        return (f"{name} (elliptic curve OID {curve})" if name
                else f"unknown elliptic curve (OID {curve})")
    if tag == _SEQUENCE:
        try:
            name = known_curve(specified_curve(body))
        except DecodeError as error:
            return f"ECDSA with explicit curve parameters (unreadable: {error})"
        return ("ECDSA with explicit curve parameters" + (f" ({name})" if name else
                                                          " (not P-256, P-384 or P-521)"))
    if tag == _NULL:
        return "ECDSA with implicit curve parameters (implicitCurve)"
    return ("ECDSA without curve parameters" if tag is None
            else f"ECDSA with unreadable curve parameters (DER tag 0x{tag:02x})")


def specified_curve(body: bytes) -> CurveParameters:
    """The contents of RFC 3279 §2.3.5 `ECParameters` (version 1, a prime-field FieldID, the
    Curve's a and b, the base point, its order, an optional cofactor). A field other than a
    prime field (characteristic two) is a DecodeError here: none of the curves to recognise
    has one."""
    fields = _der_children(body)
    tags = [tag for tag, _ in fields]
    if (tags[:5] != [_INTEGER, _SEQUENCE, _SEQUENCE, _OCTET_STRING, _INTEGER]
            or tags[5:] not in ([], [_INTEGER])):
        raise DecodeError("ECParameters are not version, fieldID, curve, base, order "
                          "[, cofactor]", field="certificate")
    field_id = _der_children(fields[1][1])
    if (len(field_id) != 2 or field_id[0][0] != _OID or field_id[1][0] != _INTEGER
            or _dotted(field_id[0][1]) != _PRIME_FIELD):
        raise DecodeError("the curve's field is not a prime field", field="certificate")
    curve = _der_children(fields[2][1])
    if len(curve) not in (2, 3) or [tag for tag, _ in curve[:2]] != [_OCTET_STRING] * 2:
        raise DecodeError("the Curve is not a, b [, seed]", field="certificate")
    return CurveParameters(p=_integer(field_id[1][1]), a=_integer(curve[0][1]),
                           b=_integer(curve[1][1]), generator=fields[3][1],
                           n=_integer(fields[4][1]),
                           cofactor=_integer(fields[5][1]) if len(fields) > 5 else None)


def _integer(body: bytes) -> int:
    """A DER INTEGER's or a FieldElement's contents, big-endian (X.690 §8.3; RFC 3279
    §2.3.5: a FieldElement is the integer in an OCTET STRING)."""
    return int.from_bytes(body, "big")


def public_key_algorithm(tbs: bytes) -> tuple[str, tuple[int, bytes] | None]:
    """(algorithm OID, its parameters as (DER tag, contents) or None) of a TBSCertificate's
    SubjectPublicKeyInfo (RFC 5280 §4.1): the seventh element (sixth without the [0]
    version). DER per X.690 §8.1, lengths checked against what remains."""
    fields = _der_children(_der_only(tbs, 0x30, "TBSCertificate"))
    if fields and fields[0][0] == 0xA0:
        fields = fields[1:]
    if len(fields) < 6 or fields[5][0] != _SEQUENCE:
        raise DecodeError("no SubjectPublicKeyInfo in the certificate", field="certificate")
    spki = _der_children(fields[5][1])
    if not spki or spki[0][0] != _SEQUENCE:
        raise DecodeError("no AlgorithmIdentifier in the public key", field="certificate")
    identifier = _der_children(spki[0][1])
    if not identifier or identifier[0][0] != _OID:
        raise DecodeError("no algorithm OID in the public key", field="certificate")
    return _dotted(identifier[0][1]), (identifier[1] if len(identifier) > 1 else None)


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
