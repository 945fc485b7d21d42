"""Turn hex text, in whatever form a user pasted it, into byte streams.

Recognised forms:
* plain hex, with any whitespace, `:` or `,` separators (Wireshark "hex stream", tshark fields);
* `0x`-prefixed bytes or runs (C arrays from `xxd -i`, Wireshark "C arrays") and `\\x` escapes;
* offset-prefixed dumps: `xxd` (any -g), `hexdump -C`, `od -Ax -tx1` (hex, octal or decimal
  offsets, `*` repeat lines), `tshark -x` / Wireshark "hex dump", OpenSSL's BIO_dump
  (`s_server -debug`), and Postfix's TLS log dump (`smtpd_tls_loglevel = 3`) with or without
  syslog prefixes;
* any of these with `#` comment lines (tlskb capture writes its header so);
* logs that label their dumps: `read from`/`write to` (OpenSSL -debug, Postfix) and
  `>>>`/`<<<` (`openssl s_client -msg`): consecutive dumps of one direction are joined into
  that direction's stream, since the record header and body are dumped separately.

A dump line's byte count is taken from the offsets (so an ASCII column that happens to look like
hex is never read as data); the last line of a block is cut at the column where full lines end.

Text is hostile, so reading n characters costs O(n) time and memory: lines are read one at a
time and empty ones cost nothing; patterns that can backtrack look at no more than MAX_LINE
characters of a line (longer lines are read only by character-class scans), and the bytes a
dump stands for without writing them out (`*` repeats, `<SPACES/NULS>` elisions, a log
header's byte count) draw on one budget for the whole text: MAX_CLIENT_FLIGHT, the most tlskb
reads of a stream, plus one byte per character of the text.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass

from generator.errors import DecodeError
from generator.tls.records import MAX_CLIENT_FLIGHT

#: characters of a line that the line patterns look at: a dump line of the widest `xxd -c 256`
#: holds about 1,100, a log header about 80; longer lines are plain hex or text
MAX_LINE = 4096
#: a syslog prefix ("Nov 29 20:20:16 mail postfix/smtpd[16423]: ") lies within this many
MAX_SYSLOG_PREFIX = 256

# Scans: one character class (and single-character look-arounds), linear in any length.
#: a run of hex digits between non-alphanumerics; it is a hex word when its length is even (a
#: repeated group, `(?:XX)+`, would cost the pattern engine memory per repetition)
_HEX_RUN = re.compile(r"(?<![0-9A-Za-z])[0-9A-Fa-f]+(?![0-9A-Za-z])")
_HEX_PAIR = re.compile(r"[0-9A-Fa-f]{2}")
_NOT_PLAIN = re.compile(r"[^0-9A-Fa-f\s:,.\-]")
_PLAIN_SEPARATORS = re.compile(r"[\s:,.\-]")
#: the same separators, ASCII only, deleted by str.translate (which, unlike re.sub, needs no
#: list entry per separator)
_ASCII_SEPARATORS = str.maketrans("", "", " \t\n\r\f\v\x1c\x1d\x1e\x1f:,.-")
_CONTENT_LINE = re.compile(r"[^\n]+")
_COMMENT = re.compile(r"[^\S\n]*#")
_COMMENT_LINES = re.compile(r"^[^\S\n]*#[^\n]*", re.MULTILINE)
_ZERO_X = re.compile(r"0[xX]([0-9A-Fa-f]+)")
_ESCAPE = re.compile(r"\\x([0-9A-Fa-f]{2})")
_BETWEEN_ESCAPES = re.compile(r"[\s\"',;+b]|\\\n")

# Line patterns: matched at the start of a line, on at most MAX_LINE characters.
_SYSLOG_PREFIX = re.compile(r"[^\[\]]*\[(?P<pid>\d+)\]:\s")
_OFFSET_HEAD = re.compile(r"\s*(?P<offset>[0-9A-Fa-f]{4,8})(?P<sep>:\s*|\s+-\s+|\s+|$)")
_DIRECTION = re.compile(r"(?:(?P<bio>read from|write to)\b(?:\s+(?P<ptr>(?:0x)?[0-9A-Fa-f]+)\b)?.*"
                        r"\((?P<req>\d{1,20}) bytes => (?P<ret>-?\d{1,20})"
                        r"|(?P<msg>>>>|<<<)\s)")
#: log lines that begin a new TLS connection: Postfix's "setting up TLS connection from/to",
#: s_client's "CONNECTED(...)", s_server's "ACCEPT". A BIO address can be reused by the next
#: connection, so a new connection starts new streams.
_NEW_CONNECTION = re.compile(r"setting up TLS connection|^CONNECTED\(|^ACCEPT$")
#: OpenSSL's BIO_dump writes `<SPACES/NULS>` after the total length; Postfix's own dump writes
#: `<SPACES/NULLS>` after the offset where the elided bytes start (seen in Postfix 3.7's log)
_TRUNCATED = re.compile(r"\s*(?P<offset>[0-9A-Fa-f]{4,8}) - <SPACES/NULL?S>\s*$")
_WORDS_16BIT = re.compile(r"[0-7]{7}(?: [0-9a-f]{4}){1,8}\s*$")
_XXD_LINE = re.compile(r"\s*[0-9A-Fa-f]{4,8}:\s")
_OFFSET_ONLY = re.compile(r"[0-9A-Fa-f]{4,8}")


@dataclass(frozen=True, slots=True)
class HexBlock:
    """Bytes recovered from one dump (or one direction of a labelled log)."""
    data: bytes
    label: str          # where it came from, e.g. "read from (OpenSSL/Postfix debug log)"
    form: str           # which format was recognised
    notes: tuple[str, ...] = ()
    elided: bool = False  # the dump ended with `<SPACES/NULS>`: trailing zeros were left out


@dataclass(slots=True)
class _Line:
    number: int
    raw_offset: str                  # "" for lines without an offset, "*" for repeat lines
    values: bytes = b""              # the hex bytes on the line
    columns: array | None = None     # the column of each byte, for lines with an offset
    repeat: bool = False             # an od/hexdump `*` line
    truncated_to: int | None = None  # a BIO_dump/Postfix "<SPACES/NULS>" line
    text_column: bool = False        # something (an ASCII column) follows the hex bytes
    rest: str | None = None          # the text after the offset, while the line may be a
    rest_column: int = 0             # block's last (then its bytes are counted from it)


class _Unwritten:
    """The budget for bytes a dump stands for without writing them out: MAX_CLIENT_FLIGHT plus
    one per character of the text, so no text yields more bytes than O(its length)."""

    def __init__(self, text_length: int, source: str) -> None:
        self.allowed = MAX_CLIENT_FLIGHT + text_length
        self.left = self.allowed
        self.source = source

    def spend(self, count: int, number: int, what: str) -> None:
        if count > self.left:
            raise DecodeError(
                f"line {number}: {what} stands for {count} bytes that are not written out, more "
                f"than this text may leave out ({self.allowed} in all: {MAX_CLIENT_FLIGHT}, the "
                "most tlskb reads of a stream, plus one per character); dump every byte "
                "(`hexdump -v`, `od -v`, `xxd`) or cut the dump down to the ClientHello",
                field="hex", context=self.source)
        self.left -= count


def looks_like_text(data: bytes) -> bool:
    """Hex dumps are printable text; binary TLS starts with 0x16 or a high byte."""
    if not data:
        return False
    sample = data[:4096]
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\r\n\t\f\v" for ch in text.lstrip("\ufeff"))


def wrap_hex(data: bytes, indent: str = "") -> str:
    """`data` as lines of 32 bytes of plain hex, each indented and ending in a newline: how
    tlskb writes bytes for people (case files, capture files), and reads them back."""
    digits = data.hex()
    return "".join(f"{indent}{digits[i:i + 64]}\n" for i in range(0, len(digits), 64))


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) for every line but `#` comments; a run of empty lines comes out as
    one empty line (it ends a tshark -x frame), found without a step per line."""
    number, position = 1, 0
    for match in _CONTENT_LINE.finditer(text):
        newlines = text.count("\n", position, match.start())
        if newlines > (1 if position else 0):
            yield number + (1 if position else 0), ""
        number += newlines
        position = match.end()
        line = match.group()
        if not _COMMENT.match(line):
            yield number, line


def _prefix_end(line: str) -> int:
    """Where a line starts after its syslog prefix ("... postfix/smtpd[16423]: "), if any."""
    match = _SYSLOG_PREFIX.match(line, 0, MAX_SYSLOG_PREFIX)
    return match.end() if match else 0


def _syslog_process(line: str) -> str | None:
    """The process in a syslog prefix: "postfix/smtpd[16423]"."""
    match = _SYSLOG_PREFIX.match(line, 0, MAX_SYSLOG_PREFIX)
    if not match:
        return None
    bracket = match.start("pid") - 1
    before = line[:bracket]
    if not before or before[-1].isspace():
        return None
    return f"{before.split()[-1]}[{match.group('pid')}]"


def _is_direction(line: str) -> bool:
    start = _prefix_end(line)
    return bool(_DIRECTION.match(line, start, start + MAX_LINE))


def parse_hex_text(text: str, source: str = "input") -> list[HexBlock]:
    """All byte blocks in `text`; DecodeError (with the line number) when it is not hex."""
    text = text.lstrip("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise DecodeError("no hex digits found: the input is empty", field="hex", context=source)
    # `#` comment lines (tlskb capture's header, a user's notes): blanked for the inline forms,
    # dropped for the dump forms (where a blank line ends a block); numbering is kept
    inline = _COMMENT_LINES.sub("", text) if "#" in text else text
    if not inline.strip():
        raise DecodeError("no hex digits found: the input holds only comments", field="hex",
                          context=source)
    budget = _Unwritten(len(text), source)
    if any(_is_direction(line) for _, line in _lines(text)):
        return _labelled_dumps_per_process(text, source, budget)
    if _mostly_escapes(inline):
        return [_escapes(inline, source)]
    if _mostly_zero_x(inline):
        return [_zero_x(inline, source)]
    for number, line in _lines(text):
        if len(line) <= MAX_LINE:
            stripped = line.strip()
            if _WORDS_16BIT.match(stripped) and not stripped.startswith("00000000:"):
                raise DecodeError(f"line {number} looks like `hexdump` or `od -x` output in "
                                  "16-bit words, whose byte order depends on the machine that "
                                  "made it; dump with `hexdump -C`, `od -Ax -tx1` or `xxd` "
                                  "instead", field="hex", context=source)
    if _is_bare_offset_dump(text) or any(_XXD_LINE.match(line, 0, MAX_LINE)
                                         for _, line in _lines(text)):
        return _labelled_dumps(_lines(text), source, budget)  # offsets that would pass for hex
    if not any(_NOT_PLAIN.search(line) for _, line in _lines(text)):
        return [_plain(inline, source)]
    return _labelled_dumps(_lines(text), source, budget)


def _hex_words(text: str) -> Iterator[re.Match]:
    """Runs of an even number of hex digits between non-alphanumerics: `16`, `0301`, not `abc`,
    `0x16` or `16g`."""
    return (match for match in _HEX_RUN.finditer(text) if not (match.end() - match.start()) % 2)


def _count(matches: Iterator[re.Match]) -> int:
    return sum(1 for _ in matches)


def _mostly_escapes(text: str) -> bool:
    """`\\x16\\x03...`: nearly every hex digit is in a `\\x` escape (an ASCII column that
    happens to show `\\x` does not make a dump one)."""
    escapes = _count(_ESCAPE.finditer(text))
    return escapes > 0 and _count(_hex_words(_ESCAPE.sub(" ", text))) * 10 <= escapes


def _mostly_zero_x(text: str) -> bool:
    """C arrays and `0x..` lists: nearly every hex word carries the 0x prefix."""
    prefixed = _count(_ZERO_X.finditer(text))
    return prefixed > 0 and _count(_hex_words(_ZERO_X.sub(" ", text))) * 10 <= prefixed


def _is_bare_offset_dump(text: str) -> bool:
    """Every line is `OFFSET xx xx ...`, a lone offset or `*`, and the first offset is zero."""
    first: list[str] | None = None
    for _, line in _lines(text):
        if len(line) > MAX_LINE:
            return False
        tokens = line.split()
        if not tokens:
            continue
        if tokens == ["*"]:
            if first is None:
                first = tokens
            continue
        if not _OFFSET_ONLY.fullmatch(tokens[0]) or not all(
                _HEX_PAIR.fullmatch(token) for token in tokens[1:]):
            return False
        if first is None:
            first = tokens
    return first is not None and len(first) > 1 and first[0] != "*" and int(first[0], 16) == 0


def _escapes(text: str, source: str) -> HexBlock:
    """`\\x16\\x03...`: every escape is a byte; anything else between them is an error."""
    leftover = _BETWEEN_ESCAPES.sub("", _ESCAPE.sub("", text))
    if leftover:
        raise DecodeError(f"unexpected {leftover[:20]!r} between \\x escapes", field="hex",
                          context=source)
    return HexBlock(bytes(int(match.group(1), 16) for match in _ESCAPE.finditer(text)), source,
                    "\\x escapes")


def _zero_x(text: str, source: str) -> HexBlock:
    """`0x16, 0x03` (C arrays) or `0x160301...` runs; single digits (`0x5`) are one byte."""
    out = bytearray()
    for match in _ZERO_X.finditer(text):
        digits = match.group(1)
        if len(digits) == 1:
            digits = "0" + digits
        if len(digits) % 2:
            line = text.count("\n", 0, match.start()) + 1
            raise DecodeError(f"0x{digits[:16]} on line {line} has an odd number of hex digits",
                              field="hex", context=source)
        out += bytes.fromhex(digits)
    return HexBlock(bytes(out), source, "0x-prefixed bytes")


def _plain(text: str, source: str) -> HexBlock:
    digits = text.translate(_ASCII_SEPARATORS)
    if not digits.isascii():  # Unicode spaces
        digits = _PLAIN_SEPARATORS.sub("", digits)
    if len(digits) % 2:
        raise DecodeError(f"odd number of hex digits ({len(digits)}): a digit is missing or extra",
                          field="hex", context=source)
    return HexBlock(bytes.fromhex(digits), source, "plain hex")


def _hex_bytes(text: str, base_column: int) -> tuple[bytes, array]:
    """The hex words' bytes in `text`, and the column of each (`text` starts at base_column)."""
    values, columns = bytearray(), array("I")
    for match in _hex_words(text):
        start, end = match.span()
        values += bytes.fromhex(match.group())
        columns.extend(range(base_column + start, base_column + end, 2))
    return bytes(values), columns


def _classify(number: int, line: str) -> _Line | str | None:
    """A dump line, a header/label line (returned as str), or None for blank lines."""
    shift = _prefix_end(line)
    stripped = line[shift:].rstrip()
    if not stripped.strip():
        return None
    if stripped.strip() == "*":
        return _Line(number, "*", repeat=True)
    truncated = _TRUNCATED.match(stripped) if len(stripped) <= MAX_LINE else None
    if truncated:
        return _Line(number, truncated.group("offset"),
                     truncated_to=int(truncated.group("offset"), 16))
    match = _OFFSET_HEAD.match(stripped, 0, MAX_LINE)
    if match and (match.group("sep") or match.end() == len(stripped)):
        rest = stripped[match.end():]
        column = shift + match.end()
        values, columns = _hex_bytes(rest, column)
        if values or not rest.strip():
            after_last = columns[-1] + 2 - column if values else 0
            text_column = bool(values) and bool(rest[after_last:].strip()) or \
                any(ch in rest for ch in "|><")
            return _Line(number, match.group("offset"), values, columns, text_column=text_column,
                         rest=rest if text_column else None, rest_column=column)
    if not _NOT_PLAIN.search(stripped):
        values = b"".join(bytes.fromhex(match.group()) for match in _hex_words(stripped))
        if values:
            return _Line(number, "", values)
    return stripped.strip()[:MAX_LINE]


def _labelled_dumps_per_process(text: str, source: str, budget: _Unwritten) -> list[HexBlock]:
    """A mail log interleaves the lines of concurrent processes (smtpd[101], smtpd[102]): read
    each process's lines on their own, in order of first appearance."""
    dumped: dict[str | None, bool] = {}  # every process, and whether it dumped anything
    for _, line in _lines(text):
        process = _syslog_process(line)
        if not dumped.get(process):
            dumped[process] = _is_direction(line)
    if len(dumped) == 1:
        return _labelled_dumps(_lines(text), source, budget)
    readers = {process: _DumpReader(source, budget) for process, did in dumped.items() if did}
    for number, line in _lines(text):
        reader = readers.get(_syslog_process(line))
        if reader is not None:
            reader.feed(number, line)
    blocks: list[HexBlock] = []
    for process, reader in readers.items():
        for block in reader.finish():
            label = f"{process} {block.label}" if process else block.label
            blocks.append(HexBlock(block.data, label, block.form, block.notes, block.elided))
    return blocks


def _labelled_dumps(lines: Iterator[tuple[int, str]], source: str,
                    budget: _Unwritten) -> list[HexBlock]:
    reader = _DumpReader(source, budget)
    for number, line in lines:
        reader.feed(number, line)
    return reader.finish()


@dataclass(frozen=True, slots=True)
class _Dump:
    block: HexBlock
    header: str | None        # the label line above the dump
    header_number: int        # its line number (0 without one)
    connection: int


class _DumpReader:
    """Splits lines into dump blocks at header lines and offset resets, reading each block's
    bytes as soon as it ends (so only one block's lines are held), then joins per direction."""

    def __init__(self, source: str, budget: _Unwritten) -> None:
        self.source = source
        self.budget = budget
        self.dumps: list[_Dump] = []
        self.header: str | None = None
        self.header_number = 0
        self.current: list[_Line] = []
        self.first_unknown: tuple[int, str] | None = None
        self.connection, self.dumps_in_connection = 1, 0

    def _close(self) -> None:
        if self.current:
            block = _block_bytes(self.current, self.header, self.source, self.budget)
            self.dumps.append(_Dump(block, self.header, self.header_number, self.connection))
            self.dumps_in_connection += 1
        self.current = []

    def feed(self, number: int, line: str) -> None:
        item = _classify(number, line)
        if item is None:
            if self.current and self.current[-1].raw_offset:  # a blank line ends a tshark -x
                self._close()                                # frame block
            return
        if isinstance(item, str):
            self._close()
            if _NEW_CONNECTION.search(item) and self.dumps_in_connection:
                self.connection, self.dumps_in_connection = self.connection + 1, 0
            self.header, self.header_number = item, number
            if (not _DIRECTION.match(item) and not item.endswith(":")
                    and self.first_unknown is None):
                self.first_unknown = (number, item)
            return
        if (self.current and item.raw_offset and item.raw_offset != "*"
                and self.current[0].raw_offset and int(item.raw_offset, 16) == 0):
            self._close()  # offsets restart: a new dump
        if self.current and not item.repeat and item.truncated_to is None:
            self.current[-1].rest = None  # a later offset counts its bytes
        self.current.append(item)

    def finish(self) -> list[HexBlock]:
        self._close()
        if not self.dumps:
            number, text = self.first_unknown or (1, "")
            raise DecodeError(f"line {number} is not hex: {text[:60]!r}", field="hex",
                              context=self.source)
        return _join_directions(self.dumps, self.source, self.budget)


def _resolve_radix(lines: list[_Line]) -> tuple[int, str | None]:
    """Offsets are hex in every dump tool's output except od's default 7-digit offsets, which
    are octal (or decimal with -Ad): for those, the radix under which each full line's offset
    step equals its byte count wins; if both fit (possible with `*` repeats), octal, with a note."""
    numbered = [(i, ln) for i, ln in enumerate(lines) if ln.raw_offset and not ln.repeat]
    if not numbered or any(len(ln.raw_offset) != 7 for _, ln in numbered):
        return 16, None
    fitting = []
    for radix in (8, 10):
        try:
            values = [int(ln.raw_offset, radix) for _, ln in numbered]
        except ValueError:
            continue
        fits = True
        for (index, line), start, stop in zip(numbered, values, values[1:]):
            step, count = stop - start, len(line.values)
            repeated = index + 1 < len(lines) and lines[index + 1].repeat
            if line.truncated_to is not None or not count:
                continue
            if repeated:  # the line and its repeats: a whole number of lines
                fits = step > 0 and (line.text_column or step % count == 0)
            elif line.text_column:
                fits = 0 < step <= count
            else:
                fits = step == count or (stop == values[-1] and step <= count)
            if not fits:
                break
        if fits:
            fitting.append(radix)
    if len(fitting) > 1:
        return 8, ("the offsets read as octal (od's default) or decimal; tlskb took octal "
                   "(dump with `od -Ax -tx1` to avoid the ambiguity)")
    return (fitting[0] if fitting else 16), None


def _next_offset_lines(lines: list[_Line]) -> list[_Line | None]:
    """For each line, the next line with an offset or a `*` (one pass from the end)."""
    following: list[_Line | None] = [None] * len(lines)
    nearest: _Line | None = None
    for index in range(len(lines) - 1, -1, -1):
        following[index] = nearest
        if lines[index].raw_offset:
            nearest = lines[index]
    return following


def _block_bytes(lines: list[_Line], label: str | None, source: str,
                 budget: _Unwritten) -> HexBlock:
    if not any(ln.raw_offset and not ln.repeat for ln in lines):  # hex lines without offsets
        if any(ln.repeat for ln in lines):
            raise DecodeError(f"line {next(ln.number for ln in lines if ln.repeat)} is `*`, which "
                              "stands for repeated lines, but without offsets their number is "
                              "unknown; dump with `od -v`/`hexdump -v` or keep the offsets",
                              field="hex", context=source)
        return HexBlock(b"".join(ln.values for ln in lines), label or source, "hex lines")
    radix, radix_note = _resolve_radix(lines)
    following = _next_offset_lines(lines)
    out = bytearray()
    notes: list[str] = [radix_note] if radix_note else []
    full_line_end: int | None = None
    last_taken = b""
    repeat: _Line | None = None
    elided = False
    for index, line in enumerate(lines):
        if line.repeat:
            repeat = line
            continue
        if line.truncated_to is not None:
            elided = True
            missing = line.truncated_to - len(out)
            if missing > 0:
                budget.spend(missing, line.number, "`<SPACES/NULS>`")
                out += bytes(missing)
                notes.append(f"the dump elided {missing} trailing bytes as <SPACES/NULS>; "
                             "tlskb took them as zero bytes")
            continue
        if not line.raw_offset:
            raise DecodeError(f"line {line.number} has no offset, unlike the dump around it",
                              field="hex", context=source)
        offset = int(line.raw_offset, radix)
        if repeat is not None:
            if last_taken and offset > len(out):  # whole copies of the line, then what is left
                budget.spend(offset - len(out), repeat.number, "`*`")
                copies, part = divmod(offset - len(out), len(last_taken))
                out += last_taken * copies + last_taken[:part]
            repeat = None
        if offset != len(out):
            raise DecodeError(f"line {line.number}: offset {line.raw_offset} does not follow the "
                              f"{len(out)} bytes before it (a line is missing or repeated)",
                              field="hex", context=source)
        nxt = following[index]
        if nxt is not None and nxt.repeat:
            count = _last_line_count(line, full_line_end)  # a full line, repeated after it
        elif nxt is not None:
            count = int(nxt.raw_offset, radix) - offset
            if nxt.truncated_to is not None:  # OpenSSL's elision line gives the total length,
                count = min(_last_line_count(line, full_line_end), count)  # not this line's end
            if count < 0:
                raise DecodeError(f"line {nxt.number}: offset {nxt.raw_offset} goes back before "
                                  f"line {line.number}'s offset {line.raw_offset}",
                                  field="hex", context=source)
            if count > len(line.values):
                raise DecodeError(f"line {line.number} holds {len(line.values)} bytes but the "
                                  f"next offset says {count}", field="hex", context=source)
            if count:
                column_end = line.columns[count - 1] + 2
                full_line_end = column_end if full_line_end is None else max(full_line_end,
                                                                             column_end)
        else:
            count = _last_line_count(line, full_line_end)
        last_taken = line.values[:count]
        out += last_taken
    if repeat is not None:
        raise DecodeError(f"line {repeat.number} is `*`, which stands for repeated lines, but no "
                          "offset follows to say how many; include the dump's last line (its "
                          "length) or dump with `od -v`/`hexdump -v`", field="hex", context=source)
    return HexBlock(bytes(out), label or source, "offset dump", tuple(notes), elided)


def _last_line_count(line: _Line, full_line_end: int | None) -> int:
    """The last line has no next offset: cut where full lines end; else where the line's ASCII
    column shows exactly the bytes before it; else at the first wide gap."""
    if not line.values:
        return 0
    if full_line_end is not None:
        return bisect_left(line.columns, full_line_end)
    shown = _count_shown(line)
    if shown is not None:
        return shown
    columns = line.columns
    count = 1
    while count < len(columns) and columns[count] - (columns[count - 1] + 2) < 3:
        count += 1  # a run of spaces (3 or more) comes before the ASCII column
    return count


#: how each tool frames its ASCII column: xxd, tshark and OpenSSL plain, hexdump -C in bars,
#: od -tx1z in angle brackets, Postfix with a space after the eighth character
_ASCII_FRAMES = (lambda shown: shown, lambda shown: f"|{shown}|", lambda shown: f">{shown}<",
                 lambda shown: f"{shown[:8]} {shown[8:]}")
#: the most bytes a line of any dump tool holds (xxd -c 256), and the most counts tried
_MAX_LINE_BYTES, _MAX_COUNTS_TRIED = 256, 64


def _count_shown(line: _Line) -> int | None:
    """The number of bytes whose ASCII rendering ends the line (an ASCII column that starts
    with something like `00` or `cafe` would otherwise be read as more bytes), or None."""
    if line.rest is None or len(line.values) > _MAX_LINE_BYTES:
        return None
    text = line.rest.rstrip()
    for count in range(len(line.values), max(0, len(line.values) - _MAX_COUNTS_TRIED), -1):
        shown = "".join(chr(b) if 32 <= b <= 126 else "." for b in line.values[:count])
        for frame in _ASCII_FRAMES:
            tail = frame(shown).rstrip()
            start = line.rest_column + len(text) - len(tail)
            if tail and text.endswith(tail) and start >= line.columns[count - 1] + 2:
                return count
    return None


def _join_directions(dumps: list[_Dump], source: str, budget: _Unwritten) -> list[HexBlock]:
    """`read from`/`write to` and `>>>`/`<<<` dumps: join the blocks of each direction, per
    connection (the BIO address, and the lines that start a connection)."""
    streams: dict[str, tuple[bytearray, list[str]]] = {}
    others: list[HexBlock] = []
    several = len({dump.connection for dump in dumps}) > 1
    for dump in dumps:
        block, label = dump.block, dump.header
        match = _DIRECTION.match(label or "")
        if not match:
            others.append(block)
            continue
        if match.group("bio"):
            # one stream per direction and BIO (each connection has its own BIO address)
            direction = " ".join(filter(None, (match.group("bio"), match.group("ptr"))))
            announced = int(match.group("ret"))
            if block.elided and len(block.data) < announced:
                missing = announced - len(block.data)
                budget.spend(missing, dump.header_number, "the header's byte count")
                block = HexBlock(block.data + bytes(missing), block.label, block.form,
                                 block.notes + (f"the dump elided {missing} trailing bytes as "
                                                "<SPACES/NULLS>; tlskb took them as zero bytes",),
                                 True)
            if announced >= 0 and announced != len(block.data):
                raise DecodeError(f"the dump under {label[:50]!r} holds {len(block.data)} bytes but "
                                  f"its header says {announced}", field="hex", context=source)
        else:
            direction = "sent (>>>)" if match.group("msg") == ">>>" else "received (<<<)"
        if several:
            direction = f"{direction}, connection {dump.connection}"
        if direction not in streams:
            streams[direction] = (bytearray(), [])
        streams[direction][0].extend(block.data)
        streams[direction][1].extend(block.notes)
    joined = [HexBlock(bytes(data), direction, "labelled log", tuple(notes))
              for direction, (data, notes) in streams.items()]
    return joined + others
