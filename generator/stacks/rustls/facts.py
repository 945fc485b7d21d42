"""The rustls server, as data: what rustls 0.23.45 with the aws-lc-rs 1.18.1 provider does when
configured as rtls 2026.9.21 configures a server (replay.py drives exactly that). The analyzer
reasons from these facts; tests/test_stack_rustls.py checks every verdict against a replay.

Sources: the rustls repository (rustls/rustls, the 0.23 line): rustls/src/server/hs.rs
(process_client_hello, with_certified_key, choose_suite_and_kx_group), server/tls12.rs,
server/tls13.rs, crypto/aws_lc_rs/{mod,sign,tls12,tls13}.rs, suites.rs, enums.rs; rtls
(jawah/rtls) rust/src/config.rs build_server_config_inner. Facts found by replay are marked
"observed, rustls 0.23.45".
"""

from __future__ import annotations

from generator.compat.keyshare import X25519, X25519MLKEM768

#: The PyPI wheel that carries the library (pyproject.toml pins exactly this one).
PINNED_RTLS = "2026.9.21"
#: The rustls release inside it (`rtls._rustls.rustls_version()`; the wheel's CycloneDX SBOM
#: agrees); replay.py refuses any other.
PINNED_RUSTLS = "0.23.45"
#: The crypto provider rtls builds rustls with (`crypto_provider()`, `crypto_provider_version()`):
#: aws-lc-rs, rustls 0.23's default provider. The ring provider (Stalwart's) differs: no P-521
#: keys (crypto/ring/sign.rs any_ecdsa_type) and no X25519MLKEM768.
PINNED_PROVIDER = "aws-lc-rs"
PINNED_PROVIDER_VERSION = "1.18.1"

TLS12, TLS13 = 0x0303, 0x0304
#: rustls implements TLS 1.2 and 1.3 only (no SSL 3.0-TLS 1.1, no SSLv2-format hellos).
VERSIONS = (TLS12, TLS13)

#: TLS 1.3 suites (aws-lc-rs DEFAULT_CIPHER_SUITES; rtls reorders them AES-128 first, which
#: never shows: rustls follows the client's order, ignore_client_order = false).
TLS13_SUITES = (0x1301, 0x1302, 0x1303)
#: TLS 1.2 suites, by the certificate key they need (suites.rs usable_for_signature_algorithm:
#: ECDHE_ECDSA serves ECDSA and Ed25519 keys). ECDHE only: no static RSA, DHE, CBC or SHA-1.
TLS12_ECDSA_SUITES = (0xC02B, 0xC02C, 0xCCA9)
TLS12_RSA_SUITES = (0xC02F, 0xC030, 0xCCA8)

#: Key exchange groups (aws-lc-rs DEFAULT_KX_GROUPS, no `prefer-post-quantum` in rtls' build):
#: X25519MLKEM768 is TLS 1.3 only. No secp521r1, x448 or FFDHE. The group is the first one in
#: the CLIENT's supported_groups the server has (observed, rustls 0.23.45).
GROUPS_TLS12 = frozenset({X25519, 0x0017, 0x0018})
GROUPS_TLS13 = GROUPS_TLS12 | {X25519MLKEM768}

#: TLS 1.2: the schemes each kind of suite can sign with (aws-lc-rs tls12.rs TLS12_ECDSA_SCHEMES,
#: TLS12_RSA_SCHEMES); rustls needs one of them offered before it asks the key.
TLS12_ECDSA_SCHEMES = (0x0807, 0x0603, 0x0503, 0x0403)
TLS12_RSA_SCHEMES = (0x0806, 0x0805, 0x0804, 0x0601, 0x0501, 0x0401)

#: The schemes each key signs with, in the KEY's order of preference (aws-lc-rs sign.rs
#: choose_scheme: the first of its own list the client offers, whatever the client's order):
#: an ECDSA key only with its curve's hash (never P-384 with SHA-256), RSA PSS before PKCS#1
#: and longer hashes first. TLS 1.3 allows no PKCS#1 (RFC 8446 §4.2.3).
#: Keyed by the key's algorithm, or its curve for ECDSA.
KEY_SCHEMES_TLS12 = {"secp256r1": (0x0403,), "secp384r1": (0x0503,), "secp521r1": (0x0603,),
                     "ed25519": (0x0807,), "rsa": TLS12_RSA_SCHEMES}
KEY_SCHEMES_TLS13 = {**KEY_SCHEMES_TLS12, "rsa": (0x0806, 0x0805, 0x0804)}

#: rustls never looks at signature_algorithms_cert (the single-certificate resolver ignores
#: it; observed, rustls 0.23.45): the chain's signature (compat/certs.py chain_scheme) only
#: decides the analyzer's caveat.

#: Alerts rustls sends (RFC 8446 §6.2).
ALERT_HANDSHAKE_FAILURE, ALERT_ILLEGAL_PARAMETER = 40, 47
ALERT_DECODE_ERROR, ALERT_PROTOCOL_VERSION = 50, 70

#: How rustls fails, by stage (observed, rustls 0.23.45): before its ServerHello with a fatal
#: alert; in TLS 1.2 with NO bytes at all when the key cannot sign with an offered scheme
#: ("incompatible signing key": the flight is written only after signing); in TLS 1.3 with an
#: encrypted handshake_failure after ServerHello, EncryptedExtensions and Certificate.
#:
#: Known limit: rustls decides a HelloRetryRequest (no key share for the client's first usable
#: group) before it looks at the signature schemes, so an HRR verdict says nothing yet about
#: the certificate; tlskb, as for OpenSSL, treats the HRR as the answer and sends no second
#: ClientHello.
#:
#: Stalwart mail server (the flagship program) differs: ring provider (no P-521 key can be
#: loaded, no X25519MLKEM768), ignore_client_order = true (the server's suite order), one
#: certificate per SNI name. Its certificate verdicts equal these for every key type but
#: ec521, which it cannot serve at all.
