"""Which cases document a failure: (key type, reason code) → the ids of the cases whose
samples fail that way. `probe` and `cert` name them beside a client that fails alike. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from generator.compat.analyzer import analyze
from generator.compat.keytypes import KeyType
from generator.stacks import DEFAULT, StackId
from generator.tls.messages import ClientHello


def documented_failures(samples: Iterable[tuple[str, ClientHello]],
                        key_types: Sequence[KeyType], stack_id: StackId = DEFAULT
                        ) -> dict[tuple[str, str | None], list[str]]:
    """`samples`: (case id, its sample's hello) pairs; each case listed once per failure, in
    the order met."""
    index: dict[tuple[str, str | None], list[str]] = {}
    for case_id, hello in samples:
        for key_type in key_types:
            verdict = analyze(hello, key_type, stack_id)
            if not verdict.ok:
                ids = index.setdefault((verdict.key_type, verdict.reason_code), [])
                if case_id not in ids:
                    ids.append(case_id)
    return index
