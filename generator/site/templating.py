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

from generator import i18n
from generator.site.safe import without_controls

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _finalize(value: object) -> object:
    """What `{{ value }}` writes, before escaping: text without control characters — markup
    too (a `join` with a translated separator, a `{% set %}` block), which never gains a tag
    by losing one."""
    if isinstance(value, Markup):
        return Markup(without_controls(str(value)))
    if not isinstance(value, str):
        return value
    return without_controls(value)


@cache
def environment() -> jinja2.Environment:
    """The templates' environment. Their words go through the site's message catalogue
    (generator/i18n.py) in the active language: `{% trans %}…{% endtrans %}` and `_()`, with
    Jinja2's new-style gettext, whose `%(name)s` parameters are escaped like any value."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
        undefined=jinja2.StrictUndefined, finalize=_finalize, trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=False, extensions=["jinja2.ext.i18n"])
    # new-style gettext (`{% trans %}` passes its variables as keywords), with our callables:
    # Jinja2's own escape a message's parameters but never `finalize` them; these do both, so
    # contributor text keeps out its control characters there too
    environment.newstyle_gettext = True  # type: ignore[attr-defined]
    environment.globals.update(gettext=_gettext, _=_gettext, ngettext=_ngettext)
    return environment


def _parameters(variables: dict[str, object]) -> dict[str, object]:
    return {name: _finalize(value) for name, value in variables.items()}


@jinja2.pass_context
def _gettext(context: jinja2.runtime.Context, message: str, **variables: object) -> str:
    """`{% trans %}` and `_()`: the message in the active language, its parameters without
    control characters and escaped (Markup's `%`), as Jinja2's new-style gettext does."""
    text = i18n.gettext(message)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % _parameters(variables)


@jinja2.pass_context
def _ngettext(context: jinja2.runtime.Context, singular: str, plural: str, num: int,
              **variables: object) -> str:
    variables.setdefault("num", num)
    text = i18n.ngettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % _parameters(variables)


def render(template: str, **context: object) -> str:
    """The HTML of `template` (a file name under templates/) for `context` (view models)."""
    return environment().get_template(template).render(**context).strip()


def macro(template: str, macro_name: str, **arguments: object) -> str:
    """The HTML of macro `macro_name` of `template` (a page's part: its sections are macros of one
    file, so each can become a fragment of its own)."""
    module = environment().get_template(template).module
    return str(getattr(module, macro_name)(**arguments)).strip()
