"""A case as immutable values, built from schema-valid data (see check.py for the checks)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from generator.compat.analyzer import Verdict
from generator.compat.outcome import ReplayOutcome
from generator.stacks import DEFAULT, StackId
from generator.tls.fingerprint import Fingerprints
from generator.tls.records import WireClientHello


@dataclass(frozen=True, slots=True)
class Status:
    state: str
    observed: str
    fixed: str | None = None
    reviewed: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Platform:
    name: str
    role: str
    versions: str | None = None


@dataclass(frozen=True, slots=True)
class YourSide:
    server: str | None = None
    acme_client: str | None = None
    key_type: str | None = None


@dataclass(frozen=True, slots=True)
class Symptom:
    where: str
    text: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Placeholder:
    offset: int
    length: int
    field: str
    filled_with: str | None = None


@dataclass(frozen=True, slots=True)
class Provenance:
    kind: str
    source: str
    by: str | None = None
    date: str | None = None
    placeholders: tuple[Placeholder, ...] = ()


@dataclass(frozen=True, slots=True)
class Sample:
    id: str
    client: str
    provenance: Provenance
    wire: WireClientHello
    #: JA3/JA4 of the hello, computed once when the case is checked
    prints: Fingerprints | None = None

    @property
    def raw(self) -> bytes:
        return self.wire.raw


@dataclass(frozen=True, slots=True)
class Outcome:
    key_type: str
    result: str           # works | fails | untested
    basis: str            # replayed | documented
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Fix:
    recommended: str
    summary: str
    alternatives: tuple[str, ...] = ()
    acme_clients: tuple[tuple[str, str], ...] = ()
    server: str | None = None


@dataclass(frozen=True, slots=True)
class Reference:
    url: str | None
    title: str
    date: str
    note: str | None = None
    citation: str | None = None

    @property
    def name(self) -> str:
        """What a translation names it by: its url, or its title when it has none."""
        return self.url if self.url is not None else self.title


@dataclass(frozen=True, slots=True)
class SampleResult:
    """What a stack's analyzer said and its library did for one sample and one key type (the
    default stack's results are what the case's claims are checked against; a key type whose
    outcome is documented has the analyzer's verdict too, without a replay: what the handshake
    alone does, beside the rule)."""
    sample: str
    key_type: str
    verdict: Verdict
    replay: ReplayOutcome | None
    stack: StackId = DEFAULT


@dataclass(frozen=True, slots=True)
class PlaceholderTranslation:
    """A placeholder's prose in another language, the placeholder named by its offset."""
    offset: int
    field: str | None = None
    filled_with: str | None = None


@dataclass(frozen=True, slots=True)
class SampleTranslation:
    """A sample's prose in another language, the sample named by its id: the client's name
    (the sample's heading) and its provenance's `by`, `source` and placeholders."""
    id: str
    client: str | None = None
    by: str | None = None
    source: str | None = None
    placeholders: tuple[PlaceholderTranslation, ...] = ()


@dataclass(frozen=True, slots=True)
class Translation:
    """A case's prose in another language (cases/<language>/<id>.yaml); what it leaves out
    (None, or absent from a mapping) is shown in English, marked untranslated. Error strings,
    bytes, ids, dates, key types, addresses and the sources' titles are never translated."""
    language: str
    path: str
    title: str | None = None
    summary: str | None = None
    cause: str | None = None
    status_note: str | None = None
    platform_name: str | None = None
    platform_versions: str | None = None
    your_side_server: str | None = None
    symptom_wheres: tuple[tuple[str, str], ...] = ()   # (the symptom's text, where it appears)
    symptom_notes: tuple[tuple[str, str], ...] = ()    # (the symptom's text, its note)
    outcome_notes: tuple[tuple[str, str], ...] = ()    # (key type, its note)
    samples: tuple[SampleTranslation, ...] = ()
    fix_summary: str | None = None
    fix_server: str | None = None
    fix_acme_clients: tuple[tuple[str, str], ...] = ()  # (ACME client id, its note)
    #: (the reference's url, or its title when it has none; its note / its citation)
    reference_notes: tuple[tuple[str, str], ...] = ()
    reference_citations: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    path: str
    title: str
    summary: str
    status: Status
    platform: Platform
    your_side: YourSide
    symptoms: tuple[Symptom, ...]
    cause: str
    samples: tuple[Sample, ...]
    outcomes: tuple[Outcome, ...]
    fix: Fix
    references: tuple[Reference, ...]
    tags: tuple[str, ...]
    results: tuple[SampleResult, ...] = ()
    replayed_against: str | None = None  # the default stack's library label, when replayed
    #: every stack whose library the samples were replayed against, and its label
    replayed_by_stack: tuple[tuple[StackId, str], ...] = ()
    #: answers that change when a sample's placeholder bytes do (stack, key type, how)
    placeholder_effects: tuple[str, ...] = ()
    #: the case's prose in other languages (generator/cases/translation.py)
    translations: tuple[Translation, ...] = ()

    def translation(self, language: str) -> Translation | None:
        return next((t for t in self.translations if t.language == language), None)

    @property
    def replayed(self) -> bool:
        return bool(self.samples)

    def outcome(self, key_type: str) -> Outcome:
        return next(o for o in self.outcomes if o.key_type == key_type)

    def results_for(self, sample: str, stack: StackId = DEFAULT) -> tuple[SampleResult, ...]:
        return tuple(r for r in self.results if r.sample == sample and r.stack is stack)

    def stack_results(self, stack: StackId) -> tuple[SampleResult, ...]:
        return tuple(r for r in self.results if r.stack is stack)


def outcome_from(key_type: str, raw: Any, has_samples: bool) -> Outcome:
    if isinstance(raw, str):
        return Outcome(key_type, raw, "replayed" if has_samples else "documented")
    basis = raw.get("basis") or ("replayed" if has_samples else "documented")
    return Outcome(key_type, raw["result"], basis, raw.get("note"))


def case_from(data: dict[str, Any], path: str, key_types: Sequence[str],
              samples: tuple[Sample, ...], results: tuple[SampleResult, ...],
              replayed_against: str | None,
              replayed_by_stack: tuple[tuple[StackId, str], ...] = (),
              placeholder_effects: tuple[str, ...] = ()) -> Case:
    """The case in schema-valid `data`, with an outcome for each of `key_types` (the
    catalogue's ids, which the schema made `data` give)."""
    status = data["status"]
    platform = data["platform"]
    side = data.get("your_side", {})
    fix = data["fix"]
    return Case(
        id=data["id"], path=path, title=data["title"], summary=data["summary"].strip(),
        status=Status(status["state"], status["observed"], status.get("fixed"),
                      status.get("reviewed"), status.get("note")),
        platform=Platform(platform["name"], platform["role"], platform.get("versions")),
        your_side=YourSide(side.get("server"), side.get("acme_client"), side.get("key_type")),
        symptoms=tuple(Symptom(s["where"], s["text"], s.get("note")) for s in data["symptoms"]),
        cause=data["cause"].strip(),
        samples=samples,
        outcomes=tuple(outcome_from(k, data["outcomes"][k], bool(samples)) for k in key_types),
        fix=Fix(fix["recommended"], fix["summary"].strip(), tuple(fix.get("alternatives", ())),
                tuple(sorted(fix.get("acme_clients", {}).items())), fix.get("server")),
        references=tuple(Reference(r.get("url"), r["title"], str(r["date"]), r.get("note"),
                                   r.get("citation")) for r in data["references"]),
        tags=tuple(data["tags"]),
        results=results,
        replayed_against=replayed_against,
        replayed_by_stack=replayed_by_stack,
        placeholder_effects=placeholder_effects,
    )


def provenance_from(raw: dict[str, Any]) -> Provenance:
    return Provenance(raw["kind"], raw["source"], raw.get("by"), raw.get("date"),
                      tuple(Placeholder(p["offset"], p["length"], p["field"], p.get("filled_with"))
                            for p in raw.get("placeholders", ())))
