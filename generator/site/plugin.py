"""The tlskb MkDocs plugin: checks every case (an invalid case fails the build with the
file:line messages of `tlskb check`), generates the case, key-type and ACME-client pages with
`File.generated` (MkDocs 1.6), expands the nav, puts the matrix on the home page, points each
generated page's edit link at its YAML file, and watches cases/ under `mkdocs serve`.

Case text reaches a page only as a fragment (fragments.py): HTML rendered once by safe.py and
put into the page after MkDocs has rendered its Markdown (`on_page_content`).

One build makes every language's edition (languages.py): the English one into site_dir, then,
once it is written, each other one as a build of its own into its folder (site/ja/), with the
theme's language (Material's interface, `<html lang>`), the search's languages and the site's
address set for it, the cases checked once for all. Each edition is a whole site — its own
search index, offline search file, sitemap and 404 page — so search, file:// and the 404 page
work in each as they did; a switcher in the header links every page to its twin."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.utils import get_relative_url
from markupsafe import escape

from generator.cases.check import check_paths, skipped_replays
from generator.cases.lists import SYNC_COMMAND, difference
from generator.compat.keytypes import catalogue
from generator.compat.translation import catalogue_in
from generator.stacks.openssl.facts import VERSIONED
from generator.errors import TlskbError
from generator import i18n
from generator.i18n import N_
from generator.printable import printable_line
from generator.compat.clients import all_clients, recorded_clients
from generator.site import clientpages, pages, stackpages
from generator.site.fragments import Fragment, FragmentError, Fragments, insert, insert_in_toc
from generator.site.languages import (DEFAULT, EDITIONS, Language, is_translation, site_path,
                                      translation_path)
from generator.site.layout import RESERVED_IDS
from generator.site.safe import plain
from generator.site.views.answers import answers
from generator.site.views.common import case_title
from generator.stacks import stacks
from generator.stacks.translation import stacks_in

log = get_plugin_logger("tlskb")


def _failure(*lines: str) -> PluginError:
    """The build's error, one escaped line each: case files name themselves, and their keys
    and values reach these messages, so nothing a terminal or CI log would act on gets through."""
    return PluginError("\n".join(printable_line(line) for line in lines))

#: our own file:// Worker shim (assets/); Material's offline plugin adds a CDN script unless a
#: polyfill whose address contains "iframe-worker" is already configured
WORKER_SHIM = "assets/javascripts/tlskb-iframe-worker-shim.js"
ASSETS = Path(__file__).resolve().parent / "assets"
MATRIX_MARKER = "<!-- tlskb:matrix -->"
RECOMMENDATION_MARKER = "<!-- tlskb:recommendation -->"
CLIENT_MATRIX_MARKER = "<!-- tlskb:client-matrix -->"
REFERENCE_SERVER_MARKER = "<!-- tlskb:reference-server -->"
STACKS_MARKER = "<!-- tlskb:stacks -->"
CATALOGUE_PATH = "generator/compat/data/catalogue.yaml"
STACKS_PATH = "generator/stacks/data/stacks.yaml"
CLIENTS_PATH = "generator/compat/data/clients"
#: mkdocs.yml's navigation titles, which each edition shows in its language (a test holds this
#: list equal to mkdocs.yml's titles, so a new section cannot go untranslated)
NAV_TITLES = (N_("Home"), N_("Cases"), N_("Key types"), N_("ACME clients"), N_("Server stacks"),
              N_("Clients"), N_("Guides"), N_("Debug a handshake failure yourself"),
              N_("How verdicts are proven"), N_("Tags"), N_("Contributing"),
              N_("Contribute a case"), N_("Install tlskb"))


def _stale_tags_allowed(config, tags: tuple[str, ...]) -> str | None:
    """What is wrong with the tags plugin's allow-list, a copy of the catalogue's tags (a
    stale one would let Material refuse a case's new tag, or allow a removed one)."""
    plugin = config.plugins.get("material/tags")
    if plugin is None:
        return None
    allowed = sorted(tag.name for tag in plugin.config.tags_allowed)
    if set(allowed) == set(tags):
        return None
    return (f"the tags plugin's tags_allowed is not the catalogue's list of tags: "
            f"{difference(allowed, list(tags))}; run `{SYNC_COMMAND}`")


class TlskbConfig(Config):
    cases_dir = config_options.Type(str, default="cases")
    edit_branch = config_options.Type(str, default="main")


class TlskbPlugin(BasePlugin[TlskbConfig]):
    def __init__(self) -> None:
        self.cases = ()
        self.answers = None   # what to request, computed once per build (on_files)
        self.from_folder: set[str] = set()   # generated pages with no one file to edit
        self.sources: dict[str, str] = {}   # generated src_uri -> repository path for "edit"
        self.fragments: dict[str, dict[str, Fragment]] = {}   # src_uri -> its fragments
        #: the edition this build makes; the default language's build makes the others after it
        self.language = DEFAULT
        self.checked: tuple | None = None   # the cases, as the default edition's build checked them
        self.untranslated: set[str] = set()   # pages of this edition shown in another language

    # -- configuration: load and check the cases, expand the nav --------------------------------
    def _cases_dir(self, config) -> Path:
        base = Path(config.config_file_path or ".").resolve().parent
        return (base / self.config.cases_dir).resolve()

    def on_config(self, config):
        # another edition of the same build takes the cases as the first checked them, from
        # the same configuration file and catalogue
        self.cases = self._checked_cases(config) if self.checked is None else self.checked
        config.nav = self._expand_nav(config.nav)
        # the language switcher (Material shows it when extra.alternate is set): each edition's
        # home page, as Material documents it (the <link rel="alternate"> of every page, which
        # Material reads each edition's sitemap.xml from); the switcher's links themselves go
        # to the page's twin (on_page_context, theme/partials/alternate.html)
        config.extra["alternate"] = [
            {"name": edition.name, "lang": edition.language.value,
             "link": self._from_root(site_path(edition.language, "index.html"))}
            for edition in EDITIONS.values()]
        polyfills = config.extra.get("polyfills", [])
        if WORKER_SHIM not in polyfills:
            config.extra["polyfills"] = [*polyfills, WORKER_SHIM]
        return config

    def _checked_cases(self, config) -> tuple:
        cases_dir = self._cases_dir(config)
        if not cases_dir.is_dir():
            raise _failure(f"tlskb: cases directory {cases_dir} does not exist")
        catalogue.cache_clear()  # `mkdocs serve` rebuilds in this process when it changes
        all_clients.cache_clear()
        try:
            report = check_paths([cases_dir])
        except TlskbError as error:
            raise _failure(*f"tlskb: {error}".split("\n")) from None
        if not report.catalogue_ok:
            raise _failure(f"tlskb: {len(report.problems)} problem(s) in the key-type catalogue; "
                           "the site is not built from it:", *map(str, report.problems))
        stale_tags = _stale_tags_allowed(config, catalogue().tags)
        if stale_tags:
            raise _failure(f"tlskb: {config.config_file_path}: {stale_tags}")
        if report.problems:
            raise _failure(f"tlskb: {len(report.problems)} problem(s) in the cases; the site is "
                           "not built from invalid cases:", *map(str, report.problems))
        cases = tuple(sorted(report.cases, key=lambda c: c.title.lower()))
        log.info(f"{len(cases)} cases checked, "
                 f"{sum(len(c.samples) for c in cases)} samples replayed")
        for note in skipped_replays():  # info, not a warning: --strict builds without them
            log.info(printable_line(note))
        return cases

    def _from_root(self, path: str) -> str:
        """`path` (an address in the whole built site) as MkDocs' `url` filter wants it in this
        edition: relative to the edition's root (../ leads out of ja/)."""
        depth = len(EDITIONS[self.language].folder.split("/")) if EDITIONS[self.language].folder \
            else 0
        return "../" * depth + path

    def _expand_nav(self, nav: list[Any] | None) -> list[Any] | None:
        """Give the generated sections their pages: `Cases: cases/index.md` becomes a section
        with the index and one entry per case (likewise for key types and ACME clients)."""
        if nav is None:
            return None
        catalog = catalogue()
        # Navigation titles reach the HTML as they are, hence plain().
        children = {
            "cases/index.md": [{plain(self._case_title(c)): f"cases/{c.id}.md"}
                               for c in self.cases],
            "key-types/index.md": [{plain(k.label): f"key-types/{k.id}.md"}
                                   for k in catalog.key_types],
            "acme-clients/index.md": [{plain(c.name): f"acme-clients/{c.id}.md"}
                                      for c in catalog.clients],
            "stacks/index.md": [{plain(s.label): f"stacks/{s.id.value}.md"} for s in stacks()],
            "clients/index.md": [
                {plain(members[0].name): clientpages.family_page_path(family)}
                for family, members in clientpages.families(recorded_clients()).items()],
        }
        return [self._nav_item(item, children) for item in nav]

    def _case_title(self, case) -> str:
        with i18n.using(self.language):
            return case_title(case)

    def _nav_item(self, item: Any, children: dict[str, list]) -> Any:
        """A navigation entry with its title in this edition's language and, for a generated
        section, its pages."""
        if not (isinstance(item, dict) and len(item) == 1):
            return item
        (title, target), = item.items()
        title = i18n.gettext(title, self.language) if title in NAV_TITLES else title
        if isinstance(target, str) and target in children:
            return {title: [target, *children[target]]}
        if isinstance(target, list):
            return {title: [self._nav_item(child, children) for child in target]}
        return {title: target}

    # -- files: the generated pages ------------------------------------------------------------
    def on_files(self, files: Files, config) -> Files:
        catalog = catalogue_in(self.language)   # its prose (ACME clients' history…) translated
        clients = recorded_clients()
        self.answers = answers(self.cases, clients, catalog)
        # each builder: (link, language) -> GeneratedPage
        planned: dict[str, Any] = {
            "cases/index.md": lambda link, lang: pages.cases_index(self.cases, link, lang),
            "key-types/index.md": lambda link, lang: pages.key_types_index(catalog, self.answers,
                                                                           link, lang),
            "acme-clients/index.md": lambda link, lang: pages.clients_index(catalog, link, lang),
            "stacks/index.md": stackpages.stacks_index,
            "clients/index.md": lambda link, lang: clientpages.clients_index(clients, catalog,
                                                                             link, lang),
        }
        self.sources = {"cases/index.md": self.config.cases_dir,
                        "key-types/index.md": CATALOGUE_PATH,
                        "acme-clients/index.md": CATALOGUE_PATH,
                        "stacks/index.md": STACKS_PATH,
                        "clients/index.md": CLIENTS_PATH}
        # a generated page's edit link opens the file it is made from; a page made from a
        # whole folder (the cases' and clients' indexes, a client family) has none to open
        self.from_folder = {"cases/index.md", "clients/index.md"}
        files = self._hand_written_in_language(files, config)

        def plan(src: str, render, source: str) -> None:
            # check refuses ids that name another page (pages.RESERVED_IDS); should one get
            # here all the same, the build stops rather than let one page replace another
            if src in planned:
                raise _failure(f"tlskb: two pages would be generated as {src} (from {source} "
                               f"and {self.sources[src]}); ids may not be one of "
                               f"{', '.join(RESERVED_IDS)}")
            planned[src] = render
            self.sources[src] = source

        for case in self.cases:
            plan(f"cases/{case.id}.md",
                 lambda link, lang, case=case: pages.case_page(case, catalog, link, lang),
                 f"{self.config.cases_dir}/{case.id}.yaml")
        for key_type in catalog.key_types:
            plan(f"key-types/{key_type.id}.md",
                 lambda link, lang, k=key_type: pages.key_type_page(k, catalog, self.cases,
                                                                    self.answers, link, lang),
                 CATALOGUE_PATH)
        for client in catalog.clients:
            plan(f"acme-clients/{client.id}.md",
                 lambda link, lang, c=client: pages.client_page(c, catalog, self.cases, link,
                                                                lang),
                 CATALOGUE_PATH)
        for stack in stacks_in(self.language):
            plan(f"stacks/{stack.id.value}.md",
                 lambda link, lang, s=stack: stackpages.stack_page(s, catalog, self.cases, link,
                                                                   lang),
                 STACKS_PATH)
        for client in clients:
            plan(clientpages.client_page_path(client),
                 lambda link, lang, c=client: clientpages.client_page(c, catalog, link, lang),
                 f"{CLIENTS_PATH}/{client.id}.yaml")
        for family, members in clientpages.families(clients).items():
            plan(clientpages.family_page_path(family),
                 lambda link, lang, fam=family, m=tuple(members): clientpages.family_page(
                     fam, m, catalog, link, lang), CLIENTS_PATH)
            self.from_folder.add(clientpages.family_page_path(family))
        for src in planned:
            if files.get_file_from_path(src) is not None:
                raise _failure(f"tlskb: {config.docs_dir}/{src} exists, but tlskb generates "
                               "that page; kb/ holds only hand-written pages")
            files.append(File.generated(config, src, content=""))
        self.fragments = {}
        for src, render in planned.items():
            with i18n.using(self.language):
                page = render(self._linker(files, src), self.language)
            files.get_file_from_path(src).content_string = page.markdown
            self.fragments[src] = dict(page.fragments)
            if page.language is not self.language:
                self.untranslated.add(src)
        files.append(File.generated(config, WORKER_SHIM,
                                    abs_src_path=str(ASSETS / Path(WORKER_SHIM).name)))
        return files

    def _hand_written_in_language(self, files: Files, config) -> Files:
        """kb/ in this edition's language: kb/ja/… is no page of its own in any edition; in the
        Japanese one it is the text of the English page at the same path (kb/ja/index.md for
        kb/index.md), and a page without one is shown in English (self.untranslated)."""
        self.untranslated = set()
        for file in [f for f in files if f.src_uri and is_translation(f.src_uri)]:
            files.remove(file)
        for file in files.documentation_pages():
            translated = translation_path(self.language, file.src_uri)
            if translated is None:
                continue
            path = Path(config.docs_dir) / translated
            if path.is_file():
                file.content_string = path.read_text(encoding="utf-8-sig")
                self.sources[file.src_uri] = Path(os.path.relpath(
                    path, Path(config.config_file_path or ".").resolve().parent)).as_posix()
            else:
                self.untranslated.add(file.src_uri)
        return files

    @staticmethod
    def _linker(files: Files, current_src: str):
        current = files.get_file_from_path(current_src)

        def link(target_src: str) -> str:
            target = files.get_file_from_path(target_src)
            if target is None:
                raise _failure(f"tlskb: {current_src} links to {target_src}, which is not a "
                               "page")
            return get_relative_url(target.url, current.url)
        return link

    # -- pages -----------------------------------------------------------------------------------
    def on_page_markdown(self, markdown: str, page, config, files: Files) -> str:
        with i18n.using(self.language):
            return self._expand_markers(markdown, page, files)

    def _expand_markers(self, markdown: str, page, files: Files) -> str:
        """A hand-written page's markers replaced by their tables, in this edition's language."""
        fragments = Fragments()
        if REFERENCE_SERVER_MARKER in markdown:
            server = next((c.replayed_against for c in self.cases if c.replayed_against), None)
            markdown = markdown.replace(REFERENCE_SERVER_MARKER, fragments.block(
                pages.reference_server_html(server, VERSIONED)))
        if STACKS_MARKER in markdown:
            markdown = markdown.replace(STACKS_MARKER, fragments.block((
                stackpages.stack_summary_html(self.cases, catalogue_in(self.language),
                                              self._linker(files, page.file.src_uri)))))
        if MATRIX_MARKER in markdown or RECOMMENDATION_MARKER in markdown:
            link = self._linker(files, page.file.src_uri)
            markdown = markdown.replace(MATRIX_MARKER, fragments.block((
                pages.matrix_html(self.cases, catalogue_in(self.language), link))))
            markdown = markdown.replace(RECOMMENDATION_MARKER, fragments.block((
                pages.answer_html(self.answers, link))))
        if CLIENT_MATRIX_MARKER in markdown:
            markdown = markdown.replace(CLIENT_MATRIX_MARKER, fragments.block((
                clientpages.family_matrix_html(recorded_clients(), catalogue_in(self.language),
                                               self._linker(files, page.file.src_uri)))))
        if fragments.items:
            self.fragments[page.file.src_uri] = fragments.items
        return markdown

    @event_priority(100)  # before any other plugin reads the page's HTML (search, tags)
    def on_page_content(self, html: str, page, config, files: Files) -> str:
        fragments = self.fragments.get(page.file.src_uri)
        if fragments:
            try:
                html = insert(html, fragments, page.file.src_uri)
                insert_in_toc(page.toc, fragments)
            except FragmentError as error:
                raise _failure(f"tlskb: {error} (a tlskb bug: please report it)") from None
        if page.file.src_uri in self.untranslated:
            heading, sentence = EDITIONS[self.language].untranslated
            # after the title (the search index keeps the title's section as the page's own),
            # the English marked as such for screen readers and translators
            end = html.find("</h1>")
            title, body = (html[:end + 5].replace("<h1", '<h1 lang="en"', 1), html[end + 5:]) \
                if end >= 0 else ("", html)
            html = (f'{title}\n<div class="admonition note tlskb-untranslated">'
                    f'<p class="admonition-title">{escape(heading)}</p>'
                    f'<p>{escape(sentence)}</p></div>\n<div lang="en">{body}</div>')
        return html

    def on_page_context(self, context, page, config, nav):
        # the switcher: this page in every edition, relative (works from file://)
        url = page.url if page.url and not page.url.endswith("/") else page.url + "index.html"
        here = site_path(self.language, url)
        context["tlskb_alternates"] = [
            {"name": edition.name, "lang": edition.language.value,
             "href": get_relative_url(site_path(edition.language, url), here),
             "current": edition.language is self.language}
            for edition in EDITIONS.values()]
        if page.file.src_uri in self.from_folder:
            page.edit_url = None
            return context
        source = self.sources.get(page.file.src_uri)
        if source and config.repo_url:
            page.edit_url = (f"{config.repo_url.rstrip('/')}/edit/{self.config.edit_branch}/"
                             f"{source}")
        return context

    def on_serve(self, server, config, builder):
        server.watch(str(self._cases_dir(config)))
        server.watch(str(Path(__file__).resolve().parent.parent / "compat" / "data"))
        return server

    # -- search: each case's exact symptom strings, so that pasting one finds its case ---------
    @event_priority(-50)  # after Material's search plugin writes the index (0), before the
    def _add_symptoms(self, *, config):  # offline plugin copies it into search_index.js (-100)
        from generator.site import search
        search.add_symptoms(
            Path(config.site_dir) / "search" / "search_index.json",
            [search.CaseSymptoms(File.generated(config, f"cases/{case.id}.md", content="").url,
                                 tuple(symptom.text for symptom in case.symptoms))
             for case in self.cases])

    # -- the other languages: a build each, once this edition is written whole ------------------
    @event_priority(-200)   # after the offline plugin (-100)
    def _build_other_editions(self, *, config):
        if self.language is not DEFAULT:
            return
        from mkdocs.commands.build import build
        for language, edition in EDITIONS.items():
            if language is not DEFAULT:
                log.info(f"building the {edition.name} edition into {edition.folder}/")
                build(self._edition_config(config, language))

    on_post_build = CombinedEvent(_add_symptoms, _build_other_editions)

    def _edition_config(self, config, language: Language):
        """This build's configuration, read again from its file, for `language`'s edition: in
        its folder of site_dir and of site_url, the theme (Material's interface, <html lang>)
        and the search in that language, the cases as checked."""
        from mkdocs.config import load_config
        if not config.config_file_path:
            raise _failure("tlskb: the other languages' editions are built from mkdocs.yml; this "
                           "build has no configuration file")
        edition = EDITIONS[language]
        site_url = config.site_url and f"{config.site_url.rstrip('/')}/{edition.folder}/"
        other = load_config(config_file=config.config_file_path, strict=config.strict,
                            site_dir=str(Path(config.site_dir) / edition.folder),
                            site_url=site_url)
        other.theme["language"] = language.value
        # the headings' permalink title (Python-Markdown's toc writes it; Material does not
        # translate it)
        other.mdx_configs.setdefault("toc", {})["permalink_title"] = i18n.gettext(
            "Permanent link", language)
        search = other.plugins.get("material/search")
        if search is not None:
            search.config.lang = list(edition.search_lang)
        tlskb = other.plugins["tlskb"]
        tlskb.language = language
        tlskb.checked = self.cases
        return other
