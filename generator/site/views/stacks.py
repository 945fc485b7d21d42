"""What the server-stack views show (pure view models of the cases and the stacks list): the
per-stack table on a case page, the home page's stack summary, the stacks index and a page per
stack.

Per-stack results come from the cases' samples, each replayed against every stack's library at
build time (cases/check.py), so a case documented from sources alone has none. Text stays plain
str: the templates escape it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from generator.cases.model import Case, SampleResult
from generator.compat.keytypes import Catalogue
from generator.compat.verdict import VerdictKind
from generator.i18n import N_, _, active
from generator.site.views.common import Linker, case_title, caveat_text, reason_text
from generator.site.views.marks import Link, Mark
from generator.stacks import Stack, stacks
from generator.stacks.translation import stacks_in


SHOWN = {VerdictKind.OK: N_("✓ ok"), VerdictKind.PROCEEDS: N_("~ proceeds"),
         VerdictKind.FAIL: N_("✗ fails")}
CSS = {VerdictKind.OK: "tlskb-works", VerdictKind.PROCEEDS: "tlskb-proceeds",
       VerdictKind.FAIL: "tlskb-fails"}
SPOKEN = {VerdictKind.OK: N_("works"), VerdictKind.PROCEEDS: N_("proceeds: the client may refuse"),
          VerdictKind.FAIL: N_("fails")}


def stack_links(chosen: Sequence[Stack], link: Linker) -> tuple[Link, ...]:
    return tuple(Link(link(f"stacks/{s.id.value}.md"), s.label) for s in chosen)


def worst(results: Sequence[SampleResult]) -> SampleResult:
    """Of one key type's results over a case's samples, the one to show: a failure first, then
    a "proceeds", then the first sample's."""
    order = {VerdictKind.FAIL: 0, VerdictKind.PROCEEDS: 1, VerdictKind.OK: 2}
    return min(results, key=lambda r: order[r.verdict.kind])


def result_mark(result: SampleResult) -> Mark:
    """A verdict as a mark: what it is, how it was proven, and on hover why."""
    verdict = result.verdict
    why = caveat_text(verdict) or reason_text(verdict) or verdict.summary()
    proof = (_("replayed: %(answer)s") % {"answer": result.replay.described().render()}
             if result.replay is not None
             else _("analyzed (the library was not available to replay at build time)"))
    basis = (_("replayed against the library") if result.replay is not None
             else _("analyzed"))
    return Mark(_(SHOWN[verdict.kind]), CSS[verdict.kind],
                _("%(result)s, %(basis)s") % {"result": _(SPOKEN[verdict.kind]), "basis": basis},
                f"{why} — {proof}")


# -- a case's "By server stack" table -----------------------------------------------------------

@dataclass(frozen=True, slots=True)
class KeyTypeRow:
    """A key type's row: its label, and a mark per stack (None: no sample for it)."""
    key_type: str
    cells: tuple[Mark | None, ...]


@dataclass(frozen=True, slots=True)
class CaseStackTable:
    caption: str
    stacks: tuple[Link, ...]
    rows: tuple[KeyTypeRow, ...]
    replayed_against: tuple[str, ...]
    placeholders: bool             # a sample holds placeholder bytes
    placeholder_effects: tuple[str, ...]


def case_stack_table(case: Case, catalogue: Catalogue, link: Linker) -> CaseStackTable | None:
    """The case's key types × stacks over all its samples (the worst sample shown); None when
    the case has no samples."""
    if not case.samples:
        return None
    chosen = stacks()
    rows = []
    for key_type in catalogue.key_types:
        cells = []
        for stack in chosen:
            results = [r for r in case.stack_results(stack.id) if r.key_type == key_type.id]
            cells.append(result_mark(worst(results)) if results else None)
        rows.append(KeyTypeRow(key_type.label, tuple(cells)))
    return CaseStackTable(
        _("%(case)s: each key type against each server stack's library") % {"case": case.title},
        stack_links(chosen, link), tuple(rows),
        tuple(label for _stack, label in case.replayed_by_stack),
        any(s.provenance.placeholders for s in case.samples), case.placeholder_effects)


# -- counts over the cases ----------------------------------------------------------------------

def counts(cases: Sequence[Case], stack: Stack, key_type: str) -> dict[VerdictKind, list[Case]]:
    """The replayed cases whose samples fail, proceed or work with `key_type` on `stack`."""
    found: dict[VerdictKind, list[Case]] = {kind: [] for kind in VerdictKind}
    for case in cases:
        results = [r for r in case.stack_results(stack.id) if r.key_type == key_type]
        if results:
            found[worst(results).verdict.kind].append(case)
    return found


@dataclass(frozen=True, slots=True)
class CountCell:
    """In how many replayed cases a key type fails or only proceeds on a stack, as words."""
    text: str
    css: str
    failing: int
    proceeding: int


@dataclass(frozen=True, slots=True)
class CountRow:
    key_type: str
    cells: tuple[CountCell, ...]


@dataclass(frozen=True, slots=True)
class StackSummary:
    caption: str
    replayed: int
    stacks: tuple[Link, ...]
    rows: tuple[CountRow, ...]


def count_cell(cases: Sequence[Case], stack: Stack, key_type: str) -> CountCell:
    found = counts(cases, stack, key_type)
    failing, proceeding = len(found[VerdictKind.FAIL]), len(found[VerdictKind.PROCEEDS])
    kind = VerdictKind.FAIL if failing else VerdictKind.PROCEEDS if proceeding else VerdictKind.OK
    text = _(", ").join(part for part in (
        _("fails in %(count)s") % {"count": failing} if failing else "",
        _("proceeds in %(count)s") % {"count": proceeding} if proceeding else "") if part) \
        or _("ok in all")
    return CountCell(text, CSS[kind], failing, proceeding)


def stack_summary(cases: Sequence[Case], catalogue: Catalogue, link: Linker) -> StackSummary:
    """The home page's table: for each key type and stack, in how many replayed cases it fails
    or only proceeds."""
    chosen = stacks()
    replayed = [c for c in cases if c.samples]
    return StackSummary(
        _("Key types by server stack: in how many replayed cases each fails or only proceeds"),
        len(replayed), stack_links(chosen, link),
        tuple(CountRow(k.label, tuple(count_cell(replayed, s, k.id) for s in chosen))
              for k in catalogue.key_types))


def depends_on_stack(cases: Sequence[Case], catalogue: Catalogue) -> str | None:
    """A sentence for the recommendation when the key types that never fail differ between
    stacks (None when every stack agrees)."""
    replayed = [c for c in cases if c.samples]
    safe = {}
    for stack in stacks():  # safe: no replayed case fails it, nor only proceeds with it
        found = {k.id: counts(replayed, stack, k.id) for k in catalogue.key_types}
        safe[stack.label] = tuple(k.label for k in catalogue.key_types
                                  if not found[k.id][VerdictKind.FAIL]
                                  and not found[k.id][VerdictKind.PROCEEDS])
    if len(set(safe.values())) <= 1:
        return None
    parts = [f"{label}: {_(', ').join(labels) or _('none')}" for label, labels in safe.items()]
    return _("It depends on the server stack. The key types every replayed case works with "
             "(neither fails nor only proceeds), per stack — %(stacks)s. A lenient "
             "stack's ServerHello is not a working connection: the client may still refuse a "
             "certificate it did not offer.") % {"stacks": _("; ").join(parts)}


# -- the stacks index and a stack's page --------------------------------------------------------

@dataclass(frozen=True, slots=True)
class StackRow:
    stack: Link
    library: str
    programs: str


def stacks_index(link: Linker) -> tuple[StackRow, ...]:
    return tuple(StackRow(Link(link(f"stacks/{s.id.value}.md"), s.label), s.library,
                          _(", ").join(s.programs)) for s in stacks_in(active()))


@dataclass(frozen=True, slots=True)
class StackKeyTypeRow:
    """A key type on a stack's page: the cases it fails in and those it only proceeds in."""
    key_type: Link
    fails: tuple[Link, ...]
    proceeds: tuple[Link, ...]


@dataclass(frozen=True, slots=True)
class StackPage:
    label: str
    title: str
    library: str
    replayed: int
    programs: tuple[str, ...]
    caption: str
    rows: tuple[StackKeyTypeRow, ...]


def stack_page(stack: Stack, catalogue: Catalogue, cases: Sequence[Case],
               link: Linker) -> StackPage:
    replayed = [c for c in cases if c.samples]

    def listed(found: list[Case]) -> tuple[Link, ...]:
        return tuple(Link(link(f"cases/{c.id}.md"), case_title(c)) for c in found)

    rows = []
    for key_type in catalogue.key_types:
        found = counts(replayed, stack, key_type.id)
        rows.append(StackKeyTypeRow(Link(link(f"key-types/{key_type.id}.md"), key_type.label),
                                    listed(found[VerdictKind.FAIL]),
                                    listed(found[VerdictKind.PROCEEDS])))
    return StackPage(stack.label,
                     _("Which certificate key types work with %(stack)s?") % {
                         "stack": stack.label},
                     stack.library, len(replayed), stack.programs,
                     _("Key types on %(stack)s: the replayed cases each fails or only "
                       "proceeds in") % {"stack": stack.label}, tuple(rows))
