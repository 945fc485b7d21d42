"""Which key type to request, from which clients each key type serves: one rule for every
command that advises (`probe`, `cert`). The key types that serve every client, in the
catalogue's preference order (small and widely accepted first; several are a tie, said as
such); else the ones serving the most, each with the clients it leaves out, and the first pair
that serves them all side by side (each client gets the certificate it offers). Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from itertools import combinations

from generator.compat.keytypes import Catalogue, KeyType
from generator.errors import UsageError


@dataclass(frozen=True, slots=True)
class Advice:
    clients: int                          # the clients considered
    universal: tuple[KeyType, ...]        # each serves all of them, in preference order
    best: tuple[KeyType, ...]             # without a universal one: those serving the most
    served_by_best: int
    left_out: tuple[tuple[str, tuple[str, ...]], ...]   # best key type id -> clients it fails
    pair: tuple[KeyType, KeyType] | None  # without a universal one: side by side, serving all

    @property
    def to_request(self) -> tuple[KeyType, ...]:
        """What tlskb recommends: the preferred key type serving all, else the pair serving
        all side by side, else the preferred of those serving the most (none: nothing helps)."""
        return self.universal[:1] or self.pair or self.best[:1]


def advise(serves: Mapping[str, Set[int]], names: Sequence[str], catalogue: Catalogue) -> Advice:
    """`serves`: for each key type id, the indexes (into `names`) of the clients it serves."""
    rank = {key: index for index, key in enumerate(catalogue.preference)}
    ordered = sorted(catalogue.key_types, key=lambda k: rank[k.id])
    everyone = frozenset(range(len(names)))
    served = {k.id: frozenset(serves.get(k.id, ())) & everyone for k in ordered}
    universal = tuple(k for k in ordered if served[k.id] == everyone) if names else ()
    best: tuple[KeyType, ...] = ()
    most = len(names)
    left_out: tuple[tuple[str, tuple[str, ...]], ...] = ()
    pair = None
    if not universal:
        most = max((len(served[k.id]) for k in ordered), default=0)
        best = tuple(k for k in ordered if len(served[k.id]) == most) if most else ()
        left_out = tuple((k.id, tuple(names[i] for i in sorted(everyone - served[k.id])))
                         for k in best)
        pair = next(((a, b) for a, b in combinations(ordered, 2)
                     if served[a.id] | served[b.id] == everyone), None) if names else None
    return Advice(len(names), universal, best, most, left_out, pair)


#: the ACME clients whose commands an answer shows when --acme-client is not given: the three
#: command-line clients most admins type (one line each)
COMMON_ACME_CLIENTS = ("certbot", "lego", "acme-sh")


@dataclass(frozen=True, slots=True)
class Command:
    """What to type: one ACME client's whole command (or configuration) for a key type."""
    acme_client: str         # its catalogue id
    name: str
    text: str | None         # None when it cannot request the key type


def acme_clients(values: Sequence[str] | None, catalogue: Catalogue) -> tuple[str, ...]:
    """--acme-client's ids (repeatable, comma-separated; 'all' for every one), each checked
    against the catalogue; the common ones when none is given."""
    wanted = tuple(v.strip() for value in values or () for v in value.split(",") if v.strip())
    if "all" in wanted:
        return catalogue.client_ids
    unknown = [v for v in wanted if v not in catalogue.client_ids]
    if unknown:
        raise UsageError(f"--acme-client {', '.join(unknown)}: not an ACME client tlskb knows; "
                         f"one of {', '.join(catalogue.client_ids)}, or all")
    return wanted or COMMON_ACME_CLIENTS


def commands(key_type: str, clients: Sequence[str], catalogue: Catalogue
             ) -> tuple[Command, ...]:
    """The whole command of each of `clients` (ids, in that order) that requests `key_type`."""
    by_id = {c.id: c for c in catalogue.clients}
    return tuple(Command(i, by_id[i].name, by_id[i].command(key_type)) for i in clients)


def command_lines(found: Sequence[Command], label: str, indent: str) -> list[str]:
    """The commands as terminal lines: `Name: command`, names padded to one width; a
    configuration file's further lines under its first, tabs as spaces (never \\x09 on
    screen)."""
    width = max((len(c.name) for c in found), default=0) + 1
    lines = []
    for command in found:
        head = f"{indent}{command.name + ':':<{width}} "
        if command.text is None:
            lines.append(f"{head}cannot request {label}")
            continue
        first, *rest = command.text.expandtabs(4).splitlines()
        lines.append(head + first)
        lines.extend(" " * len(head) + more for more in rest)
    return lines
