"""What the page views share (pure): the mark an outcome is shown with, and the link maker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from generator.cases.model import Outcome
from generator.i18n import N_, _, active
from generator.site.safe import web_address

#: maps a page's source path ("key-types/ec384.md") to the href from the page being written
Linker = Callable[[str], str]

SYMBOLS = {"works": "✓", "fails": "✗", "untested": "?"}
#: each result and basis as the site says it (translated where shown)
RESULT_WORDS = {"works": N_("works"), "fails": N_("fails"), "untested": N_("untested")}
BASIS_WORDS = {"replayed": N_("replayed"), "documented": N_("documented")}


@dataclass(frozen=True, slots=True)
class OutcomeMark:
    """An outcome as the site shows it: a symbol, and words for those who cannot see it.

    `basis` is how it is known: "replayed" (the client's recorded hello against the stack's
    library) or "documented" (the case's sources); an untested outcome has no basis."""
    result: str              # works | fails | untested
    basis: str               # replayed | documented

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.result]

    @property
    def word(self) -> str:
        """The result in the active language ("works")."""
        return _(RESULT_WORDS[self.result])

    @property
    def words(self) -> str:
        if self.result == "untested":
            return _("untested: no sample and no source settles it")
        return _("%(result)s, %(basis)s") % {"result": self.word,
                                              "basis": _(BASIS_WORDS[self.basis])}


def case_title(case) -> str:
    """A case's title in the active language: its translation's, else the English one."""
    found = case.translation(active().value)
    return found.title if found is not None and found.title else case.title


def reason_text(verdict) -> str:
    """A failing verdict's reason in the active language ("" for none)."""
    return verdict.reason_message.render() if verdict.reason_message is not None else ""


def caveat_text(verdict) -> str:
    """Why a verdict that proceeds may still lose the client, in the active language."""
    return verdict.caveat_message.render() if verdict.caveat_message is not None else ""


def outcome_mark(outcome: Outcome) -> OutcomeMark:
    return OutcomeMark(outcome.result, outcome.basis)


@dataclass(frozen=True, slots=True)
class SourceLink:
    """A source as the site cites it: linked only when its address is a whole web address
    (safe.web_address, which `tlskb check` enforces too), else shown as written."""
    title: str
    href: str | None
    written: str


def source_link(title: str, url: str) -> SourceLink:
    return SourceLink(title, web_address(url), url)
