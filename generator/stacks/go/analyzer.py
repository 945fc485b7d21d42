"""The Go crypto/tls analyzer: (ClientHello, key type) -> Verdict, by go1.19's server rules.

A pure function. It walks the decisions a `tls.Server` with a zero Config, one certificate and
no session tickets makes (facts.py), in Go's order (handshake_server.go, handshake_server_tls13.go
of go1.19), so that the first obstacle it finds is the one the replay reports:

 0. the SSL 2.0 record format                  (protocol_version; conn.go:637 readRecordOrCCS)
 1. the message as Go parses it                (unexpected_message; clienthello.py)
 2. protocol version, in the client's order    (protocol_version; common.go:1050 mutualVersion)
 TLS 1.3 (handshake_server_tls13.go:90 processClientHello, then :359 pickCertificate)
 3. supported_versions present                 (illegal_parameter)
 4. compression exactly [null]                 (illegal_parameter)
 5. renegotiation_info empty                   (handshake_failure)
 6. no early_data                              (unsupported_extension)
 7. a TLS 1.3 suite, in server order           (handshake_failure)
 8. a group: a key share in server order, else a listed group -> HelloRetryRequest (terminal
    here: Go sends it before it looks at the certificate), else handshake_failure
 9. the key share yields a secret              (illegal_parameter)
10. signature_algorithms present               (missing_extension)
11. a scheme this key can sign with, in the client's order; TLS 1.3 binds ECDSA to the curve
    (handshake_failure, before the ServerHello)
 TLS 1.0-1.2 (handshake_server.go:155 processClientHello, :337 pickCipherSuite, :493
 doFullHandshake)
 3. a null compression method                  (handshake_failure)
 4. renegotiation_info empty                   (handshake_failure)
 5. a suite for this key type, in server order (handshake_failure; the client's signature
    algorithms and the certificate's curve play no part)
 6. no TLS_FALLBACK_SCSV                       (inappropriate_fallback: Go compares the
    legacy_version with TLS 1.3, so any TLS <= 1.2 hello carrying it is refused)
 7. ServerHello and Certificate are written, then the ServerKeyExchange's scheme is chosen in
    the client's order; none fits the key, or an Ed25519 key below TLS 1.2 -> handshake_failure
    AFTER the ServerHello (after_server_hello)

Where Go answers with a certificate the client did not ask for, the verdict proceeds with a
caveat: an ECDSA key on a curve missing from supported_groups in TLS <= 1.2 (Go never compares
them, RFC 8422 §5.1 lets the client refuse), or a chain signed with an algorithm missing from
signature_algorithms_cert (Go never looks; RFC 8446 §4.2.3, RFC 5246 §7.4.2).
"""

from __future__ import annotations


from generator.compat.certs import chain_scheme, chain_signature
from generator.compat.keyshare import agreement_valid, encoding_valid
from generator.compat.keytypes import Algorithm, KeyType
from generator.compat.verdict import (Caveat, hex16, listed, Refusal as _Stop,
                                      unfixable as _unfixable, Verdict)
from generator.i18n import Message, reason, verbatim
from generator.stacks.go import facts as go
from generator.stacks.go.clienthello import GoClientHello, Refused, unmarshal
from generator.tls.messages import ClientHello
from generator.tls.registry import (cipher_suite_name, extension_name, group_name, signature_scheme_name, version_name)


def _names(values, namer, limit: int = 6) -> Message:
    return listed(values, namer, limit) if values else reason("nothing")


# -- before the version --------------------------------------------------------------------------

def _parse(hello: ClientHello) -> GoClientHello:
    if getattr(hello, "sslv2_format", False):
        raise _unfixable("sslv2_hello",
                         reason("the ClientHello is in the SSL 2.0 format (RFC 5246 Appendix "
                                "E.2), which Go does not accept: \"unsupported SSLv2 handshake "
                                "received\" (conn.go readRecordOrCCS)"),
                         go.ALERT_PROTOCOL_VERSION, "record")
    try:
        return unmarshal(hello.encode())
    except Refused as refused:
        named = refused.extension is not None and refused.extension >= 0
        field = f"extension:{refused.extension}" if named else "client_hello"
        raise _unfixable("go_parse_error",
                         reason("Go's ClientHello parser refuses the message: %(what)s "
                                "(%(extension)s) (handshake_messages.go "
                                "clientHelloMsg.unmarshal; RFC 8446 §4.2 allows each extension "
                                "once, RFC 6066 §3 forbids a trailing dot)", what=refused.what,
                                extension=extension_name(refused.extension))
                         if named else
                         reason("Go's ClientHello parser refuses the message: %(what)s "
                                "(handshake_messages.go clientHelloMsg.unmarshal; RFC 8446 §4.2 "
                                "allows each extension once, RFC 6066 §3 forbids a trailing "
                                "dot)", what=refused.what),
                         go.ALERT_UNEXPECTED_MESSAGE, field) from None


def _version(hello: GoClientHello) -> int:
    """common.go:1050 mutualVersion, with the client's list (supported_versions, or every
    version up to legacy_version) in the client's order of preference."""
    if hello.supported_versions:
        offered, field = hello.supported_versions, "supported_versions"
    else:
        offered, field = tuple(v for v in go.VERSIONS if v <= hello.vers), "legacy_version"
    for version in offered:
        if version in go.VERSIONS:
            return version
    what = (reason("supported_versions lists %(versions)s",
                   versions=_names(offered, version_name))
            if field == "supported_versions"
            else reason("legacy_version is %(code)s", code=hex16(hello.vers)))
    raise _unfixable("no_common_version",
                     reason("%(what)s; Go speaks TLS 1.0 to 1.3 (RFC 8446 §4.2.1)", what=what),
                     go.ALERT_PROTOCOL_VERSION, field)


def _aes_gcm_first(suites: tuple[int, ...]) -> bool:
    """cipher_suites.go:390 aesgcmPreferred: the client's first suite Go knows is AES-GCM,
    and (facts.AES_GCM_HARDWARE) the server has AES-GCM hardware."""
    if not go.AES_GCM_HARDWARE:
        return False
    for suite in suites:
        if suite in go.SUITES:
            return go.SUITES[suite].aes_gcm
        if suite in go.TLS13_SUITES:
            return suite in go.TLS13_AES_GCM
    return False


def _renegotiation(hello: GoClientHello) -> None:
    if hello.secure_renegotiation:
        raise _unfixable("renegotiation_info_not_empty",
                         reason("renegotiation_info carries %(length)s bytes of a previous "
                                "handshake's Finished, but this is an initial handshake, where "
                                "it must be empty (RFC 5746 §3.6)",
                                length=len(hello.secure_renegotiation)),
                         go.ALERT_HANDSHAKE_FAILURE, "renegotiation_info")


def _select_scheme(key_type: KeyType, version: int, offered: tuple[int, ...]) -> int | None:
    """auth.go:232 selectSignatureScheme: the client's first scheme this key can sign with."""
    fits = go.schemes_for(key_type.algorithm, key_type.tls13_scheme, version)
    return next((scheme for scheme in offered if scheme in fits), None)


def _chain_caveat(hello: GoClientHello, key_type: KeyType) -> tuple[Caveat, Message] | None:
    scheme, name = chain_scheme(key_type.algorithm), chain_signature(key_type.algorithm)
    offered = hello.signature_algorithms_cert or hello.signature_algorithms
    field = ("signature_algorithms_cert" if hello.signature_algorithms_cert
             else "signature_algorithms")
    if not offered or scheme in offered:
        return None
    return (Caveat.CERTIFICATE_SIGNATURE_NOT_OFFERED,
            reason("the certificate chain is signed with %(signature)s (%(scheme)s), which "
                   "%(field)s does not list (%(schemes)s); Go never checks, the client may "
                   "refuse the chain (RFC 8446 §4.2.3, RFC 5246 §7.4.2)", signature=name,
                   scheme=signature_scheme_name(scheme), field=field,
                   schemes=_names(offered, signature_scheme_name)))


# -- TLS 1.3 ---------------------------------------------------------------------------------------

def _tls13(hello: GoClientHello, key_type: KeyType) -> Verdict:
    if not hello.supported_versions:
        raise _unfixable("tls13_without_supported_versions",
                         reason("legacy_version is %(code)s and there is no supported_versions "
                                "extension: TLS 1.3 is negotiated only through "
                                "supported_versions (RFC 8446 §4.1.2, §4.2.1)",
                                code=hex16(hello.vers)),
                         go.ALERT_ILLEGAL_PARAMETER, "legacy_version", "supported_versions")
    if hello.compression_methods != b"\x00":
        raise _unfixable("tls13_compression",
                         reason("TLS 1.3 requires legacy_compression_methods to be exactly "
                                "[null] (RFC 8446 §4.1.2)"),
                         go.ALERT_ILLEGAL_PARAMETER, "compression_methods")
    _renegotiation(hello)
    if hello.early_data:
        raise _unfixable("early_data",
                         reason("early_data is offered, but the server keeps no session "
                                "tickets to accept it and Go refuses it rather than skip it "
                                "(RFC 8446 §4.2.10; handshake_server_tls13.go "
                                "processClientHello)"),
                         go.ALERT_UNSUPPORTED_EXTENSION, "early_data")
    order = (go.TLS13_PREFERENCE_ORDER if _aes_gcm_first(hello.cipher_suites)
             else go.TLS13_PREFERENCE_ORDER_NO_AES)
    acceptable = tuple(s for s in order if s in hello.cipher_suites)
    if not acceptable:
        raise _unfixable("no_common_tls13_suite",
                         reason("supported_versions selects TLS 1.3 but cipher_suites offers "
                                "none of Go's TLS 1.3 suites (TLS_AES_128_GCM_SHA256, "
                                "TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256; RFC 8446 "
                                "§4.1.2)"),
                         go.ALERT_HANDSHAKE_FAILURE, "cipher_suites", "supported_versions")
    suite = acceptable[0]
    group, share = _tls13_group(hello)
    if share is None:
        # a HelloRetryRequest: terminal here; Go sends it before pickCertificate, so it says
        # nothing about the certificate (facts.py, the known limit in README-snippet.md)
        return Verdict(key_type.id, True, go.TLS13, suite, acceptable, group, None, True)
    if not (encoding_valid(group, share) and agreement_valid(group, share)):
        raise _unfixable("invalid_key_share",
                         reason("the %(group)s key share is not a usable public value (an "
                                "uncompressed point on the curve, or an X25519 value not of "
                                "small order; RFC 8446 §4.2.8.2, §7.4.2)",
                                group=group_name(group)),
                         go.ALERT_ILLEGAL_PARAMETER, "key_share")
    if not hello.signature_algorithms:
        raise _unfixable("missing_signature_algorithms",
                         reason("TLS 1.3 needs signature_algorithms for certificate "
                                "authentication and the client sent none (RFC 8446 §4.2.3)"),
                         go.ALERT_MISSING_EXTENSION, "signature_algorithms")
    scheme = _select_scheme(key_type, go.TLS13, hello.signature_algorithms)
    if scheme is None:
        need: Message
        if key_type.algorithm is Algorithm.ECDSA:
            need = reason("%(scheme)s — TLS 1.3 binds the curve to the scheme",
                          scheme=signature_scheme_name(key_type.tls13_scheme))
        elif key_type.algorithm is Algorithm.RSA:
            need = reason("rsa_pss_rsae_sha256/384/512 — TLS 1.3 signs with RSA-PSS only")
        else:
            need = verbatim("ed25519")
        raise _Stop("no_tls13_signature_scheme",
                    reason("signature_algorithms lists %(schemes)s; an %(key_type)s "
                           "certificate needs %(need)s (RFC 8446 §4.2.3). Go checks this "
                           "before its ServerHello and does not fall back to TLS 1.2",
                           schemes=_names(hello.signature_algorithms, signature_scheme_name),
                           key_type=key_type.label, need=need),
                    go.ALERT_HANDSHAKE_FAILURE, ("signature_algorithms",), True)
    caveat = _chain_caveat(hello, key_type)
    return Verdict(key_type.id, True, go.TLS13, suite, acceptable, group, scheme, False,
                   caveat_code=caveat[0] if caveat else None,
                   caveat_message=caveat[1] if caveat else None)


def _tls13_group(hello: GoClientHello) -> tuple[int, bytes | None]:
    """handshake_server_tls13.go processClientHello: server order (facts.CURVE_PREFERENCES),
    but a group the client sent a key share for wins over one it only lists; key shares are
    not checked against supported_groups (observed, go1.19.8)."""
    listed = None
    for preferred in go.CURVE_PREFERENCES:
        for group, value in hello.key_shares:
            if group == preferred:
                return group, value
        if listed is None and preferred in hello.supported_curves:
            listed = preferred
    if listed is not None:
        return listed, None
    raise _unfixable("no_common_group",
                     reason("supported_groups lists %(groups)s and the key shares are for "
                            "%(shares)s; Go offers x25519, secp256r1, secp384r1 and secp521r1 "
                            "for TLS 1.3 (RFC 8446 §4.2.7)",
                            groups=_names(hello.supported_curves, group_name),
                            shares=_names([g for g, _ in hello.key_shares], group_name)),
                     go.ALERT_HANDSHAKE_FAILURE, "supported_groups", "key_share")


# -- TLS 1.0-1.2 -----------------------------------------------------------------------------------

def _ecdhe_ok(hello: GoClientHello) -> bool:
    """handshake_server.go:310 supportsECDHE: a curve Go supports, and uncompressed points (or
    no ec_point_formats: RFC 8422 §5.1.2)."""
    curve = any(c in go.CURVE_PREFERENCES for c in hello.supported_curves)
    points = (not hello.supported_points
              or go.POINT_FORMAT_UNCOMPRESSED in hello.supported_points)
    return curve and points


def _suite_ok(suite: go.Suite, algorithm: Algorithm, version: int, ecdhe_ok: bool) -> bool:
    """handshake_server.go:377 cipherSuiteOk: from the key type alone."""
    if suite.ecdhe:
        if not ecdhe_ok:
            return False
        if suite.ec_sign != (algorithm is not Algorithm.RSA):
            return False
    elif algorithm is not Algorithm.RSA:
        return False  # RSA key exchange needs an RSA key (rsaDecryptOk)
    return not (version < go.TLS12 and suite.tls12_only)


def _tls12_suites(hello: GoClientHello, algorithm: Algorithm, version: int) -> tuple[int, ...]:
    order = (go.PREFERENCE_ORDER if _aes_gcm_first(hello.cipher_suites)
             else go.PREFERENCE_ORDER_NO_AES)
    ecdhe_ok = _ecdhe_ok(hello)
    return tuple(s for s in order if s not in go.DISABLED_SUITES and s in hello.cipher_suites
                 and _suite_ok(go.SUITES[s], algorithm, version, ecdhe_ok))


def _no_suite(hello: GoClientHello, key_type: KeyType, version: int) -> _Stop:
    other = [a for a in (Algorithm.RSA, Algorithm.ECDSA) if _tls12_suites(hello, a, version)]
    if not other:
        known = [s for s in hello.cipher_suites if s in go.SUITES and s not in go.DISABLED_SUITES
                 and not (version < go.TLS12 and go.SUITES[s].tls12_only)]
        ecdhe_only = known and all(go.SUITES[s].ecdhe for s in known)
        if ecdhe_only and not _ecdhe_ok(hello):
            why = (reason("supported_groups is absent") if not hello.supported_curves else
                   reason("supported_groups lists %(groups)s, none of Go's curves (x25519, "
                          "secp256r1, secp384r1, secp521r1)",
                          groups=_names(hello.supported_curves, group_name)))
            if hello.supported_curves and not _ecdhe_ok(hello) and any(
                    c in go.CURVE_PREFERENCES for c in hello.supported_curves):
                why = reason("ec_point_formats does not offer uncompressed points")
            return _unfixable("no_ecdhe_group",
                              reason("cipher_suites offers only ECDHE suites and %(why)s, so Go "
                                     "negotiates no ECDHE (RFC 8422 §5.1)", why=why),
                              go.ALERT_HANDSHAKE_FAILURE, "supported_groups", "cipher_suites")
        return _unfixable("no_common_cipher_suite",
                          reason("cipher_suites offers %(suites)s; none is a suite Go enables "
                                 "for %(version)s with any certificate (no DHE, RC4, CBC-SHA256 "
                                 "or export suites)",
                                 suites=_names(hello.cipher_suites, cipher_suite_name, 4),
                                 version=version_name(version)),
                          go.ALERT_HANDSHAKE_FAILURE, "cipher_suites")
    kind = (reason("TLS_RSA_* or ECDHE_RSA") if key_type.algorithm is Algorithm.RSA
            else verbatim("ECDHE_ECDSA"))
    return _Stop(f"no_{'rsa' if key_type.algorithm is Algorithm.RSA else 'ecdsa'}_suite",
                 reason("cipher_suites offers no %(kind)s suite Go enables for %(version)s, "
                        "which an %(key_type)s certificate needs (RFC 5246 §7.4.2; "
                        "handshake_server.go cipherSuiteOk)", kind=kind,
                        version=version_name(version), key_type=key_type.label)
                 if _ecdhe_ok(hello) else
                 reason("cipher_suites offers no %(kind)s suite Go enables for %(version)s, "
                        "which an %(key_type)s certificate needs (ECDHE is out: "
                        "supported_groups lists none of Go's curves, or ec_point_formats lacks "
                        "uncompressed) (RFC 5246 §7.4.2; handshake_server.go cipherSuiteOk)",
                        kind=kind, version=version_name(version), key_type=key_type.label),
                 go.ALERT_HANDSHAKE_FAILURE, ("cipher_suites",), True)


def _tls12(hello: GoClientHello, key_type: KeyType, version: int) -> Verdict:
    if 0 not in hello.compression_methods:
        raise _unfixable("no_null_compression",
                         reason("legacy_compression_methods lacks null (0), which every "
                                "ClientHello must offer (RFC 5246 §7.4.1.2)"),
                         go.ALERT_HANDSHAKE_FAILURE, "compression_methods")
    _renegotiation(hello)
    acceptable = _tls12_suites(hello, key_type.algorithm, version)
    if not acceptable:
        raise _no_suite(hello, key_type, version)
    if go.FALLBACK_SCSV in hello.cipher_suites and hello.vers < max(go.VERSIONS):
        raise _unfixable("inappropriate_fallback",
                         reason("cipher_suites contains TLS_FALLBACK_SCSV and legacy_version is "
                                "%(version)s, below Go's best version (TLS 1.3); Go refuses the "
                                "downgrade (RFC 7507 §3; handshake_server.go pickCipherSuite)",
                                version=(version_name(hello.vers) if hello.vers in go.VERSIONS
                                         else hex(hello.vers))),
                         go.ALERT_INAPPROPRIATE_FALLBACK, "cipher_suites")
    suite = acceptable[0]
    info = go.SUITES[suite]
    group = scheme = None
    if info.ecdhe:
        group = next(c for c in hello.supported_curves if c in go.CURVE_PREFERENCES)
        scheme = _server_key_exchange_scheme(hello, key_type, version, suite)
    caveat = None
    if (key_type.algorithm is Algorithm.ECDSA and hello.supported_curves
            and key_type.group not in hello.supported_curves):
        caveat = (Caveat.CURVE_NOT_OFFERED,
                  reason("the certificate's key is on %(curve)s, which supported_groups does "
                         "not list (%(groups)s); Go never compares them in TLS 1.2, but RFC "
                         "8422 §5.1 lets the client refuse the certificate",
                         curve=key_type.curve, groups=_names(hello.supported_curves, group_name)))
    caveat = caveat or _chain_caveat(hello, key_type)
    return Verdict(key_type.id, True, version, suite, acceptable, group, scheme, False,
                   caveat_code=caveat[0] if caveat else None,
                   caveat_message=caveat[1] if caveat else None)


def _server_key_exchange_scheme(hello: GoClientHello, key_type: KeyType, version: int,
                                suite: int) -> int | None:
    """key_agreement.go:168 generateServerKeyExchange, after the ServerHello and Certificate
    are written (handshake_server.go doFullHandshake): a failure here ends the handshake with
    handshake_failure after the ServerHello (observed, go1.19.8)."""
    if version < go.TLS12:
        if key_type.algorithm is Algorithm.ED25519:
            raise _Stop("ed25519_before_tls12",
                        reason("the best common version is %(version)s, where signatures are "
                               "fixed by the key type and Go has none for Ed25519 (auth.go "
                               "legacyTypeAndHashFromPublicKey; RFC 8422 §5.4). Go has already "
                               "sent its ServerHello (%(suite)s) and Certificate",
                               version=version_name(version), suite=cipher_suite_name(suite)),
                        go.ALERT_HANDSHAKE_FAILURE,
                        ("supported_versions" if hello.supported_versions else "legacy_version",),
                        True, after_server_hello=True)
        return None
    offered = hello.signature_algorithms or go.TLS12_DEFAULT_SCHEMES
    scheme = _select_scheme(key_type, version, offered)
    if scheme is None:
        what = (reason("signature_algorithms lists %(schemes)s",
                       schemes=_names(hello.signature_algorithms, signature_scheme_name))
                if hello.signature_algorithms else
                reason("there is no signature_algorithms, so the client is taken to accept "
                       "rsa_pkcs1_sha1 and ecdsa_sha1 only (RFC 5246 §7.4.1.4.1)"))
        raise _Stop("no_signature_scheme_for_key",
                    reason("%(what)s, none for an %(key_type)s certificate; Go picks %(suite)s "
                           "by key type alone, sends its ServerHello and Certificate, and only "
                           "then finds nothing to sign the ServerKeyExchange with "
                           "(handshake_server.go doFullHandshake; RFC 5246 §7.4.1.4.1)",
                           what=what, key_type=key_type.label, suite=cipher_suite_name(suite)),
                    go.ALERT_HANDSHAKE_FAILURE, ("signature_algorithms",), True,
                    after_server_hello=True)
    return scheme


def analyze(hello: ClientHello, key_type: KeyType) -> Verdict:
    """Go crypto/tls's answer (go1.19, one certificate) to `hello` with a `key_type`
    certificate, predicted."""
    try:
        parsed = _parse(hello)
        version = _version(parsed)
        if version == go.TLS13:
            return _tls13(parsed, key_type)
        return _tls12(parsed, key_type, version)
    except _Stop as stop:
        return Verdict(key_type.id, False, reason_code=stop.code, reason_message=stop.because,
                       alert=stop.alert, fixable=stop.fixable, fields=stop.fields,
                       after_server_hello=stop.after_server_hello)
