"""Each list — key types, ACME clients, tags — lives in the catalogue alone: the copies kept for
editors, pre-commit and MkDocs are current, a stale copy is named with the command that
rewrites it, and a key type, ACME client or tag added to a copy of the catalogue reaches every
page, or stops check and the build at a file:line:col, never in a traceback."""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from mkdocs.exceptions import Abort

from generator.cli import main
from generator.compat.keytypes import CATALOGUE_FILE, catalogue
from support.hostile import catalogue_file
from support.site import ROOT, build_site, project_copy, sync_lists, sync_tool

SCHEMA = ROOT / "cases" / "case.schema.json"
MKDOCS = ROOT / "mkdocs.yml"
SYNC = "run `python tools/sync_lists.py`: it writes the lists of generator/compat/data/" \
       "catalogue.yaml into the schema"
DOCUMENTED = '{result: untested, basis: documented, note: "No source says yet."}'


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def position(text: str, written: str, after: str = "") -> tuple[int, int]:
    """(line, column) where `written` first occurs after `after`, 1-based."""
    start = text.index(written, text.index(after) if after else 0)
    return text.count("\n", 0, start) + 1, start - text.rfind("\n", 0, start)


def extended_catalogue(path: Path, *, key_type: bool = True, client: bool = True,
                       tag: bool = True, preference: list[str] | None = None) -> Path:
    """The real catalogue with a key type RSA 6144 (only step can request it), an ACME client
    'example-acme' and a tag 'nginx' added, written to `path`."""
    data = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    if key_type:
        data["key_types"].append({"id": "rsa6144", "label": "RSA 6144", "algorithm": "rsa",
                                  "size": 6144})
        data["preference"].append("rsa6144")
        for entry in data["acme_clients"]:
            entry["options"]["rsa6144"] = "--kty RSA --size 6144" if entry["id"] == "step" \
                else None
    if client:
        data["acme_clients"].append({
            "id": "example-acme", "name": "Example ACME", "default": "ec256",
            "history": "A client made up by the tests.", "sources": ["lego"],
            "usage": "example-acme --domain example.com {option}",
            "options": {k["id"]: f"--key {k['id']}" for k in data["key_types"]}})
    if tag:
        data["tags"].append("nginx")
    if preference is not None:
        data["preference"] = preference
    path.write_text(yaml.safe_dump(data, sort_keys=False, width=1000), encoding="utf-8")
    return path


def project_in(tmp_path: Path) -> Path:
    """A copy of the project's site sources and real cases in tmp_path/project."""
    (tmp_path / "project").mkdir()
    return project_copy(tmp_path / "project")


def with_outcome(text: str, line: str = f"  rsa6144: {DOCUMENTED}") -> str:
    """A case's text with one more outcome, first in its outcomes."""
    assert text.count("\noutcomes:\n") == 1
    return text.replace("\noutcomes:\n", f"\noutcomes:\n{line}\n")


# -- the committed copies ---------------------------------------------------------------------

def test_the_committed_copies_hold_the_catalogues_lists():
    tool = sync_tool()
    for path, render in ((SCHEMA, tool.render_schema), (MKDOCS, tool.render_mkdocs)):
        committed = path.read_text(encoding="utf-8")
        assert render(committed, catalogue()) == committed, "run: python tools/sync_lists.py"
    result = subprocess.run([sys.executable, "tools/sync_lists.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout) == (0, "the lists are current\n"), result.stderr


def test_the_tool_rewrites_stale_copies(tmp_path):
    """What it writes does not depend on what the copies held: stale ones become current."""
    tool = sync_tool()
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    schema["$defs"]["tag"]["enum"] = ["rsa"]
    schema["properties"]["outcomes"]["required"].remove("ec384")
    del schema["properties"]["fix"]["properties"]["acme_clients"]["properties"]
    stale = json.dumps(schema)
    assert tool.render_schema(stale, catalogue()) == SCHEMA.read_text(encoding="utf-8")
    config = MKDOCS.read_text(encoding="utf-8")
    assert tool.render_mkdocs(config.replace("        - keyspec\n", "        - gone\n"),
                              catalogue()) == config
    with pytest.raises(tool.StaleFileError, match="no `tags_allowed:` list"):
        tool.render_mkdocs(re.sub(r"tags_allowed:\n(        - .*\n)+", "", config), catalogue())


def test_a_stale_schema_copy_is_named_at_its_list(tmp_path):
    """The cases are checked with the catalogue's lists all the same; the copy editors and
    pre-commit read is a problem at each list that differs, with the command to run."""
    cases = tmp_path / "cases"
    cases.mkdir()
    for case in (ROOT / "cases").glob("*.yaml"):
        (cases / case.name).write_text(case.read_text(encoding="utf-8"), encoding="utf-8")
    text = SCHEMA.read_text(encoding="utf-8")
    stale = text.replace('"keyspec"', '"keyspec", "retired"').replace(
        '"step": {"description": "What to know about step here', '"stp": {"description": '
        '"What to know about step here')
    (cases / "case.schema.json").write_text(stale, encoding="utf-8")
    code, out, err = run("check", str(cases))
    schema = cases / "case.schema.json"
    notes = "%d:%d" % position(stale, '{\n            "lego"')
    tags = "%d:%d" % position(stale, "[", '"tag": {')
    # (the copied cases have no translations beside them: one note each, not a problem)
    said = [line for line in err.splitlines() if not line.startswith("tlskb: note: ")]
    assert code == 1 and said == ["tlskb: 2 problem(s) in 1 file(s); 9 case file(s) checked"]
    assert out.splitlines() == [
        f"{schema}:{notes}: properties.fix.properties.acme_clients.properties is not the "
        f"catalogue's list: it lacks step; it has stp, which the catalogue has not ({SYNC})",
        f"{schema}:{tags}: $defs.tag.enum is not the catalogue's list: it has retired, which "
        f"the catalogue has not ({SYNC})"]


# -- a key type, an ACME client and a tag added to the catalogue ------------------------------

def test_a_new_key_type_is_required_of_every_case_at_its_outcomes(tmp_path):
    """Before, check passed these cases and the page builders crashed on the missing outcome.
    The cases are held to the catalogue's key types whatever the schema's copy says; the copy
    is named as stale besides."""
    project = project_in(tmp_path)
    with catalogue_file(extended_catalogue(tmp_path / "catalogue.yaml", client=False,
                                           tag=False)):
        code, out, err = run("check", str(project / "cases"))
    assert code == 1 and err == "tlskb: 12 problem(s) in 10 file(s); 9 case file(s) checked\n"
    schema = f"{project / 'cases' / 'case.schema.json'}:"
    lines = out.splitlines()
    assert [line.split(": ", 1)[1].split(" is not")[0] for line in lines[:3]] == [
        "properties.outcomes.required", "properties.outcomes.properties", "$defs.key_type.enum"]
    assert all(line.startswith(schema) and line.endswith(f"it lacks rsa6144 ({SYNC})")
               for line in lines[:3])
    assert len(lines) == 12
    for line in lines[3:]:
        where, message = re.fullmatch(r"(.*\.yaml:\d+:\d+): (.*)", line).groups()
        file, number, column = where.rsplit(":", 2)
        assert message == ("outcomes is missing the required field 'rsa6144' (Works, fails or "
                           "untested with rsa6144)")
        # at the case's outcomes: the first outcome it gives
        assert Path(file).read_text().splitlines()[int(number) - 1][int(column) - 1:] \
            .startswith("rsa2048:"), line


def test_the_build_stops_at_the_cases_lacking_the_new_key_type(tmp_path, caplog):
    project = project_in(tmp_path)
    with catalogue_file(extended_catalogue(tmp_path / "catalogue.yaml")):
        sync_lists(project)
        with caplog.at_level(logging.ERROR), pytest.raises(Abort):
            build_site(tmp_path / "site", project)
    assert "tlskb: 9 problem(s) in the cases; the site is not built from invalid cases" \
        in caplog.text
    assert caplog.text.count("outcomes is missing the required field 'rsa6144'") == 9
    assert not (tmp_path / "site" / "index.html").exists()


def test_a_new_key_type_client_and_tag_reach_every_page(tmp_path):
    project = project_in(tmp_path)
    for case in (project / "cases").glob("*.yaml"):
        case.write_text(with_outcome(case.read_text(encoding="utf-8")), encoding="utf-8")
    exchange = project / "cases" / "exchange-online-p384.yaml"
    text = exchange.read_text(encoding="utf-8")
    assert text.count("\n  acme_clients:\n") == 1 and text.count("\ntags: [") == 1
    exchange.write_text(text.replace("\n  acme_clients:\n", "\n  acme_clients:\n    "
                                     "example-acme: Made up by the tests, to be shown.\n")
                        .replace("\ntags: [", "\ntags: [nginx, "), encoding="utf-8")
    with catalogue_file(extended_catalogue(tmp_path / "catalogue.yaml")):
        code, out, _ = run("check", str(project / "cases"))
        assert code == 1 and [line.split(": ", 1)[1].split(" is not")[0]
                              for line in out.splitlines()] == [
            "properties.outcomes.required", "properties.outcomes.properties",
            "properties.fix.properties.acme_clients.properties", "$defs.key_type.enum",
            "$defs.acme_client.enum", "$defs.tag.enum"]
        sync_lists(project)
        code, out, _ = run("check", str(project / "cases"))
        assert code == 0, out
        site = build_site(tmp_path / "site", project)
    page = (site / "key-types" / "rsa6144.html").read_text(encoding="utf-8")
    assert "RSA 6144" in page and "--kty RSA --size 6144" in page
    home = (site / "index.html").read_text(encoding="utf-8")
    assert '<th scope="col">RSA 6144</th>' in home   # the matrix's new column
    assert '<a href="key-types/rsa6144.html">RSA 6144</a>' in home   # the answer's new row
    client = (site / "acme-clients" / "example-acme.html").read_text(encoding="utf-8")
    assert "Example ACME" in client and "--key rsa6144" in client
    case = (site / "cases" / "exchange-online-p384.html").read_text(encoding="utf-8")
    assert "RSA 6144" in case and "Made up by the tests, to be shown." in case
    assert "nginx" in (site / "tags.html").read_text(encoding="utf-8")


def test_a_stale_tags_allowed_stops_the_build_with_the_command(tmp_path, caplog):
    """mkdocs.yml's copy of the tags is Material's allow-list: stale, the build says so."""
    project = project_in(tmp_path)
    with catalogue_file(extended_catalogue(tmp_path / "catalogue.yaml", key_type=False,
                                           client=False)):
        # the schema alone: mkdocs.yml keeps the old tags
        schema = project / "cases" / "case.schema.json"
        schema.write_text(sync_tool().render_schema(schema.read_text(), catalogue()))
        assert run("check", str(project / "cases"))[0] == 0
        with caplog.at_level(logging.ERROR), pytest.raises(Abort):
            build_site(tmp_path / "site", project)
    assert (f"{project / 'mkdocs.yml'}: the tags plugin's tags_allowed is not the catalogue's "
            "list of tags: it lacks nginx; run `python tools/sync_lists.py`") in caplog.text


def test_a_replayed_claim_without_a_replay_key_fails_in_one_line(tmp_path):
    """A key type the reference server has no key for: one line naming the tool that makes it."""
    path = tmp_path / "cases" / "exchange-online-p384.yaml"
    path.parent.mkdir()
    path.write_text(with_outcome((ROOT / "cases" / path.name).read_text(), "  rsa6144: works"))
    with catalogue_file(extended_catalogue(tmp_path / "catalogue.yaml")):
        schema = sync_tool().render_schema(SCHEMA.read_text(), catalogue())
        (path.parent / "case.schema.json").write_text(schema)
        code, out, err = run("check", str(path))
    assert code == 1 and out == ""
    assert re.fullmatch(r"tlskb: error: \S+rsa-6144\.pem: cannot load the replay key \(.*\); "
                        r"run `python tools/make_replay_keys.py`\n", err), err


def test_a_changed_catalogue_is_read_again_by_the_next_build(tmp_path):
    """`mkdocs serve` rebuilds in one process: the second build shows the changed label."""
    project = project_in(tmp_path)
    path = tmp_path / "catalogue.yaml"
    path.write_text(CATALOGUE_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    with catalogue_file(path):
        build_site(tmp_path / "first", project)
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("label: RSA 8192", "label: RSA 8192 bits"), encoding="utf-8")
        second = build_site(tmp_path / "second", project)
    assert "RSA 8192 bits" in (second / "key-types" / "rsa8192.html").read_text()
    assert "RSA 8192 bits" not in (tmp_path / "first" / "key-types" / "rsa8192.html").read_text()


# -- code that used to hold copies --------------------------------------------------------------

def test_new_recommends_by_the_catalogues_preference(tmp_path):
    from generator.cases.scaffold import recommended
    order = ("rsa2048", "ec256", "ec384")
    assert recommended(order, {"ec256": True, "ec384": True}) == "ec256"
    assert recommended(order, {"rsa2048": False}) == "rsa2048"  # nothing works: check says so
    capture = ROOT / "tests" / "data" / "captures" / "loopback-clients.pcap"
    args = ("--from", str(capture), "--dir", str(tmp_path), "--max-samples", "1")
    assert run("new", "default-order", *args)[0] == 0
    assert "\n  recommended: ec256\n" in (tmp_path / "default-order.yaml").read_text()
    preference = ["rsa3072", "ec256", "rsa2048", "ec384", "rsa4096", "ec521", "rsa8192",
                  "ed25519"]
    with catalogue_file(extended_catalogue(tmp_path / "catalogue.yaml", key_type=False,
                                           preference=preference)):
        assert run("new", "rsa-first", *args)[0] == 0
    assert "\n  recommended: rsa3072\n" in (tmp_path / "rsa-first.yaml").read_text()


def test_help_names_the_catalogues_key_types(tmp_path, capsys):
    with catalogue_file(extended_catalogue(tmp_path / "catalogue.yaml")):
        assert main(["analyze", "--help"]) == 0
        assert "rsa2048 rsa3072 rsa4096 rsa8192 ec256 ec384 ec521 ed25519 rsa6144" in \
            " ".join(capsys.readouterr().out.split())
        assert main(["capture", "--help"]) == 0
        assert "(default: ec256, the first the catalogue prefers)" in \
            " ".join(capsys.readouterr().out.split())
    broken = tmp_path / "broken.yaml"
    broken.write_text(CATALOGUE_FILE.read_text().replace("preference: [ec256, ",
                                                         "preference: ["))
    with catalogue_file(broken):
        assert main(["analyze", "--help"]) == 0
        assert "default: all of (the key-type catalogue has problems: `tlskb check` lists " \
            "them)" in " ".join(capsys.readouterr().out.split())


def test_the_pages_know_every_value_the_schema_allows():
    """The page builders look these vocabularies up by the case's value."""
    from generator.site.views.cases import ROLES, STATES
    from generator.site.views.common import SYMBOLS as MARKS
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    properties = schema["properties"]
    assert list(ROLES) == properties["platform"]["properties"]["role"]["enum"]
    assert list(STATES) == properties["status"]["properties"]["state"]["enum"]
    assert list(MARKS) == schema["$defs"]["outcome"]["oneOf"][0]["enum"]


def test_the_catalogue_schema_knows_the_algorithms_and_curves_the_code_does():
    """The analyzer and the replayer branch on these: a value the schema admitted and the code
    did not know would reach them."""
    from generator.compat.keytypes import CATALOGUE_SCHEMA, CURVES, Algorithm
    key_type = yaml.safe_load(CATALOGUE_SCHEMA.read_text())["$defs"]["key_type"]["properties"]
    assert key_type["algorithm"]["enum"] == [a.value for a in Algorithm]
    assert key_type["curve"]["enum"] == list(CURVES)
