"""The site's view of server stacks (pure functions of the cases and the stacks list): the
per-stack table on a case page, the home page's stack summary, and a page per stack ("Which
certificate key types work with Exim / GnuTLS?").

Per-stack results come from the cases' samples — each replayed against every stack's library
at build time (cases/check.py) — so a case documented from sources alone has none. Stack
labels, libraries and programs are tlskb's own data (generator/stacks/data/stacks.yaml); they
are escaped all the same.
"""

from __future__ import annotations

from collections.abc import Sequence

from generator.cases.model import Case, SampleResult
from generator.compat.keytypes import Catalogue
from generator.compat.verdict import VerdictKind
from generator.site.blocks import front_matter, table
from generator.site.fragments import Fragments, GeneratedPage
from generator.site.safe import plain
from generator.stacks import Stack, stacks

MARKS = {VerdictKind.OK: "✓ ok", VerdictKind.PROCEEDS: "~ proceeds", VerdictKind.FAIL: "✗ fails"}
CSS = {VerdictKind.OK: "tlskb-works", VerdictKind.PROCEEDS: "tlskb-proceeds",
       VerdictKind.FAIL: "tlskb-fails"}


def _stack_headers(chosen: Sequence[Stack], link) -> list[str]:
    """A column header per stack, linking to its page."""
    return [f'<a href="{link(f"stacks/{s.id.value}.md")}">{plain(s.label)}</a>' for s in chosen]


def result_cell(result: SampleResult) -> str:
    """A verdict as a table cell: the mark, and on hover why and how it was proven."""
    verdict = result.verdict
    why = verdict.caveat if verdict.caveat else (verdict.reason or verdict.summary())
    proof = (f"replayed: {result.replay.describe()}" if result.replay is not None
             else "analyzed (the library was not available to replay at build time)")
    return (f'<td class="{CSS[verdict.kind]}" title="{plain(why)} — {plain(proof)}">'
            f"{MARKS[verdict.kind]}</td>")


def _worst(results: Sequence[SampleResult]) -> SampleResult:
    """Of one key type's results over a case's samples, the one to show: a failure first, then
    a "proceeds", then the first sample's."""
    order = {VerdictKind.FAIL: 0, VerdictKind.PROCEEDS: 1, VerdictKind.OK: 2}
    return min(results, key=lambda r: order[r.verdict.kind])


def case_stack_table(case: Case, catalogue: Catalogue, link) -> str:
    """The case page's "By server stack" table: key types × stacks, over all its samples (the
    worst sample shown). Empty when the case has no samples."""
    if not case.samples:
        return ""
    chosen = stacks()
    headers = ["Key type", *_stack_headers(chosen, link)]
    rows = []
    for key_type in catalogue.key_types:
        cells = []
        for stack in chosen:
            results = [r for r in case.stack_results(stack.id) if r.key_type == key_type.id]
            cells.append(result_cell(_worst(results)) if results else "<td>–</td>")
        rows.append(f"<tr><td>{plain(key_type.label)}</td>{''.join(cells)}</tr>")
    proven = "; ".join(plain(label) for _, label in case.replayed_by_stack)
    intro = ("<p>The same samples against each server stack's own library (hover a cell for "
             "the reason and the replay). <em>Proceeds</em>: the server answers although the "
             "client did not offer the certificate's curve or signature, and the client may "
             "still refuse it.</p>")
    footer = f"<p>Replayed against: {proven}.</p>" if proven else ""
    if any(s.provenance.placeholders for s in case.samples):
        effects = "".join(f"<li>{plain(e)}</li>" for e in case.placeholder_effects)
        footer += ("<p>The sample holds placeholder bytes (see its provenance); it was also "
                   "replayed with them changed. "
                   + (f"These answers move with them, so they are not evidence:</p><ul>{effects}"
                      "</ul>" if effects else "No stack's answer changes with them.</p>"))
    return intro + table("tlskb-stacks", headers, rows) + footer


def _counts(cases: Sequence[Case], stack: Stack, key_type: str) -> dict[VerdictKind, list[Case]]:
    """The replayed cases whose samples fail, proceed or work with `key_type` on `stack`."""
    found: dict[VerdictKind, list[Case]] = {kind: [] for kind in VerdictKind}
    for case in cases:
        results = [r for r in case.stack_results(stack.id) if r.key_type == key_type]
        if results:
            found[_worst(results).verdict.kind].append(case)
    return found


def stack_summary_html(cases: Sequence[Case], catalogue: Catalogue, link) -> str:
    """The home page's table: for each key type and stack, in how many replayed cases it
    fails or only proceeds."""
    chosen = stacks()
    replayed = [c for c in cases if c.samples]
    headers = ["Key type", *_stack_headers(chosen, link)]
    rows = []
    for key_type in catalogue.key_types:
        cells = []
        for stack in chosen:
            counts = _counts(replayed, stack, key_type.id)
            failing, proceeding = len(counts[VerdictKind.FAIL]), len(counts[VerdictKind.PROCEEDS])
            kind = (VerdictKind.FAIL if failing else VerdictKind.PROCEEDS if proceeding
                    else VerdictKind.OK)
            text = ", ".join(part for part in (
                f"fails in {failing}" if failing else "",
                f"proceeds in {proceeding}" if proceeding else "") if part) or "ok in all"
            cells.append(f'<td class="{CSS[kind]}">{text}</td>')
        rows.append(f"<tr><td>{plain(key_type.label)}</td>{''.join(cells)}</tr>")
    return (f"<p>The {len(replayed)} cases with recorded ClientHellos, replayed against each "
            "server stack. <em>Proceeds</em>: the server answers, but the client did not offer "
            "the certificate's curve or signature and may refuse it.</p>"
            + table("tlskb-stacks", headers, rows))


def depends_on_stack(cases: Sequence[Case], catalogue: Catalogue) -> str | None:
    """A sentence for the recommendation when the key types that never fail differ between
    stacks (None when every stack agrees)."""
    replayed = [c for c in cases if c.samples]
    safe = {}
    for stack in stacks():  # safe: no replayed case fails it, nor only proceeds with it
        counts = {k.id: _counts(replayed, stack, k.id) for k in catalogue.key_types}
        safe[stack.label] = tuple(k.label for k in catalogue.key_types
                                  if not counts[k.id][VerdictKind.FAIL]
                                  and not counts[k.id][VerdictKind.PROCEEDS])
    if len(set(safe.values())) <= 1:
        return None
    parts = [f"{label}: {', '.join(labels) or 'none'}" for label, labels in safe.items()]
    return ("It depends on the server stack. The key types every replayed case works with "
            f"(neither fails nor only proceeds), per stack — {'; '.join(parts)}. A lenient stack's ServerHello is not a working "
            "connection: the client may still refuse a certificate it did not offer.")


def stacks_index(link) -> GeneratedPage:
    f = Fragments()
    rows = [f'<tr><td><a href="{link(f"stacks/{s.id.value}.md")}">{plain(s.label)}</a></td>'
            f"<td>{plain(s.library)}</td><td>{plain(', '.join(s.programs))}</td></tr>"
            for s in stacks()]
    return f.page(front_matter(title="Server stacks") + "# Server stacks\n\n"
                  "Whether a certificate works depends on the TLS library of the server too: "
                  "every verdict is given per stack and proven by replaying the client's "
                  "recorded ClientHello against that library.\n"
                  + f.block(table("tlskb-sortable", ["Stack", "Library", "Used by"], rows)))


def stack_page(stack: Stack, catalogue: Catalogue, cases: Sequence[Case], link) -> GeneratedPage:
    f = Fragments()
    replayed = [c for c in cases if c.samples]
    rows = []
    for key_type in catalogue.key_types:
        counts = _counts(replayed, stack, key_type.id)
        cells = []
        for kind in (VerdictKind.FAIL, VerdictKind.PROCEEDS):
            listed = ", ".join(f'<a href="{link(f"cases/{c.id}.md")}">{plain(c.title)}</a>'
                               for c in counts[kind])
            cells.append(f"<td>{listed or '–'}</td>")
        rows.append(f'<tr><td><a href="{link(f"key-types/{key_type.id}.md")}">'
                    f"{plain(key_type.label)}</a></td>{''.join(cells)}</tr>")
    programs = "".join(f"<li>{plain(p)}</li>" for p in stack.programs)
    title = f"Which certificate key types work with {stack.label}?"
    return f.page(
        front_matter(title=stack.label) + f"# {f.inline(plain(title))}\n"
        + f.block(f"<p>Verdicts for {plain(stack.library)}, proven by replaying each case's "
                  f"recorded ClientHellos against it ({len(replayed)} cases have some).</p>")
        + "\n## Server programs that use it\n" + f.block(f"<ul>{programs}</ul>")
        + "\n## Key types\n"
        + f.block(table("tlskb-sortable", ["Key type", "Fails in", "Proceeds in (the client "
                                                                     "may refuse)"], rows)))
