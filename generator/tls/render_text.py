"""Print a tree.Node as indented text, like `tshark -V`, optionally coloured for a terminal.
No label reaches the terminal with a control character in it (only the colours added here)."""

from __future__ import annotations

import re

from generator.printable import printable_line
from generator.tls.tree import Node

INDENT = "    "
_BOLD, _DIM, _CYAN, _MAGENTA, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[36m", "\x1b[35m", "\x1b[0m"
_CODEPOINT = re.compile(r"\((0x[0-9a-f]+|\d+)\)$")


def _paint(node: Node, depth: int) -> str:
    label = printable_line(node.label)
    if node.grease:
        return f"{_DIM}{label}{_RESET}"
    if node.generated:
        return f"{_MAGENTA}{label}{_RESET}"
    if node.children and depth <= 2:
        return f"{_BOLD}{label}{_RESET}"
    label = _CODEPOINT.sub(lambda m: f"{_DIM}({m.group(1)}){_RESET}", label)
    head, sep, tail = label.partition(": ")
    return f"{head}{sep}{_CYAN}{tail}{_RESET}" if sep else label


def render(node: Node, colour: bool = False) -> str:
    lines: list[str] = []

    def visit(current: Node, depth: int) -> None:
        text = _paint(current, depth) if colour else printable_line(current.label)
        lines.append(INDENT * depth + text)
        for child in current.children:
            visit(child, depth + 1)

    visit(node, 0)
    return "\n".join(lines)
