"""The rustls analyzer: (ClientHello, key type) -> Verdict, by the rules of rustls 0.23.45 with
the aws-lc-rs provider, configured as replay.py configures it (facts.py).

A pure function. It walks rustls' decisions in rustls' order (rustls/src/server/hs.rs
process_client_hello, with_certified_key, choose_suite_and_kx_group; server/tls12.rs;
server/tls13.rs; established by replay, see tests/test_stack_rustls.py), so that the first
obstacle it finds is the one the replay reports:

 1. TLS records only: an SSL 2.0-format hello      (decode_error)
 2. what rustls' ClientHello decoder refuses, extension by extension in wire order: a
    duplicate (illegal_parameter), an empty list or value where one is required, two host
    names in server_name (decode_error)
 3. a null compression method                      (illegal_parameter)
 4. server_name: its host name is a DNS name (an IP literal counts as no name) (illegal_parameter)
 5. signature_algorithms present, at every version (handshake_failure)
 6. protocol version: TLS 1.3 if offered, else 1.2 (protocol_version)
 7. a key exchange group from the client's list    (handshake_failure)
 8. a cipher suite for this certificate's key      (handshake_failure)
 9. TLS 1.3: compression exactly [null] (illegal_parameter); a key_share (handshake_failure);
    no duplicate key share (illegal_parameter); none for the chosen group: HelloRetryRequest;
    the share is a valid public value (illegal_parameter)
10. TLS 1.2: ec_point_formats lists uncompressed   (illegal_parameter)
11. a signature scheme for this certificate's key: TLS 1.2 -> no answer at all (rustls fails
    with "incompatible signing key" and sends nothing); TLS 1.3 -> after the ServerHello, an
    encrypted handshake_failure

rustls never compares the certificate with supported_groups or signature_algorithms_cert: it
serves its one certificate whenever the key can sign with a scheme the client offers. When the
client did not offer the certificate's curve (TLS 1.2) or the issuer's signature, the verdict is
"proceeds" with the caveat, since the client may then refuse the certificate.
"""

from __future__ import annotations

import ipaddress

from generator.compat.certs import chain_scheme
from generator.compat.keyshare import agreement_valid, encoding_valid
from generator.compat.keytypes import KeyType
from generator.compat.verdict import (Caveat, fixable as _fixable, hex16, listed as _names,
                                      Refusal as _Stop, unfixable as _unfixable, Verdict)
from generator.i18n import Message, reason
from generator.stacks.rustls import facts as ref
from generator.tls import extensions as ext
from generator.tls.messages import ClientHello
from generator.tls.registry import (cipher_suite_name, extension_name, group_name, signature_scheme_name, version_name)

TLS12, TLS13 = ref.TLS12, ref.TLS13


def _key(key_type: KeyType) -> str:
    """facts.KEY_SCHEMES_* key: the curve of an ECDSA key, else the algorithm."""
    return key_type.curve if key_type.algorithm == "ecdsa" else str(key_type.algorithm)


# -- steps that do not depend on the certificate -----------------------------------------------

def _check_framing(hello: ClientHello) -> None:
    if hello.sslv2_format:
        raise _unfixable("sslv2_format",
                         reason("the ClientHello is in SSL 2.0 format (RFC 5246 Appendix E.2); "
                                "rustls reads TLS records only and refuses it as a corrupt "
                                "record (InvalidContentType)"),
                         ref.ALERT_DECODE_ERROR, "record")


#: extensions whose list rustls' decoder requires to be non-empty (msgs/handshake.rs
#: ListLength::NonZero*; observed, rustls 0.23.45) -> the list's name
_NON_EMPTY = {ext.EcPointFormats: ("formats", "ec_point_formats"),
              ext.SignatureAlgorithms: ("schemes", "signature_algorithms"),
              ext.Alpn: ("protocols", "application_layer_protocol_negotiation"),
              ext.PskKeyExchangeModes: ("modes", "psk_key_exchange_modes"),
              ext.CompressCertificate: ("algorithms", "compress_certificate"),
              ext.ServerName: ("names", "server_name")}


def _check_decoding(hello: ClientHello) -> None:
    """What rustls' ClientHello decoder refuses (msgs/handshake.rs ClientExtensions::read),
    extension by extension in wire order: a second extension of a type (illegal_parameter,
    RFC 8446 §4.2), then the extension's own body (decode_error)."""
    seen: set[int] = set()
    for extension in hello.extensions:
        code = extension.type
        if code in seen:
            raise _unfixable("duplicate_extension",
                             reason("extension %(extension)s appears twice; RFC 8446 §4.2 "
                                    "allows each extension once",
                                    extension=extension_name(code)),
                             ref.ALERT_ILLEGAL_PARAMETER, f"extension:{code}")
        seen.add(code)
        empty = _NON_EMPTY.get(type(extension))
        if empty is not None and not getattr(extension, empty[0]):
            raise _unfixable("empty_extension_list",
                             reason("%(extension)s carries an empty list, which its definition "
                                    "forbids", extension=empty[1]),
                             ref.ALERT_DECODE_ERROR, empty[1])
        if isinstance(extension, ext.Alpn) and not all(extension.protocols):
            raise _unfixable("empty_protocol_name",
                             reason("application_layer_protocol_negotiation lists an empty "
                                    "protocol name (RFC 7301 §3.1: ProtocolName<1..2^8-1>)"),
                             ref.ALERT_DECODE_ERROR, "application_layer_protocol_negotiation")
        if isinstance(extension, ext.ServerName):
            _check_server_name_list(extension)


def _check_server_name_list(extension: ext.ServerName) -> None:
    """rustls reads host_name entries until the first of another name type (whose length
    format it cannot know) and stops there: an empty host name, or a second one, is a
    decode_error (RFC 6066 §3: HostName<1..2^16-1>, one name per type)."""
    host_names = 0
    for entry in extension.names:
        if entry.name_type != 0:
            return
        if not entry.name:
            raise _unfixable("empty_host_name",
                             reason("server_name holds an empty host name (RFC 6066 §3: "
                                    "HostName<1..2^16-1>)"),
                             ref.ALERT_DECODE_ERROR, "server_name")
        host_names += 1
        if host_names > 1:
            raise _unfixable("two_host_names",
                             reason("server_name lists two host names; RFC 6066 §3 allows one "
                                    "name per type"),
                             ref.ALERT_DECODE_ERROR, "server_name")


MAX_DNS_NAME, MAX_DNS_LABEL = 253, 63
_LETTER = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_DIGIT = frozenset(b"0123456789")


def is_dns_name(name: bytes) -> bool:
    """rustls-pki-types' DnsName syntax (server_name.rs validate): at most 253 bytes, labels
    of 1-63 letters, digits, '_' or '-' (no leading or trailing '-'), a last label that is
    not all digits, one optional trailing dot. Linear in the name."""
    if not name or len(name) > MAX_DNS_NAME:
        return False
    labels = name.split(b".")
    if labels[-1] == b"":
        labels.pop()      # one trailing dot: an absolute name
    if not labels:
        return False
    for label in labels:
        if not label or len(label) > MAX_DNS_LABEL or label[:1] == b"-" or label[-1:] == b"-":
            return False
        if any(c not in _LETTER and c not in _DIGIT and c != 0x2D for c in label):
            return False
    return not all(c in _DIGIT for c in labels[-1])


def _is_ip_literal(name: bytes) -> bool:
    try:
        text = name.decode("ascii")
    except UnicodeDecodeError:
        return False
    if "%" in text:       # a zone id: Python accepts it, Rust's IpAddr does not
        return False
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _check_server_name(hello: ClientHello) -> None:
    """hs.rs: a server_name whose first host_name is not a DNS name (an IP literal counts as
    no name at all) is refused with illegal_parameter, ServerNameMustContainOneHostName."""
    extension = hello.typed(ext.ServerName)
    if extension is None:
        return
    first = extension.names[0] if extension.names else None
    if first is not None and first.name_type == 0 and (is_dns_name(first.name)
                                                        or _is_ip_literal(first.name)):
        return
    what = (reason("server_name has no host_name entry") if first is None or first.name_type != 0
            else reason("server_name holds a host name that is not a valid DNS name"))
    raise _unfixable("bad_host_name",
                     reason("%(what)s; rustls requires one syntactically valid DNS name there "
                            "(RFC 6066 §3; hs.rs: ServerNameMustContainOneHostName)", what=what),
                     ref.ALERT_ILLEGAL_PARAMETER, "server_name")


def _check_null_compression(hello: ClientHello) -> None:
    if 0 not in hello.compression_methods:
        raise _unfixable("no_null_compression",
                         reason("legacy_compression_methods lacks null (0), which every "
                                "ClientHello must offer (RFC 5246 §7.4.1.2, RFC 8446 §4.1.2; "
                                "rustls hs.rs: NullCompressionRequired)"),
                         ref.ALERT_ILLEGAL_PARAMETER, "compression_methods")


def _check_signature_algorithms(hello: ClientHello) -> tuple[int, ...]:
    offered = hello.signature_algorithms
    if offered is None:
        raise _unfixable("missing_signature_algorithms",
                         reason("signature_algorithms is absent; rustls requires it at every "
                                "version (hs.rs: SignatureAlgorithmsExtensionRequired), although "
                                "RFC 5246 §7.4.1.4.1 gives TLS 1.2 defaults"),
                         ref.ALERT_HANDSHAKE_FAILURE, "signature_algorithms")
    return offered


def negotiate_version(hello: ClientHello) -> int:
    """TLS 1.3 whenever supported_versions lists it (no fallback to 1.2 later), else TLS 1.2
    (RFC 8446 §4.2.1; legacy_version when supported_versions is absent, RFC 8446 §4.1.2)."""
    offered = hello.supported_versions
    if offered is not None:
        if TLS13 in offered:
            return TLS13
        if TLS12 in offered:
            return TLS12
        raise _unfixable("no_common_version",
                         reason("supported_versions lists %(versions)s; rustls speaks TLS 1.2 "
                                "and 1.3 only (RFC 8446 §4.2.1)",
                                versions=_names(offered, version_name)),
                         ref.ALERT_PROTOCOL_VERSION, "supported_versions")
    if hello.legacy_version >= TLS12:
        return TLS12
    raise _unfixable("version_too_low",
                     reason("legacy_version is %(code)s and there is no supported_versions; "
                            "rustls speaks TLS 1.2 and 1.3 only (RFC 8996)",
                            code=hex16(hello.legacy_version)),
                     ref.ALERT_PROTOCOL_VERSION, "legacy_version")


def _group(hello: ClientHello, version: int) -> int:
    """The first group of the client's supported_groups the server has (hs.rs
    choose_suite_and_kx_group: the client's order). None -> NoKxGroupsInCommon, before any
    suite is looked at; no supported_groups at all means no group (no implicit P-256)."""
    usable = ref.GROUPS_TLS13 if version == TLS13 else ref.GROUPS_TLS12
    for group in hello.supported_groups or ():
        if group in usable:
            return group
    offered = ", ".join(group_name(g) for g in sorted(usable))
    listed = (reason("supported_groups lists %(groups)s",
                     groups=_names(hello.supported_groups, group_name))
              if hello.supported_groups is not None else reason("supported_groups is absent"))
    raise _unfixable("no_common_group",
                     reason("%(groups)s; rustls needs one of %(offered)s for %(version)s (RFC "
                            "8446 §4.2.7, RFC 8422 §5.1.1)", groups=listed, offered=offered,
                            version=version_name(version)),
                     ref.ALERT_HANDSHAKE_FAILURE, "supported_groups")


# -- steps that depend on the certificate ------------------------------------------------------

def _suite(hello: ClientHello, key_type: KeyType, version: int) -> tuple[int, tuple[int, ...]]:
    """The first of the client's cipher_suites the server has for this version and key
    (ignore_client_order = false; suites.rs usable_for_signature_algorithm)."""
    if version == TLS13:
        usable = ref.TLS13_SUITES
    else:
        usable = ref.TLS12_RSA_SUITES if key_type.algorithm == "rsa" else ref.TLS12_ECDSA_SUITES
    candidates = tuple(s for s in hello.cipher_suites if s in usable)
    if candidates:
        return candidates[0], candidates
    offered = _names(hello.cipher_suites, cipher_suite_name, 4)
    if version == TLS13:
        raise _unfixable("no_common_tls13_suite",
                         reason("supported_versions selects TLS 1.3 but cipher_suites "
                                "(%(suites)s) has none of TLS_AES_128_GCM_SHA256, "
                                "TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256; rustls "
                                "does not fall back to TLS 1.2 (RFC 8446 §4.1.2)",
                                suites=offered),
                         ref.ALERT_HANDSHAKE_FAILURE, "cipher_suites", "supported_versions")
    other = ref.TLS12_ECDSA_SUITES if key_type.algorithm == "rsa" else ref.TLS12_RSA_SUITES
    kind = "ECDHE_RSA" if key_type.algorithm == "rsa" else "ECDHE_ECDSA"
    if any(s in other for s in hello.cipher_suites):
        raise _fixable(f"no_{kind.lower()}_suite",
                       reason("cipher_suites (%(suites)s) offers no %(kind)s AEAD suite, which "
                              "an %(key_type)s certificate needs in TLS 1.2 (RFC 5246 §7.4.2)",
                              suites=offered, kind=kind, key_type=key_type.label),
                       "cipher_suites")
    raise _unfixable("no_common_cipher_suite",
                     reason("cipher_suites offers %(suites)s; rustls has only ECDHE suites with "
                            "AES-GCM or ChaCha20-Poly1305 for TLS 1.2 (no CBC, static RSA or "
                            "DHE), so no certificate can fix that", suites=offered),
                     ref.ALERT_HANDSHAKE_FAILURE, "cipher_suites")


def _tls13_key_share(hello: ClientHello, group: int) -> bool:
    """tls13.rs handle_client_hello, in its order; True when rustls asks for `group` with a
    HelloRetryRequest — even when the client sent a share for another group both support
    (observed, rustls 0.23.45)."""
    if tuple(hello.compression_methods) != (0,):
        raise _unfixable("tls13_compression",
                         reason("TLS 1.3 requires legacy_compression_methods to be exactly "
                                "[null] (RFC 8446 §4.1.2; tls13.rs: "
                                "OfferedIncorrectCompressions)"),
                         ref.ALERT_ILLEGAL_PARAMETER, "compression_methods")
    key_share = hello.typed(ext.KeyShare)
    if key_share is None:
        raise _unfixable("missing_key_share",
                         reason("TLS 1.3 needs a key_share extension and the client sent none "
                                "(RFC 8446 §4.2.8); rustls answers handshake_failure "
                                "(KeyShareExtensionRequired)"),
                         ref.ALERT_HANDSHAKE_FAILURE, "key_share")
    groups = key_share.groups
    if len(set(groups)) != len(groups):
        raise _unfixable("duplicate_key_share",
                         reason("key_share offers two shares for one group, which RFC 8446 "
                                "§4.2.8 forbids (tls13.rs: OfferedDuplicateKeyShares)"),
                         ref.ALERT_ILLEGAL_PARAMETER, "key_share")
    share = next((entry for entry in key_share.entries if entry.group == group), None)
    if share is None:
        return True
    if not (encoding_valid(group, share.key_exchange)
            and agreement_valid(group, share.key_exchange)):
        raise _unfixable("invalid_key_share",
                         reason("the %(group)s key share is not a valid public value, or yields "
                                "an all-zero secret (RFC 8446 §4.2.8.2, §7.4.2; rustls: "
                                "InvalidKeyShare)", group=group_name(group)),
                         ref.ALERT_ILLEGAL_PARAMETER, "key_share")
    return False


def _scheme(hello: ClientHello, key_type: KeyType, version: int, suite: int) -> int:
    """The scheme the key signs with: the first of the key's own list the client offers
    (aws-lc-rs sign.rs choose_scheme). TLS 1.2 first needs a scheme the suite can use
    (tls12.rs: NoSignatureSchemesInCommon, handshake_failure); a key that then finds none
    makes rustls fail with "incompatible signing key" and send nothing. TLS 1.3 (tls13.rs
    emit_certificate_verify_tls13) fails after its ServerHello: an encrypted handshake_failure."""
    offered = hello.signature_algorithms or ()
    listed = _names(offered, signature_scheme_name)
    if version == TLS12:
        suite_schemes = (ref.TLS12_RSA_SCHEMES if key_type.algorithm == "rsa"
                         else ref.TLS12_ECDSA_SCHEMES)
        if not any(s in offered for s in suite_schemes):
            raise _unfixable("no_signature_scheme_for_suite",
                             reason("signature_algorithms lists %(schemes)s, none that "
                                    "%(suite)s can sign with (%(suite_schemes)s; rustls takes "
                                    "no SHA-1 or SHA-224) (RFC 5246 §7.4.1.4.1)",
                                    schemes=listed, suite=cipher_suite_name(suite),
                                    suite_schemes=_names(suite_schemes, signature_scheme_name)),
                             ref.ALERT_HANDSHAKE_FAILURE, "signature_algorithms")
        own = ref.KEY_SCHEMES_TLS12[_key(key_type)]
    else:
        own = ref.KEY_SCHEMES_TLS13[_key(key_type)]
    for scheme in own:
        if scheme in offered:
            return scheme
    need = "/".join(signature_scheme_name(s) for s in own)
    if version == TLS12:
        raise _Stop("no_signature_scheme_for_key",
                    reason("signature_algorithms lists %(schemes)s; an %(key_type)s key signs "
                           "only with %(need)s in rustls, so after choosing %(suite)s it cannot "
                           "sign the ServerKeyExchange and closes without a word (\"incompatible "
                           "signing key\"; RFC 5246 §7.4.1.4.1)", schemes=listed,
                           key_type=key_type.label, need=need, suite=cipher_suite_name(suite)),
                    None, ("signature_algorithms",), True)
    rule: Message
    if key_type.algorithm == "rsa":
        rule = reason("TLS 1.3 signs with RSA-PSS only")
    elif key_type.algorithm == "ecdsa":
        rule = reason("TLS 1.3 binds the curve to the scheme")
    else:
        rule = reason("Ed25519 has the one scheme ed25519")
    raise _Stop("no_tls13_signature_scheme",
                reason("signature_algorithms lists %(schemes)s; an %(key_type)s certificate "
                       "needs %(need)s — %(rule)s (RFC 8446 §4.2.3). rustls sends its "
                       "ServerHello first and then an encrypted handshake_failure "
                       "(NoSignatureSchemesInCommon)", schemes=listed, key_type=key_type.label,
                       need=need, rule=rule),
                ref.ALERT_HANDSHAKE_FAILURE, ("signature_algorithms",), True,
                after_server_hello=True)


def _caveat(hello: ClientHello, key_type: KeyType, version: int) -> tuple[Caveat, Message] | None:
    """Why the client may refuse the certificate rustls serves, or None."""
    groups = hello.supported_groups
    if (version <= TLS12 and key_type.algorithm == "ecdsa" and groups is not None
            and key_type.group not in groups):
        return (Caveat.CURVE_NOT_OFFERED,
                reason("supported_groups lists %(groups)s, not %(curve)s: rustls serves the "
                       "%(key_type)s certificate anyway, and the client may refuse a "
                       "certificate on a curve it did not offer (RFC 8422 §5.1)",
                       groups=_names(groups, group_name), curve=key_type.curve,
                       key_type=key_type.label))
    allowed = hello.signature_algorithms_cert
    which = "signature_algorithms_cert"
    if allowed is None:
        allowed, which = hello.signature_algorithms, "signature_algorithms"
    issuer = chain_scheme(key_type.algorithm)
    if allowed is not None and issuer not in allowed:
        rule = "RFC 8446 §4.2.3" if version == TLS13 else "RFC 5246 §7.4.2"
        return (Caveat.CERTIFICATE_SIGNATURE_NOT_OFFERED,
                reason("%(field)s lists %(schemes)s, not %(signature)s, the signature on the "
                       "%(key_type)s certificate: rustls serves it anyway, and the client may "
                       "refuse it (%(rule)s)", field=which,
                       schemes=_names(allowed, signature_scheme_name),
                       signature=signature_scheme_name(issuer), key_type=key_type.label,
                       rule=rule))
    return None


def analyze(hello: ClientHello, key_type: KeyType) -> Verdict:
    """rustls' answer to `hello` with a `key_type` certificate, predicted."""
    try:
        _check_framing(hello)
        _check_decoding(hello)
        _check_null_compression(hello)
        _check_server_name(hello)
        _check_signature_algorithms(hello)
        version = negotiate_version(hello)
        group = _group(hello, version)
        suite, acceptable = _suite(hello, key_type, version)
        retry = False
        if version == TLS13:
            retry = _tls13_key_share(hello, group)
        else:
            formats = hello.ec_point_formats
            if formats is not None and 0 not in formats:
                raise _unfixable("uncompressed_points_not_offered",
                                 reason("ec_point_formats lacks uncompressed (0), the only "
                                        "format rustls uses (RFC 8422 §5.1.2)"),
                                 ref.ALERT_ILLEGAL_PARAMETER, "ec_point_formats")
        scheme = None if retry else _scheme(hello, key_type, version, suite)
        caveat = _caveat(hello, key_type, version)
        return Verdict(key_type.id, True, version, suite, acceptable, group, scheme, retry,
                       caveat_code=caveat[0] if caveat else None,
                       caveat_message=caveat[1] if caveat else None)
    except _Stop as stop:
        return Verdict(key_type.id, False, reason_code=stop.code, reason_message=stop.because,
                       alert=stop.alert, fixable=stop.fixable, fields=stop.fields,
                       after_server_hello=stop.after_server_hello)
