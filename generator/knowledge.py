"""Where the knowledge base's own case files are, wherever tlskb runs from.

An installed tlskb (a wheel: `pipx install`, `pip install`) carries them as package data in
`generator/kb_cases/` (setup.py copies `cases/` there when it builds); a checkout (`make`, an
editable install) reads the checkout's `cases/`. Every command that needs the cases defaults to
this folder, so none depends on the working directory.
"""

from __future__ import annotations

from pathlib import Path

from generator.errors import UsageError

#: the package-data folder a built tlskb keeps its cases in (setup.py writes it)
BUNDLED = "kb_cases"
#: where the knowledge base is published (mkdocs.yml's site_url; a test holds them equal)
SITE_URL = "https://tlskb.github.io/tlskb/"
#: the file that marks a folder as the knowledge base's cases (the schema they follow)
SCHEMA_NAME = "case.schema.json"


def cases_dir() -> Path:
    """The knowledge base's cases: the installed copy, else the checkout's `cases/`."""
    package = Path(__file__).resolve().parent
    for candidate in (package / BUNDLED, package.parent / "cases"):
        if (candidate / SCHEMA_NAME).is_file():
            return candidate
    raise UsageError(f"this tlskb has no case files ({package / BUNDLED} and "
                     f"{package.parent / 'cases'} are missing): reinstall it from a checkout or "
                     "a wheel (README, Install), or pass the cases' folder explicitly")


def schema_path() -> Path:
    """The case schema of the knowledge base, for case files kept anywhere."""
    return cases_dir() / SCHEMA_NAME


def case_url(case_id: str) -> str:
    """The published page of a case (mkdocs.yml's offline plugin turns
    use_directory_urls off: each page is a .html file)."""
    return f"{SITE_URL}cases/{case_id}.html"
