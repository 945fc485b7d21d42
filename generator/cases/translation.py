"""A case's prose in another language: cases/<language>/<id>.yaml beside cases/<id>.yaml.

An overlay, not a copy: it holds only the translatable prose (title, summary, cause, the
status note, the platform's name and versions, your side's server, each symptom's place and note
by the symptom's exact text, outcome notes by key type, each sample's client, provenance and
placeholder fields by the sample's id and the placeholder's offset, the fix's summary, server
setting and ACME-client notes, each reference's note and citation by its url, else its title), so
the English file stays the one source of every fact — error strings, bytes, dates, ids, key
types, addresses, verdicts. It follows cases/translation.schema.json and the same text rules as a
case (it is published the same way); what it names must exist in the case, with English prose
to translate. A case without a translation, or a translation without a field the case has, is a
note, never a problem: the page shows the English, marked as not yet translated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from generator.cases import model
from generator.cases.schema import schema_problems
from generator.cases.textrules import located_text_problems
from generator.cases.yamlpos import Located, Problem, load_mapping
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
    located, problems = load_mapping(text, source, "a translation is a mapping of fields",
                                     f"start from the case's fields: see {SCHEMA_NAME}")
    if located is None:
        return None, problems
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
    return _translation(data, language, source), []


def _translation(data: dict[str, Any], language: Language, source: str) -> model.Translation:
    """The checked overlay `data` as the model holds it."""
    fix = data.get("fix", {})
    symptoms = data.get("symptoms", ())
    references = data.get("references", ())
    return model.Translation(
        language=language.value, path=source, title=data.get("title"),
        summary=_stripped(data.get("summary")), cause=_stripped(data.get("cause")),
        status_note=data.get("status_note"),
        platform_name=_stripped(data.get("platform", {}).get("name")),
        platform_versions=_stripped(data.get("platform", {}).get("versions")),
        your_side_server=_stripped(data.get("your_side", {}).get("server")),
        symptom_wheres=_pairs(symptoms, "where", lambda item: item["text"]),
        symptom_notes=_pairs(symptoms, "note", lambda item: item["text"]),
        outcome_notes=tuple(sorted(data.get("outcomes", {}).items())),
        samples=tuple(_sample(sample_id, item)
                      for sample_id, item in sorted(data.get("samples", {}).items())),
        fix_summary=_stripped(fix.get("summary")), fix_server=fix.get("server"),
        fix_acme_clients=tuple(sorted(fix.get("acme_clients", {}).items())),
        reference_notes=_pairs(references, "note", _reference_name),
        reference_citations=_pairs(references, "citation", _reference_name))


def _pairs(items: Sequence[dict[str, Any]], field: str,
           name: Callable[[dict[str, Any]], str]) -> tuple[tuple[str, str], ...]:
    """(the name of each item that gives `field`, its text)."""
    return tuple((name(item), _stripped(item[field])) for item in items if field in item)


def _reference_name(item: dict[str, Any]) -> str:
    """What an overlay's reference item names its reference by (model.Reference.name)."""
    return item["url"] if "url" in item else item["title"]


def _sample(sample_id: str, item: dict[str, Any]) -> model.SampleTranslation:
    return model.SampleTranslation(
        sample_id, _stripped(item.get("client")), _stripped(item.get("by")),
        _stripped(item.get("source")),
        tuple(model.PlaceholderTranslation(p["offset"], _stripped(p.get("field")),
                                           _stripped(p.get("filled_with")))
              for p in item.get("placeholders", ())))


def _stripped(value: str | None) -> str | None:
    return None if value is None else value.strip()


#: (list, field) of the overlay's items whose value names something of the case, copied from it
#: verbatim: a symptom's error string, a reference's address or its source's title
_NAMES = {("symptoms", "text"), ("references", "url"), ("references", "title")}


def _markdown_field(path: tuple) -> bool:
    """Whether the overlay's text at `path` is held to every text rule: all its prose is, as
    the case's is (check._markdown_field); a name copied from the case (_NAMES) only to the
    rule on control characters, as the case's error strings are."""
    return not (len(path) == 3 and (path[0], path[2]) in _NAMES) and path[-1:] != ("id",)


class _Where:
    def __init__(self, located: Located, source: str) -> None:
        self.located, self.source = located, source

    def problem(self, problems: list[Problem], path: tuple, message: str,
                hint: str | None = None, key: bool = False) -> None:
        """A problem at the value at `path` (at its key, when `key`)."""
        line, column = self.located.where(path, key=key)
        problems.append(Problem(self.source, line, column, message, hint))


def _names_exist(data: dict[str, Any], case: model.Case, where: _Where) -> list[Problem]:
    """What the translation names — a symptom by its text, an outcome by its key type, a sample
    by its id and a placeholder by its offset, an ACME client, a reference by its url or title,
    a field of the status, platform, your side or fix — is in the case, with English prose to
    translate, named once and unambiguously."""
    problems: list[Problem] = []
    _symptoms_exist(data.get("symptoms", ()), case, where, problems)
    notes = {o.key_type: o.note for o in case.outcomes}
    for key in data.get("outcomes", {}):
        if notes.get(key) is None:
            where.problem(problems, ("outcomes", key), f"the case's outcome for '{key}' has no "
                          "note to translate", "translate only notes the case has")
    _samples_exist(data.get("samples", {}), case, where, problems)
    fix = data.get("fix", {})
    for client in fix.get("acme_clients", {}):
        if client not in dict(case.fix.acme_clients):
            where.problem(problems, ("fix", "acme_clients", client), f"the case's fix has no "
                          f"note for the ACME client '{client}'",
                          "translate only notes the case has")
    _references_exist(data.get("references", ()), case, where, problems)
    optional = ((("fix", "server"), case.fix.server, "the case's fix has no server setting"),
                (("status_note",), case.status.note, "the case's status has no note"),
                (("platform", "versions"), case.platform.versions,
                 "the case's platform has no versions"),
                (("your_side", "server"), case.your_side.server,
                 "the case's your_side has no server"))
    for path, english, message in optional:
        if english is None and _given(data, path):
            where.problem(problems, path, message, "translate only what the case has")
    return problems


def _given(data: dict[str, Any], path: tuple) -> bool:
    for step in path[:-1]:
        data = data.get(step, {})
    return path[-1] in data


def _symptoms_exist(items: Sequence[dict[str, Any]], case: model.Case, where: _Where,
                    problems: list[Problem]) -> None:
    seen: set[str | int] = set()
    for index, item in enumerate(items):
        at = ("symptoms", index)
        _named_once(item["text"], seen, at + ("text",), "symptom", where, problems)
        _gives_some(item, ("where", "note"), at, "symptom", where, problems)
        matching = [s for s in case.symptoms if s.text == item["text"]]
        if not matching:
            where.problem(problems, at + ("text",), "no symptom of the case has this text",
                          "copy the symptom's text exactly from the case")
            continue
        for field in ("where", "note"):
            if field in item:
                _one_english(matching, field, at + (field,), "symptom", where, problems)


def _samples_exist(items: dict[str, Any], case: model.Case, where: _Where,
                   problems: list[Problem]) -> None:
    samples = {s.id: s for s in case.samples}
    for sample_id, item in items.items():
        at = ("samples", sample_id)
        sample = samples.get(sample_id)
        if sample is None:
            where.problem(problems, at, f"no sample of the case has the id '{sample_id}'",
                          "name the sample by its id in the case", key=True)
            continue
        if not any(item.get(field) for field in ("client", "by", "source", "placeholders")):
            where.problem(problems, at, "this item names a sample but translates nothing of "
                          "it", "give client, by, source or placeholders, or remove the item",
                          key=True)
        if "by" in item and sample.provenance.by is None:
            where.problem(problems, at + ("by",), "the case's sample has no by to translate",
                          "translate only what the case has")
        seen: set[str | int] = set()
        for index, placeholder in enumerate(item.get("placeholders", ())):
            here = at + ("placeholders", index)
            offset = placeholder["offset"]
            _named_once(offset, seen, here + ("offset",), "placeholder", where, problems)
            _gives_some(placeholder, ("field", "filled_with"), here, "placeholder", where,
                        problems)
            matching = [p for p in sample.provenance.placeholders if p.offset == offset]
            if not matching:
                where.problem(problems, here + ("offset",), f"the case's sample has no "
                              f"placeholder at offset {offset}",
                              "copy the placeholder's offset from the case")
                continue
            for field in ("field", "filled_with"):
                if field in placeholder:
                    _one_english(matching, field, here + (field,), "placeholder", where,
                                 problems)


def _references_exist(items: Sequence[dict[str, Any]], case: model.Case, where: _Where,
                      problems: list[Problem]) -> None:
    seen: set[str | int] = set()
    for index, item in enumerate(items):
        at = ("references", index)
        if ("url" in item) == ("title" in item):
            where.problem(problems, at, "a reference item names its reference by url or by "
                          "title" + (", not both" if "url" in item else ""),
                          "give the reference's url exactly as the case writes it, or its "
                          "title when it has no url")
            continue
        by = "url" if "url" in item else "title"
        name = item[by]
        _named_once(name, seen, at + (by,), "reference", where, problems)
        _gives_some(item, ("note", "citation"), at, "reference", where, problems)
        matching = [r for r in case.references if r.name == name and
                    (by == "url") == (r.url is not None)]
        if not matching:
            with_url = next((r.url for r in case.references if by == "title" and
                             r.title == name and r.url is not None), None)
            where.problem(problems, at + (by,), f"no reference of the case has this {by}"
                          + ("" if with_url is None else " without a url"),
                          f"copy the reference's {by} exactly from the case" if with_url is None
                          else f"name it by its url: {with_url}")
            continue
        for field in ("note", "citation"):
            if field in item:
                _one_english(matching, field, at + (field,), "reference", where, problems)


def _named_once(name: str | int, seen: set[str | int], path: tuple, what: str, where: _Where,
                problems: list[Problem]) -> None:
    if name in seen:
        where.problem(problems, path, f"this {what} is named twice in the translation",
                      f"translate each {what} in one item")
    seen.add(name)


def _gives_some(item: dict[str, Any], fields: tuple[str, ...], path: tuple, what: str,
                where: _Where, problems: list[Problem]) -> None:
    if not any(field in item for field in fields):
        where.problem(problems, path, f"this item names a {what} but translates nothing of it",
                      f"give {' or '.join(fields)}, or remove the item")


def _one_english(matching: Sequence[Any], field: str, path: tuple, what: str, where: _Where,
                 problems: list[Problem]) -> None:
    """The case's items named alike (`matching`) have one English `field` to translate."""
    english = {getattr(m, field) for m in matching}
    if len(english) > 1:
        where.problem(problems, path, f"{len(matching)} {what}s of the case are named alike "
                      f"with different {field}s: a translation cannot tell them apart",
                      f"leave {field} out here (it is shown in English), or tell them apart "
                      "in the case")
    elif english == {None}:
        where.problem(problems, path, f"the case's {what} has no {field} to translate",
                      f"add the {field} to the case first")


def _missing(case: model.Case, translation: model.Translation | None,
             language: Language) -> list[str]:
    """The notes `tlskb check` prints for what is not yet translated."""
    if translation is None:
        return [f"{case.path}: no {NAMES[language]} translation (cases/{language.value}/"
                f"{case.id}.yaml); its {language.value} page shows the English, marked"]
    missing = [field for field in _TOP if getattr(translation, field) is None]
    single = (("status_note", case.status.note, translation.status_note),
              ("platform.name", case.platform.name, translation.platform_name),
              ("platform.versions", case.platform.versions, translation.platform_versions),
              ("your_side.server", case.your_side.server, translation.your_side_server))
    missing += [name for name, english, said in single if english and said is None]
    wheres, said = dict(translation.symptom_wheres), dict(translation.symptom_notes)
    for symptom in case.symptoms:
        label = f"symptoms ({symptom.text[:40]})"
        missing += [f"{label}.where"] if symptom.text not in wheres else []
        missing += [f"{label}.note"] if symptom.note and symptom.text not in said else []
    missing += _samples_missing(case, translation)
    notes = dict(translation.outcome_notes)
    missing += [f"outcomes.{o.key_type}" for o in case.outcomes if o.note and
                o.key_type not in notes]
    if translation.fix_summary is None:
        missing.append("fix.summary")
    if case.fix.server and translation.fix_server is None:
        missing.append("fix.server")
    clients = dict(translation.fix_acme_clients)
    missing += [f"fix.acme_clients.{c}" for c, _ in case.fix.acme_clients if c not in clients]
    notes, citations = dict(translation.reference_notes), dict(translation.reference_citations)
    for index, reference in enumerate(case.references):
        label = f"references.{index}"     # its place in the case: urls share long prefixes
        missing += [f"{label}.note"] if reference.note and reference.name not in notes else []
        missing += ([f"{label}.citation"] if reference.citation and
                    reference.name not in citations else [])
    if not missing:
        return []
    return [f"{translation.path}: not yet translated: {', '.join(dict.fromkeys(missing))} "
            "(shown in English, marked)"]


def _samples_missing(case: model.Case, translation: model.Translation) -> list[str]:
    said = {s.id: s for s in translation.samples}
    missing = []
    for sample in case.samples:
        given = said.get(sample.id, model.SampleTranslation(sample.id))
        label = f"samples.{sample.id}"
        provenance = sample.provenance
        missing += [f"{label}.{name}" for name, english in
                    (("client", sample.client), ("by", provenance.by),
                     ("source", provenance.source))
                    if english and getattr(given, name) is None]
        placeholders = {p.offset: p for p in given.placeholders}
        for placeholder in provenance.placeholders:
            found = placeholders.get(placeholder.offset, model.PlaceholderTranslation(0))
            here = f"{label}.placeholders.{placeholder.offset}"
            missing += [f"{here}.field"] if found.field is None else []
            missing += ([f"{here}.filled_with"] if placeholder.filled_with and
                        found.filled_with is None else [])
    return missing


def in_language(case: model.Case, language: str) -> tuple[model.Case, bool]:
    """The case with its prose in `language` wherever a translation gives it (the rest stays
    English), and whether it has a translation at all."""
    found = case.translation(language)
    if found is None:
        return case, False
    wheres, notes = dict(found.symptom_wheres), dict(found.symptom_notes)
    outcome_notes = dict(found.outcome_notes)
    client_notes = dict(found.fix_acme_clients)
    samples = {s.id: s for s in found.samples}
    reference_notes = dict(found.reference_notes)
    citations = dict(found.reference_citations)
    return replace(
        case,
        title=found.title or case.title,
        summary=found.summary or case.summary,
        cause=found.cause or case.cause,
        status=replace(case.status, note=found.status_note or case.status.note),
        platform=replace(case.platform, name=found.platform_name or case.platform.name,
                         versions=found.platform_versions or case.platform.versions),
        your_side=replace(case.your_side,
                          server=found.your_side_server or case.your_side.server),
        symptoms=tuple(replace(s, where=wheres.get(s.text, s.where),
                               note=notes.get(s.text, s.note)) for s in case.symptoms),
        samples=tuple(_sample_in_language(s, samples.get(s.id)) for s in case.samples),
        outcomes=tuple(replace(o, note=outcome_notes.get(o.key_type, o.note))
                       for o in case.outcomes),
        fix=replace(case.fix, summary=found.fix_summary or case.fix.summary,
                    server=found.fix_server or case.fix.server,
                    acme_clients=tuple((c, client_notes.get(c, note))
                                       for c, note in case.fix.acme_clients)),
        references=tuple(replace(r, note=reference_notes.get(r.name, r.note),
                                 citation=citations.get(r.name, r.citation))
                         for r in case.references)), True


def _sample_in_language(sample: model.Sample,
                        found: model.SampleTranslation | None) -> model.Sample:
    """The sample with its client, provenance prose and placeholder fields translated where
    `found` gives them; its bytes, id, kind, date and offsets stay the case's."""
    if found is None:
        return sample
    provenance = sample.provenance
    placeholders = {p.offset: p for p in found.placeholders}

    def placeholder(p: model.Placeholder) -> model.Placeholder:
        said = placeholders.get(p.offset)
        if said is None:
            return p
        return replace(p, field=said.field or p.field,
                       filled_with=said.filled_with or p.filled_with)

    return replace(sample, client=found.client or sample.client, provenance=replace(
        provenance, by=found.by or provenance.by, source=found.source or provenance.source,
        placeholders=tuple(placeholder(p) for p in provenance.placeholders)))
