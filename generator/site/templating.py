"""Page HTML from Jinja templates (generator/site/templates/), fed by the pure view models of
generator/site/views/.

The one path for text into HTML: every `{{ value }}` a template writes is escaped by Jinja
(autoescape) after its control characters are removed (`finalize`, as safe.plain does), so a
view model holds contributor text as it was written. The only HTML a view model may hold is
`Markup` made by safe.py (contributor Markdown rendered through its allow-list, code blocks) or
by a template; a template never marks anything safe itself (`|safe` is refused by a test).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from generator.site.safe import without_controls

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _finalize(value: object) -> object:
    """What `{{ value }}` writes, before escaping: text without control characters."""
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return without_controls(value)


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
        undefined=jinja2.StrictUndefined, finalize=_finalize, trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=False)


def render(template: str, **context: object) -> str:
    """The HTML of `template` (a file name under templates/) for `context` (view models)."""
    return environment().get_template(template).render(**context).strip()


def macro(template: str, macro_name: str, **arguments: object) -> str:
    """The HTML of macro `macro_name` of `template` (a page's part: its sections are macros of one
    file, so each can become a fragment of its own)."""
    module = environment().get_template(template).module
    return str(getattr(module, macro_name)(**arguments)).strip()
