"""The Go crypto/tls replayer: the recorded ClientHello handed to Go's own `tls.Server`.

tlsreplay.go (standard library only) runs `tls.Server` with a zero Config, one certificate and
no session tickets over an in-memory net.Conn, one long-lived process per tlskb process,
fed over stdin/stdout (length-prefixed requests, one JSON line per answer; no sockets). It is
built on first use with this machine's `go` into $XDG_CACHE_HOME/tlskb/go-<hash>/ (the hash
covers the source, the generated go.mod and `go version`), offline: GOPROXY=off,
GOTOOLCHAIN=local, GOFLAGS=-mod=readonly, CGO_ENABLED=0; it runs with GODEBUG removed from its
environment, so Go's own defaults decide.

The verdicts are for go1.19 (facts.GO_RELEASE, Debian 12's golang-go): another Go release
changes them (facts.LATER_GO), so the replayer refuses it with ReplayUnavailable rather than
prove verdicts against a library the analyzer does not model. It refuses a CPU without AES-GCM
hardware too, where Go would order its suites differently (facts.AES_GCM_HARDWARE).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import select
import shutil
import struct
import subprocess
import threading
import time
from functools import cache
from importlib import resources
from pathlib import Path

from generator.cachedir import cache_root, private_directory, trusted_file
from generator.compat.keytypes import KeyType
from generator.compat.outcome import ReplayOutcome, outcome_from_flight
from generator.compat.replay import Replayer, ReplayUnavailable
from generator.errors import TlskbError
from generator.stacks import StackId
from generator.stacks.go import facts

SOURCE = "tlsreplay.go"
#: every file of the helper program, as written into its build directory: the replayer's main
#: and the live mode's sockets (tlslive.go, `tlsreplay live`; live.py)
SOURCES = {"main.go": SOURCE, "live.go": "tlslive.go"}
#: seconds: one answer (the helper gives up on a handshake after 10), a start, a build
REQUEST_TIMEOUT, START_TIMEOUT, BUILD_TIMEOUT = 15.0, 10.0, 600.0
#: the largest input the helper takes (its maxRequest, less the request header)
MAX_INPUT = (1 << 20) - 300
LIBRARY_NAME = "Go crypto/tls"


class GoReplayError(TlskbError):
    """The Go helper failed while replaying (it died twice, missed its deadline, or answered
    out of step): the replay has no answer."""


# -- toolchain and build --------------------------------------------------------------------------

def _go_environment(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO") and k != "CGO_ENABLED"}
    env.update(GOPROXY="off", GOTOOLCHAIN="local", GOFLAGS="-mod=readonly", GO111MODULE="on",
               GOWORK="off", CGO_ENABLED="0", GOTELEMETRY="off", GOCACHE=str(work / "gocache"),
               GOPATH=str(work / "gopath"))
    env.setdefault("HOME", str(work))
    return env


def release_of(version_text: str) -> str:
    """"go version go1.19.8 linux/amd64" -> "go1.19.8"."""
    match = re.search(r"\bgo(\d+)\.(\d+)(?:\.(\d+))?", version_text)
    if not match:
        raise ReplayUnavailable(f"cannot tell the Go release from {version_text!r}; the Go "
                                f"verdicts are for {facts.GO_RELEASE}: {facts.INSTALL}")
    return match.group(0)


def check_release(version_text: str) -> str:
    """The Go release in `version_text` if it is the one the verdicts are for (any go1.19.x
    patch release: none of them touched the server handshake); ReplayUnavailable otherwise."""
    release = release_of(version_text)
    if release != facts.GO_RELEASE and not release.startswith(facts.GO_RELEASE + "."):
        raise ReplayUnavailable(
            f"the Go verdicts are for {facts.GO_RELEASE} (observed on {facts.OBSERVED_ON}), but "
            f"this machine's Go is {release}, whose crypto/tls defaults differ (see "
            f"generator/stacks/go/facts.py LATER_GO); install Debian 12's: {facts.INSTALL}")
    return release


@cache
def toolchain() -> tuple[str, str]:
    """(path of `go`, its release) — checked against facts.GO_RELEASE."""
    go = shutil.which("go")
    if go is None:
        raise ReplayUnavailable(f"replaying against Go needs golang-go: {facts.INSTALL}")
    try:
        done = subprocess.run([go, "version"], capture_output=True, text=True, timeout=60,
                              env=_go_environment(cache_root()))
    except (OSError, subprocess.SubprocessError) as error:
        raise ReplayUnavailable(f"`{go} version` failed ({error}); {facts.INSTALL}") from None
    return go, check_release(done.stdout)


def aes_gcm_hardware() -> bool:
    """Whether Go's hasAESGCMHardwareSupport holds here: AES-NI and PCLMULQDQ (amd64), AES and
    PMULL (arm64); read from /proc/cpuinfo."""
    wanted = {"x86_64": ("aes", "pclmulqdq"), "aarch64": ("aes", "pmull")}.get(platform.machine())
    if wanted is None:
        return False
    try:
        text = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return False
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines()
                  if line.split(":", 1)[0].strip() in ("flags", "Features")), [])
    return all(flag in flags for flag in wanted)


def _sources() -> dict[str, bytes]:
    return {name: resources.files(__package__).joinpath(source).read_bytes()
            for name, source in SOURCES.items()}


def _go_mod() -> bytes:
    # the `go` line sets a program's default GODEBUG from Go 1.21 on; 1.19 has none
    return f"module tlskb.invalid/tlsreplay\n\ngo {facts.GO_RELEASE[2:]}\n".encode()


def helper_binary() -> Path:
    """The helper (replay and live modes), built on first use into the cache (keyed by its
    sources, go.mod and release)."""
    go, release = toolchain()
    sources = _sources()
    digest = hashlib.sha256(b"\0".join((release.encode(), _go_mod(), *(
        name.encode() + b"\0" + text for name, text in sorted(sources.items()))))).hexdigest()
    directory = private_directory(f"go-{digest[:16]}")
    binary = directory / "tlsreplay"
    if binary.is_file():
        return trusted_file(binary)
    source = directory / "src"
    try:
        source.mkdir(mode=0o700, exist_ok=True)
        trusted_file(source)
        for name, text in sources.items():
            (source / name).write_bytes(text)
        (source / "go.mod").write_bytes(_go_mod())
        partial = directory / f"tlsreplay.{os.getpid()}.partial"
        done = subprocess.run([go, "build", "-trimpath", "-o", str(partial), "."], cwd=source,
                              env=_go_environment(directory), capture_output=True, text=True,
                              timeout=BUILD_TIMEOUT)
        if done.returncode != 0:
            raise ReplayUnavailable(f"building the Go replayer with {release} failed: "
                                    f"{done.stderr.strip()[-1500:]}")
        os.replace(partial, binary)
    except (OSError, subprocess.SubprocessError) as error:
        raise ReplayUnavailable(f"cannot build the Go replayer in {directory}: {error}") from None
    return binary


# -- the helper process ---------------------------------------------------------------------------

def _helper_environment() -> dict[str, str]:
    """No GODEBUG (it could turn behaviours back on or off) and no other GO* variable."""
    return {k: v for k, v in os.environ.items() if not k.startswith("GO")} | {
        "GOTRACEBACK": "none"}


class _Helper:
    """One tlsreplay process: started on first use, restarted after it dies or misses a
    deadline. One request at a time (a lock)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.process: subprocess.Popen | None = None
        self.buffer = b""
        self.loaded: set[str] = set()
        self.info: dict = {}

    def _start(self) -> None:
        binary = helper_binary()
        try:
            self.process = subprocess.Popen([str(binary)], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                            env=_helper_environment())
        except OSError as error:
            raise ReplayUnavailable(f"cannot start the Go replayer {binary}: {error}") from None
        self.buffer, self.loaded = b"", set()
        self.info = self._request(b"V", START_TIMEOUT)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        try:
            process.stdin.close()
            process.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()

    def _request(self, payload: bytes, timeout: float) -> dict:
        process = self.process
        process.stdin.write(struct.pack(">I", len(payload)) + payload)
        process.stdin.flush()
        deadline = time.monotonic() + timeout
        descriptor = process.stdout.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no answer within {timeout:.0f} s")
            if select.select([descriptor], [], [], left)[0]:
                chunk = os.read(descriptor, 1 << 16)
                if not chunk:
                    raise EOFError(f"the helper exited (status {process.poll()})")
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        answer = json.loads(line)
        if not isinstance(answer, dict):
            raise ValueError("an answer that is not a JSON object")
        return answer

    def call(self, payload: bytes, key_type: KeyType | None = None) -> dict:
        """One request, (re)starting the helper as needed; one retry after a death, none
        after a missed deadline (a hello that hangs it would hang it again)."""
        with self.lock:
            problem: Exception | None = None
            for _ in range(2):
                try:
                    if self.process is None or self.process.poll() is not None:
                        self.stop()
                        self._start()
                    if key_type is not None and key_type.id not in self.loaded:
                        answer = self._request(_key_request(key_type), START_TIMEOUT)
                        if not answer.get("ok"):
                            raise GoReplayError(f"the Go replayer cannot load the {key_type.id} "
                                                f"certificate: {answer.get('error')}")
                        self.loaded.add(key_type.id)
                    answer = self._request(payload, REQUEST_TIMEOUT)
                    if answer.get("timed_out"):
                        self.stop()
                        raise GoReplayError(f"Go's handshake did not finish: {answer['error']}")
                    return answer
                except (OSError, EOFError, ValueError) as error:
                    problem = error
                    self.stop()
                except TimeoutError as error:
                    self.stop()
                    raise GoReplayError(f"the Go replayer gave no answer: {error}") from None
            raise GoReplayError(f"the Go replayer failed twice: {problem}")


_helper = _Helper()


def close() -> None:
    """Stop the helper (it is started again on the next replay)."""
    with _helper.lock:
        _helper.stop()


@cache
def _key_request(key_type: KeyType) -> bytes:
    from generator.compat.certs import certified_key
    credentials = certified_key(key_type.algorithm, key_type.size, key_type.curve)
    return b"K" + json.dumps({"id": key_type.id, "chain_pem": credentials.chain_pem.decode(),
                              "key_pem": credentials.key_pem.decode()}).encode()


def _handshake_secret(lines) -> bytes | None:
    for line in lines or ():
        parts = str(line).split()
        if len(parts) == 3 and parts[0] == "SERVER_HANDSHAKE_TRAFFIC_SECRET":
            try:
                return bytes.fromhex(parts[2])
            except ValueError:
                return None
    return None


def replay(raw: bytes, key_type: KeyType) -> ReplayOutcome:
    """Hand `raw` (a ClientHello as sent) to Go's server holding a `key_type` certificate and
    read everything it wrote until it waited for the client or failed."""
    if len(raw) > MAX_INPUT:
        raise GoReplayError(f"the input is {len(raw)} bytes; the Go replayer takes at most "
                            f"{MAX_INPUT} (no ClientHello is that large)")
    ident = key_type.id.encode("ascii")
    answer = _helper.call(b"H" + bytes([len(ident)]) + ident + bytes(raw), key_type)
    if not answer.get("ok"):
        raise GoReplayError(f"the Go replayer refused the request: {answer.get('error')}")
    try:
        flight = bytes.fromhex(answer.get("flight") or "")
    except (TypeError, ValueError):
        raise GoReplayError("the Go replayer's answer holds no readable flight") from None
    error = answer.get("error")
    failed = not answer.get("waiting") and error is not None
    return outcome_from_flight(key_type.id, flight, str(error) if failed else None,
                               library_name=LIBRARY_NAME, library_failed=failed,
                               server_handshake_secret=_handshake_secret(answer.get("keylog")))


def check_machine() -> None:
    """The toolchain and CPU the Go verdicts are for (facts.GO_RELEASE, AES-GCM hardware);
    ReplayUnavailable otherwise. The live server (live.py) refuses on the same grounds."""
    toolchain()
    if facts.AES_GCM_HARDWARE and not aes_gcm_hardware():
        raise ReplayUnavailable(
            "the Go verdicts assume a server CPU with AES-GCM hardware (AES-NI and PCLMULQDQ, "
            "or arm64 AES and PMULL), where Go prefers AES-GCM suites; this CPU has none, so "
            "Go would pick ChaCha20 first and the suites would not match the analyzer")


def describe(info: dict) -> str:
    """The helper's 'V' answer, checked against facts.GO_RELEASE, as a library name."""
    check_release(str(info.get("go")))
    return f"{LIBRARY_NAME} {info['go']} ({info.get('goos')}/{info.get('goarch')})"


@cache
def library_version() -> str:
    """"Go crypto/tls go1.19.8 (linux/amd64)", checked against facts.GO_RELEASE."""
    check_machine()
    return describe(_helper.call(b"V"))


@cache
def replayer() -> Replayer:
    library = library_version()
    release = release_of(library)
    label = (f"Go {release[2:]} crypto/tls (this machine's golang-go; zero tls.Config, one "
             "certificate, no session tickets)")
    return Replayer(StackId.GO, library, release[2:], label, replay, is_reference=True,
                    extra={"go": release})
