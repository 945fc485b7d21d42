"""The site's languages (pure data): each is an edition of the whole site, built from the same
cases and catalogue — English at the site's root, every other language in a folder of its own
(`ja/`), with every page of the English edition at the same address inside it.

A hand-written page's translation is kb/<folder>/<the English page's path> (kb/ja/index.md for
kb/index.md); a page without one, and every generated page whose builder wrote English, shows
the English text under a note, in the edition's language, that it is not translated yet."""

from __future__ import annotations

from dataclasses import dataclass

from generator.languages import SOURCE, Language


@dataclass(frozen=True, slots=True)
class Edition:
    language: Language
    #: the language's name in that language, for the switcher
    name: str
    #: where the edition sits in the built site, and where kb/ holds its translations
    folder: str
    #: the languages Material's search (lunr) is given: English words (error messages, names)
    #: stay searchable with English stemming on every edition; `ja` adds Japanese segmentation
    search_lang: tuple[str, ...]
    #: the note above a page shown in English, as (heading, sentence); None for English
    untranslated: tuple[str, str] | None


EDITIONS = {
    Language.EN: Edition(Language.EN, "English", "", ("en",), None),
    Language.JA: Edition(Language.JA, "日本語", "ja", ("en", "ja"),
                         ("未翻訳", "この項目はまだ翻訳されていません。英語の原文を表示しています。")),
}
DEFAULT = SOURCE


def site_path(language: Language, url: str) -> str:
    """Where a page at `url` (its address inside its edition) is in the whole built site."""
    folder = EDITIONS[language].folder
    return f"{folder}/{url}" if folder else url


def translation_path(language: Language, src_uri: str) -> str | None:
    """The kb/-relative path of a hand-written page's translation (None for English)."""
    folder = EDITIONS[language].folder
    return f"{folder}/{src_uri}" if folder else None


def is_translation(src_uri: str) -> bool:
    """A file under kb/ that belongs to another edition than the one it would be copied into:
    kb/ja/… is the Japanese text of kb/…, never a page of its own."""
    return any(edition.folder and src_uri.startswith(edition.folder + "/")
               for edition in EDITIONS.values())
