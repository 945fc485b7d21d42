"""A case's prose in another language: cases/<language>/<id>.yaml beside cases/<id>.yaml.

An overlay, not a copy: it holds only the translatable prose (title, summary, cause, the
status note, symptom notes by the symptom's exact text, outcome notes by key type, the fix's
summary, server setting and ACME-client notes), so the English file stays the one source of
every fact — error strings, bytes, dates, ids, verdicts. It follows cases/translation.schema.json
and the same text rules as a case (it is published the same way); what it names must exist in
the case. A case without a translation, or a translation without a field the case has, is a
note, never a problem: the page shows the English, marked as not yet translated.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from generator.cases import model
from generator.cases.schema import schema_problems
from generator.cases.textrules import located_text_problems
from generator.cases.yamlpos import Located, Problem, load
from generator.languages import NAMES, TRANSLATIONS, Language

SCHEMA_NAME = "translation.schema.json"
#: the case's prose fields a translation carries, by their place in the case file
_TOP = ("title", "summary", "cause")


@dataclass(frozen=True, slots=True)
class Checked:
    cases: tuple[model.Case, ...]       # with their translations attached
    problems: tuple[Problem, ...]
    notes: tuple[str, ...]              # missing translations: shown in English, marked


def attach(cases: tuple[model.Case, ...], paths: list[Path], read) -> Checked:
    """The translations at `paths` (cases/<language>/<id>.yaml) checked against their cases
    and attached to them, and a note for each case not wholly translated. `read(path)` gives
    (text, problem) as check.read_case_file does."""
    by_id = {case.id: case for case in cases}
    translations: dict[str, list[model.Translation]] = {}
    problems: list[Problem] = []
    notes: list[str] = []
    for path in paths:
        language = Language(path.parent.name)
        if path.stem not in by_id and (path.parent.parent / path.name).exists():
            continue   # its case has problems of its own: the translation waits for it
        text, refused = read(path)
        if refused is not None:
            problems.append(refused)
            continue
        found, trouble = check_translation(text, path, language, by_id,
                                           path.parent.parent / SCHEMA_NAME)
        problems.extend(trouble)
        if found is not None:
            translations.setdefault(path.stem, []).append(found)
    attached = []
    for case in cases:
        own = tuple(translations.get(case.id, ()))
        attached.append(replace(case, translations=own) if own else case)
        for language in TRANSLATIONS:
            notes.extend(_missing(case, next((t for t in own if t.language == language),
                                             None), language))
    return Checked(tuple(attached), tuple(problems), tuple(notes))


def check_translation(text: str, path: Path, language: Language,
                      cases: dict[str, model.Case], schema: Path
                      ) -> tuple[model.Translation | None, list[Problem]]:
    source = str(path)
    located, problems = load(text, source)
    if located is None:
        return None, problems
    if not isinstance(located.data, dict):
        return None, [Problem(source, 1, 1, "a translation is a mapping of fields",
                              f"start from the case's fields: see {SCHEMA_NAME}")]
    if not schema.is_file():
        return None, [Problem(source, 1, 1, f"no {SCHEMA_NAME} in {schema.parent}",
                              "translations live in cases/<language>/ beside the schema")]
    problems = schema_problems(located, source, schema, whole="the translation")
    problems += located_text_problems(located, source, _markdown_field)
    if problems:
        return None, problems
    data = located.data
    where = _Where(located, source)
    case = cases.get(data["id"])
    if data["id"] != path.stem:
        where.problem(problems, ("id",), f"id '{data['id']}' does not match the file name "
                                         f"'{path.name}'", "name the file after the case")
    if data["language"] != language.value:
        where.problem(problems, ("language",), f"language '{data['language']}' in the folder "
                                               f"'{language.value}'",
                      f"move the file to cases/{data['language']}/ or fix the field")
    if case is None:
        where.problem(problems, ("id",), f"no case '{data['id']}' to translate",
                      "a translation goes beside cases/<id>.yaml, with the same id")
        return None, problems
    problems += _names_exist(data, case, where)
    if problems:
        return None, sorted(problems, key=lambda p: (p.line, p.column))
    fix = data.get("fix", {})
    return model.Translation(
        language.value, source, data.get("title"), _stripped(data.get("summary")),
        _stripped(data.get("cause")), data.get("status_note"),
        tuple((s["text"], s["note"]) for s in data.get("symptoms", ())),
        tuple(sorted(data.get("outcomes", {}).items())),
        _stripped(fix.get("summary")), fix.get("server"),
        tuple(sorted(fix.get("acme_clients", {}).items()))), []


def _stripped(value: str | None) -> str | None:
    return None if value is None else value.strip()


def _markdown_field(path: tuple) -> bool:
    """A symptom's text is the case's verbatim error string, quoted to name it."""
    return not (len(path) == 3 and path[0] == "symptoms" and path[2] == "text") and \
        path[-1:] != ("id",)


class _Where:
    def __init__(self, located: Located, source: str) -> None:
        self.located, self.source = located, source

    def problem(self, problems: list[Problem], path: tuple, message: str,
                hint: str | None = None) -> None:
        line, column = self.located.where(path)
        problems.append(Problem(self.source, line, column, message, hint))


def _names_exist(data: dict[str, Any], case: model.Case, where: _Where) -> list[Problem]:
    """What the translation names — a symptom's text, an outcome's key type, an ACME client, a
    server setting — is in the case, with English prose to translate."""
    problems: list[Problem] = []
    texts = {s.text: s.note for s in case.symptoms}
    for index, symptom in enumerate(data.get("symptoms", ())):
        if symptom["text"] not in texts:
            where.problem(problems, ("symptoms", index, "text"), "no symptom of the case has "
                          "this text", "copy the symptom's text exactly from the case")
        elif texts[symptom["text"]] is None:
            where.problem(problems, ("symptoms", index, "note"), "the case's symptom has no "
                          "note to translate", "add the note to the case first")
    notes = {o.key_type: o.note for o in case.outcomes}
    for key in data.get("outcomes", {}):
        if notes.get(key) is None:
            where.problem(problems, ("outcomes", key), f"the case's outcome for '{key}' has no "
                          "note to translate", "translate only notes the case has")
    fix = data.get("fix", {})
    for client in fix.get("acme_clients", {}):
        if client not in dict(case.fix.acme_clients):
            where.problem(problems, ("fix", "acme_clients", client), f"the case's fix has no "
                          f"note for the ACME client '{client}'",
                          "translate only notes the case has")
    if "server" in fix and case.fix.server is None:
        where.problem(problems, ("fix", "server"), "the case's fix has no server setting",
                      "translate only what the case has")
    if "status_note" in data and case.status.note is None:
        where.problem(problems, ("status_note",), "the case's status has no note",
                      "translate only what the case has")
    return problems


def _missing(case: model.Case, translation: model.Translation | None,
             language: Language) -> list[str]:
    """The notes `tlskb check` prints for what is not yet translated."""
    if translation is None:
        return [f"{case.path}: no {NAMES[language]} translation (cases/{language.value}/"
                f"{case.id}.yaml); its {language.value} page shows the English, marked"]
    missing = [field for field in _TOP if getattr(translation, field) is None]
    if case.status.note and translation.status_note is None:
        missing.append("status_note")
    said = dict(translation.symptom_notes)
    missing += [f"symptoms ({s.text[:40]})" for s in case.symptoms
                if s.note and s.text not in said]
    notes = dict(translation.outcome_notes)
    missing += [f"outcomes.{o.key_type}" for o in case.outcomes if o.note and
                o.key_type not in notes]
    if translation.fix_summary is None:
        missing.append("fix.summary")
    if case.fix.server and translation.fix_server is None:
        missing.append("fix.server")
    clients = dict(translation.fix_acme_clients)
    missing += [f"fix.acme_clients.{c}" for c, _ in case.fix.acme_clients if c not in clients]
    if not missing:
        return []
    return [f"{translation.path}: not yet translated: {', '.join(missing)} (shown in English, "
            "marked)"]


def in_language(case: model.Case, language: str) -> tuple[model.Case, bool]:
    """The case with its prose in `language` wherever a translation gives it (the rest stays
    English), and whether it has a translation at all."""
    found = case.translation(language)
    if found is None:
        return case, False
    notes = dict(found.symptom_notes)
    outcome_notes = dict(found.outcome_notes)
    client_notes = dict(found.fix_acme_clients)
    return replace(
        case,
        title=found.title or case.title,
        summary=found.summary or case.summary,
        cause=found.cause or case.cause,
        status=replace(case.status, note=found.status_note or case.status.note),
        symptoms=tuple(replace(s, note=notes.get(s.text, s.note)) for s in case.symptoms),
        outcomes=tuple(replace(o, note=outcome_notes.get(o.key_type, o.note))
                       for o in case.outcomes),
        fix=replace(case.fix, summary=found.fix_summary or case.fix.summary,
                    server=found.fix_server or case.fix.server,
                    acme_clients=tuple((c, client_notes.get(c, note))
                                       for c, note in case.fix.acme_clients))), True
