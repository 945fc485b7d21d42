"""Go crypto/tls as a server, as data: what a `tls.Server` with a zero `tls.Config` holding one
certificate and `SessionTicketsDisabled: true` does (replay.py runs exactly that). The analyzer
reasons from these facts; tests/test_stack_go.py checks every verdict against a replay.

The verdicts are for go1.19 (Debian 12's golang-go: golang-1.19-go 1.19.8-2); replay.py refuses
any other Go release. Citations are to that source, /usr/lib/go-1.19/src/crypto/tls/ (Debian
golang-1.19-src), as `file:line function`. "observed, go1.19.8" marks a fact an experiment
confirmed (the issue 11 experiment: 152 corpus pairs, 16 crafted probes × 8 key types, 12,000
mutated hellos; then this package's differential tests). What later Go releases change is
LATER_GO, from the golang/go source and release notes (not run here: Debian 12 has only 1.19).
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.compat.keytypes import Algorithm

#: the Go release line the verdicts are for; replay.py refuses another one
GO_RELEASE = "go1.19"
#: the exact release the facts were observed on
OBSERVED_ON = "go1.19.8 (Debian 12 golang-1.19-go 1.19.8-2, linux/amd64)"
INSTALL = "apt-get install --no-install-recommends golang-go  (Debian 12: Go 1.19)"

TLS10, TLS11, TLS12, TLS13 = 0x0301, 0x0302, 0x0303, 0x0304
#: common.go:972 supportedVersions; a server's default floor is TLS 1.0 (common.go:984
#: supportedVersions applies the TLS 1.2 floor to clients only; observed, go1.19.8)
VERSIONS = (TLS13, TLS12, TLS11, TLS10)

# -- alerts Go sends (alert.go) -----------------------------------------------------------------
ALERT_UNEXPECTED_MESSAGE, ALERT_HANDSHAKE_FAILURE, ALERT_ILLEGAL_PARAMETER = 10, 40, 47
ALERT_PROTOCOL_VERSION, ALERT_INAPPROPRIATE_FALLBACK = 70, 86
ALERT_MISSING_EXTENSION, ALERT_UNSUPPORTED_EXTENSION = 109, 110

FALLBACK_SCSV = 0x5600                 # cipher_suites.go:696
RENEGOTIATION_SCSV = 0x00FF            # common.go:107 scsvRenegotiation

# -- groups -------------------------------------------------------------------------------------
X25519, SECP256R1, SECP384R1, SECP521R1 = 0x001D, 0x0017, 0x0018, 0x0019
#: common.go:1027 defaultCurvePreferences: the only groups, TLS 1.2 ECDHE and TLS 1.3 alike
CURVE_PREFERENCES = (X25519, SECP256R1, SECP384R1, SECP521R1)
POINT_FORMAT_UNCOMPRESSED = 0

# -- TLS 1.0-1.2 cipher suites ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Suite:
    """One entry of cipher_suites.go:149 cipherSuites: its flags decide cipherSuiteOk."""
    id: int
    ecdhe: bool        # suiteECDHE: ECDHE key exchange (else RSA key exchange)
    ec_sign: bool      # suiteECSign: the ECDHE parameters are signed by an ECDSA/Ed25519 key
    tls12_only: bool   # suiteTLS12
    aes_gcm: bool      # in aesgcmCiphers (cipher_suites.go:373)


def _suite(id: int, ecdhe: bool, ec_sign: bool, tls12: bool, aes_gcm: bool = False) -> Suite:
    return Suite(id, ecdhe, ec_sign, tls12, aes_gcm)


#: cipher_suites.go:149 cipherSuites: every TLS 1.0-1.2 suite Go implements
SUITES = {s.id: s for s in (
    _suite(0xCCA8, True, False, True), _suite(0xCCA9, True, True, True),
    _suite(0xC02F, True, False, True, True), _suite(0xC02B, True, True, True, True),
    _suite(0xC030, True, False, True, True), _suite(0xC02C, True, True, True, True),
    _suite(0xC027, True, False, True), _suite(0xC013, True, False, False),
    _suite(0xC023, True, True, True), _suite(0xC009, True, True, False),
    _suite(0xC014, True, False, False), _suite(0xC00A, True, True, False),
    _suite(0x009C, False, False, True), _suite(0x009D, False, False, True),
    _suite(0x003C, False, False, True), _suite(0x002F, False, False, False),
    _suite(0x0035, False, False, False), _suite(0xC012, True, False, False),
    _suite(0x000A, False, False, False), _suite(0x0005, False, False, False),
    _suite(0xC011, True, False, False), _suite(0xC007, True, True, False),
)}
#: cipher_suites.go:271 cipherSuitesPreferenceOrder (AES-GCM hardware and a client that
#: prefers AES-GCM)
PREFERENCE_ORDER = (0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8,
                    0xC009, 0xC013, 0xC00A, 0xC014, 0x009C, 0x009D, 0x002F, 0x0035,
                    0xC012, 0x000A, 0xC023, 0xC027, 0x003C, 0xC007, 0xC011, 0x0005)
#: cipher_suites.go:302 cipherSuitesPreferenceOrderNoAES: ChaCha20 first
PREFERENCE_ORDER_NO_AES = (0xCCA9, 0xCCA8, 0xC02B, 0xC02F, 0xC02C, 0xC030,
                           0xC009, 0xC013, 0xC00A, 0xC014, 0x009C, 0x009D, 0x002F, 0x0035,
                           0xC012, 0x000A, 0xC023, 0xC027, 0x003C, 0xC007, 0xC011, 0x0005)
#: cipher_suites.go:327 disabledCipherSuites: CBC-SHA256 and RC4, off unless configured
DISABLED_SUITES = frozenset({0xC023, 0xC027, 0x003C, 0xC007, 0xC011, 0x0005})

#: cipher_suites.go:195 cipherSuitesTLS13, and :352/:358 the two preference orders
TLS13_SUITES = frozenset({0x1301, 0x1302, 0x1303})
TLS13_PREFERENCE_ORDER = (0x1301, 0x1302, 0x1303)
TLS13_PREFERENCE_ORDER_NO_AES = (0x1303, 0x1301, 0x1302)
TLS13_AES_GCM = frozenset({0x1301, 0x1302})

#: cipher_suites.go:364 hasAESGCMHardwareSupport (AES-NI and PCLMULQDQ on amd64, AES and PMULL
#: on arm64). The analyzer assumes the server has it, as every current x86-64 and arm64 server
#: does; replay.py refuses to prove verdicts on a CPU without it, where Go would put ChaCha20
#: first (the suite changes, never whether the handshake goes ahead).
AES_GCM_HARDWARE = True

# -- signature schemes --------------------------------------------------------------------------
RSA_PSS_RSAE = (0x0804, 0x0805, 0x0806)
RSA_PKCS1 = (0x0401, 0x0501, 0x0601, 0x0201)
ECDSA_TLS12 = (0x0403, 0x0503, 0x0603, 0x0203)
ED25519 = 0x0807
#: the RFC 5246 §7.4.1.4.1 default when a TLS 1.2 client sends no signature_algorithms
#: (auth.go:240 selectSignatureScheme: {PKCS1WithSHA1, ECDSAWithSHA1}; observed, go1.19.8)
TLS12_DEFAULT_SCHEMES = (0x0201, 0x0203)


def schemes_for(algorithm: Algorithm, curve_scheme: int | None, version: int) -> tuple[int, ...]:
    """auth.go:173 signatureSchemesForCertificate: what a key can sign with. TLS 1.2 and older:
    ECDSA schemes of every hash, whatever the key's curve ("In TLS 1.2 and earlier, ECDSA
    algorithms are not constrained to a single curve"); RSA-PSS and PKCS#1 (every catalogue
    RSA key is large enough for all of auth.go:148 rsaSignatureSchemes). TLS 1.3: the one
    ECDSA scheme of the key's curve, RSA-PSS only. Never rsa_pss_pss_* (no RSA-PSS keys)."""
    if algorithm is Algorithm.ECDSA:
        return ECDSA_TLS12 if version < TLS13 else (curve_scheme,)
    if algorithm is Algorithm.RSA:
        return RSA_PSS_RSAE + (RSA_PKCS1 if version < TLS13 else ())
    return (ED25519,)


#: The signature on each kind of leaf certificate is compat/certs.py's (chain_scheme). Go
#: never compares the chain with the client's lists (auth.go, handshake_server*.go: no use of
#: supportedSignatureAlgorithmsCert on the server side); the analyzer's caveat does.


# -- what later Go releases change --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LaterChange:
    """A server default that changed after go1.19, and what it does to a key-type verdict."""
    release: str
    change: str
    godebug: str | None   # the GODEBUG setting that restores the go1.19 behaviour
    effect: str
    source: str


#: Caddy, Traefik and the other Go servers ship with newer Go. These changes (from the
#: golang/go source and release notes; not run here) alter the go1.19 verdicts as `effect`
#: says. A program's go.mod `go` line, not only its toolchain, picks the GODEBUG defaults.
LATER_GO = (
    LaterChange("go1.22", "servers default to MinVersion TLS 1.2", "tls10server=1",
                "TLS 1.0/1.1-only clients fail for every key type (protocol_version)",
                "golang/go#62459, CL 541516; crypto/tls/common.go supportedVersions"),
    LaterChange("go1.22", "RSA key-exchange suites leave the defaults", "tlsrsakex=1",
                "clients with no ECDHE suite or no common curve no longer fall back to "
                "TLS_RSA_*: RSA keys fail there too",
                "golang/go#63413; crypto/tls/defaults.go defaultCipherSuites"),
    LaterChange("go1.23", "3DES suites leave the defaults", "tls3des=1",
                "clients offering only 3DES fail", "golang/go#66214"),
    LaterChange("go1.23", "X25519Kyber768Draft00 becomes the first key exchange", "tlskyber=0",
                "none on certificates (a client listing it may get a HelloRetryRequest)",
                "crypto/tls/defaults.go defaultCurvePreferences"),
    LaterChange("go1.24", "X25519MLKEM768 replaces Kyber; TLS 1.3 picks post-quantum first, "
                "then a group with a key share, then server order", "tlsmlkem=0",
                "none on certificates (may add a HelloRetryRequest)",
                "golang/go#69985; handshake_server_tls13.go processClientHello"),
    LaterChange("go1.25", "SHA-1 signature schemes are disabled in TLS 1.2, and a TLS 1.2 hello "
                "without signature_algorithms fails", "tlssha1=1",
                "TLS 1.2 clients offering only SHA-1 schemes (or none) fail after the "
                "Certificate, as a missing algorithm does today",
                "crypto/tls/defaults.go defaultSupportedSignatureAlgorithms; auth.go "
                "selectSignatureScheme"),
)

#: What no release since go1.19 changed (current golang/go source): one certificate is used
#: without looking at the hello; TLS 1.2 suites by key type only; the TLS 1.2 curve in the
#: client's order; TLS 1.2 ECDSA schemes not bound to the curve; ServerHello and Certificate
#: written before the ServerKeyExchange's scheme is chosen; the TLS 1.3 scheme checked before
#: the ServerHello but after any HelloRetryRequest.
UNCHANGED_SINCE = "go1.19"
