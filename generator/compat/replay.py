"""Proof by replay: a recorded ClientHello handed to a server stack's own library, in memory,
and its answer decoded — the one entry point the CLI, the case checker, the site and the tests
use. Each stack's package provides its replayer (generator/stacks/<id>/replay.py); each proof
names the library it ran against (`Replayer.label`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from generator.compat.keytypes import KeyType
from generator.compat.outcome import ReplayOutcome
from generator.errors import TlskbError
from generator.stacks import DEFAULT, StackId


@dataclass(frozen=True, slots=True)
class Replayer:
    stack: StackId
    library: str        # the library's own version text, "OpenSSL 3.5.6 7 Apr 2026"
    version: str        # the release number alone, "3.5.6"
    label: str          # how proofs name it, "OpenSSL 3.5.6 (pinned reference, ...)"
    replay: Callable[[bytes, KeyType], ReplayOutcome]
    #: the library the stack's analyzer models; elsewhere a difference from the analyzer is a
    #: fact about that library, not an analyzer bug
    is_reference: bool = True
    extra: dict[str, str] = field(default_factory=dict)  # stack-specific JSON fields

    def as_json(self) -> dict[str, Any]:
        return {"stack": self.stack.value, "version": self.version, **self.extra,
                "library": self.library, "label": self.label, "reference": self.is_reference}


class ReplayUnavailable(TlskbError):
    """The library a replay needs cannot be loaded."""


@cache
def replayer(stack: StackId = DEFAULT) -> Replayer:
    """The reference replayer of `stack` (loaded once per process)."""
    from generator.stacks import replayer as stack_replayer
    return stack_replayer(stack)


def reference_label(stack: StackId = DEFAULT) -> str:
    """"OpenSSL 3.5.6 (pinned reference, cryptography 46.0.7)"."""
    return replayer(stack).label


def replay(raw: bytes, key_type: KeyType, stack: StackId = DEFAULT) -> ReplayOutcome:
    """`raw` (a ClientHello as sent: TLS records or SSL 2.0 format) handed to `stack`'s
    reference library holding a `key_type` certificate, and its answer decoded."""
    return replayer(stack).replay(raw, key_type)


@lru_cache(maxsize=16384)
def replay_memoized(raw: bytes, key_type: KeyType, stack: StackId = DEFAULT) -> ReplayOutcome:
    """`replay`, remembered for the life of the process and on disk (compat/replaycache.py):
    cases that quote the same client's ClientHello (a site has many) cost one handshake per
    key type and stack, and a warm build none. A reference replay depends only on the
    ClientHello, the key type and the stack's library, never on random values."""
    from generator.compat import replaycache
    server = replayer(stack)
    key = replaycache.cache_key(raw, key_type, stack.value, server.library, server.label)
    outcome = replaycache.load(key)
    if outcome is None:
        outcome = server.replay(raw, key_type)
        replaycache.store(key, outcome)
    return outcome
