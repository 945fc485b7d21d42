"""The GnuTLS server, as data: what GnuTLS 3.7.9 (Debian 12's libgnutls30) does with priority
NORMAL and one certificate, configured by server.py as Exim 4.96 configures it. The analyzer
reasons from these facts. Source citations are to Debian's source package gnutls28
3.7.9-2+deb12u7 (`apt-get source gnutls28=3.7.9-2+deb12u7`; file:line in that tree); facts
found by replaying hellos are marked "observed, GnuTLS 3.7.9".
"""

from __future__ import annotations

#: the release the analyzer models; replay.py refuses any other
EXPECTED_VERSION = "3.7.9"
LIBRARY = "libgnutls.so.30"
DEBIAN_PACKAGE = "libgnutls30"
INSTALL = "apt-get install -y --no-install-recommends libgnutls30 (Debian 12: 3.7.9)"
#: Exim 4.96's exim_default_gnutls_priority when tls_require_ciphers is unset (src/src/tls-gnu.c
#: creds_load_pristring()); Debian's exim4.conf.template sets none
PRIORITY = "NORMAL"

TLS10, TLS11, TLS12, TLS13 = 0x0301, 0x0302, 0x0303, 0x0304
#: protocol versions NORMAL enables (SSL 3.0 is off; observed, GnuTLS 3.7.9:
#: `gnutls-cli --priority NORMAL --list`)
VERSIONS = (TLS10, TLS11, TLS12, TLS13)
#: the highest version legacy (pre-supported_versions) negotiation reaches: a legacy_version
#: above it gets it, one below TLS 1.0 is refused (lib/handshake.c _gnutls_negotiate_version()
#: L463-510, lib/algorithms/protocols.c _gnutls_version_is_too_high() L420)
LEGACY_MAX = TLS12

#: NORMAL's TLS 1.3 suites (observed, GnuTLS 3.7.9: gnutls-cli --priority NORMAL --list)
TLS13_SUITES = frozenset({0x1302, 0x1303, 0x1301, 0x1304})
#: NORMAL's TLS 1.0-1.2 suites: id -> (key exchange, lowest version); every one of them works up
#: to TLS 1.2 (observed, GnuTLS 3.7.9: gnutls-cli --priority NORMAL --list). No CBC-SHA256/384
#: suites (NORMAL's MACs are SHA1 and AEAD), no 3DES, RC4, DSS, PSK, SRP or anonymous suites.
TLS12_SUITES = {
    0xC02C: ("ecdhe_ecdsa", TLS12), 0xCCA9: ("ecdhe_ecdsa", TLS12), 0xC0AD: ("ecdhe_ecdsa", TLS12),
    0xC00A: ("ecdhe_ecdsa", TLS10), 0xC02B: ("ecdhe_ecdsa", TLS12), 0xC0AC: ("ecdhe_ecdsa", TLS12),
    0xC009: ("ecdhe_ecdsa", TLS10),
    0xC030: ("ecdhe_rsa", TLS12), 0xCCA8: ("ecdhe_rsa", TLS12), 0xC014: ("ecdhe_rsa", TLS10),
    0xC02F: ("ecdhe_rsa", TLS12), 0xC013: ("ecdhe_rsa", TLS10),
    0x009D: ("rsa", TLS12), 0xC09D: ("rsa", TLS12), 0x0035: ("rsa", TLS10),
    0x009C: ("rsa", TLS12), 0xC09C: ("rsa", TLS12), 0x002F: ("rsa", TLS10),
    0x009F: ("dhe_rsa", TLS12), 0xCCAA: ("dhe_rsa", TLS12), 0xC09F: ("dhe_rsa", TLS12),
    0x0039: ("dhe_rsa", TLS10), 0x009E: ("dhe_rsa", TLS12), 0xC09E: ("dhe_rsa", TLS12),
    0x0033: ("dhe_rsa", TLS10),
}
FALLBACK_SCSV = 0x5600
#: the most recognised suites of a hello the server considers (lib/handshake.c
#: _gnutls_server_select_suite(), MAX_CIPHERSUITE_SIZE)
MAX_SUITES = 256

#: NORMAL's groups (lib/priority.c _supported_groups_normal[] L161); the client's order decides
#: (no %SERVER_PRECEDENCE): the first elliptic-curve one it lists is the ECDHE / key-share
#: candidate, the first FFDHE one the DHE candidate (lib/ext/supported_groups.c L169-181)
GROUPS_EC = frozenset({0x0017, 0x0018, 0x0019, 0x001D, 0x001E})
GROUPS_FFDHE = frozenset({0x0100, 0x0101, 0x0102, 0x0103, 0x0104})
#: TLS <= 1.2 without supported_groups: secp256r1 is assumed (RFC 4492; lib/algorithms/
#: ciphersuites.c L1490-1497; observed, GnuTLS 3.7.9)
DEFAULT_EC_GROUP = 0x0017

#: NORMAL's signature algorithms (observed, GnuTLS 3.7.9: gnutls-cli --priority NORMAL --list):
#: no SHA-224, no DSA
SCHEMES_ENABLED = frozenset({0x0401, 0x0501, 0x0601, 0x0201, 0x0804, 0x0805, 0x0806,
                             0x0809, 0x080A, 0x080B, 0x0403, 0x0503, 0x0603, 0x0203,
                             0x0807, 0x0808})
#: what each key can sign with (lib/pubkey.c _gnutls_pubkey_compatible_with_sig() L2233,
#: pubkey_supports_sig() L2203): under TLS <= 1.2 0x0403/0x0503/0x0603 are hash-only
#: "ECDSA-SHA256/384/512", usable with any curve (a hash shorter than the curve only writes an
#: audit line, L2268; lib/algorithms/sign.c L151-156); rsa_pss_pss_* need an RSA-PSS key
SCHEMES_TLS12 = {"rsa": frozenset({0x0401, 0x0501, 0x0601, 0x0201, 0x0804, 0x0805, 0x0806}),
                 "ecdsa": frozenset({0x0403, 0x0503, 0x0603, 0x0203}),
                 "ed25519": frozenset({0x0807})}
#: TLS 1.3: no PKCS#1 v1.5, no SHA-1 (GNUTLS_SIGN_FLAG_TLS13_OK, lib/ext/signature.c L427), and
#: ECDSA schemes bound to their curve (lib/algorithms/sign.c L170-176)
SCHEMES_TLS13_RSA = frozenset({0x0804, 0x0805, 0x0806})
TLS13_ECDSA_SCHEME = {"secp256r1": 0x0403, "secp384r1": 0x0503, "secp521r1": 0x0603}
#: TLS 1.2 without signature_algorithms: SHA-1 (lib/ext/signature.c L363-370), which NORMAL
#: enables; an Ed25519 key has no SHA-1 scheme
SHA1_SCHEME = {"rsa": 0x0201, "ecdsa": 0x0203}
#: at most this many recognised signature_algorithms entries are kept (MAX_ALGOS)
MAX_SCHEMES = 128


#: extensions by the pass in which read_client_hello() parses them (server_parse_point of each
#: lib/ext/*.c module): supported_versions first, then the MANDATORY, APPLICATION and TLS
#: passes, each over the client's extensions in order; key_share and status_request only
#: after the cipher suite is chosen (_GNUTLS_EXT_TLS_POST_CS). A known extension seen twice in
#: its pass is refused (lib/hello_ext.c hello_ext_parse(), _gnutls_hello_ext_save():
#: GNUTLS_E_RECEIVED_ILLEGAL_EXTENSION, unsupported_extension); unknown ones are ignored,
#: signature_algorithms_cert (50) included (GnuTLS 3.7.9 does not implement it).
PASS_VERSION = frozenset({43})
PASS_MANDATORY = frozenset({16, 44, 42, 22, 23, 28, 65281, 0})
PASS_APPLICATION = frozenset({21, 14})
PASS_TLS = frozenset({19, 20, 27, 11, 15, 1, 49, 41, 45, 35, 13, 12, 10})
PASS_POST_SUITE = frozenset({51, 5})
PRE_SHARED_KEY = 41

# alerts, as gnutls_alert_send_appropriate() maps the library's errors (lib/alert.c
# gnutls_error_to_alert())
ALERT_HANDSHAKE_FAILURE, ALERT_ILLEGAL_PARAMETER, ALERT_DECODE_ERROR = 40, 47, 50
ALERT_PROTOCOL_VERSION, ALERT_INAPPROPRIATE_FALLBACK = 70, 86
ALERT_MISSING_EXTENSION, ALERT_UNSUPPORTED_EXTENSION = 109, 110

#: Known limits of the analyzer (each documented, none met by the corpus or the generated
#: hellos): the 256-suite cap (MAX_SUITES) counts only suites GnuTLS recognises, and the
#: analyzer does not list the recognised-but-disabled ones, so a hello with more than 256
#: recognised suites before a usable one is predicted wrongly; likewise the 128-scheme cap
#: (MAX_SCHEMES). The DHE group is not compared (the ServerKeyExchange carries a prime; the
#: verdict's group is None, as for OpenSSL). The HelloRetryRequest is decided after the suite
#: and the certificate's signature scheme (the key_share pass runs after
#: _gnutls_server_select_suite()), so an HRR verdict already accounts for the certificate;
#: the second ClientHello is not replayed.
#: Where GnuTLS differs from OpenSSL 3.5.6 pinned (observed, GnuTLS 3.7.9): TLS <= 1.2 ECDSA
#: schemes are hash-only and the certificate's curve is never compared with supported_groups
#: (Exchange Online 2019 × ec384 proceeds, signing ecdsa_secp256r1_sha256 with the P-384 key);
#: without supported_groups P-256 is assumed; TLS_RSA_* needs no signature scheme; a TLS 1.3
#: key share counts only for the client's first supported group (else HelloRetryRequest); no
#: signature_algorithms in TLS 1.3 gives handshake_failure, not missing_extension; legacy
#: SSL 3.0 is refused before supported_versions is read; a non-empty renegotiation_info fails
#: only after the suite is chosen (and never before a HelloRetryRequest).
