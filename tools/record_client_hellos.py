"""Re-record the client catalogue (generator/compat/data/clients/*.yaml) from the real client
programs on this machine, and prove each one end to end against every server stack.

For every client file with `source: binary` whose programs are installed:
  1. its ClientHello: the client runs against `tlskb capture` on 127.0.0.1 (speaking its
     protocol up to STARTTLS), which keeps the hello and answers handshake_failure;
  2. its version (version_command), its packages' exact versions, today's date;
  3. unless --no-prove: the real client against each stack's live server × each key type,
     trusting the test CA (net/endtoend.py), and how each handshake ended.
The file is rewritten with what was observed; a hello whose configuration changed (beyond
randomness, key shares, session ids, SNI, padding, GREASE and extension order) is reported.

    python tools/record_client_hellos.py                  # everything installed (root not needed)
    python tools/record_client_hellos.py --only curl-7.88 --only 'openssl-*'
    python tools/record_client_hellos.py --no-prove --jobs 2
    python tools/record_client_hellos.py --list            # what would run, and what is missing

Exit status 0 when every selected client was recorded, 1 when some could not be, 2 on usage.
"""

from __future__ import annotations

import argparse
import datetime
import fnmatch
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.cachedir import private_directory  # noqa: E402
from generator.compat.certs import live_trust_pem  # noqa: E402
from generator.compat.clientfile import client_text  # noqa: E402
from generator.compat.clients import CLIENTS_DIR, RecordedClient, all_clients  # noqa: E402
from generator.errors import TlskbError  # noqa: E402
from generator.net.clientrun import (Kit, missing_packages, package_versions,  # noqa: E402
                                     prepare_kit, version_of)
from generator.net.recorder import changed_fields, record_hello  # noqa: E402


def missing_programs(client: RecordedClient) -> list[str]:
    """The client's Debian packages that are not installed, and the programs its command and
    setup name that are not on PATH."""
    definition = client.definition
    first_words = [definition.command[0], *(step[0] for step in definition.setup)]
    return [*missing_packages(definition),
            *(word for word in first_words
              if not word.startswith("{") and shutil.which(word) is None)]


def selected(patterns: list[str]) -> list[RecordedClient]:
    clients = [c for c in all_clients() if c.definition is not None]
    if patterns:
        clients = [c for c in clients if any(fnmatch.fnmatchcase(c.id, p) for p in patterns)]
    return clients


def _raw_data(client: RecordedClient) -> dict:
    import yaml
    data = yaml.safe_load((CLIENTS_DIR / f"{client.id}.yaml").read_text(encoding="utf-8"))
    data.pop("hex", None)
    return data


def record_one(client: RecordedClient, kit: Kit, today: str) -> tuple[str, dict | None]:
    """Record one client's hello and version: (report line, the file's data or None)."""
    started = time.monotonic()
    try:
        recording = record_hello(client, kit)
        if recording.hello is None:
            return (f"{client.id}: no hello ({recording.problem}; the client said: "
                    f"{recording.finished.said})", None)
        version, version_text = version_of(client.definition, kit)
    except TlskbError as error:
        return f"{client.id}: {error}", None
    data = _raw_data(client)
    data.update(version=version, version_text=version_text,
                package_versions=list(package_versions(client.definition)),
                recorded=today, provenance=(
                    "Recorded by tools/record_client_hellos.py: the client ran on Debian 12 "
                    "against tlskb capture on 127.0.0.1, which kept its first flight."))
    data["hex"] = recording.hello
    changes = changed_fields(client.raw, recording.hello) if client.raw else ("new",)
    note = f"changed: {', '.join(changes)}" if changes else "same configuration"
    return (f"{client.id}: {len(recording.hello)} bytes, {version}, {note} "
            f"({time.monotonic() - started:.1f} s)"), data


def prove_one(client: RecordedClient, data: dict, kit: Kit, today: str) -> str:
    """Run the client end to end on every stack and key type; keep the results in `data`."""
    from generator.net.endtoend import prove_client
    started = time.monotonic()
    try:
        data["end_to_end"] = prove_client(client, kit, today)
    except TlskbError as error:
        return f"{client.id}: not proven end to end: {error}"
    results = [run["result"] for by_key in data["end_to_end"]["results"].values()
               for run in by_key.values()]
    return (f"{client.id}: end to end {results.count('completed')}/{len(results)} completed "
            f"({time.monotonic() - started:.1f} s)")


def write(client: RecordedClient, data: dict, directory: Path) -> None:
    hello = data.pop("hex")
    (directory / f"{client.id}.yaml").write_text(client_text(data, hello), encoding="utf-8")


class LoopbackCapture:
    """tcpdump on the loopback interface while the hellos are recorded (--pcap), so the tests
    have a real capture of every client whose hellos must equal the recorded hex."""

    def __init__(self, path: Path) -> None:
        import subprocess
        if shutil.which("tcpdump") is None:
            raise SystemExit("--pcap needs tcpdump (apt-get install tcpdump) and root")
        self.process = subprocess.Popen(["tcpdump", "-i", "lo", "-s", "0", "-U", "-w",
                                         str(path), "tcp and host 127.0.0.1"],
                                        stderr=subprocess.DEVNULL)
        time.sleep(1.5)

    def stop(self) -> None:
        time.sleep(1)
        self.process.terminate()
        self.process.wait(10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[], metavar="ID",
                        help="client ids or shell patterns (repeatable)")
    parser.add_argument("--jobs", type=int, default=2, help="clients recorded at once")
    parser.add_argument("--no-prove", action="store_true", help="record hellos only")
    parser.add_argument("--list", action="store_true", help="list and exit")
    parser.add_argument("--out", type=Path, default=CLIENTS_DIR, metavar="DIR",
                        help="write the client files there (default: the catalogue itself)")
    parser.add_argument("--pcap", type=Path, metavar="FILE",
                        help="also capture the loopback traffic of the recordings with tcpdump "
                             "(root) into FILE: tests/data/captures/loopback-clients.pcap")
    args = parser.parse_args(argv)
    clients = selected(args.only)
    if not clients:
        print("no binary client matches", file=sys.stderr)
        return 2
    runnable = []
    for client in clients:
        missing = missing_programs(client)
        if missing:
            packages = " ".join(client.definition.debian) or "(see its package field)"
            print(f"  {client.id}: {', '.join(missing)} not installed, skipped "
                  f"(apt-get install {packages})")
        else:
            runnable.append(client)
    if args.list:
        for client in runnable:
            shown = ' '.join(client.definition.command).replace('\n', ' ')[:80]
            print(f"  {client.id}: {client.protocol.value}, {shown}")
        return 0
    today = datetime.date.today().isoformat()
    started = time.monotonic()
    recorded: list[tuple[RecordedClient, dict]] = []
    with tempfile.TemporaryDirectory(prefix="tlskb-record-") as work:
        kit = prepare_kit(Path(work), live_trust_pem(), private_directory("clients"))
        dump = LoopbackCapture(args.pcap) if args.pcap else None
        try:
            with ThreadPoolExecutor(max(1, args.jobs)) as pool:
                for client, (line, data) in zip(runnable, pool.map(
                        lambda c: record_one(c, kit, today), runnable)):
                    print(f"  {line}", flush=True)
                    if data is not None:
                        recorded.append((client, data))
        finally:
            if dump is not None:
                dump.stop()
        hellos_done = time.monotonic() - started
        if not args.no_prove and recorded:
            from generator.net.endtoend import close_shared_servers
            try:
                with ThreadPoolExecutor(max(1, args.jobs)) as pool:
                    for line in pool.map(lambda item: prove_one(*item, kit, today), recorded):
                        print(f"  {line}", flush=True)
            finally:
                close_shared_servers()
        for client, data in recorded:
            write(client, data, args.out)
    failures = len(runnable) - len(recorded)
    print(f"{len(recorded)} of {len(runnable)} clients recorded in {hellos_done:.0f} s"
          + ("" if args.no_prove else
             f", proven end to end in {time.monotonic() - started - hellos_done:.0f} s")
          + f" ({len(clients) - len(runnable)} not installed)")
    return 1 if failures or len(runnable) < len(clients) else 0


if __name__ == "__main__":
    sys.exit(main())
