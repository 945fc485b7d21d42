"""The client and stack view models and their templates, without a MkDocs build: counts checked
against the client files read independently, hand-made clients for each kind of cell, hostile
text escaped, every table with its headers and caption."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from generator.compat.clients import (Category, ClientRun, EndToEnd, RecordedClient, Source,
                                      recorded_clients)
from generator.compat.keytypes import catalogue
from generator.site import clientpages, stackpages
from generator.site.safe import CONTROL
from generator.site.views import clients as views
from generator.stacks import stacks

CLIENT_FILES = Path(__file__).resolve().parent.parent / "generator" / "compat" / "data" / "clients"


def link(target: str) -> str:
    return f"/{target}"


def made(client_id: str, family: str, results: dict[tuple[str, str], EndToEnd], *,
         name: str = "Made", historical: bool = False,
         origin: Source = Source.BINARY) -> RecordedClient:
    """A client with end-to-end runs and no recorded bytes (so no replay: every cell is its
    run's word, or no evidence)."""
    runs = tuple((stack, key, ClientRun(result)) for (stack, key), result in results.items())
    return RecordedClient(client_id, f"{name} 1.0", "1.0", "2026-01-01", None, "made here",
                          b"", name=name, family=family, variant="defaults",
                          origin=origin, historical=historical, runs=runs)


def everywhere(result: EndToEnd, key_types=None) -> dict[tuple[str, str], EndToEnd]:
    keys = key_types or [k.id for k in catalogue().key_types]
    return {(s.id.value, k): result for s in stacks() for k in keys}


# -- the family matrix ----------------------------------------------------------------------------

def test_family_matrix_counts_match_the_client_files():
    """For each family of current clients and each key type: how many of its configurations
    completed end to end on every stack, counted from the YAML files themselves."""
    stack_ids = [s.id.value for s in stacks()]
    key_ids = [k.id for k in catalogue().key_types]
    by_family: dict[str, list[dict]] = defaultdict(list)
    for path in sorted(CLIENT_FILES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data.get("hex") and not data.get("historical"):
            by_family[data["family"]].append(data)
    for family, members in by_family.items():  # the view's rule rests on complete runs here
        for data in members:
            results = data["end_to_end"]["results"]
            assert all(k in results[s] for s in stack_ids for k in key_ids), data["name"]

    matrix = views.family_matrix(recorded_clients(), catalogue(), link)
    assert [row.family.href for row in matrix.rows] == [
        f"/client-families/{family}.md" for family in sorted(by_family)]
    checked = 0
    for row, family in zip(matrix.rows, sorted(by_family)):
        members = by_family[family]
        assert row.configurations == len(members)
        assert row.family.text == members[0]["name"]
        for key_id, found in zip(key_ids, row.cells):
            results = [[m["end_to_end"]["results"][s][key_id]["result"] for s in stack_ids]
                       for m in members]
            k = sum(1 for r in results if all(x == "completed" for x in r))
            some = any(x == "completed" for r in results for x in r)
            assert (found.everywhere, found.configurations, found.somewhere) == (
                k, len(members), some), (family, key_id)
            expected = ("✓" if k == len(members) else "✗" if not some
                        else f"~ {k}/{len(members)}")
            assert found.mark.shown == expected, (family, key_id)
            assert float(found.sort) == pytest.approx(k / len(members), abs=1e-4)
            checked += 1
    assert checked == len(by_family) * len(key_ids) and checked > 100


def test_family_cells_for_made_clients():
    """Every configuration working everywhere is ✓; none anywhere ✗; 1 of 2 working on every
    stack "~ 1/2"; a historical client is left out of its family."""
    rsa = "rsa2048"
    partly = everywhere(EndToEnd.COMPLETED)
    partly[("openssl", rsa)] = EndToEnd.SERVER_REFUSED
    clients = [made("a-1", "alpha", everywhere(EndToEnd.COMPLETED)),
               made("a-2", "alpha", everywhere(EndToEnd.COMPLETED)),
               made("a-old", "alpha", everywhere(EndToEnd.CLIENT_REFUSED), historical=True),
               made("b-1", "beta", everywhere(EndToEnd.CLIENT_REFUSED)),
               made("c-1", "gamma", everywhere(EndToEnd.COMPLETED)),
               made("c-2", "gamma", partly)]
    matrix = views.family_matrix(clients, catalogue(), link)
    rows = {row.family.href: row for row in matrix.rows}
    index = [k.id for k in catalogue().key_types].index(rsa)
    alpha, beta, gamma = (rows[f"/client-families/{f}.md"] for f in ("alpha", "beta", "gamma"))
    assert alpha.configurations == 2 and alpha.cells[index].mark.shown == "✓"
    assert "all 2 configurations" in alpha.cells[index].mark.spoken
    assert beta.cells[index].mark.shown == "✗" and beta.cells[index].mark.css == "tlskb-fails"
    cell = gamma.cells[index]
    assert (cell.mark.shown, cell.sort) == ("~ 1/2", "0.5000")
    assert cell.mark.spoken.startswith("partly: 1 of the 2 configurations work with RSA 2048")
    assert cell.mark.spoken.endswith("end to end") and cell.mark.title
    assert all(c.mark.shown == "✓" for c in gamma.cells[index + 1:])


# -- the client × key type matrix and a client's page -------------------------------------------

def test_a_summary_cell_counts_the_stacks_and_says_its_basis():
    results = everywhere(EndToEnd.COMPLETED)
    results[("gnutls", "ec384")] = EndToEnd.CLIENT_REFUSED
    del results[("go", "ec384")]
    client = made("m-1", "m", results)
    ec384 = next(k for k in catalogue().key_types if k.id == "ec384")
    cell = views.summary_cell(client, ec384, stacks())
    assert (cell.mark.shown, cell.sort, cell.mark.css) == ("~ 3/4", 3, "tlskb-proceeds")
    assert cell.mark.spoken == "works on 3 of 4 stacks, end to end"
    by_stack = {s.stack: s for s in cell.per_stack}
    assert by_stack["gnutls"].mark.spoken == "fails, end to end: the client refused"
    assert (by_stack["go"].mark.shown, by_stack["go"].sort) == ("–", -1)
    assert by_stack["openssl"].sort == 1


def test_no_fact_says_unknown():
    """A client without a recorded version or date says what is missing, or leaves it out."""
    for client in recorded_clients():
        shown = dict(views.facts(client))
        assert "unknown" not in " ".join(shown.values()).lower(), client.id
        assert shown["Evidence"] == views.evidence(client)
    third_party = made("t-1", "t", {}, origin=Source.RECORDED)
    third_party = dataclasses.replace(third_party, version=None, recorded=None)
    shown = dict(views.facts(third_party))
    assert "Version" not in shown
    assert shown["Recorded"] == "not by tlskb's recorder: a third party's recording"
    assert shown["Evidence"].startswith("replayed")


def test_runs_table_marks_say_result_and_basis():
    for client in recorded_clients()[:20]:
        page = views.client_page(client, catalogue(), link)
        assert [row.key_type for row in page.runs.rows] == [
            k.label for k in catalogue().key_types]
        for row in page.runs.rows:
            for cell in row.cells:
                result, _, basis = cell.mark.spoken.partition(", ")
                assert result in {"works", "fails", "proceeds", "no verdict"}, cell
                assert basis.startswith(("end to end", "replayed")), cell


# -- hostile text ---------------------------------------------------------------------------------

HOSTILE = '<script>alert(1)</script> "q" \'s\' \x1b[31m\x00\x7f&amp;'


class Parsed(HTMLParser):
    """Every element, attribute and text of a fragment, and its tables' header structure."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self.tables: list[dict] = []
        self._where: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += attrs
        if tag == "table":
            self.tables.append({"caption": False, "col": [], "row_first": []})
        elif tag == "caption":
            self.tables[-1]["caption"] = True
        elif tag in ("thead", "tbody"):
            self._where.append(tag)
        elif tag == "tr":
            self._first = True
        elif tag in ("th", "td") and self.tables:
            table, part = self.tables[-1], self._where[-1] if self._where else ""
            scope = dict(attrs).get("scope")
            if part == "thead":
                table["col"].append((tag, scope))
            elif part == "tbody" and self._first:
                table["row_first"].append((tag, scope))
            self._first = False

    def handle_endtag(self, tag):
        if tag in ("thead", "tbody") and self._where:
            self._where.pop()

    def handle_data(self, data):
        self.text.append(data)


def parsed(html: str) -> Parsed:
    parser = Parsed()
    parser.feed(html)
    parser.close()
    return parser


def hostile_clients() -> list[RecordedClient]:
    base = next(c for c in recorded_clients() if c.definition is not None)
    run = ClientRun(EndToEnd.CLIENT_REFUSED, alert=HOSTILE, said=f'" onmouseover="{HOSTILE}')
    runs = tuple((s.id.value, k.id, run) for s in stacks() for k in catalogue().key_types)
    definition = dataclasses.replace(base.definition, command=("curl", HOSTILE),
                                     debian=(HOSTILE,), pypi=(HOSTILE,))
    return [dataclasses.replace(base, client=HOSTILE, name=HOSTILE, variant=HOSTILE,
                                family="hostile", source=HOSTILE, end_to_end_note=HOSTILE,
                                package_versions=(HOSTILE,), runs=runs, definition=definition,
                                category=Category.WEB)]


def fragments_of(page) -> str:
    return "\n".join(fragment.html for fragment in page.fragments.values())


@cache
def rendered_hostile_pages() -> dict[str, str]:
    clients = hostile_clients()
    return {
        "client page": fragments_of(clientpages.client_page(clients[0], catalogue(), link)),
        "clients index": fragments_of(clientpages.clients_index(clients, catalogue(), link)),
        "family page": fragments_of(clientpages.family_page("hostile", clients, catalogue(),
                                                            link)),
        "family matrix": clientpages.family_matrix_html(clients, catalogue(), link),
    }


@pytest.mark.parametrize("name", list(rendered_hostile_pages()))
def test_hostile_client_text_comes_out_escaped(name):
    html = rendered_hostile_pages()[name]
    found = parsed(html)
    assert "script" not in found.tags
    assert not any(attribute.startswith("on") for attribute, _ in found.attributes)
    assert not CONTROL.search(html)
    text = "".join(found.text) + " ".join(v or "" for _, v in found.attributes)
    without_controls = CONTROL.sub("", HOSTILE)
    assert without_controls in text
    assert "&amp;amp;" in html  # escaped once: the reader sees "&amp;" as written


# -- tables: headers and captions ----------------------------------------------------------------

@cache
def all_tables() -> dict[str, str]:
    clients = recorded_clients()
    curl = next(c for c in clients if c.family == "curl")
    members = clientpages.families(clients)["curl"]
    return {
        "clients index": fragments_of(clientpages.clients_index(clients, catalogue(), link)),
        "client page": fragments_of(clientpages.client_page(curl, catalogue(), link)),
        "family page": fragments_of(clientpages.family_page("curl", members, catalogue(),
                                                            link)),
        "family matrix": clientpages.family_matrix_html(clients, catalogue(), link),
        "stacks index": fragments_of(stackpages.stacks_index(link)),
        "stack page": fragments_of(stackpages.stack_page(stacks()[0], catalogue(), (), link)),
        "stack summary": stackpages.stack_summary_html((), catalogue(), link),
    }


@pytest.mark.parametrize("name", list(all_tables()))
def test_every_table_has_column_and_row_headers_and_a_caption(name):
    found = parsed(all_tables()[name])
    assert found.tables, name
    for table in found.tables:
        assert table["caption"], name
        assert table["col"] and all(cell == ("th", "col") for cell in table["col"]), name
        assert table["row_first"] and all(cell == ("th", "row") for cell in table["row_first"])


def test_key_types_are_named_by_their_label():
    html = all_tables()["family matrix"] + all_tables()["client page"]
    text = "".join(parsed(html).text)
    for key_type in catalogue().key_types:
        assert key_type.label in text


def test_filter_controls_are_labelled():
    html = all_tables()["clients index"]
    found = parsed(html)
    ids = [v for name, v in found.attributes if name == "id"]
    labelled = [v for name, v in found.attributes if name == "for"]
    controls = [tag for tag in found.tags if tag in ("input", "select")]
    assert len(controls) == 3 and sorted(ids) == sorted(labelled)
