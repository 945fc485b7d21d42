"""The site's client catalogue: a page per client, a page per client family, the client × key
type matrix with its filters, and the home page's family × key type matrix.

What each shows is a view model (generator/site/views/clients.py, pure); its HTML comes from
the templates in generator/site/templates/clients/, which escape every contributed text. A
page's Markdown holds only its headings (for the table of contents) and the tokens of its
fragments (generator/site/fragments.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from generator.compat.clients import RecordedClient
from generator.compat.keytypes import Catalogue
from generator.i18n import _
from generator.site.blocks import front_matter, heading, heading_id
from generator.site.fragments import Fragments, GeneratedPage
from generator.site.languages import Language
from generator.site.safe import plain
from generator.site.templating import render
from generator.site.views import clients as views
from generator.site.views.clients import (  # noqa: F401 (this module's public names)
    RECORD_COMMAND, client_page_path, evidence, families, family_page_path)


def matrix_html(clients: Sequence[RecordedClient], catalogue: Catalogue, link) -> Markup:
    """The client × key type matrix, with filters (kb/assets/tlskb.js reads the data-*)."""
    return Markup(render("clients/matrix.html", matrix=views.client_matrix(
        clients, catalogue, link, caption=_(views.MATRIX_CAPTION))))


def family_matrix_html(clients: Sequence[RecordedClient], catalogue: Catalogue, link) -> Markup:
    """The home page's client family × key type matrix (current clients only)."""
    return Markup(render("clients/family_matrix.html",
                         matrix=views.family_matrix(clients, catalogue, link)))


def clients_index(clients: Sequence[RecordedClient], catalogue: Catalogue, link,
                  language: Language = Language.EN) -> GeneratedPage:
    f = Fragments()
    index = views.clients_index(clients, catalogue, link)
    title = _("Clients")
    return f.page(front_matter(title=title) + heading(1, title, "clients") + "\n"
                  + f.block(render("clients/index_intro.html", index=index))
                  + "\n" + heading(2, _("Matrix"), "matrix")
                  + f.block(render("clients/matrix.html", matrix=index.matrix))
                  + "\n" + heading(2, _("Families"), "families")
                  + f.block(render("clients/families.html", families=index.families)), language)


def client_page(client: RecordedClient, catalogue: Catalogue, link,
                language: Language = Language.EN) -> GeneratedPage:
    f = Fragments()
    page = views.client_page(client, catalogue, link)
    body = front_matter(title=page.title)
    body += (f"# {f.inline(plain(page.heading))} {{#{heading_id(page.heading, set())}}}\n\n"
             + f.block(render("clients/facts.html", page=page)))
    body += "\n" + heading(2, _("Key types by server stack"), "key-types-by-server-stack") \
        + f.block(render("clients/runs.html", runs=page.runs))
    if page.end_to_end_note:
        body += f.block(render("clients/note.html", note=page.end_to_end_note))
    body += "\n" + heading(2, _("Re-record it"), "re-record-it") \
        + f.block(render("clients/rerecord.html", page=page))
    body += "\n" + heading(2, _("Its ClientHello"), "its-clienthello") \
        + f.block(render("clients/hello.html", page=page))
    # its data's own prose (the recorder's note on a run, a third party's provenance) is
    # English: such a page is shown under the edition's "not translated" note
    english_prose = page.end_to_end_note or page.rerecord is None
    return f.page(body, Language.EN if english_prose else language)


def family_page(family: str, members: Sequence[RecordedClient], catalogue: Catalogue,
                link, language: Language = Language.EN) -> GeneratedPage:
    f = Fragments()
    page = views.family_page(members, catalogue, link)
    return f.page(front_matter(title=page.name)
                  + f"# {f.inline(plain(page.name))} {{#{heading_id(page.name, set())}}}\n\n"
                  + f.block(render("clients/family_intro.html", page=page)
                            + render("clients/matrix.html", matrix=page.matrix)), language)
