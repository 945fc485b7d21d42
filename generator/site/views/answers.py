"""What to request, computed (pure): for each key type, the current cases it fails in and the
recorded client configurations it fails with, and the key type to request instead.

The two samples are what they are, and the pages say so: cases are failure reports people
sent (a count says where a key type is known to fail, not how often), and the client
configurations recorded here mix programs' defaults with deliberately restricted settings
(Suite B, TLS 1.3 only, FIPS-like). Only current cases count (not fixed or historical ones),
and only current clients (not the historical recordings).

A client configuration fails with a key type when it cannot complete a handshake with it on
any server stack (`fails_everywhere`: the real client end to end where it ran here, else its
replayed hello), and depends on the server when it fails on some stacks only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from generator.cases.model import Case
from generator.compat.clients import RecordedClient
from generator.compat.keytypes import Catalogue, KeyType
from generator.site.views.clientcells import cell
from generator.stacks import stacks


@dataclass(frozen=True, slots=True)
class KeyTypeAnswer:
    key_type: KeyType
    failing_cases: tuple[Case, ...]            # current cases where it fails
    clients_failing: tuple[RecordedClient, ...]     # on every stack
    clients_depending: tuple[RecordedClient, ...]   # on some stacks only
    clients_counted: int                       # current client configurations with evidence
    issuers: tuple[str, ...]                   # public ACME CAs that issue it

    @property
    def failures(self) -> int:
        return len(self.failing_cases) + len(self.clients_failing)


@dataclass(frozen=True, slots=True)
class Alternative:
    """The key type to request instead of another, and how many of the other's failures
    (current cases and client configurations) it works in."""
    key_type: KeyType
    fixes: int
    of: int


@dataclass(frozen=True, slots=True)
class Answers:
    by_key_type: tuple[KeyTypeAnswer, ...]     # in the catalogue's order
    best: KeyTypeAnswer                        # what to request
    cases_counted: int                         # current cases
    cases_total: int
    preference: tuple[str, ...]                # the catalogue's order among equals

    def answer(self, key_id: str) -> KeyTypeAnswer:
        return next(a for a in self.by_key_type if a.key_type.id == key_id)


def _client_results(client: RecordedClient, key_type: KeyType) -> tuple[bool, ...]:
    found = (cell(client, stack, key_type).works for stack in stacks())
    return tuple(works for works in found if works is not None)


def answers(cases: Sequence[Case], clients: Sequence[RecordedClient],
            catalogue: Catalogue) -> Answers:
    current_cases = [c for c in cases if c.status.state == "current"]
    current_clients = [c for c in clients if not c.historical]
    by_key_type = []
    for key_type in catalogue.key_types:
        results = {c.id: _client_results(c, key_type) for c in current_clients}
        by_key_type.append(KeyTypeAnswer(
            key_type,
            tuple(c for c in current_cases if c.outcome(key_type.id).result == "fails"),
            tuple(c for c in current_clients if results[c.id] and not any(results[c.id])),
            tuple(c for c in current_clients if any(results[c.id]) and not all(results[c.id])),
            sum(1 for c in current_clients if results[c.id]),
            tuple(a.name for a in catalogue.authorities if key_type.id in a.issues)))
    preference = {key: index for index, key in enumerate(catalogue.preference)}
    # what to request: a key type a public ACME CA issues, failing in the fewest current cases,
    # then with the fewest client configurations, then the catalogue's preference
    best = min((a for a in by_key_type if a.issuers),
               key=lambda a: (len(a.failing_cases), len(a.clients_failing),
                              len(a.clients_depending), preference[a.key_type.id]))
    return Answers(tuple(by_key_type), best, len(current_cases), len(cases),
                   catalogue.preference)


def alternative(answers: Answers, key_id: str) -> Alternative | None:
    """What to request instead of `key_id` where it fails: the issued key type that works in
    the most of its failing current cases and client configurations (then the catalogue's
    preference among equals); None when it fails nowhere."""
    this = answers.answer(key_id)
    if not this.failures:
        return None
    failing_cases = {c.id for c in this.failing_cases}
    failing_clients = {c.id for c in this.clients_failing}
    preference = {key: index for index, key in enumerate(answers.preference)}
    candidates = []
    for other in answers.by_key_type:
        if other.key_type.id == key_id or not other.issuers:
            continue
        still = (len(failing_cases & {c.id for c in other.failing_cases})
                 + len(failing_clients & {c.id for c in other.clients_failing}))
        candidates.append(Alternative(other.key_type, this.failures - still, this.failures))
    return min(candidates, key=lambda a: (-a.fixes, preference[a.key_type.id]), default=None)
