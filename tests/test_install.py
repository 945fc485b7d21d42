"""Issue 14: tlskb installed anywhere works from any directory. The wheel is built from this
checkout (as `pipx install .` and `pip install .` build it), unpacked into an empty folder,
and every command an admin runs is run from another empty folder with only that copy of
tlskb importable — not the checkout: the cases, the catalogue, the stacks' programs and the
site's templates must all be in the wheel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from support.net import ROOT

#: files under generator/ a built tlskb does not need: bytecode, editors' leftovers
NOT_SHIPPED = {".pyc"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The wheel of this checkout, unpacked: a site-packages holding tlskb alone."""
    try:
        import setuptools
    except ImportError:
        pytest.fail("setuptools is needed to build the wheel (pip install '.[test]')")
    if int(setuptools.__version__.split(".")[0]) < 70:
        pytest.fail(f"setuptools {setuptools.__version__} is too old to build the wheel here "
                    "(pip install '.[test]' installs >= 70)")
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                            "--no-build-isolation", "--quiet", "-w", str(out), str(ROOT)],
                           capture_output=True, text=True, timeout=300, cwd=out)
    assert built.returncode == 0, built.stderr
    (wheel,) = out.glob("tlskb-*.whl")
    target = tmp_path_factory.mktemp("site-packages")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return target


def tlskb(installed: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """The installed copy's command, run from `cwd` with the wheel's folder first on the path
    (the checkout's editable install stays behind it, and is checked not to be used)."""
    program = ("import sys; sys.path.insert(0, sys.argv.pop(1)); import generator; "
               "print(generator.__file__, file=sys.stderr); "
               "from generator.cli import main; sys.exit(main())")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TLSKB_CASES")}
    return subprocess.run([sys.executable, "-c", program, str(installed), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300, env=env)


def used_copy(done: subprocess.CompletedProcess) -> str:
    return done.stderr.splitlines()[0]


def test_the_wheel_carries_every_file_a_command_reads(installed):
    """Every non-Python file under generator/ (data, stacks' Go and Java sources, templates)
    and the knowledge base's cases are in the wheel; its console script is `tlskb`."""
    package = ROOT / "generator"
    wanted = {p.relative_to(ROOT) for p in package.rglob("*")
              if p.is_file() and p.suffix not in NOT_SHIPPED and "__pycache__" not in p.parts
              and "kb_cases" not in p.parts}
    shipped = {p.relative_to(installed) for p in (installed / "generator").rglob("*")
               if p.is_file()}
    assert wanted - shipped == set()
    def tree(folder: Path) -> set[Path]:
        return {p.relative_to(folder) for p in folder.rglob("*")
                if p.is_file() and p.suffix in (".yaml", ".json")}
    assert tree(installed / "generator" / "kb_cases") == tree(ROOT / "cases")
    assert (installed / "generator" / "kb_cases" / "ja" / "exchange-online-p384.yaml").is_file()
    (entry_points,) = installed.glob("tlskb-*.dist-info/entry_points.txt")
    assert "tlskb = generator.cli:main" in entry_points.read_text()


def test_every_command_works_from_any_directory(installed, tmp_path):
    """From an empty folder: check (the shipped cases, replayed against the pinned OpenSSL),
    probe --list, catalogue, analyze of a case's own sample, new + check with the installed
    schema, impact of a capture with its HTML report, cert of a certificate file."""
    anywhere = tmp_path / "anywhere"
    anywhere.mkdir()
    checked = tlskb(installed, anywhere, "check", "--json")
    assert checked.returncode == 0, checked.stderr
    assert used_copy(checked).startswith(str(installed)), used_copy(checked)
    report = json.loads(checked.stdout)
    assert report["ok"] and {c["id"] for c in report["cases"]} == {
        p.stem for p in (ROOT / "cases").glob("*.yaml")}
    assert {c["id"] for c in report["cases"] if "ja" in c["translations"]} == {
        p.stem for p in (ROOT / "cases" / "ja").glob("*.yaml")}
    assert all(c["file"].startswith(str(installed)) for c in report["cases"])

    listed = tlskb(installed, anywhere, "probe", "--list", "--json")
    checkout = subprocess.run([sys.executable, "-m", "generator", "probe", "--list", "--json"],
                              cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert listed.returncode == 0 and json.loads(listed.stdout) == json.loads(checkout.stdout)

    catalogue = tlskb(installed, anywhere, "catalogue", "--json")
    assert catalogue.returncode == 0 and len(json.loads(catalogue.stdout)) > 100

    import yaml
    case = yaml.safe_load((ROOT / "cases" / "exchange-online-p384.yaml").read_text())
    (anywhere / "hello.hex").write_text(case["samples"][0]["hex"])
    analyzed = tlskb(installed, anywhere, "analyze", "hello.hex", "--json", "--replay")
    assert analyzed.returncode == 0, analyzed.stderr
    verdicts = json.loads(analyzed.stdout)["key_types"]
    assert verdicts["ec384"]["ok"] is False and verdicts["ec256"]["ok"] is True

    made = tlskb(installed, anywhere, "new", "my-case", "--dir", ".", "--from", "hello.hex",
                 "--json")
    assert made.returncode == 0 and json.loads(made.stdout)["samples"] == 1
    drafted = tlskb(installed, anywhere, "check", "my-case.yaml", "--json")
    problems = json.loads(drafted.stdout)["problems"]
    assert drafted.returncode == 1 and problems and all("TODO" in p["message"] or p["hint"]
                                                        for p in problems)

    capture = ROOT / "tests" / "data" / "captures" / "loopback-clients.pcap"
    impact = tlskb(installed, anywhere, "impact", str(capture), "--json", "--html", "r.html")
    assert impact.returncode == 0, impact.stderr
    assert json.loads(impact.stdout)["connections"] > 0
    assert (anywhere / "r.html").read_text().startswith("<!DOCTYPE html>")

    from generator.compat.certs import certified_key
    (anywhere / "cert.pem").write_bytes(certified_key("ecdsa", None, "secp384r1").chain_pem)
    cert = tlskb(installed, anywhere, "cert", "cert.pem", "--json")
    assert cert.returncode in (0, 4), cert.stderr
    assert json.loads(cert.stdout)["served_key_types"] == ["ec384"]
