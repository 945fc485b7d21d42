"""What the commands print on a terminal versus into a pipe: JSON and a progress line."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TextIO


def json_text(payload: Any, indent: int | None = None) -> str:
    """JSON that is safe on a terminal: every character Python does not call printable is a
    \\u escape (valid JSON, the same value), newlines only between values when indented."""
    text = json.dumps(payload, indent=indent, ensure_ascii=False)
    if text.replace("\n", "").isprintable():
        return text
    return "".join(c if c.isprintable() or c == "\n" else _json_escape(c) for c in text)


def _json_escape(character: str) -> str:
    """RFC 8259 §7: \\uXXXX, as a UTF-16 surrogate pair above U+FFFF."""
    code = ord(character)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def emit_json(payload: Any, out: TextIO) -> None:
    """Indented for a person at a terminal; compact (and several times faster: the C encoder)
    when piped, e.g. into jq. Terminal-safe either way (json_text)."""
    out.write(json_text(payload, indent=2 if out.isatty() else None))
    out.write("\n")


def progress_printer(err: TextIO, render: Callable[[int, int, str], str]):
    """A one-line progress display on a terminal, `render(done, total, current)` as its text,
    cleared when done reaches total; None when stderr is not a terminal."""
    if not err.isatty():
        return None

    def show(done: int, total: int, current: str = "") -> None:
        err.write("\r\x1b[K" if done >= total else f"\r\x1b[K{render(done, total, current)}")
        err.flush()
    return show


def joined(words) -> str:
    """"A", "A and B", "A, B and C": a list in a sentence."""
    words = list(words)
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def counted(count: int, noun: str) -> str:
    """"1 client", "2 clients": a count with its noun (plural by -s)."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
