"""What `tlskb probe` sends: every sample of the knowledge base's cases and every recorded
client, each ClientHello once (a case quoting a recorded client keeps the case's name)."""

from __future__ import annotations

import fnmatch
from pathlib import Path

from generator.cases.check import check_paths
from generator.cases.model import Case
from generator.compat.clients import recorded_clients
from generator.errors import UsageError
from generator.net.answer import ProbeSample


def knowledge_base_samples(cases_dir: Path | None) -> tuple[list[ProbeSample], tuple[Case, ...]]:
    """(samples, cases): case samples first (in case order), then the recorded clients not
    already among them. `cases_dir` None leaves the cases out. The cases must pass
    `tlskb check` (without replay)."""
    samples: list[ProbeSample] = []
    cases: tuple[Case, ...] = ()
    seen: set[bytes] = set()
    if cases_dir is not None:
        if not cases_dir.is_dir():
            raise UsageError(f"{cases_dir}: no such directory of cases; pass --cases DIR, or "
                             "--no-cases (the default is the knowledge base's own cases)")
        report = check_paths([cases_dir], replay=False)
        if report.problems:
            first = report.problems[0]
            raise UsageError(f"the cases have {len(report.problems)} problem(s), the first: "
                             f"{first}; run `tlskb check`")
        cases = report.cases
        for case in cases:
            for sample in case.samples:
                if sample.raw in seen:
                    continue
                seen.add(sample.raw)
                samples.append(ProbeSample(sample.id, sample.client, sample.raw, case.id,
                                           case.title, case.status.state != "current"))
    for client in recorded_clients():
        if client.raw not in seen:
            seen.add(client.raw)
            samples.append(ProbeSample(client.id, client.client, client.raw,
                                       historical=client.historical))
    return samples, cases


def chosen_samples(samples: list[ProbeSample], only: list[str] | None, ignore: list[str] | None,
                   current_only: bool) -> list[ProbeSample]:
    """The samples left after --only, --ignore (shell patterns matched against the sample id,
    its case id and its client's name; repeatable, or comma-separated) and --current-only.
    A pattern that matches nothing is an error: a typo must not silently probe everyone."""
    def patterns(values: list[str] | None) -> list[str]:
        return [p.strip() for value in values or () for p in value.split(",") if p.strip()]

    def names(sample: ProbeSample) -> tuple[str, ...]:
        return tuple(n for n in (sample.id, sample.case_id, sample.client) if n)

    def matches(pattern: str, sample: ProbeSample) -> bool:
        return any(fnmatch.fnmatchcase(n, pattern) for n in names(sample))

    for option, wanted in (("--only", patterns(only)), ("--ignore", patterns(ignore))):
        unknown = [p for p in wanted if not any(matches(p, s) for s in samples)]
        if unknown:
            raise UsageError(f"{option} {', '.join(unknown)}: no sample, case or client matches; "
                             "`tlskb probe --list` shows them")
    if only:
        samples = [s for s in samples if any(matches(p, s) for p in patterns(only))]
    if ignore:
        samples = [s for s in samples if not any(matches(p, s) for p in patterns(ignore))]
    if current_only:
        samples = [s for s in samples if not s.historical]
    return samples
