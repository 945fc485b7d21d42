"""The site's text rules over a YAML file read with positions: every string that holds what
the site would drop or leave inert (generator/site/safe.py decides: control characters,
attribute syntax, links that are not http(s) or #section once entities are decoded, paragraphs
beyond Markdown's budget), and every address the site would not link, as Problems at the file,
line and column where it is written.

One walk for every file whose text the site publishes: case files (check.py), the key-type
catalogue (compat/keytypes.py) and the translations of its and the stacks' prose
(generator/overlays.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from generator.cases.yamlpos import Located, Path, Problem
from generator.site.safe import text_problems, web_address

#: problems reported per string (each is located by a scan of the string: a bound keeps the
#: walk linear in the file's size whatever a string holds)
SHOWN = 10


def located_text_problems(located: Located, source: str,
                          markdown_syntax: Callable[[Path], bool]) -> list[Problem]:
    """What the site would remove or leave inert in each string of `located`, where it is
    written. `markdown_syntax(path)` says whether the string at `path` is held to every rule,
    or (verbatim text, or a value a pattern already limits) only to the control-character one."""
    problems: list[Problem] = []

    def walk(value: Any, path: Path) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, path + (key,))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, path + (index,))
        elif isinstance(value, str):
            problems.extend(_string_problems(located, source, path, value,
                                             markdown_syntax(path)))

    walk(located.data, ())
    return problems


def _string_problems(located: Located, source: str, path: Path, value: str,
                     markdown: bool) -> list[Problem]:
    name = ".".join(map(str, path))
    problems = []
    seen: dict[str, int] = {}

    def at(message: str, hint: str | None, where: tuple[int, int] | None) -> Problem:
        line, column = where or located.where(path)
        return Problem(source, line, column, f"{name}: {message}", hint)

    shown, total = text_problems(value, markdown_syntax=markdown, limit=SHOWN)
    for found in shown:
        occurrence = seen.get(found.written, 0)
        seen[found.written] = occurrence + 1
        problems.append(at(found.message, found.hint,
                           located.find(path, found.written, occurrence)))
    if total > len(shown):
        problems.append(at(f"{total - len(shown)} more like these",
                           "fix the ones above and run tlskb check again", None))
    return problems


def address_problem(located: Located, source: str, path: Path, url: str) -> Problem | None:
    """The problem with an address field (a reference's url, a catalogue source's) that the
    site would not link (safe.web_address), if it has one."""
    if web_address(url) is not None:
        return None
    line, column = located.where(path)
    return Problem(source, line, column, f"'{url}' is not a web address",
                   "give the full https:// address without spaces")
