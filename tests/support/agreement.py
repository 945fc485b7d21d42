"""The differential check every stack's tests make: a hello's verdict from the stack's
analyzer against the answer of the stack's own library, for every key type."""

from __future__ import annotations

from generator.compat.analyzer import Verdict, analyze
from generator.compat.keytypes import catalogue
from generator.compat.outcome import ReplayOutcome
from generator.compat.proof import disagreements
from generator.compat.replay import replay
from generator.stacks import DEFAULT, StackId


def agreement(raw: bytes, hello, label: str, stack: StackId = DEFAULT
              ) -> dict[str, tuple[Verdict, ReplayOutcome]]:
    """key type -> (verdict, outcome) for `hello` (sent as `raw`), asserting that they agree
    (proof.disagreements) for every key type of the catalogue."""
    found = {}
    for key_type in catalogue().key_types:
        verdict = analyze(hello, key_type, stack)
        outcome = replay(raw, key_type, stack)
        differences = disagreements(verdict, outcome)
        assert not differences, (f"{label} × {key_type.id}: {differences}; analyzer: "
                                 f"{verdict.reason_code} {verdict.summary()}")
        found[key_type.id] = (verdict, outcome)
    return found


def verdicts_agreeing(raw: bytes, hello, label: str, stack: StackId = DEFAULT
                      ) -> dict[str, Verdict]:
    """`agreement`, the verdicts alone."""
    return {k: verdict for k, (verdict, _) in agreement(raw, hello, label, stack).items()}
