"""The key-type catalogue's prose in another language: data/<language>/catalogue.yaml beside
data/catalogue.yaml, an overlay (generator/overlays.py) holding only what a reader reads — each
authority's reason for refusing a key type, each ACME client's history — keyed by the English
file's ids. Ids, labels, names, options, commands, defaults and sources stay the English
catalogue's own.

`catalogue_in(language)` is the catalogue with that prose in place (the same Catalogue type as
`keytypes.catalogue()`, which it is for the source language); `untranslated_fields(language)`
names the prose still in English, for `tlskb check`'s notes.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path

from generator.cases.yamlpos import shown_path
from generator.compat import keytypes
from generator.compat.keytypes import DATA, Catalogue, catalogue
from generator.languages import NAMES, SOURCE, Language
from generator.overlays import Overlay, Prose, language_of, read_overlay

#: the schema every translation of the catalogue follows
OVERLAY_SCHEMA = DATA / "catalogue.translation.schema.yaml"
#: what `tlskb check`'s note calls the file translated
WHAT = "the key-type catalogue"


def overlay_file(language: Language) -> Path:
    """Where the catalogue's prose in `language` is: data/<language>/catalogue.yaml."""
    return DATA / language.value / "catalogue.yaml"


def prose(english: Catalogue) -> Prose:
    """The catalogue's prose fields by their place in an overlay, with their English: every
    authority's reason for each key type it refuses, every ACME client's history."""
    fields: dict[tuple[str, ...], str] = {}
    for authority in english.authorities:
        for key_id, reason in authority.refuses:
            fields[("authorities", authority.id, "refuses", key_id)] = reason
    for client in english.clients:
        fields[("acme_clients", client.id, "history")] = client.history
    return fields


def catalogue_in(language: Language) -> Catalogue:
    """The catalogue with its prose in `language` wherever the overlay gives it (the rest
    English); the catalogue itself for the source language. OverlayError lists every problem
    of the overlay at its file:line:col."""
    english, language = catalogue(), language_of(language, WHAT)
    if language is SOURCE:
        return english
    return _translated(english, language)


def untranslated_fields(language: Language) -> tuple[str, ...]:
    """The catalogue's prose fields `language` has no text for (acme_clients.lego.history,
    authorities.letsencrypt.refuses.ec521), in the catalogue's order: none for the source
    language, every one when the overlay file is absent."""
    english, language = catalogue(), language_of(language, WHAT)
    if language is SOURCE:
        return ()
    return _overlay(english, language).untranslated(prose(english))


@cache
def _overlay(english: Catalogue, language: Language) -> Overlay:
    """The overlay, read once per catalogue (a test's catalogue has other ids)."""
    return read_overlay(overlay_file(language), OVERLAY_SCHEMA, prose(english), language,
                        english=shown_path(keytypes.CATALOGUE_FILE),
                        what=f"the {NAMES[language]} overlay of {WHAT}")


@cache
def _translated(english: Catalogue, language: Language) -> Catalogue:
    overlay = _overlay(english, language)
    authorities = tuple(
        replace(a, refuses=tuple((key_id, overlay.text(("authorities", a.id, "refuses", key_id),
                                                       reason)) for key_id, reason in a.refuses))
        for a in english.authorities)
    clients = tuple(replace(c, history=overlay.text(("acme_clients", c.id, "history"), c.history))
                    for c in english.clients)
    return replace(english, authorities=authorities, clients=clients)
