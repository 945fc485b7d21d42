"""The home page's views (pure): the answer box (what to request, by key type) and the case ×
key type matrix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from generator.cases.model import Case
from generator.compat.keytypes import Catalogue
from generator.site.views.answers import Answers
from generator.i18n import _
from generator.site.views.cases import state_words
from generator.site.views.common import Linker, OutcomeMark, case_title, outcome_mark
from generator.site.views.marks import Link


@dataclass(frozen=True, slots=True)
class AnswerRow:
    label: str
    key_id: str
    href: str
    failing_cases: tuple[Link, ...]
    clients_failing: int
    clients_depending: int
    issuers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AnswerBox:
    best: AnswerRow
    rows: tuple[AnswerRow, ...]
    cases_counted: int
    cases_total: int
    clients_counted: int
    cases_href: str
    clients_href: str


def answer_box(answers: Answers, link: Linker) -> AnswerBox:
    rows = tuple(AnswerRow(a.key_type.label, a.key_type.id, link(f"key-types/{a.key_type.id}.md"),
                           tuple(Link(link(f"cases/{c.id}.md"), case_title(c))
                                 for c in a.failing_cases),
                           len(a.clients_failing), len(a.clients_depending), a.issuers)
                 for a in answers.by_key_type)
    best = next(r for r in rows if r.key_id == answers.best.key_type.id)
    return AnswerBox(best, rows, answers.cases_counted, answers.cases_total,
                     answers.best.clients_counted, link("cases/index.md"),
                     link("clients/index.md"))


@dataclass(frozen=True, slots=True)
class MatrixRow:
    case: Link
    state: str
    marks: tuple[OutcomeMark, ...]


@dataclass(frozen=True, slots=True)
class CaseMatrix:
    key_types: tuple[str, ...]      # column headers: the key types' labels
    rows: tuple[MatrixRow, ...]
    server: str                     # what the replayed marks were replayed against


def case_matrix(cases: Sequence[Case], catalogue: Catalogue, link: Linker) -> CaseMatrix:
    rows = tuple(MatrixRow(Link(link(f"cases/{c.id}.md"), case_title(c)), state_words(c.status.state).lower(),
                           tuple(outcome_mark(c.outcome(k.id)) for k in catalogue.key_types))
                 for c in cases)
    server = next((c.replayed_against for c in cases if c.replayed_against),
                  _("the reference server"))
    return CaseMatrix(tuple(k.label for k in catalogue.key_types), rows, server)
