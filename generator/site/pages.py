"""The generated pages as Markdown text (pure functions of the cases and the catalogue).

Contributor text never reaches a page unescaped: prose fields go through safe.markdown_html,
plain fields through safe.text, verbatim error text into code blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import yaml

from generator.cases.model import Case, Outcome
from generator.compat.keytypes import AcmeClient, Catalogue, KeyType
from generator.compat.openssl.facts import VersionedFact
from generator.site.safe import inline_html, markdown_html, one_line, text
from generator.site.tree_html import decisive_keys, tree_html
from generator.tls.fingerprint import fingerprints
from generator.tls.tree import client_hello_tree

ROLES = {"client": "a client connecting to your server",
         "upload": "a platform you upload your certificate to",
         "authority": "a certificate authority", "server-setting": "a setting on your own server"}
STATES = {"current": ("warning", "Still happens"), "fixed": ("success", "Fixed"),
          "historical": ("info", "Historical")}
MARKS = {"works": ("✓", "works"), "fails": ("✗", "fails"), "untested": ("?", "untested")}

#: libyaml's emitter when PyYAML has it (every wheel does): the same YAML, several times faster
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

#: maps a page's source path ("key-types/ec384.md") to the href from the page being written
Link = Callable[[str], str]


def front_matter(**fields: str | dict) -> str:
    """YAML front matter for a generated page. MkDocs and the theme put `title` and
    `description` into the HTML unescaped (navigation, <title>, <meta content="...">), so
    text values are HTML-escaped here: a case title with `<script>` stays text."""
    escaped = {name: text(value) if isinstance(value, str) else value
               for name, value in fields.items()}
    dumped = yaml.dump(escaped, Dumper=_DUMPER, allow_unicode=True, sort_keys=False)
    return "---\n" + dumped + "---\n\n"


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

def _table(css_class: str, headers: Sequence[str], rows: Sequence[str]) -> str:
    """A table Material styles (it styles only class-less tables), in a div that carries ours."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    return (f'<div class="{css_class}" markdown="0"><table><thead><tr>{head}</tr></thead><tbody>'
            + "".join(rows) + "</tbody></table></div>")


def _replay_brief(outcome) -> str:
    if outcome.kind == "alert":
        return f"alert {outcome.alert}"
    return "HelloRetryRequest" if outcome.kind == "hello_retry_request" else "ServerHello"


def _key_type_rows(case: Case, catalogue: Catalogue, link: Link) -> str:
    rows = []
    first_sample = case.samples[0].id if case.samples else None
    for key_type in catalogue.key_types:
        outcome = case.outcome(key_type.id)
        proof = next((r for r in case.results
                      if r.key_type == key_type.id and r.sample == first_sample), None)
        if outcome.basis == "replayed" and proof is not None:
            why = text(proof.verdict.summary())
            evidence = (f'<span title="{text(proof.replay.describe())}">replayed: '
                        f"{text(_replay_brief(proof.replay))}</span>" if proof.replay
                        else "analyzed")
        else:
            why = inline_html(outcome.note) if outcome.note else ""
            evidence = "documented"
        rows.append(f'<tr><td><a href="{link(f"key-types/{key_type.id}.md")}" '
                    f'title="{key_type.id}">{text(key_type.label)}</a></td>'
                    f"<td>{outcome_cell(outcome)}</td><td>{why}</td><td>{evidence}</td></tr>")
    intro = ""
    if case.replayed_against:
        intro = (f"<p>Replayed against {text(case.replayed_against)} at build time: the "
                 "sample's bytes, unchanged, against a certificate of each key type.</p>")
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
        rows.append(f"<tr><td>{text(key_type.label)}</td><td>{mark}</td>"
                    f"<td>{text(verdict.summary())}</td></tr>")
    return _table("tlskb-handshake", ["Key type", "Handshake", "Why, or what is negotiated"], rows)


def _sample_section(case: Case, index: int, catalogue: Catalogue) -> str:
    sample = case.samples[index]
    anchor = f"why-{sample.id}"
    results = case.results_for(sample.id)
    failing = [r for r in results if not r.verdict.ok]
    decisive = decisive_keys(f for r in failing for f in r.verdict.fields)
    tree = tree_html(client_hello_tree(sample.wire), decisive, anchor)
    provenance = sample.provenance
    prints = fingerprints(sample.wire)
    lines = [f"### {text(sample.client)}\n",
             f"*{text(provenance.kind.replace('-', ' ').capitalize())}*"
             + (f" by {text(provenance.by)}" if provenance.by else "")
             + (f", {text(provenance.date)}" if provenance.date else "")
             + f". {text(provenance.source)}\n"]
    if provenance.placeholders:
        lines.append("Placeholders (bytes the source does not give, filled in):\n")
        lines += [f"- bytes {p.offset}–{p.offset + p.length - 1}: {text(p.field)}"
                  + (f" ({text(p.filled_with)})" if p.filled_with else "") for p in provenance.placeholders]
        lines.append("")
    lines.append(f"{len(sample.raw)} bytes, "
                 + (f"JA3 `{prints.ja3_hash}`, JA4 `{prints.ja4}`." if prints.ja4 else
                    "SSL 2.0 format (no JA3/JA4 fingerprint is defined for it).") + "\n")
    lines.append(f'<div class="tlskb-tree-box" markdown="0">{tree}</div>\n')
    if failing:
        items = "".join(f"<li><strong>{text(r.key_type)}</strong>: {text(r.verdict.reason)}</li>"
                        for r in failing)
        lines.append(f'<div class="tlskb-why-box" id="{anchor}" markdown="0"><p>Why the '
                     f"highlighted fields decide:</p><ul>{items}</ul></div>\n")
    if any(o.basis == "documented" for o in case.outcomes):
        lines.append("What the handshake alone does with this sample (analyzer; the outcomes "
                     "above also weigh the platform's documented rules):\n")
        lines.append(_handshake_rows(case, sample.id, catalogue) + "\n")
    return "\n".join(lines)


def _fix_section(case: Case, catalogue: Catalogue) -> str:
    fix = case.fix
    recommended = catalogue.key_type(fix.recommended)
    parts = [f"**Request {text(recommended.label)}** (`{recommended.id}`). {inline_html(fix.summary)}\n"]
    if fix.alternatives:
        names = ", ".join(f"{text(catalogue.key_type(k).label)} (`{k}`)" for k in fix.alternatives)
        parts.append(f"Also works here: {names}.\n")
    notes = dict(fix.acme_clients)
    tabs = []
    for client in catalogue.clients:
        option = client.option(recommended.id)
        body = []
        if option:
            body.append(_fence(option, "text"))
        else:
            usable = [k for k in [recommended.id, *fix.alternatives] if client.option(k)]
            if usable:
                alternative = catalogue.key_type(usable[0])
                body.append(f"{text(client.name)} cannot request {text(recommended.label)}; "
                            f"request {text(alternative.label)} instead:\n")
                body.append(_fence(client.option(alternative.id) or "", "text"))
            else:
                body.append(f"{text(client.name)} cannot request any of the key types that work "
                            "here.\n")
        default = catalogue.key_type(client.default)
        body.append(f"{text(client.name)}'s default is {text(default.label)}. "
                    f"[All its options](../acme-clients/{client.id}.md)\n")
        if client.id in notes:
            body.append(inline_html(notes[client.id]) + "\n")
        tabs.append(f'=== "{text(client.name)}"\n\n' + _indent("\n".join(body)) + "\n")
    parts.append("\n".join(tabs))
    if fix.server:
        parts.append(f"**On the server:** {inline_html(fix.server)}\n")
    return "\n".join(parts)


def _references(case: Case) -> str:
    items = []
    for reference in case.references:
        title = text(reference.title)
        head = (f'<a href="{text(reference.url)}">{title}</a>' if reference.url
                else f"{title} <em>({text(reference.citation)})</em>")
        note = f" — {inline_html(reference.note)}" if reference.note else ""
        items.append(f"<li>{head}, {text(reference.date)}{note}</li>")
    return '<ul class="tlskb-references">' + "".join(items) + "</ul>"


def case_page(case: Case, catalogue: Catalogue, link: Link) -> str:
    admonition, state = STATES[case.status.state]
    dates = [f"observed {case.status.observed}"]
    if case.status.fixed:
        dates.append(f"fixed {case.status.fixed}")
    if case.status.reviewed:
        dates.append(f"reviewed {case.status.reviewed}")
    side = case.your_side
    environment = [f"<tr><th>Platform</th><td>{text(case.platform.name)} — "
                   f"{text(ROLES[case.platform.role])}</td></tr>"]
    if case.platform.versions:
        environment.append(f"<tr><th>Affected</th><td>{text(case.platform.versions)}</td></tr>")
    if side.server:
        environment.append(f"<tr><th>Your server</th><td>{text(side.server)}</td></tr>")
    if side.acme_client:
        environment.append(f'<tr><th>ACME client</th><td><a href="'
                           f'{link(f"acme-clients/{side.acme_client}.md")}">'
                           f"{text(side.acme_client)}</a></td></tr>")
    if side.key_type:
        environment.append(f"<tr><th>Key type that failed</th><td><code>{side.key_type}</code>"
                           "</td></tr>")
    symptoms = ['<div class="tlskb-symptoms" markdown>\n']
    for symptom in case.symptoms:
        symptoms.append(f"**{text(symptom.where)}**\n\n{_fence(symptom.text)}")
        if symptom.note:
            symptoms.append(f"{inline_html(symptom.note)}\n")
    symptoms.append("</div>\n")
    evidence = (f"Replayed: the client's recorded ClientHello is handed to "
                f"{text(case.replayed_against or 'the reference server')} with a certificate of "
                "each key type at every build." if case.replayed else
                "Documented: no handshake decides this case; each outcome cites its source.")
    body = [front_matter(title=case.title, description=case.summary.split(". ")[0],
                         tags=list(case.tags), search={"boost": 4}),
            f"# {text(case.title)}\n",
            f'<div class="tlskb-summary" markdown="0">{one_line(markdown_html(case.summary))}</div>\n',
            f'!!! {admonition} "{state}: {", ".join(dates)}"\n\n'
            + (_indent(inline_html(case.status.note)) + "\n\n" if case.status.note else "")
            + _indent(evidence) + "\n",
            "## Symptoms\n", "\n".join(symptoms),
            "## Environment\n",
            '<div class="tlskb-environment" markdown="0"><table>' + "".join(environment)
            + "</table></div>\n",
            "## Cause\n",
            f'<div class="tlskb-prose" markdown="0">{one_line(markdown_html(case.cause))}</div>\n',
            "## Key types\n", _key_type_rows(case, catalogue, link) + "\n"]
    if case.samples:
        body.append("## The ClientHello\n")
        body.append("Decoded as tshark would; the fields that decide a failing verdict are "
                    "highlighted. Click a line to fold or unfold it.\n")
        body += [_sample_section(case, i, catalogue) for i in range(len(case.samples))]
    body += ["## Fix\n", _fix_section(case, catalogue), "## References\n",
             _references(case) + "\n"]
    return "\n".join(body)


# -- indexes, key types, ACME clients ----------------------------------------------------------------

def cases_index(cases: Sequence[Case], link: Link) -> str:
    rows = "".join(
        f'<tr><td><a href="{link(f"cases/{c.id}.md")}">{text(c.title)}</a></td>'
        f"<td>{text(c.platform.name)}</td>"
        f"<td>{text(STATES[c.status.state][1])}</td><td>{'replayed' if c.replayed else 'documented'}"
        f"</td></tr>" for c in cases)
    return (front_matter(title="Cases") + "# Cases\n\n"
            f"{len(cases)} cases; {sum(c.replayed for c in cases)} are proven by replaying the "
            "client's ClientHello.\n\n" + _table("tlskb-sortable", ["Case", "Platform", "State", "Evidence"], [rows]) + "\n")


def reference_server_html(replayed_against: str | None, facts: Sequence[VersionedFact]) -> str:
    """The guide's account of the reference server: which OpenSSL it is, and the behaviours
    that other OpenSSL releases do not share (facts.VERSIONED), each with its releases."""
    rows = [f"<tr><td>{text(f.pinned)}</td><td>{text(f.holds_for)}</td><td>{text(f.elsewhere)}"
            f"</td><td>{text(f.changed_by)}</td></tr>" for f in facts]
    intro = (f"<p>Every replay on this site ran against <strong>{text(replayed_against)}"
             "</strong>: the OpenSSL built into the pinned <code>cryptography</code> wheel, the "
             "same library on every machine that builds the site. What it does that other "
             "OpenSSL releases do not:</p>") if replayed_against else ""
    return intro + _table("tlskb-facts", ["The reference server", "Holds for", "Other releases",
                                          "Changed by"], rows)


def matrix_html(cases: Sequence[Case], catalogue: Catalogue, link: Link) -> str:
    headers = ["Case"] + [f'<a href="{link(f"key-types/{k.id}.md")}" title="{text(k.label)}">'
                          f"<code>{k.id}</code></a>" for k in catalogue.key_types]
    rows = []
    for case in cases:
        cells = "".join(f"<td>{matrix_cell(case.outcome(k.id))}</td>" for k in catalogue.key_types)
        rows.append(f'<tr><td><a href="{link(f"cases/{case.id}.md")}">{text(case.title)}</a></td>'
                    f"{cells}</tr>")
    server = next((c.replayed_against for c in cases if c.replayed_against), "the reference server")
    legend = ('<p class="tlskb-legend">✓ works, ✗ fails, ? untested; solid marks are replayed '
              f"against {text(server)}, outlined ones documented from the case's sources.</p>")
    return _table("tlskb-matrix tlskb-sortable", headers, rows) + legend


def matrix_cell(outcome: Outcome) -> str:
    mark, word = MARKS[outcome.result]
    return (f'<span class="tlskb-mark tlskb-{outcome.result} tlskb-{outcome.basis}" '
            f'title="{word}, {outcome.basis}">{mark}<span class="tlskb-sr"> {word}, '
            f"{outcome.basis}</span></span>")


def recommendation(cases: Sequence[Case], catalogue: Catalogue) -> str:
    """What the data says to request: the key types no case reports failing, then for each
    other key type the cases it fails in."""
    failures = {k.id: [c for c in cases if c.outcome(k.id).result == "fails"]
                for k in catalogue.key_types}
    untested = {k.id: [c for c in cases if c.outcome(k.id).result == "untested"]
                for k in catalogue.key_types}
    safe = [catalogue.key_type(k) for k, failing in failures.items() if not failing]
    lines = ['!!! tip "What to request, by the numbers"\n']
    if safe:
        names = ", ".join(f"**{text(k.label)}**" for k in safe)
        lines.append(_indent(f"No case here fails with {names}"
                             + (" (some cases leave some of them untested)." if any(
                                 untested[k.id] for k in safe) else ".")))
    ranked = sorted((k for k in catalogue.key_types if failures[k.id]),
                    key=lambda k: len(failures[k.id]))
    if ranked:
        lines.append("")
    for key_type in ranked:
        lines.append(_indent(f"- **{text(key_type.label)}** fails in {len(failures[key_type.id])} "
                             f"of {len(cases)} cases ([which](key-types/{key_type.id}.md))"))
    return "\n".join(lines) + "\n"


def key_types_index(catalogue: Catalogue, cases: Sequence[Case], link: Link) -> str:
    rows = []
    for key_type in catalogue.key_types:
        failing = sum(1 for c in cases if c.outcome(key_type.id).result == "fails")
        issuers = [a.name for a in catalogue.authorities if key_type.id in a.issues]
        rows.append(f'<tr><td><a href="{link(f"key-types/{key_type.id}.md")}">'
                    f"{text(key_type.label)}</a></td>"
                    f"<td><code>{key_type.id}</code></td><td>{failing} of {len(cases)}</td>"
                    f"<td>{text(', '.join(issuers) or 'no public ACME CA')}</td></tr>")
    return (front_matter(title="Key types") + "# Key types\n\n"
            "The certificate key types tlskb tracks, with lego's names for them.\n\n" + _table("tlskb-sortable", ["Key type", "Id", "Fails in", "Issued by"], rows) + "\n")


def key_type_page(key_type: KeyType, catalogue: Catalogue, cases: Sequence[Case],
                  link: Link) -> str:
    detail = (f"an RSA key of {key_type.size} bits" if key_type.algorithm == "rsa" else
              f"an ECDSA key on the {key_type.curve} curve" if key_type.algorithm == "ecdsa"
              else "an Ed25519 key (EdDSA, RFC 8410)")
    authorities = []
    for authority in catalogue.authorities:
        refusals = dict(authority.refuses)
        state = ("✓ issues it" if key_type.id in authority.issues else
                 f"✗ refuses it — {text(refusals[key_type.id])}" if key_type.id in refusals
                 else "✗ does not issue it")
        authorities.append(f"<tr><td>{text(authority.name)}</td><td>{state}</td></tr>")
    options = []
    for client in catalogue.clients:
        option = client.option(key_type.id)
        shown = f"<code>{text(option)}</code>" if option else "not supported"
        default = " (its default)" if client.default == key_type.id else ""
        options.append(f'<tr><td><a href="{link(f"acme-clients/{client.id}.md")}">'
                       f"{text(client.name)}"
                       f"</a></td><td>{shown}{default}</td></tr>")
    case_rows = []
    for case in cases:
        outcome = case.outcome(key_type.id)
        reason = next((r.verdict.reason or r.verdict.summary() for r in case.results
                       if r.key_type == key_type.id), None)
        why = text(reason) if reason else (inline_html(outcome.note) if outcome.note else "")
        case_rows.append(f'<tr><td><a href="{link(f"cases/{case.id}.md")}">{text(case.title)}</a></td>'
                         f"<td>{outcome_cell(outcome)}</td><td>{why}</td></tr>")
    failing = [c for c in cases if c.outcome(key_type.id).result == "fails"]
    summary = (f"It fails in {len(failing)} of the {len(cases)} cases below." if failing
               else f"None of the {len(cases)} cases reports it failing.")
    return (front_matter(title=key_type.label) + f"# {text(key_type.label)} (`{key_type.id}`)\n\n"
            f"A certificate with {detail}. {summary}\n\n## Who issues it\n\n"
            + _table("tlskb-authorities", ["Certificate authority", "Issues it?"], authorities)
            + "\n\n## How to request it\n\n"
            + _table("tlskb-sortable", ["ACME client", "Option"], options)
            + "\n\n## Cases\n\n" + _table("tlskb-sortable", ["Case", "Outcome", "Why"], case_rows)
            + "\n")


def clients_index(catalogue: Catalogue, link: Link) -> str:
    rows = "".join(f'<tr><td><a href="{link(f"acme-clients/{c.id}.md")}">{text(c.name)}</a></td><td>'
                   f"{text(catalogue.key_type(c.default).label)}</td></tr>"
                   for c in catalogue.clients)
    return (front_matter(title="ACME clients") + "# ACME clients\n\n"
            "How to ask each ACME client for each key type, and what it does by default.\n\n"
            + _table("tlskb-sortable", ["Client", "Default key type"], [rows]) + "\n")


def client_page(client: AcmeClient, catalogue: Catalogue, cases: Sequence[Case],
                link: Link) -> str:
    sources = {s.key: s for s in catalogue.sources}
    rows = "".join(
        f'<tr><td><a href="{link(f"key-types/{k.id}.md")}">{text(k.label)}</a></td><td>'
        + (f"<code>{text(client.option(k.id))}</code>" if client.option(k.id) else "not supported")
        + ("" if client.default != k.id else " (default)") + "</td></tr>"
        for k in catalogue.key_types)
    mentioned = [c for c in cases
                 if c.your_side.acme_client == client.id or client.id in dict(c.fix.acme_clients)]
    mentions = "".join(f'<li><a href="{link(f"cases/{c.id}.md")}">{text(c.title)}</a></li>'
                       for c in mentioned) or "<li>No case mentions it yet.</li>"
    references = "".join(f'<li><a href="{text(sources[k].url)}">{text(sources[k].title)}</a></li>'
                         for k in client.sources)
    return (front_matter(title=client.name) + f"# {text(client.name)}\n\n"
            f"Default: **{text(catalogue.key_type(client.default).label)}**. "
            f"{text(client.history)}\n\n## Options\n\n"
            + _table("tlskb-options", ["Key type", "Option"], [rows])
            + "\n\n## Cases that mention it\n\n<ul>" + mentions + "</ul>\n\n"
            "## Sources\n\n<ul>" + references + "</ul>\n")
