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

from dataclasses import dataclass

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
