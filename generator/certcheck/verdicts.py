"""Who breaks with the key types a server serves: every known client (the knowledge base's
case samples and the recorded clients, what `tlskb probe` sends) × each served key type × each
chosen server stack, by that stack's analyzer. Pure.

A server holding several certificates serves each client one it can use (it picks by the
client's offer), so a client breaks only when every served key type fails it. A key type
outside the catalogue (RSA 1024, brainpool, explicit curves) has no verdicts: a client that
fails every catalogue key type served beside it is *undetermined*, not broken.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from generator.compat.analyzer import Verdict, analyze
from generator.compat.keytypes import KeyType
from generator.compat.related import documented_failures
from generator.net.answer import ProbeSample
from generator.stacks import Stack, StackId, stack
from generator.tls.messages import ClientHello


class Era(enum.StrEnum):
    """Whether a client is still in use: a case's `status.state`, or a recorded client's
    `historical` flag. Only current clients make `tlskb cert` exit with 4."""
    CURRENT = "current"
    FIXED = "fixed"             # the case's platform has changed: this hello is its old one
    HISTORICAL = "historical"   # out of use, kept for those maintaining old systems


class Fate(enum.StrEnum):
    """A client against the served certificates, on one stack."""
    WORKS = "works"                 # some served key type's verdict is ok (no caveat)
    MAY_BREAK = "may_break"         # the server answers, but only with a caveat (proceeds)
    BREAKS = "breaks"               # every served key type fails
    UNDETERMINED = "undetermined"   # every catalogue key type fails, and a key type outside
                                    # the catalogue is served too: tlskb cannot say


@dataclass(frozen=True, slots=True)
class KnownClient:
    sample: ProbeSample
    hello: ClientHello
    era: Era

    @property
    def current(self) -> bool:
        return self.era is Era.CURRENT


@dataclass(frozen=True, slots=True)
class ClientFate:
    client: KnownClient
    fate: Fate
    verdicts: tuple[Verdict, ...]       # one per served catalogue key type, in served order
    related_cases: tuple[str, ...] = ()  # cases whose samples fail the same way (a recorded
                                         # client's failure documented elsewhere)

    @property
    def case(self) -> str | None:
        return self.client.sample.case_id


@dataclass(frozen=True, slots=True)
class StackFindings:
    """The clients that do not simply work on one stack, in the knowledge base's order."""
    stack: Stack
    fates: tuple[ClientFate, ...]

    def with_fate(self, fate: Fate, current: bool | None = None) -> list[ClientFate]:
        return [f for f in self.fates if f.fate is fate
                and (current is None or f.client.current is current)]

    @property
    def current_breaking(self) -> int:
        return len(self.with_fate(Fate.BREAKS, current=True))


def fate(verdicts: Sequence[Verdict], unknown_served: bool) -> Fate:
    """The client's fate given its verdict for each served catalogue key type."""
    if any(v.works for v in verdicts):
        return Fate.WORKS
    if any(v.ok for v in verdicts):
        return Fate.MAY_BREAK
    return Fate.UNDETERMINED if unknown_served else Fate.BREAKS


def findings(clients: Sequence[KnownClient], served: Sequence[KeyType], unknown_served: bool,
             stack_ids: Sequence[StackId],
             case_samples: Sequence[KnownClient] = ()) -> list[StackFindings]:
    """Per chosen stack, every client whose fate is not WORKS. With no catalogue key type
    served there are no verdicts at all: every fate is UNDETERMINED, and none is listed.
    `case_samples` (every case's, whichever clients are listed) name the cases a recorded
    client's failure is documented by."""
    out = []
    for stack_id in stack_ids:
        fates = []
        if served:
            documented = _documented(case_samples, served, stack_id)
            for client in clients:
                verdicts = tuple(analyze(client.hello, key_type, stack_id) for key_type in served)
                found = fate(verdicts, unknown_served)
                if found is not Fate.WORKS:
                    related = () if client.sample.case_id else tuple(dict.fromkeys(
                        case for v in verdicts if not v.ok
                        for case in documented.get((v.key_type, v.reason_code), ())))
                    fates.append(ClientFate(client, found, verdicts, related))
        out.append(StackFindings(stack(stack_id), tuple(fates)))
    return out


def _documented(case_samples: Sequence[KnownClient], served: Sequence[KeyType],
                stack_id: StackId) -> dict[tuple[str, str | None], list[str]]:
    """(key type, reason code) -> the cases whose samples fail that way on this stack."""
    return documented_failures(((c.sample.case_id, c.hello) for c in case_samples), served,
                               stack_id)
