"""The server stacks' prose in another language: data/<language>/stacks.yaml beside
data/stacks.yaml, an overlay (generator/overlays.py) holding what a reader reads of each stack —
the library the verdicts are for, the server programs that use it (each named by its exact
English text; a name that reads the same is given as it is) — keyed by the stack's id. Ids and
labels stay the English file's own.

`stacks_in(language)` is `stacks()` with that prose in place (the same Stack values, in the same
order; `stacks()` itself for the source language), `stack_in` one of them;
`untranslated_fields(language)` names the prose still in English, for `tlskb check`'s notes.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path

from generator.languages import NAMES, SOURCE, Language
from generator.overlays import Overlay, Prose, language_of, read_overlay
from generator.stacks import Stack, StackId, stacks

DATA = Path(__file__).resolve().parent / "data"
#: the English list of stacks, and the schema every translation of its prose follows
STACKS_FILE = DATA / "stacks.yaml"
OVERLAY_SCHEMA = DATA / "stacks.translation.schema.yaml"
#: what `tlskb check`'s note calls the file translated
WHAT = "the server stacks"


def overlay_file(language: Language) -> Path:
    """Where the stacks' prose in `language` is: data/<language>/stacks.yaml."""
    return DATA / language.value / "stacks.yaml"


def prose(english: tuple[Stack, ...]) -> Prose:
    """The stacks' prose fields by their place in an overlay, with their English: each
    stack's library and each of its programs (keyed by its own text)."""
    fields: dict[tuple[str, ...], str] = {}
    for stack in english:
        fields[("stacks", stack.id.value, "library")] = stack.library
        for program in stack.programs:
            fields[("stacks", stack.id.value, "programs", program)] = program
    return fields


def stacks_in(language: Language) -> tuple[Stack, ...]:
    """Every stack, in data/stacks.yaml's order, with its prose in `language` wherever the
    overlay gives it (the rest English); `stacks()` itself for the source language.
    OverlayError lists every problem of the overlay at its file:line:col."""
    english, language = stacks(), language_of(language, WHAT)
    if language is SOURCE:
        return english
    return _translated(english, language)


def stack_in(stack_id: StackId, language: Language) -> Stack:
    """One stack, as `stacks_in(language)` gives it."""
    return next(s for s in stacks_in(language) if s.id is stack_id)


def untranslated_fields(language: Language) -> tuple[str, ...]:
    """The stacks' prose fields `language` has no text for (stacks.go.library,
    stacks.openssl.programs."Exim built with OpenSSL"), in data/stacks.yaml's order: none for
    the source language, every one when the overlay file is absent."""
    english, language = stacks(), language_of(language, WHAT)
    if language is SOURCE:
        return ()
    return _overlay(english, language).untranslated(prose(english))


@cache
def _overlay(english: tuple[Stack, ...], language: Language) -> Overlay:
    from generator.cases.yamlpos import shown_path
    return read_overlay(overlay_file(language), OVERLAY_SCHEMA, prose(english), language,
                        english=shown_path(STACKS_FILE),
                        what=f"the {NAMES[language]} overlay of {WHAT}")


@cache
def _translated(english: tuple[Stack, ...], language: Language) -> tuple[Stack, ...]:
    overlay = _overlay(english, language)

    def translated(stack: Stack) -> Stack:
        place = ("stacks", stack.id.value)
        return replace(stack, library=overlay.text(place + ("library",), stack.library),
                       programs=tuple(overlay.text(place + ("programs", program), program)
                                      for program in stack.programs))

    return tuple(translated(stack) for stack in english)
