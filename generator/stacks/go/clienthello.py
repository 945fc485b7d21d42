"""A ClientHello as Go crypto/tls reads it: a port of go1.19's `(*clientHelloMsg).unmarshal`
(handshake_messages.go:355), which is stricter than RFC parsing in places and refuses the
whole message — readHandshake then sends unexpected_message (conn.go:1112) — when it finds:
a repeated extension; a server_name list that is empty, holds an empty name, two host names or
one ending in a dot; an empty supported_groups, ec_point_formats, signature_algorithms(_cert),
ALPN list or ALPN name, supported_versions or cookie; an empty key share; data in the
signed_certificate_timestamp or early_data extensions; a pre_shared_key that is not the last
extension or has an empty identity or binder list; or any extension it knows with bytes left
over. Unknown extensions are skipped unread.

Pure; one pass over the bytes (linear time and memory).
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.i18n import Message, reason


class _Cursor:
    """cryptobyte.String: reads that fail (None) instead of raising."""
    __slots__ = ("data", "pos", "end")

    def __init__(self, data: bytes, pos: int = 0, end: int | None = None) -> None:
        self.data, self.pos, self.end = data, pos, len(data) if end is None else end

    def empty(self) -> bool:
        return self.pos >= self.end

    def take(self, count: int) -> bytes | None:
        if count < 0 or self.pos + count > self.end:
            return None
        start, self.pos = self.pos, self.pos + count
        return self.data[start:self.pos]

    def uint(self, size: int) -> int | None:
        raw = self.take(size)
        return None if raw is None else int.from_bytes(raw, "big")

    def prefixed(self, size: int) -> _Cursor | None:
        length = self.uint(size)
        if length is None or self.pos + length > self.end:
            return None
        inner = _Cursor(self.data, self.pos, self.pos + length)
        self.pos += length
        return inner

    def rest(self) -> bytes:
        start, self.pos = self.pos, self.end
        return self.data[start:self.end]


@dataclass(frozen=True, slots=True)
class GoClientHello:
    """The fields of clientHelloMsg the server handshake uses."""
    vers: int
    session_id: bytes
    cipher_suites: tuple[int, ...]
    compression_methods: bytes
    server_name: str = ""
    supported_curves: tuple[int, ...] = ()
    supported_points: bytes = b""
    signature_algorithms: tuple[int, ...] = ()
    signature_algorithms_cert: tuple[int, ...] = ()
    secure_renegotiation: bytes = b""
    alpn_protocols: tuple[bytes, ...] = ()
    supported_versions: tuple[int, ...] = ()
    key_shares: tuple[tuple[int, bytes], ...] = ()
    early_data: bool = False


class Refused(Exception):
    """unmarshal returned false; `what` says where: a message, or the name of the field."""

    def __init__(self, what: Message | str, extension: int | None = None) -> None:
        super().__init__(str(what))
        self.what, self.extension = what, extension


def _uint16s(cursor: _Cursor | None, what: Message | str, extension: int, non_empty: bool = True
             ) -> tuple[int, ...]:
    if cursor is None or (non_empty and cursor.empty()):
        raise Refused(what, extension)
    values = []
    while not cursor.empty():
        value = cursor.uint(2)
        if value is None:
            raise Refused(what, extension)
        values.append(value)
    return tuple(values)


SERVER_NAME, STATUS_REQUEST, SUPPORTED_GROUPS, EC_POINT_FORMATS = 0, 5, 10, 11
SIGNATURE_ALGORITHMS, ALPN, SCT, SESSION_TICKET = 13, 16, 18, 35
PRE_SHARED_KEY, EARLY_DATA, SUPPORTED_VERSIONS, COOKIE, PSK_MODES = 41, 42, 43, 44, 45
SIGNATURE_ALGORITHMS_CERT, KEY_SHARE, RENEGOTIATION_INFO = 50, 51, 0xFF01


def unmarshal(message: bytes) -> GoClientHello:
    """`message` (the handshake message, 4-byte header first) as Go reads it; Refused when
    Go's unmarshal returns false."""
    s = _Cursor(message)
    fields: dict = {}
    if s.take(4) is None:
        raise Refused(reason("the message header"))
    vers = s.uint(2)
    random = s.take(32)
    session = s.prefixed(1)
    if vers is None or random is None or session is None:
        raise Refused(reason("legacy_version, random or legacy_session_id"))
    suites_cursor = s.prefixed(2)
    if suites_cursor is None:
        raise Refused("cipher_suites")
    suites = _uint16s(suites_cursor, reason("cipher_suites (an odd length)"), -1, non_empty=False)
    compression = s.prefixed(1)
    if compression is None:
        raise Refused("legacy_compression_methods")
    base = (vers, session.rest(), suites, compression.rest())
    if s.empty():
        return GoClientHello(*base)
    extensions = s.prefixed(2)
    if extensions is None or not s.empty():
        raise Refused(reason("the extensions block's length"))
    seen: set[int] = set()
    while not extensions.empty():
        kind = extensions.uint(2)
        data = extensions.prefixed(2)
        if kind is None or data is None:
            raise Refused(reason("an extension's header"))
        if kind in seen:
            raise Refused(reason("a repeated extension"), kind)
        seen.add(kind)
        if kind == SERVER_NAME:
            names = data.prefixed(2)
            if names is None or names.empty():
                raise Refused(reason("an empty server_name list"), kind)
            while not names.empty():
                name_type, name = names.uint(1), names.prefixed(2)
                if name_type is None or name is None or name.empty():
                    raise Refused(reason("an empty server name"), kind)
                if name_type != 0:
                    continue
                if fields.get("server_name"):
                    raise Refused(reason("two host names in server_name"), kind)
                text = name.rest().decode("latin-1")
                fields["server_name"] = text
                if text.endswith("."):
                    raise Refused(reason("a host name ending in a dot"), kind)
        elif kind == STATUS_REQUEST:
            if data.uint(1) is None or data.prefixed(2) is None or data.prefixed(2) is None:
                raise Refused("status_request", kind)
        elif kind == SUPPORTED_GROUPS:
            fields["supported_curves"] = _uint16s(data.prefixed(2), "supported_groups", kind)
        elif kind == EC_POINT_FORMATS:
            points = data.prefixed(1)
            if points is None or points.empty():
                raise Refused(reason("an empty ec_point_formats"), kind)
            fields["supported_points"] = points.rest()
        elif kind == SESSION_TICKET:
            data.rest()
        elif kind == SIGNATURE_ALGORITHMS:
            fields["signature_algorithms"] = _uint16s(data.prefixed(2), "signature_algorithms",
                                                      kind)
        elif kind == SIGNATURE_ALGORITHMS_CERT:
            fields["signature_algorithms_cert"] = _uint16s(
                data.prefixed(2), "signature_algorithms_cert", kind)
        elif kind == RENEGOTIATION_INFO:
            info = data.prefixed(1)
            if info is None:
                raise Refused("renegotiation_info", kind)
            fields["secure_renegotiation"] = info.rest()
        elif kind == ALPN:
            protocols = data.prefixed(2)
            if protocols is None or protocols.empty():
                raise Refused(reason("an empty ALPN list"), kind)
            names = []
            while not protocols.empty():
                name = protocols.prefixed(1)
                if name is None or name.empty():
                    raise Refused(reason("an empty ALPN protocol name"), kind)
                names.append(name.rest())
            fields["alpn_protocols"] = tuple(names)
        elif kind == SCT:
            pass  # must be empty: checked below
        elif kind == SUPPORTED_VERSIONS:
            versions = data.prefixed(1)
            if versions is None or versions.empty():
                raise Refused(reason("an empty supported_versions"), kind)
            fields["supported_versions"] = _uint16s(versions, "supported_versions", kind)
        elif kind == COOKIE:
            cookie = data.prefixed(2)
            if cookie is None or cookie.empty():
                raise Refused(reason("an empty cookie"), kind)
            cookie.rest()
        elif kind == KEY_SHARE:
            shares_cursor = data.prefixed(2)
            if shares_cursor is None:
                raise Refused("key_share", kind)
            shares = []
            while not shares_cursor.empty():
                group, value = shares_cursor.uint(2), shares_cursor.prefixed(2)
                if group is None or value is None or value.empty():
                    raise Refused(reason("an empty key share"), kind)
                shares.append((group, value.rest()))
            fields["key_shares"] = tuple(shares)
        elif kind == EARLY_DATA:
            fields["early_data"] = True
        elif kind == PSK_MODES:
            if data.prefixed(1) is None:
                raise Refused("psk_key_exchange_modes", kind)
        elif kind == PRE_SHARED_KEY:
            if not extensions.empty():
                raise Refused(reason("pre_shared_key before the last extension"), kind)
            _pre_shared_key(data)
        else:
            continue  # unknown extensions are ignored
        if not data.empty():
            raise Refused(reason("bytes left over in an extension"), kind)
    return GoClientHello(*base, **fields)


def _pre_shared_key(data: _Cursor) -> None:
    identities = data.prefixed(2)
    if identities is None or identities.empty():
        raise Refused(reason("an empty PSK identity list"), PRE_SHARED_KEY)
    while not identities.empty():
        label = identities.prefixed(2)
        if label is None or identities.uint(4) is None or label.empty():
            raise Refused(reason("an empty PSK identity"), PRE_SHARED_KEY)
    binders = data.prefixed(2)
    if binders is None or binders.empty():
        raise Refused(reason("an empty PSK binder list"), PRE_SHARED_KEY)
    while not binders.empty():
        binder = binders.prefixed(1)
        if binder is None or binder.empty():
            raise Refused(reason("an empty PSK binder"), PRE_SHARED_KEY)
