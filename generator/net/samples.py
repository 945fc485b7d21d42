"""What `tlskb probe` sends: every sample of the knowledge base's cases and every recorded
client, each ClientHello once (a case quoting a recorded client keeps the case's name)."""

from __future__ import annotations

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
                                           case.title))
    for client in recorded_clients():
        if client.raw not in seen:
            seen.add(client.raw)
            samples.append(ProbeSample(client.id, client.client, client.raw))
    return samples, cases
