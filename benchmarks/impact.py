"""`tlskb impact` on a capture of N connections, side by side with tshark extracting the same
ClientHello fields from the same file, in one run.

The capture (tests/support/traffic.py, written to a temporary directory, never committed):
every connection a SYN, a SYN-ACK and a ClientHello of one of the recorded clients with a
fresh random, one in three split over two segments, one in seven after an SMTP STARTTLS
dialogue (both sides, so tshark's SMTP dissector follows it).

    python benchmarks/impact.py [--connections 1000000] [--jobs N]

Reported per command: wall seconds, connections per second, and the peak resident memory of
the whole process tree (the parent and its workers together, sampled every 50 ms from /proc).
The peer is Debian's tshark: `tshark -r FILE -Y tls.handshake.type==1 -T fields -e ip.src
-e tls.handshake.extensions_server_name -e tls.handshake.ciphersuite -e
tls.handshake.extensions_supported_group -e tls.handshake.sig_hash_alg -e tls.handshake.ja3`
(tshark 4.0 has no JA4 field) — the fields impact groups and judges by, without any verdict.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from support.corpus import load_corpus  # noqa: E402
from support.traffic import write_capture  # noqa: E402

TSHARK_FIELDS = ("ip.src", "tls.handshake.extensions_server_name", "tls.handshake.ciphersuite",
                 "tls.handshake.extensions_supported_group", "tls.handshake.sig_hash_alg",
                 "tls.handshake.ja3")


def _tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and every descendant, from /proc."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
        stack.extend(int(child) for child in children)
    return total


def measure(command: list[str]) -> tuple[float, int, bytes]:
    """(wall seconds, peak tree RSS in bytes, stdout)."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL)
        peak = 0
        while process.poll() is None:
            peak = max(peak, _tree_rss(process.pid))
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
        if process.returncode not in (0, 4):
            raise SystemExit(f"{command[0]} exited {process.returncode}")
        out.seek(0)
        return elapsed, peak, out.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=200_000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    hellos = [s.data for s in load_corpus() if s.data[0] == 0x16]
    tlskb = shutil.which("tlskb", path=str(Path(sys.executable).parent)) or "tlskb"
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "traffic.pcap"
        started = time.perf_counter()
        written = write_capture(path, hellos, args.connections)
        print(f"capture: {written.connections:,} connections, {written.packets:,} packets, "
              f"{path.stat().st_size / 1e6:,.0f} MB (written in "
              f"{time.perf_counter() - started:.1f} s)")
        rows = []
        for jobs in sorted({args.jobs, 1}, reverse=True):
            seconds, rss, out = measure([tlskb, "impact", "--json", "--jobs", str(jobs),
                                         str(path)])
            counted = json.loads(out)["connections"]
            rows.append((f"tlskb impact --jobs {jobs}", seconds, rss, counted))
        tshark = shutil.which("tshark")
        if tshark:
            command = [tshark, "-r", str(path), "-Y", "tls.handshake.type == 1", "-T", "fields"]
            for field in TSHARK_FIELDS:
                command += ["-e", field]
            seconds, rss, out = measure(command)
            rows.append(("tshark -T fields (same hello fields)", seconds, rss,
                         len(out.splitlines())))
        else:
            rows.append(("tshark: not installed (apt-get install tshark)", 0.0, 0, 0))
    print(f"{'':40} {'seconds':>8} {'conn/s':>9} {'peak RSS':>9} {'hellos':>9}")
    for name, seconds, rss, counted in rows:
        rate = f"{counted / seconds:,.0f}" if seconds else "-"
        print(f"{name:40} {seconds:8.1f} {rate:>9} {rss / 2**20:8.0f}M {counted:9,}")


if __name__ == "__main__":
    main()
