"""Message catalogues: every sentence tlskb writes for a reader, in each of its languages.

English is written in the code (templates and `_()` / `reason()` calls): it is the message id.
Each other language's text is in a gettext catalogue, generator/locale/<language>/LC_MESSAGES/
<domain>.po, one per domain:

- `site`: the site's interface (headings, table headers, legends, verdict words, status boxes,
  recommendation sentences), from the templates (Jinja2's i18n extension) and the page and view
  builders;
- `reasons`: why a server stack refuses a ClientHello, or proceeds with a caveat — the
  analyzers' reasons, each a code with parameters (`Message`), rendered in any language.

Babel reads the .po files at run time (no compiled .mo to keep in step); `make messages` extracts
the English from the code and updates every catalogue, and tests/test_messages.py fails when a
catalogue misses a message, keeps a stale one, leaves one untranslated or fuzzy, or changes a
message's placeholders. Placeholders are Python's named ones (`%(group)s`), as Jinja2's
`{% trans %}` writes them.

Which language a message is rendered in is the *active* language (`using`), a context variable
the site's build sets per edition; everything else (the CLI, JSON) stays English.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.support import Translations

from generator.errors import TlskbError
from generator.languages import SOURCE, Language

LOCALE_DIR = Path(__file__).resolve().parent / "locale"


class Domain(StrEnum):
    SITE = "site"
    REASONS = "reasons"


class CatalogueError(TlskbError):
    """A message catalogue that cannot be read."""


def catalogue_path(language: Language, domain: Domain) -> Path:
    return LOCALE_DIR / language.value / "LC_MESSAGES" / f"{domain.value}.po"


@cache
def translations(language: Language, domain: Domain) -> _gettext.NullTranslations:
    """The messages of `domain` in `language` (English: the ids themselves)."""
    if language is SOURCE:
        return _gettext.NullTranslations()
    path = catalogue_path(language, domain)
    try:
        with path.open("rb") as handle:
            catalogue = read_po(handle, locale=language.value, domain=domain.value,
                                abort_invalid=True)
    except (OSError, ValueError, PoFileError) as error:
        raise CatalogueError(f"{path}: cannot read the {language.value} catalogue: {error}; "
                             "run `make messages` to recreate it") from None
    compiled = BytesIO()
    write_mo(compiled, catalogue, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=domain.value)


_active: ContextVar[Language] = ContextVar("tlskb_language", default=SOURCE)


def active() -> Language:
    return _active.get()


@contextmanager
def using(language: Language) -> Iterator[None]:
    """Render every message in `language` inside this block."""
    token = _active.set(language)
    try:
        yield
    finally:
        _active.reset(token)


def gettext(message: str, language: Language | None = None) -> str:
    """`message` (the site's English text) in the active language."""
    return translations(language or active(), Domain.SITE).gettext(message)


def ngettext(singular: str, plural: str, count: int, language: Language | None = None) -> str:
    return translations(language or active(), Domain.SITE).ngettext(singular, plural, count)


#: the marker `make messages` extracts site messages from
_ = gettext


def N_(message: str) -> str:
    """Marks a site message kept in a table to be translated where it is shown (`_(value)`)."""
    return message


@dataclass(frozen=True, slots=True)
class Message:
    """A sentence as a template (its English text, the catalogue's id) and the parameters it is
    filled with: names of protocol things (group names, versions, RFC sections) that read the
    same in every language, or other messages rendered in the same language."""
    template: str
    params: tuple[tuple[str, "str | int | Message"], ...] = ()

    def render(self, language: Language | None = None) -> str:
        language = language or active()
        text = translations(language, Domain.REASONS).gettext(self.template)
        if not self.params:
            return text
        values = {name: value.render(language) if isinstance(value, Message) else value
                  for name, value in self.params}
        return text % values

    def __str__(self) -> str:
        return self.render(SOURCE)


def reason(template: str, **params: "str | int | Message") -> Message:
    """A reason message (the `reasons` domain): `template` is its English text with `%(name)s`
    placeholders; `make messages` extracts it."""
    return Message(template, tuple(params.items()))


#: the template of `verbatim`: no words of its own, so no catalogue entry (not a `reason()`)
VERBATIM = "%(text)s"


def verbatim(text: str) -> Message:
    """`text` as a message that reads the same in every language: names of protocol things
    (a list of group names, a field name) with no words to translate, where a message is
    expected."""
    return Message(VERBATIM, (("text", text),))
