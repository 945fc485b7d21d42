"""The counts `tlskb impact` reports, in memory bounded whatever the input: per client,
connections, breaking connections per stack and key type, distinct peers and server names.
Tallies made by separate workers merge into the same result as one tally of everything.
Pure."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from generator.compat.verdict import VerdictKind
from generator.impact.classify import Client, Config, GroupBy

#: clients told apart; connections of further clients are counted together as OTHER
MAX_CLIENTS = 10_000
#: example server names and peers kept per client
EXAMPLES = 5
OTHER = Client("other", GroupBy.JA4, f"other clients (beyond the first {MAX_CLIENTS})", (), None,
               None, None)


class Distinct:
    """How many distinct values: exact up to EXACT of them, then a HyperLogLog estimate
    (Flajolet et al. 2007; 2^10 registers, about 3 % standard error) — bounded memory, and two
    counters merge into the counter of both inputs."""

    EXACT = 1024
    _BITS = 10
    __slots__ = ("values", "registers")

    def __init__(self) -> None:
        self.values: set[str] | None = set()
        self.registers: bytearray | None = None

    def add(self, value: str) -> None:
        if self.values is not None:
            self.values.add(value)
            if len(self.values) > self.EXACT:
                self._to_registers()
            return
        self._register(value)

    def _to_registers(self) -> None:
        values, self.values = self.values, None
        self.registers = bytearray(1 << self._BITS)
        for value in values:
            self._register(value)

    def _register(self, value: str) -> None:
        word = int.from_bytes(hashlib.blake2b(value.encode("utf-8", "surrogateescape"),
                                              digest_size=8).digest(), "big")
        index = word >> (64 - self._BITS)
        rest = word & ((1 << (64 - self._BITS)) - 1)
        rank = (64 - self._BITS) - rest.bit_length() + 1
        if rank > self.registers[index]:
            self.registers[index] = rank

    def merge(self, other: Distinct) -> None:
        if self.values is not None and other.values is not None:
            self.values |= other.values
            if len(self.values) > self.EXACT:
                self._to_registers()
            return
        if self.values is not None:
            self._to_registers()
        if other.values is not None:
            for value in other.values:
                self._register(value)
        else:
            self.registers = bytearray(max(a, b) for a, b in zip(self.registers, other.registers))

    @property
    def estimated(self) -> bool:
        return self.values is None

    def count(self) -> int:
        if self.values is not None:
            return len(self.values)
        m = len(self.registers)
        estimate = 0.7213 / (1 + 1.079 / m) * m * m / sum(2.0 ** -r for r in self.registers)
        zeros = self.registers.count(0)
        if estimate <= 2.5 * m and zeros:
            estimate = m * math.log(m / zeros)
        return round(estimate)


@dataclass(slots=True)
class ClientTally:
    client: Client
    cells: int                                   # stacks × key types
    connections: int = 0
    breaking: list[int] = field(default_factory=list)   # per cell: verdict fail
    at_risk: list[int] = field(default_factory=list)    # per cell: proceeds (the client may
                                                        # refuse the certificate)
    reasons: list[str | None] = field(default_factory=list)  # per cell: the first reason seen
    unfixable: list[bool] = field(default_factory=list)      # per cell: no key type helps
    peers: Distinct = field(default_factory=Distinct)
    names: Distinct = field(default_factory=Distinct)
    examples: list[str] = field(default_factory=list)   # the first connections, described
    no_sni: int = 0

    def __post_init__(self) -> None:
        if not self.breaking:
            self.breaking = [0] * self.cells
            self.at_risk = [0] * self.cells
            self.reasons = [None] * self.cells
            self.unfixable = [False] * self.cells

    def add(self, config: Config, peer: str | None, name: str | None,
            where: Callable[[], str]) -> None:
        self.connections += 1
        cell = 0
        for per_stack in config.outcomes:
            for outcome in per_stack:
                if outcome.kind is VerdictKind.FAIL:
                    self.breaking[cell] += 1
                    if self.reasons[cell] is None:
                        self.reasons[cell] = outcome.reason
                        self.unfixable[cell] = not outcome.fixable
                elif outcome.kind is VerdictKind.PROCEEDS:
                    self.at_risk[cell] += 1
                    if self.reasons[cell] is None:
                        self.reasons[cell] = outcome.reason
                cell += 1
        if peer is not None:
            self.peers.add(peer)
        if name is None:
            self.no_sni += 1
        else:
            self.names.add(name)
        if len(self.examples) < EXAMPLES:
            self.examples.append(where())

    def merge(self, other: ClientTally) -> None:
        self.connections += other.connections
        for cell in range(self.cells):
            self.breaking[cell] += other.breaking[cell]
            self.at_risk[cell] += other.at_risk[cell]
            if self.reasons[cell] is None:
                self.reasons[cell] = other.reasons[cell]
                self.unfixable[cell] = other.unfixable[cell]
        self.peers.merge(other.peers)
        self.names.merge(other.names)
        self.no_sni += other.no_sni
        self.examples.extend(other.examples[:max(0, EXAMPLES - len(self.examples))])


@dataclass(slots=True)
class Tally:
    """Everything counted over the inputs; `cells` = stacks × key types, stack-major."""
    cells: int
    clients: dict[str, ClientTally] = field(default_factory=dict)
    peers: Distinct = field(default_factory=Distinct)
    connections: int = 0
    malformed: int = 0
    errors: list[str] = field(default_factory=list)      # the first malformed hellos, described
    notes: list[str] = field(default_factory=list)
    analyses: int = 0

    def add(self, config: Config, peer: str | None, name: str | None,
            where: Callable[[], str]) -> None:
        """One connection; `where` describes it (called only for the first few)."""
        self.connections += 1
        client = config.client
        tally = self.clients.get(client.id)
        if tally is None:
            if len(self.clients) >= MAX_CLIENTS:
                client = OTHER
                tally = self.clients.get(OTHER.id)
            if tally is None:
                tally = self.clients[client.id] = ClientTally(client, self.cells)
        tally.add(config, peer, name, where)
        if peer is not None:
            self.peers.add(peer)

    def error(self, message: str) -> None:
        self.malformed += 1
        if len(self.errors) < EXAMPLES:
            self.errors.append(message)

    def merge(self, other: Tally) -> None:
        self.connections += other.connections
        self.malformed += other.malformed
        self.errors.extend(other.errors[:max(0, EXAMPLES - len(self.errors))])
        self.notes.extend(n for n in other.notes if n not in self.notes)
        self.analyses += other.analyses
        self.peers.merge(other.peers)
        for key, theirs in other.clients.items():
            mine = self.clients.get(key)
            if mine is None and len(self.clients) >= MAX_CLIENTS and key != OTHER.id:
                key, mine = OTHER.id, self.clients.get(OTHER.id)
                if mine is None:
                    mine = self.clients[OTHER.id] = ClientTally(OTHER, self.cells)
            if mine is None:
                self.clients[key] = theirs
            else:
                mine.merge(theirs)
