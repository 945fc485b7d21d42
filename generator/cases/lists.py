"""The case schema's lists — key types, ACME clients, tags — made from the catalogue, their one
home (generator/compat/data/catalogue.yaml).

`tlskb check` validates cases against the schema with these lists put in, so a key type added
to the catalogue is required of every case at once. cases/case.schema.json holds a copy for
editors and pre-commit, written by `python tools/sync_lists.py`; check reports the copy when
it is not current, at the list that differs."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from generator.cases.yamlpos import Problem, load

if TYPE_CHECKING:
    from generator.compat.keytypes import Catalogue

SYNC_COMMAND = "python tools/sync_lists.py"

#: where the case schema holds a list the catalogue decides, and what goes there (made of
#: ids alone, so that only a change to a list makes the copy stale)
PLACES: tuple[tuple[tuple[str, ...], Callable[[Catalogue], Any]], ...] = (
    (("properties", "outcomes", "required"), lambda c: list(c.ids)),
    (("properties", "outcomes", "properties"),
     lambda c: {k: {"description": f"Works, fails or untested with {k}.",
                    "$ref": "#/$defs/outcome"} for k in c.ids}),
    (("properties", "fix", "properties", "acme_clients", "properties"),
     lambda c: {k: {"description": f"What to know about {k} here, beyond its option.",
                    "$ref": "#/$defs/acme_client_note"} for k in c.client_ids}),
    (("$defs", "key_type", "enum"), lambda c: list(c.ids)),
    (("$defs", "acme_client", "enum"), lambda c: list(c.client_ids)),
    (("$defs", "tag", "enum"), lambda c: list(c.tags)),
    # not the catalogue's: the server stacks (generator/stacks/data/stacks.yaml)
    (("$defs", "stack", "enum"), lambda c: _stack_ids()),
)


def _stack_ids() -> list[str]:
    from generator.stacks import stacks
    return [stack.id.value for stack in stacks()]


def with_catalogue_lists(schema: dict, catalogue: Catalogue) -> dict:
    """A copy of the case schema whose lists are the catalogue's."""
    derived = copy.deepcopy(schema)
    for path, make in PLACES:
        parent = derived
        for part in path[:-1]:
            parent = parent.setdefault(part, {})
        parent[path[-1]] = make(catalogue)
    return derived


def stale_places(schema: dict, catalogue: Catalogue) -> list[tuple[tuple[str, ...], str]]:
    """(place, how it differs) for each place whose list is not the catalogue's."""
    stale = []
    for path, make in PLACES:
        held, wanted = _get(schema, path), make(catalogue)
        if held != wanted:
            stale.append((path, difference(held, wanted)))
    return stale


def stale_schema_problems(text: str, source: str, catalogue: Catalogue) -> list[Problem]:
    """A problem at each list of the schema file `text` that the catalogue has changed."""
    located, problems = load(text, source)
    if located is None:
        return problems
    return [Problem(source, *located.where(path), f"{'.'.join(path)} is not the catalogue's "
                    f"list: {difference}",
                    f"run `{SYNC_COMMAND}`: it writes the lists of "
                    "generator/compat/data/catalogue.yaml into the schema")
            for path, difference in stale_places(located.data, catalogue)]


def difference(held: Any, wanted: list | dict) -> str:
    """How a copy of a list differs from the list, in words."""
    if not isinstance(held, type(wanted)):
        return "it is missing"
    lacks = [name for name in wanted if name not in held]
    extra = [name for name in held if name not in wanted]
    parts = ([f"it lacks {', '.join(map(str, lacks))}"] if lacks else []) + \
        ([f"it has {', '.join(map(str, extra))}, which the catalogue has not"] if extra else [])
    return "; ".join(parts) or "its order or entries differ"


def _get(data: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data
