"""Write the catalogue's lists (key types, ACME clients, tags; generator/compat/data/
catalogue.yaml is their one home) into the files that keep a copy for other tools:
cases/case.schema.json, read by editors and pre-commit, and mkdocs.yml, whose tags plugin
takes an allow-list.

    python tools/sync_lists.py           # rewrite both
    python tools/sync_lists.py --check   # only say which is stale (exit status 1)

Run it after changing a list in the catalogue. tests/test_lists.py fails while a committed file
differs from what this writes; `tlskb check` and the site build name a stale one too.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.cases.lists import with_catalogue_lists  # noqa: E402
from generator.compat.keytypes import Catalogue, CatalogueError, catalogue  # noqa: E402

SCHEMA = ROOT / "cases" / "case.schema.json"
MKDOCS = ROOT / "mkdocs.yml"
#: a line this long or shorter holds a whole list or mapping
WIDTH = 100
#: mkdocs.yml's allow-list: the `tags_allowed:` line and the `- tag` lines under it
TAGS_ALLOWED = re.compile(r"^(?P<indent> *)tags_allowed:\n(?:(?P=indent) +- .*\n)+", re.MULTILINE)


class StaleFileError(Exception):
    """A file lacks the place this tool writes a list into."""


def render_schema(text: str, lists: Catalogue) -> str:
    """The case schema `text` with the catalogue's lists, formatted as the committed file is."""
    return _json(with_catalogue_lists(json.loads(text), lists), 0) + "\n"


def render_mkdocs(text: str, lists: Catalogue) -> str:
    """mkdocs.yml `text` with the catalogue's tags as the tags plugin's tags_allowed."""
    found = TAGS_ALLOWED.search(text)
    if found is None:
        raise StaleFileError("mkdocs.yml has no `tags_allowed:` list under the tags plugin; "
                             "add one (`tags_allowed:` and a `- tag` line) for this tool to fill")
    indent = found.group("indent")
    block = f"{indent}tags_allowed:\n" + "".join(f"{indent}  - {tag}\n" for tag in lists.tags)
    return text[:found.start()] + block + text[found.end():]


def _json(value, indent: int) -> str:
    """JSON as the schema is written: a mapping of scalars and short lists (a field's
    description and constraints) on one line, anything else on one line when it fits in WIDTH,
    else one member per line; a long list of scalars wraps at WIDTH."""
    flat = json.dumps(value, ensure_ascii=False)
    if not isinstance(value, (dict, list)) or indent + len(flat) <= WIDTH or _plain_mapping(value):
        return flat
    pad = " " * (indent + 2)
    if isinstance(value, list) and not any(isinstance(item, (dict, list)) for item in value):
        lines: list[list[str]] = [[]]
        for item in (json.dumps(item, ensure_ascii=False) for item in value):
            if lines[-1] and len(pad) + len(", ".join(lines[-1] + [item])) + 1 > WIDTH:
                lines.append([])
            lines[-1].append(item)
        members = [", ".join(line) for line in lines]
    elif isinstance(value, list):
        members = [_json(item, indent + 2) for item in value]
    else:
        members = [f"{json.dumps(key, ensure_ascii=False)}: {_json(item, indent + 2)}"
                   for key, item in value.items()]
    opening, closing = ("[", "]") if isinstance(value, list) else ("{", "}")
    return f"{opening}\n" + ",\n".join(pad + m for m in members) + f"\n{' ' * indent}{closing}"


def _plain_mapping(value) -> bool:
    """A mapping of scalars and of short lists of scalars."""
    return isinstance(value, dict) and all(
        not isinstance(item, (dict, list)) or
        (isinstance(item, list) and not any(isinstance(i, (dict, list)) for i in item)
         and len(json.dumps(item, ensure_ascii=False)) <= WIDTH)
        for item in value.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit with 1 if a file is not current")
    check = parser.parse_args().check
    try:
        lists = catalogue()
    except CatalogueError as error:
        print(f"sync_lists: {error}", file=sys.stderr)
        return 1
    stale = []
    for path, render in ((SCHEMA, render_schema), (MKDOCS, render_mkdocs)):
        text = path.read_text(encoding="utf-8")
        try:
            current = render(text, lists)
        except StaleFileError as error:
            print(f"sync_lists: {error}", file=sys.stderr)
            return 1
        if current == text:
            continue
        stale.append(path.relative_to(ROOT))
        if not check:
            path.write_text(current, encoding="utf-8")
    verb = "stale" if check else "rewrote"
    print(f"{verb}: {', '.join(map(str, stale))}" if stale else "the lists are current")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
