"""The ClientHello corpus: the recorded clients (generator/compat/data/clients/), recorded and
reconstructed hellos with provenance."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import yaml

from generator.compat.clients import CLIENTS_DIR

CORPUS_DIR = CLIENTS_DIR


@dataclass(frozen=True)
class Sample:
    name: str
    data: bytes
    meta: dict

    def __str__(self) -> str:
        return self.name


def load_corpus() -> list[Sample]:
    """Every recorded client's hello, read once per test session (a strategy may ask for it
    on every example)."""
    return list(_corpus())


@cache
def _corpus() -> tuple[Sample, ...]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    samples = []
    for path in sorted(CORPUS_DIR.glob("*.yaml")):
        meta = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        samples.append(Sample(path.stem, bytes.fromhex("".join(meta["hex"].split())), meta))
    return tuple(samples)


def corpus_names() -> list[str]:
    return [path.stem for path in sorted(CORPUS_DIR.glob("*.yaml"))]
