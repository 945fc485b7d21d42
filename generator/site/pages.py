"""The generated pages: a Markdown skeleton (headings, for the table of contents) around
fragments of HTML rendered by the templates (generator/site/templates/) from the pure view
models (generator/site/views/).

No case or catalogue text is ever part of the Markdown — not a heading, not a tab's title: it
reaches a page only inside a fragment, which the plugin inserts after MkDocs has rendered the
Markdown (fragments.py), so no Markdown extension can act on it; the templates escape it.

Every builder is given the edition's `language` (languages.py) and is called while that
language is active (i18n.using): its words come from the site's message catalogue, its
headings keep the English edition's ids (`heading`), and a case's prose is the case's
translation where it has one. The page says which language it is in (GeneratedPage.language):
a case without a translation is English, and the Japanese edition shows it under its "not
translated" note.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from generator.cases.model import Case
from generator.compat.keytypes import AcmeClient, Catalogue, KeyType
from generator.site.blocks import front_matter, heading, heading_id, slug
from generator.site.fragments import Fragments, GeneratedPage
from generator.cases.translation import in_language
from generator.i18n import _
from generator.site.languages import Language
from generator.site.stackpages import case_stack_table
from generator.site.safe import plain, without_controls
from generator.site.templating import macro
from generator.site.views import cases as case_views
from generator.site.views import keytypes as key_type_views
from generator.site.views.answers import Answers
from generator.site.views.common import Linker, case_title, source_link
from generator.site.views.home import answer_box, case_matrix
from generator.stacks.openssl.facts import VersionedFact


# -- the case page ---------------------------------------------------------------------------------

def case_page(case: Case, catalogue: Catalogue, link: Linker,
              language: Language = Language.EN) -> GeneratedPage:
    f = Fragments()
    ids = {"symptoms", "environment", "cause", "key-types", "by-server-stack",
           "the-clienthello", "fix", "references"}   # the h2 below
    # the English title names the heading in every edition, so its anchor is the same
    title_id = heading_id(without_controls(case.title), ids)
    sample_ids = [heading_id(without_controls(sample.client), ids) for sample in case.samples]
    case, translated = in_language(case, language.value)   # its prose in the edition's language
    anchors = tuple(f"why-{slug(s.id)}" for s in case.samples)
    view = case_views.case_page(case, catalogue, link, anchors)

    def part(name: str, **arguments) -> str:
        return f.block(macro("case.html", name, **arguments))

    body = [front_matter(title=case.title, description=_description(case.summary),
                         tags=list(case.tags), search={"boost": 4}),
            f"# {f.inline(plain(case.title))} {{#{title_id}}}\n",
            part("summary", page=view), part("status", s=view.status),
            heading(2, _("Symptoms"), "symptoms"), part("symptoms", page=view),
            heading(2, _("Environment"), "environment"), part("environment", page=view),
            heading(2, _("Cause"), "cause"), part("cause", page=view),
            heading(2, _("Key types"), "key-types"), part("key_types", page=view)]
    if case.samples:
        body += [heading(2, _("By server stack"), "by-server-stack"),
                 f.block(case_stack_table(case, catalogue, link)),
                 heading(2, _("The ClientHello"), "the-clienthello"),
                 plain(_("Decoded as tshark would; the fields that decide a failing verdict are "
                         "highlighted. Click a line to fold or unfold it.")) + "\n"]
        for sample, anchor in zip(view.samples, sample_ids):
            # the heading stays Markdown so that it reaches the table of contents; its text is
            # a token and its id, a slug of the client's English name, is given (attr_list, on
            # trusted text only)
            body += [f"### {f.inline(plain(sample.client))} {{#{anchor}}}\n",
                     part("sample", s=sample)]
    body += [heading(2, _("Fix"), "fix"), part("fix", f=view.fix),
             heading(2, _("References"), "references"), part("references", page=view)]
    return f.page("\n".join(body), language if translated else Language.EN)


def _description(summary: str) -> str:
    """A case summary's first sentence as the page's meta description: text, so Markdown's
    code marks and emphasis are dropped rather than shown."""
    first = re.split(r"(?<=。)|\. ", summary, maxsplit=1)[0].strip()   # English or Japanese
    return re.sub(r"[`*_]+", "", first)


# -- indexes, key types, ACME clients ----------------------------------------------------------------

def cases_index(cases: Sequence[Case], link: Linker,
                language: Language = Language.EN) -> GeneratedPage:
    f = Fragments()
    shown = [in_language(c, language.value)[0] for c in cases]   # titles, platforms translated
    rows = tuple(case_views.IndexRow(c.title, link(f"cases/{c.id}.md"), c.platform.name,
                                     case_views.state_words(c.status.state),
                                     _("replayed") if c.replayed else _("documented"))
                 for c in shown)
    title = _("Cases")
    return f.page(front_matter(title=title) + heading(1, title, "cases") + "\n"
                  + plain(_("%(cases)s cases; %(replayed)s are proven by replaying the client's "
                            "ClientHello.") % {"cases": len(cases),
                                               "replayed": sum(c.replayed for c in cases)})
                  + "\n" + f.block(macro("indexes.html", "cases", rows=rows)), language)


def reference_server_html(replayed_against: str | None, facts: Sequence[VersionedFact]) -> str:
    """The guide's account of the reference server: which OpenSSL it is, and the behaviours
    that other OpenSSL releases do not share (facts.VERSIONED), each with its releases."""
    return macro("indexes.html", "reference_server", server=replayed_against, facts=tuple(facts))


def matrix_html(cases: Sequence[Case], catalogue: Catalogue, link: Linker) -> str:
    return macro("home.html", "case_matrix", matrix=case_matrix(cases, catalogue, link))


def answer_html(answers: Answers, link: Linker) -> str:
    """The home page's "What to request" box."""
    return macro("home.html", "answer_box", box=answer_box(answers, link))


def key_types_index(catalogue: Catalogue, answers: Answers, link: Linker,
                    language: Language = Language.EN) -> GeneratedPage:
    f = Fragments()
    title = _("Key types")
    return f.page(front_matter(title=title) + heading(1, title, "key-types") + "\n"
                  + plain(_("The certificate key types tlskb tracks, where each is known to "
                            "fail, and who issues it.")) + "\n"
                  + f.block(answer_html(answers, link)), language)


def key_type_page(key_type: KeyType, catalogue: Catalogue, cases: Sequence[Case],
                  answers: Answers, link: Linker,
                  language: Language = Language.EN) -> GeneratedPage:
    f = Fragments()
    view = key_type_views.key_type_page(key_type, catalogue, cases, answers, link)
    title = f"{plain(key_type.label)} (<code>{plain(key_type.id)}</code>)"
    anchor = heading_id(f"{without_controls(key_type.label)} ({key_type.id})",
                             {"who-issues-it", "how-to-request-it", "cases"})

    def part(name: str) -> str:
        return f.block(macro("keytypes.html", name, page=view))
    return f.page(
        front_matter(title=key_type.label) + f"# {f.inline(title)} {{#{anchor}}}\n"
        + f.block(macro("keytypes.html", "verdict_line", v=view.verdict))
        + f.block(f"<p>{plain(view.detail)}</p>")
        + "\n" + heading(2, _("Who issues it"), "who-issues-it") + part("authorities")
        + "\n" + heading(2, _("How to request it"), "how-to-request-it") + part("requests")
        + "\n" + heading(2, _("Cases"), "cases") + part("cases"), language)


def clients_index(catalogue: Catalogue, link: Linker,
                  language: Language = Language.EN) -> GeneratedPage:
    f = Fragments()
    rows = tuple(case_views.IndexRow(c.name, link(f"acme-clients/{c.id}.md"),
                                     catalogue.key_type(c.default).label, "", "")
                 for c in catalogue.clients)
    title = _("ACME clients")
    return f.page(front_matter(title=title) + heading(1, title, "acme-clients") + "\n"
                  + plain(_("How to ask each ACME client for each key type, and what it does "
                            "by default.")) + "\n"
                  + f.block(macro("indexes.html", "acme_clients", rows=rows)), language)


def client_page(client: AcmeClient, catalogue: Catalogue, cases: Sequence[Case],
                link: Linker, language: Language = Language.EN) -> GeneratedPage:
    f = Fragments()
    sources = {s.key: s for s in catalogue.sources}
    options = tuple(key_type_views.RequestRow(k.label, link(f"key-types/{k.id}.md"),
                                              client.command(k.id), client.default == k.id)
                    for k in catalogue.key_types)
    mentioned = tuple(case_views.IndexRow(case_title(c), link(f"cases/{c.id}.md"), "", "", "")
                      for c in cases if c.your_side.acme_client == client.id
                      or client.id in dict(c.fix.acme_clients))
    references = tuple(source_link(sources[k].title, sources[k].url) for k in client.sources)
    anchor = heading_id(without_controls(client.name),
                             {"options", "cases-that-mention-it", "sources"})
    default = catalogue.key_type(client.default)
    return f.page(front_matter(title=client.name)
                  + f"# {f.inline(plain(client.name))} {{#{anchor}}}\n"
                  + f.block(macro("indexes.html", "acme_intro", default=default.label,
                                  history=client.history))
                  + "\n" + heading(2, _("Options"), "options")
                  + f.block(macro("indexes.html", "acme_options", name=client.name,
                                  rows=options))
                  + "\n" + heading(2, _("Cases that mention it"), "cases-that-mention-it")
                  + f.block(macro("indexes.html", "mentions", rows=mentioned))
                  + "\n" + heading(2, _("Sources"), "sources")
                  + f.block(macro("indexes.html", "sources", items=references)), language)
