"""The site's client catalogue (pure functions of the recorded clients): a page per client, a
page per client family, and the client × key type matrix with its filters.

Evidence, strongest first:
* completed with the real client — the client program ran against the stack's live server
  holding that key, trusting the test CA, and the handshake completed (or it did not, and the
  page says who refused: the server's library or the client);
* replayed — the client's recorded hello, decided by the stack's analyzer, which the test
  suite holds equal to a replay against the library itself, hello by hello (a historical
  client that cannot run here has only this);
the cases add "documented" (vendors' and users' reports) on their own pages.

Every client file is contributed text: names, variants and notes go through safe.plain; the
command and the client's words are shown as code, escaped the same way, the command quoted
for the shell (shlex.join), so that what a reader copies runs the words the recorder ran.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from generator.compat.clients import EndToEnd, RecordedClient, Source
from generator.compat.keytypes import Catalogue, KeyType
from generator.compat.verdict import VerdictKind
from generator.site.blocks import front_matter, table
from generator.site.fragments import Fragments, GeneratedPage
from generator.site.safe import plain
from generator.stacks import Stack, stacks
from generator.tls.records import decode_client_hello
from generator.tls.tree import client_hello_tree
from generator.site.tree_html import tree_html
from generator.site.views.clientcells import VERDICT_MARKS, cell

RECORD_COMMAND = "python tools/record_client_hellos.py --only {id}"
def client_page_path(client: RecordedClient) -> str:
    return f"clients/{client.id}.md"


def family_page_path(family: str) -> str:
    return f"client-families/{family}.md"


def evidence(client: RecordedClient) -> str:
    if client.runs:
        return "completed with the real client"
    if client.origin is Source.RECORDED:
        return "replayed (recorded by a third party, not re-runnable)"
    return "replayed (not yet run end to end)"


def _summary_cell(client: RecordedClient, key_type: KeyType, chosen: Sequence[Stack]) -> str:
    """A matrix cell: how many stacks the key works with, and each stack's mark for the
    stack filter (data-stack-<id>)."""
    cells = [cell(client, s, key_type) for s in chosen]
    works = [c.works for c in cells]
    known = [w for w in works if w is not None]
    good = sum(1 for w in known if w)
    css = ("tlskb-works" if known and good == len(known) else
           "tlskb-fails" if known and good == 0 else "tlskb-proceeds" if known else "")
    per_stack = " ".join(
        f'data-stack-{s.id.value}="{c.mark[0]}" data-class-{s.id.value}="{c.mark[1]}"'
        for s, c in zip(chosen, cells))
    basis = "end to end" if client.runs else "replayed"
    text = f"{'✓' if good == len(known) and known else '✗' if not good else '~'} {good}/{len(known)}"
    return (f'<td class="{css}" {per_stack} data-all="{text}" data-class-all="{css}" '
            f'title="{good} of {len(known)} stacks, {basis}">{text}</td>')


def matrix_html(clients: Sequence[RecordedClient], catalogue: Catalogue, link) -> str:
    """The client × key type matrix, with filters (kb/assets/tlskb.js reads the data-*)."""
    chosen = stacks()
    categories = sorted({c.category for c in clients}, key=lambda c: c.value)
    filters = (
        '<form class="tlskb-filters" aria-label="Filter the clients">'
        '<label><input type="checkbox" name="current"> current clients only</label> '
        '<label>kind <select name="category"><option value="">all</option>'
        + "".join(f'<option value="{c.value}">{c.value}</option>' for c in categories)
        + '</select></label> <label>server stack <select name="stack">'
        '<option value="all">all stacks (count)</option>'
        + "".join(f'<option value="{s.id.value}">{plain(s.label)}</option>' for s in chosen)
        + "</select></label></form>")
    headers = ["Client", "Variant", "Kind", "Library",
               *(f'<a href="{link(f"key-types/{k.id}.md")}">{plain(k.label)}</a>'
                 for k in catalogue.key_types), "Evidence"]
    rows = []
    for client in clients:
        name = (f'<a href="{link(client_page_path(client))}">{plain(client.client)}</a>')
        cells = "".join(_summary_cell(client, k, chosen) for k in catalogue.key_types)
        rows.append(
            f'<tr data-category="{client.category.value}" '
            f'data-historical="{"yes" if client.historical else "no"}">'
            f"<td>{name}</td><td>{plain(client.variant)}</td><td>{client.category.value}</td>"
            f"<td>{client.library.value}</td>{cells}<td>{plain(evidence(client))}</td></tr>")
    return filters + table("tlskb-sortable tlskb-client-matrix", headers, rows)


def clients_index(clients: Sequence[RecordedClient], catalogue: Catalogue, link) -> GeneratedPage:
    f = Fragments()
    binary = [c for c in clients if c.origin is Source.BINARY]
    proven = [c for c in binary if c.runs]
    families = sorted({c.family for c in clients})
    intro = (
        f"<p>{len(clients)} clients: {len(binary)} recorded from real programs on Debian 12 "
        f"(anyone can re-record them: the command is on each page), {len(proven)} of them run "
        "end to end against every server stack's live server with each key type, and "
        f"{len(clients) - len(binary)} recorded by others from clients that cannot run here. "
        "A cell counts the stacks a key type works with for that client: with the real client "
        "when it ran here, else by replaying its hello. Choose a stack to see its own "
        "answer.</p>")
    family_links = ", ".join(f'<a href="{link(family_page_path(fam))}">{plain(fam)}</a>'
                             for fam in families)
    return f.page(front_matter(title="Clients") + "# Clients\n\n" + f.block(intro)
                  + "\n## Matrix\n" + f.block(matrix_html(clients, catalogue, link))
                  + "\n## Families\n" + f.block(f"<p>{family_links}</p>"))


def _runs_table(client: RecordedClient, catalogue: Catalogue) -> str:
    chosen = stacks()
    headers = ["Key type", *(plain(s.label) for s in chosen)]
    rows = []
    for key_type in catalogue.key_types:
        cells = []
        for stack in chosen:
            found = cell(client, stack, key_type)
            mark, css, words = found.mark
            run = found.run
            details = []
            if run is not None:
                details.append(words)
                if run.alert:
                    details.append(f"alert {run.alert}")
                if run.version:
                    details.append(run.version)
                if run.said:
                    details.append(f"the client said: {run.said}")
                if found.verdict is not None:
                    details.append(VERDICT_MARKS[found.verdict][2])
            elif found.verdict is not None:
                details.append(words)
            disagree = (run is not None and found.verdict is not None
                        and (run.result is EndToEnd.COMPLETED) != (found.verdict is VerdictKind.OK))
            label = f"{mark} {run.result.value.replace('_', ' ')}" if run else mark
            note = " *" if disagree else ""
            cells.append(f'<td class="{css}" title="{plain("; ".join(details))}">'
                         f"{plain(label)}{note}</td>")
        rows.append(f"<tr><td>{plain(key_type.label)}</td>{''.join(cells)}</tr>")
    return table("tlskb-stacks", headers, rows)


def client_page(client: RecordedClient, catalogue: Catalogue, link) -> GeneratedPage:
    f = Fragments()
    facts = [("Program", client.name), ("Version", client.version or "unknown"),
             ("Configuration", client.variant), ("Kind", client.category.value),
             ("TLS library", client.library.value), ("Protocol", client.protocol.value),
             ("Recorded", client.recorded or "unknown"), ("Evidence", evidence(client))]
    if client.package_versions:
        facts.append(("Packages", ", ".join(client.package_versions)))
    if client.proven:
        facts.append(("Run end to end", client.proven))
    items = "".join(f"<li><strong>{plain(k)}</strong>: {plain(v)}</li>" for k, v in facts)
    family = (f'<p>Family: <a href="{link(family_page_path(client.family))}">'
              f"{plain(client.family)}</a> · <a href=\"{link('clients/index.md')}\">all "
              "clients</a></p>")
    body = front_matter(title=f"{client.client} — {client.variant}")
    body += f"# {f.inline(plain(client.client))}\n\n" + f.block(family + f"<ul>{items}</ul>")
    body += "\n## Key types by server stack\n" + f.block(
        "<p>Each cell: how the real client's handshake with that stack's live server ended "
        "(✓ completed; ✗ refused, by whom on hover), or, for a client that cannot run here, the "
        "replayed verdict. * marks a cell where the real client and the replay disagree: the "
        "replay sees only the ServerHello, the real client also judges the certificate.</p>"
        + _runs_table(client, catalogue))
    if client.end_to_end_note:
        body += f.block(f"<p>{plain(client.end_to_end_note)}</p>")
    body += "\n## Re-record it\n"
    if client.definition is not None:
        # one shell word per word of the command, quoted as a shell reads it back: a word
        # with spaces or `; sh …` in it is shown as the single argument the recorder passes
        command = shlex.join(client.definition.command)
        packages = " ".join(client.definition.debian)
        body += f.block(
            "<p>Install " + (f"<code>{plain(packages)}</code>" if packages else "it")
            + (f" and PyPI's <code>{plain(' '.join(client.definition.pypi))}</code>"
               if client.definition.pypi else "")
            + ", then run</p>" + f"<pre><code>{plain(RECORD_COMMAND.format(id=shlex.quote(client.id)))}"
            "</code></pre><p>which runs the client as</p>"
            f"<pre><code>{plain(command)}</code></pre>")
    else:
        body += f.block(f"<p>Not re-runnable here. Provenance: {plain(client.source)}</p>")
    body += "\n## Its ClientHello\n"
    try:
        wire = decode_client_hello(client.raw)
        body += f.block(tree_html(client_hello_tree(wire), set(), f"hello-{client.id}"))
    except ValueError as error:
        body += f.block(f"<p>The recorded bytes do not decode: {plain(str(error))}</p>")
    return f.page(body)


def family_page(family: str, members: Sequence[RecordedClient], catalogue: Catalogue,
                link) -> GeneratedPage:
    f = Fragments()
    name = members[0].name
    intro = (f"<p>{len(members)} recorded configuration(s) of {plain(name)}. A cell counts the "
             "server stacks each key type works with.</p>")
    return f.page(front_matter(title=name) + f"# {f.inline(plain(name))}\n\n"
                  + f.block(intro + matrix_rows_only(members, catalogue, link)))


def matrix_rows_only(members: Sequence[RecordedClient], catalogue: Catalogue, link) -> str:
    chosen = stacks()
    headers = ["Client", "Variant", *(plain(k.label) for k in catalogue.key_types), "Evidence"]
    rows = [f'<tr><td><a href="{link(client_page_path(c))}">{plain(c.client)}</a></td>'
            f"<td>{plain(c.variant)}</td>"
            + "".join(_summary_cell(c, k, chosen) for k in catalogue.key_types)
            + f"<td>{plain(evidence(c))}</td></tr>" for c in members]
    return table("tlskb-sortable", headers, rows)


def families(clients: Sequence[RecordedClient]) -> dict[str, list[RecordedClient]]:
    found: dict[str, list[RecordedClient]] = {}
    for client in clients:
        found.setdefault(client.family, []).append(client)
    return dict(sorted(found.items()))

