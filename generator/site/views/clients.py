"""What the client pages show (pure view models of the recorded clients): the client × key type
matrix with its filters, a page per client and per family, and the home page's family × key
type matrix.

Evidence, strongest first: completed (or refused) with the real client, end to end against a
stack's live server; else replayed (the client's recorded hello decided by the stack's
analyzer). Contributor text (names, variants, notes, commands) stays plain str here: the
templates escape it. Links come from the `link` callable the plugin passes in.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from generator.compat.clients import ClientRun, EndToEnd, RecordedClient, Source
from generator.compat.keytypes import Catalogue, KeyType
from generator.compat.verdict import VerdictKind
from generator.errors import DecodeError
from generator.site.tree_html import tree_html
from generator.site.views.clientcells import VERDICT_MARKS, Cell, cell
from generator.i18n import N_, _, ngettext
from generator.site.views.common import Linker
from generator.site.views.marks import Link, Mark
from generator.stacks import Stack, stacks
from generator.tls.records import decode_client_hello
from generator.tls.tree import client_hello_tree


RECORD_COMMAND = "python tools/record_client_hellos.py --only {id}"
MATRIX_CAPTION = N_("Recorded clients by key type: on how many server stacks the key type works")

#: a real client's run as words: the result, then who decided it
RUN_WORDS = {
    EndToEnd.COMPLETED: N_("works, end to end: completed with the real client"),
    EndToEnd.SERVER_REFUSED: N_("fails, end to end: the server's library refused the handshake"),
    EndToEnd.CLIENT_REFUSED: N_("fails, end to end: the client refused what the server sent"),
    EndToEnd.NO_CONNECTION: N_("fails, end to end: the client never reached the server"),
    EndToEnd.FAILED: N_("no verdict, end to end: the handshake ended without one"),
}
#: a replayed hello as words
VERDICT_WORDS = {
    VerdictKind.OK: N_("works, replayed: the server answers"),
    VerdictKind.PROCEEDS: N_("proceeds, replayed: the server answers, the client may refuse"),
    VerdictKind.FAIL: N_("fails, replayed: the server refuses"),
}
#: the same, short, for each stack's answer in a matrix cell (the stack filter shows it)
RUN_WORDS_SHORT = {
    EndToEnd.COMPLETED: N_("works, end to end"),
    EndToEnd.SERVER_REFUSED: N_("fails, end to end: the server refused"),
    EndToEnd.CLIENT_REFUSED: N_("fails, end to end: the client refused"),
    EndToEnd.NO_CONNECTION: N_("fails, end to end: no connection"),
    EndToEnd.FAILED: N_("no verdict, end to end"),
}
#: each kind of client as the matrix's filter and column name it (its value stays the data's)
CATEGORY_WORDS = {"web": N_("web"), "mail": N_("mail"), "database": N_("database"),
                  "directory": N_("directory"), "messaging": N_("messaging"), "dns": N_("dns"),
                  "files": N_("files"), "chat": N_("chat"), "runtime": N_("runtime"),
                  "tool": N_("tool")}
#: a run's result as a cell of a client's page shows it
RUN_SHOWN = {EndToEnd.COMPLETED: N_("completed"), EndToEnd.SERVER_REFUSED: N_("server refused"),
             EndToEnd.CLIENT_REFUSED: N_("client refused"),
             EndToEnd.NO_CONNECTION: N_("no connection"), EndToEnd.FAILED: N_("failed")}
VERDICT_WORDS_SHORT = {VerdictKind.OK: N_("works, replayed"),
                       VerdictKind.PROCEEDS: N_("proceeds, replayed: the client may refuse"),
                       VerdictKind.FAIL: N_("fails, replayed")}


def client_page_path(client: RecordedClient) -> str:
    return f"clients/{client.id}.md"


def family_page_path(family: str) -> str:
    return f"client-families/{family}.md"


def key_type_path(key_type: KeyType) -> str:
    return f"key-types/{key_type.id}.md"


def stack_path(stack: Stack) -> str:
    return f"stacks/{stack.id.value}.md"


def families(clients: Sequence[RecordedClient]) -> dict[str, list[RecordedClient]]:
    """The clients by family, families in name order, members in the order given."""
    found: dict[str, list[RecordedClient]] = {}
    for client in clients:
        found.setdefault(client.family, []).append(client)
    return dict(sorted(found.items()))


def evidence(client: RecordedClient) -> str:
    if client.runs:
        return _("completed with the real client")
    if client.origin is Source.RECORDED:
        return _("replayed (recorded by a third party, not re-runnable)")
    return _("replayed (not yet run end to end)")


def cell_words(found: Cell, short: bool = False) -> str:
    """One stack's evidence as words: the result and its basis (`short`: without the why)."""
    if found.run is not None:
        return _((RUN_WORDS_SHORT if short else RUN_WORDS)[found.run.result])
    if found.verdict is not None:
        return _((VERDICT_WORDS_SHORT if short else VERDICT_WORDS)[found.verdict])
    return _("no evidence")


# -- the client × key type matrix ---------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class StackMark:
    """One stack's answer in a matrix cell, for the stack filter: `sort` 1 works, 0 does not,
    -1 no evidence."""
    stack: str
    mark: Mark
    sort: int


@dataclass(frozen=True, slots=True)
class SummaryCell:
    """A client × key type cell: on how many stacks the key works (`mark`, `sort` the count),
    and each stack's own answer."""
    mark: Mark
    sort: int
    per_stack: tuple[StackMark, ...]


@dataclass(frozen=True, slots=True)
class ClientRow:
    client: Link
    variant: str
    category: str              # the kind's value, for the filter (data-category)
    library: str
    historical: bool
    cells: tuple[SummaryCell, ...]
    evidence: str

    @property
    def category_words(self) -> str:
        """The kind in the active language."""
        return _(CATEGORY_WORDS[self.category])


@dataclass(frozen=True, slots=True)
class Filters:
    """The matrix's filter form: kinds of client (value, words) and stacks (id, label) to choose
    from."""
    categories: tuple[tuple[str, str], ...]
    stacks: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class ClientMatrix:
    caption: str
    key_types: tuple[Link, ...]
    rows: tuple[ClientRow, ...]
    details: bool              # kind and library columns (the index; a family page omits them)
    filters: Filters | None


def summary_cell(client: RecordedClient, key_type: KeyType,
                 chosen: Sequence[Stack]) -> SummaryCell:
    cells = [cell(client, s, key_type) for s in chosen]
    known = [c.works for c in cells if c.works is not None]
    good = sum(known)
    basis = _("end to end") if client.runs else _("replayed")
    if not known:
        mark = Mark("–", "", _("no evidence for %(key_type)s on any stack") % {
            "key_type": key_type.label})
    else:
        symbol, css = (("✓", "tlskb-works") if good == len(known) else
                       ("✗", "tlskb-fails") if good == 0 else ("~", "tlskb-proceeds"))
        mark = Mark(f"{symbol} {good}/{len(known)}", css,
                    _("works on %(good)s of %(known)s stacks, %(basis)s") % {
                        "good": good, "known": len(known), "basis": basis},
                    _("%(good)s of %(known)s stacks, %(basis)s") % {
                        "good": good, "known": len(known), "basis": basis})
    per_stack = tuple(
        StackMark(s.id.value, Mark(c.mark[0], c.mark[1], cell_words(c, short=True)),
                  -1 if c.works is None else int(c.works))
        for s, c in zip(chosen, cells))
    return SummaryCell(mark, good, per_stack)


def client_matrix(clients: Sequence[RecordedClient], catalogue: Catalogue, link: Linker, *,
                  caption: str, details: bool = True, filters: bool = True) -> ClientMatrix:
    chosen = stacks()
    rows = tuple(
        ClientRow(Link(link(client_page_path(c)), c.client), c.variant, c.category.value,
                  c.library.value, c.historical,
                  tuple(summary_cell(c, k, chosen) for k in catalogue.key_types), evidence(c))
        for c in clients)
    form = Filters(tuple((value, _(CATEGORY_WORDS[value]))
                         for value in sorted({c.category.value for c in clients})),
                   tuple((s.id.value, s.label) for s in chosen)) if filters else None
    return ClientMatrix(caption, tuple(Link(link(key_type_path(k)), k.label)
                                       for k in catalogue.key_types), rows, details, form)


@dataclass(frozen=True, slots=True)
class ClientsIndex:
    clients: int
    binary: int
    proven: int
    matrix: ClientMatrix
    families: tuple[Link, ...]


def clients_index(clients: Sequence[RecordedClient], catalogue: Catalogue,
                  link: Linker) -> ClientsIndex:
    binary = [c for c in clients if c.origin is Source.BINARY]
    return ClientsIndex(
        len(clients), len(binary), sum(1 for c in binary if c.runs),
        client_matrix(clients, catalogue, link, caption=_(MATRIX_CAPTION)),
        tuple(Link(link(family_page_path(family)), members[0].name)
              for family, members in families(clients).items()))


@dataclass(frozen=True, slots=True)
class FamilyPage:
    name: str
    matrix: ClientMatrix


def family_page(members: Sequence[RecordedClient], catalogue: Catalogue,
                link: Linker) -> FamilyPage:
    name = members[0].name
    return FamilyPage(name, client_matrix(
        members, catalogue, link, caption=_("The configurations of %(name)s by key type: on how "
                                            "many server stacks the key type works") % {
                                                "name": name},
        details=False, filters=False))


# -- a client's page ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RunCell:
    """One stack × key type on a client's page; `disagree` when the real client and the replay
    of its hello came to different answers."""
    mark: Mark
    disagree: bool


@dataclass(frozen=True, slots=True)
class RunRow:
    key_type: str
    cells: tuple[RunCell, ...]


@dataclass(frozen=True, slots=True)
class RunsTable:
    caption: str
    stacks: tuple[Link, ...]
    rows: tuple[RunRow, ...]


@dataclass(frozen=True, slots=True)
class Rerecord:
    """How to record the client again: Debian and PyPI packages, the recorder's command and
    the client's command, each quoted as a shell reads it back."""
    packages: str
    pypi: str
    record_command: str
    command: str


@dataclass(frozen=True, slots=True)
class ClientPage:
    title: str
    heading: str
    family: Link
    all_clients: Link
    facts: tuple[tuple[str, str], ...]
    runs: RunsTable
    end_to_end_note: str | None
    rerecord: Rerecord | None
    provenance: str
    hello: Markup | None         # the decoded hello (tree_html escapes what it shows)
    hello_error: str | None      # why the recorded bytes do not decode


def run_cell(found: Cell) -> RunCell:
    symbol, css, words = found.mark
    run: ClientRun | None = found.run
    details = []
    if run is not None:
        details.append(words)
        if run.alert:
            details.append(_("alert %(alert)s") % {"alert": run.alert})
        if run.version:
            details.append(run.version)
        if run.said:
            details.append(_("the client said: %(said)s") % {"said": run.said})
        if found.verdict is not None:
            details.append(_(VERDICT_MARKS[found.verdict][2]))
    elif found.verdict is not None:
        details.append(words)
    disagree = (run is not None and found.verdict is not None
                and (run.result is EndToEnd.COMPLETED) != (found.verdict is VerdictKind.OK))
    shown = f"{symbol} {_(RUN_SHOWN[run.result])}" if run else symbol
    spoken = cell_words(found) + (_("; the replay disagrees") if disagree else "")
    return RunCell(Mark(shown, css, spoken, "; ".join(details)), disagree)


def facts(client: RecordedClient) -> tuple[tuple[str, str], ...]:
    """The client's facts, leaving out what was not recorded rather than saying "unknown"."""
    found = [(_("Program"), client.name)]
    if client.version:
        found.append((_("Version"), client.version))
    found += [(_("Configuration"), client.variant),
              (_("Kind"), _(CATEGORY_WORDS[client.category.value])),
              (_("TLS library"), client.library.value), (_("Protocol"), client.protocol.value)]
    if client.recorded:
        found.append((_("Recorded"), client.recorded))
    elif client.origin is Source.RECORDED:
        found.append((_("Recorded"), _("not by tlskb's recorder: a third party's recording")))
    found.append((_("Evidence"), evidence(client)))
    if client.package_versions:
        found.append((_("Packages"), ", ".join(client.package_versions)))
    if client.proven:
        found.append((_("Run end to end"), client.proven))
    return tuple(found)


def client_page(client: RecordedClient, catalogue: Catalogue, link: Linker) -> ClientPage:
    chosen = stacks()
    runs = RunsTable(
        _("%(client)s (%(variant)s): each key type against each server stack") % {
            "client": client.client, "variant": client.variant},
        tuple(Link(link(stack_path(s)), s.label) for s in chosen),
        tuple(RunRow(k.label, tuple(run_cell(cell(client, s, k)) for s in chosen))
              for k in catalogue.key_types))
    rerecord = None
    if client.definition is not None:
        # one shell word per word of the command, quoted as a shell reads it back: a word
        # with spaces or `; sh …` in it is shown as the single argument the recorder passes
        rerecord = Rerecord(" ".join(client.definition.debian),
                            " ".join(client.definition.pypi),
                            RECORD_COMMAND.format(id=shlex.quote(client.id)),
                            shlex.join(client.definition.command))
    try:
        wire = decode_client_hello(client.raw)
        hello, error = Markup(tree_html(client_hello_tree(wire), set(), f"hello-{client.id}")), None
    except DecodeError as problem:  # check refuses such a file; the page says so all the same
        hello, error = None, str(problem)
    return ClientPage(f"{client.client} — {client.variant}", client.client,
                      Link(link(family_page_path(client.family)), client.family),
                      Link(link("clients/index.md"), _("all clients")), facts(client), runs,
                      client.end_to_end_note, rerecord, client.source, hello, error)


# -- the home page's family × key type matrix ---------------------------------------------------

@dataclass(frozen=True, slots=True)
class FamilyCell:
    """A family × key type: how many of its `configurations` work with the key type on every
    stack (`everywhere`), and whether any works on some stack (`somewhere`)."""
    mark: Mark
    everywhere: int
    configurations: int
    somewhere: bool

    @property
    def sort(self) -> str:
        return f"{self.everywhere / self.configurations:.4f}"


@dataclass(frozen=True, slots=True)
class FamilyRow:
    family: Link
    configurations: int
    cells: tuple[FamilyCell, ...]


@dataclass(frozen=True, slots=True)
class FamilyMatrix:
    caption: str
    key_types: tuple[Link, ...]
    rows: tuple[FamilyRow, ...]


def _basis(cells: Sequence[Cell]) -> str:
    runs = sum(1 for c in cells if c.run is not None)
    return (_("end to end") if runs == len(cells) else _("replayed") if runs == 0
            else _("end to end where the client ran, else replayed"))


def family_cell(members: Sequence[RecordedClient], key_type: KeyType,
                chosen: Sequence[Stack]) -> FamilyCell:
    grid = [[cell(c, s, key_type) for s in chosen] for c in members]
    everywhere = sum(1 for row in grid if all(c.works is True for c in row))
    somewhere = any(c.works is True for row in grid for c in row)
    n, basis = len(members), _basis([c for row in grid for c in row])
    values = {"n": n, "basis": basis, "key_type": key_type.label, "everywhere": everywhere}
    if everywhere == n:
        mark = Mark("✓", "tlskb-works",
                    ngettext("works: the %(n)s configuration with every server stack, %(basis)s",
                             "works: all %(n)s configurations with every server stack, "
                             "%(basis)s", n) % values,
                    _("%(key_type)s: every configuration works with every server stack")
                    % values)
    elif not somewhere:
        mark = Mark("✗", "tlskb-fails",
                    ngettext("fails: the %(n)s configuration works with no server stack, "
                             "%(basis)s",
                             "fails: none of the %(n)s configurations works with any server "
                             "stack, %(basis)s", n) % values,
                    _("%(key_type)s: no configuration works with any server stack") % values)
    else:
        words = _("%(everywhere)s of the %(n)s configurations work with %(key_type)s on every "
                  "server stack; the others fail on at least one") % values
        mark = Mark(f"~ {everywhere}/{n}", "tlskb-proceeds",
                    _("partly: %(words)s, %(basis)s") % {"words": words, "basis": basis}, words)
    return FamilyCell(mark, everywhere, n, somewhere)


def family_matrix(clients: Sequence[RecordedClient], catalogue: Catalogue,
                  link: Linker) -> FamilyMatrix:
    """One row per family of current (not historical) clients, one column per key type."""
    chosen = stacks()
    current = [c for c in clients if not c.historical]
    rows = tuple(
        FamilyRow(Link(link(family_page_path(family)), members[0].name), len(members),
                  tuple(family_cell(members, k, chosen) for k in catalogue.key_types))
        for family, members in families(current).items())
    return FamilyMatrix(_("Client families by key type: whether their current configurations "
                          "work with every server stack"),
                        tuple(Link(link(key_type_path(k)), k.label) for k in catalogue.key_types),
                        rows)
