"""Bytes a peer chose (a client's SNI or ALPN), shown as printable ASCII that no terminal
interprets and no line-based file format splits: in capture files, on terminals, in the decoded
tree.

The escaping, reversible (`unescape` undoes `escape`):

* a byte from 0x20 to 0x7e stands for itself, except `\\` and `"`;
* `\\` is written `\\\\` and `"` is written `\\"`;
* every other byte (controls, DEL, anything over 0x7f) is `\\xHH`, two lowercase hex digits.

`quoted` puts the result in double quotes, so a value is never mistaken for tlskb's own words
around it (a client may send the SNI `(none)`). `printable_line` is the safety net for text that
tlskb composes around words from elsewhere (OpenSSL's reasons, a case's client name): it escapes
whatever a terminal would act on and keeps everything else as it is.
"""

from __future__ import annotations

import re

_ESCAPES = {0x5C: "\\\\", 0x22: '\\"'}
_TABLE = tuple(_ESCAPES.get(b, chr(b) if 0x20 <= b <= 0x7E else f"\\x{b:02x}")
               for b in range(256))
_ESCAPE = re.compile(r'\\(?:x([0-9a-f]{2})|(["\\]))')


def escape(data: bytes) -> str:
    """`data` as printable ASCII, escaped as the module says."""
    return "".join(_TABLE[b] for b in data)


def quoted(data: bytes) -> str:
    """`"escaped"`: the form capture files and terminals show a peer's string in."""
    return f'"{escape(data)}"'


def unescape(text: str) -> bytes:
    """The bytes `escape` was given: the inverse of `escape` (ValueError if `text` is not one
    of its results)."""
    out = bytearray()
    position = 0
    for match in _ESCAPE.finditer(text):
        plain = text[position:match.start()]
        if "\\" in plain or '"' in plain or not plain.isascii() or not plain.isprintable():
            raise ValueError(f"not an escaped string: {text[:80]!r}")
        out += plain.encode("ascii")
        out += bytes.fromhex(match[1]) if match[1] else match[2].encode("ascii")
        position = match.end()
    rest = text[position:]
    if "\\" in rest or '"' in rest or not rest.isascii() or not rest.isprintable():
        raise ValueError(f"not an escaped string: {text[:80]!r}")
    return bytes(out + rest.encode("ascii"))


def unquote(text: str) -> bytes:
    """The inverse of `quoted`."""
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"not a quoted string: {text[:80]!r}")
    return unescape(text[1:-1])


def _escaped_character(character: str) -> str:
    code = ord(character)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable_line(text: str) -> str:
    """`text` with every character Python does not call printable written as `\\xHH`,
    `\\uHHHH` or `\\UHHHHHHHH`: C0 and C1 controls (ESC, CR, LF, NUL), DEL, line and paragraph
    separators, bidirectional and invisible format characters, unassigned code points, lone
    surrogates. The rest, backslashes included, is unchanged.
    Not reversible: for text tlskb composes, where peer bytes were already `escape`d."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escaped_character(c) for c in text)
