"""The JSSE analyzer: (ClientHello, key type) -> Verdict, by OpenJDK 17's SunJSSE server rules
with the settings facts.py pins.

A pure function. It walks the decisions a server-mode SSLEngine makes for a ClientHello in the
order JSSE makes them (sources: OpenJDK 17.0.21.1, src/java.base/share/classes/sun/security/ssl/;
checked against the replayer), so that the first obstacle it finds is the one the replay
reports:

 1. the record format: an SSL 2.0 ClientHello needs SSLv2Hello, which servers do not enable
    (SSLEngineInputRecord; handshake_failure)
 2. protocol version (ClientHello.negotiateProtocol): supported_versions in the server's order
    (TLS 1.3, then TLS 1.2), else legacy_version capped at TLS 1.2 (protocol_version)
 3. TLS 1.3: legacy_version must be TLS 1.2 (T13ClientHelloConsumer; protocol_version)
 4. TLS 1.3: signature_algorithms present (missing_extension); a usable key share, or else a
    HelloRetryRequest (KeyShareExtension): its suite, then its group — the client's first
    supported group the server knows (HRRKeyShareProducer; unexpected_message if none)
 5. signature_algorithms: at least one scheme usable for the handshake, and for certificates
    when signature_algorithms_cert is absent (SignatureAlgorithmsExtension.
    updateHandshakeContext; handshake_failure)
 6. the cipher suite, in the server's order (ServerHello.chooseCipherSuite): TLS 1.3 the first
    common TLS 1.3 suite; TLS 1.2 the first common suite whose key exchange this certificate
    and the hello allow — an ECDSA certificate's curve must be in supported_groups
    (X509Authentication.createServerPossession), ECDHE needs a common group (handshake_failure)
 — the ServerHello is sent here; what follows fails only after it —
 7. TLS 1.3: the certificate's key type must be one signature_algorithms_cert (else
    signature_algorithms) names with a scheme the server can sign with (CertificateMessage.
    T13CertificateProducer.choosePossession; handshake_failure, sent encrypted)
 8. the handshake signature: the client's first signature_algorithms scheme this key can make
    (SignatureScheme.getSignerOfPreferableAlgorithm; internal_error). TLS 1.2 without
    signature_algorithms means SHA-1 (RFC 5246 §7.4.1.4.1), which the pinned
    jdk.tls.disabledAlgorithms forbids in handshake signatures.

An ECDSA certificate on a curve the client does not list is refused (step 6), so the
curve-not-offered caveat never applies; the certificate-signature caveat (the issuer's
signature missing from signature_algorithms_cert) does: JSSE checks only the leaf's key type.
"""

from __future__ import annotations


from generator.compat.certs import chain_scheme
from generator.compat.keytypes import KeyType
from generator.compat.verdict import Caveat, Refusal as _Stop, Verdict, hex16, listed as _names
from generator.i18n import Message, reason, verbatim
from generator.stacks.jsse import facts
from generator.tls import extensions as ext
from generator.tls.messages import ClientHello
from generator.tls.registry import (cipher_suite_name, group_name, signature_scheme_name, version_name)

ALERT_UNEXPECTED_MESSAGE, ALERT_HANDSHAKE_FAILURE, ALERT_PROTOCOL_VERSION = 10, 40, 70
ALERT_INTERNAL_ERROR, ALERT_MISSING_EXTENSION = 80, 109
ALERT_ILLEGAL_PARAMETER = 47
#: what IDN.toASCII treats as label separators (RFC 3490 §3.1)
_LABEL_DOTS = ".\u3002\uff0e\uff61"
TLS12, TLS13 = 0x0303, 0x0304


def _key_algorithm(key_type: KeyType) -> str:
    """The Java key algorithm name of the certificate's key (Key.getAlgorithm())."""
    return {"rsa": "RSA", "ecdsa": "EC", "ed25519": "EdDSA"}[key_type.algorithm]


# -- steps before the ServerHello ----------------------------------------------------------------

def negotiate_version(hello: ClientHello) -> int:
    offered = hello.supported_versions
    if offered is not None:
        for version in facts.VERSIONS:
            if version in offered:
                return version
        raise _Stop("no_common_version",
                    reason("supported_versions lists %(versions)s; the server accepts TLS 1.3 "
                           "and TLS 1.2 only (jdk.tls.disabledAlgorithms disables TLS 1.0, 1.1 "
                           "and SSL 3.0; RFC 8446 §4.2.1)",
                           versions=_names(offered, version_name)),
                    ALERT_PROTOCOL_VERSION, ("supported_versions",), False)
    version = min(hello.legacy_version, TLS12)
    if version == TLS12:
        return version
    raise _Stop("version_too_low",
                reason("legacy_version is %(version)s and there is no supported_versions: the "
                       "client speaks at most %(version)s, which the server's "
                       "jdk.tls.disabledAlgorithms disables (TLS 1.2 at least; RFC 8996)",
                       version=version_name(hello.legacy_version)),
                ALERT_PROTOCOL_VERSION, ("legacy_version",), False)


def _handshake_schemes(hello: ClientHello, version: int) -> list[int]:
    return [s for s in hello.signature_algorithms or () if s in facts.handshake_schemes(version)]


def _certificate_schemes(hello: ClientHello, version: int) -> list[int] | None:
    """peerRequestedCertSignSchemes: signature_algorithms_cert, else signature_algorithms,
    filtered to what the server accepts for certificates; None when neither was sent."""
    listed = hello.signature_algorithms_cert
    if listed is None:
        listed = hello.signature_algorithms
    if listed is None:
        return None
    return [s for s in listed if s in facts.certificate_schemes(version)]


def _check_signature_algorithms(hello: ClientHello, version: int) -> None:
    """SignatureAlgorithmsExtension.updateHandshakeContext, run before the suite is chosen."""
    offered = hello.signature_algorithms
    if offered is None:
        return
    if not _handshake_schemes(hello, version) or (
            hello.signature_algorithms_cert is None and not _certificate_schemes(hello, version)):
        raise _Stop("no_supported_signature_algorithm",
                    reason("signature_algorithms lists %(schemes)s; the server can sign with "
                           "none of them in %(version)s (SHA-1 and MD5 handshake signatures "
                           "are disabled by jdk.tls.disabledAlgorithms; RFC 8446 §4.2.3, "
                           "RFC 9155)", schemes=_names(offered, signature_scheme_name),
                           version=version_name(version)),
                    ALERT_HANDSHAKE_FAILURE, ("signature_algorithms",), False)


def _client_groups(hello: ClientHello) -> list[int] | None:
    """clientRequestedNamedGroups: the client's supported_groups JSSE knows (enabled or not),
    in the client's order; None without the extension (SupportedGroupsExtension)."""
    groups = hello.supported_groups
    if groups is None:
        return None
    return [g for g in groups if g in facts.KNOWN_GROUPS]


def _check_tls13_extensions(hello: ClientHello) -> None:
    """Without a pre_shared_key, TLS 1.3 needs supported_groups and signature_algorithms, and
    key_share with supported_groups (RFC 8446 §9.2; ClientHello / KeyShareExtension absence
    handlers)."""
    if hello.supported_groups is None:
        raise _Stop("missing_supported_groups",
                    reason("TLS 1.3 without a pre-shared key needs supported_groups, and the "
                           "client sent none (RFC 8446 §9.2)"),
                    ALERT_MISSING_EXTENSION, ("supported_groups",), False)
    if hello.typed(ext.KeyShare) is None:
        raise _Stop("missing_key_share",
                    reason("TLS 1.3 needs key_share alongside supported_groups, and the client "
                           "sent none (RFC 8446 §9.2)"),
                    ALERT_MISSING_EXTENSION, ("key_share",), False)


def _tls13_suite(hello: ClientHello) -> int:
    for suite in facts.TLS13_SUITES:
        if suite in hello.cipher_suites:
            return suite
    raise _Stop("no_common_tls13_suite",
                reason("supported_versions selects TLS 1.3 but cipher_suites offers none of "
                       "the server's TLS 1.3 suites (TLS_AES_256_GCM_SHA384, "
                       "TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256; RFC 8446 "
                       "§4.1.2)"),
                ALERT_HANDSHAKE_FAILURE, ("cipher_suites",), False)


def _tls13_key_share(hello: ClientHello) -> int | None:
    """The group of the client's first key share the server can use (client order), or None."""
    key_share = hello.typed(ext.KeyShare)
    for entry in key_share.entries if key_share else ():
        if entry.group in facts.GROUP_CODES and facts.share_decodes(entry.group,
                                                                   entry.key_exchange):
            return entry.group
    return None


def _hello_retry_group(hello: ClientHello) -> int:
    for group in _client_groups(hello) or ():
        if group in facts.GROUP_CODES:
            return group
    what = (reason("supported_groups is absent") if hello.supported_groups is None else
            reason("supported_groups lists %(groups)s, none of which the server knows",
                   groups=_names(hello.supported_groups, group_name)))
    raise _Stop("no_common_group",
                reason("no key share the server can use, and %(what)s, so there is no group to "
                       "ask for in a HelloRetryRequest (RFC 8446 §4.2.7, §4.2.8)", what=what),
                ALERT_UNEXPECTED_MESSAGE,
                ("supported_groups", "key_share"), False)


def _ecdhe_group(hello: ClientHello) -> int | None:
    """TLS 1.2 ECDHE group: the client's first EC or XDH group the server enables, or the
    server's first (x25519) when the client lists no group JSSE knows (ECDHKeyExchange.
    ECDHEPossessionGenerator)."""
    groups = _client_groups(hello)
    if not groups:
        return facts.GROUP_CODES_ECDHE[0]
    for group in groups:
        if group in facts.GROUP_CODES_ECDHE:
            return group
    return None


def _certificate_possible(hello: ClientHello, key_type: KeyType) -> bool:
    """X509Authentication.createServerPossession in TLS 1.2: an EC certificate's curve must be
    one the client lists (when it sends supported_groups; RFC 8422 §5.1)."""
    if key_type.algorithm != "ecdsa":
        return True
    groups = _client_groups(hello)
    return groups is None or key_type.group in groups


def _tls12_suite(hello: ClientHello, key_type: KeyType) -> tuple[int, tuple[int, ...], int | None]:
    """(suite, every suite this certificate could get, ECDHE group or None)."""
    algorithm = _key_algorithm(key_type)
    certificate = _certificate_possible(hello, key_type)
    ecdhe = _ecdhe_group(hello)
    acceptable = []
    for suite in facts.TLS12_SUITES:
        if suite not in hello.cipher_suites:
            continue
        kx, auth = facts.SUITE_KEY_EXCHANGE[suite]
        if algorithm not in auth or not certificate:
            continue
        if kx == "ecdhe" and ecdhe is None:
            continue
        acceptable.append(suite)
    if acceptable:
        suite = acceptable[0]
        return suite, tuple(acceptable), ecdhe if facts.SUITE_KEY_EXCHANGE[suite][0] == "ecdhe" else None
    raise _suite_problem(hello, key_type, certificate, ecdhe)


def _suite_problem(hello: ClientHello, key_type: KeyType, certificate: bool,
                   ecdhe: int | None) -> _Stop:
    offered = [s for s in facts.TLS12_SUITES if s in hello.cipher_suites]
    fields = ("cipher_suites",)
    if not offered:
        return _Stop("no_common_cipher_suite",
                     reason("cipher_suites offers no suite the server enables for TLS 1.2 "
                            "(%(suites)s); JSSE enables only ECDHE and DHE suites with AES-GCM, "
                            "ChaCha20 or AES-CBC (jdk.tls.disabledAlgorithms removes TLS_RSA_*, "
                            "3DES, RC4 and NULL)",
                            suites=_names(hello.cipher_suites, cipher_suite_name, 4)),
                     ALERT_HANDSHAKE_FAILURE, fields, False)
    algorithm = _key_algorithm(key_type)
    mine = [s for s in offered if algorithm in facts.SUITE_KEY_EXCHANGE[s][1]]
    kind = (reason("ECDHE_RSA or DHE_RSA") if algorithm == "RSA"
            else verbatim("ECDHE_ECDSA"))
    if not mine:
        return _Stop(f"no_{key_type.algorithm}_suite",
                     reason("cipher_suites offers no %(kind)s suite, which an %(key_type)s "
                            "certificate needs (RFC 5246 §7.4.2)", kind=kind,
                            key_type=key_type.label),
                     ALERT_HANDSHAKE_FAILURE, fields, True)
    if not certificate:
        return _Stop("curve_not_in_supported_groups",
                     reason("supported_groups lists %(groups)s; an %(key_type)s certificate "
                            "needs %(curve)s there, and JSSE will not serve it otherwise (RFC "
                            "8422 §5.1; X509Authentication)",
                            groups=_names(hello.supported_groups or (), group_name),
                            key_type=key_type.label, curve=key_type.curve),
                     ALERT_HANDSHAKE_FAILURE, ("supported_groups",), True)
    return _Stop("no_ecdhe_group",
                 reason("the only %(kind)s suites are ECDHE suites, and %(groups)s "
                        "(RFC 8422 §5.1.1)", kind=kind,
                        groups=reason("supported_groups lists %(groups)s, none of which the "
                                      "server offers for ECDHE",
                                      groups=_names(hello.supported_groups or (), group_name))),
                 ALERT_HANDSHAKE_FAILURE, ("supported_groups",), True)


# -- steps after the ServerHello -----------------------------------------------------------------

def _check_tls13_certificate(hello: ClientHello, key_type: KeyType) -> None:
    """T13CertificateProducer.choosePossession: the key types the client's certificate
    schemes name, keeping those the server could also sign a CertificateVerify with."""
    schemes = _certificate_schemes(hello, TLS13) or []
    handshake = _handshake_schemes(hello, TLS13)
    types = []
    for scheme in schemes:
        kind = facts.SCHEME_KEY[scheme]
        if kind not in types and any(facts.SCHEME_KEY[s] == kind for s in handshake):
            types.append(kind)
    if _key_algorithm(key_type) not in types:
        listed = ("signature_algorithms_cert" if hello.signature_algorithms_cert is not None
                  else "signature_algorithms")
        raise _Stop("certificate_key_type_not_offered",
                    reason("%(field)s lists %(schemes)s; none is a scheme for an %(key_type)s "
                           "certificate that the server can also sign its CertificateVerify "
                           "with (RFC 8446 §4.4.2.2); JSSE sends its ServerHello, then fails",
                           field=listed,
                           schemes=_names(getattr(hello, listed) or (), signature_scheme_name),
                           key_type=key_type.label),
                    ALERT_HANDSHAKE_FAILURE, (listed,), True, True)


def _signature_scheme(hello: ClientHello, key_type: KeyType, version: int) -> int:
    """getSignerOfPreferableAlgorithm: the client's first handshake scheme for this key."""
    handshake = (_handshake_schemes(hello, version) if hello.signature_algorithms is not None
                 else [])
    algorithm = _key_algorithm(key_type)
    for scheme in handshake:
        if facts.SCHEME_KEY[scheme] != algorithm:
            continue
        if key_type.algorithm == "ecdsa":
            bound = facts.SCHEME_CURVE.get(scheme)
            if bound is not None and bound != key_type.curve:
                continue
        if key_type.algorithm == "ed25519" and scheme != 0x0807:
            continue   # an ed448 signer cannot take an Ed25519 key
        return scheme
    what = (reason("signature_algorithms lists %(schemes)s",
                   schemes=_names(hello.signature_algorithms, signature_scheme_name))
            if hello.signature_algorithms is not None else
            reason("signature_algorithms is absent, which means SHA-1 (RFC 5246 §7.4.1.4.1), "
                   "disabled for handshake signatures by jdk.tls.disabledAlgorithms"))
    raise _Stop("no_signature_scheme_for_key",
                reason("%(what)s; none lets the server sign with an %(key_type)s certificate "
                       "in %(version)s; JSSE sends its ServerHello, then fails (RFC 8446 "
                       "§4.2.3, RFC 5246 §7.4.1.4.1)", what=what, key_type=key_type.label,
                       version=version_name(version)),
                ALERT_INTERNAL_ERROR,
                ("signature_algorithms",), True, True)


def _caveat(hello: ClientHello, key_type: KeyType) -> tuple[Caveat | None, Message | None]:
    """The certificate chain's signature (the issuer's) not among what the client lists."""
    listed = hello.signature_algorithms_cert
    name = "signature_algorithms_cert"
    if listed is None:
        listed, name = hello.signature_algorithms, "signature_algorithms"
    if listed is None:
        return None, None
    issuer = chain_scheme(key_type.algorithm)  # the replay chain's signature (certs.py)
    if issuer in listed:
        return None, None
    return (Caveat.CERTIFICATE_SIGNATURE_NOT_OFFERED,
            reason("the certificate is signed with %(signature)s, which %(field)s does not "
                   "list; JSSE serves it anyway and the client may refuse it (RFC 8446 §4.2.3, "
                   "RFC 5246 §7.4.2)", signature=signature_scheme_name(issuer), field=name))


def _host_name_valid(encoded: bytes) -> bool:
    """Whether `new SNIHostName(encoded)` accepts a host_name (java/javax/net/ssl/SNIHostName
    .java, JDK 17): strict UTF-8, then IDN.toASCII with USE_STD3_ASCII_RULES — every label
    letters, digits and '-' once converted (RFC 3490 §4.1 step 3), not starting or ending
    with '-', at most 63 octets, none empty — and no trailing dot (checkHostName). Python's `idna` codec
    is the same IDNA 2003 ToASCII (nameprep, punycode); observed against OpenJDK 17.0.21.1."""
    import encodings.idna
    try:
        text = encoded.decode("utf-8")
        labels = []
        start = 0
        for index, character in enumerate(text):
            if character in _LABEL_DOTS:
                labels.append(text[start:index])
                start = index + 1
        labels.append(text[start:])
        if "" in labels:
            return False  # an empty label (observed), or checkHostName's trailing dot
        for label in labels:
            ascii_label = encodings.idna.ToASCII(label).decode("ascii")
            if any(not (c.isascii() and (c.isalnum() or c == "-")) for c in ascii_label):
                return False
            if ascii_label.startswith("-") or ascii_label.endswith("-"):
                return False
            if len(ascii_label) > 63:
                return False
    except (UnicodeError, ValueError):
        return False
    return bool(text)


def _check_server_name(hello: ClientHello) -> None:
    """server_name as JSSE loads it, right after the version checks (ServerNameExtension
    .CHServerNameSpec): a host_name SNIHostName refuses, or a name type given twice, is
    illegal_parameter (RFC 6066 §3 allows one name per type)."""
    server_name = hello.typed(ext.ServerName)
    if server_name is None:
        return
    seen: set[int] = set()
    for entry in server_name.names:
        if entry.name_type == 0 and not _host_name_valid(entry.name):
            raise _Stop("illegal_server_name",
                        reason("server_name holds '%(name)s', which is not a host name JSSE "
                               "accepts (letters, digits and hyphens per label, IDNA 2003, no "
                               "trailing dot; RFC 6066 §3)", name=entry.text),
                        ALERT_ILLEGAL_PARAMETER, ("server_name",), False)
        if entry.name_type in seen:
            raise _Stop("duplicate_server_name_type",
                        reason("server_name lists name type %(name_type)s twice; RFC 6066 §3 "
                               "allows one name of each type", name_type=entry.name_type),
                        ALERT_ILLEGAL_PARAMETER, ("server_name",), False)
        seen.add(entry.name_type)


def analyze(hello: ClientHello, key_type: KeyType) -> Verdict:
    """The JSSE server's answer to `hello` with a `key_type` certificate, predicted."""
    try:
        if hello.sslv2_format:
            raise _Stop("sslv2_hello",
                        reason("the ClientHello is in SSL 2.0 format, which a JSSE server "
                               "accepts only with SSLv2Hello enabled, and it is not by default "
                               "(RFC 6176)"),
                        ALERT_HANDSHAKE_FAILURE, ("legacy_version",), False)
        version = negotiate_version(hello)
        if version == TLS13 and hello.legacy_version != TLS12:
            raise _Stop("bad_legacy_version",
                        reason("legacy_version is %(code)s alongside supported_versions; RFC "
                               "8446 §4.1.2 requires 0x0303 and JSSE enforces it",
                               code=hex16(hello.legacy_version)),
                        ALERT_PROTOCOL_VERSION, ("legacy_version",), False)
        _check_server_name(hello)
        if version == TLS13:
            if hello.signature_algorithms is None:
                raise _Stop("missing_signature_algorithms",
                            reason("TLS 1.3 needs signature_algorithms and the client sent "
                                   "none (RFC 8446 §4.2.3)"),
                            ALERT_MISSING_EXTENSION,
                            ("signature_algorithms",), False)
            share = _tls13_key_share(hello)
            if share is None and hello.typed(ext.KeyShare) is not None:
                # a HelloRetryRequest is decided as the extensions load, before the signature
                # schemes are weighed (T13ClientHelloConsumer.goHelloRetryRequest)
                suite = _tls13_suite(hello)
                group = _hello_retry_group(hello)
                return Verdict(key_type.id, True, TLS13, suite,
                               tuple(s for s in facts.TLS13_SUITES if s in hello.cipher_suites),
                               group, None, True)
            _check_signature_algorithms(hello, version)
            _check_tls13_extensions(hello)
            suite = _tls13_suite(hello)
            _check_tls13_certificate(hello, key_type)
            scheme = _signature_scheme(hello, key_type, version)
            caveat, text = _caveat(hello, key_type)
            return Verdict(key_type.id, True, TLS13, suite,
                           tuple(s for s in facts.TLS13_SUITES if s in hello.cipher_suites),
                           share, scheme, caveat_code=caveat, caveat_message=text)
        _check_signature_algorithms(hello, version)
        suite, acceptable, group = _tls12_suite(hello, key_type)
        scheme = _signature_scheme(hello, key_type, version)
        caveat, text = _caveat(hello, key_type)
        return Verdict(key_type.id, True, version, suite, acceptable, group, scheme,
                       caveat_code=caveat, caveat_message=text)
    except _Stop as stop:
        return Verdict(key_type.id, False, reason_code=stop.code, reason_message=stop.because,
                       alert=stop.alert, fixable=stop.fixable, fields=stop.fields,
                       after_server_hello=stop.after_server_hello)
