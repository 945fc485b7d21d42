"""The generated pages (pure functions of the cases and the catalogue).

A page is Markdown for its structure and tlskb's own words (headings, admonitions, tabs) plus
fragments: every piece of HTML made from a case or from the catalogue (data/catalogue.yaml,
which contributors edit too) is rendered once by safe.py (prose, plain text, verbatim text as
code) and stands in the Markdown as a token that the plugin replaces after MkDocs has rendered
the page (fragments.py). No case or catalogue text is ever part of the Markdown — not a
heading, not a tab's title — so no Markdown extension can act on it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from markdown.extensions.toc import slugify

from generator.cases.model import Case, Outcome
from generator.compat.keytypes import AcmeClient, Catalogue, KeyType
from generator.stacks.openssl.facts import VersionedFact
from generator.site.blocks import front_matter
from generator.site.blocks import table as _table
from generator.site.fragments import Fragments, GeneratedPage
from generator.site.stackpages import case_stack_table, depends_on_stack
from generator.stacks import DEFAULT
from generator.site.safe import (code_block, inline_prose, plain, prose, web_address,
                                 without_controls)
from generator.site.tree_html import decisive_keys, tree_html
from generator.tls.fingerprint import fingerprints
from generator.tls.tree import client_hello_tree

ROLES = {"client": "a client connecting to your server",
         "upload": "a platform you upload your certificate to",
         "authority": "a certificate authority", "server-setting": "a setting on your own server"}
STATES = {"current": ("warning", "Still happens"), "fixed": ("success", "Fixed"),
          "historical": ("info", "Historical")}
MARKS = {"works": ("✓", "works"), "fails": ("✗", "fails"), "untested": ("?", "untested")}

#: maps a page's source path ("key-types/ec384.md") to the href from the page being written
Link = Callable[[str], str]


def _fence(content: str, language: str = "text") -> str:
    ticks = "`" * max(3, _longest_backtick_run(content) + 1)
    return f"{ticks}{language}\n{content}\n{ticks}\n"


def _longest_backtick_run(content: str) -> int:
    best = current = 0
    for character in content:
        current = current + 1 if character == "`" else 0
        best = max(best, current)
    return best


def _indent(block: str, spaces: int = 4) -> str:
    return "".join((" " * spaces + line) if line.strip() else line
                   for line in block.splitlines(keepends=True))


def outcome_cell(outcome: Outcome) -> str:
    mark, word = MARKS[outcome.result]
    return (f'<span class="tlskb-mark tlskb-{outcome.result}" title="{word}, {outcome.basis}">'
            f"{mark} {word}</span>")


# -- the case page ---------------------------------------------------------------------------------

def _lead(lead: str, prose_html: str) -> str:
    """Block HTML: `lead` (inline HTML) opening the first paragraph of `prose_html`."""
    if prose_html.startswith("<p>"):
        return f"<p>{lead} {prose_html[3:]}"
    return f"<p>{lead}</p>{prose_html}"


def _heading_id(title: str, used: set[str]) -> str:
    """The id the toc extension would give a heading with this text (so links to a case's
    sections keep working), unique on the page; letters, digits, '-' and '_' only, whatever
    slugify does, since it goes into the Markdown (as `{#id}`)."""
    base = _slug(slugify(title, "-")) or "section"
    candidate, number = base, 0
    while candidate in used:
        number += 1
        candidate = f"{base}_{number}"
    used.add(candidate)
    return candidate


def _slug(value: str) -> str:
    """`value` reduced to letters, digits, '-' and '_' (ids the schema or slugify made are
    unchanged): safe in an HTML attribute and in Markdown's `{#id}`."""
    return re.sub(r"[^a-z0-9_-]", "", value)


def _replay_brief(outcome) -> str:
    if outcome.kind == "alert":
        return f"alert {outcome.alert}"
    return "HelloRetryRequest" if outcome.kind == "hello_retry_request" else "ServerHello"


def _key_type_rows(case: Case, catalogue: Catalogue, link: Link) -> str:
    rows = []
    first_sample = case.samples[0].id if case.samples else None
    for key_type in catalogue.key_types:
        outcome = case.outcome(key_type.id)
        proof = next((r for r in case.stack_results(DEFAULT)
                      if r.key_type == key_type.id and r.sample == first_sample), None)
        if outcome.basis == "replayed" and proof is not None:
            why = plain(proof.verdict.summary())
            evidence = (f'<span title="{plain(proof.replay.describe())}">replayed: '
                        f"{plain(_replay_brief(proof.replay))}</span>" if proof.replay
                        else "analyzed")
        else:
            why = inline_prose(outcome.note) if outcome.note else ""
            evidence = "documented"
        rows.append(f'<tr><td><a href="{link(f"key-types/{key_type.id}.md")}" '
                    f'title="{plain(key_type.id)}">{plain(key_type.label)}</a></td>'
                    f"<td>{outcome_cell(outcome)}</td><td>{why}</td><td>{evidence}</td></tr>")
    intro = ""
    if case.replayed_against:
        intro = (f"<p>Replayed against {plain(case.replayed_against)} at build time: the "
                 "sample's bytes, unchanged, against a certificate of each key type.</p>\n")
    return intro + _table("tlskb-keytypes", ["Key type", "Outcome", "Why, or what is negotiated",
                                              "Evidence"], rows)


def _handshake_rows(case: Case, sample_id: str, catalogue: Catalogue) -> str:
    """For samples of cases whose outcomes are documented: what the handshake alone does."""
    from generator.compat.analyzer import analyze
    sample = next(s for s in case.samples if s.id == sample_id)
    rows = []
    for key_type in catalogue.key_types:
        verdict = analyze(sample.wire.hello, key_type)
        mark = "✓ works" if verdict.ok else "✗ fails"
        rows.append(f"<tr><td>{plain(key_type.label)}</td><td>{mark}</td>"
                    f"<td>{plain(verdict.summary())}</td></tr>")
    return _table("tlskb-handshake", ["Key type", "Handshake", "Why, or what is negotiated"], rows)


def _sample_section(case: Case, index: int, catalogue: Catalogue, f: Fragments,
                    ids: set[str]) -> str:
    sample = case.samples[index]
    anchor = f"why-{_slug(sample.id)}"
    results = case.results_for(sample.id)
    failing = [r for r in results if not r.verdict.ok]
    decisive = decisive_keys(field for r in failing for field in r.verdict.fields)
    tree = tree_html(client_hello_tree(sample.wire), decisive, anchor)
    provenance = sample.provenance
    prints = fingerprints(sample.wire)
    # the heading stays Markdown so that it reaches the table of contents; its text is a token
    # and its id, a slug of the client's name, is given (attr_list, on trusted text only)
    heading_id = _heading_id(without_controls(sample.client), ids)
    lines = [f"### {f.inline(plain(sample.client))} {{#{heading_id}}}\n"]
    origin = (f"<em>{plain(provenance.kind.replace('-', ' ').capitalize())}</em>"
              + (f" by {plain(provenance.by)}" if provenance.by else "")
              + (f", {plain(provenance.date)}" if provenance.date else "")
              + f". {plain(provenance.source)}")
    lines.append(f.block(f"<p>{origin}</p>"))
    if provenance.placeholders:
        items = "".join(f"<li>bytes {p.offset}–{p.offset + p.length - 1}: {plain(p.field)}"
                        + (f" ({plain(p.filled_with)})" if p.filled_with else "") + "</li>"
                        for p in provenance.placeholders)
        lines.append(f.block("<p>Placeholders (bytes the source does not give, filled in):</p>"
                             f"\n<ul>{items}</ul>"))
    lines.append(f.block(f"<p>{len(sample.raw)} bytes, "
                         + (f"JA3 <code>{plain(prints.ja3_hash)}</code>, JA4 <code>"
                            f"{plain(prints.ja4)}</code>." if prints.ja4 else
                            "SSL 2.0 format (no JA3/JA4 fingerprint is defined for it).")
                         + "</p>"))
    lines.append(f.block(f'<div class="tlskb-tree-box">{tree}</div>'))
    if failing:
        items = "".join(f"<li><strong>{plain(r.key_type)}</strong>: {plain(r.verdict.reason)}"
                        "</li>" for r in failing)
        lines.append(f.block(f'<div class="tlskb-why-box" id="{anchor}"><p>Why the highlighted '
                             f"fields decide:</p>\n<ul>{items}</ul></div>"))
    if any(o.basis == "documented" for o in case.outcomes):
        lines.append("What the handshake alone does with this sample (analyzer; the outcomes "
                     "above also weigh the platform's documented rules):\n")
        lines.append(f.block(_handshake_rows(case, sample.id, catalogue)))
    return "\n".join(lines)


def _fix_section(case: Case, catalogue: Catalogue, f: Fragments, link: Link) -> str:
    fix = case.fix
    recommended = catalogue.key_type(fix.recommended)
    lead = (f"<strong>Request {plain(recommended.label)}</strong> (<code>{plain(recommended.id)}"
            "</code>).")
    parts = [f.block(_lead(lead, prose(fix.summary)))]
    if fix.alternatives:
        names = ", ".join(f"{plain(catalogue.key_type(k).label)} (<code>{plain(k)}</code>)"
                          for k in fix.alternatives)
        parts.append(f.block(f"<p>Also works here: {names}.</p>"))
    notes = dict(fix.acme_clients)
    tabs = []
    for client in catalogue.clients:
        name = plain(client.name)
        option = client.option(recommended.id)
        body = []
        if option:
            body.append(code_block(option))
        else:
            usable = [k for k in [recommended.id, *fix.alternatives] if client.option(k)]
            if usable:
                alternative = catalogue.key_type(usable[0])
                body.append(f"<p>{name} cannot request {plain(recommended.label)}; request "
                            f"{plain(alternative.label)} instead:</p>")
                body.append(code_block(client.option(alternative.id) or ""))
            else:
                body.append(f"<p>{name} cannot request any of the key types that work here.</p>")
        default = catalogue.key_type(client.default)
        body.append(f"<p>{name}'s default is {plain(default.label)}. "
                    f'<a href="{link(f"acme-clients/{client.id}.md")}">All its options</a></p>')
        if client.id in notes:
            body.append(prose(notes[client.id]))
        # the tab's title is a token too: pymdownx.tabbed renders a title as Markdown
        tabs.append(f'=== "{f.inline(name)}"\n' + _indent(f.block("\n".join(body))) + "\n")
    parts.append("\n".join(tabs))
    if fix.server:
        parts.append(f.block(_lead("<strong>On the server:</strong>", prose(fix.server))))
    return "\n".join(parts)


def _references(case: Case) -> str:
    items = []
    for reference in case.references:
        title = plain(reference.title)
        # check allows only web addresses here; judged again all the same
        target = web_address(reference.url) if reference.url else None
        head = (f'<a href="{plain(target)}">{title}</a>' if target
                else f"{title} <em>({plain(reference.citation or reference.url)})</em>")
        note = f" — {inline_prose(reference.note)}" if reference.note else ""
        items.append(f"<li>{head}, {plain(reference.date)}{note}</li>")
    return '<ul class="tlskb-references">' + "".join(items) + "</ul>"


def _status(case: Case) -> str:
    """The state as Material's admonition markup (what `!!! warning "title"` renders to)."""
    admonition, state = STATES[case.status.state]
    dates = [f"observed {case.status.observed}"]
    if case.status.fixed:
        dates.append(f"fixed {case.status.fixed}")
    if case.status.reviewed:
        dates.append(f"reviewed {case.status.reviewed}")
    evidence = (f"Replayed: the client's recorded ClientHello is handed to "
                f"{plain(case.replayed_against or 'the reference server')} with a certificate of "
                "each key type at every build." if case.replayed else
                "Documented: no handshake decides this case; each outcome cites its source.")
    return (f'<div class="admonition {admonition}">\n<p class="admonition-title">'
            f"{plain(state)}: {plain(', '.join(dates))}</p>\n"
            + (prose(case.status.note) + "\n" if case.status.note else "")
            + f"<p>{evidence}</p>\n</div>")


def _symptoms(case: Case) -> str:
    parts = ['<div class="tlskb-symptoms">']
    for symptom in case.symptoms:
        parts.append(f"<p><strong>{plain(symptom.where)}</strong></p>\n{code_block(symptom.text)}")
        if symptom.note:
            parts.append(prose(symptom.note))
    return "\n".join(parts) + "\n</div>"


def _environment(case: Case, link: Link) -> str:
    side = case.your_side
    rows = [f"<tr><th>Platform</th><td>{plain(case.platform.name)} — "
            f"{plain(ROLES[case.platform.role])}</td></tr>"]
    if case.platform.versions:
        rows.append(f"<tr><th>Affected</th><td>{plain(case.platform.versions)}</td></tr>")
    if side.server:
        rows.append(f"<tr><th>Your server</th><td>{plain(side.server)}</td></tr>")
    if side.acme_client:
        rows.append(f'<tr><th>ACME client</th><td><a href="'
                    f'{link(f"acme-clients/{side.acme_client}.md")}">'
                    f"{plain(side.acme_client)}</a></td></tr>")
    if side.key_type:
        rows.append(f"<tr><th>Key type that failed</th><td><code>{plain(side.key_type)}</code>"
                    "</td></tr>")
    return '<div class="tlskb-environment"><table>' + "".join(rows) + "</table></div>"


def case_page(case: Case, catalogue: Catalogue, link: Link) -> GeneratedPage:
    f = Fragments()
    ids = {"symptoms", "environment", "cause", "key-types", "by-server-stack",
           "the-clienthello", "fix", "references"}   # the h2 below
    title_id = _heading_id(without_controls(case.title), ids)
    body = [front_matter(title=case.title, description=case.summary.split(". ")[0],
                         tags=list(case.tags), search={"boost": 4}),
            f"# {f.inline(plain(case.title))} {{#{title_id}}}\n",
            f.block(f'<div class="tlskb-summary">{prose(case.summary)}</div>'),
            f.block(_status(case)),
            "## Symptoms\n", f.block(_symptoms(case)),
            "## Environment\n", f.block(_environment(case, link)),
            "## Cause\n", f.block(f'<div class="tlskb-prose">{prose(case.cause)}</div>'),
            "## Key types\n", f.block(_key_type_rows(case, catalogue, link))]
    if case.samples:
        body += ["## By server stack\n", f.block(case_stack_table(case, catalogue, link))]
    if case.samples:
        body.append("## The ClientHello\n")
        body.append("Decoded as tshark would; the fields that decide a failing verdict are "
                    "highlighted. Click a line to fold or unfold it.\n")
        body += [_sample_section(case, i, catalogue, f, ids) for i in range(len(case.samples))]
    body += ["## Fix\n", _fix_section(case, catalogue, f, link), "## References\n",
             f.block(_references(case))]
    return f.page("\n".join(body))



# -- indexes, key types, ACME clients ----------------------------------------------------------------

def cases_index(cases: Sequence[Case], link: Link) -> GeneratedPage:
    f = Fragments()
    rows = "".join(
        f'<tr><td><a href="{link(f"cases/{c.id}.md")}">{plain(c.title)}</a></td>'
        f"<td>{plain(c.platform.name)}</td>"
        f"<td>{plain(STATES[c.status.state][1])}</td>"
        f"<td>{'replayed' if c.replayed else 'documented'}</td></tr>" for c in cases)
    table = _table("tlskb-sortable", ["Case", "Platform", "State", "Evidence"], [rows])
    return f.page(front_matter(title="Cases") + "# Cases\n\n"
                  f"{len(cases)} cases; {sum(c.replayed for c in cases)} are proven by replaying "
                  "the client's ClientHello.\n" + f.block(table))


def reference_server_html(replayed_against: str | None, facts: Sequence[VersionedFact]) -> str:
    """The guide's account of the reference server: which OpenSSL it is, and the behaviours
    that other OpenSSL releases do not share (facts.VERSIONED), each with its releases."""
    rows = [f"<tr><td>{plain(f.pinned)}</td><td>{plain(f.holds_for)}</td><td>{plain(f.elsewhere)}"
            f"</td><td>{plain(f.changed_by)}</td></tr>" for f in facts]
    intro = (f"<p>Every replay on this site ran against <strong>{plain(replayed_against)}"
             "</strong>: the OpenSSL built into the pinned <code>cryptography</code> wheel, the "
             "same library on every machine that builds the site. What it does that other "
             "OpenSSL releases do not:</p>") if replayed_against else ""
    return intro + _table("tlskb-facts", ["The reference server", "Holds for", "Other releases",
                                          "Changed by"], rows)


def matrix_html(cases: Sequence[Case], catalogue: Catalogue, link: Link) -> str:
    headers = ["Case"] + [f'<a href="{link(f"key-types/{k.id}.md")}" title="{plain(k.label)}">'
                          f"<code>{plain(k.id)}</code></a>" for k in catalogue.key_types]
    rows = []
    for case in cases:
        cells = "".join(f"<td>{matrix_cell(case.outcome(k.id))}</td>" for k in catalogue.key_types)
        rows.append(f'<tr><td><a href="{link(f"cases/{case.id}.md")}">{plain(case.title)}</a></td>'
                    f"{cells}</tr>")
    server = next((c.replayed_against for c in cases if c.replayed_against), "the reference server")
    legend = ('<p class="tlskb-legend">✓ works, ✗ fails, ? untested; solid marks are replayed '
              f"against {plain(server)}, outlined ones documented from the case's sources.</p>")
    return _table("tlskb-matrix tlskb-sortable", headers, rows) + "\n" + legend


def matrix_cell(outcome: Outcome) -> str:
    mark, word = MARKS[outcome.result]
    return (f'<span class="tlskb-mark tlskb-{outcome.result} tlskb-{outcome.basis}" '
            f'title="{word}, {outcome.basis}">{mark}<span class="tlskb-sr"> {word}, '
            f"{outcome.basis}</span></span>")


def recommendation(cases: Sequence[Case], catalogue: Catalogue, link: Link,
                   f: Fragments) -> str:
    """What the data says to request: the key types no case reports failing, then for each
    other key type the cases it fails in (an admonition; its text is a fragment, since the
    key types' labels come from the catalogue)."""
    failures = {k.id: [c for c in cases if c.outcome(k.id).result == "fails"]
                for k in catalogue.key_types}
    untested = {k.id: [c for c in cases if c.outcome(k.id).result == "untested"]
                for k in catalogue.key_types}
    safe = [catalogue.key_type(k) for k, failing in failures.items() if not failing]
    parts = []
    if safe:
        names = ", ".join(f"<strong>{plain(k.label)}</strong>" for k in safe)
        parts.append(f"<p>No case here fails with {names}"
                     + (" (some cases leave some of them untested).</p>" if any(
                         untested[k.id] for k in safe) else ".</p>"))
    ranked = sorted((k for k in catalogue.key_types if failures[k.id]),
                    key=lambda k: len(failures[k.id]))
    if ranked:
        parts.append("<ul>" + "".join(
            f"<li><strong>{plain(k.label)}</strong> fails in {len(failures[k.id])} of "
            f'{len(cases)} cases (<a href="{link(f"key-types/{k.id}.md")}">which</a>)</li>'
            for k in ranked) + "</ul>")
    depends = depends_on_stack(cases, catalogue)
    if depends:
        parts.append(f'<p>{plain(depends)} (<a href="{link("stacks/index.md")}">by stack</a>)'
                     "</p>")
    return ('!!! tip "What to request, by the numbers"\n'
            + _indent(f.block("\n".join(parts))) + "\n")


def key_types_index(catalogue: Catalogue, cases: Sequence[Case], link: Link) -> GeneratedPage:
    f = Fragments()
    rows = []
    for key_type in catalogue.key_types:
        failing = sum(1 for c in cases if c.outcome(key_type.id).result == "fails")
        issuers = [a.name for a in catalogue.authorities if key_type.id in a.issues]
        rows.append(f'<tr><td><a href="{link(f"key-types/{key_type.id}.md")}">'
                    f"{plain(key_type.label)}</a></td>"
                    f"<td><code>{plain(key_type.id)}</code></td><td>{failing} of {len(cases)}</td>"
                    f"<td>{plain(', '.join(issuers) or 'no public ACME CA')}</td></tr>")
    table = _table("tlskb-sortable", ["Key type", "Id", "Fails in", "Issued by"], rows)
    return f.page(front_matter(title="Key types") + "# Key types\n\n"
                  "The certificate key types tlskb tracks, with lego's names for them.\n"
                  + f.block(table))


def key_type_page(key_type: KeyType, catalogue: Catalogue, cases: Sequence[Case],
                  link: Link) -> GeneratedPage:
    f = Fragments()
    detail = (f"an RSA key of {key_type.size} bits" if key_type.algorithm == "rsa" else
              f"an ECDSA key on the {key_type.curve} curve" if key_type.algorithm == "ecdsa"
              else "an Ed25519 key (EdDSA, RFC 8410)")
    authorities = []
    for authority in catalogue.authorities:
        refusals = dict(authority.refuses)
        state = ("✓ issues it" if key_type.id in authority.issues else
                 f"✗ refuses it — {plain(refusals[key_type.id])}" if key_type.id in refusals
                 else "✗ does not issue it")
        authorities.append(f"<tr><td>{plain(authority.name)}</td><td>{state}</td></tr>")
    options = []
    for client in catalogue.clients:
        option = client.option(key_type.id)
        shown = f"<code>{plain(option)}</code>" if option else "not supported"
        default = " (its default)" if client.default == key_type.id else ""
        options.append(f'<tr><td><a href="{link(f"acme-clients/{client.id}.md")}">'
                       f"{plain(client.name)}"
                       f"</a></td><td>{shown}{default}</td></tr>")
    case_rows = []
    for case in cases:
        outcome = case.outcome(key_type.id)
        reason = next((r.verdict.reason or r.verdict.summary()
                       for r in case.stack_results(DEFAULT) if r.key_type == key_type.id), None)
        why = plain(reason) if reason else (inline_prose(outcome.note) if outcome.note else "")
        case_rows.append(f'<tr><td><a href="{link(f"cases/{case.id}.md")}">{plain(case.title)}'
                         f"</a></td><td>{outcome_cell(outcome)}</td><td>{why}</td></tr>")
    failing = [c for c in cases if c.outcome(key_type.id).result == "fails"]
    summary = (f"It fails in {len(failing)} of the {len(cases)} cases below." if failing
               else f"None of the {len(cases)} cases reports it failing.")
    title = f"{plain(key_type.label)} (<code>{plain(key_type.id)}</code>)"
    heading_id = _heading_id(f"{without_controls(key_type.label)} ({key_type.id})",
                             {"who-issues-it", "how-to-request-it", "cases"})
    return f.page(
        front_matter(title=key_type.label) + f"# {f.inline(title)} {{#{heading_id}}}\n"
        + f.block(f"<p>A certificate with {plain(detail)}. {summary}</p>") + "\n## Who issues it\n"
        + f.block(_table("tlskb-authorities", ["Certificate authority", "Issues it?"],
                         authorities))
        + "\n## How to request it\n"
        + f.block(_table("tlskb-sortable", ["ACME client", "Option"], options))
        + "\n## Cases\n" + f.block(_table("tlskb-sortable", ["Case", "Outcome", "Why"],
                                           case_rows)))


def clients_index(catalogue: Catalogue, link: Link) -> GeneratedPage:
    f = Fragments()
    rows = "".join(f'<tr><td><a href="{link(f"acme-clients/{c.id}.md")}">{plain(c.name)}</a>'
                   f"</td><td>{plain(catalogue.key_type(c.default).label)}</td></tr>"
                   for c in catalogue.clients)
    return f.page(front_matter(title="ACME clients") + "# ACME clients\n\n"
                  "How to ask each ACME client for each key type, and what it does by default.\n"
                  + f.block(_table("tlskb-sortable", ["Client", "Default key type"], [rows])))


def client_page(client: AcmeClient, catalogue: Catalogue, cases: Sequence[Case],
                link: Link) -> GeneratedPage:
    f = Fragments()
    sources = {s.key: s for s in catalogue.sources}
    rows = "".join(
        f'<tr><td><a href="{link(f"key-types/{k.id}.md")}">{plain(k.label)}</a></td><td>'
        + (f"<code>{plain(client.option(k.id))}</code>" if client.option(k.id) else "not supported")
        + ("" if client.default != k.id else " (default)") + "</td></tr>"
        for k in catalogue.key_types)
    mentioned = [c for c in cases
                 if c.your_side.acme_client == client.id or client.id in dict(c.fix.acme_clients)]
    mentions = "".join(f'<li><a href="{link(f"cases/{c.id}.md")}">{plain(c.title)}</a></li>'
                       for c in mentioned) or "<li>No case mentions it yet.</li>"
    references = "".join(_source_item(sources[k]) for k in client.sources)
    heading_id = _heading_id(without_controls(client.name),
                             {"options", "cases-that-mention-it", "sources"})
    default = catalogue.key_type(client.default)
    return f.page(front_matter(title=client.name)
                  + f"# {f.inline(plain(client.name))} {{#{heading_id}}}\n"
                  + f.block(f"<p>Default: <strong>{plain(default.label)}</strong>. "
                            f"{plain(client.history)}</p>")
                  + "\n## Options\n"
                  + f.block(_table("tlskb-options", ["Key type", "Option"], [rows]))
                  + "\n## Cases that mention it\n" + f.block(f"<ul>{mentions}</ul>")
                  + "\n## Sources\n" + f.block(f"<ul>{references}</ul>"))


def _source_item(source) -> str:
    """A catalogue source as a list item: a link only to a whole web address (safe.web_address:
    the catalogue's check refuses anything else, and it is judged again here)."""
    target = web_address(source.url)
    if target is None:
        return f"<li>{plain(source.title)} <em>({plain(source.url)})</em></li>"
    return f'<li><a href="{plain(target)}">{plain(source.title)}</a></li>'
