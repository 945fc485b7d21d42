"""The languages the knowledge base is written in: English, the source of every text, and the
translations it carries. One list; the site, the case overlays and `tlskb check` read it."""

from __future__ import annotations

from enum import StrEnum


class Language(StrEnum):
    EN = "en"
    JA = "ja"


#: the language every case, page and message is written in first
SOURCE = Language.EN
#: the languages a case may be translated into (cases/<language>/<id>.yaml)
TRANSLATIONS = (Language.JA,)

#: each language's name in English, for messages (`tlskb check`'s notes)
NAMES = {Language.EN: "English", Language.JA: "Japanese"}
