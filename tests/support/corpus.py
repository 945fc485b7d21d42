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


def distinct_corpus() -> list[Sample]:
    """One sample per client configuration (identify.stable_fields: everything but the
    random, session id, key share values, SNI, padding, PSK identities, GREASE and extension
    order), the first by name: a test whose answer is a function of the configuration — an
    analyzer against its library's replay — learns nothing from a second program sending the
    same one (177 clients, 114 configurations)."""
    from generator.compat.identify import stable_fields
    from generator.tls.records import decode_client_hello
    seen: set[str] = set()
    chosen = []
    for sample in _corpus():
        fields = repr(sorted(stable_fields(decode_client_hello(sample.data)).items()))
        if fields not in seen:
            seen.add(fields)
            chosen.append(sample)
    return chosen
