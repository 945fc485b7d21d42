"""What to request instead of a certificate's key type: the advice (generator/compat/advice.py)
over the current known clients, a key type serving a client when it is ok on every chosen
stack. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from generator.certcheck.verdicts import KnownClient
from generator.compat.advice import Advice, advise as choose
from generator.compat.analyzer import analyze
from generator.compat.keytypes import Catalogue
from generator.stacks import StackId


def advise(clients: Sequence[KnownClient], stack_ids: Sequence[StackId],
           catalogue: Catalogue) -> Advice:
    current = [c for c in clients if c.current]
    # which current clients each key type serves: ok on every chosen stack
    serves = {k.id: frozenset(i for i, client in enumerate(current)
                              if all(analyze(client.hello, k, s).ok for s in stack_ids))
              for k in catalogue.key_types}
    names = [c.sample.client for c in current]
    shown = [name + (f" ({c.sample.id})" if names.count(name) > 1 else "")
             for name, c in zip(names, current)]   # two configurations of one program
    return choose(serves, shown, catalogue)
