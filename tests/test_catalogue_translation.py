"""The key-type catalogue's and the server stacks' prose in Japanese: overlays
(generator/compat/data/ja/catalogue.yaml, generator/stacks/data/ja/stacks.yaml) keyed by the
English files' ids, read by catalogue_in / stacks_in. Every prose field the English files have
is translated; what an overlay names must be in its English file; a broken overlay is refused
at its file:line; a field left out is a note of `tlskb check`, shown in English."""

from __future__ import annotations

import copy
import dataclasses
import io
import json
import re
from pathlib import Path
from unittest import mock

import pytest
import yaml

from generator.cases.yamlpos import shown_path
from generator.cli import main
from generator.compat import translation as catalogue_prose
from generator.compat.keytypes import catalogue
from generator.compat.translation import catalogue_in
from generator.errors import UsageError
from generator.languages import SOURCE, TRANSLATIONS, Language
from generator.overlays import OverlayError
from generator.stacks import stacks
from generator.stacks import translation as stacks_prose
from generator.stacks.translation import stack_in, stacks_in
from support.hostile import catalogue_fields, catalogue_file
from support.net import ROOT

COMPAT = ROOT / "generator" / "compat" / "data"
STACKS = ROOT / "generator" / "stacks" / "data"
JA = Language.JA

#: kana and kanji (the CJK ideographs and the Japanese punctuation block)
JAPANESE = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff]")

#: every string field of catalogue.schema.yaml, by its schema path, sorted into what a reader
#: reads as sentences (translated) and what is never translated (ids, names, labels, options,
#: commands, addresses, source titles). A field added to the schema fails
#: test_every_catalogue_field_is_sorted until it is sorted here (and, if prose, translated).
CATALOGUE_PROSE = {"authorities.*.refuses./^[a-z0-9]+(-[a-z0-9]+)*$/", "acme_clients.*.history"}
CATALOGUE_NOT_PROSE = {
    "sources./^[a-z0-9]+(-[a-z0-9]+)*$/.title", "sources./^[a-z0-9]+(-[a-z0-9]+)*$/.url",
    "key_types.*.id", "key_types.*.label", "key_types.*.algorithm", "key_types.*.curve",
    "preference.*", "authorities.*.id", "authorities.*.name", "authorities.*.issues.*",
    "authorities.*.sources.*", "acme_clients.*.id", "acme_clients.*.name",
    "acme_clients.*.usage", "acme_clients.*.default", "acme_clients.*.sources.*",
    "acme_clients.*.options./^[a-z0-9]+(-[a-z0-9]+)*$/", "tags.*"}
#: each stack's fields in stacks.yaml, sorted the same way
STACK_PROSE = {"library", "programs"}
STACK_NOT_PROSE = {"id", "label"}
#: the programs whose names read the same in Japanese (the rest say something in words)
PROGRAM_NAMES = {"Postfix", "Dovecot", "nginx", "Apache httpd", "HAProxy", "Apache mod_gnutls",
                 "lighttpd mod_gnutls", "ocserv", "Caddy", "Traefik", "GitLab Pages",
                 "Mattermost", "Gitea", "Tomcat", "Keycloak", "Jetty"}


def english_catalogue() -> dict:
    return yaml.safe_load((COMPAT / "catalogue.yaml").read_text(encoding="utf-8"))


def english_stacks() -> list:
    return yaml.safe_load((STACKS / "stacks.yaml").read_text(encoding="utf-8"))


def overlay(folder: Path, name: str) -> dict:
    return yaml.safe_load((folder / "ja" / name).read_text(encoding="utf-8"))


def catalogue_prose_of(data: dict) -> dict[tuple, str]:
    """The catalogue's prose, read from the YAML here (not by the code under test)."""
    fields = {}
    for authority in data["authorities"]:
        for key_id, reason in authority.get("refuses", {}).items():
            fields[("authorities", authority["id"], "refuses", key_id)] = reason
    for client in data["acme_clients"]:
        fields[("acme_clients", client["id"], "history")] = client["history"]
    return fields


def stacks_prose_of(data: list) -> dict[tuple, str]:
    fields = {}
    for stack in data:
        fields[("stacks", stack["id"], "library")] = stack["library"]
        for program in stack["programs"]:
            fields[("stacks", stack["id"], "programs", program)] = program
    return fields


def leaves(data: dict) -> dict[tuple, str]:
    """Every text an overlay gives, by its path (its `language` aside)."""
    found = {}

    def walk(value, path):
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, path + (key,))
        else:
            found[path] = value
    walk({k: v for k, v in data.items() if k != "language"}, ())
    return found


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out, err), out.getvalue(), err.getvalue()


@pytest.fixture()
def no_cases(tmp_path) -> str:
    """A folder without cases: `tlskb check` on it checks the catalogue, the clients and the
    overlays alone (the cases' replays are test_translation.py's)."""
    folder = tmp_path / "no-cases"
    folder.mkdir()
    return str(folder)


@pytest.fixture(autouse=True)
def fresh():
    """Each test reads the overlays anew (a test points them at files of its own)."""
    def clear():
        for module in (catalogue_prose, stacks_prose):
            module._overlay.cache_clear()
            module._translated.cache_clear()
    clear()
    yield
    clear()


@pytest.fixture()
def own_overlays(tmp_path):
    """The overlays read from copies in tmp_path/<module>/ja/ (to break) while the test runs."""
    places = {}
    for module, source in ((catalogue_prose, COMPAT / "ja" / "catalogue.yaml"),
                           (stacks_prose, STACKS / "ja" / "stacks.yaml")):
        target = tmp_path / module.__name__.split(".")[1] / "ja" / source.name
        target.parent.mkdir(parents=True)
        target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
        places[module] = target
    with mock.patch.object(catalogue_prose, "overlay_file", lambda language: places[
                               catalogue_prose]), \
            mock.patch.object(stacks_prose, "overlay_file", lambda language: places[
                              stacks_prose]):
        yield places[catalogue_prose], places[stacks_prose]


# -- the committed overlays -------------------------------------------------------------------

def test_every_catalogue_field_is_sorted_into_prose_or_not():
    """Every string field the catalogue's schema declares is either prose (translated) or not;
    a new field fails here until it is sorted, so no prose field goes untranslated unseen."""
    declared = {field.name for field in catalogue_fields()}
    assert declared == CATALOGUE_PROSE | CATALOGUE_NOT_PROSE
    assert not CATALOGUE_PROSE & CATALOGUE_NOT_PROSE
    for stack in english_stacks():
        assert set(stack) == STACK_PROSE | STACK_NOT_PROSE, stack["id"]


@pytest.mark.parametrize("english, folder, name", [
    (lambda: catalogue_prose_of(english_catalogue()), COMPAT, "catalogue.yaml"),
    (lambda: stacks_prose_of(english_stacks()), STACKS, "stacks.yaml")])
def test_every_english_prose_field_has_its_japanese(english, folder, name):
    """Every reason, history, library and program of the English files has a Japanese text in
    the committed overlay, and the overlay names nothing the English files lack."""
    wanted, given = english(), leaves(overlay(folder, name))
    assert len(wanted) > 10
    assert [dotted for dotted in wanted if dotted not in given] == []
    assert [dotted for dotted in given if dotted not in wanted] == []
    assert overlay(folder, name)["language"] == "ja"


def test_the_code_finds_no_field_untranslated():
    for language in TRANSLATIONS:
        assert catalogue_prose.untranslated_fields(language) == ()
        assert stacks_prose.untranslated_fields(language) == ()
    assert catalogue_prose.untranslated_fields(SOURCE) == ()


def test_the_japanese_is_japanese():
    """Every reason, history and library holds Japanese; a program keeps its English only if it
    is a name (the list above, written by hand), else it holds Japanese too."""
    translated = catalogue_in(JA)
    for authority in translated.authorities:
        for key_id, reason in authority.refuses:
            assert JAPANESE.search(reason), (authority.id, key_id, reason)
    for client in translated.clients:
        assert JAPANESE.search(client.history), (client.id, client.history)
    for stack, english in zip(stacks_in(JA), stacks()):
        assert JAPANESE.search(stack.library), stack.library
        for program, original in zip(stack.programs, english.programs):
            if original in PROGRAM_NAMES:
                assert program == original
            else:
                assert JAPANESE.search(program), (original, program)


def test_what_is_kept_in_english_stays_the_english_files():
    """catalogue_in(JA) is the same Catalogue as the English one but for the prose: ids, labels,
    names, options, commands, defaults, sources, preference and tags are equal; the reasons and
    histories are the overlay's, key for key."""
    english, translated = catalogue(), catalogue_in(JA)
    assert type(translated) is type(english)
    assert translated.key_types == english.key_types
    assert translated.sources == english.sources
    assert translated.preference == english.preference and translated.tags == english.tags
    assert translated.ids == english.ids and translated.client_ids == english.client_ids
    japanese = overlay(COMPAT, "catalogue.yaml")
    for ours, theirs in zip(translated.authorities, english.authorities):
        assert dataclasses.replace(ours, refuses=theirs.refuses) == theirs
        assert [k for k, _ in ours.refuses] == [k for k, _ in theirs.refuses]
        assert dict(ours.refuses) == japanese["authorities"][ours.id]["refuses"]
    for ours, theirs in zip(translated.clients, english.clients, strict=True):
        assert dataclasses.replace(ours, history=theirs.history) == theirs
        assert ours.history == japanese["acme_clients"][ours.id]["history"]
        for key_id in english.ids:
            assert ours.command(key_id) == theirs.command(key_id)
    ja_stacks = overlay(STACKS, "stacks.yaml")["stacks"]
    for ours, theirs in zip(stacks_in(JA), stacks(), strict=True):
        assert (ours.id, ours.label) == (theirs.id, theirs.label)
        assert ours.library == ja_stacks[ours.id.value]["library"]
        assert ours.programs == tuple(ja_stacks[ours.id.value]["programs"][p]
                                      for p in theirs.programs)
        assert stack_in(ours.id, JA) == ours


def test_the_source_language_is_the_english_itself_and_each_is_read_once():
    assert catalogue_in(SOURCE) is catalogue() and catalogue_in("en") is catalogue()
    assert stacks_in(SOURCE) is stacks()
    assert catalogue_in(JA) is catalogue_in(JA) and stacks_in(JA) is stacks_in(JA)
    assert catalogue_in(JA) != catalogue()
    with pytest.raises(UsageError, match="not in the language 'fr'; its languages: en, ja"):
        catalogue_in("fr")
    with pytest.raises(UsageError, match="server stacks is not in the language 'fr'"):
        stacks_in("fr")


def test_the_schemas_know_the_languages():
    for schema in (COMPAT / "catalogue.translation.schema.yaml",
                   STACKS / "stacks.translation.schema.yaml"):
        languages = yaml.safe_load(schema.read_text())["properties"]["language"]["enum"]
        assert languages == [language.value for language in TRANSLATIONS]


# -- a broken overlay is refused at its place -------------------------------------------------

def _edit(path: Path, old: str, new: str) -> str:
    text = path.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return text


def _line_of(text: str, written: str) -> int:
    return text[:text.index(written)].count("\n") + 1


CATALOGUE_BREAKS = [
    ("  lego:\n", "  legoo:\n", "legoo:", "acme_clients.legoo: the English file "
     f"{shown_path(COMPAT / 'catalogue.yaml')} has no 'legoo' here to translate"),
    ("      rsa8192:", "      rsa9999:", "rsa9999:", "authorities.letsencrypt.refuses.rsa9999:"),
    ("    refuses:\n      ec521: \"P-521", "    refuses:\n      rsa2048: \"P-521",
     "rsa2048:", "authorities.zerossl.refuses.rsa2048: the English file"),
    ("  letsencrypt:\n", "  lets-encrypt:\n", "lets-encrypt:", "did you mean 'letsencrypt'?"),
    ("  caddy:\n    history:", "  caddy:\n    notes:", "notes:",
     "unknown field 'notes' in acme_clients.caddy"),
    ("acme_clients:\n", "sources:\n  lego: x\nacme_clients:\n", "sources:",
     "unknown field 'sources' in the overlay"),
    ("  step:\n    history: \"", "  step:\n    history: [1]\n    extra: \"", "[1]",
     "acme_clients.step.history should be a string, not a list"),
    ("  cert-manager:\n    history: \"", "  cert-manager:\n    history: \"[x](javascript:alert(1)) ",
     "javascript", "link to 'javascript:alert(1)'"),
    ("language: ja", "language: fr", "language: fr", "language: 'fr' is not one of ja"),
    ("language: ja", "language: !!python/object/apply:os.system [echo]", "!!python",
     "tag tag:yaml.org,2002:python/object/apply:os.system is not allowed"),
    ("acme_clients:\n", "extra: !!set {a}\nacme_clients:\n", "!!set",
     "tag tag:yaml.org,2002:set is not allowed"),
    ("  lego:\n    history: \"", "  lego: &l\n    history: \"", "&l", "anchor &l is not allowed"),
    ("  step:\n", "  lego:\n    history: 二度目\n  step:\n", "  lego:\n    history: 二度目",
     "duplicate key 'lego'"),
]


@pytest.mark.parametrize("old, new, written, message", CATALOGUE_BREAKS,
                         ids=[b[3][:40] for b in CATALOGUE_BREAKS])
def test_a_broken_catalogue_overlay_is_refused_at_its_line(own_overlays, old, new, written,
                                                          message):
    path, _ = own_overlays
    text = _edit(path, old, new)
    with pytest.raises(OverlayError) as raised:
        catalogue_in(JA)
    problems = raised.value.problems
    assert any(message in str(p) for p in problems), problems
    assert all(p.file.endswith("compat/ja/catalogue.yaml") for p in problems)
    assert _line_of(text, written) in {p.line for p in problems}, problems
    assert "the Japanese overlay of the key-type catalogue has" in str(raised.value)


@pytest.mark.parametrize("text, message", [
    ("- language: ja\n", "an overlay is a mapping"),
    ("just words\n", "an overlay is a mapping"),
    ("", "the file is empty"),
    ("acme_clients: {}\n", "the overlay is missing the required field 'language'"),
    ("language: ja\nacme_clients:\n  lego: 訳\n", "acme_clients.lego should be a mapping"),
    ("language: ja\nauthorities:\n  zerossl:\n    refuses: ['P-521']\n",
     "authorities.zerossl.refuses should be a mapping"),
    ("language: ja\nacme_clients:\n  lego:\n    history: '   '\n", "is not in the required "
                                                                    "form"),
    ("language: ja\nacme_clients:\n  lego:\n    history: \"\\x1b[31m\"\n", "control character"),
    ("language: ja\n---\nlanguage: ja\n", "expected one YAML document"),
])
def test_a_catalogue_overlay_of_the_wrong_shape_is_refused(own_overlays, text, message):
    path, _ = own_overlays
    path.write_text(text, encoding="utf-8")
    with pytest.raises(OverlayError) as raised:
        catalogue_in(JA)
    assert any(message in p.message for p in raised.value.problems), raised.value.problems
    assert all(p.file.endswith("ja/catalogue.yaml") and p.line >= 1
               for p in raised.value.problems)


def test_a_linked_overlay_is_refused_not_followed(own_overlays, tmp_path):
    path, _ = own_overlays
    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    path.unlink()
    path.symlink_to(elsewhere)
    with pytest.raises(OverlayError, match="not a regular file"):
        catalogue_in(JA)


@pytest.mark.parametrize("old, new, written, message", [
    ("  go:\n", "  golang:\n", "golang:", "stacks.golang: the English file "
     f"{shown_path(STACKS / 'stacks.yaml')} has no 'golang' here to translate"),
    ("      Exim built with OpenSSL:", "      Exim built with LibreSSL:", "LibreSSL",
     "stacks.openssl.programs.\"Exim built with LibreSSL\": the English file"),
    ("    library: \"Go", "    version: \"Go", "version:", "unknown field 'version' in stacks.go"),
    ("      Caddy: Caddy", "      Caddy: [Caddy]", "[Caddy]",
     "stacks.go.programs.Caddy should be a string"),
])
def test_a_broken_stacks_overlay_is_refused_at_its_line(own_overlays, old, new, written, message):
    _, path = own_overlays
    text = _edit(path, old, new)
    with pytest.raises(OverlayError) as raised:
        stacks_in(JA)
    problems = raised.value.problems
    assert any(message in str(p) for p in problems), problems
    assert _line_of(text, written) in {p.line for p in problems}, problems
    assert "the Japanese overlay of the server stacks has" in str(raised.value)


def test_check_reports_a_broken_overlay_as_a_problem_at_its_line(own_overlays, no_cases):
    path, _ = own_overlays
    text = _edit(path, "  traefik:\n", "  traefick:\n")
    code, out, err = run("check", no_cases)
    line = _line_of(text, "traefick:")
    assert code == 1
    assert f"{path}:{line}:3: acme_clients.traefick: the English file" in out
    assert "did you mean 'traefik'?" in out


def test_other_commands_print_a_broken_overlay_one_problem_a_line(own_overlays):
    """A command that reads the overlay and meets a broken one says so in a line per problem
    (main catches OverlayError), never as a traceback."""
    path, _ = own_overlays
    _edit(path, "  traefik:\n", "  traefick:\n")
    out, err = io.StringIO(), io.StringIO()
    with mock.patch("generator.cli.build_parser") as parser:
        parser.return_value.parse_args.return_value.handler = lambda *a: catalogue_in(JA)
        code = main([], out, err)
    lines = err.getvalue().splitlines()
    assert code == 1
    assert lines[0] == ("tlskb: error: the Japanese overlay of the key-type catalogue has 1 "
                        "problem(s):")
    assert lines[1].startswith(f"{path}:") and "traefick" in lines[1]


# -- a field left out: a note, shown in English -----------------------------------------------

def test_a_field_left_out_is_shown_in_english_and_noted(own_overlays, no_cases):
    catalogue_path, stacks_path = own_overlays
    data = yaml.safe_load(catalogue_path.read_text(encoding="utf-8"))
    del data["acme_clients"]["lego"], data["authorities"]["zerossl"]["refuses"]["ec521"]
    catalogue_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    _edit(stacks_path, "      Exim on Debian and Ubuntu: Debian・Ubuntu の Exim\n", "")
    assert catalogue_prose.untranslated_fields(JA) == (
        "authorities.zerossl.refuses.ec521", "acme_clients.lego.history")
    assert stacks_prose.untranslated_fields(JA) == (
        'stacks.gnutls.programs."Exim on Debian and Ubuntu"',)
    translated = catalogue_in(JA)
    english = catalogue()
    assert translated.clients[0].history == english.clients[0].history
    assert dict(translated.authorities[1].refuses)["ec521"] == "P-521 orders are rejected"
    assert stack_in(stacks()[1].id, JA).programs[0] == "Exim on Debian and Ubuntu"
    code, out, err = run("check", no_cases, "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"], report["problems"]
    (note,) = [n for n in report["notes"] if "catalogue.yaml" in n]
    assert note == (f"{catalogue_path}: not yet translated: authorities.zerossl.refuses.ec521, "
                    "acme_clients.lego.history (the ja pages show the English)")
    assert any(str(stacks_path) in n and "Exim on Debian" in n for n in report["notes"])
    assert f"tlskb: note: {catalogue_path}: not yet translated" in err


def test_without_an_overlay_everything_is_english_and_noted(own_overlays, no_cases):
    catalogue_path, _ = own_overlays
    catalogue_path.unlink()
    assert catalogue_in(JA) == catalogue()
    assert len(catalogue_prose.untranslated_fields(JA)) == len(catalogue_prose_of(
        english_catalogue()))
    code, out, err = run("check", no_cases)
    assert code == 0
    assert (f"tlskb: note: {catalogue_path}: no Japanese translation of the key-type "
            "catalogue's prose") in err


def test_a_client_added_in_english_is_untranslated_until_its_japanese_is_written(tmp_path):
    """A new English prose field is a note (shown in English) until translated; an entry the
    English file no longer has makes the overlay a problem."""
    data = english_catalogue()
    added = copy.deepcopy(data["acme_clients"][0]) | {"id": "lego-fork", "history": "A fork of lego."}
    data["acme_clients"].append(added)
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with catalogue_file(path):
        assert catalogue_prose.untranslated_fields(JA) == ("acme_clients.lego-fork.history",)
        assert catalogue_in(JA).clients[-1].history == "A fork of lego."
    catalogue_prose._overlay.cache_clear()
    data["acme_clients"] = [c for c in data["acme_clients"] if c["id"] != "step"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with catalogue_file(path), pytest.raises(OverlayError) as raised:
        catalogue_in(JA)
    (problem,) = raised.value.problems
    assert problem.message.startswith("acme_clients.step: the English file")
    assert "remove the entry" in problem.hint
