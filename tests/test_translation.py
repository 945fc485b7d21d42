"""Issue 15: a case's prose in Japanese, as an overlay (cases/ja/<id>.yaml) checked against its
case. The three mission cases are translated whole; what a translation names must be in the
case; it follows the case's text rules; a missing translation is a note, never a problem."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
import yaml

from generator.cases.check import check_paths
from generator.cases.model import Translation
from generator.cli import main
from generator.languages import TRANSLATIONS, Language
from support.net import ROOT

CASES = ROOT / "cases"
MISSION = ("exchange-online-p384", "gitlab-pages-rsa-only", "adfs-ecdsa")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out, err), out.getvalue(), err.getvalue()


@pytest.fixture()
def folder(tmp_path) -> Path:
    """A copy of the knowledge base's cases (and translations) to break."""
    target = tmp_path / "cases"
    shutil.copytree(CASES, target)
    return target


def test_the_mission_cases_are_translated_whole():
    """Exchange Online, GitLab Pages and AD FS carry Japanese for every prose field their
    English has: no 'not yet translated' note names them, and the text is Japanese."""
    report = check_paths([CASES], replay=False)
    assert report.ok, report.problems
    by_id = {case.id: case for case in report.cases}
    for case_id in MISSION:
        translation = by_id[case_id].translation("ja")
        assert isinstance(translation, Translation)
        assert not [n for n in report.notes if f"/{case_id}.yaml" in n], report.notes
        for text in (translation.title, translation.summary, translation.cause,
                     translation.fix_summary):
            assert any("\u3040" <= c <= "\u30ff" for c in text), text   # kana: Japanese
    untranslated = {p.stem for p in CASES.glob("*.yaml")} - {p.stem for p in
                                                                (CASES / "ja").glob("*.yaml")}
    for case_id in untranslated:
        assert any(f"{case_id}.yaml: no Japanese translation" in n for n in report.notes)


def test_what_is_never_translated_stays_the_cases(folder):
    """A translation names a symptom by its exact text, an outcome by its key type, an ACME
    client by its id: each must be in the case (with English prose to translate)."""
    path = folder / "ja" / "exchange-online-p384.yaml"
    data = yaml.safe_load(path.read_text())
    data["symptoms"][0]["text"] = "451 4.4.0 Something else"
    data["outcomes"] = {"ec384": "訳すべき注記がない"}
    data["fix"]["acme_clients"]["certbot"] = "ない"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    report = check_paths([folder], replay=False)
    messages = [p.message for p in report.problems]
    assert "no symptom of the case has this text" in messages
    assert "the case's outcome for 'ec384' has no note to translate" in messages
    assert "the case's fix has no note for the ACME client 'certbot'" in messages
    assert all(p.file == str(path) and p.line > 1 for p in report.problems)


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(id="gitlab-pages-rsa-only"), "does not match the file name"),
    (lambda d: d.update(title='Exchange {: onclick="alert(1)" }'), "attribute syntax"),
    (lambda d: d.update(summary="[x](javascript:alert(1))"), "javascript"),
    (lambda d: d.update(cause="a\x07b"), "control character"),
    (lambda d: d.update(tags=["ja"]), "tags"),
    (lambda d: d.update(language="fr"), "language"),
])
def test_a_bad_translation_is_a_problem_at_its_place(folder, change, message):
    path = folder / "ja" / "exchange-online-p384.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    code, out, err = run("check", str(folder))
    assert code == 1 and message in out.lower() + out, out
    assert f"{path}:" in out


def test_a_missing_translation_is_a_note_not_a_problem(folder):
    (folder / "ja" / "adfs-ecdsa.yaml").unlink()
    partial = folder / "ja" / "gitlab-pages-rsa-only.yaml"
    data = yaml.safe_load(partial.read_text())
    del data["cause"], data["outcomes"]["ed25519"]
    partial.write_text(yaml.safe_dump(data, allow_unicode=True))
    code, out, err = run("check", str(folder), "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"]
    assert any("adfs-ecdsa.yaml: no Japanese translation" in n for n in report["notes"])
    (note,) = [n for n in report["notes"] if "gitlab-pages-rsa-only" in n]
    assert "not yet translated: cause, outcomes.ed25519" in note
    assert "tlskb: note:" in err


def test_a_translation_named_alone_is_checked_with_its_case(folder):
    path = folder / "ja" / "exchange-online-p384.yaml"
    code, out, err = run("check", str(path), "--json")
    report = json.loads(out)
    assert code == 0 and [c["id"] for c in report["cases"]] == ["exchange-online-p384"]
    assert report["cases"][0]["translations"] == ["ja"]
    path.write_text(path.read_text().replace("id: exchange-online-p384",
                                             "id: exchange-online-p384\nsurprise: 1"))
    code, out, _ = run("check", str(path))
    assert code == 1 and f"{path}:" in out


def test_the_schema_and_the_model_name_the_same_fields():
    """One list of what is translatable: the schema's properties are the model's fields
    (nested ones flattened as the model holds them)."""
    schema = json.loads((CASES / "translation.schema.json").read_text())
    fields = set(schema["properties"]) - {"id", "language", "fix"}
    fields |= {f"fix_{name}" for name in schema["properties"]["fix"]["properties"]}
    renamed = {"symptoms": "symptom_notes", "outcomes": "outcome_notes"}
    model = {name for name in Translation.__dataclass_fields__} - {"language", "path"}
    assert {renamed.get(f, f) for f in fields} == model
    assert schema["properties"]["language"]["enum"] == [t.value for t in TRANSLATIONS]
    assert Language.JA in TRANSLATIONS


def test_a_translation_without_its_case_is_a_problem(folder):
    orphan = folder / "ja" / "no-such-case.yaml"
    orphan.write_text("id: no-such-case\nlanguage: ja\ntitle: 存在しないケース\n")
    code, out, _ = run("check", str(folder))
    assert code == 1 and f"{orphan}:1:5: no case 'no-such-case' to translate" in out


def test_a_broken_case_is_reported_once_not_through_its_translation(folder):
    case = folder / "exchange-online-p384.yaml"
    case.write_text(case.read_text().replace("state: historical", "state: gone"))
    code, out, _ = run("check", str(folder))
    assert code == 1 and str(case) in out
    assert "no case 'exchange-online-p384' to translate" not in out
