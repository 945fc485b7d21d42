"""The key-type pages' views (pure): the opening verdict (what to request instead, which current
cases and client configurations fail), who issues the key type, how each ACME client requests
it, and every case's outcome."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from generator.cases.model import Case
from generator.compat.keytypes import Catalogue, KeyType
from generator.site.safe import inline_prose
from generator.site.views.answers import Alternative, Answers, alternative
from generator.i18n import _
from generator.site.views.common import (Linker, OutcomeMark, case_title, outcome_mark,
                                         reason_text)
from generator.site.views.marks import Link
from generator.stacks import DEFAULT

#: client configurations named in the opening line before "and N more"
NAMED_CLIENTS = 6


@dataclass(frozen=True, slots=True)
class Verdict:
    """The page's first line."""
    label: str
    key_id: str
    is_best: bool
    failing_cases: tuple[Link, ...]
    cases_counted: int
    clients_failing: tuple[Link, ...]
    clients_depending: int
    clients_counted: int
    alternative: Alternative | None
    alternative_href: str | None
    issued: bool


@dataclass(frozen=True, slots=True)
class AuthorityRow:
    name: str
    issues: bool
    why_not: str | None


@dataclass(frozen=True, slots=True)
class RequestRow:
    """A command to request a key type: named by the ACME client (on a key type's page) or by
    the key type (on an ACME client's page)."""
    name: str
    href: str
    command: str | None
    is_default: bool


@dataclass(frozen=True, slots=True)
class CaseRow:
    case: Link
    mark: OutcomeMark
    why: str | Markup


@dataclass(frozen=True, slots=True)
class KeyTypePage:
    label: str
    key_id: str
    detail: str
    verdict: Verdict
    authorities: tuple[AuthorityRow, ...]
    requests: tuple[RequestRow, ...]
    cases: tuple[CaseRow, ...]


def describe(key_type: KeyType) -> str:
    """What the key is, as the page's second line says it ("A certificate with …")."""
    if key_type.algorithm == "rsa":
        return _("A certificate with an RSA key of %(size)s bits.") % {"size": key_type.size}
    if key_type.algorithm == "ecdsa":
        return _("A certificate with an ECDSA key on the %(curve)s curve.") % {
            "curve": key_type.curve}
    return _("A certificate with an Ed25519 key (EdDSA, RFC 8410).")


def verdict(answers: Answers, key_type: KeyType, link: Linker) -> Verdict:
    answer = answers.answer(key_type.id)
    other = alternative(answers, key_type.id)
    return Verdict(
        key_type.label, key_type.id, answers.best.key_type.id == key_type.id,
        tuple(Link(link(f"cases/{c.id}.md"), case_title(c)) for c in answer.failing_cases),
        answers.cases_counted,
        tuple(Link(link(f"clients/{c.id}.md"), c.id) for c in answer.clients_failing),
        len(answer.clients_depending), answer.clients_counted, other,
        link(f"key-types/{other.key_type.id}.md") if other else None, bool(answer.issuers))


def case_reason(case: Case, key_id: str) -> str | Markup:
    """Why a case's outcome for a key type is what it is: the analyzer's reason for a replayed
    outcome (its first sample's), the case's note for a documented one."""
    outcome = case.outcome(key_id)
    if outcome.basis == "replayed":
        result = next((r for r in case.stack_results(DEFAULT) if r.key_type == key_id), None)
        if result is not None:
            return reason_text(result.verdict) or result.verdict.summary()
    return Markup(inline_prose(outcome.note)) if outcome.note else ""


def key_type_page(key_type: KeyType, catalogue: Catalogue, cases: Sequence[Case],
                  answers: Answers, link: Linker) -> KeyTypePage:
    authorities = tuple(AuthorityRow(a.name, key_type.id in a.issues, dict(a.refuses).get(key_type.id))
                        for a in catalogue.authorities)
    requests = tuple(RequestRow(c.name, link(f"acme-clients/{c.id}.md"), c.command(key_type.id),
                                c.default == key_type.id) for c in catalogue.clients)
    rows = tuple(CaseRow(Link(link(f"cases/{c.id}.md"), case_title(c)),
                         outcome_mark(c.outcome(key_type.id)), case_reason(c, key_type.id))
                 for c in cases)
    return KeyTypePage(key_type.label, key_type.id, describe(key_type),
                       verdict(answers, key_type, link), authorities, requests, rows)
