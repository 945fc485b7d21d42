"""Hex dumps as the tools write them, for inputs too many or too large to run the tools on
(property tests, benchmarks): `xxd`, `hexdump -C`, `od -Ax -tx1`, `tshark -x`, OpenSSL's
BIO_dump (`s_server -debug`) and Postfix's TLS log dump. test_ingest_limits.py checks each
against the real tool where one is installed."""

from __future__ import annotations


def _ascii(chunk: bytes) -> str:
    return "".join(chr(b) if 32 <= b <= 126 else "." for b in chunk)


def plain_hex(data: bytes, width: int = 32) -> str:
    """Lines of `width` bytes of bare hex (`xxd -p` writes 30)."""
    digits = data.hex()
    return "".join(digits[i:i + 2 * width] + "\n" for i in range(0, len(digits), 2 * width))


def xxd(data: bytes) -> str:
    """`xxd` with its defaults: 16 bytes a line in groups of 2, then the ASCII column."""
    lines = []
    for row in range(0, len(data), 16):
        chunk = data[row:row + 16]
        groups = " ".join(chunk[i:i + 2].hex() for i in range(0, len(chunk), 2))
        lines.append(f"{row:08x}: {groups.ljust(39)}  {_ascii(chunk)}\n")
    return "".join(lines)


def _repeating(data: bytes, offset_digits: int, line, total_when_empty: bool) -> str:
    """hexdump/od: a line equal to the one before becomes one `*`; the total length ends it."""
    lines, previous, starred = [], None, False
    for row in range(0, len(data), 16):
        chunk = data[row:row + 16]
        if chunk == previous and len(chunk) == 16:
            if not starred:
                lines.append("*\n")
                starred = True
            continue
        lines.append(line(row, chunk))
        previous, starred = chunk, False
    if data or total_when_empty:
        lines.append(f"{len(data):0{offset_digits}x}\n")
    return "".join(lines)


def hexdump_c(data: bytes) -> str:
    """`hexdump -C` (canonical hex+ASCII, `*` for repeated lines)."""
    def line(row: int, chunk: bytes) -> str:
        left = "".join(f"{b:02x} " for b in chunk[:8]).ljust(24)
        right = "".join(f"{b:02x} " for b in chunk[8:]).ljust(24)
        return f"{row:08x}  {left} {right} |{_ascii(chunk)}|\n"
    return _repeating(data, 8, line, total_when_empty=False)


def od_hex(data: bytes) -> str:
    """`od -Ax -tx1` (`*` for repeated lines)."""
    return _repeating(data, 6, lambda row, chunk: f"{row:06x}" + "".join(f" {b:02x}" for b in chunk)
                      + "\n", total_when_empty=True)


def tshark_x(frames: list[bytes]) -> str:
    """`tshark -x`: each frame's bytes, 16 a line, a blank line after each frame."""
    out = []
    for frame in frames:
        for row in range(0, len(frame), 16):
            chunk = frame[row:row + 16]
            out.append(f"{row:04x}  {' '.join(f'{b:02x}' for b in chunk).ljust(47)}   "
                       f"{_ascii(chunk)}\n")
        out.append("\n")
    return "".join(out)


def bio_dump(data: bytes, header: str = "read from 0x55aa01 [0x55aa02]") -> str:
    """One `openssl s_server -debug` read: the header line, then BIO_dump_indent's lines
    (crypto/bio/bio_dump.c): `%04x - `, bytes with `-` after the 8th, the ASCII column;
    trailing spaces and NULs elided as `%04x - <SPACES/NULS>` after the total length."""
    trimmed = data.rstrip(b" \x00")
    lines = [f"{header} ({len(data)} bytes => {len(data)} (0x{len(data):X}))\n"]
    for row in range(0, len(trimmed), 16):
        chunk = trimmed[row:row + 16]
        hexes = "".join(f"{b:02x}{'-' if j == 7 else ' '}" for j, b in enumerate(chunk))
        lines.append(f"{row:04x} - {hexes.ljust(48)}  {_ascii(chunk)}\n")
    if len(trimmed) < len(data):
        lines.append(f"{len(data):04x} - <SPACES/NULS>\n")
    return "".join(lines)


def postfix_dump(data: bytes, prefix: str = "Nov 29 20:20:16 mail postfix/smtpd[16423]: ") -> str:
    """Postfix's tls_dump_buffer() layout (src/tls/tls_misc.c): `%04x ` offset, bytes as `%02x`
    followed by '|' after the 8th and ' ' otherwise, missing bytes as three spaces, a space,
    then the ASCII column; trailing spaces/NULs elided as `%04x - <SPACES/NULLS>` after the
    offset where they start (as a running Postfix 3.7 writes it: see test_a_real_postfix_log)."""
    trimmed = data.rstrip(b" \x00")
    lines = [f"{prefix}read from 55D0B6D0E9A0 [55D0B6D2C8D3] ({len(data)} bytes => {len(data)} "
             f"(0x{len(data):X}))"]
    for row in range(0, len(trimmed), 16):
        chunk = trimmed[row:row + 16]
        hexes = "".join(f"{b:02x}{'|' if j == 7 else ' '}" for j, b in enumerate(chunk))
        hexes += "   " * (16 - len(chunk))
        text = _ascii(chunk)
        lines.append(f"{prefix}{row:04x} {hexes} {text[:8]} {text[8:]}".rstrip())
    if len(trimmed) < len(data):
        lines.append(f"{prefix}{len(trimmed):04x} - <SPACES/NULLS>")
    return "\n".join(lines) + "\n"
