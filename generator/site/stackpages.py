"""The site's view of server stacks: the per-stack table on a case page, the home page's stack
summary, and a page per stack ("Which certificate key types work with Exim / GnuTLS?").

What each shows is a view model (generator/site/views/stacks.py, pure); its HTML comes from the
templates in generator/site/templates/stacks/. Stack labels, libraries and programs are tlskb's
own data (generator/stacks/data/stacks.yaml); they are escaped all the same.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from generator.cases.model import Case
from generator.compat.keytypes import Catalogue
from generator.i18n import _
from generator.languages import SOURCE
from generator.site.blocks import front_matter, heading, heading_id
from generator.site.fragments import Fragments, GeneratedPage
from generator.site.languages import Language
from generator.site.safe import plain
from generator.site.templating import render
from generator.site.views import stacks as views
from generator.site.views.stacks import depends_on_stack  # noqa: F401 (pages.py uses it)
from generator.stacks import Stack


def case_stack_table(case: Case, catalogue: Catalogue, link) -> str:
    """The case page's "By server stack" table: key types × stacks, over all its samples (the
    worst sample shown). Empty when the case has no samples."""
    table = views.case_stack_table(case, catalogue, link)
    return Markup(render("stacks/case_table.html", table=table)) if table else ""


def stack_summary_html(cases: Sequence[Case], catalogue: Catalogue, link) -> str:
    """The home page's table: for each key type and stack, in how many replayed cases it
    fails or only proceeds."""
    return Markup(render("stacks/summary.html",
                         summary=views.stack_summary(cases, catalogue, link)))


def stacks_index(link, language: Language = Language.EN) -> GeneratedPage:
    f = Fragments()
    title = _("Server stacks")
    return f.page(front_matter(title=title) + heading(1, title, "server-stacks") + "\n"
                  + plain(_("Whether a certificate works depends on the TLS library of the "
                            "server too: every verdict is given per stack and proven by "
                            "replaying the client's recorded ClientHello against that "
                            "library.")) + "\n"
                  + f.block(render("stacks/index.html", rows=views.stacks_index(link))),
                  language)


def stack_page(stack: Stack, catalogue: Catalogue, cases: Sequence[Case], link,
               language: Language = Language.EN) -> GeneratedPage:
    f = Fragments()
    page = views.stack_page(stack, catalogue, cases, link)
    # the title's id is the English title's, in every edition
    anchor = heading_id(_("Which certificate key types work with %(stack)s?",
                          SOURCE) % {"stack": stack.label}, set())
    return f.page(
        front_matter(title=page.label) + f"# {f.inline(plain(page.title))} {{#{anchor}}}\n"
        + f.block(render("stacks/page_intro.html", page=page))
        + "\n" + heading(2, _("Server programs that use it"), "server-programs-that-use-it")
        + f.block(render("stacks/programs.html", page=page))
        + "\n" + heading(2, _("Key types"), "key-types")
        + f.block(render("stacks/page_table.html", page=page)), language)
