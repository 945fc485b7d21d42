"""Typed, immutable TLS extensions and their wire format (RFC 8446 §4.2 and the RFCs per type).

Every extension decodes to a frozen dataclass; an extension this module does not model (or a
GREASE one) is kept whole as `RawExtension`, never dropped. Decoding is strict: a body that does
not match its type's syntax raises DecodeError naming the field and offset. Encoding is exact,
so `encode(decode(b)) == b` holds for every accepted input (TLS encodings are canonical).

The same codepoint can have a different syntax per message (key_share carries a list in a
ClientHello, one entry in a ServerHello, a bare group in a HelloRetryRequest), so parsing takes
the message context.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from generator.printable import escape
from generator.tls import writer
from generator.tls.reader import Reader
from generator.tls.registry import extension_name


class Context(enum.Enum):
    CLIENT_HELLO = "client_hello"
    SERVER_HELLO = "server_hello"
    HELLO_RETRY_REQUEST = "hello_retry_request"


class ExtensionType(enum.IntEnum):
    """Codepoints this module gives a typed form (names as in the IANA registry)."""
    SERVER_NAME = 0
    MAX_FRAGMENT_LENGTH = 1
    CLIENT_CERTIFICATE_URL = 2
    TRUNCATED_HMAC = 4
    STATUS_REQUEST = 5
    SUPPORTED_GROUPS = 10
    EC_POINT_FORMATS = 11
    SIGNATURE_ALGORITHMS = 13
    HEARTBEAT = 15
    ALPN = 16
    SIGNED_CERTIFICATE_TIMESTAMP = 18
    CLIENT_CERTIFICATE_TYPE = 19
    SERVER_CERTIFICATE_TYPE = 20
    PADDING = 21
    ENCRYPT_THEN_MAC = 22
    EXTENDED_MASTER_SECRET = 23
    TOKEN_BINDING = 24
    COMPRESS_CERTIFICATE = 27
    RECORD_SIZE_LIMIT = 28
    DELEGATED_CREDENTIAL = 34
    SESSION_TICKET = 35
    PRE_SHARED_KEY = 41
    EARLY_DATA = 42
    SUPPORTED_VERSIONS = 43
    COOKIE = 44
    PSK_KEY_EXCHANGE_MODES = 45
    CERTIFICATE_AUTHORITIES = 47
    POST_HANDSHAKE_AUTH = 49
    SIGNATURE_ALGORITHMS_CERT = 50
    KEY_SHARE = 51
    NEXT_PROTOCOL_NEGOTIATION = 13172
    APPLICATION_SETTINGS_OLD = 17513
    APPLICATION_SETTINGS = 17613
    CHANNEL_ID_OLD = 30031
    CHANNEL_ID = 30032
    ENCRYPTED_CLIENT_HELLO = 0xFE0D
    RENEGOTIATION_INFO = 0xFF01


T = ExtensionType


class Extension:
    """Base of every extension value. Subclasses define `type` and `encode_body()`."""
    __slots__ = ()
    type: int

    def encode_body(self) -> bytes:
        raise NotImplementedError

    def encode(self) -> bytes:
        """`struct { ExtensionType extension_type; opaque extension_data<0..2^16-1>; }`"""
        return writer.uint16(self.type) + writer.vector(2, self.encode_body())


@dataclass(frozen=True, slots=True)
class RawExtension(Extension):
    """An extension kept as bytes: unknown, GREASE (RFC 8701), or not modelled in this context."""
    type: int
    data: bytes

    def encode_body(self) -> bytes:
        return self.data


@dataclass(frozen=True, slots=True)
class EmptyExtension(Extension):
    """A flag extension whose extension_data must be empty here (e.g. extended_master_secret,
    RFC 7627 §5.1; encrypt_then_mac, RFC 7366 §2; post_handshake_auth, RFC 8446 §4.2.6)."""
    type: int

    def encode_body(self) -> bytes:
        return b""


@dataclass(frozen=True, slots=True)
class ServerNameEntry:
    name_type: int
    name: bytes

    @property
    def text(self) -> str:
        r"""The name as printable ASCII, never guessed: escaped as generator/printable.py says
        (`\\` for a backslash, `\"` for a quote, `\xHH` for any other byte outside 0x20-0x7e),
        reversibly, so the bytes `ff fe` and the text `\xff\xfe` never look alike."""
        return escape(self.name)


@dataclass(frozen=True, slots=True)
class ServerName(Extension):
    """RFC 6066 §3: `ServerName server_name_list<1..2^16-1>`."""
    type: ClassVar[int] = T.SERVER_NAME
    names: tuple[ServerNameEntry, ...]

    @property
    def host_name(self) -> str | None:
        entry = self.host_name_entry
        return None if entry is None else entry.text

    @property
    def host_name_entry(self) -> ServerNameEntry | None:
        """The first entry of name_type host_name (0), the one servers use (RFC 6066 §3)."""
        return next((entry for entry in self.names if entry.name_type == 0), None)

    @classmethod
    def parse(cls, r: Reader) -> "ServerName":
        body = r.vector(2, "server_name_list", minimum=1)
        names = []
        while not body.at_end():
            name_type = body.uint8("server_name name_type")
            names.append(ServerNameEntry(name_type, body.opaque(2, "server_name HostName", minimum=1)))
        return cls(tuple(names))

    def encode_body(self) -> bytes:
        return writer.vector(2, b"".join(writer.uint8(e.name_type) + writer.vector(2, e.name)
                                         for e in self.names))


@dataclass(frozen=True, slots=True)
class MaxFragmentLength(Extension):
    """RFC 6066 §4: `enum { 2^9(1), 2^10(2), 2^11(3), 2^12(4), (255) } MaxFragmentLength`."""
    type: ClassVar[int] = T.MAX_FRAGMENT_LENGTH
    code: int

    @classmethod
    def parse(cls, r: Reader) -> "MaxFragmentLength":
        return cls(r.uint8("max_fragment_length"))

    def encode_body(self) -> bytes:
        return writer.uint8(self.code)


@dataclass(frozen=True, slots=True)
class StatusRequest(Extension):
    """RFC 6066 §8: CertificateStatusRequest; for ocsp(1), OCSPStatusRequest follows:
    `ResponderID responder_id_list<0..2^16-1>; Extensions request_extensions;` (the latter is a
    DER-encoded `opaque<0..2^16-1>`). Other status types keep their request bytes as-is."""
    type: ClassVar[int] = T.STATUS_REQUEST
    status_type: int
    responder_ids: tuple[bytes, ...] = ()
    request_extensions: bytes = b""
    other_request: bytes = b""

    @classmethod
    def parse(cls, r: Reader) -> "StatusRequest":
        status_type = r.uint8("status_request status_type")
        if status_type != 1:
            return cls(status_type, other_request=r.rest())
        ids_reader = r.vector(2, "status_request responder_id_list")
        ids = []
        while not ids_reader.at_end():
            ids.append(ids_reader.opaque(2, "status_request ResponderID", minimum=1))
        return cls(1, tuple(ids), r.opaque(2, "status_request request_extensions"))

    def encode_body(self) -> bytes:
        if self.status_type != 1:
            return writer.uint8(self.status_type) + self.other_request
        ids = b"".join(writer.vector(2, i) for i in self.responder_ids)
        return (writer.uint8(1) + writer.vector(2, ids) + writer.vector(2, self.request_extensions))


@dataclass(frozen=True, slots=True)
class SupportedGroups(Extension):
    """RFC 8446 §4.2.7 / RFC 8422 §5.1.1: `NamedGroup named_group_list<2..2^16-1>`."""
    type: ClassVar[int] = T.SUPPORTED_GROUPS
    groups: tuple[int, ...]

    @classmethod
    def parse(cls, r: Reader) -> "SupportedGroups":
        return cls(r.uint16_vector(2, "supported_groups named_group_list", minimum=2))

    def encode_body(self) -> bytes:
        return writer.uint16_vector(2, self.groups)


@dataclass(frozen=True, slots=True)
class EcPointFormats(Extension):
    """RFC 8422 §5.1.2: `ECPointFormat ec_point_format_list<1..2^8-1>`."""
    type: ClassVar[int] = T.EC_POINT_FORMATS
    formats: tuple[int, ...]

    @classmethod
    def parse(cls, r: Reader) -> "EcPointFormats":
        return cls(r.uint8_vector(1, "ec_point_format_list", minimum=1))

    def encode_body(self) -> bytes:
        return writer.uint8_vector(1, self.formats)


@dataclass(frozen=True, slots=True)
class SignatureAlgorithms(Extension):
    """RFC 8446 §4.2.3 / RFC 5246 §7.4.1.4.1:
    `SignatureScheme supported_signature_algorithms<2..2^16-2>`."""
    type: ClassVar[int] = T.SIGNATURE_ALGORITHMS
    schemes: tuple[int, ...]

    @classmethod
    def parse(cls, r: Reader) -> "SignatureAlgorithms":
        return cls(r.uint16_vector(2, "signature_algorithms", minimum=2, maximum=0xFFFE))

    def encode_body(self) -> bytes:
        return writer.uint16_vector(2, self.schemes)


@dataclass(frozen=True, slots=True)
class SignatureAlgorithmsCert(Extension):
    """RFC 8446 §4.2.3: the same list, for signatures in certificates."""
    type: ClassVar[int] = T.SIGNATURE_ALGORITHMS_CERT
    schemes: tuple[int, ...]

    @classmethod
    def parse(cls, r: Reader) -> "SignatureAlgorithmsCert":
        return cls(r.uint16_vector(2, "signature_algorithms_cert", minimum=2, maximum=0xFFFE))

    def encode_body(self) -> bytes:
        return writer.uint16_vector(2, self.schemes)


@dataclass(frozen=True, slots=True)
class DelegatedCredential(Extension):
    """RFC 9345 §4.1.1: `SignatureScheme signature_algorithms<2..2^16-2>`."""
    type: ClassVar[int] = T.DELEGATED_CREDENTIAL
    schemes: tuple[int, ...]

    @classmethod
    def parse(cls, r: Reader) -> "DelegatedCredential":
        return cls(r.uint16_vector(2, "delegated_credential signature_algorithms", minimum=2,
                                   maximum=0xFFFE))

    def encode_body(self) -> bytes:
        return writer.uint16_vector(2, self.schemes)


@dataclass(frozen=True, slots=True)
class Heartbeat(Extension):
    """RFC 6520 §2: `HeartbeatMode mode`."""
    type: ClassVar[int] = T.HEARTBEAT
    mode: int

    @classmethod
    def parse(cls, r: Reader) -> "Heartbeat":
        return cls(r.uint8("heartbeat mode"))

    def encode_body(self) -> bytes:
        return writer.uint8(self.mode)


def _parse_protocol_names(r: Reader, field: str) -> tuple[bytes, ...]:
    """RFC 7301 §3.1: `ProtocolName protocol_name_list<2..2^16-1>`, names `opaque<1..2^8-1>`."""
    body = r.vector(2, f"{field} protocol_name_list", minimum=2)
    names = []
    while not body.at_end():
        names.append(body.opaque(1, f"{field} ProtocolName", minimum=1))
    return tuple(names)


def _encode_protocol_names(names: tuple[bytes, ...]) -> bytes:
    return writer.vector(2, b"".join(writer.vector(1, n) for n in names))


@dataclass(frozen=True, slots=True)
class Alpn(Extension):
    """RFC 7301 §3.1 application_layer_protocol_negotiation (one name in a ServerHello)."""
    type: ClassVar[int] = T.ALPN
    protocols: tuple[bytes, ...]

    @classmethod
    def parse(cls, r: Reader) -> "Alpn":
        return cls(_parse_protocol_names(r, "alpn"))

    def encode_body(self) -> bytes:
        return _encode_protocol_names(self.protocols)


@dataclass(frozen=True, slots=True)
class ApplicationSettings(Extension):
    """ALPS (draft-vvv-tls-alps §3): the ALPN protocols the client supports settings for, in
    ALPN's ProtocolNameList syntax. Sent under two codepoints (17513, then 17613)."""
    type: int
    protocols: tuple[bytes, ...]

    @classmethod
    def parse_as(cls, ext_type: int, r: Reader) -> "ApplicationSettings":
        return cls(ext_type, _parse_protocol_names(r, "application_settings"))

    def encode_body(self) -> bytes:
        return _encode_protocol_names(self.protocols)


@dataclass(frozen=True, slots=True)
class CertificateTypes(Extension):
    """RFC 7250 §3: client/server_certificate_type in a ClientHello,
    `CertificateType certificate_types<1..2^8-1>`."""
    type: int
    certificate_types: tuple[int, ...]

    @classmethod
    def parse_as(cls, ext_type: int, r: Reader) -> "CertificateTypes":
        return cls(ext_type, r.uint8_vector(1, "certificate_types", minimum=1))

    def encode_body(self) -> bytes:
        return writer.uint8_vector(1, self.certificate_types)


@dataclass(frozen=True, slots=True)
class Padding(Extension):
    """RFC 7685 §3: `opaque padding_data`, which the sender fills with zeros."""
    type: ClassVar[int] = T.PADDING
    data: bytes

    @classmethod
    def parse(cls, r: Reader) -> "Padding":
        return cls(r.rest())

    def encode_body(self) -> bytes:
        return self.data


@dataclass(frozen=True, slots=True)
class TokenBinding(Extension):
    """RFC 8472 §2: `TB_ProtocolVersion token_binding_version;
    TokenBindingKeyParameters key_parameters_list<1..2^8-1>`."""
    type: ClassVar[int] = T.TOKEN_BINDING
    version: int
    key_parameters: tuple[int, ...]

    @classmethod
    def parse(cls, r: Reader) -> "TokenBinding":
        return cls(r.uint16("token_binding version"),
                   r.uint8_vector(1, "token_binding key_parameters_list", minimum=1))

    def encode_body(self) -> bytes:
        return writer.uint16(self.version) + writer.uint8_vector(1, self.key_parameters)


@dataclass(frozen=True, slots=True)
class CompressCertificate(Extension):
    """RFC 8879 §3: `CertificateCompressionAlgorithm algorithms<2..2^8-2>`."""
    type: ClassVar[int] = T.COMPRESS_CERTIFICATE
    algorithms: tuple[int, ...]

    @classmethod
    def parse(cls, r: Reader) -> "CompressCertificate":
        return cls(r.uint16_vector(1, "compress_certificate algorithms", minimum=2, maximum=0xFE))

    def encode_body(self) -> bytes:
        return writer.uint16_vector(1, self.algorithms)


@dataclass(frozen=True, slots=True)
class RecordSizeLimit(Extension):
    """RFC 8449 §4: `uint16 RecordSizeLimit`."""
    type: ClassVar[int] = T.RECORD_SIZE_LIMIT
    limit: int

    @classmethod
    def parse(cls, r: Reader) -> "RecordSizeLimit":
        return cls(r.uint16("record_size_limit"))

    def encode_body(self) -> bytes:
        return writer.uint16(self.limit)


@dataclass(frozen=True, slots=True)
class SessionTicket(Extension):
    """RFC 5077 §3.2: the whole extension_data is the ticket (empty asks for a new one)."""
    type: ClassVar[int] = T.SESSION_TICKET
    ticket: bytes

    @classmethod
    def parse(cls, r: Reader) -> "SessionTicket":
        return cls(r.rest())

    def encode_body(self) -> bytes:
        return self.ticket


@dataclass(frozen=True, slots=True)
class PskIdentity:
    identity: bytes
    obfuscated_ticket_age: int


@dataclass(frozen=True, slots=True)
class PreSharedKey(Extension):
    """RFC 8446 §4.2.11 OfferedPsks: `PskIdentity identities<7..2^16-1>;
    PskBinderEntry binders<33..2^16-1>` with `opaque PskBinderEntry<32..255>`."""
    type: ClassVar[int] = T.PRE_SHARED_KEY
    identities: tuple[PskIdentity, ...]
    binders: tuple[bytes, ...]

    @classmethod
    def parse(cls, r: Reader) -> "PreSharedKey":
        ids_reader = r.vector(2, "pre_shared_key identities", minimum=7)
        identities = []
        while not ids_reader.at_end():
            identity = ids_reader.opaque(2, "pre_shared_key identity", minimum=1)
            identities.append(PskIdentity(identity, ids_reader.uint32("obfuscated_ticket_age")))
        binders_reader = r.vector(2, "pre_shared_key binders", minimum=33)
        binders = []
        while not binders_reader.at_end():
            binders.append(binders_reader.opaque(1, "pre_shared_key PskBinderEntry", minimum=32))
        return cls(tuple(identities), tuple(binders))

    def encode_body(self) -> bytes:
        identities = b"".join(writer.vector(2, i.identity) + i.obfuscated_ticket_age.to_bytes(4, "big")
                              for i in self.identities)
        binders = b"".join(writer.vector(1, b) for b in self.binders)
        return writer.vector(2, identities) + writer.vector(2, binders)


@dataclass(frozen=True, slots=True)
class PreSharedKeySelected(Extension):
    """RFC 8446 §4.2.11, ServerHello form: `uint16 selected_identity`."""
    type: ClassVar[int] = T.PRE_SHARED_KEY
    selected_identity: int

    @classmethod
    def parse(cls, r: Reader) -> "PreSharedKeySelected":
        return cls(r.uint16("pre_shared_key selected_identity"))

    def encode_body(self) -> bytes:
        return writer.uint16(self.selected_identity)


@dataclass(frozen=True, slots=True)
class SupportedVersions(Extension):
    """RFC 8446 §4.2.1, ClientHello form: `ProtocolVersion versions<2..254>`."""
    type: ClassVar[int] = T.SUPPORTED_VERSIONS
    versions: tuple[int, ...]

    @classmethod
    def parse(cls, r: Reader) -> "SupportedVersions":
        return cls(r.uint16_vector(1, "supported_versions", minimum=2, maximum=254))

    def encode_body(self) -> bytes:
        return writer.uint16_vector(1, self.versions)


@dataclass(frozen=True, slots=True)
class SelectedVersion(Extension):
    """RFC 8446 §4.2.1, ServerHello / HelloRetryRequest form: `ProtocolVersion selected_version`."""
    type: ClassVar[int] = T.SUPPORTED_VERSIONS
    version: int

    @classmethod
    def parse(cls, r: Reader) -> "SelectedVersion":
        return cls(r.uint16("supported_versions selected_version"))

    def encode_body(self) -> bytes:
        return writer.uint16(self.version)


@dataclass(frozen=True, slots=True)
class Cookie(Extension):
    """RFC 8446 §4.2.2: `opaque cookie<1..2^16-1>`."""
    type: ClassVar[int] = T.COOKIE
    cookie: bytes

    @classmethod
    def parse(cls, r: Reader) -> "Cookie":
        return cls(r.opaque(2, "cookie", minimum=1))

    def encode_body(self) -> bytes:
        return writer.vector(2, self.cookie)


@dataclass(frozen=True, slots=True)
class PskKeyExchangeModes(Extension):
    """RFC 8446 §4.2.9: `PskKeyExchangeMode ke_modes<1..255>`."""
    type: ClassVar[int] = T.PSK_KEY_EXCHANGE_MODES
    modes: tuple[int, ...]

    @classmethod
    def parse(cls, r: Reader) -> "PskKeyExchangeModes":
        return cls(r.uint8_vector(1, "psk_key_exchange_modes ke_modes", minimum=1, maximum=255))

    def encode_body(self) -> bytes:
        return writer.uint8_vector(1, self.modes)


@dataclass(frozen=True, slots=True)
class CertificateAuthorities(Extension):
    """RFC 8446 §4.2.4: `DistinguishedName authorities<3..2^16-1>`, each `opaque<1..2^16-1>`."""
    type: ClassVar[int] = T.CERTIFICATE_AUTHORITIES
    authorities: tuple[bytes, ...]

    @classmethod
    def parse(cls, r: Reader) -> "CertificateAuthorities":
        body = r.vector(2, "certificate_authorities", minimum=3)
        names = []
        while not body.at_end():
            names.append(body.opaque(2, "certificate_authorities DistinguishedName", minimum=1))
        return cls(tuple(names))

    def encode_body(self) -> bytes:
        return writer.vector(2, b"".join(writer.vector(2, n) for n in self.authorities))


@dataclass(frozen=True, slots=True)
class KeyShareEntry:
    """RFC 8446 §4.2.8: `NamedGroup group; opaque key_exchange<1..2^16-1>`."""
    group: int
    key_exchange: bytes


def _parse_key_share_entry(r: Reader) -> KeyShareEntry:
    group = r.uint16("key_share group")
    return KeyShareEntry(group, r.opaque(2, "key_share key_exchange", minimum=1))


def _encode_key_share_entry(entry: KeyShareEntry) -> bytes:
    return writer.uint16(entry.group) + writer.vector(2, entry.key_exchange)


@dataclass(frozen=True, slots=True)
class KeyShare(Extension):
    """RFC 8446 §4.2.8 KeyShareClientHello: `KeyShareEntry client_shares<0..2^16-1>`."""
    type: ClassVar[int] = T.KEY_SHARE
    entries: tuple[KeyShareEntry, ...]

    @property
    def groups(self) -> tuple[int, ...]:
        return tuple(e.group for e in self.entries)

    @classmethod
    def parse(cls, r: Reader) -> "KeyShare":
        body = r.vector(2, "key_share client_shares")
        entries = []
        while not body.at_end():
            entries.append(_parse_key_share_entry(body))
        return cls(tuple(entries))

    def encode_body(self) -> bytes:
        return writer.vector(2, b"".join(_encode_key_share_entry(e) for e in self.entries))


@dataclass(frozen=True, slots=True)
class KeyShareServer(Extension):
    """RFC 8446 §4.2.8 KeyShareServerHello: `KeyShareEntry server_share`."""
    type: ClassVar[int] = T.KEY_SHARE
    entry: KeyShareEntry

    @classmethod
    def parse(cls, r: Reader) -> "KeyShareServer":
        return cls(_parse_key_share_entry(r))

    def encode_body(self) -> bytes:
        return _encode_key_share_entry(self.entry)


@dataclass(frozen=True, slots=True)
class KeyShareRetry(Extension):
    """RFC 8446 §4.2.8 KeyShareHelloRetryRequest: `NamedGroup selected_group`."""
    type: ClassVar[int] = T.KEY_SHARE
    selected_group: int

    @classmethod
    def parse(cls, r: Reader) -> "KeyShareRetry":
        return cls(r.uint16("key_share selected_group"))

    def encode_body(self) -> bytes:
        return writer.uint16(self.selected_group)


@dataclass(frozen=True, slots=True)
class EncryptedClientHello(Extension):
    """draft-ietf-tls-esni §5: `ECHClientHelloType type;` then for outer(0):
    `HpkeSymmetricCipherSuite cipher_suite; uint8 config_id; opaque enc<0..2^16-1>;
    opaque payload<1..2^16-1>;`, for inner(1): nothing."""
    type: ClassVar[int] = T.ENCRYPTED_CLIENT_HELLO
    ech_type: int
    kdf_id: int = 0
    aead_id: int = 0
    config_id: int = 0
    enc: bytes = b""
    payload: bytes = b""

    @classmethod
    def parse(cls, r: Reader) -> "EncryptedClientHello":
        ech_type = r.uint8("encrypted_client_hello type")
        if ech_type == 1:
            return cls(1)
        if ech_type != 0:
            raise r.fail(f"encrypted_client_hello type {ech_type} is neither outer(0) nor inner(1)",
                         "encrypted_client_hello type", r.offset - 1)
        return cls(0, r.uint16("encrypted_client_hello kdf_id"),
                   r.uint16("encrypted_client_hello aead_id"),
                   r.uint8("encrypted_client_hello config_id"),
                   r.opaque(2, "encrypted_client_hello enc"),
                   r.opaque(2, "encrypted_client_hello payload", minimum=1))

    def encode_body(self) -> bytes:
        if self.ech_type == 1:
            return writer.uint8(1)
        return (writer.uint8(0) + writer.uint16(self.kdf_id) + writer.uint16(self.aead_id)
                + writer.uint8(self.config_id) + writer.vector(2, self.enc)
                + writer.vector(2, self.payload))


@dataclass(frozen=True, slots=True)
class RenegotiationInfo(Extension):
    """RFC 5746 §3.2: `opaque renegotiated_connection<0..255>`."""
    type: ClassVar[int] = T.RENEGOTIATION_INFO
    renegotiated_connection: bytes

    @classmethod
    def parse(cls, r: Reader) -> "RenegotiationInfo":
        return cls(r.opaque(1, "renegotiation_info renegotiated_connection"))

    def encode_body(self) -> bytes:
        return writer.vector(1, self.renegotiated_connection)


# --- dispatch ------------------------------------------------------------------------------------

Parser = Callable[[int, Reader], Extension]


def _fixed(cls: type) -> Parser:
    return lambda ext_type, r: cls.parse(r)


def _empty(ext_type: int, r: Reader) -> Extension:
    return EmptyExtension(ext_type)  # the caller's expect_end() rejects a non-empty body


_CLIENT_HELLO: dict[int, Parser] = {
    T.SERVER_NAME: _fixed(ServerName),
    T.MAX_FRAGMENT_LENGTH: _fixed(MaxFragmentLength),
    T.CLIENT_CERTIFICATE_URL: _empty,
    T.TRUNCATED_HMAC: _empty,
    T.STATUS_REQUEST: _fixed(StatusRequest),
    T.SUPPORTED_GROUPS: _fixed(SupportedGroups),
    T.EC_POINT_FORMATS: _fixed(EcPointFormats),
    T.SIGNATURE_ALGORITHMS: _fixed(SignatureAlgorithms),
    T.HEARTBEAT: _fixed(Heartbeat),
    T.ALPN: _fixed(Alpn),
    T.SIGNED_CERTIFICATE_TIMESTAMP: _empty,
    T.CLIENT_CERTIFICATE_TYPE: CertificateTypes.parse_as,
    T.SERVER_CERTIFICATE_TYPE: CertificateTypes.parse_as,
    T.PADDING: _fixed(Padding),
    T.ENCRYPT_THEN_MAC: _empty,
    T.EXTENDED_MASTER_SECRET: _empty,
    T.TOKEN_BINDING: _fixed(TokenBinding),
    T.COMPRESS_CERTIFICATE: _fixed(CompressCertificate),
    T.RECORD_SIZE_LIMIT: _fixed(RecordSizeLimit),
    T.DELEGATED_CREDENTIAL: _fixed(DelegatedCredential),
    T.SESSION_TICKET: _fixed(SessionTicket),
    T.PRE_SHARED_KEY: _fixed(PreSharedKey),
    T.EARLY_DATA: _empty,
    T.SUPPORTED_VERSIONS: _fixed(SupportedVersions),
    T.COOKIE: _fixed(Cookie),
    T.PSK_KEY_EXCHANGE_MODES: _fixed(PskKeyExchangeModes),
    T.CERTIFICATE_AUTHORITIES: _fixed(CertificateAuthorities),
    T.POST_HANDSHAKE_AUTH: _empty,
    T.SIGNATURE_ALGORITHMS_CERT: _fixed(SignatureAlgorithmsCert),
    T.KEY_SHARE: _fixed(KeyShare),
    T.NEXT_PROTOCOL_NEGOTIATION: _empty,
    T.APPLICATION_SETTINGS_OLD: ApplicationSettings.parse_as,
    T.APPLICATION_SETTINGS: ApplicationSettings.parse_as,
    T.CHANNEL_ID_OLD: _empty,
    T.CHANNEL_ID: _empty,
    T.ENCRYPTED_CLIENT_HELLO: _fixed(EncryptedClientHello),
    T.RENEGOTIATION_INFO: _fixed(RenegotiationInfo),
}

_SERVER_HELLO: dict[int, Parser] = {
    T.SERVER_NAME: _empty,
    T.MAX_FRAGMENT_LENGTH: _fixed(MaxFragmentLength),
    T.STATUS_REQUEST: _empty,
    T.EC_POINT_FORMATS: _fixed(EcPointFormats),
    T.HEARTBEAT: _fixed(Heartbeat),
    T.ALPN: _fixed(Alpn),
    T.ENCRYPT_THEN_MAC: _empty,
    T.EXTENDED_MASTER_SECRET: _empty,
    T.RECORD_SIZE_LIMIT: _fixed(RecordSizeLimit),
    T.PRE_SHARED_KEY: _fixed(PreSharedKeySelected),
    T.SUPPORTED_VERSIONS: _fixed(SelectedVersion),
    T.KEY_SHARE: _fixed(KeyShareServer),
    T.RENEGOTIATION_INFO: _fixed(RenegotiationInfo),
}

_HELLO_RETRY_REQUEST: dict[int, Parser] = {
    T.SUPPORTED_VERSIONS: _fixed(SelectedVersion),
    T.KEY_SHARE: _fixed(KeyShareRetry),
    T.COOKIE: _fixed(Cookie),
}

_PARSERS = {
    Context.CLIENT_HELLO: _CLIENT_HELLO,
    Context.SERVER_HELLO: _SERVER_HELLO,
    Context.HELLO_RETRY_REQUEST: _HELLO_RETRY_REQUEST,
}


def parse_extension_body(ext_type: int, body: Reader, context: Context) -> Extension:
    """Decode one extension_data (already bounded by its length) in a message context."""
    parser = _PARSERS[context].get(ext_type)
    if parser is None:
        return RawExtension(ext_type, body.rest())
    extension = parser(ext_type, body)
    body.expect_end(f"extension {ext_type} ({_label(ext_type)})")
    return extension


def parse_extensions(r: Reader, context: Context) -> tuple[Extension, ...]:
    """`Extension extensions<0..2^16-1>` (RFC 8446 §4.1.2 / RFC 5246 §7.4.1.4)."""
    block = r.vector(2, "extensions")
    result = []
    while not block.at_end():
        ext_type = block.uint16("extension type")
        body = block.vector(2, f"extension {ext_type} ({_label(ext_type)})")
        result.append(parse_extension_body(ext_type, body, context))
    return tuple(result)


def encode_extensions(extensions: tuple[Extension, ...]) -> bytes:
    return writer.vector(2, b"".join(e.encode() for e in extensions))


def _label(ext_type: int) -> str:
    return extension_name(ext_type)


__all__ = [name for name, value in globals().items()
           if isinstance(value, type) and issubclass(value, Extension)] + [
    "Context", "ExtensionType", "KeyShareEntry", "PskIdentity", "ServerNameEntry",
    "parse_extension_body", "parse_extensions", "encode_extensions"]
