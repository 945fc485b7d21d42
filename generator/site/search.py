"""Each case's exact symptom strings in the search index, so that pasting one finds its case.

Material (9.8.2) searches with lunr in a web worker. Every word typed becomes an optional
prefix term (`key*`), each document (one per page section) scores the sum of its matching
terms' tf-idf weights times the field's boost (title 1e3, text 1, tags 1e6 by default) and the
page's `search.boost`, then times 1 + (1 for a page's first section + the share of query words
matched)². So a phrase has no weight of its own: one query word in a title or a tag beats every
word of the phrase in a section's text. The search configuration in mkdocs.yml gives the
symptom strings a field of their own, `symptoms`, as strong as a title, and this module puts
them into it: on the Symptoms section of their case page, whose text shows them too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.errors import TlskbError
from generator.site.safe import text_content

#: the search field (mkdocs.yml: plugins.search.fields) that holds the symptom strings
SYMPTOMS_FIELD = "symptoms"
#: the id of the case page's Symptoms heading (pages.case_page), the section they go on
SYMPTOMS_SECTION = "symptoms"


class SearchIndexError(TlskbError):
    """The search index cannot take the symptom strings."""


@dataclass(frozen=True, slots=True)
class CaseSymptoms:
    """A case page's address in the search index (`cases/x.html`) and its symptom strings."""
    location: str
    texts: tuple[str, ...]


def with_symptoms(index: Mapping, cases: Sequence[CaseSymptoms]) -> dict:
    """A copy of Material's search index (search_index.json, parsed) in which the Symptoms
    section of every case page has that case's symptom strings as its `symptoms` field, as
    HTML text (escaped once, as Material holds its own text; its worker reads the index as
    HTML). Raises SearchIndexError when the index has no such field configured or a case page
    has no Symptoms section in it."""
    if SYMPTOMS_FIELD not in index["config"]["fields"]:
        raise SearchIndexError(
            f"search index: no '{SYMPTOMS_FIELD}' field in its configuration, so the symptom "
            f"strings would not be searched; add `{SYMPTOMS_FIELD}: {{boost: …}}` to "
            "plugins.search.fields in mkdocs.yml")
    wanted = {f"{case.location}#{SYMPTOMS_SECTION}": case for case in cases}
    docs = []
    for doc in index["docs"]:
        case = wanted.pop(doc["location"], None)
        if case is not None:
            doc = {**doc, SYMPTOMS_FIELD: [text_content(text) for text in case.texts]}
        docs.append(doc)
    if wanted:
        raise SearchIndexError(
            f"search index: no section {', '.join(sorted(wanted))} for the symptom strings; "
            f"case pages must keep their Symptoms heading (id '{SYMPTOMS_SECTION}', "
            "pages.case_page)")
    return {**index, "docs": docs}


def add_symptoms(index_path: Path, cases: Sequence[CaseSymptoms]) -> None:
    """Rewrite the search index file Material wrote at `index_path` with `with_symptoms`, in
    Material's own JSON form."""
    if not index_path.is_file():
        raise SearchIndexError(f"search index: {index_path} does not exist; the search plugin "
                               "must come before tlskb in mkdocs.yml's plugins")
    index = json.loads(index_path.read_text(encoding="utf-8"))
    index_path.write_text(json.dumps(with_symptoms(index, cases), separators=(",", ":")),
                          encoding="utf-8")
