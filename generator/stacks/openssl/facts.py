"""The reference server, as data: what the pinned OpenSSL (3.5.6) does when configured by
pinned.py. The analyzer reasons from these facts and pinned.py configures OpenSSL with the
same ones; tests/test_reference.py asserts each observed fact against a replay, and the
differential tests check every verdict against one.

Facts found by experiment are marked "observed", with the release they were observed on.
Facts that differ between OpenSSL releases are also listed in VERSIONED, each with the
releases it holds for and the change that moved it; tests/test_canary.py asserts which side
of each change the pinned library is on, so a pin bump fails by the fact's name.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from generator.compat.keyshare import X25519, X25519MLKEM768, X448
from generator.i18n import N_

#: The reference server's OpenSSL release: the library inside the cryptography wheel that
#: pyproject.toml pins (pinned.py refuses any other). 3.5 is the current LTS line, the one
#: Debian 13 and Ubuntu 26.04 ship, so the verdicts speak for the servers being installed now.
PINNED_OPENSSL = "3.5.6"
#: The cryptography release whose wheel carries it (pyproject.toml pins exactly this one;
#: tests/test_pin.py checks the two agree).
PINNED_CRYPTOGRAPHY = "46.0.7"

#: OpenSSL cipher string: everything but anonymous and NULL-encryption suites, at security
#: level 0 so that TLS 1.0/1.1, SHA-1 signatures and small keys stay available (a permissive
#: server; since 3.0 each of them needs level 0, see VERSIONED).
CIPHER_STRING = "ALL:!aNULL:@SECLEVEL=0"

#: TLS 1.3 suites OpenSSL enables by default (the CCM suites stay off; observed, 3.5.6).
TLS13_SUITES = frozenset({0x1301, 0x1302, 0x1303})

#: Protocol versions the reference server speaks: the wheel's OpenSSL is built without SSL 3.0.
VERSIONS = (0x0301, 0x0302, 0x0303, 0x0304)

#: OpenSSL 3.5's default groups, "?*X25519MLKEM768 / ?*X25519:?secp256r1 / ?X448:?secp384r1:
#: ?secp521r1 / ?ffdhe2048:?ffdhe3072" (TLS_DEFAULT_GROUP_LIST in ssl/t1_lib.c): preference
#: tuples, most preferred first. For TLS 1.3 the server walks the tuples in this order; in the
#: first tuple holding a group the client lists, it takes the client's first key share for a
#: group of that tuple (key_share order), or else asks for the client's first listed group of
#: the tuple (supported_groups order) with a HelloRetryRequest (observed, 3.5.6).
GROUP_TUPLES = ((X25519MLKEM768,), (X25519, 0x0017), (X448, 0x0018, 0x0019), (0x0100, 0x0101))
GROUPS_TLS13 = frozenset(g for group in GROUP_TUPLES for g in group)
#: ECDHE in TLS 1.2 and older: the elliptic-curve groups only, in the client's order (the
#: hybrid and ffdhe groups are TLS 1.3-only; observed, 3.5.6)
GROUPS_ECDHE = frozenset({0x001D, 0x0017, 0x001E, 0x0018, 0x0019})

#: The DHE group for TLS 1.2 and older (data/ffdhe2048.pem, RFC 7919 Appendix A.1).
DHE_GROUP_BITS = 2048

#: Signature schemes OpenSSL 3.5 implements by default (its tls12_sigalgs list), by the key
#: they need. rsa_pss_pss_* need an RSA-PSS key, which no catalogue key type is.
SCHEMES_ECDSA = frozenset({0x0403, 0x0503, 0x0603, 0x0303, 0x0203})
#: ecdsa_brainpoolP*r1tls13_* (RFC 8734) and ML-DSA (mldsa44/65/87): TLS 1.3 only (observed,
#: 3.5.6: in TLS 1.2 they are never chosen), and for keys no catalogue key type is.
SCHEMES_BRAINPOOL_TLS13 = frozenset({0x081A, 0x081B, 0x081C})
SCHEMES_MLDSA = frozenset({0x0904, 0x0905, 0x0906})
SCHEMES_TLS13_ONLY = SCHEMES_BRAINPOOL_TLS13 | SCHEMES_MLDSA
SCHEMES_RSA_PKCS1 = frozenset({0x0401, 0x0501, 0x0601, 0x0301, 0x0201})
SCHEMES_RSA_PSS_RSAE = frozenset({0x0804, 0x0805, 0x0806})
SCHEMES_RSA_PSS_PSS = frozenset({0x0809, 0x080A, 0x080B})
SCHEMES_DSA = frozenset({0x0402, 0x0502, 0x0602, 0x0302, 0x0202})
SCHEMES_EDDSA = frozenset({0x0807, 0x0808})
SCHEMES = (SCHEMES_ECDSA | SCHEMES_TLS13_ONLY | SCHEMES_RSA_PKCS1 | SCHEMES_RSA_PSS_RSAE
           | SCHEMES_RSA_PSS_PSS | SCHEMES_DSA | SCHEMES_EDDSA)
#: TLS 1.3 curve-bound ECDSA schemes (RFC 8446 §4.2.3); in TLS 1.2 the hash alone counts.
TLS13_ECDSA_CURVE = {0x0403: "secp256r1", 0x0503: "secp384r1", 0x0603: "secp521r1"}

#: The alert for a ClientHello whose compression methods lack null (RFC 5246 §7.4.1.2):
#: illegal_parameter, "required compression algorithm missing" (observed, 3.5.6; an empty
#: list gets decode_error).
ALERT_NO_NULL_COMPRESSION = 47

#: Whether an ECDSA certificate is refused when ec_point_formats lacks uncompressed
#: (RFC 8422 §5.1.2): yes in 3.5.6 (observed).
POINT_FORMATS_CHECKED = True


class Fact(enum.Enum):
    """The reference-server behaviours known to differ between OpenSSL releases."""
    POINT_FORMATS = "point_formats"
    HYBRID_GROUP = "hybrid_group"
    GROUP_TUPLES = "group_tuples"
    FFDHE_GROUPS = "ffdhe_groups"
    FFDHE_PARTIAL_CHECK = "ffdhe_partial_check"
    NULL_COMPRESSION_ALERT = "null_compression_alert"
    SCHEMES_BEFORE_TLS13_COMPRESSION = "schemes_before_tls13_compression"
    MLDSA_SCHEMES = "mldsa_schemes"
    SHA1_NEEDS_LEVEL_0 = "sha1_needs_level_0"


@dataclass(frozen=True, slots=True)
class VersionedFact:
    """A behaviour of the reference server that other OpenSSL releases do not share. Its texts
    are the site's messages (N_): the guide shows them in each edition's language."""
    fact: Fact
    pinned: str        # what the pinned release does (and the analyzer models)
    elsewhere: str     # what the releases on the other side of the change do
    holds_for: str     # the releases where `pinned` holds
    changed_by: str    # the change that moved it, as precisely as known


VERSIONED = (
    VersionedFact(
        Fact.POINT_FORMATS,
        N_("an ECDSA certificate is refused when ec_point_formats is sent without uncompressed "
           "(RFC 8422 §5.1.2): the suite is skipped, often ending in handshake_failure"),
        N_("ec_point_formats is ignored: the certificate is served"),
        N_("3.0.21 and older, 3.1-3.3, 3.4-3.6 before their August 2026 releases (3.5.7 and "
           "older), 4.0.0-4.0.1 (observed: refuses on 3.0.19, 3.5.6 and 4.0.1; accepts on 3.0.22, "
           "4.0.2 and 4.0.3)"),
        N_("openssl/openssl#30940 \"Improve EC key point format handling\" removed "
           "tls1_check_pkey_comp() from ssl/t1_lib.c; backported in July 2026 as #31621 (3.0.22) "
           "and #31620 (4.0.2, and the 3.4-3.6 branches: 3.5.8 is expected to accept, not yet "
           "observed)")),
    VersionedFact(
        Fact.HYBRID_GROUP,
        N_("X25519MLKEM768 is the most preferred TLS 1.3 group: a client listing it is asked for "
           "it with a HelloRetryRequest even when it sent an x25519 key share"),
        N_("no ML-KEM group: the x25519 share is accepted"),
        N_("3.5.0 and later (observed, 3.5.6)"),
        N_("OpenSSL 3.5.0 (April 2025): ML-KEM hybrids in the default group list")),
    VersionedFact(
        Fact.GROUP_TUPLES,
        N_("TLS 1.3 groups are chosen by preference tuples: a key share for a group of a later "
           "tuple loses to a group merely listed from an earlier one (HelloRetryRequest); within "
           "a tuple the client's key_share order, then its supported_groups order, decides"),
        N_("the client's first usable key share is accepted; a HelloRetryRequest names the "
           "server's first default group the client lists (x25519, secp256r1, x448, secp521r1, "
           "secp384r1, ffdhe2048 …)"),
        N_("3.5.0 and later (observed, 3.5.6; 3.0.x observed the other way on 3.0.19 and 3.0.22)"),
        N_("OpenSSL 3.5.0: group tuples in SSL_CTX_set1_groups_list and the new default list")),
    VersionedFact(
        Fact.FFDHE_GROUPS,
        N_("TLS 1.3 finite-field groups: ffdhe2048 and ffdhe3072 only"),
        N_("ffdhe2048, ffdhe3072, ffdhe4096, ffdhe6144 and ffdhe8192"),
        N_("3.5.0 and later (observed, 3.5.6)"),
        N_("OpenSSL 3.5.0: the new default group list")),
    VersionedFact(
        Fact.FFDHE_PARTIAL_CHECK,
        N_("an FFDHE key share is checked only for 1 < y < p - 1 (a y outside the prime-order "
           "subgroup is accepted)"),
        N_("the full check: such a y ends the handshake with internal_error"),
        N_("3.5.6 (observed); 3.0.22 does the full check (observed)"),
        N_("the providers' DH public-key validation for named safe-prime groups (dh_kmgmt.c)")),
    VersionedFact(
        Fact.NULL_COMPRESSION_ALERT,
        N_("a ClientHello without the null compression method gets illegal_parameter"),
        N_("decode_error"),
        N_("3.5.6 (observed); 3.0.19 and 3.0.22 send decode_error (observed)"),
        N_("between 3.0 and 3.5 (the release is not pinned down)")),
    VersionedFact(
        Fact.SCHEMES_BEFORE_TLS13_COMPRESSION,
        N_("a TLS 1.3 ClientHello with no shared signature scheme and more compression methods "
           "than null fails on the schemes first (handshake_failure)"),
        N_("the compression methods are refused first (illegal_parameter)"),
        N_("3.5.6 (observed; in 3.5.7's source tls1_set_server_sigalgs() precedes the TLS 1.3 "
           "compression check in tls_early_post_process_client_hello); 3.0.22 the other way "
           "(observed)"),
        N_("between 3.0 and 3.5 (ssl/statem/statem_srvr.c reordered)")),
    VersionedFact(
        Fact.MLDSA_SCHEMES,
        N_("ML-DSA signature schemes (mldsa44/65/87, 0x0904-0x0906) are implemented, for TLS 1.3"),
        N_("unknown schemes"),
        N_("3.5.0 and later"),
        N_("OpenSSL 3.5.0: ML-DSA in the default signature algorithms")),
    VersionedFact(
        Fact.SHA1_NEEDS_LEVEL_0,
        N_("SHA-1 signatures in TLS 1.2, and TLS 1.0/1.1 at all, need security level 0: at level 1 "
           "a client offering only SHA-1 schemes gets handshake_failure and a TLS 1.0 client "
           "protocol_version (observed, 3.5.6); the reference server sets level 0 and serves both"),
        N_("1.1.1 allowed both at level 1 (3.5 defaults to level 2)"),
        N_("3.0.0 and later"),
        N_("OpenSSL 3.0.0 (SHA-1 and TLS < 1.2 moved below level 1); 3.5.0 made level 2 the "
           "default")),
)

FALLBACK_SCSV = 0x5600


#: The issuer's signature on each kind of leaf (certs.py mirrors Let's Encrypt), as the
#: signature_algorithms_cert codepoints OpenSSL matches it with (hash and key type).
ISSUER_SIGNATURE = {"rsa": frozenset({0x0401}), "ecdsa": frozenset({0x0503, 0x081B}),
                    "ed25519": frozenset({0x0807})}


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
        DSS a DSA certificate no key type provides (observed, 3.0 and 3.5.6: they are never
        chosen)."""
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
