"""What every page builder writes around its content: YAML front matter, and tables as
Material styles them. Pure."""

from __future__ import annotations

from collections.abc import Sequence

import re

import yaml
from markdown.extensions.toc import slugify

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


def heading_id(title: str, used: set[str]) -> str:
    """The id the toc extension would give a heading with this text (so links to a case's
    sections keep working), unique on the page; letters, digits, '-' and '_' only, whatever
    slugify does, since it goes into the Markdown (as `{#id}`)."""
    base = slug(slugify(title, "-")) or "section"
    candidate, number = base, 0
    while candidate in used:
        number += 1
        candidate = f"{base}_{number}"
    used.add(candidate)
    return candidate


def slug(value: str) -> str:
    """`value` reduced to letters, digits, '-' and '_' (ids the schema or slugify made are
    unchanged): safe in an HTML attribute and in Markdown's `{#id}`."""
    return re.sub(r"[^a-z0-9_-]", "", value)


def heading(level: int, text: str, anchor: str) -> str:
    """A Markdown heading of the site's own words (`text`, from the message catalogue, already
    in the active language) with the id the English edition gives it, so a link to a section
    leads there in every edition."""
    return f"{'#' * level} {plain(text)} {{#{anchor}}}\n"
