"""Handshake and alert messages as immutable values: ClientHello, ServerHello, Alert, and the
SSL 2.0-compatible ClientHello (RFC 5246 Appendix E.2). Parsing reads message bodies (after
the 4-byte handshake header); `records.py` finds those bodies in records and streams.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TypeVar

from generator.tls import extensions as ext
from generator.tls import writer
from generator.tls.reader import Reader

E = TypeVar("E", bound=ext.Extension)

#: RFC 8446 §4.1.3: a ServerHello with this random is a HelloRetryRequest (SHA-256("HelloRetryRequest")).
HELLO_RETRY_REQUEST_RANDOM = hashlib.sha256(b"HelloRetryRequest").digest()

HANDSHAKE_CLIENT_HELLO = 1
HANDSHAKE_SERVER_HELLO = 2
HANDSHAKE_CERTIFICATE = 11
HANDSHAKE_SERVER_HELLO_DONE = 14


class _WithExtensions:
    """Lookups shared by ClientHello and ServerHello."""
    __slots__ = ()
    extensions: tuple[ext.Extension, ...]

    def extension(self, ext_type: int) -> ext.Extension | None:
        """The first extension with this codepoint (RFC 8446 §4.2 forbids duplicates)."""
        for extension in self.extensions:
            if extension.type == ext_type:
                return extension
        return None

    def typed(self, kind: type[E]) -> E | None:
        """The extension of this class, or None if absent."""
        for extension in self.extensions:
            if isinstance(extension, kind):
                return extension
        return None

    @property
    def extension_types(self) -> tuple[int, ...]:
        return tuple(e.type for e in self.extensions)


@dataclass(frozen=True, slots=True)
class ClientHello(_WithExtensions):
    """RFC 8446 §4.1.2 / RFC 5246 §7.4.1.2.

    `extensions_present` is False when the message ends after compression_methods, which
    RFC 5246 §7.4.1.2 allows ("the presence of extensions can be detected by determining whether
    there are bytes following the compression_methods"); such a hello has no extensions at all.
    """
    legacy_version: int
    random: bytes
    session_id: bytes
    cipher_suites: tuple[int, ...]
    compression_methods: tuple[int, ...]
    extensions: tuple[ext.Extension, ...] = ()
    extensions_present: bool = True
    #: True when the client sent an SSL 2.0 CLIENT-HELLO (RFC 5246 E.2) that this message stands
    #: for (SSLv2ClientHello.as_client_hello): some servers refuse that format outright (JSSE)
    sslv2_format: bool = False

    # -- convenient views of the extensions the analyzer and fingerprints use --------------------
    @property
    def supported_groups(self) -> tuple[int, ...] | None:
        found = self.typed(ext.SupportedGroups)
        return None if found is None else found.groups

    @property
    def signature_algorithms(self) -> tuple[int, ...] | None:
        found = self.typed(ext.SignatureAlgorithms)
        return None if found is None else found.schemes

    @property
    def signature_algorithms_cert(self) -> tuple[int, ...] | None:
        found = self.typed(ext.SignatureAlgorithmsCert)
        return None if found is None else found.schemes

    @property
    def supported_versions(self) -> tuple[int, ...] | None:
        found = self.typed(ext.SupportedVersions)
        return None if found is None else found.versions

    @property
    def ec_point_formats(self) -> tuple[int, ...] | None:
        found = self.typed(ext.EcPointFormats)
        return None if found is None else found.formats

    @property
    def server_name(self) -> str | None:
        found = self.typed(ext.ServerName)
        return None if found is None else found.host_name

    @property
    def server_name_bytes(self) -> bytes | None:
        """The host name exactly as sent: for showing it escaped (generator/printable.py)."""
        found = self.typed(ext.ServerName)
        entry = None if found is None else found.host_name_entry
        return None if entry is None else entry.name

    @property
    def alpn(self) -> tuple[bytes, ...] | None:
        found = self.typed(ext.Alpn)
        return None if found is None else found.protocols

    @property
    def key_share_groups(self) -> tuple[int, ...] | None:
        found = self.typed(ext.KeyShare)
        return None if found is None else found.groups

    # -- wire format ----------------------------------------------------------------------------
    @classmethod
    def parse(cls, r: Reader) -> "ClientHello":
        legacy_version = r.uint16("legacy_version")
        random = r.fixed(32, "random")
        session_id = r.opaque(1, "legacy_session_id", maximum=32)
        cipher_suites = r.uint16_vector(2, "cipher_suites", minimum=2, maximum=0xFFFE)
        compression = r.uint8_vector(1, "legacy_compression_methods", minimum=1)
        if r.at_end():
            return cls(legacy_version, random, session_id, cipher_suites, compression, (), False)
        extensions = ext.parse_extensions(r, ext.Context.CLIENT_HELLO)
        r.expect_end("ClientHello")
        return cls(legacy_version, random, session_id, cipher_suites, compression, extensions, True)

    def encode_body(self) -> bytes:
        out = (writer.uint16(self.legacy_version) + self.random + writer.vector(1, self.session_id)
               + writer.uint16_vector(2, self.cipher_suites)
               + writer.uint8_vector(1, self.compression_methods))
        if self.extensions_present:
            out += ext.encode_extensions(self.extensions)
        return out

    def encode(self) -> bytes:
        """The handshake message: `msg_type(1) || uint24 length || body` (RFC 8446 §4)."""
        body = self.encode_body()
        return writer.uint8(HANDSHAKE_CLIENT_HELLO) + writer.uint24(len(body)) + body


@dataclass(frozen=True, slots=True)
class ServerHello(_WithExtensions):
    """RFC 8446 §4.1.3 / RFC 5246 §7.4.1.3; a HelloRetryRequest is a ServerHello whose random
    is HELLO_RETRY_REQUEST_RANDOM, and its extensions are parsed in that context."""
    legacy_version: int
    random: bytes
    session_id: bytes
    cipher_suite: int
    compression_method: int
    extensions: tuple[ext.Extension, ...] = ()
    extensions_present: bool = True

    @property
    def is_hello_retry_request(self) -> bool:
        return self.random == HELLO_RETRY_REQUEST_RANDOM

    @property
    def selected_version(self) -> int:
        """The negotiated version: supported_versions if present (RFC 8446 §4.2.1), else legacy."""
        found = self.typed(ext.SelectedVersion)
        return self.legacy_version if found is None else found.version

    @property
    def selected_group(self) -> int | None:
        """TLS 1.3: the key_share group (or the group a HelloRetryRequest asks for)."""
        server = self.typed(ext.KeyShareServer)
        if server is not None:
            return server.entry.group
        retry = self.typed(ext.KeyShareRetry)
        return None if retry is None else retry.selected_group

    @classmethod
    def parse(cls, r: Reader) -> "ServerHello":
        legacy_version = r.uint16("legacy_version")
        random = r.fixed(32, "random")
        session_id = r.opaque(1, "legacy_session_id_echo", maximum=32)
        cipher_suite = r.uint16("cipher_suite")
        compression = r.uint8("legacy_compression_method")
        if r.at_end():
            return cls(legacy_version, random, session_id, cipher_suite, compression, (), False)
        context = (ext.Context.HELLO_RETRY_REQUEST if random == HELLO_RETRY_REQUEST_RANDOM
                   else ext.Context.SERVER_HELLO)
        extensions = ext.parse_extensions(r, context)
        r.expect_end("ServerHello")
        return cls(legacy_version, random, session_id, cipher_suite, compression, extensions, True)

    def encode_body(self) -> bytes:
        out = (writer.uint16(self.legacy_version) + self.random + writer.vector(1, self.session_id)
               + writer.uint16(self.cipher_suite) + writer.uint8(self.compression_method))
        if self.extensions_present:
            out += ext.encode_extensions(self.extensions)
        return out

    def encode(self) -> bytes:
        body = self.encode_body()
        return writer.uint8(HANDSHAKE_SERVER_HELLO) + writer.uint24(len(body)) + body


@dataclass(frozen=True, slots=True)
class Alert:
    """RFC 8446 §6 / RFC 5246 §7.2: `AlertLevel level; AlertDescription description;`."""
    level: int
    description: int

    @property
    def is_fatal(self) -> bool:
        return self.level == 2

    @classmethod
    def parse(cls, r: Reader) -> "Alert":
        return cls(r.uint8("alert level"), r.uint8("alert description"))

    def encode(self) -> bytes:
        return bytes((self.level, self.description))


@dataclass(frozen=True, slots=True)
class SSLv2ClientHello:
    """The SSL 2.0-compatible CLIENT-HELLO of RFC 5246 Appendix E.2 (sent by clients that still
    speak SSL 2.0, e.g. Java 6 and Windows XP era stacks). CIPHER-SPECs are 3 bytes; a TLS suite
    0xXXYY appears as 0x00XXYY."""
    version: int
    cipher_specs: tuple[int, ...]
    session_id: bytes
    challenge: bytes

    @property
    def tls_cipher_suites(self) -> tuple[int, ...]:
        """The specs that name TLS cipher suites (first byte zero), in wire order."""
        return tuple(spec & 0xFFFF for spec in self.cipher_specs if spec >> 16 == 0)

    def as_client_hello(self) -> ClientHello:
        """The equivalent TLS ClientHello a server reasons about (RFC 5246 E.2): the challenge
        right-aligned in a zero-padded random, null compression, no extensions."""
        random = bytes(32 - len(self.challenge)) + self.challenge
        return ClientHello(self.version, random, self.session_id, self.tls_cipher_suites, (0,), (),
                           False, True)

    @classmethod
    def parse(cls, r: Reader) -> "SSLv2ClientHello":
        """The body after the 2-byte record header: msg_type(1) onwards."""
        msg_type_offset = r.offset
        msg_type = r.uint8("SSLv2 msg_type")
        if msg_type != HANDSHAKE_CLIENT_HELLO:
            raise r.fail(f"SSLv2 msg_type {msg_type} is not CLIENT-HELLO (1)", "SSLv2 msg_type",
                         msg_type_offset)
        version = r.uint16("SSLv2 version")
        specs_offset = r.offset
        specs_length = r.uint16("SSLv2 cipher_spec_length")
        session_length = r.uint16("SSLv2 session_id_length")
        challenge_offset = r.offset
        challenge_length = r.uint16("SSLv2 challenge_length")
        if specs_length == 0 or specs_length % 3:
            raise r.fail(f"SSLv2 cipher_spec_length {specs_length} is not a positive multiple of 3",
                         "SSLv2 cipher_spec_length", specs_offset)
        if session_length not in (0, 16):
            raise r.fail(f"SSLv2 session_id_length {session_length} is neither 0 nor 16",
                         "SSLv2 session_id_length", specs_offset + 2)
        if not 16 <= challenge_length <= 32:
            raise r.fail(f"SSLv2 challenge_length {challenge_length} is outside 16..32",
                         "SSLv2 challenge_length", challenge_offset)
        specs = tuple(r.uint24("SSLv2 cipher_specs") for _ in range(specs_length // 3))
        session_id = r.fixed(session_length, "SSLv2 session_id")
        challenge = r.fixed(challenge_length, "SSLv2 challenge")
        r.expect_end("SSLv2 CLIENT-HELLO")
        return cls(version, specs, session_id, challenge)

    def encode_body(self) -> bytes:
        return (writer.uint8(HANDSHAKE_CLIENT_HELLO) + writer.uint16(self.version)
                + writer.uint16(3 * len(self.cipher_specs)) + writer.uint16(len(self.session_id))
                + writer.uint16(len(self.challenge))
                + b"".join(s.to_bytes(3, "big") for s in self.cipher_specs)
                + self.session_id + self.challenge)

    def encode(self) -> bytes:
        """With the 2-byte SSL 2.0 record header (high bit set, 15-bit length)."""
        body = self.encode_body()
        return writer.uint16(0x8000 | len(body)) + body


@dataclass(frozen=True, slots=True)
class CertificateList:
    """The server's Certificate message before TLS 1.3 (RFC 5246 §7.4.2):
    `opaque ASN.1Cert<1..2^24-1>; ASN.1Cert certificate_list<0..2^24-1>;`, leaf first. In TLS 1.3
    the message is encrypted, so only older handshakes show it."""
    certificates: tuple[bytes, ...]

    @classmethod
    def parse(cls, r: Reader) -> "CertificateList":
        body = r.vector(3, "certificate_list")
        certificates = []
        while not body.at_end():
            certificates.append(body.opaque(3, "ASN.1Cert", minimum=1))
        return cls(tuple(certificates))


@dataclass(frozen=True, slots=True)
class RecordHeader:
    """RFC 8446 §5.1 TLSPlaintext header: `ContentType type; ProtocolVersion legacy_record_version;
    uint16 length;` with its absolute offset in the input."""
    content_type: int
    version: int
    length: int
    offset: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class ServerKeyExchange:
    """The parts of a ServerKeyExchange the verdicts need: the ECDHE curve (RFC 8422 §5.4,
    `ECParameters` with curve_type named_curve(3)) or the DHE prime size (RFC 5246 §7.4.3), and
    the signature scheme of `signed_params` (TLS 1.2 only; older versions have none)."""
    kind: str                         # "ecdhe" or "dhe"
    group: int | None                 # NamedGroup of the ECDHE curve
    dh_prime_bits: int | None
    signature_scheme: int | None

    @classmethod
    def parse(cls, r: Reader, kind: str, tls12: bool) -> "ServerKeyExchange":
        group = bits = None
        if kind == "ecdhe":
            curve_type = r.uint8("ECParameters curve_type")
            if curve_type != 3:
                raise r.fail(f"ECParameters curve_type {curve_type} is not named_curve (3)",
                             "curve_type", r.offset - 1)
            group = r.uint16("ECParameters namedcurve")
            r.opaque(1, "ECPoint", minimum=1)
        else:
            prime = r.opaque(2, "dh_p", minimum=1)
            bits = len(prime.lstrip(b"\x00")) * 8
            r.opaque(2, "dh_g", minimum=1)
            r.opaque(2, "dh_Ys", minimum=1)
        scheme = r.uint16("SignatureAndHashAlgorithm") if tls12 else None
        r.opaque(2, "signature")
        r.expect_end("ServerKeyExchange")
        return cls(kind, group, bits, scheme)
