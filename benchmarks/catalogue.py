"""Time to re-record and re-prove the whole client catalogue (issue 12's target: under 15
minutes on a 2-core machine), and, side by side in the same run, the cost of one end-to-end
handshake on tlskb's live servers against a peer server written in C (`openssl s_server`,
this machine's OpenSSL), with the same real clients.

    python benchmarks/catalogue.py [--jobs 2] [--only PATTERN] [--peer-runs 20] [--no-catalogue]

The catalogue run is tools/record_client_hellos.py itself, writing into a temporary folder
(the catalogue is left as it is); its phases are printed as they end.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.compat.certs import live_certified_key, live_trust_pem  # noqa: E402
from generator.compat.clients import recorded_clients  # noqa: E402
from generator.compat.keytypes import catalogue  # noqa: E402
from generator.net.clientrun import prepare_kit, run_client  # noqa: E402
from generator.stacks import StackId  # noqa: E402

PEER_CLIENTS = ("openssl-3.0-default", "curl-7.88", "gnutls-cli-3.7", "python-3.11-ssl")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def peer_comparison(runs: int) -> None:
    """Per-run seconds of real clients against tlskb's live OpenSSL server and against
    `openssl s_server`, same chain (P-256), same trust."""
    from generator.net.endtoend import LiveServers
    clients = {c.id: c for c in recorded_clients()}
    key = live_certified_key("ecdsa", None, "secp256r1")
    key_type = catalogue().key_type("ec256")
    with tempfile.TemporaryDirectory() as work, LiveServers([StackId.OPENSSL]) as servers:
        root = Path(work)
        kit = prepare_kit(root, live_trust_pem(), root / "cache")
        (root / "chain.pem").write_bytes(key.chain_pem)
        (root / "key.pem").write_bytes(key.key_pem)
        print(f"{'client':<22} {'tlskb live OpenSSL':>20} {'openssl s_server':>18}  (median s/run, "
              f"{runs} runs)")
        for client_id in PEER_CLIENTS:
            client = clients[client_id]
            ours = []
            for _ in range(runs):
                started = time.perf_counter()
                servers.run(StackId.OPENSSL, key_type, client, kit)
                ours.append(time.perf_counter() - started)
            port = _free_port()
            server = subprocess.Popen(["openssl", "s_server", "-accept", f"127.0.0.1:{port}",
                                       "-cert", root / "chain.pem", "-key", root / "key.pem",
                                       "-www", "-no_ticket"], stdin=subprocess.PIPE,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                time.sleep(0.5)
                theirs = []
                for _ in range(runs):
                    started = time.perf_counter()
                    run_client(client.definition, kit, port)
                    theirs.append(time.perf_counter() - started)
            finally:
                server.kill()
                server.wait(10)
            print(f"{client_id:<22} {statistics.median(ours):>20.3f} "
                  f"{statistics.median(theirs):>18.3f}")


def whole_catalogue(jobs: int, only: list[str]) -> None:
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, str(ROOT / "tools" / "record_client_hellos.py"),
                   "--jobs", str(jobs), "--out", out]
        for pattern in only:
            command += ["--only", pattern]
        started = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True)
        elapsed = time.monotonic() - started
        lines = done.stdout.strip().splitlines()
        print(lines[-1] if lines else done.stderr.strip()[-500:])
        print(f"whole catalogue: {elapsed:.0f} s wall ({elapsed / 60:.1f} min) with --jobs {jobs}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--peer-runs", type=int, default=20)
    parser.add_argument("--no-catalogue", action="store_true")
    args = parser.parse_args()
    peer_comparison(args.peer_runs)
    if not args.no_catalogue:
        whole_catalogue(args.jobs, args.only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
