"""Server stacks: the TLS libraries a verdict is proven against, one package each.

A stack package (`generator/stacks/<id>/`) holds what is particular to one library: its facts
as data, its analyzer (`analyzer.analyze(hello, key_type) -> Verdict`, the library's decisions
as a pure function) and its replayer (`replay.replayer() -> Replayer`: the library itself,
handed a recorded ClientHello in memory). No module outside `generator/stacks/` needs to know
which library answered; they name a `StackId`. The list of stacks is data/stacks.yaml.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from generator.compat.keytypes import KeyType
    from generator.compat.replay import Replayer
    from generator.compat.verdict import Verdict
    from generator.tls.messages import ClientHello


class StackId(enum.Enum):
    """The stacks of data/stacks.yaml, in its order."""
    OPENSSL = "openssl"
    GNUTLS = "gnutls"
    GO = "go"
    RUSTLS = "rustls"
    JSSE = "jsse"


#: the stack every verdict is given for when none is named
DEFAULT = StackId.OPENSSL


@dataclass(frozen=True, slots=True)
class Stack:
    id: StackId
    label: str                   # "OpenSSL"
    library: str                 # the exact library the verdicts are for
    programs: tuple[str, ...]    # server programs that use it


@cache
def stacks() -> tuple[Stack, ...]:
    """Every stack, in data/stacks.yaml's order."""
    text = resources.files(__package__).joinpath("data/stacks.yaml").read_text("utf-8")
    return tuple(Stack(StackId(entry["id"]), entry["label"], entry["library"],
                       tuple(entry["programs"])) for entry in yaml.safe_load(text))


def stack(stack_id: StackId) -> Stack:
    return next(s for s in stacks() if s.id is stack_id)


def analyzer(stack_id: StackId) -> Callable[[ClientHello, KeyType], Verdict]:
    """The stack's analyzer (its package's `analyzer.analyze`), imported on first use."""
    return importlib.import_module(f"{__name__}.{stack_id.value}.analyzer").analyze


def replayer(stack_id: StackId, variant: str | None = None) -> Replayer:
    """The stack's replayer (its package's `replay.replayer()`): loading the library may fail
    with ReplayUnavailable, which says what to install. `variant` picks another build of the
    library where the stack offers one (`variants`), such as OpenSSL's "system"."""
    module = importlib.import_module(f"{__name__}.{stack_id.value}.replay")
    return module.replayer() if variant is None else module.replayer(variant)


def variants(stack_id: StackId) -> tuple[str, ...]:
    """The builds a stack can replay against, its reference first (its package's
    `replay.VARIANTS`; a stack without one has only its reference)."""
    module = importlib.import_module(f"{__name__}.{stack_id.value}.replay")
    return tuple(getattr(module, "VARIANTS", ()))


def parse_stacks(text: str) -> tuple[StackId, ...]:
    """`--stack` text: "all", or ids separated by commas, in the order given."""
    if text.strip() == "all":
        return tuple(s.id for s in stacks())
    chosen: list[StackId] = []
    for word in (w.strip() for w in text.split(",")):
        try:
            stack_id = StackId(word)
        except ValueError:
            from generator.errors import UsageError
            raise UsageError(f"unknown stack '{word}': choose from "
                             f"{', '.join(s.id.value for s in stacks())} or all") from None
        if stack_id not in chosen:
            chosen.append(stack_id)
    return tuple(chosen)
