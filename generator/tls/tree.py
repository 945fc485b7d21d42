"""A ClientHello as a labelled tree, in the words `tshark -V` uses where they fit.

The tree is neutral data: `render_text.py` prints it for a terminal, the site renders it as
collapsible HTML. Each node may carry a `key` naming the protocol field it shows
("supported_groups", "cipher_suites", ...) and, for list items, the codepoint `value`, so a
renderer can highlight exactly the fields that decide a verdict.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from generator.printable import escape
from generator.tls import extensions as ext
from generator.tls import registry as names
from generator.tls.fingerprint import fingerprints
from generator.tls.messages import ClientHello, SSLv2ClientHello
from generator.tls.records import WireClientHello


@dataclass(frozen=True, slots=True)
class Node:
    label: str
    children: tuple["Node", ...] = ()
    key: str | None = None
    value: int | None = None
    grease: bool = False
    generated: bool = False  # derived by tlskb, not on the wire (shown in [brackets] like tshark)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


def _hex(value: int, width: int = 4) -> str:
    return f"0x{value:0{width}x}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _item(label: str, name: str, value: int, key: str, width: int = 4) -> Node:
    return Node(f"{label}: {name} ({_hex(value, width)})", key=key, value=value,
                grease=name == names.GREASE_NAME)


def _version_label(value: int) -> str:
    return f"{names.version_name(value)} ({_hex(value)})"


def _record_name(version: int) -> str:
    """tshark's record label: "TLSv1", "TLSv1.2", "SSLv3"."""
    return {0x0300: "SSLv3", 0x0301: "TLSv1", 0x0302: "TLSv1.1", 0x0303: "TLSv1.2",
            0x0304: "TLSv1.3"}.get(version, "TLS")


def _bytes_label(label: str, data: bytes, limit: int = 64) -> str:
    shown = data[:limit].hex()
    return f"{label}: {shown}{'…' if len(data) > limit else ''}"


def _text(data: bytes) -> str:
    """A string the client chose (SNI, ALPN) as printable ASCII: nothing in it reaches a
    terminal or a page as a control character (the escaping of generator/printable.py)."""
    return escape(data)


# --- extension bodies ----------------------------------------------------------------------------

def _server_name(e: ext.ServerName) -> list[Node]:
    entries: list[Node] = [Node(f"Server Name list length: {len(e.encode_body()) - 2}")]
    for entry in e.names:
        entries += [Node(f"Server Name Type: {names.name('server_name_types', entry.name_type)} "
                         f"({entry.name_type})"),
                    Node(f"Server Name length: {len(entry.name)}"),
                    Node(f"Server Name: {_text(entry.name)}", key="server_name")]
    return [Node("Server Name Indication extension", tuple(entries))]


def _u16_items(count_label: str, noun: str, item_label: str, values: tuple[int, ...],
               namer: Callable[[int], str], key: str, length_label: str) -> list[Node]:
    return [Node(f"{length_label}: {2 * len(values)}"),
            Node(f"{count_label} ({_plural(len(values), noun)})",
                 tuple(_item(item_label, namer(v), v, key) for v in values), key=key)]


def _supported_groups(e: ext.SupportedGroups) -> list[Node]:
    return _u16_items("Supported Groups", "group", "Supported Group", e.groups, names.group_name,
                      "supported_groups", "Supported Groups List Length")


def _signature_list(key: str) -> Callable[[ext.Extension], list[Node]]:
    def render(e) -> list[Node]:
        return _u16_items("Signature Hash Algorithms", "algorithm", "Signature Algorithm",
                          e.schemes, names.signature_scheme_name, key,
                          "Signature Hash Algorithms Length")
    return render


def _ec_point_formats(e: ext.EcPointFormats) -> list[Node]:
    return [Node(f"EC point formats Length: {len(e.formats)}"),
            Node(f"Elliptic curves point formats ({len(e.formats)})",
                 tuple(Node(f"EC point format: {names.name('ec_point_formats', f)} ({f})",
                            key="ec_point_formats", value=f) for f in e.formats),
                 key="ec_point_formats")]


def _protocol_names(title: str, protocols: tuple[bytes, ...], key: str) -> list[Node]:
    items: list[Node] = []
    for protocol in protocols:
        items += [Node(f"ALPN string length: {len(protocol)}"),
                  Node(f"ALPN Next Protocol: {_text(protocol)}", key=key,
                       grease=names.is_grease_alpn(protocol))]
    length = sum(1 + len(p) for p in protocols)
    return [Node(f"{title} Length: {length}"), Node("ALPN Protocol", tuple(items), key=key)]


def _supported_versions(e: ext.SupportedVersions) -> list[Node]:
    return [Node(f"Supported Versions length: {2 * len(e.versions)}"),
            *(Node(f"Supported Version: {_version_label(v)}", key="supported_versions", value=v,
                   grease=names.is_grease(v)) for v in e.versions)]


def _key_share(e: ext.KeyShare) -> list[Node]:
    entries = []
    for entry in e.entries:
        group = names.group_name(entry.group)
        entries.append(Node(
            f"Key Share Entry: Group: {group}, Key Exchange length: {len(entry.key_exchange)}",
            (Node(f"Group: {group} ({entry.group})", key="key_share", value=entry.group,
                  grease=names.is_grease(entry.group)),
             Node(f"Key Exchange Length: {len(entry.key_exchange)}"),
             Node(_bytes_label("Key Exchange", entry.key_exchange))),
            key="key_share", value=entry.group, grease=names.is_grease(entry.group)))
    length = len(e.encode_body()) - 2
    return [Node("Key Share extension",
                 (Node(f"Client Key Share Length: {length}"), *entries), key="key_share")]


def _psk_modes(e: ext.PskKeyExchangeModes) -> list[Node]:
    return [Node(f"PSK Key Exchange Modes Length: {len(e.modes)}"),
            *(Node(f"PSK Key Exchange Mode: {names.psk_mode_name(m)} ({m})") for m in e.modes)]


def _renegotiation_info(e: ext.RenegotiationInfo) -> list[Node]:
    inner = [Node(f"Renegotiation info extension length: {len(e.renegotiated_connection)}")]
    if e.renegotiated_connection:
        inner.append(Node(_bytes_label("Renegotiation info", e.renegotiated_connection)))
    return [Node("Renegotiation Info extension", tuple(inner))]


def _status_request(e: ext.StatusRequest) -> list[Node]:
    nodes = [Node(f"Certificate Status Type: {names.name('certificate_status_types', e.status_type)}"
                  f" ({e.status_type})")]
    if e.status_type == 1:
        nodes += [Node(f"Responder ID list Length: {sum(2 + len(i) for i in e.responder_ids)}"),
                  Node(f"Request Extensions Length: {len(e.request_extensions)}")]
    elif e.other_request:
        nodes.append(Node(_bytes_label("Request", e.other_request)))
    return nodes


def _pre_shared_key(e: ext.PreSharedKey) -> list[Node]:
    identities = tuple(Node(f"PSK Identity (length: {len(i.identity)})",
                            (Node(_bytes_label("Identity", i.identity)),
                             Node(f"Obfuscated Ticket Age: {i.obfuscated_ticket_age}")))
                       for i in e.identities)
    binders = tuple(Node(_bytes_label("PSK Binder", b)) for b in e.binders)
    return [Node(f"Identities ({_plural(len(e.identities), 'identity')})", identities),
            Node(f"PSK Binders ({_plural(len(e.binders), 'binder')})", binders)]


def _ech(e: ext.EncryptedClientHello) -> list[Node]:
    kind = names.name("ech_client_hello_types", e.ech_type)
    nodes = [Node(f"Client Hello type: {kind} ({e.ech_type})")]
    if e.ech_type == 0:
        nodes += [Node(f"Cipher Suite: KDF {names.name('hpke_kdfs', e.kdf_id)} ({_hex(e.kdf_id)}), "
                       f"AEAD {names.name('hpke_aeads', e.aead_id)} ({_hex(e.aead_id)})"),
                  Node(f"Config Id: {e.config_id}"),
                  Node(f"Enc length: {len(e.enc)}"), Node(_bytes_label("Enc", e.enc)),
                  Node(f"Payload length: {len(e.payload)}"), Node(_bytes_label("Payload", e.payload))]
    return nodes


_EXTENSION_BODIES: dict[type, Callable[..., list[Node]]] = {
    ext.ServerName: _server_name,
    ext.SupportedGroups: _supported_groups,
    ext.SignatureAlgorithms: _signature_list("signature_algorithms"),
    ext.SignatureAlgorithmsCert: _signature_list("signature_algorithms_cert"),
    ext.DelegatedCredential: _signature_list("delegated_credential"),
    ext.EcPointFormats: _ec_point_formats,
    ext.Alpn: lambda e: _protocol_names("ALPN Extension", e.protocols, "alpn"),
    ext.ApplicationSettings: lambda e: _protocol_names("ALPS Extension", e.protocols,
                                                       "application_settings"),
    ext.SupportedVersions: _supported_versions,
    ext.KeyShare: _key_share,
    ext.PskKeyExchangeModes: _psk_modes,
    ext.RenegotiationInfo: _renegotiation_info,
    ext.StatusRequest: _status_request,
    ext.PreSharedKey: _pre_shared_key,
    ext.EncryptedClientHello: _ech,
    ext.SessionTicket: lambda e: [Node(f"Data ({_plural(len(e.ticket), 'byte')})")],
    ext.Padding: lambda e: [Node(_bytes_label("Padding Data", e.data, 16))],
    ext.MaxFragmentLength: lambda e: [Node(
        f"Maximum Fragment Length: {names.name('max_fragment_lengths', e.code)} ({e.code})")],
    ext.Heartbeat: lambda e: [Node(f"Mode: {names.name('heartbeat_modes', e.mode)} ({e.mode})")],
    ext.RecordSizeLimit: lambda e: [Node(f"Record Size Limit: {e.limit}")],
    ext.Cookie: lambda e: [Node(f"Cookie length: {len(e.cookie)}"),
                           Node(_bytes_label("Cookie", e.cookie))],
    ext.CompressCertificate: lambda e: [
        Node(f"Algorithms Length: {2 * len(e.algorithms)}"),
        *(Node(f"Algorithm: {names.name('certificate_compression_algorithms', a)} ({a})",
               grease=names.is_grease(a)) for a in e.algorithms)],
    ext.CertificateTypes: lambda e: [
        Node(f"Certificate Type List Length: {len(e.certificate_types)}"),
        *(Node(f"Certificate Type: {names.name('certificate_types', t)} ({t})")
          for t in e.certificate_types)],
    ext.CertificateAuthorities: lambda e: [
        Node(f"Distinguished Names ({_plural(len(e.authorities), 'name')})",
             tuple(Node(_bytes_label("Distinguished Name", n)) for n in e.authorities))],
    ext.TokenBinding: lambda e: [Node(f"Protocol Version: {_hex(e.version)}"),
                                 *(Node(f"Key Parameter: {p}") for p in e.key_parameters)],
    ext.RawExtension: lambda e: [Node(_bytes_label("Data", e.data))] if e.data else [],
    ext.EmptyExtension: lambda e: [],
}


def extension_node(extension: ext.Extension) -> Node:
    name = names.extension_name(extension.type)
    length = len(extension.encode_body())
    body = _EXTENSION_BODIES[type(extension)](extension)
    return Node(f"Extension: {name} (len={length})",
                (Node(f"Type: {name} ({extension.type})"), Node(f"Length: {length}"), *body),
                key=f"extension:{extension.type}", value=extension.type,
                grease=names.is_grease(extension.type))


# --- messages ------------------------------------------------------------------------------------

def _random_nodes(random: bytes) -> list[Node]:
    gmt = int.from_bytes(random[:4], "big")
    when = datetime.fromtimestamp(gmt, timezone.utc).strftime("%b %d, %Y %H:%M:%S UTC")
    return [Node(f"Random: {random.hex()}",
                 (Node(f"GMT Unix Time: {when}"), Node(f"Random Bytes: {random[4:].hex()}")))]


def client_hello_nodes(hello: ClientHello) -> list[Node]:
    suites = hello.cipher_suites
    nodes = [Node(f"Version: {_version_label(hello.legacy_version)}", key="legacy_version",
                  value=hello.legacy_version),
             *_random_nodes(hello.random),
             Node(f"Session ID Length: {len(hello.session_id)}")]
    if hello.session_id:
        nodes.append(Node(f"Session ID: {hello.session_id.hex()}"))
    nodes += [Node(f"Cipher Suites Length: {2 * len(suites)}"),
              Node(f"Cipher Suites ({_plural(len(suites), 'suite')})",
                   tuple(_item("Cipher Suite", names.cipher_suite_name(s), s, "cipher_suites")
                         for s in suites), key="cipher_suites"),
              Node(f"Compression Methods Length: {len(hello.compression_methods)}"),
              Node(f"Compression Methods ({_plural(len(hello.compression_methods), 'method')})",
                   tuple(Node(f"Compression Method: {names.name('compression_methods', m)} ({m})")
                         for m in hello.compression_methods))]
    if hello.extensions_present:
        length = sum(4 + len(e.encode_body()) for e in hello.extensions)
        nodes.append(Node(f"Extensions Length: {length}"))
        nodes += [extension_node(e) for e in hello.extensions]
    return nodes


def _sslv2_nodes(wire: WireClientHello, sslv2: SSLv2ClientHello) -> Node:
    specs = tuple(_item("Cipher Spec", names.sslv2_cipher_spec_name(s), s, "cipher_suites", 6)
                  for s in sslv2.cipher_specs)
    body = (Node(f"[Version: {_version_label(0x0002)}]", generated=True),
            Node(f"Length: {len(wire.raw) - 2}"),
            Node("Handshake Message Type: Client Hello (1)"),
            Node(f"Version: {_version_label(sslv2.version)}", key="legacy_version",
                 value=sslv2.version),
            Node(f"Cipher Spec Length: {3 * len(sslv2.cipher_specs)}"),
            Node(f"Session ID Length: {len(sslv2.session_id)}"),
            Node(f"Challenge Length: {len(sslv2.challenge)}"),
            Node(f"Cipher Specs ({_plural(len(sslv2.cipher_specs), 'spec')})", specs,
                 key="cipher_suites"),
            *([Node(f"Session ID: {sslv2.session_id.hex()}")] if sslv2.session_id else []),
            Node(f"Challenge: {sslv2.challenge.hex()}"))
    return Node("SSLv2 Record Layer: Client Hello", body)


def _fingerprint_nodes(wire: WireClientHello) -> list[Node]:
    prints = fingerprints(wire)
    if prints.ja3 is None:
        return [Node("[JA3/JA4: not defined for the SSL 2.0 format]", generated=True)]
    return [Node(f"[JA3 Fullstring: {prints.ja3}]", generated=True, key="ja3"),
            Node(f"[JA3: {prints.ja3_hash}]", generated=True, key="ja3"),
            Node(f"[JA4: {prints.ja4}]", generated=True, key="ja4"),
            Node(f"[JA4_r: {prints.ja4_r}]", generated=True, key="ja4")]


def client_hello_tree(wire: WireClientHello) -> Node:
    """The whole ClientHello as it arrived: record layer(s), handshake, fingerprints."""
    if wire.sslv2 is not None:
        root = _sslv2_nodes(wire, wire.sslv2)
        return Node(root.label, root.children + tuple(_fingerprint_nodes(wire)))
    handshake_body = (Node("Handshake Type: Client Hello (1)"),
                      Node(f"Length: {wire.handshake_length}"),
                      *client_hello_nodes(wire.hello),
                      *_fingerprint_nodes(wire))
    handshake = Node("Handshake Protocol: Client Hello", handshake_body)
    if not wire.records:
        return handshake
    record_nodes = []
    for index, header in enumerate(wire.records):
        fields = [Node("Content Type: Handshake (22)"),
                  Node(f"Version: {_version_label(header.version)}", key="record_version",
                       value=header.version),
                  Node(f"Length: {header.length}")]
        if len(wire.records) == 1:
            fields.append(handshake)
            label = f"{_record_name(header.version)} Record Layer: Handshake Protocol: Client Hello"
        else:
            label = (f"{_record_name(header.version)} Record Layer: Handshake Protocol: "
                     f"Client Hello (fragment {index + 1} of {len(wire.records)})")
        record_nodes.append(Node(label, tuple(fields)))
    if len(wire.records) > 1:
        assembled = len(wire.handshake_message)
        record_nodes.append(Node(f"[Reassembled from {len(wire.records)} records: "
                                 f"{assembled} bytes]", (handshake,), generated=True))
    return Node("Transport Layer Security", tuple(record_nodes))
