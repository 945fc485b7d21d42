"""Issue 15: a case's prose in Japanese, as an overlay (cases/ja/<id>.yaml) checked against its
case. The three mission cases are translated whole; what a translation names must be in the
case; it follows the case's text rules; a missing translation is a note, never a problem."""

from __future__ import annotations

import io
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from generator.cases.check import check_paths
from generator.cases.model import PlaceholderTranslation, SampleTranslation, Translation
from generator.cases.translation import check_translation, in_language
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
    nested = ("fix", "platform", "your_side")
    fields = set(schema["properties"]) - {"id", "language", *nested}
    for group in nested:
        fields |= {f"{group}_{name}" for name in schema["properties"][group]["properties"]}
    renamed = {"symptoms": {"symptom_notes", "symptom_wheres"}, "outcomes": {"outcome_notes"},
               "references": {"reference_notes", "reference_citations"}}
    model = {name for name in Translation.__dataclass_fields__} - {"language", "path"}
    assert set().union(*(renamed.get(f, {f}) for f in fields)) == model
    items = {name: schema["properties"][name]["items"]["properties"]
             for name in ("symptoms", "references")}
    assert set(items["symptoms"]) == {"text", "where", "note"}
    assert set(items["references"]) == {"url", "title", "note", "citation"}
    sample = schema["properties"]["samples"]["additionalProperties"]["properties"]
    assert set(sample) == set(SampleTranslation.__dataclass_fields__) - {"id"}
    assert set(sample["placeholders"]["items"]["properties"]) == \
        set(PlaceholderTranslation.__dataclass_fields__)
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


# -- the rest of a case's prose: where, platform, your side, samples, references -------------------

@pytest.fixture(scope="module")
def english() -> dict:
    """The knowledge base's cases (with their translations), by id."""
    report = check_paths([CASES], replay=False)
    assert report.ok, report.problems
    return {case.id: case for case in report.cases}


def overlay(case_id: str) -> dict:
    return yaml.safe_load((CASES / "ja" / f"{case_id}.yaml").read_text(encoding="utf-8"))


def checked(tmp_path: Path, english: dict, data: dict):
    """check_translation on `data` written as cases/ja/<id>.yaml: (translation, problems,
    the file's lines)."""
    path = tmp_path / "ja" / f"{data['id']}.yaml"
    path.parent.mkdir(exist_ok=True)
    text = yaml.safe_dump(data, allow_unicode=True, width=1000, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    found, problems = check_translation(text, path, Language.JA, english,
                                        CASES / "translation.schema.json")
    return found, problems, text.splitlines()


def line_of(lines: list[str], needle: str) -> int:
    """The 1-based line the dumped overlay writes `needle` on (found independently of the
    checker's positions)."""
    (number,) = [n for n, line in enumerate(lines, 1) if needle in line]
    return number


def test_in_language_applies_every_new_field_and_keeps_every_fact(english):
    """The Japanese Exchange case: its platform, your side, symptoms' places, sample (client,
    provenance, placeholders) and references' notes and citation are the overlay's, read here
    as YAML; its error strings, bytes, ids, offsets, addresses, titles and dates the English."""
    case = english["exchange-online-p384"]
    data = overlay(case.id)
    ja, translated = in_language(case, "ja")
    assert translated
    assert ja.platform.name == data["platform"]["name"] != case.platform.name
    assert ja.platform.versions == data["platform"]["versions"]
    assert ja.platform.role == case.platform.role == "client"
    assert ja.your_side.server == data["your_side"]["server"]
    assert (ja.your_side.acme_client, ja.your_side.key_type) == ("lego", "ec384")
    wheres = {item["text"]: item["where"] for item in data["symptoms"]}
    assert [s.text for s in ja.symptoms] == [s.text for s in case.symptoms]
    assert [s.where for s in ja.symptoms] == [wheres[s.text] for s in case.symptoms]
    assert "Postfix のログ(smtpd)" in wheres.values()
    (sample,), (english_sample,) = ja.samples, case.samples
    given = data["samples"]["exchange-online-2019"]
    assert sample.client == given["client"] and sample.provenance.by == given["by"]
    assert sample.provenance.source == given["source"]
    assert (sample.id, sample.raw, sample.provenance.kind, sample.provenance.date) == \
        (english_sample.id, english_sample.raw, "reconstructed", "2019-11-29")
    assert [(p.offset, p.length, p.field, p.filled_with) for p in sample.provenance.placeholders] \
        == [(39, 4, given["placeholders"][0]["field"], "ゼロ"),
            (124, 218, given["placeholders"][1]["field"], "ゼロ")]
    assert [(r.url, r.title, r.date) for r in ja.references] == \
        [(r.url, r.title, r.date) for r in case.references]
    blog = ja.references[0]
    assert blog.url is None and blog.citation.startswith("lego のユーザーが")
    assert blog.note == data["references"][0]["note"]
    rfc = next(r for r in ja.references if r.url and "rfc8422" in r.url)
    assert rfc.note == "supported_groups 拡張は、サーバーの ECDSA 証明書の曲線も制限します。"
    untouched = [r for r in ja.references if r.note is None]
    assert untouched == [r for r in case.references if r.note is None] and untouched


def test_what_an_overlay_leaves_out_stays_english(english, tmp_path):
    """An overlay giving one symptom's place, one placeholder's field and one reference's note
    changes those, and only those."""
    case = english["exchange-online-p384"]
    data = {"id": case.id, "language": "ja",
            "symptoms": [{"text": case.symptoms[1].text, "where": "Postfix のログ"}],
            "samples": {"exchange-online-2019": {"placeholders": [
                {"offset": 124, "field": "SessionTicket の中身"}]}},
            "references": [{"url": case.references[3].url, "note": "曲線の制限"}]}
    found, problems, _ = checked(tmp_path, english, data)
    assert problems == [] and found is not None
    ja, translated = in_language(replace(case, translations=(found,)), "ja")
    assert [s.where for s in ja.symptoms] == [case.symptoms[0].where, "Postfix のログ",
                                              *(s.where for s in case.symptoms[2:])]
    assert ja.platform == case.platform and ja.your_side == case.your_side
    (sample,), (english_sample,) = ja.samples, case.samples
    assert sample.client == english_sample.client
    assert sample.provenance.source == english_sample.provenance.source
    first, second = sample.provenance.placeholders
    assert first == english_sample.provenance.placeholders[0]
    assert (second.field, second.filled_with) == ("SessionTicket の中身", "zeros")
    assert [r.note for r in ja.references] == [r.note for r in case.references[:3]] + \
        ["曲線の制限"] + [r.note for r in case.references[4:]]


def test_the_three_cases_new_fields_are_japanese(english):
    for case_id in MISSION:
        translation = english[case_id].translation("ja")
        texts = [translation.platform_name, translation.platform_versions,
                 *(where for _, where in translation.symptom_wheres),
                 *(note for _, note in translation.reference_notes)]
        for sample in translation.samples:
            texts += [sample.client, sample.source]
        for text in texts:
            assert any("\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff" for c in text), \
                (case_id, text)
    adfs = english["adfs-ecdsa"].translation("ja")
    assert adfs.your_side_server == "AD FS / Web アプリケーション プロキシ(Windows Server)"


@pytest.mark.parametrize("change, needle, message", [
    (lambda d: d["symptoms"].append({"text": "451 4.7.0 no such text", "where": "どこか"}),
     "451 4.7.0 no such text", "no symptom of the case has this text"),
    (lambda d: d["samples"].update({"exchange-online-2020": {"client": "別のサンプル"}}),
     "exchange-online-2020:", "no sample of the case has the id 'exchange-online-2020'"),
    (lambda d: d["samples"]["exchange-online-2019"]["placeholders"].append(
        {"offset": 40, "field": "ずれた位置"}),
     "offset: 40", "the case's sample has no placeholder at offset 40"),
    (lambda d: d["references"].append({"url": "https://example.org/not-cited", "note": "なし"}),
     "https://example.org/not-cited", "no reference of the case has this url"),
    (lambda d: d["references"].append({"title": "Blog post on something else", "note": "なし"}),
     "Blog post on something else", "no reference of the case has this title"),
    (lambda d: d["references"].append(
        {"title": "lego changelog (v4.0.0 replaces ec384 by ec256 as the default)",
         "note": "変更履歴"}),
     "lego changelog", "no reference of the case has this title without a url"),
    (lambda d: d["references"].append(
        {"url": "https://github.com/go-acme/lego/pull/788", "note": "英語に注記がない"}),
     "英語に注記がない", "the case's reference has no note to translate"),
    (lambda d: d["references"].append(
        {"url": "https://github.com/go-acme/lego/pull/788", "citation": "引用はない"}),
     "引用はない", "the case's reference has no citation to translate"),
])
def test_naming_what_the_case_lacks_is_a_problem_at_its_line(english, tmp_path, change, needle,
                                                             message):
    data = overlay("exchange-online-p384")
    change(data)
    found, problems, lines = checked(tmp_path, english, data)
    assert found is None
    (problem,) = problems
    assert problem.message == message and problem.hint
    assert (problem.file, problem.line) == (str(tmp_path / "ja" / "exchange-online-p384.yaml"),
                                            line_of(lines, needle))


def test_an_item_named_twice_or_with_nothing_to_say_is_refused(english, tmp_path):
    data = overlay("exchange-online-p384")
    data["symptoms"].append({"text": data["symptoms"][0]["text"], "where": "二度目"})
    data["symptoms"].append({"text": data["symptoms"][1]["text"]})
    data["samples"]["exchange-online-2019"] = {}
    data["references"].append({"url": data["references"][1]["url"]})
    data["references"].append({"url": "https://github.com/go-acme/lego/pull/788",
                               "title": "go-acme/lego #788: ec384 becomes the default key type",
                               "note": "両方"})
    found, problems, lines = checked(tmp_path, english, data)
    assert found is None
    text = data["symptoms"][0]["text"]
    twice = [n for n, line in enumerate(lines, 1) if text in line][-1]
    rfc = [n for n, line in enumerate(lines, 1) if "rfc8422" in line][-1]
    last = len(lines) - 2
    assert sorted((p.line, p.message) for p in problems) == sorted([
        (twice, "this symptom is named twice in the translation"),
        (twice + 2, "this symptom is named twice in the translation"),
        (twice + 2, "this item names a symptom but translates nothing of it"),
        (line_of(lines, "exchange-online-2019:"),
         "this item names a sample but translates nothing of it"),
        (rfc, "this reference is named twice in the translation"),
        (rfc, "this item names a reference but translates nothing of it"),
        (last, "a reference item names its reference by url or by title, not both")]), problems


def test_a_placeholder_named_twice_or_with_nothing_to_say_is_refused(english, tmp_path):
    data = overlay("exchange-online-p384")
    data["samples"]["exchange-online-2019"]["placeholders"].append({"offset": 39})
    found, problems, lines = checked(tmp_path, english, data)
    line = [n for n, text in enumerate(lines, 1) if "offset: 39" in text][-1]
    assert found is None and sorted((p.line, p.message) for p in problems) == [
        (line, "this item names a placeholder but translates nothing of it"),
        (line, "this placeholder is named twice in the translation")]


def test_a_sample_without_by_has_no_by_to_translate(folder):
    case = folder / "exchange-online-p384.yaml"
    case.write_text(case.read_text().replace(
        "      by: tlskb, from the tshark output printed in the blog post\n", ""))
    report = check_paths([folder], replay=False)
    (problem,) = report.problems
    assert problem.message == "the case's sample has no by to translate"
    path = folder / "ja" / "exchange-online-p384.yaml"
    assert (problem.file, problem.line) == (str(path), line_of(
        path.read_text(encoding="utf-8").splitlines(), "    by: tlskb(ブログ記事"))


def test_symptoms_alike_in_text_but_not_in_place_cannot_be_told_apart(folder):
    """Two symptoms with one text and different places: a translated `where` would give both
    one place, so it is refused (the note, alike in both, is not)."""
    case = folder / "gitlab-pages-rsa-only.yaml"
    case.write_text(case.read_text().replace(
        """    text: "Key doesn't match the certificate"\n""",
        """    text: "Key doesn't match the certificate"\n"""
        """  - where: GitLab API (PUT /projects/:id/pages/domains/:domain)\n"""
        """    text: "Key doesn't match the certificate"\n"""))
    report = check_paths([folder], replay=False)
    (problem,) = report.problems
    assert problem.message == ("2 symptoms of the case are named alike with different wheres: "
                               "a translation cannot tell them apart")
    assert problem.line == line_of((folder / "ja" / "gitlab-pages-rsa-only.yaml").read_text(
        encoding="utf-8").splitlines(), "where: GitLab のプロジェクト設定")


def test_the_new_fields_missing_are_notes(folder):
    path = folder / "ja" / "exchange-online-p384.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["platform"], data["your_side"], data["symptoms"][0]
    data["samples"]["exchange-online-2019"] = {"client": "Exchange Online の送信コネクタ",
                                               "placeholders": [{"offset": 39, "field": "乱数"}]}
    data["references"] = [r for r in data["references"] if "rfc8422" not in r.get("url", "")]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    report = check_paths([folder], replay=False)
    assert report.ok, report.problems
    (note,) = [n for n in report.notes if "exchange-online-p384" in n]
    said = note.split("not yet translated: ", 1)[1].removesuffix(" (shown in English, marked)")
    assert said.split(", ") == [
        "platform.name", "platform.versions", "your_side.server",
        "symptoms (451 4.4.0 Security status IllegalMessage).where",
        "samples.exchange-online-2019.by", "samples.exchange-online-2019.source",
        "samples.exchange-online-2019.placeholders.39.filled_with",
        "samples.exchange-online-2019.placeholders.124.field",
        "samples.exchange-online-2019.placeholders.124.filled_with",
        "references.3.note"]


HOSTILE = [
    ("control", "a\x07b", "control character U+0007"),
    ("long", "長" * 3000, "it should have at most"),
    ("link", "[x](javascript:alert(1))", "javascript"),
    ("attribute", '説明 {: onclick="alert(1)" }', "attribute syntax"),
]
PLACES = [
    ("platform.name", lambda d, v: d["platform"].update(name=v)),
    ("platform.versions", lambda d, v: d["platform"].update(versions=v)),
    ("your_side.server", lambda d, v: d["your_side"].update(server=v)),
    ("symptoms.1.where", lambda d, v: d["symptoms"][1].update(where=v)),
    ("samples.exchange-online-2019.client",
     lambda d, v: d["samples"]["exchange-online-2019"].update(client=v)),
    ("samples.exchange-online-2019.by",
     lambda d, v: d["samples"]["exchange-online-2019"].update(by=v)),
    ("samples.exchange-online-2019.source",
     lambda d, v: d["samples"]["exchange-online-2019"].update(source=v)),
    ("samples.exchange-online-2019.placeholders.1.field",
     lambda d, v: d["samples"]["exchange-online-2019"]["placeholders"][1].update(field=v)),
    ("samples.exchange-online-2019.placeholders.0.filled_with",
     lambda d, v: d["samples"]["exchange-online-2019"]["placeholders"][0].update(filled_with=v)),
    ("references.0.citation", lambda d, v: d["references"][0].update(citation=v)),
    ("references.2.note", lambda d, v: d["references"][2].update(note=v)),
]


@pytest.mark.parametrize("kind, value, message", HOSTILE, ids=[h[0] for h in HOSTILE])
@pytest.mark.parametrize("place, change", PLACES, ids=[p[0] for p in PLACES])
def test_a_hostile_value_in_a_new_field_is_refused_at_its_place(english, tmp_path, kind, value,
                                                                message, place, change):
    data = overlay("exchange-online-p384")
    change(data, value)
    found, problems, lines = checked(tmp_path, english, data)
    assert found is None and problems
    assert any(message in p.message for p in problems), problems
    assert all(p.message.startswith(place) for p in problems), problems
    leaf = place.rsplit(".", 1)[1]
    assert {p.line for p in problems} <= {n for n, text in enumerate(lines, 1)
                                          if f"{leaf}:" in text}


@pytest.mark.parametrize("change, message", [
    (lambda d: d["symptoms"][0].update(text="a\x1bb"), "control character U+001B"),
    (lambda d: d["references"][1].update(url="https://example.org/\x07"),
     "control character U+0007"),
    (lambda d: d["references"][1].update(url="javascript:alert(1)"),
     "is not in the required form"),
    (lambda d: d["samples"].update({"Bad Id": {"client": "x"}}), "is not in the required form"),
    (lambda d: d["samples"]["exchange-online-2019"]["placeholders"][0].update(offset="39"),
     "should be a whole number"),
    (lambda d: d["platform"].update(role="upload"), "unknown field 'role'"),
    (lambda d: d["your_side"].update(key_type="ec256"), "unknown field 'key_type'"),
    (lambda d: d["samples"]["exchange-online-2019"].update(hex="16030100"),
     "unknown field 'hex'"),
    (lambda d: d["references"][1].update(date="2020"), "unknown field 'date'"),
])
def test_facts_and_names_stay_out_of_an_overlay(english, tmp_path, change, message):
    """What is never translated — a role, a key type, bytes, a date — has no field in the
    overlay; and the names that are copied (an error string, an address, a sample id, an
    offset) are held to their form."""
    data = overlay("exchange-online-p384")
    change(data)
    found, problems, _ = checked(tmp_path, english, data)
    assert found is None and any(message in p.message for p in problems), problems
