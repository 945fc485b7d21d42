"""The tlskb MkDocs plugin: checks every case (an invalid case fails the build with the
file:line messages of `tlskb check`), generates the case, key-type and ACME-client pages with
`File.generated` (MkDocs 1.6), expands the nav, puts the matrix on the home page, points each
generated page's edit link at its YAML file, and watches cases/ under `mkdocs serve`.

Case text reaches a page only as a fragment (fragments.py): HTML rendered once by safe.py and
put into the page after MkDocs has rendered its Markdown (`on_page_content`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.utils import get_relative_url

from generator.cases.check import check_paths, skipped_replays
from generator.cases.lists import SYNC_COMMAND, difference
from generator.compat.keytypes import catalogue
from generator.stacks.openssl.facts import VERSIONED
from generator.errors import TlskbError
from generator.printable import printable_line
from generator.compat.clients import all_clients, recorded_clients
from generator.site import clientpages, pages, stackpages
from generator.site.fragments import Fragment, FragmentError, Fragments, insert, insert_in_toc
from generator.site.layout import RESERVED_IDS
from generator.site.safe import plain
from generator.site.views.answers import answers
from generator.stacks import stacks

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

    # -- configuration: load and check the cases, expand the nav --------------------------------
    def _cases_dir(self, config) -> Path:
        base = Path(config.config_file_path or ".").resolve().parent
        return (base / self.config.cases_dir).resolve()

    def on_config(self, config):
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
        self.cases = tuple(sorted(report.cases, key=lambda c: c.title.lower()))
        log.info(f"{len(self.cases)} cases checked, "
                 f"{sum(len(c.samples) for c in self.cases)} samples replayed")
        for note in skipped_replays():  # info, not a warning: --strict builds without them
            log.info(printable_line(note))
        config.nav = self._expand_nav(config.nav)
        polyfills = config.extra.get("polyfills", [])
        if WORKER_SHIM not in polyfills:
            config.extra["polyfills"] = [*polyfills, WORKER_SHIM]
        return config

    def _expand_nav(self, nav: list[Any] | None) -> list[Any] | None:
        """Give the generated sections their pages: `Cases: cases/index.md` becomes a section
        with the index and one entry per case (likewise for key types and ACME clients)."""
        if nav is None:
            return None
        catalog = catalogue()
        # Navigation titles reach the HTML as they are, hence plain().
        children = {
            "cases/index.md": [{plain(c.title): f"cases/{c.id}.md"} for c in self.cases],
            "key-types/index.md": [{plain(k.label): f"key-types/{k.id}.md"}
                                   for k in catalog.key_types],
            "acme-clients/index.md": [{plain(c.name): f"acme-clients/{c.id}.md"}
                                      for c in catalog.clients],
            "stacks/index.md": [{plain(s.label): f"stacks/{s.id.value}.md"} for s in stacks()],
            "clients/index.md": [
                {plain(members[0].name): clientpages.family_page_path(family)}
                for family, members in clientpages.families(recorded_clients()).items()],
        }
        expanded = []
        for item in nav:
            if isinstance(item, dict) and len(item) == 1:
                (title, target), = item.items()
                if isinstance(target, str) and target in children:
                    expanded.append({title: [target, *children[target]]})
                    continue
            expanded.append(item)
        return expanded

    # -- files: the generated pages ------------------------------------------------------------
    def on_files(self, files: Files, config) -> Files:
        catalog = catalogue()
        clients = recorded_clients()
        self.answers = answers(self.cases, clients, catalog)
        planned: dict[str, Any] = {
            "cases/index.md": lambda link: pages.cases_index(self.cases, link),
            "key-types/index.md": lambda link: pages.key_types_index(catalog, self.answers, link),
            "acme-clients/index.md": lambda link: pages.clients_index(catalog, link),
            "stacks/index.md": stackpages.stacks_index,
            "clients/index.md": lambda link: clientpages.clients_index(clients, catalog, link),
        }
        self.sources = {"cases/index.md": self.config.cases_dir,
                        "key-types/index.md": CATALOGUE_PATH,
                        "acme-clients/index.md": CATALOGUE_PATH,
                        "stacks/index.md": STACKS_PATH,
                        "clients/index.md": CLIENTS_PATH}
        # a generated page's edit link opens the file it is made from; a page made from a
        # whole folder (the cases' and clients' indexes, a client family) has none to open
        self.from_folder = {"cases/index.md", "clients/index.md"}

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
            plan(f"cases/{case.id}.md", lambda link, case=case: pages.case_page(case, catalog, link),
                 f"{self.config.cases_dir}/{case.id}.yaml")
        for key_type in catalog.key_types:
            plan(f"key-types/{key_type.id}.md",
                 lambda link, k=key_type: pages.key_type_page(k, catalog, self.cases,
                                                              self.answers, link),
                 CATALOGUE_PATH)
        for client in catalog.clients:
            plan(f"acme-clients/{client.id}.md",
                 lambda link, c=client: pages.client_page(c, catalog, self.cases, link),
                 CATALOGUE_PATH)
        for stack in stacks():
            plan(f"stacks/{stack.id.value}.md",
                 lambda link, s=stack: stackpages.stack_page(s, catalog, self.cases, link),
                 STACKS_PATH)
        for client in clients:
            plan(clientpages.client_page_path(client),
                 lambda link, c=client: clientpages.client_page(c, catalog, link),
                 f"{CLIENTS_PATH}/{client.id}.yaml")
        for family, members in clientpages.families(clients).items():
            plan(clientpages.family_page_path(family),
                 lambda link, fam=family, m=tuple(members): clientpages.family_page(
                     fam, m, catalog, link), CLIENTS_PATH)
            self.from_folder.add(clientpages.family_page_path(family))
        for src in planned:
            if files.get_file_from_path(src) is not None:
                raise _failure(f"tlskb: {config.docs_dir}/{src} exists, but tlskb generates "
                               "that page; kb/ holds only hand-written pages")
            files.append(File.generated(config, src, content=""))
        self.fragments = {}
        for src, render in planned.items():
            page = render(self._linker(files, src))
            files.get_file_from_path(src).content_string = page.markdown
            self.fragments[src] = dict(page.fragments)
        files.append(File.generated(config, WORKER_SHIM,
                                    abs_src_path=str(ASSETS / Path(WORKER_SHIM).name)))
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
        fragments = Fragments()
        if REFERENCE_SERVER_MARKER in markdown:
            server = next((c.replayed_against for c in self.cases if c.replayed_against), None)
            markdown = markdown.replace(REFERENCE_SERVER_MARKER, fragments.block(
                pages.reference_server_html(server, VERSIONED)))
        if STACKS_MARKER in markdown:
            markdown = markdown.replace(STACKS_MARKER, fragments.block(
                stackpages.stack_summary_html(self.cases, catalogue(),
                                              self._linker(files, page.file.src_uri))))
        if MATRIX_MARKER in markdown or RECOMMENDATION_MARKER in markdown:
            link = self._linker(files, page.file.src_uri)
            markdown = markdown.replace(MATRIX_MARKER, fragments.block(
                pages.matrix_html(self.cases, catalogue(), link)))
            markdown = markdown.replace(RECOMMENDATION_MARKER, fragments.block(
                pages.answer_html(self.answers, link)))
        if CLIENT_MATRIX_MARKER in markdown:
            markdown = markdown.replace(CLIENT_MATRIX_MARKER, fragments.block(
                clientpages.family_matrix_html(recorded_clients(), catalogue(),
                                               self._linker(files, page.file.src_uri))))
        if fragments.items:
            self.fragments[page.file.src_uri] = fragments.items
        return markdown

    @event_priority(100)  # before any other plugin reads the page's HTML (search, tags)
    def on_page_content(self, html: str, page, config, files: Files) -> str:
        fragments = self.fragments.get(page.file.src_uri)
        if not fragments:
            return html
        try:
            html = insert(html, fragments, page.file.src_uri)
            insert_in_toc(page.toc, fragments)
        except FragmentError as error:
            raise _failure(f"tlskb: {error} (a tlskb bug: please report it)") from None
        return html

    def on_page_context(self, context, page, config, nav):
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
    def on_post_build(self, *, config):  # offline plugin copies it into search_index.js (-100)
        from generator.site import search
        search.add_symptoms(
            Path(config.site_dir) / "search" / "search_index.json",
            [search.CaseSymptoms(File.generated(config, f"cases/{case.id}.md", content="").url,
                                 tuple(symptom.text for symptom in case.symptoms))
             for case in self.cases])
