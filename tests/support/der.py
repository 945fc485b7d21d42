"""Just enough DER (X.690 §8.1: tag, definite length, contents) to build certificates that
`cryptography` will not make: a leaf whose SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) holds an
SM2 key or a key of an OID nobody knows. The signature no longer matches; nobody checks it."""

from __future__ import annotations


def tlv(tag: int, content: bytes) -> bytes:
    """One DER element (short or long form length)."""
    if len(content) < 0x80:
        return bytes((tag, len(content))) + content
    size = len(content).to_bytes((len(content).bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(size))) + size + content


def elements(der: bytes) -> list[tuple[int, bytes]]:
    """The (tag, contents) of each element in a run of DER elements."""
    out, position = [], 0
    while position < len(der):
        tag, first = der[position], der[position + 1]
        position += 2
        if first & 0x80:
            count = first & 0x7F
            length = int.from_bytes(der[position:position + count], "big")
            position += count
        else:
            length = first
        out.append((tag, der[position:position + length]))
        position += length
    return out


def oid(dotted: str) -> bytes:
    """X.690 §8.19: the first two arcs in one number, then base 128."""
    arcs = [int(a) for a in dotted.split(".")]
    numbers = [40 * arcs[0] + arcs[1], *arcs[2:]]
    body = bytearray()
    for number in numbers:
        chunk = [number & 0x7F]
        number >>= 7
        while number:
            chunk.append(0x80 | (number & 0x7F))
            number >>= 7
        body += bytes(reversed(chunk))
    return tlv(0x06, bytes(body))


SEQUENCE, BIT_STRING = 0x30, 0x03


def public_key_info(algorithm: str, parameter: str | None, key: bytes) -> bytes:
    """SubjectPublicKeyInfo: AlgorithmIdentifier (an OID and an optional OID parameter), then
    the key as a BIT STRING."""
    identifier = oid(algorithm) + (oid(parameter) if parameter else b"")
    return tlv(SEQUENCE, tlv(SEQUENCE, identifier) + tlv(BIT_STRING, b"\x00" + key))


def with_public_key_info(certificate: bytes, spki: bytes) -> bytes:
    """A v3 certificate with its SubjectPublicKeyInfo (the TBSCertificate's 7th element)
    replaced."""
    ((_, outer),) = elements(certificate)
    (tbs_tag, tbs), *rest = elements(outer)
    fields = elements(tbs)
    fields[6] = (SEQUENCE, elements(spki)[0][1])
    new_tbs = tlv(tbs_tag, b"".join(tlv(t, c) for t, c in fields))
    return tlv(SEQUENCE, new_tbs + b"".join(tlv(t, c) for t, c in rest))
