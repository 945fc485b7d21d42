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

Text is hostile: the bytes a dump stands for without writing them out (`*` repeats,
`<SPACES/NULS>` elisions, a log header's byte count) draw on one budget for the whole text,
MAX_CLIENT_FLIGHT (the most tlskb reads of a stream) plus one byte per character of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.errors import DecodeError
from generator.tls.records import MAX_CLIENT_FLIGHT

_HEX_WORD = re.compile(r"(?<![0-9A-Za-z])((?:[0-9A-Fa-f]{2})+)(?![0-9A-Za-z])")
_SYSLOG_PREFIX = re.compile(r"^[^\[\]]*\[\d+\]:\s")
#: the process in a syslog prefix: "postfix/smtpd[16423]"
_SYSLOG_PROCESS = re.compile(r"^[^\[\]]*?(?P<process>[^\s\[\]]+\[\d+\]):\s")
_OFFSET_LINE = re.compile(r"^\s*(?P<offset>[0-9A-Fa-f]{4,8})(?P<sep>:\s*|\s+-\s+|\s+|$)(?P<rest>.*)$")
_DIRECTION = re.compile(r"^(?:(?P<bio>read from|write to)\b(?:\s+(?P<ptr>(?:0x)?[0-9A-Fa-f]+)\b)?.*"
                        r"\((?P<req>\d+) bytes => (?P<ret>-?\d+)"
                        r"|(?P<msg>>>>|<<<)\s)")
#: OpenSSL's BIO_dump writes `<SPACES/NULS>` after the total length; Postfix's own dump writes
#: `<SPACES/NULLS>` after the offset where the elided bytes start (seen in Postfix 3.7's log)
#: log lines that begin a new TLS connection: Postfix's "setting up TLS connection from/to",
#: s_client's "CONNECTED(...)", s_server's "ACCEPT". A BIO address can be reused by the next
#: connection, so a new connection starts new streams.
_NEW_CONNECTION = re.compile(r"setting up TLS connection|^CONNECTED\(|^ACCEPT$")
_TRUNCATED = re.compile(r"^\s*(?P<offset>[0-9A-Fa-f]{4,8}) - <SPACES/NULL?S>\s*$")
_WORDS_16BIT = re.compile(r"^[0-7]{7}(?: [0-9a-f]{4}){1,8}\s*$")
_PLAIN_LINE = re.compile(r"^[0-9A-Fa-f\s:,.\-]*$")
_XXD_LINE = re.compile(r"^\s*[0-9A-Fa-f]{4,8}:\s")
_BARE_DUMP_LINE = re.compile(r"^\s*(?:[0-9A-Fa-f]{4,8}(?:\s+[0-9A-Fa-f]{2})*|\*)\s*$")


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
    offset: int | None            # None for plain lines
    raw_offset: str
    rest: str
    rest_column: int              # column in the original line where `rest` starts
    bytes: list[tuple[int, int]]  # (column, value) for each hex byte on the line
    repeat: bool = False          # an od/hexdump `*` line
    truncated_to: int | None = None  # a BIO_dump/Postfix "<SPACES/NULS>" line
    text_column: bool = False     # something (an ASCII column) follows the hex bytes


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


def _hex_bytes(text: str, base_column: int) -> list[tuple[int, int]]:
    out = []
    for match in _HEX_WORD.finditer(text):
        word = match.group(1)
        for i in range(0, len(word), 2):
            out.append((base_column + match.start() + i, int(word[i:i + 2], 16)))
    return out


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


def parse_hex_text(text: str, source: str = "input") -> list[HexBlock]:
    """All byte blocks in `text`; DecodeError (with the line number) when it is not hex."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise DecodeError("no hex digits found: the input is empty", field="hex", context=source)
    # `#` comment lines (tlskb capture's header, a user's notes): blanked for the inline forms,
    # dropped for the dump forms (where a blank line ends a block); numbering is kept
    comment = [line.lstrip().startswith("#") for line in text.split("\n")]
    lines = ["" if is_comment else line for line, is_comment in zip(text.split("\n"), comment)]
    numbered = [(number, line) for number, (line, is_comment)
                in enumerate(zip(lines, comment), 1) if not is_comment]
    text = "\n".join(lines)
    if not text.strip():
        raise DecodeError("no hex digits found: the input holds only comments", field="hex",
                          context=source)
    budget = _Unwritten(len(text), source)
    if any(_DIRECTION.match(_SYSLOG_PREFIX.sub("", line, count=1)) for line in lines):
        return _labelled_dumps_per_process(numbered, source, budget)
    if "\\x" in text:
        return [_escapes(text, source)]
    if _mostly_zero_x(text):
        return [_zero_x(text, source)]
    for number, line in enumerate(lines, 1):
        if _WORDS_16BIT.match(line.strip()) and not line.strip().startswith("00000000:"):
            raise DecodeError(f"line {number} looks like `hexdump` or `od -x` output in 16-bit "
                              "words, whose byte order depends on the machine that made it; "
                              "dump with `hexdump -C`, `od -Ax -tx1` or `xxd` instead",
                              field="hex", context=source)
    if _is_bare_offset_dump(lines) or any(_XXD_LINE.match(line) for line in lines):
        return _labelled_dumps(numbered, source, budget)  # offsets that would pass for hex
    if all(_PLAIN_LINE.match(line) for line in lines):
        return [_plain(text, source)]
    return _labelled_dumps(numbered, source, budget)


def _mostly_zero_x(text: str) -> bool:
    """C arrays and `0x..` lists: nearly every hex word carries the 0x prefix."""
    prefixed = len(re.findall(r"0[xX][0-9A-Fa-f]+", text))
    bare = len(_HEX_WORD.findall(re.sub(r"0[xX][0-9A-Fa-f]+", " ", text)))
    return prefixed > 0 and bare * 10 <= prefixed


def _is_bare_offset_dump(lines: list[str]) -> bool:
    """Every line is `OFFSET xx xx ...`, a lone offset or `*`, and the first offset is zero."""
    content = [line for line in lines if line.strip()]
    if not content or not all(_BARE_DUMP_LINE.match(line) for line in content):
        return False
    first = content[0].split()
    return len(first) > 1 and first[0] != "*" and int(first[0], 16) == 0


def _escapes(text: str, source: str) -> HexBlock:
    """`\\x16\\x03...`: every escape is a byte; anything else between them is an error."""
    leftover = re.sub(r"\\x[0-9A-Fa-f]{2}", "", text)
    leftover = re.sub(r"[\s\"',;+b]|\\\n", "", leftover)
    if leftover:
        raise DecodeError(f"unexpected {leftover[:20]!r} between \\x escapes", field="hex",
                          context=source)
    return HexBlock(bytes(int(h, 16) for h in re.findall(r"\\x([0-9A-Fa-f]{2})", text)),
                    source, "\\x escapes")


def _zero_x(text: str, source: str) -> HexBlock:
    """`0x16, 0x03` (C arrays) or `0x160301...` runs; single digits (`0x5`) are one byte."""
    out = bytearray()
    for match in re.finditer(r"0[xX]([0-9A-Fa-f]+)", text):
        digits = match.group(1)
        if len(digits) == 1:
            digits = "0" + digits
        if len(digits) % 2:
            line = text.count("\n", 0, match.start()) + 1
            raise DecodeError(f"0x{digits} on line {line} has an odd number of hex digits",
                              field="hex", context=source)
        out += bytes.fromhex(digits)
    return HexBlock(bytes(out), source, "0x-prefixed bytes")


def _plain(text: str, source: str) -> HexBlock:
    digits = re.sub(r"[\s:,.\-]", "", text)
    if len(digits) % 2:
        raise DecodeError(f"odd number of hex digits ({len(digits)}): a digit is missing or extra",
                          field="hex", context=source)
    return HexBlock(bytes.fromhex(digits), source, "plain hex")


def _classify(number: int, line: str) -> _Line | str | None:
    """A dump line, a header/label line (returned as str), or None for blank lines."""
    stripped = _SYSLOG_PREFIX.sub("", line, count=1).rstrip()
    shift = len(line.rstrip()) - len(stripped)
    if not stripped.strip():
        return None
    if stripped.strip() == "*":
        return _Line(number, None, "*", "", 0, [], repeat=True)
    truncated = _TRUNCATED.match(stripped)
    if truncated:
        return _Line(number, int(truncated.group("offset"), 16), truncated.group("offset"), "", 0,
                     [], truncated_to=int(truncated.group("offset"), 16))
    match = _OFFSET_LINE.match(stripped)
    if match and (match.group("sep") or not match.group("rest")):
        rest = match.group("rest")
        column = shift + match.start("rest")
        found = _hex_bytes(rest, column)
        if found or not rest.strip():
            words = list(_HEX_WORD.finditer(rest))
            text_column = bool(words) and bool(rest[words[-1].end():].strip()) or \
                any(ch in rest for ch in "|><")
            return _Line(number, None, match.group("offset"), rest, column, found,
                         text_column=text_column)
    if _PLAIN_LINE.match(stripped) and _HEX_WORD.search(stripped):
        return _Line(number, None, "", stripped, shift, _hex_bytes(stripped, shift))
    return stripped.strip()


def _labelled_dumps_per_process(lines: list[tuple[int, str]], source: str,
                                budget: _Unwritten) -> list[HexBlock]:
    """A mail log interleaves the lines of concurrent processes (smtpd[101], smtpd[102]): read
    each process's lines on their own, in order of first appearance."""
    by_process: dict[str | None, list[tuple[int, str]]] = {}
    for number, line in lines:
        match = _SYSLOG_PROCESS.match(line)
        by_process.setdefault(match.group("process") if match else None, []).append((number, line))
    if len(by_process) == 1:
        return _labelled_dumps(lines, source, budget)
    blocks: list[HexBlock] = []
    for process, own in by_process.items():
        if not any(_DIRECTION.match(_SYSLOG_PREFIX.sub("", line, count=1)) for _, line in own):
            continue  # a process that dumped nothing (qmgr, postlogd, ...)
        for block in _labelled_dumps(own, source, budget):
            label = f"{process} {block.label}" if process else block.label
            blocks.append(HexBlock(block.data, label, block.form, block.notes, block.elided))
    return blocks


def _labelled_dumps(lines: list[tuple[int, str]], source: str,
                    budget: _Unwritten) -> list[HexBlock]:
    """Split (line number, line) pairs into dump blocks at header lines and offset resets,
    then join per direction."""
    groups: list[tuple[str | None, int, int, list[_Line]]] = []
    header: str | None = None
    header_number = 0
    current: list[_Line] = []
    unknown: list[tuple[int, str]] = []
    connection, dumps_in_connection = 1, 0

    def close() -> None:
        nonlocal current, dumps_in_connection
        if current:
            groups.append((header, header_number, connection, current))
            dumps_in_connection += 1
        current = []

    for number, line in lines:
        item = _classify(number, line)
        if item is None:
            if current and current[-1].raw_offset:  # blank line ends a tshark -x frame block
                close()
            continue
        if isinstance(item, str):
            close()
            if _NEW_CONNECTION.search(item) and dumps_in_connection:
                connection, dumps_in_connection = connection + 1, 0
            header, header_number = item, number
            if not _DIRECTION.match(item) and not item.endswith(":"):
                unknown.append((number, item))
            continue
        if (current and item.raw_offset and item.raw_offset != "*" and current[0].raw_offset
                and int(item.raw_offset, 16) == 0):
            close()  # offsets restart: a new dump
        current.append(item)
    close()
    if not groups:
        number, text = unknown[0] if unknown else (1, "")
        raise DecodeError(f"line {number} is not hex: {text[:60]!r}", field="hex", context=source)
    blocks = [_block_bytes(lines_, label, source, budget) for label, _, _, lines_ in groups]
    return _join_directions(blocks, [(label, number, connection)
                                     for label, number, connection, _ in groups], source, budget)


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
            step, count = stop - start, len(line.bytes)
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


def _block_bytes(lines: list[_Line], label: str | None, source: str,
                 budget: _Unwritten) -> HexBlock:
    if not any(ln.raw_offset and not ln.repeat for ln in lines):  # hex lines without offsets
        if any(ln.repeat for ln in lines):
            raise DecodeError(f"line {next(ln.number for ln in lines if ln.repeat)} is `*`, which "
                              "stands for repeated lines, but without offsets their number is "
                              "unknown; dump with `od -v`/`hexdump -v` or keep the offsets",
                              field="hex", context=source)
        data = bytes(value for ln in lines for _, value in ln.bytes)
        return HexBlock(data, label or source, "hex lines")
    radix, radix_note = _resolve_radix(lines)
    out = bytearray()
    notes: list[str] = [radix_note] if radix_note else []
    full_line_end: int | None = None
    last_taken: list[tuple[int, int]] = []
    pending_repeat: _Line | None = None
    elided = False
    for index, line in enumerate(lines):
        if line.repeat:
            pending_repeat = line
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
        if pending_repeat is not None:
            chunk = bytes(v for _, v in last_taken)
            if chunk and offset > len(out):  # whole copies of the line, then what is left
                budget.spend(offset - len(out), pending_repeat.number, "`*`")
                copies, part = divmod(offset - len(out), len(chunk))
                out += chunk * copies + chunk[:part]
            pending_repeat = None
        if offset != len(out):
            raise DecodeError(f"line {line.number}: offset {line.raw_offset} does not follow the "
                              f"{len(out)} bytes before it (a line is missing or repeated)",
                              field="hex", context=source)
        nxt = _next_offset_line(lines, index)
        if nxt is not None and nxt.repeat:
            taken = _last_line_bytes(line, full_line_end)  # a full line, repeated after it
        elif nxt is not None:
            count = int(nxt.raw_offset, radix) - offset
            if nxt.truncated_to is not None:
                count = min(len(line.bytes), count)
            if count > len(line.bytes):
                raise DecodeError(f"line {line.number} holds {len(line.bytes)} bytes but the next "
                                  f"offset says {count}", field="hex", context=source)
            taken = line.bytes[:count]
            if taken:
                column_end = taken[-1][0] + 2
                full_line_end = column_end if full_line_end is None else max(full_line_end,
                                                                             column_end)
        else:
            taken = _last_line_bytes(line, full_line_end)
        out += bytes(v for _, v in taken)
        last_taken = taken
    return HexBlock(bytes(out), label or source, "offset dump", tuple(notes), elided)


def _next_offset_line(lines: list[_Line], index: int) -> _Line | None:
    for candidate in lines[index + 1:]:
        if candidate.repeat or candidate.raw_offset:
            return candidate
    return None


def _last_line_bytes(line: _Line, full_line_end: int | None) -> list[tuple[int, int]]:
    """The last line has no next offset: cut where full lines end, or at the first wide gap."""
    if not line.bytes:
        return []
    if full_line_end is not None:
        return [(c, v) for c, v in line.bytes if c < full_line_end]
    taken = [line.bytes[0]]
    for column, value in line.bytes[1:]:
        if column - (taken[-1][0] + 2) >= 3:  # ASCII column after a run of spaces
            break
        taken.append((column, value))
    return taken


def _join_directions(blocks: list[HexBlock], labels: list[tuple[str | None, int, int]],
                     source: str, budget: _Unwritten) -> list[HexBlock]:
    """`read from`/`write to` and `>>>`/`<<<` dumps: join the blocks of each direction, per
    connection (the BIO address, and the lines that start a connection)."""
    streams: dict[str, tuple[bytearray, list[str]]] = {}
    others: list[HexBlock] = []
    order: list[str] = []
    several = len({connection for _, _, connection in labels}) > 1
    for block, (label, number, connection) in zip(blocks, labels):
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
                budget.spend(missing, number, "the header's byte count")
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
            direction = f"{direction}, connection {connection}"
        if direction not in streams:
            streams[direction] = (bytearray(), [])
            order.append(direction)
        streams[direction][0].extend(block.data)
        streams[direction][1].extend(block.notes)
    joined = [HexBlock(bytes(streams[d][0]), d, "labelled log",
                       tuple(streams[d][1])) for d in order]
    return joined + others
