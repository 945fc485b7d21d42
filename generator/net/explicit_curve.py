"""An elliptic curve spelled out in a certificate (RFC 3279 §2.3.5 `ECParameters`, the
`specifiedCurve` choice of RFC 5480 §2.1.1, which PKIX forbids but OpenSSL still writes with
`-param_enc explicit`), recognised by its domain parameters when it is one of the catalogue's
curves: P-256, P-384 or P-521 (FIPS 186-4 D.1.2.3–D.1.2.5, SEC 2 §2.4.2, §2.5.1, §2.6.1).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CurveParameters:
    """What ECParameters say: the curve y² = x³ + ax + b over the prime field GF(p), its base
    point as X9.62 octets (uncompressed `04 x y` or compressed `02|03 x`, SEC 1 §2.3.3), the
    point's order n and the cofactor (None when left out: it is optional)."""
    p: int
    a: int
    b: int
    generator: bytes
    n: int
    cofactor: int | None


@dataclass(frozen=True, slots=True)
class NamedCurve:
    p: int
    a: int
    b: int
    gx: int
    gy: int
    n: int

    def generator_encodings(self) -> tuple[bytes, bytes]:
        """The base point uncompressed and compressed (SEC 1 §2.3.3)."""
        size = (self.p.bit_length() + 7) // 8
        x = self.gx.to_bytes(size, "big")
        return b"\x04" + x + self.gy.to_bytes(size, "big"), bytes((2 + (self.gy & 1),)) + x

    def matches(self, parameters: CurveParameters) -> bool:
        """Every domain parameter is this curve's (the cofactor of all three is 1)."""
        return ((parameters.p, parameters.a, parameters.b, parameters.n)
                == (self.p, self.a, self.b, self.n)
                and parameters.generator in self.generator_encodings()
                and parameters.cofactor in (None, 1))


def _hex(text: str) -> int:
    return int(text.replace(" ", ""), 16)


_P256_P = _hex("ffffffff 00000001 00000000 00000000 00000000 ffffffff ffffffff ffffffff")
_P384_P = _hex("ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff fffffffe"
               "ffffffff 00000000 00000000 ffffffff")
_P521_P = (1 << 521) - 1

#: the NIST name of each catalogue curve, by its parameters (a = p - 3 for all three)
KNOWN_CURVES: dict[str, NamedCurve] = {
    "P-256": NamedCurve(
        p=_P256_P, a=_P256_P - 3,
        b=_hex("5ac635d8 aa3a93e7 b3ebbd55 769886bc 651d06b0 cc53b0f6 3bce3c3e 27d2604b"),
        gx=_hex("6b17d1f2 e12c4247 f8bce6e5 63a440f2 77037d81 2deb33a0 f4a13945 d898c296"),
        gy=_hex("4fe342e2 fe1a7f9b 8ee7eb4a 7c0f9e16 2bce3357 6b315ece cbb64068 37bf51f5"),
        n=_hex("ffffffff 00000000 ffffffff ffffffff bce6faad a7179e84 f3b9cac2 fc632551")),
    "P-384": NamedCurve(
        p=_P384_P, a=_P384_P - 3,
        b=_hex("b3312fa7 e23ee7e4 988e056b e3f82d19 181d9c6e fe814112 0314088f 5013875a"
               "c656398d 8a2ed19d 2a85c8ed d3ec2aef"),
        gx=_hex("aa87ca22 be8b0537 8eb1c71e f320ad74 6e1d3b62 8ba79b98 59f741e0 82542a38"
                "5502f25d bf55296c 3a545e38 72760ab7"),
        gy=_hex("3617de4a 96262c6f 5d9e98bf 9292dc29 f8f41dbd 289a147c e9da3113 b5f0b8c0"
                "0a60b1ce 1d7e819d 7a431d7c 90ea0e5f"),
        n=_hex("ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff c7634d81 f4372ddf"
               "581a0db2 48b0a77a ecec196a ccc52973")),
    "P-521": NamedCurve(
        p=_P521_P, a=_P521_P - 3,
        b=_hex("0051 953eb961 8e1c9a1f 929a21a0 b68540ee a2da725b 99b315f3 b8b48991"
               "8ef109e1 56193951 ec7e937b 1652c0bd 3bb1bf07 3573df88 3d2c34f1 ef451fd4"
               "6b503f00"),
        gx=_hex("00c6 858e06b7 0404e9cd 9e3ecb66 2395b442 9c648139 053fb521 f828af60"
                "6b4d3dba a14b5e77 efe75928 fe1dc127 a2ffa8de 3348b3c1 856a429b f97e7e31"
                "c2e5bd66"),
        gy=_hex("0118 39296a78 9a3bc004 5c8a5fb4 2c7d1bd9 98f54449 579b4468 17afbd17"
                "273e662c 97ee7299 5ef42640 c550b901 3fad0761 353c7086 a272c240 88be9476"
                "9fd16650"),
        n=_hex("01ff ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff"
               "fffffffa 51868783 bf2f966b 7fcc0148 f709a5d0 3bb5c9b8 899c47ae"
               "bb6fb71e 91386409")),
}


def known_curve(parameters: CurveParameters) -> str | None:
    """"P-256" when every domain parameter is that curve's, else None: a curve that shares
    only the prime is another curve."""
    return next((name for name, curve in KNOWN_CURVES.items() if curve.matches(parameters)),
                None)
