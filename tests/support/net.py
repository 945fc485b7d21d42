"""Real peers on 127.0.0.1 for the capture and probe tests: `tlskb capture` as a subprocess,
a relay that records what a client really sent, `openssl s_server` with a chosen key, and a
free port finder. Every wait is bounded."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5) as s:
            # a port in the ephemeral range can "connect" to itself (TCP simultaneous open)
            # while nothing listens; that is not a server
            if s.getsockname() != s.getpeername():
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


@dataclass
class Capture:
    """A running `tlskb capture --json`: its port, output directory and process. Its stdout
    and stderr are drained by threads as it runs (a full pipe would stall it)."""
    process: subprocess.Popen
    port: int
    out_dir: Path
    stdout_lines: list[str] = field(default_factory=list)
    stderr_lines: list[str] = field(default_factory=list)
    _readers: list[threading.Thread] = field(default_factory=list)

    def __post_init__(self) -> None:
        for stream, lines in ((self.process.stdout, self.stdout_lines),
                              (self.process.stderr, self.stderr_lines)):
            reader = threading.Thread(target=lambda s=stream, l=lines: l.extend(iter(s.readline, "")),
                                      daemon=True)
            reader.start()
            self._readers.append(reader)

    def _finish(self, timeout: float) -> tuple[str, str]:
        self.process.wait(timeout)
        for reader in self._readers:
            reader.join(timeout)
        return "".join(self.stdout_lines), "".join(self.stderr_lines)

    def results(self, timeout: float = 20.0) -> list[dict]:
        """Wait for the process to end (it was given --count) and return its JSON lines."""
        stdout, _ = self._finish(timeout)
        return [json.loads(line) for line in stdout.splitlines() if line.strip()]

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def stop(self) -> tuple[str, str]:
        """SIGTERM, as a user's Ctrl-C would: the capture closes and prints its summary."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self._finish(15)


@contextlib.contextmanager
def capture(tmp_path: Path, *args: str, json_lines: bool = True):
    """`tlskb capture --listen 127.0.0.1:0 --json --out DIR ARGS`, once it listens (without
    --json if `json_lines` is false: the text a person at a terminal reads)."""
    out_dir = tmp_path / "captures"
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "capture", "--listen", "127.0.0.1:0",
         *(["--json"] if json_lines else []), "--out", str(out_dir), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        ready, _, _ = select.select([process.stderr], [], [], 20)
        if not ready:
            raise TimeoutError("tlskb capture did not start within 20 s")
        first = process.stderr.readline()
        if "listening on" not in first:
            raise RuntimeError(f"tlskb capture failed to start: {first}{process.stderr.read()}")
        port = int(first.split("listening on ")[1].split(" ")[0].rsplit(":", 1)[1])
        yield Capture(process, port, out_dir, stderr_lines=[first])
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


class LoopbackListener:
    """A TCP listener on a free 127.0.0.1 port that hands each connection to `handle` in its
    own thread, until closed (accepting with a 0.2 s timeout, so closing is prompt)."""

    def __init__(self, backlog: int = 8) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(backlog)
        self.port = self.listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        self.listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                continue
            threading.Thread(target=self.handle, args=(client,), daemon=True).start()

    def handle(self, client: socket.socket) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.listener.close()


class ScriptedServer(LoopbackListener):
    """A server written in the test: `script(client)` runs for each connection in its own
    thread (the socket times out after 10 s), then the connection is closed. Hostile servers
    for `tlskb probe` are these."""

    def __init__(self, script) -> None:
        super().__init__(backlog=64)
        self.script = script
        self.start()

    def handle(self, client: socket.socket) -> None:
        try:
            client.settimeout(10)
            self.script(client)
        except OSError:
            pass  # the probe hung up, as it does once it has its answer
        finally:
            client.close()


@contextlib.contextmanager
def scripted_server(script):
    server = ScriptedServer(script)
    try:
        yield server.port
    finally:
        server.close()


def read_client_hello(client: socket.socket) -> bytes:
    """The ClientHello a probe sent, in TLS records or the SSL 2.0 format."""
    from generator.tls.records import (NeedMoreData, bytes_needed_for_first_flight,
                                       decode_client_hello_at)
    data = b""
    while True:
        if len(data) >= bytes_needed_for_first_flight(data):
            try:
                return data[:decode_client_hello_at(data)[1]]
            except NeedMoreData:
                pass
        chunk = client.recv(65536)
        if not chunk:
            return data
        data += chunk


class Relay(LoopbackListener):
    """A TCP relay on 127.0.0.1 that forwards to `target_port` and records every byte the
    client sent: the independent record of what a client put on the wire."""

    def __init__(self, target_port: int) -> None:
        super().__init__()
        self.target_port = target_port
        self.sent: list[bytearray] = []     # per connection, client -> server
        self.start()

    def handle(self, client: socket.socket) -> None:
        recorded = bytearray()
        self.sent.append(recorded)
        self._pump(client, recorded)

    def _pump(self, client: socket.socket, recorded: bytearray) -> None:
        try:
            server = socket.create_connection(("127.0.0.1", self.target_port), 5)
        except OSError:
            client.close()
            return
        sockets = [client, server]
        deadline = time.monotonic() + 20
        try:
            while time.monotonic() < deadline:
                readable, _, _ = select.select(sockets, [], [], 0.2)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    if sock is client:
                        recorded += data
                        server.sendall(data)
                    else:
                        client.sendall(data)
        except OSError:
            return
        finally:
            client.close()
            server.close()


@contextlib.contextmanager
def relay(target_port: int):
    instance = Relay(target_port)
    try:
        yield instance
    finally:
        instance.close()


class PinnedServer(LoopbackListener):
    """The reference server (the pinned OpenSSL, generator/stacks/openssl/pinned.py) on a
    127.0.0.1 socket: each connection gets a real TLS handshake from the same library and
    configuration the replays use, whatever libssl the machine has."""

    def __init__(self, key_type) -> None:
        from generator.stacks.openssl.pinned import reference_context
        super().__init__(backlog=64)
        self.context = reference_context(key_type)
        self.start()

    def handle(self, client: socket.socket) -> None:
        """One handshake, for at most 5 s (the socket is non-blocking: wait for it to be
        readable whenever OpenSSL wants more)."""
        from OpenSSL import SSL
        client.settimeout(0)
        connection = SSL.Connection(self.context, client)
        connection.set_accept_state()
        deadline = time.monotonic() + 5
        try:
            while time.monotonic() < deadline:
                try:
                    connection.do_handshake()
                    return
                except SSL.WantReadError:
                    select.select([client], [], [], max(0.0, deadline - time.monotonic()))
        except (SSL.Error, OSError):
            pass  # the probe hangs up after the server's first flight, or the client refused
        finally:
            client.close()


@contextlib.contextmanager
def pinned_server(key_type):
    server = PinnedServer(key_type)
    try:
        yield server.port
    finally:
        server.close()


@contextlib.contextmanager
def openssl_server(openssl: str, chain: Path, key: Path, *extra: str):
    """`openssl s_server` on a free 127.0.0.1 port, close to the reference server: every suite
    (`ALL:!aNULL:@SECLEVEL=0`, which also allows TLS 1.0 and 1.1) in the client's order."""
    port = free_port()
    process = subprocess.Popen(
        [openssl, "s_server", "-accept", f"127.0.0.1:{port}", "-cert", str(chain),
         "-key", str(key), "-cipher", "ALL:!aNULL:@SECLEVEL=0", "-quiet", *extra],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def write_credentials(directory: Path, key_type) -> tuple[Path, Path]:
    """The reference server's certificate chain and key for `key_type`, as PEM files."""
    from generator.compat.certs import certified_key
    credentials = certified_key(key_type.algorithm, key_type.size, key_type.curve)
    chain, key = directory / f"{key_type.id}-chain.pem", directory / f"{key_type.id}-key.pem"
    chain.write_bytes(credentials.chain_pem)
    key.write_bytes(credentials.key_pem)
    return chain, key


_POSTFIX_SERVICES = """\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


@contextlib.contextmanager
def postfix_server(postfix: str, chain_pem: bytes, key_pem: bytes, **settings: str):
    """A real Postfix smtpd with STARTTLS on a free 127.0.0.1 port, configured in a temporary
    directory (no chroot, its own queue, logging to a file; `settings` are added to main.cf).
    Needs root, as Postfix does. Yields (port, path of its mail log)."""
    import pwd
    import shutil
    import tempfile
    base = Path(tempfile.mkdtemp(prefix="tlskb-postfix-"))
    base.chmod(0o755)  # Postfix's own processes run as the postfix user
    conf, queue, data = base / "conf", base / "queue", base / "data"
    for directory in (conf, queue, data):
        directory.mkdir()
    shutil.chown(data, user="postfix")
    (conf / "chain.pem").write_bytes(chain_pem)
    (conf / "key.pem").write_bytes(key_pem)
    (conf / "key.pem").chmod(0o600)
    port = free_port()
    (conf / "master.cf").write_text(f"127.0.0.1:{port} inet n - n - - smtpd\n" + _POSTFIX_SERVICES)
    main = {
        "compatibility_level": "3.6", "queue_directory": str(queue),
        "data_directory": str(data), "mail_owner": "postfix", "setgid_group": "postdrop",
        "myhostname": "mx.tlskb.test", "mydestination": "", "inet_interfaces": "127.0.0.1",
        "inet_protocols": "ipv4", "mynetworks": "127.0.0.0/8",
        "smtpd_tls_cert_file": str(conf / "chain.pem"),
        "smtpd_tls_key_file": str(conf / "key.pem"), "smtpd_tls_security_level": "may",
        "smtpd_tls_loglevel": "1", "maillog_file_prefixes": str(base),
        "maillog_file": str(base / "maillog"), **settings}
    (conf / "main.cf").write_text("".join(f"{name} = {value}\n" for name, value in main.items()))
    pwd.getpwnam("postfix")  # KeyError: the package did not create its user
    started = subprocess.run([postfix, "-c", str(conf), "start"], capture_output=True,
                             text=True, timeout=60)
    try:
        if started.returncode != 0:
            log = (base / "maillog").read_text() if (base / "maillog").exists() else ""
            raise RuntimeError(f"postfix did not start: {started.stderr}{log}")
        wait_for_port(port, 30)
        yield port, base / "maillog"
    finally:
        subprocess.run([postfix, "-c", str(conf), "stop"], capture_output=True, timeout=60)
        deadline = time.monotonic() + 15
        while (data / "master.lock").exists() and time.monotonic() < deadline:
            # the lock file stays; the master's pid in it goes away when it exits
            pid = (data / "master.lock").read_text().strip()
            if not pid.isdigit() or not Path(f"/proc/{pid}").exists():
                break
            time.sleep(0.1)
        shutil.rmtree(base, ignore_errors=True)
