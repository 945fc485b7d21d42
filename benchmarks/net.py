"""Capture and probe on loopback.

    python benchmarks/net.py [--connections 3000] [--concurrency 50]

capture: connections per second `tlskb capture` sustains (each: read the ClientHello, decode it,
eight key-type verdicts, write its file and a JSON line, answer with an alert), next to a bare
asyncio listener that only reads the first record and answers the same alert — the floor for
any Python listener, so the difference is tlskb's own work.

probe: wall time of `tlskb probe` sending every recorded ClientHello to a local `openssl
s_server` (P-384), next to the manual way: one `openssl s_client` per recorded client.
"""

from __future__ import annotations

import argparse
import asyncio
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

from generator.compat.clients import recorded_clients  # noqa: E402
from generator.compat.keytypes import catalogue  # noqa: E402
from generator.net.samples import knowledge_base_samples  # noqa: E402
from support.net import capture, openssl_server, write_credentials  # noqa: E402

HELLO = next(c for c in recorded_clients() if c.id == "openssl-3.0-default").raw
ALERT = b"\x15" + HELLO[1:3] + b"\x00\x02\x02\x28"

BARE_LISTENER = r'''
import asyncio, sys
ALERT = bytes.fromhex(sys.argv[1])
async def handle(reader, writer):
    try:
        header = await reader.readexactly(5)
        await reader.readexactly(int.from_bytes(header[3:5], "big"))
        writer.write(ALERT)
        await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    writer.close()
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()
asyncio.run(main())
'''


async def hammer(port: int, connections: int, concurrency: int) -> float:
    """Connections per second: each sends the hello and reads the 7-byte alert."""
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(HELLO)
            await writer.drain()
            answer = await asyncio.wait_for(reader.readexactly(7), 30)
            writer.close()
            if answer != ALERT:
                raise RuntimeError(f"unexpected answer {answer.hex()}")

    start = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(connections)))
    return connections / (time.perf_counter() - start)


def capture_rates(connections: int, concurrency: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="tlskb-bench-net-"))
    try:
        # every connection comes from 127.0.0.1, and a client reads its alert before the
        # capture has freed its slot: lift the per-peer limit, which is about fairness
        with capture(work, "--quiet", "--max-per-peer", str(4 * concurrency + 512)) as running:
            asyncio.run(hammer(running.port, 200, concurrency))  # warm up
            ours = asyncio.run(hammer(running.port, connections, concurrency))
            rss = running.rss_kib()
            running.stop()
        bare = subprocess.Popen([sys.executable, "-c", BARE_LISTENER, ALERT.hex()],
                                stdout=subprocess.PIPE, text=True)
        try:
            port = int(bare.stdout.readline())
            asyncio.run(hammer(port, 200, concurrency))
            floor = asyncio.run(hammer(port, connections, concurrency))
        finally:
            bare.terminate()
            bare.wait(10)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"capture, {connections} connections, {concurrency} at a time:")
    print(f"  tlskb capture (decode, 8 verdicts, file, JSON)  {ours:>8,.0f} connections/s"
          f"   (RSS afterwards {rss / 1024:.0f} MiB)")
    print(f"  bare asyncio listener (read, alert)            {floor:>8,.0f} connections/s")


def probe_times() -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        print("probe: skipped, openssl not installed")
        return
    samples, _ = knowledge_base_samples(ROOT / "cases")
    key_type = catalogue().key_type("ec384")
    work = Path(tempfile.mkdtemp(prefix="tlskb-bench-probe-"))
    try:
        chain, key = write_credentials(work, key_type)
        with openssl_server(openssl, chain, key) as port:
            print(f"probe, {len(samples)} recorded ClientHellos against openssl s_server (P-384):")
            for concurrency in (8, 1):
                start = time.perf_counter()
                subprocess.run([sys.executable, "-m", "generator", "probe",
                                f"127.0.0.1:{port}", "--concurrency", str(concurrency)],
                               cwd=ROOT, capture_output=True, check=False, timeout=300)
                print(f"  tlskb probe --concurrency {concurrency}                 "
                      f"{time.perf_counter() - start:6.2f} s (whole process)")
            start = time.perf_counter()
            for _ in samples:
                subprocess.run([openssl, "s_client", "-connect", f"127.0.0.1:{port}"],
                               input=b"Q\n", capture_output=True, timeout=30)
            print(f"  {len(samples)} x openssl s_client, one after another   "
                  f"{time.perf_counter() - start:6.2f} s (and only one ClientHello: OpenSSL's)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; client and server share them")
    capture_rates(args.connections, args.concurrency)
    probe_times()
    return 0


if __name__ == "__main__":
    sys.exit(main())
