"""The reference server is one pinned OpenSSL, the same on every machine: the one inside the
pinned cryptography wheel, driven through pyOpenSSL. Nothing on the reference path touches
the system's libssl or Python's `ssl` module."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import cryptography
import pytest

from conftest import require_tool
from generator.stacks.openssl import pinned
from generator.stacks.openssl.facts import PINNED_CRYPTOGRAPHY, PINNED_OPENSSL

ROOT = Path(__file__).resolve().parent.parent
EXCHANGE = ROOT / "generator" / "compat" / "data" / "clients" / "exchange-online-2019-reconstructed.yaml"


def _pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = {}
    for requirement in project["dependencies"]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([0-9.]+)", requirement)
        if match:
            pins[match[1].lower()] = match[2]
    return pins


def test_the_verdict_deciding_packages_are_pinned_exactly_and_installed_as_pinned():
    pins = _pins()
    assert set(pins) >= {"cryptography", "pyopenssl"}, pins
    assert pins["cryptography"] == PINNED_CRYPTOGRAPHY, "facts.PINNED_CRYPTOGRAPHY vs pyproject"
    assert metadata.version("cryptography") == PINNED_CRYPTOGRAPHY == cryptography.__version__
    assert metadata.version("pyOpenSSL") == pins["pyopenssl"]


def test_the_pinned_wheel_runs_the_pinned_openssl():
    version = pinned.library_version()
    assert version.split()[:2] == ["OpenSSL", PINNED_OPENSSL]
    assert pinned.label() == (f"OpenSSL {PINNED_OPENSSL} (pinned reference, cryptography "
                              f"{PINNED_CRYPTOGRAPHY})")


def test_the_wheel_carries_its_own_openssl():
    """cryptography's compiled module links no libssl or libcrypto of the system: the OpenSSL
    it runs is built into it, so the machine's patch level cannot change a verdict."""
    ldd = require_tool("ldd", "libc-bin")
    modules = sorted(Path(cryptography.__file__).parent.rglob("*.so"))
    assert modules, "cryptography has no compiled module: a source build, not the wheel"
    for module in modules:
        linked = subprocess.run([ldd, str(module)], capture_output=True, text=True, timeout=30)
        assert "libssl" not in linked.stdout and "libcrypto" not in linked.stdout, linked.stdout


def test_a_foreign_openssl_is_refused_by_name(monkeypatch):
    """A cryptography built from source against the system's libssl would run another
    OpenSSL; the reference server refuses it with the pin and the command that fixes it."""
    monkeypatch.setattr(pinned.SSL, "OpenSSL_version", lambda _: b"OpenSSL 3.0.13 30 Jan 2024")
    pinned.library_version.cache_clear()
    try:
        with pytest.raises(pinned.ReferenceMismatch) as raised:
            pinned.library_version()
    finally:
        pinned.library_version.cache_clear()
    message = str(raised.value)
    assert f"must be OpenSSL {PINNED_OPENSSL}" in message and "runs OpenSSL 3.0.13" in message
    assert (f"pip install --force-reinstall --only-binary=:all: "
            f"'cryptography=={PINNED_CRYPTOGRAPHY}'") in message


def test_only_the_system_replayer_uses_pythons_ssl():
    """Python's ssl (this machine's libssl) is the reference nowhere: only the opt-in
    `--openssl system` replayer imports it."""
    imports_ssl = re.compile(r"^\s*(import .*\b_?ssl\b|from _?ssl import)|import_module\(._?ssl.\)",
                             re.MULTILINE)
    users = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "generator").rglob("*.py")
                   if imports_ssl.search(path.read_text()))
    assert users == ["generator/stacks/openssl/system.py"]


def test_the_same_verdicts_without_the_systems_ssl_at_all():
    """`tlskb analyze --replay` gives byte-identical output in a process where Python's ssl
    module cannot even be imported: the proof does not depend on the system's libssl."""
    command = ["analyze", "--replay", "--json", str(EXCHANGE)]
    normal = subprocess.run([sys.executable, "-m", "generator", *command], capture_output=True,
                            text=True, timeout=120, cwd=ROOT)
    blocked = subprocess.run(
        [sys.executable, "-c", "import sys; sys.modules['ssl'] = sys.modules['_ssl'] = None; "
         "from generator.cli import main; sys.exit(main(sys.argv[1:]))", *command],
        capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert normal.returncode == blocked.returncode == 0, blocked.stderr
    assert blocked.stdout == normal.stdout
    assert f'"library": "OpenSSL {PINNED_OPENSSL} ' in normal.stdout


def test_without_pyopenssl_replay_is_one_line_not_a_traceback():
    """A checkout updated without reinstalling lacks pyOpenSSL: `--replay` says what is
    missing and how to fix it, in one line; analysis without replay still works."""
    blocked = [sys.executable, "-c", "import sys; sys.modules['OpenSSL'] = None; "
               "from generator.cli import main; sys.exit(main(sys.argv[1:]))"]
    done = subprocess.run([*blocked, "analyze", "--replay", str(EXCHANGE)], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("tlskb: error: replaying against the pinned OpenSSL needs "
                                  f"pyOpenSSL and cryptography {PINNED_CRYPTOGRAPHY}, which "
                                  "cannot be loaded (")
    assert done.stderr.rstrip().endswith("reinstall tlskb: make, or pip install -e .")
    plain = subprocess.run([*blocked, "analyze", str(EXCHANGE)], capture_output=True, text=True,
                           timeout=120, cwd=ROOT)
    assert plain.returncode == 0 and "ec384    FAIL" in plain.stdout
