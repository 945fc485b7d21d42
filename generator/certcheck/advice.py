"""What to request instead: the catalogue key type that serves every current known client on
every chosen stack (several: the catalogue's preference order decides, and the tie is said),
else the ones serving the most and the first pair that, served side by side, serves them all;
with the exact command for each ACME client of the catalogue. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from generator.certcheck.verdicts import KnownClient
from generator.compat.analyzer import analyze
from generator.compat.keytypes import AcmeClient, Catalogue, KeyType
from generator.stacks import StackId


@dataclass(frozen=True, slots=True)
class Advice:
    clients: int                          # current known clients considered
    universal: tuple[KeyType, ...]        # each serves all of them, in preference order
    best: tuple[KeyType, ...]             # without a universal one: those serving the most
    served_by_best: int
    left_out: tuple[tuple[str, tuple[str, ...]], ...]   # best key type id -> clients it fails
    pair: tuple[KeyType, KeyType] | None  # side by side, serving them all

    @property
    def to_request(self) -> tuple[KeyType, ...]:
        """What tlskb recommends: the preferred key type serving all, else the pair serving
        all side by side, else the preferred of those serving the most (none: nothing helps)."""
        return self.universal[:1] or self.pair or self.best[:1]


def advise(clients: Sequence[KnownClient], stack_ids: Sequence[StackId],
           catalogue: Catalogue) -> Advice:
    current = [c for c in clients if c.current]
    rank = {key: index for index, key in enumerate(catalogue.preference)}
    ordered = sorted(catalogue.key_types, key=lambda k: rank[k.id])
    # which current clients each key type serves: ok on every chosen stack
    serves = {k.id: frozenset(i for i, client in enumerate(current)
                              if all(analyze(client.hello, k, s).ok for s in stack_ids))
              for k in ordered}
    everyone = frozenset(range(len(current)))
    universal = tuple(k for k in ordered if serves[k.id] == everyone)
    best: tuple[KeyType, ...] = ()
    most = len(current)
    left_out: tuple[tuple[str, tuple[str, ...]], ...] = ()
    pair = None
    if not universal:
        most = max((len(serves[k.id]) for k in ordered), default=0)
        best = tuple(k for k in ordered if len(serves[k.id]) == most) if most else ()
        names = [c.sample.client for c in current]
        shown = [name + (f" ({c.sample.id})" if names.count(name) > 1 else "")
                 for name, c in zip(names, current)]   # two configurations of one program
        left_out = tuple((k.id, tuple(shown[i] for i in sorted(everyone - serves[k.id])))
                         for k in best)
        pair = next(((a, b) for a, b in combinations(ordered, 2)
                     if serves[a.id] | serves[b.id] == everyone), None)
    return Advice(len(current), universal, best, most, left_out, pair)


def commands(key_type: KeyType, catalogue: Catalogue) -> list[tuple[AcmeClient, str | None]]:
    """Each ACME client of the catalogue with its whole command for `key_type` (None: it
    cannot request it)."""
    return [(client, client.command(key_type.id)) for client in catalogue.clients]
