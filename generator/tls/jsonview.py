"""The JSON shape of `tlskb decode --json` (DESIGN.md, "JSON shapes"): codepoints as integers,
lists in wire order, absent extensions as null, a client's strings (server_name, ALPN) escaped
as generator/printable.py says. Scripts depend on it; only add keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from generator.printable import escape
from generator.tls import extensions as ext
from generator.tls import registry as names
from generator.tls.fingerprint import fingerprints
from generator.tls.messages import ClientHello
from generator.tls.records import WireClientHello


def _text(data: bytes) -> str:
    r"""A string the client chose (SNI, ALPN), escaped as generator/printable.py says and as
    capture files and `tlskb decode` show it: printable ASCII, reversible (printable.unescape),
    a backslash written `\\` so that no name looks like an escaped byte (`\xff`)."""
    return escape(data)


_EXTENSION_FIELDS: dict[type, Callable[[Any], dict[str, Any]]] = {
    ext.ServerName: lambda e: {"server_names": [{"type": n.name_type, "name": n.text}
                                                for n in e.names]},
    ext.SupportedGroups: lambda e: {"groups": list(e.groups)},
    ext.SignatureAlgorithms: lambda e: {"schemes": list(e.schemes)},
    ext.SignatureAlgorithmsCert: lambda e: {"schemes": list(e.schemes)},
    ext.DelegatedCredential: lambda e: {"schemes": list(e.schemes)},
    ext.EcPointFormats: lambda e: {"formats": list(e.formats)},
    ext.Alpn: lambda e: {"protocols": [_text(p) for p in e.protocols]},
    ext.ApplicationSettings: lambda e: {"protocols": [_text(p) for p in e.protocols]},
    ext.SupportedVersions: lambda e: {"versions": list(e.versions)},
    ext.KeyShare: lambda e: {"entries": [{"group": k.group, "key_exchange": k.key_exchange.hex()}
                                         for k in e.entries]},
    ext.PskKeyExchangeModes: lambda e: {"modes": list(e.modes)},
    ext.RenegotiationInfo: lambda e: {"renegotiated_connection": e.renegotiated_connection.hex()},
    ext.StatusRequest: lambda e: {"status_type": e.status_type,
                                  "responder_ids": [i.hex() for i in e.responder_ids],
                                  "request_extensions": e.request_extensions.hex(),
                                  "other_request": e.other_request.hex()},
    ext.PreSharedKey: lambda e: {"identities": [{"identity": i.identity.hex(),
                                                 "obfuscated_ticket_age": i.obfuscated_ticket_age}
                                                for i in e.identities],
                                 "binders": [b.hex() for b in e.binders]},
    ext.EncryptedClientHello: lambda e: {"ech_type": e.ech_type, "kdf_id": e.kdf_id,
                                         "aead_id": e.aead_id, "config_id": e.config_id,
                                         "enc": e.enc.hex(), "payload": e.payload.hex()},
    ext.SessionTicket: lambda e: {"ticket": e.ticket.hex()},
    ext.Padding: lambda e: {"padding": e.data.hex()},
    ext.MaxFragmentLength: lambda e: {"max_fragment_length": e.code},
    ext.Heartbeat: lambda e: {"mode": e.mode},
    ext.RecordSizeLimit: lambda e: {"record_size_limit": e.limit},
    ext.Cookie: lambda e: {"cookie": e.cookie.hex()},
    ext.CompressCertificate: lambda e: {"algorithms": list(e.algorithms)},
    ext.CertificateTypes: lambda e: {"certificate_types": list(e.certificate_types)},
    ext.CertificateAuthorities: lambda e: {"authorities": [a.hex() for a in e.authorities]},
    ext.TokenBinding: lambda e: {"version": e.version, "key_parameters": list(e.key_parameters)},
    ext.RawExtension: lambda e: {"data": e.data.hex()},
    ext.EmptyExtension: lambda e: {},
}


def extension_json(extension: ext.Extension) -> dict[str, Any]:
    body = extension.encode_body()
    out: dict[str, Any] = {"type": extension.type, "name": names.extension_name(extension.type),
                           "length": len(body)}
    if names.is_grease(extension.type):
        out["grease"] = True
    out.update(_EXTENSION_FIELDS[type(extension)](extension))
    return out


def client_hello_json(hello: ClientHello) -> dict[str, Any]:
    def listed(values):
        return None if values is None else list(values)
    return {
        "legacy_version": hello.legacy_version,
        "random": hello.random.hex(),
        "session_id": hello.session_id.hex(),
        "cipher_suites": list(hello.cipher_suites),
        "compression_methods": list(hello.compression_methods),
        "extensions": [extension_json(e) for e in hello.extensions] if hello.extensions_present
        else None,
        "supported_groups": listed(hello.supported_groups),
        "signature_algorithms": listed(hello.signature_algorithms),
        "signature_algorithms_cert": listed(hello.signature_algorithms_cert),
        "supported_versions": listed(hello.supported_versions),
        "key_share_groups": listed(hello.key_share_groups),
        "ec_point_formats": listed(hello.ec_point_formats),
        "server_name": hello.server_name,
        "alpn": None if hello.alpn is None else [_text(p) for p in hello.alpn],
    }


def wire_client_hello_json(wire: WireClientHello) -> dict[str, Any]:
    prints = fingerprints(wire)
    out: dict[str, Any] = {
        "client_hello": client_hello_json(wire.hello),
        "ja3": prints.ja3,
        "ja3_hash": prints.ja3_hash,
        "ja4": prints.ja4,
        "ja4_r": prints.ja4_r,
        "wire_format": wire.wire_format,
        "records": [{"content_type": r.content_type, "version": r.version, "length": r.length}
                    for r in wire.records],
        "hex": wire.raw.hex(),
    }
    if wire.sslv2 is not None:
        out["sslv2"] = {"version": wire.sslv2.version,
                        "cipher_specs": list(wire.sslv2.cipher_specs),
                        "session_id": wire.sslv2.session_id.hex(),
                        "challenge": wire.sslv2.challenge.hex()}
    return out
