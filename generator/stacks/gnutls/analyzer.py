"""The GnuTLS analyzer: (ClientHello, key type) -> Verdict, by GnuTLS 3.7.9's rules with
priority NORMAL and one certificate (facts.py; source: gnutls28 3.7.9-2+deb12u7).

A pure function. It walks the decisions lib/handshake.c read_client_hello() makes, in its
order, so that the first obstacle it finds is the one the replay reports:

 1. legacy_version: below TLS 1.0 refused, above TLS 1.2 capped   (protocol_version)
 2. the extensions, pass by pass (facts.PASS_*), each in the client's order: pre_shared_key
    not last (illegal_parameter), a known extension twice (unsupported_extension), and
    their contents: supported_versions (protocol_version), server_name (illegal_parameter for
    a name that is not letters, digits, '-' and '.'), max_fragment_length 1-4
 3. TLS_FALLBACK_SCSV below TLS 1.3                                (inappropriate_fallback)
 4. the cipher suite, in the client's order, with the certificate: the first suite whose key
    exchange has a group (ECDHE: the client's first EC group, P-256 without supported_groups;
    DHE: the client's first FFDHE group) and for which the certificate can sign (a scheme of
    the client's signature_algorithms in its order; TLS_RSA_* needs none)  (handshake_failure)
 5. a null compression method                                      (illegal_parameter)
 6. TLS 1.3: the key share for the client's first supported group, else a HelloRetryRequest
    for it; no key_share extension at all                          (missing_extension)
 7. an Ed25519 key below TLS 1.2 can sign nothing: the suite is chosen, then signing fails
                                                                   (handshake_failure)

Where GnuTLS answers although the client did not offer the certificate's curve or its
chain's signature, the verdict is "proceeds" with the caveat (RFC 8422 §5.1, RFC 8446 §4.2.3).
"""

from __future__ import annotations


from generator.compat.certs import chain_scheme
from generator.compat.keyshare import agreement_valid, encoding_valid
from generator.compat.keytypes import KeyType
from generator.compat.verdict import (Caveat, hex16, listed as _names, Refusal as _Stop,
                                      unfixable as _unfixable, Verdict)
from generator.i18n import Message, reason, verbatim
from generator.stacks.gnutls import facts as g
from generator.tls import extensions as ext
from generator.tls.messages import ClientHello
from generator.tls.registry import (cipher_suite_name, extension_name, group_name, signature_scheme_name, version_name)


# -- 1. the legacy version ---------------------------------------------------------------------

def _legacy_version(hello: ClientHello) -> int:
    """_gnutls_negotiate_version(): TLS 1.0-1.2 as sent; anything above TLS 1.2 (TLS 1.3
    included: it is negotiated only through supported_versions) gets TLS 1.2; SSL 3.0 (not in
    NORMAL) and below are refused — before supported_versions is read."""
    legacy = hello.legacy_version
    if legacy > g.LEGACY_MAX:
        return g.LEGACY_MAX
    if legacy >= g.TLS10:
        return legacy
    raise _unfixable("version_too_low",
                     reason("legacy_version is %(version)s (%(code)s); GnuTLS refuses anything "
                            "below TLS 1.0 before it reads supported_versions (RFC 8446 §4.1.2, "
                            "RFC 7568)", version=version_name(legacy), code=hex16(legacy)),
                     g.ALERT_PROTOCOL_VERSION, "legacy_version")


# -- 2. the extensions, pass by pass -------------------------------------------------------------

def _check_pass(hello: ClientHello, members: frozenset[int], version: int) -> int:
    """One of read_client_hello()'s passes over the extensions: every extension in order is
    first checked for a pre_shared_key before it (hello_ext_parse()); those of this pass are
    then checked for repetition and parsed. Returns the version (supported_versions may set
    it)."""
    seen: set[int] = set()
    psk_seen = False
    for extension in hello.extensions:
        code = extension.type
        if code == g.PRE_SHARED_KEY:
            psk_seen = True
        elif psk_seen:
            raise _unfixable("pre_shared_key_not_last",
                             reason("pre_shared_key is followed by %(extension)s; it must be "
                                    "the last extension (RFC 8446 §4.2.11)",
                                    extension=extension_name(code)),
                             g.ALERT_ILLEGAL_PARAMETER, "pre_shared_key")
        if code not in members:
            continue
        if code in seen:
            raise _unfixable("duplicate_extension",
                             reason("extension %(extension)s appears twice; RFC 8446 §4.2 "
                                    "allows each extension once",
                                    extension=extension_name(code)),
                             g.ALERT_UNSUPPORTED_EXTENSION, f"extension:{code}")
        seen.add(code)
        version = _parse_extension(extension, version, hello)
    return version


def _parse_extension(extension: ext.Extension, version: int, hello: ClientHello) -> int:
    """What the extension's recv_params function refuses (lib/ext/<name>.c)."""
    if isinstance(extension, ext.SupportedVersions):
        return _supported_version(extension.versions)
    if isinstance(extension, ext.ServerName):
        _check_server_name(extension)
    elif isinstance(extension, ext.MaxFragmentLength):
        # lib/ext/max_record.c: read even when record_size_limit came first (observed)
        if extension.code not in (1, 2, 3, 4):
            raise _unfixable("bad_max_fragment_length",
                             reason("max_fragment_length asks for code %(code)s; only 1-4 "
                                    "(2^9-2^12 bytes) exist (RFC 6066 §4)", code=extension.code),
                             g.ALERT_ILLEGAL_PARAMETER, "max_fragment_length")
    elif extension.type in (22, 23) and extension.encode_body():
        # lib/ext/etm.c: illegal_parameter; lib/ext/ext_master_secret.c: decode_error
        name = extension_name(extension.type)
        raise _unfixable(f"{'encrypt_then_mac' if extension.type == 22 else 'extended_master_secret'}_not_empty",
                         reason("%(extension)s carries data; it must be empty (RFC 7366 §2, "
                                "RFC 7627 §5.1)", extension=name),
                         g.ALERT_ILLEGAL_PARAMETER if extension.type == 22 else g.ALERT_DECODE_ERROR,
                         name)
    elif isinstance(extension, ext.PreSharedKey) and version >= g.TLS13 \
            and hello.typed(ext.PskKeyExchangeModes) is None:
        raise _unfixable("psk_without_ke_modes",
                         reason("pre_shared_key is offered without psk_key_exchange_modes, "
                                "which RFC 8446 §4.2.9 requires alongside it "
                                "(lib/ext/pre_shared_key.c)"),
                         g.ALERT_UNSUPPORTED_EXTENSION, "pre_shared_key",
                         "psk_key_exchange_modes")
    elif isinstance(extension, ext.RecordSizeLimit) and extension.limit < 64:
        raise _unfixable("bad_record_size_limit",
                         reason("record_size_limit is %(limit)s, below the minimum 64 "
                                "(RFC 8449 §4)", limit=extension.limit),
                         g.ALERT_ILLEGAL_PARAMETER, "record_size_limit")
    return version


def _supported_version(offered: tuple[int, ...]) -> int:
    """lib/ext/supported_versions.c: the highest version listed that NORMAL enables, whatever
    the client's order ("Prefer the latest possible version", L102)."""
    common = [v for v in offered if v in g.VERSIONS]
    if not common:
        raise _unfixable("no_common_version",
                         reason("supported_versions lists %(versions)s; GnuTLS with NORMAL "
                                "speaks TLS 1.0 to 1.3 only (RFC 8446 §4.2.1)",
                                versions=_names(offered, version_name)),
                         g.ALERT_PROTOCOL_VERSION, "supported_versions")
    return max(common)


def _check_server_name(server_name: ext.ServerName) -> None:
    """lib/ext/server_name.c: entries of other types are skipped; the first host_name must be
    letters, digits, '-' and '.' only (_gnutls_dnsname_is_valid())."""
    for entry in server_name.names:
        if not entry.name:
            raise _unfixable("empty_server_name",
                             reason("server_name holds an empty name (RFC 6066 §3)"),
                             g.ALERT_DECODE_ERROR, "server_name")
        if entry.name_type != 0:
            continue
        if not all(chr(b).isascii() and (chr(b).isalnum() or b in b"-.") for b in entry.name):
            raise _unfixable("bad_host_name",
                             reason("server_name's host name holds a byte other than a letter, "
                                    "digit, '-' or '.'; GnuTLS refuses it (RFC 6066 §3)"),
                             g.ALERT_ILLEGAL_PARAMETER, "server_name")
        return


def _negotiate(hello: ClientHello) -> int:
    version = _legacy_version(hello)
    for members in (g.PASS_VERSION, g.PASS_MANDATORY, g.PASS_APPLICATION, g.PASS_TLS):
        version = _check_pass(hello, members, version)
    return version


# -- 3. and 4. the cipher suite ---------------------------------------------------------------------

def _candidate_groups(hello: ClientHello) -> tuple[int | None, int | None, int | None]:
    """(EC candidate, FFDHE candidate, the one the client listed first): the client's first
    group of each kind that NORMAL enables (lib/ext/supported_groups.c L96-211)."""
    ec = next((x for x in hello.supported_groups or () if x in g.GROUPS_EC), None)
    dh = next((x for x in hello.supported_groups or () if x in g.GROUPS_FFDHE), None)
    if ec is None or dh is None:
        return ec, dh, ec if ec is not None else dh
    groups = hello.supported_groups
    return ec, dh, ec if groups.index(ec) < groups.index(dh) else dh


def _sign_scheme(hello: ClientHello, key_type: KeyType, version: int) -> int | None:
    """_gnutls_session_get_sign_algo(): TLS 1.0/1.1 sign with no negotiation (an Ed25519 key
    then fails later, step 7); TLS 1.2 without signature_algorithms uses SHA-1; else the
    client's first listed scheme (of its first 128 known ones) that the key can make and
    NORMAL enables. None: the certificate cannot sign."""
    algorithm = key_type.algorithm
    if version < g.TLS12:
        return 0
    offered = hello.signature_algorithms
    if offered is None:
        return g.SHA1_SCHEME.get(algorithm) if version == g.TLS12 else None
    if version >= g.TLS13:
        fits = (g.SCHEMES_TLS13_RSA if algorithm == "rsa"
                else frozenset({g.TLS13_ECDSA_SCHEME[key_type.curve]}) if algorithm == "ecdsa"
                else frozenset({0x0807}))
    else:
        fits = g.SCHEMES_TLS12[algorithm]
    for scheme in offered:
        if scheme in fits and scheme in g.SCHEMES_ENABLED:
            return scheme
    return None


def _kx_fits_key(kx: str, key_type: KeyType) -> bool:
    """_gnutls_kx_supports_pk_usage(): RSA keys serve RSA, ECDHE_RSA and DHE_RSA; ECDSA and
    Ed25519 keys ECDHE_ECDSA."""
    return (kx == "ecdhe_ecdsa") == (key_type.algorithm != "rsa")


def _choose_suite(hello: ClientHello, key_type: KeyType, version: int
                  ) -> tuple[int, tuple[int, ...], int | None, int | None]:
    """_gnutls_figure_common_ciphersuite(), client order: (suite, every suite this certificate
    could get, group, signature scheme)."""
    ec, dh, _ = _candidate_groups(hello)
    if version < g.TLS13 and ec is None and hello.supported_groups is None:
        ec = g.DEFAULT_EC_GROUP
    scheme = _sign_scheme(hello, key_type, version)
    known = [s for s in hello.cipher_suites if s in g.TLS13_SUITES or s in g.TLS12_SUITES
             or s in _OTHER_KNOWN][:g.MAX_SUITES]
    chosen: list[tuple[int, int | None, int | None]] = []
    for suite in known:
        if version >= g.TLS13:
            if suite in g.TLS13_SUITES and scheme is not None:
                chosen.append((suite, None, scheme))
            continue
        if suite not in g.TLS12_SUITES:
            continue
        kx, lowest = g.TLS12_SUITES[suite]
        if version < lowest:
            continue
        group = ec if kx.startswith("ecdhe") else dh if kx == "dhe_rsa" else None
        if kx != "rsa" and group is None:
            continue
        if kx == "dhe_rsa":
            group = None  # the ServerKeyExchange names a prime, not a group (as for OpenSSL)
        if not _kx_fits_key(kx, key_type):
            continue
        if kx == "rsa":
            chosen.append((suite, None, None))
        elif scheme is not None:
            chosen.append((suite, group, scheme))
    if chosen:
        suite, group, used = chosen[0]
        return suite, tuple(s for s, _, _ in chosen), group, used or None
    raise _suite_problem(hello, key_type, version, ec, dh, scheme)


#: suites GnuTLS recognises but NORMAL does not enable only matter for the 256-suite limit;
#: the hellos tlskb meets carry far fewer, so this stays empty (a known, documented limit)
_OTHER_KNOWN: frozenset[int] = frozenset()


def _suite_problem(hello: ClientHello, key_type: KeyType, version: int, ec: int | None,
                   dh: int | None, scheme: int | None) -> _Stop:
    offered = hello.cipher_suites
    if version >= g.TLS13:
        if not any(s in g.TLS13_SUITES for s in offered):
            return _unfixable("no_common_tls13_suite",
                              reason("supported_versions selects TLS 1.3 but cipher_suites "
                                     "offers none of the TLS 1.3 suites NORMAL enables "
                                     "(AES-256-GCM, CHACHA20, AES-128-GCM, AES-128-CCM; RFC 8446 "
                                     "§4.1.2)"),
                              g.ALERT_HANDSHAKE_FAILURE, "cipher_suites", "supported_versions")
        return _no_scheme(hello, key_type, version)
    usable = [s for s in offered if s in g.TLS12_SUITES and version >= g.TLS12_SUITES[s][1]]
    if not usable:
        return _unfixable("no_common_cipher_suite",
                          reason("cipher_suites offers no suite GnuTLS's NORMAL enables for "
                                 "%(version)s (%(suites)s); no certificate can fix that",
                                 version=version_name(version),
                                 suites=_names(offered, cipher_suite_name, 4)),
                          g.ALERT_HANDSHAKE_FAILURE, "cipher_suites")
    with_group = [s for s in usable if g.TLS12_SUITES[s][0] == "rsa"
                  or (ec if g.TLS12_SUITES[s][0].startswith("ecdhe") else dh) is not None]
    if not with_group:
        return _unfixable("no_common_group",
                          reason("every offered suite needs an (EC)DHE group and "
                                 "supported_groups lists %(groups)s, none of which NORMAL "
                                 "enables for it (RFC 8422 §5.1.1, RFC 7919 §4)",
                                 groups=_names(hello.supported_groups or (), group_name)),
                          g.ALERT_HANDSHAKE_FAILURE, "supported_groups", "cipher_suites")
    wanted = [s for s in with_group if _kx_fits_key(g.TLS12_SUITES[s][0], key_type)]
    if not wanted:
        kind = (reason("RSA (TLS_RSA_*, ECDHE_RSA or DHE_RSA)") if key_type.algorithm == "rsa"
                else verbatim("ECDHE_ECDSA"))
        return _Stop(f"no_{'rsa' if key_type.algorithm == 'rsa' else 'ecdsa'}_suite",
                     reason("cipher_suites offers no %(kind)s suite usable in %(version)s with "
                            "a group the client lists, which an %(key_type)s certificate needs "
                            "(RFC 5246 §7.4.2)", kind=kind, version=version_name(version),
                            key_type=key_type.label),
                     g.ALERT_HANDSHAKE_FAILURE, ("cipher_suites",), True)
    return _no_scheme(hello, key_type, version)


def _no_scheme(hello: ClientHello, key_type: KeyType, version: int) -> _Stop:
    offered = hello.signature_algorithms
    if offered is None:
        if version >= g.TLS13:
            return _Stop("missing_signature_algorithms",
                         reason("TLS 1.3 needs signature_algorithms and the client sent none "
                                "(RFC 8446 §4.2.3); GnuTLS then finds no suite"),
                         g.ALERT_HANDSHAKE_FAILURE, ("signature_algorithms",), False)
        return _Stop("no_sha1_scheme",
                     reason("signature_algorithms is absent, so TLS 1.2 signs with SHA-1 (RFC "
                            "5246 §7.4.1.4.1), which an %(key_type)s key cannot",
                            key_type=key_type.label),
                     g.ALERT_HANDSHAKE_FAILURE, ("signature_algorithms",), True)
    listed = _names(offered, signature_scheme_name)
    if version >= g.TLS13:
        rule: Message
        if key_type.algorithm == "ecdsa":
            need = signature_scheme_name(g.TLS13_ECDSA_SCHEME[key_type.curve])
            rule = reason("TLS 1.3 binds the curve to the scheme (RFC 8446 §4.2.3)")
        elif key_type.algorithm == "rsa":
            need = "rsa_pss_rsae_sha256/384/512"
            rule = reason("TLS 1.3 signs with RSA-PSS only (RFC 8446 §4.2.3)")
        else:
            need, rule = "ed25519", reason("RFC 8446 §4.2.3")
        return _Stop("no_tls13_signature_scheme",
                     reason("signature_algorithms lists %(schemes)s; an %(key_type)s "
                            "certificate needs %(need)s in TLS 1.3 — %(rule)s; GnuTLS then "
                            "finds no suite", schemes=listed, key_type=key_type.label,
                            need=need, rule=rule),
                     g.ALERT_HANDSHAKE_FAILURE, ("signature_algorithms",), True)
    return _Stop("no_signature_scheme_for_key",
                 reason("signature_algorithms lists %(schemes)s, none that an %(key_type)s key "
                        "can make and NORMAL enables, so GnuTLS skips every suite that signs "
                        "(RFC 5246 §7.4.1.4.1)", schemes=listed, key_type=key_type.label),
                 g.ALERT_HANDSHAKE_FAILURE, ("signature_algorithms",), True)


# -- 5. and 6. ---------------------------------------------------------------------------------------

def _check_null_compression(hello: ClientHello) -> None:
    if 0 not in hello.compression_methods:
        raise _unfixable("no_null_compression",
                         reason("legacy_compression_methods lacks null (0), which every "
                                "ClientHello must offer (RFC 5246 §7.4.1.2, RFC 8446 §4.1.2)"),
                         g.ALERT_ILLEGAL_PARAMETER, "compression_methods")


def _tls13_key_share(hello: ClientHello) -> tuple[int, bool]:
    """lib/ext/key_share.c key_share_recv_params() L520-595: only a share for the candidate
    group (the client's first group NORMAL enables) is used, even if it sent a usable share
    for another; without one, a HelloRetryRequest asks for the candidate (observed, GnuTLS
    3.7.9). No key_share at all: missing_extension (lib/handshake.c set_auth_types())."""
    key_share = hello.typed(ext.KeyShare)
    _, _, candidate = _candidate_groups(hello)
    if key_share is None:
        raise _unfixable("missing_key_share",
                         reason("TLS 1.3 needs a key_share extension and the client sent none "
                                "(RFC 8446 §4.2.8)"),
                         g.ALERT_MISSING_EXTENSION, "key_share")
    if candidate is None:
        raise _unfixable("no_common_group",
                         reason("supported_groups lists %(groups)s; none is a group NORMAL "
                                "enables (RFC 8446 §4.2.7)",
                                groups=_names(hello.supported_groups or (), group_name)),
                         g.ALERT_HANDSHAKE_FAILURE,
                         "supported_groups", "key_share")
    for entry in key_share.entries:
        if entry.group == candidate:
            return candidate, False
    return candidate, True


def _post_suite_pass(hello: ClientHello, version: int) -> None:
    """The pass after the cipher suite is chosen (_GNUTLS_EXT_TLS_POST_CS), in the client's
    order: key_share (TLS 1.3 only: the candidate's share must be a valid public value,
    lib/ext/key_share.c server_use_key_share(); without one, the HelloRetryRequest ends the
    pass) and status_request (at least 5 bytes, lib/ext/status_request.c server_recv())."""
    seen: set[int] = set()
    _, _, candidate = _candidate_groups(hello)
    for extension in hello.extensions:
        if extension.type not in g.PASS_POST_SUITE:
            continue
        if extension.type in seen:
            raise _unfixable("duplicate_extension",
                             reason("extension %(extension)s appears twice; RFC 8446 §4.2 "
                                    "allows each extension once",
                                    extension=extension_name(extension.type)),
                             g.ALERT_UNSUPPORTED_EXTENSION, f"extension:{extension.type}")
        seen.add(extension.type)
        if isinstance(extension, ext.StatusRequest) and len(extension.encode_body()) < 5:
            raise _unfixable("bad_status_request",
                             reason("status_request is shorter than its 5-byte minimum "
                                    "(RFC 6066 §8)"),
                             g.ALERT_DECODE_ERROR, "status_request")
        if isinstance(extension, ext.KeyShare) and version >= g.TLS13:
            share = next((e for e in extension.entries if e.group == candidate), None)
            if share is None:
                return  # a HelloRetryRequest (or no common group): the pass stops here
            if not (encoding_valid(share.group, share.key_exchange)
                    and agreement_valid(share.group, share.key_exchange)):
                raise _unfixable("invalid_key_share",
                                 reason("the %(group)s key share is not a valid public value "
                                        "(RFC 8446 §4.2.8.2, RFC 7748 §6.1)",
                                        group=group_name(share.group)),
                                 g.ALERT_ILLEGAL_PARAMETER, "key_share")


# -- caveats -----------------------------------------------------------------------------------------

def _caveat(hello: ClientHello, key_type: KeyType, version: int
            ) -> tuple[Caveat | None, Message | None]:
    """Why a client may refuse the certificate GnuTLS answers with: an ECDSA curve missing from
    supported_groups under TLS <= 1.2 (GnuTLS never compares them), or a chain signature the
    client's signature_algorithms_cert (else signature_algorithms) does not list."""
    groups = hello.supported_groups
    if (key_type.algorithm == "ecdsa" and version < g.TLS13 and groups is not None
            and key_type.group not in groups):
        return (Caveat.CURVE_NOT_OFFERED,
                reason("supported_groups lists %(groups)s, not %(curve)s, the curve of the "
                       "%(key_type)s certificate; GnuTLS does not compare them, and RFC 8422 "
                       "§5.1 lets the client refuse the certificate",
                       groups=_names(groups, group_name), curve=key_type.curve,
                       key_type=key_type.label))
    signature = chain_scheme(key_type.algorithm)
    allowed = hello.signature_algorithms_cert
    which = "signature_algorithms_cert"
    if allowed is None:
        allowed, which = hello.signature_algorithms, "signature_algorithms"
    if signature is not None and allowed is not None and signature not in allowed:
        return (Caveat.CERTIFICATE_SIGNATURE_NOT_OFFERED,
                reason("%(field)s lists %(schemes)s, not %(signature)s, the signature on the "
                       "certificate chain; GnuTLS sends it anyway, and the client may refuse it "
                       "(RFC 8446 §4.2.3, RFC 5246 §7.4.2)", field=which,
                       schemes=_names(allowed, signature_scheme_name),
                       signature=signature_scheme_name(signature)))
    return None, None


def analyze(hello: ClientHello, key_type: KeyType) -> Verdict:
    """GnuTLS 3.7.9's answer to `hello` with a `key_type` certificate, predicted."""
    try:
        version = _negotiate(hello)
        if g.FALLBACK_SCSV in hello.cipher_suites and version < max(g.VERSIONS):
            raise _unfixable("inappropriate_fallback",
                             reason("cipher_suites contains TLS_FALLBACK_SCSV, so the client is "
                                    "retrying after a failed attempt, yet the best common "
                                    "version is %(version)s; the server refuses the downgrade "
                                    "(RFC 7507 §3)", version=version_name(version)),
                             g.ALERT_INAPPROPRIATE_FALLBACK, "cipher_suites")
        suite, acceptable, group, scheme = _choose_suite(hello, key_type, version)
        _check_null_compression(hello)
        _post_suite_pass(hello, version)
        retry = False
        if version >= g.TLS13:
            group, retry = _tls13_key_share(hello)
        elif key_type.algorithm == "ed25519" and version < g.TLS12:
            raise _Stop("ed25519_needs_tls12",
                        reason("Ed25519 certificates need TLS 1.2 or later (RFC 8422 §5.1.3) "
                               "and the client negotiates %(version)s; GnuTLS picks %(suite)s "
                               "and then cannot sign", version=version_name(version),
                               suite=cipher_suite_name(suite)),
                        g.ALERT_HANDSHAKE_FAILURE, ("supported_versions", "legacy_version"), True)
        if retry:
            scheme = None
        elif hello.typed(ext.RenegotiationInfo) is not None and \
                hello.typed(ext.RenegotiationInfo).renegotiated_connection:
            raise _unfixable("renegotiation_info_not_empty",
                             reason("renegotiation_info carries a previous handshake's "
                                    "Finished, but this is an initial handshake, where it must "
                                    "be empty (RFC 5746 §3.6); GnuTLS checks it once the hello "
                                    "is read (lib/ext/safe_renegotiation.c "
                                    "_gnutls_ext_sr_verify())"),
                             g.ALERT_HANDSHAKE_FAILURE, "renegotiation_info")
        caveat_code, caveat = _caveat(hello, key_type, version)
        return Verdict(key_type.id, True, version, suite, acceptable, group, scheme, retry,
                       caveat_code=caveat_code, caveat_message=caveat)
    except _Stop as stop:
        return Verdict(key_type.id, False, reason_code=stop.code, reason_message=stop.because,
                       alert=stop.alert, fixable=stop.fixable, fields=stop.fields)
