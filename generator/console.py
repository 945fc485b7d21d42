"""What the commands print on a terminal versus into a pipe: JSON and a progress line."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TextIO


def emit_json(payload: Any, out: TextIO) -> None:
    """Indented for a person at a terminal; compact (and several times faster: the C encoder)
    when piped, e.g. into jq."""
    out.write(json.dumps(payload, indent=2 if out.isatty() else None, ensure_ascii=False))
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
