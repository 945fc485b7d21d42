"""The reference server, as data: what OpenSSL 3.0 does when configured by replay.py.

The analyzer reasons from these facts and the replayer configures OpenSSL with the same ones;
tests/test_reference.py checks them against the live OpenSSL, and the differential tests check
every verdict against a replay. Facts established by experiment against OpenSSL 3.0 are marked
"observed"; they are also asserted in tests/test_reference.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

#: OpenSSL cipher string: everything but anonymous and NULL-encryption suites, at security
#: level 0 so that TLS 1.0/1.1, SHA-1 and small keys stay available (a permissive server).
CIPHER_STRING = "ALL:!aNULL:@SECLEVEL=0"

#: TLS 1.3 suites OpenSSL 3.0 enables by default (Python cannot change them; the CCM suites
#: stay off).
TLS13_SUITES = frozenset({0x1301, 0x1302, 0x1303})

#: Protocol versions the reference server speaks: OpenSSL 3.0 as packaged has no SSL 3.0.
VERSIONS = (0x0301, 0x0302, 0x0303, 0x0304)

#: OpenSSL 3.0's default groups: x25519, secp256r1, x448, secp521r1, secp384r1 and the RFC 7919
#: ffdhe groups; ECDHE in TLS 1.2 and older uses only the elliptic-curve ones (observed).
#: In this order (OpenSSL's default list): a TLS 1.3 HelloRetryRequest asks for the first of
#: them the client lists — the server's preference, not the client's (observed).
GROUPS_TLS13_ORDER = (0x001D, 0x0017, 0x001E, 0x0019, 0x0018,
                      0x0100, 0x0101, 0x0102, 0x0103, 0x0104)
GROUPS_TLS13 = frozenset(GROUPS_TLS13_ORDER)
GROUPS_ECDHE = frozenset({0x001D, 0x0017, 0x001E, 0x0019, 0x0018})

#: The DHE group for TLS 1.2 and older (data/ffdhe2048.pem, RFC 7919 Appendix A.1).
DHE_GROUP_BITS = 2048

#: Signature schemes OpenSSL 3.0 implements by default (its tls12_sigalgs list), by the key
#: they need. rsa_pss_pss_* need an RSA-PSS key, which no catalogue key type is.
SCHEMES_ECDSA = frozenset({0x0403, 0x0503, 0x0603, 0x0303, 0x0203})
#: ecdsa_brainpoolP*r1tls13_* (RFC 8734): TLS 1.3 only (observed: in TLS 1.2 they are not
#: shared), and bound to brainpool curves no catalogue key type uses.
SCHEMES_BRAINPOOL_TLS13 = frozenset({0x081A, 0x081B, 0x081C})
SCHEMES_RSA_PKCS1 = frozenset({0x0401, 0x0501, 0x0601, 0x0301, 0x0201})
SCHEMES_RSA_PSS_RSAE = frozenset({0x0804, 0x0805, 0x0806})
SCHEMES_RSA_PSS_PSS = frozenset({0x0809, 0x080A, 0x080B})
SCHEMES_DSA = frozenset({0x0402, 0x0502, 0x0602, 0x0302, 0x0202})
SCHEMES_EDDSA = frozenset({0x0807, 0x0808})
SCHEMES = (SCHEMES_ECDSA | SCHEMES_BRAINPOOL_TLS13 | SCHEMES_RSA_PKCS1 | SCHEMES_RSA_PSS_RSAE
           | SCHEMES_RSA_PSS_PSS | SCHEMES_DSA | SCHEMES_EDDSA)
SHA1_SHA224 = frozenset({0x0203, 0x0303, 0x0201, 0x0301, 0x0202, 0x0302})
#: TLS 1.3 curve-bound ECDSA schemes (RFC 8446 §4.2.3); in TLS 1.2 the hash alone counts.
TLS13_ECDSA_CURVE = {0x0403: "secp256r1", 0x0503: "secp384r1", 0x0603: "secp521r1"}

#: The issuer's signature on each kind of leaf (certs.py mirrors Let's Encrypt), as the
#: signature_algorithms_cert codepoints OpenSSL matches it with (hash and key type).
ISSUER_SIGNATURE = {"rsa": frozenset({0x0401}), "ecdsa": frozenset({0x0503, 0x081B}),
                    "ed25519": frozenset({0x0807})}

FALLBACK_SCSV = 0x5600


@dataclass(frozen=True, slots=True)
class Suite:
    """A TLS 1.0-1.2 suite the reference server enables."""
    id: int
    openssl_name: str
    min_version: int
    kx: str      # "rsa", "ecdhe", "dhe", "psk", ...
    auth: str    # "rsa", "ecdsa", "dss", "psk", ...

    @property
    def usable(self) -> bool:
        """Certificate-based suites only: PSK and SRP need callbacks the server does not set,
        DSS a DSA certificate no key type provides (observed: they are never chosen)."""
        return self.kx in ("rsa", "ecdhe", "dhe") and self.auth in ("rsa", "ecdsa")


@cache
def suites() -> dict[int, Suite]:
    raw = json.loads(resources.files(__package__).joinpath("data/openssl-suites.json")
                     .read_text("utf-8"))
    return {s["id"]: Suite(s["id"], s["openssl_name"], s["min_version"], s["kx"], s["auth"])
            for s in raw["suites"]}


@cache
def snapshot_openssl() -> str:
    raw = json.loads(resources.files(__package__).joinpath("data/openssl-suites.json")
                     .read_text("utf-8"))
    return raw["openssl"]
