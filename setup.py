"""Build step that pyproject.toml cannot say: a built tlskb (wheel, pipx, pip install) carries
the knowledge base's case files as package data, copied from the top-level cases/ (which the
design keeps at the top, for contributors) into generator/kb_cases/. generator/knowledge.py
finds them there, or in the checkout when tlskb runs from one. Everything else is in
pyproject.toml."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

#: the cases, their schemas, and their translations (cases/<language>/<id>.yaml)
CASE_FILES = ("*.yaml", "*.schema.json", "*/*.yaml")


class BuildWithCases(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:   # an editable install reads the checkout's cases/ directly
            return
        source = Path(__file__).resolve().parent / "cases"
        target = Path(self.build_lib) / "generator" / "kb_cases"
        files = sorted(f for pattern in CASE_FILES for f in source.glob(pattern))
        if not files:
            raise SystemExit(f"{source}: no case files to ship; build from a tlskb checkout")
        self.mkpath(str(target))
        for file in files:
            destination = target / file.relative_to(source)
            self.mkpath(str(destination.parent))
            self.copy_file(str(file), str(destination))


setup(cmdclass={"build_py": BuildWithCases})
