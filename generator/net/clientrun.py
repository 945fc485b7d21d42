"""Running a real client program from its definition (compat/clients.py `Definition`) against a
server on 127.0.0.1: the placeholders filled in, a private home and work folder per run, its
build and virtualenv prepared once per session, a deadline, and the whole process group killed
when it passes.

Placeholders in `command`, `env`, `setup` and `build` (only these exact words are replaced, so
a script's own braces stay as they are):

    {host} localhost      {port} the server's port       {ca} PEM file of the CAs to trust
    {ca_rsa} {ca_ecdsa}   each CA alone (for tools that import one certificate at a time)
    {home} {work}         the run's private folder (also $HOME)
    {truststore}          PKCS#12 trust store of the CAs, password "changeit" (Java)
    {nssdb}               an NSS database trusting the CAs (Firefox, Chromium), when certutil
                          is installed
    {programs}            tools/client-programs/ (small clients written for the recorder)
    {build}               the client's build folder, kept for the session
    {venv}                the client's virtualenv with its `package: pypi` requirements
    {python}              the Python running tlskb
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from collections.abc import Callable
from pathlib import Path

from generator.compat.clients import Definition
from generator.errors import TlskbError
from generator.printable import printable_line

HOST = "localhost"
ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = ROOT / "tools" / "client-programs"
#: bytes of a client's output kept (its last line is what is reported)
MAX_OUTPUT = 1 << 16
#: seconds for one setup or build step and for one pip install
STEP_TIMEOUT, INSTALL_TIMEOUT = 120, 600


class ClientRunError(TlskbError):
    """A client could not be prepared (a missing program, a failed build or install)."""


@dataclass(frozen=True, slots=True)
class Kit:
    """What the placeholders point to for one session; made by prepare_kit."""
    root: Path              # private folder of the session, removed by the caller
    ca: Path
    ca_rsa: Path
    ca_ecdsa: Path
    truststore: Path
    nssdb: Path | None
    cache: Path             # builds and virtualenvs, kept between sessions


@dataclass(frozen=True, slots=True)
class Finished:
    """How one run of a client ended."""
    exit: int | None        # its exit status; None when it was killed at the deadline
    said: str | None        # its last non-empty line of error output (else of output)
    seconds: float


def prepare_kit(root: Path, trust_pem: bytes, cache: Path) -> Kit:
    """Write the trust material for `trust_pem` (PEM CA certificates) into `root`."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
    certificates = x509.load_pem_x509_certificates(trust_pem)
    ca = root / "ca.pem"
    ca.write_bytes(trust_pem)
    singles = []
    for number, certificate in enumerate(certificates):
        single = root / f"ca-{number}.pem"
        single.write_bytes(certificate.public_bytes(_pem()))
        singles.append(single)
    truststore = root / "truststore.p12"
    truststore.write_bytes(pkcs12.serialize_java_truststore(
        [pkcs12.PKCS12Certificate(c, f"tlskb-{n}".encode()) for n, c in enumerate(certificates)],
        BestAvailableEncryption(b"changeit")))
    nssdb = None
    if shutil.which("certutil"):
        nssdb = root / "nssdb"
        nssdb.mkdir()
        _step(["certutil", "-N", "-d", f"sql:{nssdb}", "--empty-password"], root)
        for number, single in enumerate(singles):
            _step(["certutil", "-A", "-d", f"sql:{nssdb}", "-n", f"tlskb-{number}", "-t", "C,,",
                   "-i", str(single)], root)
    cache.mkdir(parents=True, exist_ok=True, mode=0o700)
    return Kit(root, ca, singles[0], singles[-1], truststore, nssdb, cache)


def _pem():
    from cryptography.hazmat.primitives.serialization import Encoding
    return Encoding.PEM


def _step(command: list[str], cwd: Path, env: dict[str, str] | None = None,
          timeout: float = STEP_TIMEOUT) -> None:
    try:
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ClientRunError(f"`{' '.join(command)}` failed: {error}") from None
    if done.returncode != 0:
        raise ClientRunError(f"`{' '.join(command)}` exited with {done.returncode}: "
                             f"{_last_line(done.stderr or done.stdout)}")


def _digest(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


_FOLDER_LOCKS: dict[Path, threading.Lock] = {}
_FOLDER_LOCKS_LOCK = threading.Lock()


def _folder_lock(folder: Path) -> threading.Lock:
    """One lock per venv or build folder: clients that share one, run at once (--jobs), make
    it once, not over each other."""
    with _FOLDER_LOCKS_LOCK:
        return _FOLDER_LOCKS.setdefault(folder, threading.Lock())


def venv_of(definition: Definition, kit: Kit) -> Path | None:
    """The client's virtualenv with its PyPI requirements, made on first use and kept."""
    if not definition.pypi:
        return None
    venv = kit.cache / "venvs" / _digest(definition.pypi, sys.version)
    with _folder_lock(venv):
        _make_venv(venv, definition, kit)
    return venv


def _make_venv(venv: Path, definition: Definition, kit: Kit) -> None:
    python = venv / "bin" / "python"
    if not (venv / ".complete").exists():
        shutil.rmtree(venv, ignore_errors=True)
        venv.parent.mkdir(parents=True, exist_ok=True)
        _step([sys.executable, "-m", "venv", str(venv)], kit.cache)
        _step([str(python), "-m", "pip", "install", "--quiet", "--only-binary=:all:",
               *definition.pypi], kit.cache, timeout=INSTALL_TIMEOUT)
        (venv / ".complete").write_text("ok\n")


def build_of(definition: Definition, kit: Kit) -> Path:
    """The client's build folder, its `build` commands run there once (kept by their digest
    and the programs they read)."""
    programs = sorted((p.name, p.read_bytes()) for p in PROGRAMS.iterdir() if p.is_file())
    folder = kit.cache / "builds" / _digest(definition.build, programs)
    with _folder_lock(folder):
        _make_build(folder, definition, kit)
    return folder


def _make_build(folder: Path, definition: Definition, kit: Kit) -> None:
    if definition.build and not (folder / ".complete").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        values = _values(kit, folder, folder, None, 0)
        for command in definition.build:
            _step([_fill(word, values) for word in command], folder, _environment(folder, {}))
        (folder / ".complete").write_text("ok\n")


def _values(kit: Kit, home: Path, build: Path, venv: Path | None, port: int) -> dict[str, str]:
    return {"{host}": HOST, "{port}": str(port), "{ca}": str(kit.ca),
            "{ca_rsa}": str(kit.ca_rsa), "{ca_ecdsa}": str(kit.ca_ecdsa),
            "{home}": str(home), "{work}": str(home), "{truststore}": str(kit.truststore),
            "{nssdb}": str(kit.nssdb) if kit.nssdb else "{nssdb}",
            "{programs}": str(PROGRAMS), "{build}": str(build),
            "{venv}": str(venv) if venv else "{venv}", "{python}": sys.executable}


def _fill(word: str, values: dict[str, str]) -> str:
    for placeholder, value in values.items():
        word = word.replace(placeholder, value)
    return word


def _environment(home: Path, extra: dict[str, str]) -> dict[str, str]:
    """A small, fixed environment: no proxy, no SSLKEYLOGFILE, no library settings of ours."""
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
            "LANG": "C.UTF-8", "TZ": "UTC", "TMPDIR": str(home)}
    base.update(extra)
    return base


def run_client(definition: Definition, kit: Kit, port: int,
               done: Callable[[], bool] | None = None) -> Finished:
    """Run the client once against 127.0.0.1:`port`, in a fresh private home; kill its whole
    process group at `definition.timeout` — or, for a client whose definition says it waits
    on after the handshake (`stop_after_handshake`, a browser on an error page), as soon as
    `done()` says the server has seen the handshake end."""
    venv = venv_of(definition, kit)
    build = build_of(definition, kit)
    home = Path(tempfile.mkdtemp(prefix="run-", dir=kit.root))
    values = _values(kit, home, build, venv, port)
    env = _environment(home, {k: _fill(v, values) for k, v in definition.env})
    for command in definition.setup:
        _step([_fill(word, values) for word in command], home, env)
    command = [_fill(word, values) for word in definition.command]
    started = time.monotonic()
    try:
        process = subprocess.Popen(command, cwd=home, env=env, stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   start_new_session=True)
    except OSError as error:
        raise ClientRunError(f"cannot start `{command[0]}`: {error.strerror or error}; "
                             "install the client's package") from None
    try:
        out, err = _communicate(process, (definition.stdin or "").encode(), definition.timeout,
                                done if definition.stop_after_handshake else None)
        status: int | None = process.returncode
    except subprocess.TimeoutExpired:
        _kill_group(process)
        out, err = _leftovers(process)
        status = None
    finally:
        _kill_group(process)  # what it left behind (a browser's helpers)
        shutil.rmtree(home, ignore_errors=True)
    said = _last_line(err[-MAX_OUTPUT:]) or _last_line(out[-MAX_OUTPUT:])
    return Finished(status, said, round(time.monotonic() - started, 3))


#: seconds between two looks at whether the server has seen the handshake end
_POLL = 0.2
#: seconds a client that waits on after the handshake still gets, to finish what it says
_GRACE = 0.3


def _communicate(process: subprocess.Popen, stdin: bytes, timeout: float,
                 done: Callable[[], bool] | None) -> tuple[bytes, bytes]:
    """process.communicate, but when `done` is given, looked at every _POLL seconds: once it
    is true the client gets _GRACE seconds, then it is stopped (TimeoutExpired)."""
    if done is None:
        return process.communicate(stdin, timeout=timeout)
    deadline = time.monotonic() + timeout
    first = True
    while True:
        try:
            return process.communicate(stdin if first else None,
                                       timeout=min(_POLL, max(deadline - time.monotonic(), 0)))
        except subprocess.TimeoutExpired:
            first = False
            if time.monotonic() >= deadline:
                raise
            if done():
                return process.communicate(timeout=_GRACE)


def _leftovers(process: subprocess.Popen) -> tuple[bytes, bytes]:
    """What a killed client wrote, read for a bounded time: a child that made a session of its
    own (Exim's delivery process) may still hold the pipes, and is not waited for."""
    try:
        return process.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        process.wait(5)
        return b"", b"client output not read: a process it started still holds it"


def _kill_group(process: subprocess.Popen) -> None:
    """Kill everything the client started: its process group, every process of its session
    (the client is a session leader, start_new_session: `timeout` and browsers put children
    into process groups of their own), and every descendant (script(1) gives its child a
    session of its own). The process table is read once, before anything is killed (orphans
    are adopted by init and the line to the client is lost)."""
    table = _process_table()
    for pid in [process.pid, *_session_members(process.pid, table),
                *_descendants(process.pid, table)]:
        try:
            os.killpg(pid, signal.SIGKILL) if pid == process.pid else os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _process_table() -> list[tuple[int, int, int]]:
    """(pid, parent pid, session id) of every process (Linux /proc; elsewhere none)."""
    table = []
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp session ...: comm may hold spaces and parentheses
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 3 and fields[1].isdigit() and fields[3].isdigit():
            table.append((int(entry.name), int(fields[1]), int(fields[3])))
    return table


def _descendants(root: int, table: list[tuple[int, int, int]]) -> list[int]:
    """The processes descended from `root`."""
    children: dict[int, list[int]] = {}
    for pid, parent, _ in table:
        children.setdefault(parent, []).append(pid)
    found, frontier = [], [root]
    while frontier:   # a tree: each process is visited once, linear in the process table
        below = children.get(frontier.pop(), [])
        found.extend(below)
        frontier.extend(below)
    return found


def _session_members(session: int, table: list[tuple[int, int, int]]) -> list[int]:
    """The processes whose session id is `session`."""
    return [pid for pid, _, member_of in table if member_of == session]


def _last_line(data: bytes) -> str | None:
    lines = [line.strip() for line in data.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    return printable_line(lines[-1])[:300] if lines else None


def version_of(definition: Definition, kit: Kit) -> tuple[str | None, str | None]:
    """(version word, the whole line) from the client's version command."""
    if not definition.version_command:
        return None, None
    venv = venv_of(definition, kit)
    values = _values(kit, kit.root, build_of(definition, kit), venv, 0)
    command = [_fill(word, values) for word in definition.version_command]
    try:
        done = subprocess.run(command, capture_output=True, timeout=60, cwd=kit.root,
                              stdin=subprocess.DEVNULL, env=_environment(kit.root, {}))
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ClientRunError(f"`{' '.join(command)}` failed: {error}") from None
    text = (done.stdout or b"") + b"\n" + (done.stderr or b"")
    lines = [line.strip() for line in text.decode("utf-8", "replace").splitlines()]
    line = next((printable_line(line)[:400] for line in lines if line), None)
    if line is None:
        return None, None
    words = line.split()
    word = words[definition.version_word] if definition.version_word < len(words) else None
    return (word.strip("\"',;()") if word else None), line


def missing_packages(definition: Definition) -> tuple[str, ...]:
    """The client's Debian packages that are not installed (dpkg-query), in its order."""
    missing = []
    for package in definition.debian:
        try:
            done = subprocess.run(["dpkg-query", "-W", "-f", "${Status}", package],
                                  capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            missing.append(package)
            continue
        if "install ok installed" not in done.stdout:
            missing.append(package)
    return tuple(missing)


def package_versions(definition: Definition) -> tuple[str, ...]:
    """"curl 7.88.1-10+deb12u14" for each Debian package, the pins for PyPI requirements."""
    found = []
    for package in definition.debian:
        try:
            done = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version}", package],
                                  capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0 and done.stdout.strip():
            found.append(done.stdout.strip())
    found.extend(definition.pypi)
    return tuple(found)
