"""The JSSE stack, as data: OpenJDK 17's SunJSSE server with the settings tlskb pins.

Verdicts must not depend on the machine's JDK update: Debian 12 ships OpenJDK 17 and moves it
with each security update (17.0.15 had TLS_RSA_* suites and SHA-1 handshake signatures on;
17.0.21.1's java.security turns both off). So the replayer does not use the runtime's
java.security for what decides a verdict: it hands the JVM the values below
(`-Djava.security.properties=<file>` for the security properties, `-D` for the system
properties), taken from 17.0.21.1 (Debian 12, openjdk-17-jre-headless 17.0.21.1+2-1~deb12u1),
and refuses a runtime that cannot honour them (replay.py). Sources: the JDK 17.0.21.1 sources
(openjdk-17-source, src/java.base/share/classes/sun/security/ssl/), cited by file; facts found
by replay are marked "observed, 17.0.21.1".
"""

from __future__ import annotations


#: The Java feature release the replayer accepts (java.specification.version).
JAVA_FEATURE = "17"
#: The update whose java.security values are pinned (and which CI installs).
PINNED_UPDATE = "17.0.21.1"
#: How to install it.
INSTALL = "apt-get install --no-install-recommends default-jdk-headless (Debian 12: OpenJDK 17)"

#: java.security values the verdicts depend on, as OpenJDK 17.0.21.1 ships them
#: (conf/security/java.security). jdk.tls.disabledAlgorithms removes TLS 1.0/1.1, SSL 3.0,
#: RC4, DES, 3DES, anonymous and NULL suites, static ECDH, every TLS_RSA_* (RSA key exchange)
#: suite, and SHA-1 signatures in the handshake (ServerKeyExchange / CertificateVerify).
SECURITY_PROPERTIES = {
    "jdk.tls.disabledAlgorithms": (
        "SSLv3, TLSv1, TLSv1.1, DTLSv1.0, RC4, DES, MD5withRSA, DH keySize < 1024, "
        "EC keySize < 224, 3DES_EDE_CBC, anon, NULL, ECDH, TLS_RSA_*, "
        "rsa_pkcs1_sha1 usage HandshakeSignature, ecdsa_sha1 usage HandshakeSignature, "
        "dsa_sha1 usage HandshakeSignature"),
    "jdk.tls.legacyAlgorithms": "NULL, anon, RC4, DES, 3DES_EDE_CBC",
    "jdk.certpath.disabledAlgorithms": (
        "MD2, MD5, SHA1 jdkCA & usage TLSServer, RSA keySize < 1024, DSA keySize < 1024, "
        "EC keySize < 224, SHA1 usage SignedJAR & denyAfter 2019-01-01"),
    "jdk.disabled.namedCurves": "",
}

#: The server's cipher suites in its order of preference (SSLContextImpl's default order less
#: what jdk.tls.disabledAlgorithms removes), passed as jdk.tls.server.cipherSuites so that a
#: later update cannot reorder them. JSSE 17 servers choose in their own order
#: (SSLParameters.getUseCipherSuitesOrder() is true by default; observed, 17.0.21.1).
SERVER_CIPHER_SUITES = (
    "TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
    "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_DHE_DSS_WITH_AES_256_CBC_SHA", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_DHE_DSS_WITH_AES_128_CBC_SHA", "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
)

#: The named groups in the server's order (SupportedGroupsExtension.SupportedGroups' default
#: list), passed as jdk.tls.namedGroups.
NAMED_GROUPS = ("x25519", "secp256r1", "secp384r1", "secp521r1", "x448", "ffdhe2048",
                "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192")

#: System properties the replayer sets: the pins above, and no session tickets (a replay
#: depends on the hello alone; each replay also gets a fresh SSLContext, so its session cache
#: is empty and a session id is never resumed).
SYSTEM_PROPERTIES = {
    "jdk.tls.server.cipherSuites": ",".join(SERVER_CIPHER_SUITES),
    "jdk.tls.namedGroups": ",".join(NAMED_GROUPS),
    "jdk.tls.server.enableSessionTicketExtension": "false",
}

#: What a default server engine enables with the pins (checked at start-up: replay.py).
ENABLED_PROTOCOLS = ("TLSv1.3", "TLSv1.2")

# -- the same facts as code points, for the analyzer ---------------------------------------------

#: Protocol versions in the server's order (ClientHello.negotiateProtocol walks the server's
#: active protocols, most preferred first, against supported_versions).
VERSIONS = (0x0304, 0x0303)



#: TLS 1.3 suites in the server's order.
TLS13_SUITES = (0x1302, 0x1301, 0x1303)
#: TLS 1.2 suites in the server's order (SERVER_CIPHER_SUITES less TLS 1.3 and the SCSV), as
#: code points, each with its key exchange and the certificate key algorithms that can serve it
#: (SSLKeyExchange: ECDHE_ECDSA takes EC and EdDSA keys, ECDHE_RSA and DHE_RSA RSA keys,
#: DHE_DSS DSA keys).
TLS12_SUITE_CODES = {
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": 0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": 0xC02B,
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": 0xCCA9, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": 0xC030,
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": 0xCCA8, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": 0xC02F,
    "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384": 0x009F, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256": 0xCCAA,
    "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384": 0x00A3, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256": 0x009E,
    "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256": 0x00A2, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384": 0xC024,
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384": 0xC028, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256": 0xC023,
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256": 0xC027, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256": 0x006B,
    "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256": 0x006A, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256": 0x0067,
    "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256": 0x0040, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA": 0xC00A,
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA": 0xC014, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA": 0xC009,
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA": 0xC013, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA": 0x0039,
    "TLS_DHE_DSS_WITH_AES_256_CBC_SHA": 0x0038, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA": 0x0033,
    "TLS_DHE_DSS_WITH_AES_128_CBC_SHA": 0x0032,
}
TLS12_SUITES = tuple(TLS12_SUITE_CODES[name] for name in SERVER_CIPHER_SUITES
                     if name in TLS12_SUITE_CODES)
_AUTH = {"ECDSA": frozenset({"EC", "EdDSA"}), "RSA": frozenset({"RSA"}),
         "DSS": frozenset({"DSA"})}
#: suite -> (key exchange "ecdhe" | "dhe", the key algorithms that can serve it)
SUITE_KEY_EXCHANGE = {code: ("ecdhe" if name.startswith("TLS_ECDHE_") else "dhe",
                             _AUTH[name.split("_")[2]])
                      for name, code in TLS12_SUITE_CODES.items()}

#: NAMED_GROUPS as code points; the EC and XDH ones serve ECDHE in TLS 1.2.
GROUP_CODES = (0x001D, 0x0017, 0x0018, 0x0019, 0x001E, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104)
GROUP_CODES_ECDHE = GROUP_CODES[:5]
#: Every group JSSE knows by code (NamedGroup.java), enabled or not: the client's
#: supported_groups, less unknown codes, is what it reasons with (clientRequestedNamedGroups).
KNOWN_GROUPS = frozenset(range(0x0001, 0x001A)) | {0x001D, 0x001E, 0x0100, 0x0101, 0x0102,
                                                   0x0103, 0x0104, 0xFF01, 0xFF02}

#: SignatureScheme -> the key algorithm it signs with (SignatureScheme.java's enum).
SCHEME_KEY = {
    0x0403: "EC", 0x0503: "EC", 0x0603: "EC", 0x0807: "EdDSA", 0x0808: "EdDSA",
    0x0804: "RSA", 0x0805: "RSA", 0x0806: "RSA",
    0x0809: "RSASSA-PSS", 0x080A: "RSASSA-PSS", 0x080B: "RSASSA-PSS",
    0x0401: "RSA", 0x0501: "RSA", 0x0601: "RSA", 0x0402: "DSA", 0x0303: "EC", 0x0301: "RSA",
    0x0302: "DSA", 0x0203: "EC", 0x0201: "RSA", 0x0202: "DSA", 0x0101: "RSA",
}
#: ECDSA schemes bound to a curve: in TLS 1.2 too, JSSE signs with one only for a key on that
#: curve (SignatureScheme.getSignerOfPreferableAlgorithm); ecdsa_sha224 takes any curve.
SCHEME_CURVE = {0x0403: "secp256r1", 0x0503: "secp384r1", 0x0603: "secp521r1"}
_TLS13_HANDSHAKE = frozenset({0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806,
                              0x0809, 0x080A, 0x080B})
#: handshakeSupportedProtocols / supportedProtocols TO_13 for certificates: rsa_pkcs1_* and
#: the SHA-1 schemes may sign certificates in TLS 1.3, not handshakes
_TLS13_CERTIFICATE = _TLS13_HANDSHAKE | {0x0401, 0x0501, 0x0601, 0x0203, 0x0201}
#: disabled by the pinned jdk.tls.disabledAlgorithms: MD5withRSA everywhere, the SHA-1
#: schemes for handshake signatures ("usage HandshakeSignature")
_DISABLED_EVERYWHERE = frozenset({0x0101})
_SHA1 = frozenset({0x0201, 0x0203, 0x0202})


def handshake_schemes(version: int) -> frozenset[int]:
    """Schemes the server accepts in signature_algorithms for handshake signatures."""
    if version >= 0x0304:
        return _TLS13_HANDSHAKE
    return frozenset(SCHEME_KEY) - _DISABLED_EVERYWHERE - _SHA1


def certificate_schemes(version: int) -> frozenset[int]:
    """Schemes the server accepts for certificates (CERTIFICATE_SCOPE)."""
    if version >= 0x0304:
        return _TLS13_CERTIFICATE
    return frozenset(SCHEME_KEY) - _DISABLED_EVERYWHERE


def share_decodes(group: int, value: bytes) -> bool:
    """Whether JSSE can decode a TLS 1.3 key share (NamedGroup.decodeCredentials); one that
    does not is ignored, not refused (KeyShareExtension.CHKeyShareConsumer)."""
    from generator.compat.keyshare import encoding_valid
    return encoding_valid(group, value)


