"""Replay recorded ClientHellos against Java's JSSE (OpenJDK 17's SunJSSE) holding one
certificate of a key type, in one long-lived JVM.

JsseReplay.java (beside this file) is compiled with javac on first use into
$XDG_CACHE_HOME/tlskb/jsse/<hash of source, javac and pins>/ and run once per process; it
answers every replay over stdin/stdout (a length-prefixed request per hello, one JSON line per
answer). Each replay uses a fresh SSLContext and a server-mode SSLEngine fed by unwrap() and
drained by wrap() until it waits for the client's next flight or fails; nothing listens on a
socket. The settings verdicts depend on are pinned (facts.py): a different Java feature
release, or a 17 update that cannot honour the pins, is refused with ReplayUnavailable.

Environment: TLSKB_JAVA / TLSKB_JAVAC name the binaries (default: `java`/`javac` on PATH).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import selectors
import shutil
import struct
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from generator.cachedir import private_directory, trusted_file
from generator.compat.certs import CertifiedKey, certified_key
from generator.compat.keytypes import KeyType
from generator.compat.outcome import ReplayOutcome, outcome_from_flight
from generator.compat.replay import Replayer, ReplayUnavailable
from generator.errors import TlskbError
from generator.stacks import StackId
from generator.stacks.jsse import facts

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "JsseReplay.java"
#: every source compiled together: the replayer, and the live server that reuses it (live.py)
SOURCES = (SOURCE, HERE / "JsseLive.java")
MAIN_CLASS = "JsseReplay"
TIMEOUT = 20.0          # one replay normally takes 1-40 ms; the first ones pay for the JIT
START_TIMEOUT = 60.0
MAX_RESTARTS = 3        # per call: a hello that kills the helper gets an error, not a loop
WINDOW = 16             # requests in flight at once
MAX_HELLO = 1 << 20     # what the helper is sent of one hello
KEY_FACTORY = {"rsa": "RSA", "ecdsa": "EC", "ed25519": "Ed25519"}


class JsseError(TlskbError):
    """The JSSE helper could not answer one replay (timeout, death, bad output)."""


class JsseTimeout(JsseError):
    """The helper did not answer in time; it was killed and is restarted on the next call."""


class JsseDied(JsseError):
    """The helper exited while answering; it is restarted on the next call."""


# --------------------------------------------------------------------------- build
def _tool(name: str) -> str:
    path = os.environ.get(f"TLSKB_{name.upper()}") or shutil.which(name)
    if not path:
        raise ReplayUnavailable(f"replaying against JSSE needs Java {facts.JAVA_FEATURE} "
                                f"(`{name}` not found): {facts.INSTALL}, or set "
                                f"TLSKB_{name.upper()}")
    return path


def _security_file() -> bytes:
    """The pinned security properties in java.security syntax (java.util.Properties)."""
    return "".join(f"{key}={value}\n"
                   for key, value in sorted(facts.SECURITY_PROPERTIES.items())).encode()


@cache
def compiled() -> Path:
    """The directory holding the compiled helper and the pinned security properties, built on
    first use (atomically renamed into place, so concurrent processes agree)."""
    javac = _tool("javac")
    digest = hashlib.sha256(b"\0".join([*(source.name.encode() + b"\0" + source.read_bytes()
                                          for source in SOURCES),
                                        javac.encode(), _security_file()])).hexdigest()[:20]
    root = private_directory("jsse")
    target = root / digest
    if (target / f"{MAIN_CLASS}.class").is_file():
        for path in (target, *target.rglob("*")):  # every class file the JVM may load
            trusted_file(path)
        return target
    work = Path(tempfile.mkdtemp(prefix="build-", dir=root))
    try:
        for source in SOURCES:
            shutil.copyfile(source, work / source.name)
        try:
            result = subprocess.run([javac, "--release", facts.JAVA_FEATURE, "-nowarn", "-d",
                                     str(work / "out"),
                                     *(str(work / source.name) for source in SOURCES)],
                                    capture_output=True, text=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise ReplayUnavailable(f"javac could not build the JSSE helper ({error}); "
                                    f"{facts.INSTALL}") from None
        if result.returncode != 0:
            raise ReplayUnavailable(f"javac could not build the JSSE helper: "
                                    f"{result.stderr.strip()[-1000:]}; {facts.INSTALL}")
        (work / "out" / "security.properties").write_bytes(_security_file())
        try:
            os.rename(work / "out", target)
        except OSError:
            if not (target / f"{MAIN_CLASS}.class").is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def java_command(main_class: str, *args: str, java: str | None = None) -> list[str]:
    """The JVM command line of a helper class: the pinned security properties (a file) and
    system properties, JSSE's log routed to java.util.logging (read in-process)."""
    classes = compiled()
    properties = [f"-D{key}={value}" for key, value in facts.SYSTEM_PROPERTIES.items()]
    return [java or _tool("java"), "-Xss4m", "-XX:+UseSerialGC", "-Xmx512m",
            f"-Djava.security.properties={classes / 'security.properties'}",
            "-Djavax.net.debug=",   # JSSE's log -> java.util.logging, read in-process
            *properties, "-cp", str(classes), main_class, *args]


# --------------------------------------------------------------------------- requests
def _frame(payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + payload


def _key_frame(key_type: KeyType) -> bytes:
    credentials = certified_key(key_type.algorithm, key_type.size, key_type.curve)
    ident = key_type.id.encode()
    return _frame(b"K" + bytes([len(ident)]) + ident
                  + key_payload(KEY_FACTORY[key_type.algorithm], credentials))


def key_payload(key_factory: str, credentials: CertifiedKey) -> bytes:
    """A key and its chain as the helper reads them (JsseReplay.readKey): the KeyFactory
    algorithm ("RSA", "EC", "Ed25519"), the PKCS#8 key, the chain's DER certificates."""
    key_der = credentials.private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    algorithm = key_factory.encode()
    payload = bytearray(bytes([len(algorithm)]) + algorithm)
    payload += struct.pack(">I", len(key_der)) + key_der
    payload += bytes([len(credentials.chain)])
    for certificate in credentials.chain:
        der = certificate.public_bytes(serialization.Encoding.DER)
        payload += struct.pack(">I", len(der)) + der
    return bytes(payload)


def _hello_frame(key_type: KeyType, raw: bytes) -> bytes:
    ident = key_type.id.encode()
    return _frame(b"H" + bytes([len(ident)]) + ident + raw[:MAX_HELLO])


# --------------------------------------------------------------------------- the JVM
class Helper:
    """The JVM and its pipes; `_lock` serialises callers."""

    def __init__(self, java: str | None = None) -> None:
        self.java = java
        self.process: subprocess.Popen | None = None
        self.loaded: set[str] = set()
        self.restarts = 0
        self._lock = threading.Lock()
        self._buffer = bytearray()
        self._stderr = None

    def command(self) -> list[str]:
        return java_command(MAIN_CLASS, java=self.java)

    def start(self) -> None:
        self._stderr = tempfile.TemporaryFile()
        try:
            self.process = subprocess.Popen(self.command(), stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=self._stderr,
                                            bufsize=0)
        except OSError as error:
            raise ReplayUnavailable(f"cannot start java ({error}); {facts.INSTALL}") from None
        os.set_blocking(self.process.stdin.fileno(), False)
        self.loaded = set()
        self._buffer = bytearray()

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        try:
            if process.poll() is None:
                process.kill()          # our own child, by its pid
            process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        for stream in (process.stdin, process.stdout):
            try:
                stream.close()
            except OSError:
                pass

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        try:
            self._stderr.seek(0, os.SEEK_END)
            self._stderr.seek(max(0, self._stderr.tell() - 600))
            return self._stderr.read().decode("utf-8", "replace").strip()
        except OSError:
            return ""

    def _died(self) -> JsseDied:
        code = self.process.poll() if self.process else None
        try:
            code = self.process.wait(timeout=5) if code is None and self.process else code
        except subprocess.TimeoutExpired:
            pass
        return JsseDied(f"the JSSE helper exited (status {code}): {self._stderr_tail()}")

    def _pipeline(self, frames: list[bytes], timeout: float) -> tuple[list[dict], JsseError | None]:
        """Answers for a prefix of `frames` (all, or those before a failure) and the failure."""
        if self.process is None or self.process.poll() is not None:
            self.stop()
            self.start()
        stdin, stdout = self.process.stdin.fileno(), self.process.stdout.fileno()
        answers: list[dict] = []
        next_frame, pending, writing = 0, b"", False
        selector = selectors.DefaultSelector()
        selector.register(stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        try:
            while len(answers) < len(frames):
                if not pending and next_frame < len(frames) and next_frame - len(answers) < WINDOW:
                    pending = frames[next_frame]
                    next_frame += 1
                if pending and not writing:
                    selector.register(stdin, selectors.EVENT_WRITE)
                    writing = True
                elif not pending and writing:
                    selector.unregister(stdin)
                    writing = False
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return answers, JsseTimeout(f"the JSSE helper gave no answer in {timeout:g} s")
                for key, _ in selector.select(remaining):
                    if key.fd == stdin:
                        try:
                            sent = os.write(stdin, pending)
                        except BrokenPipeError:
                            return answers, self._died()
                        except BlockingIOError:
                            sent = 0
                        pending = pending[sent:]
                        continue
                    chunk = os.read(stdout, 1 << 20)
                    if not chunk:
                        return answers, self._died()
                    self._buffer += chunk
                    while b"\n" in self._buffer:
                        line, _, rest = bytes(self._buffer).partition(b"\n")
                        self._buffer = bytearray(rest)
                        try:
                            answers.append(json.loads(line))
                        except ValueError:
                            return answers, JsseDied(f"the JSSE helper wrote a bad line: "
                                                     f"{line[:200]!r}")
                        deadline = time.monotonic() + timeout
            return answers, None
        finally:
            selector.close()

    def run(self, items: list[tuple[bytes, KeyType]], timeout: float = TIMEOUT
            ) -> list[dict | JsseError]:
        """One answer per (hello, key type), pipelined; a hello that hangs or kills the helper
        gets a JsseError in its place and the helper is restarted for the rest."""
        with self._lock:
            results: list[dict | JsseError | None] = [None] * len(items)
            todo = list(range(len(items)))
            restarts = 0
            while todo:
                frames, owners = [], []      # owner: index into items, None for a key frame
                alive = self.process is not None and self.process.poll() is None
                loaded = set(self.loaded) if alive else set()
                for index in todo:
                    raw, key_type = items[index]
                    if key_type.id not in loaded:
                        frames.append(_key_frame(key_type))
                        owners.append(None)
                        loaded.add(key_type.id)
                    frames.append(_hello_frame(key_type, raw))
                    owners.append(index)
                answers, error = self._pipeline(frames, timeout)
                for owner, answer in zip(owners, answers):
                    if owner is not None:
                        results[owner] = answer
                    elif answer.get("ok"):
                        self.loaded.add(answer["key_type"])
                    else:
                        self.stop()
                        raise JsseError(f"the JSSE helper refused the key: {answer.get('error')}")
                if error is None:
                    break
                self.stop()
                restarts += 1
                self.restarts += 1
                failed = owners[len(answers)]
                if failed is not None:
                    results[failed] = error
                if restarts > MAX_RESTARTS:
                    for index in todo:
                        if results[index] is None:
                            results[index] = error
                    break
                todo = [i for i in todo if results[i] is None]
            return results  # type: ignore[return-value]

    def request(self, payload: bytes, timeout: float = START_TIMEOUT) -> dict:
        with self._lock:
            answers, error = self._pipeline([_frame(payload)], timeout)
            if error is not None:
                self.stop()
                raise error
            return answers[0]


# --------------------------------------------------------------------------- version check
@dataclass(frozen=True, slots=True)
class Runtime:
    """The JVM the helper runs on, as it reports itself."""
    runtime_version: str     # "17.0.21.1+2-1-deb12u1-Debian"
    version: str             # "17.0.21.1"
    vm: str                  # "OpenJDK 64-Bit Server VM"
    provider: str            # "SunJSSE 17"


def check_configuration(report: dict) -> Runtime:
    """The runtime, if it is Java 17 and honours every pin; ReplayUnavailable otherwise."""
    if not report.get("ok"):
        raise ReplayUnavailable(f"the JSSE helper could not report its configuration: "
                                f"{report.get('error')}")
    feature = report.get("java_specification_version")
    runtime = Runtime(str(report.get("java.runtime.version")), str(report.get("java.version")),
                      str(report.get("java.vm.name")), str(report.get("provider")))
    if feature != facts.JAVA_FEATURE:
        raise ReplayUnavailable(
            f"replaying against JSSE needs Java {facts.JAVA_FEATURE} (the verdicts are for "
            f"OpenJDK {facts.JAVA_FEATURE}'s SunJSSE), but `java` is Java {feature} "
            f"({runtime.runtime_version}); {facts.INSTALL}, or set TLSKB_JAVA")
    problems = []
    if not report.get("handshake_signature_scope"):
        problems.append("it predates the \"usage HandshakeSignature\" constraint of "
                        "jdk.tls.disabledAlgorithms (JDK-8340321), so SHA-1 handshake "
                        "signatures would stay on")
    for key, value in facts.SECURITY_PROPERTIES.items():
        if (report.get(key) or "") != value:
            problems.append(f"security property {key} is {report.get(key)!r}, not the pinned "
                            "value")
    if tuple(report.get("enabled_cipher_suites", ())) != facts.SERVER_CIPHER_SUITES:
        problems.append("its server enables other cipher suites than the pinned ones: "
                        + ", ".join(report.get("enabled_cipher_suites", ())))
    if tuple(report.get("enabled_protocols", ())) != facts.ENABLED_PROTOCOLS:
        problems.append("its server enables protocols "
                        + ", ".join(report.get("enabled_protocols", ())))
    if problems:
        raise ReplayUnavailable(
            f"the Java {facts.JAVA_FEATURE} runtime {runtime.runtime_version} cannot give the "
            f"pinned JSSE settings (those of {facts.PINNED_UPDATE}): {'; '.join(problems)}; "
            f"update it: apt-get install --only-upgrade openjdk-17-jre-headless")
    return runtime


_HELPER: Helper | None = None


def helper() -> Helper:
    global _HELPER
    if _HELPER is None:
        _HELPER = Helper()
        atexit.register(_HELPER.stop)
    return _HELPER


@cache
def runtime() -> Runtime:
    """The checked runtime of this process's helper (started on first use)."""
    try:
        report = helper().request(b"V")
    except JsseError as error:
        raise ReplayUnavailable(f"the JSSE helper does not start: {error}; "
                                f"{facts.INSTALL}") from None
    return check_configuration(report)


def label() -> str:
    """"OpenJDK 17.0.21.1 JSSE (SunJSSE 17, java.security of 17.0.21.1 pinned)"."""
    found = runtime()
    name = "OpenJDK" if "OpenJDK" in found.vm else "Java"
    return (f"{name} {found.version} JSSE ({found.provider}, java.security of "
            f"{facts.PINNED_UPDATE} pinned)")


# --------------------------------------------------------------------------- replays
def answer_reason(answer: dict) -> str | None:
    """JSSE's own words for a failure, e.g. "no cipher suites in common"."""
    if answer.get("crash_class"):
        return f"{answer['crash_class']}: {answer.get('crash')}"
    return answer.get("error")


#: how the helper's loop may end without the server's whole answer: an error, never an answer
_INCOMPLETE = {"step_limit": "it took more steps than the input allows",
               "overflow": "the server's flight outgrew the helper's buffer"}


def to_outcome(key_type: KeyType, answer: dict) -> ReplayOutcome:
    if not answer.get("ok"):
        raise JsseError(f"the JSSE helper: {answer.get('error')}")
    if answer.get("end") in _INCOMPLETE:
        raise JsseError(f"the JSSE helper stopped before the server's answer was complete: "
                        f"{_INCOMPLETE[answer['end']]}")
    reason = answer_reason(answer)
    return outcome_from_flight(key_type.id, bytes.fromhex(answer["flight"]), reason,
                               library_name="JSSE", library_failed=reason is not None)


def replay_answer(raw: bytes, key_type: KeyType) -> dict:
    """The helper's whole answer (flight, JSSE's error and alert, the handshake signatures it
    made: the TLS 1.3 CertificateVerify's scheme travels encrypted, this is how to see it)."""
    runtime()
    answer = helper().run([(raw, key_type)])[0]
    if isinstance(answer, JsseError):
        raise answer
    return answer


def signed_scheme(answer: dict) -> int | None:
    """The SignatureScheme of the last handshake signature JSSE made in a replay, or None."""
    schemes = [s["scheme"] for s in answer.get("signatures", []) if s.get("scheme", -1) >= 0]
    return schemes[-1] if schemes else None


def replay(raw: bytes, key_type: KeyType) -> ReplayOutcome:
    """Hand `raw` (a ClientHello as sent) to a JSSE server holding a `key_type` certificate."""
    return to_outcome(key_type, replay_answer(raw, key_type))


def replay_many(items: list[tuple[bytes, KeyType]]) -> list[ReplayOutcome | JsseError]:
    """Many replays through the one JVM, pipelined (for benchmarks and sweeps)."""
    runtime()
    return [answer if isinstance(answer, JsseError) else to_outcome(key_type, answer)
            for (_, key_type), answer in zip(items, helper().run(list(items)))]


def replayer() -> Replayer:
    found = runtime()
    return Replayer(StackId.JSSE, f"{found.runtime_version}, {found.provider}", found.version,
                    label(), replay, is_reference=True,
                    extra={"java": found.runtime_version, "pinned_java_security": facts.PINNED_UPDATE})
