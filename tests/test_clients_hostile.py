"""Hostile client files (tests/support/hostile.py: every injection payload in every string
field of generator/compat/data/client.schema.yaml, the hello's SNI and ALPN too): the schema
walk covers every field, the files are valid but for the text rules (so the hostile site in
tests/test_site_browser.py is built from them), and with the rules on the loader and
`tlskb check` refuse each at the file:line:col of every value the rules refuse, and nowhere
else. Also: a client file's name is its id, held to the id pattern, and the page's command
is the argv the recorder runs, quoted for the shell."""

from __future__ import annotations

import contextlib
import html
import io
import re
import shlex
from pathlib import Path

import pytest
import yaml

from support.hostile import (DANGEROUS, PAYLOADS, AnyKey, client_fields, clients_dir,
                             hostile_clients, string_fields, text_rules_off)
from support.site import ROOT

#: the fields the site shows as text, held to every text rule (clients._published_text says
#: the same; this list is written out so that a change there is a decision here too)
PUBLISHED = ("name", "variant", "end_to_end_note", "provenance")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.fixture(scope="module")
def hostile():
    return hostile_clients()


@pytest.fixture(scope="module")
def written(hostile, tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("hostile-clients")
    for name, text in hostile.files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def test_the_schema_walk_follows_additional_properties_and_then():
    """A map's values (additionalProperties, keyed by an enum or a pattern), a field declared
    only under `then`, and a nullable string (`type: [string, "null"]`) are string fields."""
    schema = {"type": "object", "properties": {
        "env": {"type": "object", "propertyNames": {"pattern": "^[A-Z]+$"},
                "additionalProperties": {"type": "string"}},
        "results": {"type": "object", "propertyNames": {"$ref": "#/$defs/stack"},
                    "additionalProperties": {"type": "object", "properties": {
                        "said": {"type": ["string", "null"], "maxLength": 9}}}}},
        "if": {"properties": {"env": {"const": "x"}}},
        "then": {"properties": {"note": {"type": "string"}}},
        "$defs": {"stack": {"enum": ["openssl", "go"]}}}
    fields = {f.name: f for f in string_fields(schema)}
    assert set(fields) == {"env.{*}", "results.{*}.said", "note"}
    assert fields["env.{*}"].path[1] == AnyKey(None, "^[A-Z]+$")
    assert fields["results.{*}.said"].path[1] == AnyKey(("openssl", "go"), None)
    assert fields["results.{*}.said"].max_length == 9 and fields["note"].enum is None


def test_every_string_field_of_the_client_schema_gets_every_payload(hostile):
    """The field list comes from client.schema.yaml: a new field gets the payloads too, or
    this fails. Enum fields and fields whose pattern admits none of the characters a payload
    needs are named and checked to be so; `hex` holds the hello (its SNI and ALPN carry the
    payload); a field shorter than a payload gets the payload's start, and only then."""
    fields = client_fields()
    names = {f.name for f in fields}
    assert {"name", "variant", "family", "provenance", "end_to_end_note", "command.*",
            "env.{*}", "stdin", "setup.*.*", "build.*.*", "version_command.*", "version",
            "version_text", "package_versions.*", "end_to_end.results.{*}.{*}.alert",
            "end_to_end.results.{*}.{*}.detail", "end_to_end.results.{*}.{*}.said",
            "end_to_end.results.{*}.{*}.version"} <= names
    assert "family" in hostile.inert_by_pattern and hostile.not_text == ("hex",)
    for field in fields:
        if field.enum:
            assert field.name in hostile.fixed_vocabulary
            assert all(re.fullmatch(r"[a-z0-9._-]+", str(v)) for v in field.enum), field.name
        elif field.name in hostile.inert_by_pattern:
            example = hostile.inert_by_pattern[field.name]
            assert re.search(field.pattern, example), field.name
            for character in DANGEROUS:
                for cut in range(len(example) + 1):
                    assert not re.search(field.pattern,
                                         example[:cut] + character + example[cut:]), field.name
        elif field.name in hostile.not_text:
            continue
        else:
            assert hostile.placed[field.name] | hostile.cut[field.name] == set(
                range(len(PAYLOADS))), field.name
            assert all(len(PAYLOADS[n]) > field.max_length for n in hostile.cut[field.name])
    # each rotation twice: a binary client (command shown) and a recording (provenance shown)
    sources = [yaml.safe_load(t)["source"] for t in hostile.files.values()]
    assert sources.count("binary") == sources.count("recorded") == len(PAYLOADS)


def test_the_hostile_files_are_valid_but_for_the_text_rules(written, hostile):
    """With the text rules off (as the hostile site is built) every file loads and decodes:
    the site test publishes all of them, and the hello carries the payload in SNI and ALPN."""
    from generator.compat.clients import client_problems, load_client
    from generator.tls.records import decode_client_hello
    with text_rules_off():
        assert client_problems(written) == []
        for name in hostile.files:
            client = load_client(written / name)
            number = int(name.removesuffix(".yaml").rsplit("-", 1)[1]) % len(PAYLOADS)
            assert PAYLOADS[number].encode().replace(b"\0", b"") in client.raw
            decode_client_hello(client.raw)
            assert len(client.runs) == 5 * 8 and client.name == yaml.safe_load(
                hostile.files[name])["name"]


def _node_at(node: yaml.Node, path: tuple) -> yaml.Node:
    for part in path:
        if isinstance(node, yaml.MappingNode):
            node = next(value for key, value in node.value if key.value == str(part))
        else:
            node = node.value[part]
    return node


def _strings(data, path=()):
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, path + (index,))
    elif isinstance(data, str):
        yield path, data


def _refused(path: tuple, value: str) -> bool:
    """What the text rules refuse: a control character anywhere; in a published field, also
    what the site would drop or leave inert (generator/site/safe.py decides that part)."""
    from generator.site.safe import text_problems
    if CONTROL.search(value.replace("\r\n", "\n")):
        return True
    return path[0] in PUBLISHED and text_problems(value)[1] > 0


def test_the_loader_refuses_each_hostile_file_where_its_payloads_are(written, hostile):
    """Text rules on: each file whose values the rules refuse raises ClientFileError with a
    problem inside every refused value (its line and column between the value's first and
    last character, as PyYAML's composer places it), named by its field, and no problem
    anywhere else; attribute syntax in a published field and every control character are
    among the refused, whatever safe.py says."""
    from generator.compat.clients import ClientFileError, load_client
    refused_files = 0
    for name, text in hostile.files.items():
        data = yaml.safe_load(text)
        root = yaml.compose(text)
        refused = {path: value for path, value in _strings(data) if _refused(path, value)}
        for path, value in _strings(data):  # a floor the rules may not sink under
            if CONTROL.search(value) or (path[0] in PUBLISHED and re.search(r"\{:", value)):
                assert path in refused, (name, path)
        if not refused:
            load_client(written / name)
            continue
        refused_files += 1
        with pytest.raises(ClientFileError) as raised:
            load_client(written / name)
        problems = raised.value.problems
        spans = {}
        for path in refused:
            node = _node_at(root, path)
            spans[path] = ((node.start_mark.line + 1, node.start_mark.column + 1),
                           (node.end_mark.line + 1, node.end_mark.column + 1))
        for problem in problems:
            assert problem.file.endswith(f"/{name}")
            place = (problem.line, problem.column)
            owners = [path for path, (first, last) in spans.items()
                      if first <= place <= last
                      and problem.message.startswith(".".join(map(str, path)) + ": ")]
            assert owners, (name, str(problem))
            assert re.match(rf".*/{re.escape(name)}:{problem.line}:{problem.column}: ",
                            str(problem))
        for path, (first, last) in spans.items():
            assert any(first <= (p.line, p.column) <= last for p in problems), (name, path)
    # every file holds a control character somewhere (payloads 10 and 21 rotate through)
    assert refused_files == len(hostile.files)


def test_tlskb_check_refuses_the_hostile_client_files(written, hostile, tmp_path):
    """`tlskb check` (text rules on) over an empty knowledge base and the hostile client
    catalogue: it fails, naming every hostile file at file:line:col."""
    from generator.cli import main
    (tmp_path / "cases").mkdir()
    out, err = io.StringIO(), io.StringIO()
    with clients_dir(written):
        status = main(["check", str(tmp_path / "cases")], out, err)
    assert status != 0, out.getvalue()
    lines = out.getvalue().splitlines()
    for name in hostile.files:
        assert any(re.match(rf".*/{re.escape(name)}:[0-9]+:[0-9]+: [a-z_.0-9]+: ", line)
                   for line in lines), name
    # printable: the payloads' control characters are escaped in the report
    assert not CONTROL.search(out.getvalue().replace("\n", ""))


@pytest.mark.parametrize("stem", ["x; curl example.org | sh", "\"><img src=x onerror=alert(1)>",
                                  "Upper", "a..b", "index"])
def test_a_client_file_name_must_be_a_client_id(tmp_path, stem):
    """The file name is the client's id — its page's address, its anchor, a word of the
    re-record command on its page — so a name that is not an id (or names a generated page)
    is refused at the file, with the rules on or off."""
    from generator.compat.clients import ClientFileError, load_client
    text = (ROOT / "generator" / "compat" / "data" / "clients" / "curl-7.88.yaml").read_text()
    path = tmp_path / f"{stem}.yaml"
    path.write_text(text, encoding="utf-8")
    for rules in (True, False):
        with text_rules_off() if not rules else contextlib.nullcontext():
            with pytest.raises(ClientFileError) as raised:
                load_client(path)
        assert any(f"{stem!r}" in p.message for p in raised.value.problems), raised.value


def test_the_page_shows_the_command_as_the_words_the_recorder_runs(tmp_path):
    """A command word with spaces and shell syntax is one argument when the recorder runs it;
    the page shows the command quoted so that a shell reading it back gets the same words
    (not `curl example.org | sh` as a pipeline), and escaped as HTML."""
    from generator.compat.clients import load_client
    from generator.compat.keytypes import catalogue
    from generator.site.clientpages import client_page
    text = (ROOT / "generator" / "compat" / "data" / "clients" / "curl-7.88.yaml").read_text()
    words = ["curl", "-sS", "--cacert", "{ca}", "x; curl example.org | sh",
             "<b>$(id)</b>", "https://{host}:{port}/"]
    data = yaml.safe_load(text)
    data["command"] = words
    (tmp_path / "curl-7.88.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    client = load_client(tmp_path / "curl-7.88.yaml")
    page = client_page(client, catalogue(), lambda target: target)
    shown = "".join(f.html for f in page.fragments.values())
    blocks = [html.unescape(b) for b in re.findall(r"<pre><code>(.*?)</code></pre>", shown,
                                                   re.DOTALL)]
    assert shlex.split(blocks[-1]) == words
    assert shlex.split(blocks[0]) == ["python", "tools/record_client_hellos.py", "--only",
                                      "curl-7.88"]
    assert "<b>" not in shown and "&lt;b&gt;$(id)&lt;/b&gt;" in shown
