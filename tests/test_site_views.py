"""The pure view models of the case, key-type and home pages, without an MkDocs build: the
answers (what to request) against an independent count from the case and client files read
as plain YAML, the case page built from what the check already computed (no analyzer run, no
fingerprint), and hostile text escaped by the templates."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from generator.cases.check import check_paths
from generator.compat.clients import recorded_clients
from generator.compat.keytypes import catalogue
from generator.site.templating import macro
from generator.site.views import answers as answer_views
from generator.site.views import cases as case_views
from generator.site.views.home import answer_box, case_matrix
from generator.site.views.keytypes import verdict

ROOT = Path(__file__).resolve().parent.parent
CLIENT_FILES = ROOT / "generator" / "compat" / "data" / "clients"


def link(target: str) -> str:
    return "/" + target.replace(".md", ".html")


@pytest.fixture(scope="module")
def cases():
    return tuple(check_paths([ROOT / "cases"]).cases)


@pytest.fixture(scope="module")
def answers(cases):
    return answer_views.answers(cases, recorded_clients(), catalogue())


def _result(claim) -> str:
    return claim if isinstance(claim, str) else claim["result"]


def test_failing_current_cases_are_the_case_files_claims(answers):
    files = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in (ROOT / "cases").glob("*.yaml")]
    current = [f for f in files if f["status"]["state"] == "current"]
    assert answers.cases_counted == len(current) and answers.cases_total == len(files)
    for answer in answers.by_key_type:
        expected = {f["id"] for f in current if _result(f["outcomes"][answer.key_type.id]) == "fails"}
        assert {c.id for c in answer.failing_cases} == expected, answer.key_type.id


def test_clients_failing_everywhere_are_the_client_files_runs():
    """Independent count: a current client whose recorded end-to-end result for a key type is
    not 'completed' on any stack (every client recorded here ran on every stack)."""
    result = answer_views.answers((), recorded_clients(), catalogue())
    files = [{**yaml.safe_load(p.read_text(encoding="utf-8")), "id": p.stem}
             for p in sorted(CLIENT_FILES.glob("*.yaml"))]
    ran = [f for f in files if f.get("end_to_end") and not f.get("historical")]
    assert len(ran) >= 170
    for answer in result.by_key_type:
        key = answer.key_type.id
        expected = {f["id"] for f in ran
                    if all(stack[key]["result"] != "completed"
                           for stack in f["end_to_end"]["results"].values())}
        found = {c.id for c in answer.clients_failing}
        assert expected <= found, key   # the historical recordings count by replay only
        assert found - expected <= {f["id"] for f in files if not f.get("end_to_end")}, key


def test_the_best_key_type_fails_in_the_fewest_current_cases(answers):
    issued = [a for a in answers.by_key_type if a.issuers]
    assert answers.best in issued
    assert len(answers.best.failing_cases) == min(len(a.failing_cases) for a in issued)


def test_the_alternative_fixes_the_most_failures(answers):
    for answer in answers.by_key_type:
        other = answer_views.alternative(answers, answer.key_type.id)
        if not answer.failures:
            assert other is None
            continue
        assert other is not None and other.key_type.id != answer.key_type.id
        assert 0 <= other.fixes <= other.of == answer.failures
        for candidate in answers.by_key_type:
            if candidate.key_type.id == answer.key_type.id or not candidate.issuers:
                continue
            still = (len({c.id for c in answer.failing_cases} & {c.id for c in candidate.failing_cases})
                     + len({c.id for c in answer.clients_failing}
                           & {c.id for c in candidate.clients_failing}))
            assert answer.failures - still <= other.fixes, candidate.key_type.id


def test_the_case_page_uses_what_the_check_computed(cases, monkeypatch):
    """Building every case's view runs neither an analyzer nor a fingerprint."""
    import generator.compat.analyzer as analyzer_module
    import generator.tls.fingerprint as fingerprint_module

    def refuse(*args, **kwargs):
        raise AssertionError("the page recomputed what the case already has")
    monkeypatch.setattr(analyzer_module, "analyze", refuse)
    monkeypatch.setattr(fingerprint_module, "fingerprints", refuse)
    for case in cases:
        anchors = tuple(f"why-{s.id}" for s in case.samples)
        view = case_views.case_page(case, catalogue(), link, anchors)
        for sample, shown in zip(case.samples, view.samples):
            assert shown.ja4 == sample.prints.ja4
        html = macro("case.html", "fix", f=view.fix)
        assert html.count('class="tabbed-block"') == len(catalogue().clients)


def test_fix_tabs_give_the_whole_command():
    case = next(c for c in check_paths([ROOT / "cases" / "exchange-online-p384.yaml"]).cases)
    view = case_views.case_page(case, catalogue(), link, ("why",) * len(case.samples))
    lego = next(t for t in view.fix.tabs if t.client == "lego")
    assert lego.command.startswith("lego ") and "--key-type ec256" in lego.command
    assert lego.command.endswith(" run")


def test_unknown_dates_are_left_out(cases):
    for case in cases:
        view = case_views.case_page(case, catalogue(), link,
                                    tuple("a" for _ in case.samples))
        assert "unknown" not in view.status.dates
        assert all(r.date != "unknown" for r in view.references)
        assert "unknown" not in macro("case.html", "references", page=view)


def test_hostile_titles_are_escaped_in_the_answer_box_and_matrix(cases, answers):
    hostile = '<script>alert(1)</script>" onmouseover="x\x1b'
    changed = tuple(dataclasses.replace(c, title=hostile) for c in cases)
    box = answer_box(answer_views.answers(changed, recorded_clients(), catalogue()), link)
    for html in (macro("home.html", "answer_box", box=box),
                 macro("home.html", "case_matrix", matrix=case_matrix(changed, catalogue(), link)),
                 macro("keytypes.html", "verdict_line",
                       v=verdict(answer_views.answers(changed, recorded_clients(), catalogue()),
                                 catalogue().key_type("ec384"), link))):
        assert "<script>" not in html and '" onmouseover' not in html and "\x1b" not in html
        assert "&lt;script&gt;" in html
