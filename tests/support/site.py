"""Build the site (or a variant of it) into a directory, and serve a directory on 127.0.0.1."""

from __future__ import annotations

import contextlib
import functools
import http.server
import importlib.util
import os
import shutil
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def build_site(site_dir: Path, project: Path = ROOT) -> Path:
    """`mkdocs build --strict` of the project at `project` into `site_dir`."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    config = load_config(config_file=str(project / "mkdocs.yml"), site_dir=str(site_dir),
                         strict=True)
    build(config)
    return site_dir


def project_copy(target: Path, cases: dict[str, str] | None = None) -> Path:
    """A copy of the project's site sources (mkdocs.yml, kb/, the theme overrides) with its own
    cases/ directory: the schema plus the given {file name: text} cases (or the real ones)."""
    # the theme overrides go elsewhere: a generator/ folder here would shadow the package
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    (target / "mkdocs.yml").write_text(config.replace("custom_dir: generator/site/theme",
                                                      "custom_dir: theme-overrides"))
    shutil.copytree(ROOT / "kb", target / "kb")
    shutil.copytree(ROOT / "generator" / "site" / "theme", target / "theme-overrides")
    (target / "cases").mkdir()
    shutil.copy(ROOT / "cases" / "case.schema.json", target / "cases")
    if cases is None:
        for path in (ROOT / "cases").glob("*.yaml"):
            shutil.copy(path, target / "cases")
    else:
        for name, text in cases.items():
            (target / "cases" / name).write_text(text, encoding="utf-8")
    return target


def sync_tool():
    """tools/sync_lists.py as a module."""
    spec = importlib.util.spec_from_file_location("sync_lists", ROOT / "tools" / "sync_lists.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sync_lists(project: Path) -> None:
    """Write the lists of the catalogue in use into the project copy's schema and mkdocs.yml,
    as tools/sync_lists.py does for the real ones."""
    from generator.compat.keytypes import catalogue
    tool = sync_tool()
    for path, render in ((project / "cases" / "case.schema.json", tool.render_schema),
                         (project / "mkdocs.yml", tool.render_mkdocs)):
        path.write_text(render(path.read_text(encoding="utf-8"), catalogue()), encoding="utf-8")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep test output clean
        pass


class _PagesLike(_Quiet):
    """Answers a missing page as GitHub Pages does: status 404 with the site's 404.html, found
    under `site_path` (e.g. "/tlskb/") of the served directory."""
    site_path = "/"

    def send_error(self, code, message=None, explain=None) -> None:
        page = Path(self.directory) / self.site_path.strip("/") / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@contextlib.contextmanager
def serve(directory: Path, pages_site_path: str | None = None):
    """An HTTP server for `directory` on 127.0.0.1 (a free port); yields its base URL. With
    `pages_site_path`, a missing page is answered with the 404.html found there, as GitHub
    Pages does."""
    if pages_site_path is None:
        handler = functools.partial(_Quiet, directory=str(directory))
    else:
        pages = type("PagesLike", (_PagesLike,), {"site_path": pages_site_path})
        handler = functools.partial(pages, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
