"""Load a YAML case file into plain data, remembering where every value came from.

Safe by construction: only YAML's core types (no object tags), no anchors or aliases (so no
alias bombs), one document, no duplicate keys, a size limit checked before parsing, a nesting
limit checked on the parser's events before anything is built (so no recursion runs deeper than
that), and numbers of at most a few digits (Python refuses to convert very long ones, and
sexagesimal ones cost quadratic time). Dates stay the strings they were written as, so the
schema sees what the author typed. Every problem is reported with its line and column, all of
them at once where parsing allows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from generator.printable import printable_line

#: case files are prose and a few ClientHellos; anything larger is a mistake or an attack
MAX_BYTES = 256 * 1024
#: a case nests six levels (samples, a sample, provenance, placeholders, a placeholder)
MAX_DEPTH = 20
#: the longest number a case holds is a byte offset or a year
MAX_NUMBER_CHARACTERS = 20
#: what YAML 1.1 counts as a line break (§5.4), so that line numbers agree with the parser's
LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")

Path = tuple  # a JSON-pointer-like path: ("samples", 0, "hex")


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong in a case file, at a place, with what to do about it."""
    file: str
    line: int
    column: int
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        """One line that no terminal or log viewer acts on: the file name, the message and the
        hint quote the file (its keys, values, its very name), so whatever a terminal would
        interpret is escaped (generator/printable.py)."""
        hint = f" ({self.hint})" if self.hint else ""
        return printable_line(f"{self.file}:{self.line}:{self.column}: {self.message}{hint}")


def shown_path(path: FilePath) -> str:
    """`path` as messages name it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(FilePath.cwd().resolve()))
    except ValueError:
        return str(path)


@dataclass
class Located:
    """Plain data plus the (line, column) of each value and each mapping key."""
    data: Any
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    nodes: dict[Path, yaml.Node] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    def char_position(self, path: Path, index: int) -> tuple[int, int] | None:
        """Line and column of the `index`-th character of a block scalar's value (`key: |`),
        counting only non-space characters; None for other scalar styles."""
        node = self.nodes.get(tuple(path))
        if node is None or getattr(node, "style", None) not in ("|", ">"):
            return None
        seen = 0
        for number in range(node.start_mark.line + 1, min(node.end_mark.line + 1, len(self.lines))):
            for column, character in enumerate(self.lines[number]):
                if character.isspace():
                    continue
                if seen == index:
                    return number + 1, column + 1
                seen += 1
        return None

    def find(self, path: Path, needle: str, occurrence: int = 0) -> tuple[int, int] | None:
        """Line and column where `needle` (or, for a control character, one of YAML's escapes
        for it) is written inside the value at `path`, the `occurrence`-th time; None if it is
        not written there literally."""
        node = self.nodes.get(tuple(path))
        if node is None or not needle:
            return None
        forms = [needle] + (_escapes(needle) if len(needle) == 1 else [])
        found: list[tuple[int, int]] = []
        first, last = node.start_mark, node.end_mark
        for number in range(first.line, min(last.line + 1, len(self.lines))):
            line = self.lines[number]
            start = first.column if number == first.line else 0
            end = last.column if number == last.line else len(line)
            for form in forms:
                column = line.find(form, start, end)
                while column != -1:
                    found.append((number + 1, column + 1))
                    column = line.find(form, column + len(form), end)
        found.sort()
        return found[occurrence] if occurrence < len(found) else None

    def where(self, path: Path, key: bool = False) -> tuple[int, int]:
        """The position of `path`, or of its nearest ancestor that has one."""
        table = self.keys if key else self.values
        path = tuple(path)
        while path:
            if path in table:
                return table[path]
            if key and path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), (1, 1))


#: YAML's named escapes in double-quoted scalars (YAML 1.1 §5.7)
_NAMED_ESCAPES = {"\0": "0", "\a": "a", "\b": "b", "\t": "t", "\n": "n", "\v": "v",
                  "\f": "f", "\r": "r", "\x1b": "e", "\x85": "N", "\xa0": "_"}


def _escapes(character: str) -> list[str]:
    """How a double-quoted YAML scalar can write `character`."""
    code = ord(character)
    forms = [f"\\x{code:02x}", f"\\x{code:02X}"] if code < 0x100 else []
    forms += [f"\\u{code:04x}", f"\\u{code:04X}", f"\\U{code:08x}", f"\\U{code:08X}"]
    if character in _NAMED_ESCAPES:
        forms.append("\\" + _NAMED_ESCAPES[character])
    return list(dict.fromkeys(forms))


class _Constructor(SafeConstructor):
    pass


#: libyaml's parser (PyYAML's C extension, in every PyYAML wheel) is about 10x faster than the
#: pure-Python one and reports the same positions; only some syntax-error wordings differ
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _position(mark: yaml.Mark | None) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def load_mapping(text: str, source: str, not_a_mapping: str,
                 hint: str) -> tuple[Located | None, list[Problem]]:
    """`load` for a file whose top level must be a mapping (a case, a translation, an
    overlay): any other value is one problem at 1:1, `not_a_mapping` saying what the file is
    and `hint` what to do."""
    located, problems = load(text, source)
    if located is not None and not isinstance(located.data, dict):
        return None, [Problem(source, 1, 1, not_a_mapping, hint)]
    return located, problems


def load(text: str, source: str) -> tuple[Located | None, list[Problem]]:
    """Parse `text`; return the located data (None if unusable) and every problem found."""
    problems: list[Problem] = []

    def problem(mark, message: str, hint: str | None = None) -> None:
        line, column = _position(mark)
        problems.append(Problem(source, line, column, message, hint))

    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        return None, [oversized(source, size)]
    if not text.strip():
        problem(None, "the file is empty", "start from `tlskb new ID`")
        return None, problems
    anchors: list[yaml.Event] = []
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                anchors.append(event)
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    problem(event.start_mark, f"values are nested more than {MAX_DEPTH} levels "
                                              "deep here", "a case nests a few levels; check "
                                                           "the brackets and the indentation")
                    return None, problems
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        what = getattr(error, "problem", None) or str(error)
        problem(mark, f"YAML syntax error: {what}", "check indentation and quoting here")
        return None, problems
    if anchors:  # refused outright: aliases are how "billion laughs" files explode
        first = anchors[0]
        kind = "alias *" if isinstance(first, yaml.AliasEvent) else "anchor &"
        others = f" ({len(anchors) - 1} more anchors/aliases follow)" if len(anchors) > 1 else ""
        problem(first.start_mark, f"{kind}{first.anchor} is not allowed in case files{others}",
                "write values out in full; anchors and aliases are refused")
        return None, problems
    try:
        documents = list(yaml.compose_all(text, Loader=_LOADER))
    except yaml.YAMLError as error:  # pragma: no cover - parse() above already caught syntax
        problem(getattr(error, "problem_mark", None), f"YAML error: {error}")
        return None, problems
    if len(documents) != 1 or documents[0] is None:
        problem(None, f"expected one YAML document, found {len(documents)}",
                "remove extra '---' separators")
        return None, problems
    located = Located(None, lines=LINE_BREAK.split(text))
    located.data = _construct(documents[0], (), located, problem)
    return (None if problems else located), problems


def _construct(node: yaml.Node, path: Path, located: Located, problem) -> Any:
    located.values[path] = _position(node.start_mark)
    located.nodes[path] = node
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in (
            "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"):
        problem(node.start_mark, f"tag {node.tag} is not allowed in case files",
                "case files hold plain strings, numbers, lists and mappings")
        return None
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                problem(key_node.start_mark, "mapping keys must be plain words",
                        "quote the key or rename it")
                continue
            key = key_node.value
            if key in result:
                first = located.keys[path + (key,)]
                problem(key_node.start_mark, f"duplicate key '{key}' (first at line {first[0]})",
                        "keep one of them")
                continue
            located.keys[path + (key,)] = _position(key_node.start_mark)
            result[key] = _construct(value_node, path + (key,), located, problem)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, path + (index,), located, problem)
                for index, item in enumerate(node.value)]
    tag = node.tag
    if tag == "tag:yaml.org,2002:timestamp":
        return node.value  # keep dates as written; the schema checks their form
    if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
        return _number(node, problem)
    if tag in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool"):
        return _Constructor().construct_object(node)
    problem(node.start_mark, f"tag {tag} is not allowed in case files",
            "case files hold plain strings, numbers, lists and mappings")
    return None


def _number(node: yaml.ScalarNode, problem) -> int | float | None:
    """An int or float scalar, refused when longer than any number a case holds (Python will
    not convert an integer of over 4300 digits, and a long sexagesimal one costs quadratic
    time) or when YAML's resolver took something unconvertible for a number (`0b_`, `0x_`)."""
    if len(node.value) > MAX_NUMBER_CHARACTERS:
        problem(node.start_mark, f"a number of {len(node.value)} characters; numbers in case "
                                 f"files have at most {MAX_NUMBER_CHARACTERS}",
                "put text in quotes")
        return None
    try:
        return _Constructor().construct_object(node)
    except (ValueError, OverflowError):
        problem(node.start_mark, f"{node.value!r} looks like a number but is not one",
                "put text in quotes")
        return None


def oversized(source: str, size: int) -> Problem:
    """The problem of a file over MAX_BYTES, refused before it is read or parsed."""
    return Problem(source, 1, 1, f"the file is {size} bytes; case files are at most {MAX_BYTES}",
                   "split the samples into separate cases or trim them")
