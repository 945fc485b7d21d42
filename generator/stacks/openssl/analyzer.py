"""The OpenSSL analyzer: (ClientHello, key type) -> Verdict, by the reference server's rules.

A pure function. It walks the decisions the reference server — the pinned OpenSSL, 3.5.6 —
makes for a ClientHello in the order OpenSSL makes them (established by experiment, see
tests/test_reference.py and the version-dependent facts in openssl/facts.py), so that the
first obstacle it finds is the one the replay reports:

 1. duplicate extensions                      (alert illegal_parameter)
 2. protocol version                          (protocol_version; handshake_failure for SSL 3.0)
 3. TLS_FALLBACK_SCSV below the best version  (inappropriate_fallback)
 4. TLS 1.3: a common TLS 1.3 cipher suite    (handshake_failure)
 5. a null compression method                 (illegal_parameter; decode_error if none)
    extension contents, in OpenSSL's parsing order: an empty renegotiation_info below TLS 1.3
    (handshake_failure), a usable host name (unrecognized_name), max_fragment_length 1-4
 6. TLS 1.3: key_share against supported_groups, signature_algorithms present, a usable key
    share from the server's most preferred group tuple, or a group for a HelloRetryRequest
 7. TLS 1.2+: a signature scheme both sides implement (handshake_failure)
 8. TLS 1.3: compression exactly [null]       (illegal_parameter)
 9. TLS <= 1.2: a cipher suite this certificate can serve (handshake_failure)
10. a signature scheme for this certificate   (handshake_failure)
11. TLS 1.3: the key share yields a secret    (illegal_parameter; a small-order X25519/X448
    point is found only when the server derives the secret for its ServerHello)

Steps 1-8 and 11 do not depend on the certificate: no key type can fix such a failure, and the
verdict says so. The reasons name the ClientHello field and the rule (RFC section) that decided.
"""

from __future__ import annotations


from generator.compat.keyshare import agreement_valid, encoding_valid
from generator.stacks.openssl import facts as ref
from generator.compat.keytypes import KeyType
from generator.compat.verdict import (fixable as _fixable, hex16, listed as _names,
                                      Refusal as _Stop, unfixable as _unfixable, Verdict)
from generator.i18n import Message, reason, verbatim
from generator.tls import extensions as ext
from generator.tls.messages import ClientHello
from generator.tls.registry import (cipher_suite_name, extension_name, group_name, is_grease,
                                    signature_scheme_name, version_name)

ALERT_HANDSHAKE_FAILURE, ALERT_ILLEGAL_PARAMETER, ALERT_DECODE_ERROR = 40, 47, 50
ALERT_UNRECOGNIZED_NAME = 112
ALERT_PROTOCOL_VERSION, ALERT_INAPPROPRIATE_FALLBACK, ALERT_MISSING_EXTENSION = 70, 86, 109
TLS10, TLS12, TLS13 = 0x0301, 0x0303, 0x0304


# -- steps that do not depend on the certificate -----------------------------------------------------

def _check_duplicates(hello: ClientHello) -> None:
    seen: set[int] = set()
    for code in hello.extension_types:
        if code in seen:
            raise _unfixable("duplicate_extension",
                             reason("extension %(extension)s appears twice; RFC 8446 §4.2 "
                                    "allows each extension once",
                                    extension=extension_name(code)),
                             ALERT_ILLEGAL_PARAMETER, f"extension:{code}")
        seen.add(code)


def _version_alert(hello: ClientHello) -> int:
    """OpenSSL answers in SSL 3.0 terms, which have no protocol_version alert, when the
    client's legacy_version is SSL 3.0 (observed)."""
    return ALERT_HANDSHAKE_FAILURE if hello.legacy_version == 0x0300 else ALERT_PROTOCOL_VERSION


def negotiate_version(hello: ClientHello) -> int:
    """RFC 8446 §4.2.1: supported_versions, when present, decides; else legacy_version, capped
    at TLS 1.2 (RFC 8446 §4.1.2). Raises _Stop when no common version exists."""
    offered = hello.supported_versions
    if offered is not None:
        if hello.legacy_version <= 0x0300:
            raise _unfixable("bad_legacy_version",
                             reason("legacy_version is %(version)s (%(code)s) alongside "
                                    "supported_versions; RFC 8446 §4.1.2 requires 0x0303 and "
                                    "servers refuse SSL 3.0 or lower there",
                                    version=version_name(hello.legacy_version),
                                    code=hex16(hello.legacy_version)),
                             _version_alert(hello), "legacy_version")
        common = [v for v in offered if v in ref.VERSIONS]
        if not common:
            raise _unfixable("no_common_version",
                             reason("supported_versions lists %(versions)s; the server speaks "
                                    "TLS 1.0 to 1.3 only (RFC 8446 §4.2.1)",
                                    versions=_names(offered, version_name)),
                             _version_alert(hello), "supported_versions")
        return max(common)
    version = min(hello.legacy_version, TLS12)
    if version >= TLS10:
        return version
    if version == 0x0300:
        raise _unfixable("ssl3_only",
                         reason("legacy_version is SSL 3.0 and there is no supported_versions: "
                                "the client speaks SSL 3.0 at best, which RFC 7568 prohibits "
                                "and current OpenSSL no longer implements; no certificate can "
                                "fix that"),
                         _version_alert(hello), "legacy_version")
    raise _unfixable("version_too_low",
                     reason("legacy_version %(code)s is older than SSL 3.0; no current server "
                            "speaks it", code=hex16(hello.legacy_version)),
                     _version_alert(hello), "legacy_version")


def _check_fallback(hello: ClientHello, version: int) -> None:
    if ref.FALLBACK_SCSV in hello.cipher_suites and version < max(ref.VERSIONS):
        raise _unfixable("inappropriate_fallback",
                         reason("cipher_suites contains TLS_FALLBACK_SCSV, so the client is "
                                "retrying after a failed attempt, yet the best common version "
                                "is %(version)s; the server refuses the downgrade (RFC 7507 §3)",
                                version=version_name(version)),
                         ALERT_INAPPROPRIATE_FALLBACK, "cipher_suites")


def _tls13_suite(hello: ClientHello) -> int:
    for suite in hello.cipher_suites:
        if suite in ref.TLS13_SUITES:
            return suite
    raise _unfixable("no_common_tls13_suite",
                     reason("supported_versions selects TLS 1.3 but cipher_suites offers none "
                            "of the TLS 1.3 suites the server enables (TLS_AES_128_GCM_SHA256, "
                            "TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256; RFC 8446 "
                            "§4.1.2)"),
                     ALERT_HANDSHAKE_FAILURE, "cipher_suites", "supported_versions")


def _check_null_compression(hello: ClientHello) -> None:
    if not hello.compression_methods:
        raise _unfixable("no_compression_methods",
                         reason("legacy_compression_methods is empty; it must hold at least "
                                "null (0) (RFC 5246 §7.4.1.2)"),
                         ALERT_DECODE_ERROR, "compression_methods")
    if 0 not in hello.compression_methods:
        raise _unfixable("no_null_compression",
                         reason("legacy_compression_methods lacks null (0), which every "
                                "ClientHello must offer (RFC 5246 §7.4.1.2, RFC 8446 §4.1.2)"),
                         ref.ALERT_NO_NULL_COMPRESSION, "compression_methods")


def _tls13_key_exchange(hello: ClientHello) -> tuple[int, ext.KeyShareEntry | None]:
    """(group, the key share used or None for a HelloRetryRequest) per RFC 8446 §4.2.8 as the
    pinned OpenSSL decides it (tls_parse_ctos_key_share; facts.GROUP_TUPLES): every key share
    must be for a group the client lists; then the server's preference tuples are walked in
    order, and the first one holding a group the client lists decides — the client's first
    key share for that tuple (its encoding checked), or else a HelloRetryRequest for the
    client's first listed group of it."""
    groups = hello.supported_groups
    key_share = hello.typed(ext.KeyShare)
    if key_share is not None:
        if groups is None:
            raise _unfixable("key_share_without_supported_groups",
                             reason("key_share is present but supported_groups is not; RFC "
                                    "8446 §9.2 requires both"),
                             ALERT_MISSING_EXTENSION, "supported_groups",
                             "key_share")
        for entry in key_share.entries:
            if entry.group not in groups:
                raise _unfixable("key_share_not_in_supported_groups",
                                 reason("key_share offers %(group)s, which supported_groups "
                                        "does not list (RFC 8446 §4.2.8)",
                                        group=group_name(entry.group)),
                                 ALERT_ILLEGAL_PARAMETER, "key_share", "supported_groups")
    choice: tuple[int, ext.KeyShareEntry | None] | None = None
    for preferred in ref.GROUP_TUPLES:
        shared = [entry for entry in (key_share.entries if key_share else ())
                  if entry.group in preferred]
        if shared:
            if not encoding_valid(shared[0].group, shared[0].key_exchange):
                raise _unfixable("invalid_key_share",
                                 reason("the %(group)s key share is not a valid public value "
                                        "(RFC 8446 §4.2.8.2)",
                                        group=group_name(shared[0].group)),
                                 ALERT_ILLEGAL_PARAMETER, "key_share")
            choice = (shared[0].group, shared[0])
            break
        listed = [group for group in groups or () if group in preferred]
        if listed:
            choice = (listed[0], None)
            break
    if hello.signature_algorithms is None:
        raise _unfixable("missing_signature_algorithms",
                         reason("TLS 1.3 needs signature_algorithms for certificate "
                                "authentication and the client sent none (RFC 8446 §4.2.3)"),
                         ALERT_MISSING_EXTENSION, "signature_algorithms")
    if key_share is None:
        raise _unfixable("missing_key_share",
                         reason("TLS 1.3 needs a key_share extension and the client sent none "
                                "(RFC 8446 §4.2.8)"),
                         ALERT_MISSING_EXTENSION, "key_share")
    if choice is not None:
        return choice
    offered = ", ".join(group_name(g) for preferred in ref.GROUP_TUPLES for g in preferred)
    raise _unfixable("no_common_group",
                     reason("supported_groups lists %(groups)s; none is a group the server "
                            "offers for TLS 1.3 (%(offered)s; RFC 8446 §4.2.7)",
                            groups=_names(groups or (), group_name), offered=offered),
                     ALERT_HANDSHAKE_FAILURE, "supported_groups", "key_share")


MAX_HOST_NAME = 255  # OpenSSL's TLSEXT_MAXLEN_host_name (RFC 6066 §3 allows 2^16-1)


def _check_extension_contents(hello: ClientHello, version: int) -> None:
    """What OpenSSL refuses as it parses the extensions, in its own order (ext_defs in
    ssl/statem/extensions.c: renegotiation_info, server_name, max_fragment_length, ...;
    observed, 3.5.6): a non-empty renegotiation_info in an initial handshake below TLS 1.3
    (RFC 5746 §3.6); a server_name whose first entry is not a host_name, or a host name of
    more than 255 bytes or with a zero byte (RFC 6066 §3); a max_fragment_length code other
    than 1-4 (RFC 6066 §4)."""
    info = hello.typed(ext.RenegotiationInfo)
    if version < TLS13 and info is not None and info.renegotiated_connection:
        raise _unfixable("renegotiation_info_not_empty",
                         reason("renegotiation_info carries %(length)s bytes of a previous "
                                "handshake's Finished, but this is an initial handshake, where "
                                "it must be empty (RFC 5746 §3.6)",
                                length=len(info.renegotiated_connection)),
                         ALERT_HANDSHAKE_FAILURE, "renegotiation_info")
    server_name = hello.typed(ext.ServerName)
    if server_name is not None and server_name.names:
        first = server_name.names[0]
        if first.name_type != 0:
            raise _unfixable("server_name_not_host_name",
                             reason("server_name's first entry has name_type %(name_type)s; "
                                    "servers take only host_name (0) (RFC 6066 §3)",
                                    name_type=first.name_type),
                             ALERT_DECODE_ERROR, "server_name")
        if len(first.name) > MAX_HOST_NAME or 0 in first.name:
            what = (reason("is %(length)s bytes long, more than the %(limit)s OpenSSL accepts",
                           length=len(first.name), limit=MAX_HOST_NAME)
                    if len(first.name) > MAX_HOST_NAME else reason("contains a zero byte"))
            raise _unfixable("bad_host_name",
                             reason("server_name's host name %(what)s (RFC 6066 §3)",
                                    what=what),
                             ALERT_UNRECOGNIZED_NAME, "server_name")
    fragment = hello.typed(ext.MaxFragmentLength)
    if fragment is not None and fragment.code not in (1, 2, 3, 4):
        raise _unfixable("bad_max_fragment_length",
                         reason("max_fragment_length asks for code %(code)s; only 1-4 "
                                "(2^9-2^12 bytes) exist (RFC 6066 §4)", code=fragment.code),
                         ALERT_ILLEGAL_PARAMETER, "max_fragment_length")


def _check_tls13_compression(hello: ClientHello) -> None:
    if tuple(hello.compression_methods) != (0,):
        raise _unfixable("tls13_compression",
                         reason("TLS 1.3 requires legacy_compression_methods to be exactly "
                                "[null] (RFC 8446 §4.1.2)"),
                         ALERT_ILLEGAL_PARAMETER, "compression_methods")


def _shared_schemes(hello: ClientHello, version: int) -> tuple[int, ...] | None:
    """The client's signature_algorithms the server implements, in the client's order; None
    when the client sent neither signature extension (RFC 5246 §7.4.1.4.1 defaults apply)."""
    offered = hello.signature_algorithms
    if offered is None and hello.signature_algorithms_cert is None:
        return None
    usable = ref.SCHEMES - (ref.SCHEMES_DSA if version >= TLS13 else ref.SCHEMES_TLS13_ONLY)
    shared = tuple(s for s in offered or () if s in usable)
    if not shared:
        what = (reason("signature_algorithms lists %(schemes)s",
                       schemes=_names(offered, signature_scheme_name))
                if offered else reason("signature_algorithms_cert is present without "
                                       "signature_algorithms, leaving nothing to sign with"))
        raise _unfixable("no_shared_signature_algorithms",
                         reason("%(what)s; the server implements none of them (RFC 8446 "
                                "§4.2.3, RFC 5246 §7.4.1.4.1)", what=what),
                         ALERT_HANDSHAKE_FAILURE, "signature_algorithms")
    return shared


# -- steps that depend on the certificate ------------------------------------------------------

def _issuer_accepted(hello: ClientHello, key_type: KeyType) -> bool:
    """signature_algorithms_cert (RFC 8446 §4.2.3) restricts the issuer's signature on the
    leaf; OpenSSL applies it in TLS 1.2 too."""
    allowed = hello.signature_algorithms_cert
    return allowed is None or bool(ref.ISSUER_SIGNATURE[key_type.algorithm] & set(allowed))


def _schemes_for(key_type: KeyType, version: int) -> frozenset[int]:
    if key_type.algorithm == "rsa":
        return ref.SCHEMES_RSA_PSS_RSAE | (ref.SCHEMES_RSA_PKCS1 if version < TLS13 else frozenset())
    if key_type.algorithm == "ed25519":
        return frozenset({0x0807})
    if version >= TLS13:
        return frozenset({s for s, curve in ref.TLS13_ECDSA_CURVE.items() if curve == key_type.curve})
    return ref.SCHEMES_ECDSA


def _ecdsa_certificate_problem(hello: ClientHello, key_type: KeyType,
                               shared: tuple[int, ...] | None, version: int) -> _Stop | None:
    """Why an ECDSA or Ed25519 certificate cannot serve ECDHE_ECDSA suites (RFC 8422 §5.1),
    or None."""
    if key_type.algorithm == "ed25519":
        if version < TLS12:
            return _fixable("ed25519_needs_tls12",
                            reason("Ed25519 certificates need TLS 1.2 or later (RFC 8422 "
                                   "§5.1.3) and the client negotiates %(version)s",
                                   version=version_name(version)),
                            "supported_versions", "legacy_version")
        if shared is None or 0x0807 not in shared:
            return _fixable("ed25519_not_offered",
                            reason("signature_algorithms does not list ed25519 (0x0807), which "
                                   "an Ed25519 certificate needs (RFC 8422 §5.1.3)"),
                            "signature_algorithms")
        return None
    groups = hello.supported_groups
    if groups is not None and key_type.group not in groups:
        return _fixable("curve_not_in_supported_groups",
                        reason("supported_groups lists %(groups)s; an %(key_type)s certificate "
                               "needs %(curve)s there (RFC 8422 §5.1)",
                               groups=_names(groups, group_name), key_type=key_type.label,
                               curve=key_type.curve),
                        "supported_groups")
    formats = hello.ec_point_formats
    if ref.POINT_FORMATS_CHECKED and formats is not None and 0 not in formats:
        return _fixable("uncompressed_points_not_offered",
                        reason("ec_point_formats lacks uncompressed (0), which the "
                               "certificate's point uses (RFC 8422 §5.1.2)"),
                        "ec_point_formats")
    if version >= TLS12 and shared is not None and not ref.SCHEMES_ECDSA & set(shared):
        return _fixable("no_ecdsa_signature_algorithm",
                        reason("signature_algorithms lists no ECDSA scheme (%(schemes)s); an "
                               "ECDSA certificate cannot sign (RFC 5246 §7.4.1.4.1)",
                               schemes=_names(hello.signature_algorithms or (),
                                              signature_scheme_name)),
                        "signature_algorithms")
    return None


def _ecdhe_group(hello: ClientHello) -> int | None:
    """OpenSSL negotiates ECDHE only with a group the client lists, in the client's order
    (observed, 3.0 and 3.5.6: without supported_groups there is no ECDHE, although RFC 8422 §4
    lets a server assume P-256)."""
    for group in hello.supported_groups or ():
        if group in ref.GROUPS_ECDHE:
            return group
    return None


def _choose_tls12_suite(hello: ClientHello, key_type: KeyType, version: int,
                        shared: tuple[int, ...] | None) -> tuple[int, tuple[int, ...]]:
    """OpenSSL's ssl3_choose_cipher with the client's preference: the first offered suite whose
    key exchange and authentication this certificate and the hello allow."""
    suites = ref.suites()
    ecdhe_group = _ecdhe_group(hello)
    ecdsa_problem = (_ecdsa_certificate_problem(hello, key_type, shared, version)
                     if key_type.algorithm != "rsa" else None)
    candidates, any_certificate = [], False
    for suite in hello.cipher_suites:
        info = suites.get(suite)
        if info is None or not info.usable or info.min_version > version:
            continue
        if info.kx == "ecdhe" and ecdhe_group is None:
            continue
        any_certificate = True
        if info.auth == "rsa" and key_type.algorithm == "rsa":
            candidates.append(suite)
        elif info.auth == "ecdsa" and key_type.algorithm != "rsa" and ecdsa_problem is None:
            candidates.append(suite)
    if candidates:
        return candidates[0], tuple(candidates)
    raise _suite_problem(hello, key_type, version, any_certificate, ecdhe_group, ecdsa_problem)


def _suite_problem(hello: ClientHello, key_type: KeyType, version: int, any_certificate: bool,
                   ecdhe_group: int | None, ecdsa_problem: _Stop | None) -> _Stop:
    suites = ref.suites()
    offered = [suites[s] for s in hello.cipher_suites if s in suites]
    usable_here = [s for s in offered if s.usable and s.min_version <= version]
    if not any_certificate:
        if not usable_here:
            names = [cipher_suite_name(s) for s in hello.cipher_suites if not is_grease(s)]
            weak = [n for n in names if any(w in n for w in ("RC4", "EXPORT", "_DES_", "NULL",
                                                              "IDEA", "RC2", "SEED"))]
            what = (reason("only RC4, export, single-DES or similar suites that current "
                           "servers no longer enable") if weak and len(weak) == len(names)
                    else reason("no suite the server enables for %(version)s",
                                version=version_name(version)))
            return _unfixable("no_common_cipher_suite",
                              reason("cipher_suites offers %(what)s (%(suites)s); no "
                                     "certificate can fix that", what=what,
                                     suites=_names(hello.cipher_suites, cipher_suite_name, 4)),
                              ALERT_HANDSHAKE_FAILURE, "cipher_suites")
        return _unfixable("no_ecdhe_group",
                          reason("cipher_suites offers only ECDHE suites, and %(groups)s "
                                 "(RFC 8422 §5.1.1)", groups=_no_ecdhe_group(hello)),
                          ALERT_HANDSHAKE_FAILURE, "supported_groups")
    wanted = "rsa" if key_type.algorithm == "rsa" else "ecdsa"
    matching = [s for s in usable_here if s.auth == wanted]
    kind = (reason("RSA (TLS_RSA_*, ECDHE_RSA or DHE_RSA)") if wanted == "rsa"
            else verbatim("ECDHE_ECDSA"))
    if not matching:
        if key_type.algorithm == "ed25519" and version < 0x0303:
            # the same refusal, for the reason that decides it first: EdDSA has no signature
            # before TLS 1.2 (RFC 8422 §5.1.3 defines it through signature_algorithms)
            return _fixable(f"no_{wanted}_suite",
                            reason("the client speaks at most %(version)s, and an Ed25519 "
                                   "certificate needs TLS 1.2 or later (RFC 8422 §5.1.3: EdDSA "
                                   "is negotiated through signature_algorithms); cipher_suites "
                                   "offers no ECDHE_ECDSA suite either",
                                   version=version_name(version)),
                            "cipher_suites")
        return _fixable(f"no_{wanted}_suite",
                        reason("cipher_suites offers no %(kind)s suite usable in %(version)s, "
                               "which an %(key_type)s certificate needs (RFC 5246 §7.4.2)",
                               kind=kind, version=version_name(version),
                               key_type=key_type.label),
                        "cipher_suites")
    if all(s.kx == "ecdhe" for s in matching) and ecdhe_group is None:
        return _fixable("no_ecdhe_group",
                        reason("the only %(kind)s suites are ECDHE suites, and %(groups)s "
                               "(RFC 8422 §5.1.1)", kind=kind, groups=_no_ecdhe_group(hello)),
                        "supported_groups")
    if ecdsa_problem is not None:
        return ecdsa_problem
    return _fixable(f"no_{wanted}_suite", reason("no %(kind)s suite is usable", kind=kind),
                    "cipher_suites")


def _no_ecdhe_group(hello: ClientHello) -> Message:
    """Why OpenSSL has no ECDHE group for `hello` (observed: only a group the client lists)."""
    if hello.supported_groups is None:
        return reason("supported_groups is absent, so OpenSSL negotiates no ECDHE group")
    return reason("supported_groups lists %(groups)s, none of which the server offers for "
                  "ECDHE", groups=_names(hello.supported_groups, group_name))


def _choose_scheme(hello: ClientHello, key_type: KeyType, version: int,
                   shared: tuple[int, ...] | None, suite: int | None) -> int | None:
    """OpenSSL's tls_choose_sigalg: TLS 1.3 and TLS 1.2 pick the client's first shared scheme
    this certificate can make; TLS 1.2 without signature_algorithms uses the RFC 5246
    §7.4.1.4.1 defaults ({sha1,rsa}, {sha1,ecdsa}); older versions use no scheme."""
    if version < TLS12:
        return None
    fits = _schemes_for(key_type, version)
    if shared is None:
        return {"rsa": 0x0201, "ecdsa": 0x0203}.get(key_type.algorithm)
    for scheme in shared:
        if scheme in fits and _issuer_accepted(hello, key_type):
            return scheme
    if not _issuer_accepted(hello, key_type):
        issuer = "/".join(signature_scheme_name(s)
                          for s in sorted(ref.ISSUER_SIGNATURE[key_type.algorithm]))
        raise _fixable("issuer_signature_not_accepted",
                       reason("signature_algorithms_cert lists %(schemes)s; the certificate's "
                              "issuer signs with %(issuer)s (RFC 8446 §4.2.3)",
                              schemes=_names(hello.signature_algorithms_cert,
                                             signature_scheme_name),
                              issuer=issuer),
                       "signature_algorithms_cert")
    offered = _names(hello.signature_algorithms or (), signature_scheme_name)
    if version >= TLS13:
        rule: Message
        if key_type.algorithm == "ecdsa":
            need = signature_scheme_name(key_type.tls13_scheme)
            rule = reason("TLS 1.3 binds the curve to the scheme (RFC 8446 §4.2.3)")
        elif key_type.algorithm == "rsa":
            need = "rsa_pss_rsae_sha256/384/512"
            rule = reason("TLS 1.3 signs with RSA-PSS only (RFC 8446 §4.2.3)")
        else:
            need, rule = "ed25519", reason("RFC 8446 §4.2.3")
        raise _fixable("no_tls13_signature_scheme",
                       reason("signature_algorithms lists %(schemes)s; an %(key_type)s "
                              "certificate needs %(need)s in TLS 1.3 — %(rule)s",
                              schemes=offered, key_type=key_type.label, need=need, rule=rule),
                       "signature_algorithms")
    raise _fixable("no_signature_scheme_for_key",
                   reason("signature_algorithms lists %(schemes)s, none for an %(key_type)s "
                          "certificate; OpenSSL picks %(suite)s and then cannot sign (RFC 5246 "
                          "§7.4.1.4.1)", schemes=offered, key_type=key_type.label,
                          suite=cipher_suite_name(suite)),
                   "signature_algorithms")


def _ephemeral(suite: int) -> bool:
    info = ref.suites().get(suite)
    return info is not None and info.kx in ("ecdhe", "dhe")


def analyze(hello: ClientHello, key_type: KeyType) -> Verdict:
    """The reference server's answer to `hello` with a `key_type` certificate, predicted."""
    try:
        _check_duplicates(hello)
        version = negotiate_version(hello)
        _check_fallback(hello, version)
        if version >= TLS13:
            suite = _tls13_suite(hello)
            _check_null_compression(hello)
            _check_extension_contents(hello, version)
            group, share = _tls13_key_exchange(hello)
            shared = _shared_schemes(hello, version)
            _check_tls13_compression(hello)  # after the schemes (observed, 3.5.6)
            scheme = _choose_scheme(hello, key_type, version, shared, suite)
            if share is not None and not agreement_valid(share.group, share.key_exchange):
                raise _unfixable("small_order_key_share",
                                 reason("the %(group)s key share is a small-order point, so "
                                        "the shared secret would be all zeros; the server finds "
                                        "out as it derives the secret (RFC 7748 §6.1, RFC 8446 "
                                        "§7.4.2)", group=group_name(share.group)),
                                 ALERT_ILLEGAL_PARAMETER, "key_share")
            retry = share is None
            return Verdict(key_type.id, True, version, suite,
                           tuple(s for s in hello.cipher_suites if s in ref.TLS13_SUITES),
                           group, scheme, retry)
        _check_null_compression(hello)
        _check_extension_contents(hello, version)
        shared = _shared_schemes(hello, version) if version >= TLS12 else None
        suite, acceptable = _choose_tls12_suite(hello, key_type, version, shared)
        scheme = _choose_scheme(hello, key_type, version, shared, suite)
        info = ref.suites()[suite]
        group = _ecdhe_group(hello) if info.kx == "ecdhe" else None
        return Verdict(key_type.id, True, version, suite, acceptable, group,
                       scheme if _ephemeral(suite) else None)
    except _Stop as stop:
        return Verdict(key_type.id, False, reason_code=stop.code, reason_message=stop.because,
                       alert=stop.alert, fixable=stop.fixable, fields=stop.fields)
