"""Prose overlays: the sentences a reader reads in one of tlskb's own data files (the key-type
catalogue, the list of server stacks) in another language, in a file beside it
(`data/<language>/<name>.yaml`).

An overlay follows the design of a case's translation (generator/cases/translation.py): it
holds only prose, keyed by what the English file names — ids and field names, a list item by its
exact English text — so the English file stays the one source of every fact (ids, options,
commands, versions, sources). It is read as case files are (safe YAML with positions: no tags,
anchors or duplicate keys), checked against its schema and the site's text rules (it is
published the same way), and everything it names must be in the English file; OverlayError
lists every problem at its file:line:col. A prose field the overlay leaves out is no problem:
the page shows the English, and `Overlay.untranslated` names it for `tlskb check`'s notes.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.errors import TlskbError, UsageError
from generator.languages import NAMES, SOURCE, TRANSLATIONS, Language

#: a prose field's place in its file, in the overlay's terms: ("acme_clients", "lego",
#: "history"), ("stacks", "openssl", "programs", "Exim built with OpenSSL")
FieldPath = tuple[str, ...]
#: a data file's prose fields, each with its English text
Prose = Mapping[FieldPath, str]

if TYPE_CHECKING:   # yamlpos (and PyYAML) load when an overlay is read, not with the CLI
    from generator.cases.yamlpos import Located, Problem

_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


class OverlayError(TlskbError):
    """An overlay breaks its schema or the text rules, or names what its English file does not
    have; `problems` lists every one, at its file:line:col."""

    def __init__(self, what: str, problems: Iterable[Problem]) -> None:
        self.what = what
        self.problems = tuple(problems)
        super().__init__(f"{what} has {len(self.problems)} problem(s):\n"
                         + "\n".join(map(str, self.problems)))


@dataclass(frozen=True, slots=True)
class Overlay:
    """An overlay as read: its language, the file (as messages name it), whether it exists,
    and its text for each prose field it translates."""
    language: Language
    source: str
    exists: bool
    texts: tuple[tuple[FieldPath, str], ...]

    def text(self, path: FieldPath, english: str) -> str:
        """The field's text in the overlay's language, or `english` where it has none."""
        return dict(self.texts).get(path, english)

    def untranslated(self, prose: Prose) -> tuple[str, ...]:
        """The fields of `prose` the overlay does not translate, named as `dotted` names
        them, in the English file's order."""
        given = dict(self.texts)
        return tuple(dotted(path) for path in prose if path not in given)


def language_of(language: Language | str, what: str) -> Language:
    """`language` as a Language: the source one or a translation (generator/languages.py);
    anything else is a UsageError naming `what` ("the key-type catalogue")."""
    languages = (SOURCE, *TRANSLATIONS)
    if language not in languages:
        raise UsageError(f"{what} is not in the language {language!r}; its languages: "
                         f"{', '.join(known.value for known in languages)}")
    return Language(language)


def dotted(path: Iterable[Any]) -> str:
    """A field's path as messages name it: acme_clients.lego.history; a key that is not a
    plain word (a program's English text) in quotes: stacks.jsse.programs."Java mail servers"."""
    return ".".join(str(p) if _PLAIN_KEY.match(str(p)) else f'"{p}"' for p in path)


def read_overlay(path: Path, schema: Path, prose: Prose, language: Language,
                 english: str, what: str) -> Overlay:
    """The overlay at `path` (data/<language>/<name>.yaml), checked against `schema`, the
    site's text rules and `prose` (the English file's prose fields; `english` names that
    file in messages); an absent file is an overlay that translates nothing. `what` names the
    overlay in OverlayError's message ("the Japanese overlay of the key-type catalogue")."""
    from generator.cases.schema import schema_problems
    from generator.cases.textrules import located_text_problems
    from generator.cases.yamlpos import Problem, load_mapping, shown_path
    source = shown_path(path)
    if not path.exists() and not path.is_symlink():
        return Overlay(language, source, False, ())
    if path.is_symlink() or not path.is_file():
        raise OverlayError(what, [Problem(source, 1, 1, "not a regular file (a link or a "
                                          "folder is never read)", "put the overlay itself "
                                          "here, as a plain .yaml file")])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise OverlayError(what, [Problem(source, 1, 1, f"cannot read the file: {error}",
                                          "save it as UTF-8")]) from None
    located, problems = load_mapping(text, source, "an overlay is a mapping of the English "
                                     "file's ids to their prose", f"see {schema.name}")
    if located is None:
        raise OverlayError(what, problems)
    problems = schema_problems(located, source, schema, whole="the overlay")
    problems += located_text_problems(located, source, lambda place: place != ("language",))
    if not problems:   # what follows relies on the schema's shapes
        problems = _language_problems(located, source, language, path)
        problems += _name_problems(located, source, prose, english)
    if problems:
        raise OverlayError(what, sorted(problems, key=lambda p: (p.line, p.column)))
    return Overlay(language, source, True, tuple(_leaves(located.data)))


def _leaves(data: dict) -> Iterable[tuple[FieldPath, str]]:
    """(path, text) of every string the overlay gives, but its `language`."""
    def walk(value: Any, path: FieldPath):
        if isinstance(value, dict):
            for key, item in value.items():
                yield from walk(item, path + (key,))
        else:
            yield path, value.strip()
    for key, value in data.items():
        if key != "language":
            yield from walk(value, (key,))


def _language_problems(located: Located, source: str, language: Language,
                       path: Path) -> list[Problem]:
    from generator.cases.yamlpos import Problem
    said = located.data["language"]
    if said == language.value:
        return []
    line, column = located.where(("language",))
    return [Problem(source, line, column, f"language '{said}' in the folder "
                    f"'{path.parent.name}'", f"an overlay in {language.value}/ holds "
                    f"{NAMES[language]}: set language: {language.value}, or move the file")]


def _name_problems(located: Located, source: str, prose: Prose, english: str) -> list[Problem]:
    """Every key the overlay names that is not in the English file, at that key: an id, a
    field or a program the English has not (a typo, or one renamed or removed there), or a
    place the English holds text where the overlay has more keys."""
    from generator.cases.yamlpos import Problem
    children: dict[FieldPath, list[str]] = {}
    for field in prose:
        for depth in range(len(field)):
            known = children.setdefault(field[:depth], [])
            if field[depth] not in known:
                known.append(field[depth])
    problems: list[Problem] = []

    def walk(value: Any, path: FieldPath) -> None:
        if path and path not in prose and path not in children:
            parent, key = path[:-1], path[-1]
            choices = children.get(parent, [])
            close = difflib.get_close_matches(key, choices, n=1, cutoff=0.6)
            has = ", ".join(dotted([c]) for c in choices) or "no prose to translate here"
            hint = (f"did you mean '{close[0]}'? " if close else "") + \
                f"it has here: {has}; translate only what it has (correct the name, or " \
                "remove the entry)"
            line, column = located.where(path, key=True)
            problems.append(Problem(source, line, column, f"{dotted(path)}: the English file "
                                    f"{english} has no {key!r} here to translate", hint))
            return
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, path + (key,))
        elif path in children:
            line, column = located.where(path)
            problems.append(Problem(source, line, column, f"{dotted(path)} should be a mapping "
                                    f"of {', '.join(map(dotted, [[c] for c in children[path]]))} "
                                    "to their translations", f"see {english}"))

    for key, value in located.data.items():
        if key != "language":
            walk(value, (key,))
    return problems


def untranslated_note(overlay: Path, language: Language, fields: tuple[str, ...],
                      what: str) -> str:
    """`tlskb check`'s note on `fields` of `what` ("the key-type catalogue") not translated
    into `language` in `overlay`: shown in English, not a problem."""
    from generator.cases.yamlpos import shown_path
    source = shown_path(overlay)
    if not overlay.exists():
        return (f"{source}: no {NAMES[language]} translation of {what}'s prose; its "
                f"{language.value} pages show the English of {len(fields)} field(s)")
    return (f"{source}: not yet translated: {', '.join(fields)} (the {language.value} pages "
            "show the English)")
