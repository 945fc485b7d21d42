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
from generator.net.clientrun import (Kit, package_versions, prepare_kit,  # noqa: E402
                                     version_of)
from generator.net.recorder import changed_fields, record_hello  # noqa: E402


def missing_programs(client: RecordedClient) -> list[str]:
    """The programs the client's command and setup name that are not on PATH."""
    definition = client.definition
    first_words = [definition.command[0], *(step[0] for step in definition.setup)]
    return [word for word in first_words
            if not word.startswith("{") and shutil.which(word) is None]


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


def record_one(client: RecordedClient, kit: Kit, today: str, prove: bool) -> tuple[str, bool]:
    """Record (and prove) one client, rewrite its file; (report line, success)."""
    started = time.monotonic()
    try:
        recording = record_hello(client, kit)
        if recording.hello is None:
            return (f"{client.id}: no hello ({recording.problem}; the client said: "
                    f"{recording.finished.said})", False)
        version, version_text = version_of(client.definition, kit)
        data = _raw_data(client)
        data.update(version=version, version_text=version_text,
                    package_versions=list(package_versions(client.definition)),
                    recorded=today, provenance=(
                        "Recorded by tools/record_client_hellos.py: the client ran on Debian 12 "
                        "against tlskb capture on 127.0.0.1, which kept its first flight."))
        changes = changed_fields(client.raw, recording.hello) if client.raw else ("new",)
        if prove:
            from generator.net.endtoend import prove_client
            data["end_to_end"] = prove_client(client, kit, today)
        (CLIENTS_DIR / f"{client.id}.yaml").write_text(client_text(data, recording.hello),
                                                       encoding="utf-8")
    except TlskbError as error:
        return f"{client.id}: {error}", False
    note = f"changed: {', '.join(changes)}" if changes else "same configuration"
    return (f"{client.id}: {len(recording.hello)} bytes, {version}, {note} "
            f"({time.monotonic() - started:.1f} s)"), True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[], metavar="ID",
                        help="client ids or shell patterns (repeatable)")
    parser.add_argument("--jobs", type=int, default=2, help="clients recorded at once")
    parser.add_argument("--no-prove", action="store_true", help="record hellos only")
    parser.add_argument("--list", action="store_true", help="list and exit")
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
            print(f"  {client.id}: {client.protocol.value}, {' '.join(client.definition.command)[:80]}")
        return 0
    today = datetime.date.today().isoformat()
    started = time.monotonic()
    failures = 0
    with tempfile.TemporaryDirectory(prefix="tlskb-record-") as work:
        kit = prepare_kit(Path(work), live_trust_pem(), private_directory("clients"))
        try:
            with ThreadPoolExecutor(max(1, args.jobs)) as pool:
                for line, ok in pool.map(lambda c: record_one(c, kit, today, not args.no_prove),
                                         runnable):
                    print(f"  {line}", flush=True)
                    failures += not ok
        finally:
            if not args.no_prove:
                from generator.net.endtoend import close_shared_servers
                close_shared_servers()
    print(f"{len(runnable) - failures} of {len(runnable)} clients recorded in "
          f"{time.monotonic() - started:.0f} s ({len(clients) - len(runnable)} not installed)")
    return 1 if failures or len(runnable) < len(clients) else 0


if __name__ == "__main__":
    sys.exit(main())
