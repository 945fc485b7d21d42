"""The analyzer: (ClientHello, key type, stack) -> Verdict. Each stack's rules live in its
own package (generator/stacks/<id>/analyzer.py); this is the one entry point the CLI, the case
checker, the site and the probe call."""

from __future__ import annotations

from generator.compat.keytypes import KeyType
from generator.compat.verdict import Caveat, Verdict, VerdictKind
from generator.stacks import DEFAULT, StackId, analyzer
from generator.tls.messages import ClientHello

__all__ = ["Caveat", "Verdict", "VerdictKind", "analyze"]


def analyze(hello: ClientHello, key_type: KeyType, stack: StackId = DEFAULT) -> Verdict:
    """What `stack`, holding a `key_type` certificate, answers `hello`, predicted."""
    return analyzer(stack)(hello, key_type)
