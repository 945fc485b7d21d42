"""ClientHello fingerprints: JA3 (salesforce/ja3) and JA4 (FoxIO-LLC/ja4, technical_details/JA4.md).

Where JA4's specification and its reference implementations disagree, this module follows the
specification; each such point is marked "spec:" below and listed in the README:

* GREASE is ignored everywhere, including inside signature_algorithms (the reference tools
  hashed GREASE signature algorithms until their 2026 fix);
* with no signature algorithms the extension string is hashed without a trailing underscore
  (the Zeek reference appended one until FoxIO-LLC/ja4#149);
* a first ALPN value whose first or last byte is not an ASCII letter or digit contributes the
  first and last characters of its hex form (ja4.py substitutes '9', FoxIO-LLC/ja4#326).

Neither specification covers the SSL 2.0-format ClientHello (RFC 5246 E.2); for it both
fingerprints are None, as in tshark.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from generator.tls.messages import ClientHello
from generator.tls.registry import GREASE_VALUES
from generator.tls.records import WireClientHello

_JA4_VERSIONS = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3",
                 0x0002: "s2", 0x0200: "s2", 0x0100: "s1"}
_EMPTY_HASH = "000000000000"


@dataclass(frozen=True, slots=True)
class Fingerprints:
    ja3: str | None          # the JA3 string: version,ciphers,extensions,groups,point formats
    ja3_hash: str | None     # its MD5
    ja4: str | None          # JA4 a_b_c
    ja4_r: str | None        # JA4 raw (sorted lists before hashing)


def _no_grease(values: tuple[int, ...] | None) -> list[int]:
    return [v for v in values or () if v not in GREASE_VALUES]


def ja3_string(hello: ClientHello) -> str:
    """SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats in decimal, values
    joined by '-', GREASE removed from the first four lists (as salesforce/ja3 does)."""
    def join(values: list[int] | tuple[int, ...]) -> str:
        return "-".join(str(v) for v in values)
    return ",".join((
        str(hello.legacy_version),
        join(_no_grease(hello.cipher_suites)),
        join(_no_grease(hello.extension_types)),
        join(_no_grease(hello.supported_groups)),
        join(hello.ec_point_formats or ()),
    ))


def _ja4_version(hello: ClientHello) -> str:
    """spec: the highest non-GREASE supported_versions value, else the ClientHello version."""
    versions = _no_grease(hello.supported_versions)
    version = max(versions) if versions else hello.legacy_version
    return _JA4_VERSIONS.get(version, "00")


def _is_alnum(byte: int) -> bool:
    return 0x30 <= byte <= 0x39 or 0x41 <= byte <= 0x5A or 0x61 <= byte <= 0x7A


def _ja4_alpn(hello: ClientHello) -> str:
    """spec: "00" without ALPN or with an empty first value; else the first and last characters
    of the first value, or of its hex form when either byte is not ASCII alphanumeric."""
    protocols = hello.alpn
    if not protocols or not protocols[0]:
        return "00"
    first = protocols[0]
    if _is_alnum(first[0]) and _is_alnum(first[-1]):
        return chr(first[0]) + chr(first[-1])
    hexed = first.hex()
    return hexed[0] + hexed[-1]


def _truncated_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:12]


def ja4_parts(hello: ClientHello, transport: str = "t") -> tuple[str, str, str]:
    """(ja4_a, raw cipher list, raw extension string) per JA4.md."""
    ciphers = _no_grease(hello.cipher_suites)
    extensions = _no_grease(hello.extension_types)
    has_sni = 0 in extensions
    a = (f"{transport}{_ja4_version(hello)}{'d' if has_sni else 'i'}"
         f"{min(len(ciphers), 99):02d}{min(len(extensions), 99):02d}{_ja4_alpn(hello)}")
    cipher_list = ",".join(f"{c:04x}" for c in sorted(ciphers))
    ext_list = ",".join(f"{e:04x}" for e in sorted(e for e in extensions if e not in (0, 16)))
    signatures = _no_grease(hello.signature_algorithms)
    if signatures:
        ext_list += "_" + ",".join(f"{s:04x}" for s in signatures)
    return a, cipher_list, ext_list


def _ja4_from_parts(a: str, cipher_list: str, ext_list: str) -> str:
    b = _truncated_sha256(cipher_list) if cipher_list else _EMPTY_HASH
    c = _truncated_sha256(ext_list) if ext_list else _EMPTY_HASH
    return f"{a}_{b}_{c}"


def ja4(hello: ClientHello, transport: str = "t") -> str:
    return _ja4_from_parts(*ja4_parts(hello, transport))


def fingerprints(wire: WireClientHello) -> Fingerprints:
    if wire.sslv2 is not None:
        return Fingerprints(None, None, None, None)
    hello = wire.hello
    text = ja3_string(hello)
    a, cipher_list, ext_list = ja4_parts(hello)
    return Fingerprints(text, hashlib.md5(text.encode("ascii")).hexdigest(),
                        _ja4_from_parts(a, cipher_list, ext_list), f"{a}_{cipher_list}_{ext_list}")
