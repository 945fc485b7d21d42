"""A ClientHello's bytes without what changes between connections of one client: the random,
the session id's bytes and the key shares' values, each zeroed where it stands (lengths stay).
Connections whose skeletons are equal, and whose key shares are equally usable, decode to the
same hello but for those fields — so `tlskb impact` decodes and analyses one of them, and for
the rest looks the skeleton up (classify.Classifier.from_bytes).

A walk over the structure of RFC 8446 §4.1.2 and §4.2.8 (ClientHello, extensions, KeyShare),
one TLS record holding the whole hello only; anything else — several records, the SSL 2.0
format, a length that does not add up — gives None, and the caller decodes the hello in full
(the decoder says what is wrong with it). Linear in the hello, never raises."""

from __future__ import annotations

_KEY_SHARE = 51
_RANDOM = slice(11, 43)   # 5 bytes of record header, 4 of handshake header, 2 of version


def skeleton(raw: bytes) -> tuple[bytes, tuple[tuple[int, bytes], ...]] | None:
    """(the hello with random, session id and key share values zeroed, the key shares as
    (group, value) pairs), or None when the bytes are not one record holding one ClientHello
    whose lengths add up."""
    n = len(raw)
    if n < 44 or raw[0] != 0x16 or raw[1] != 3 or raw[5] != 1:
        return None
    if 5 + ((raw[3] << 8) | raw[4]) != n or 9 + int.from_bytes(raw[6:9], "big") != n:
        return None
    key = bytearray(raw)
    key[_RANDOM] = bytes(32)
    session = raw[43]
    pos = 44 + session
    if pos + 2 > n:
        return None
    key[44:pos] = bytes(session)
    pos += 2 + ((raw[pos] << 8) | raw[pos + 1])          # cipher_suites
    if pos + 1 > n:
        return None
    pos += 1 + raw[pos]                                   # compression_methods
    if pos == n:
        return bytes(key), ()                             # no extensions (RFC 5246 §7.4.1.2)
    if pos + 2 > n or pos + 2 + ((raw[pos] << 8) | raw[pos + 1]) != n:
        return None
    pos += 2
    shares = []
    while pos < n:
        if pos + 4 > n:
            return None
        kind = (raw[pos] << 8) | raw[pos + 1]
        end = pos + 4 + ((raw[pos + 2] << 8) | raw[pos + 3])
        if end > n:
            return None
        if kind == _KEY_SHARE:
            body = pos + 4
            if body + 2 > end or body + 2 + ((raw[body] << 8) | raw[body + 1]) != end:
                return None
            at = body + 2
            while at < end:
                if at + 4 > end:
                    return None
                group = (raw[at] << 8) | raw[at + 1]
                value_end = at + 4 + ((raw[at + 2] << 8) | raw[at + 3])
                if value_end > end:
                    return None
                shares.append((group, raw[at + 4:value_end]))
                key[at + 4:value_end] = bytes(value_end - at - 4)
                at = value_end
        pos = end
    return bytes(key), tuple(shares)
