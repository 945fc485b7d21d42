"""What every page builder writes around its content: YAML front matter, and tables as
Material styles them. Pure."""

from __future__ import annotations

from collections.abc import Sequence

import yaml

from generator.site.safe import plain

#: libyaml's emitter when PyYAML has it (every wheel does): the same YAML, several times faster
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def front_matter(**fields: str | dict) -> str:
    """YAML front matter for a generated page. MkDocs and the theme put `title` and
    `description` into the HTML as they are (navigation, <title>, <meta content="...">, the
    search index, the tags page), so text values are HTML text here: a case title with
    `<script>` stays text, once escaped."""
    escaped = {name: plain(value) if isinstance(value, str) else value
               for name, value in fields.items()}
    dumped = yaml.dump(escaped, Dumper=_DUMPER, allow_unicode=True, sort_keys=False)
    return "---\n" + dumped + "---\n\n"


def table(css_class: str, headers: Sequence[str], rows: Sequence[str]) -> str:
    """A table Material styles (it styles only class-less tables), in a div that carries ours
    (kb/assets/tlskb.js sorts `.tlskb-sortable table`)."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    return (f'<div class="{css_class}"><table><thead><tr>{head}</tr></thead><tbody>'
            + "".join(rows) + "</tbody></table></div>")
