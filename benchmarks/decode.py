"""Decoder speed, side by side with peers, in one run.

1. ClientHellos per second on the test corpus (18 TLS-format hellos, 517 bytes at most):
   tlskb (typed decode of every extension; and decode plus the named JSON view) against
   tlslite-ng's ClientHello parser and scapy's TLS layer (which also names codepoints).
2. Whole process on a capture of N connections (default 5000; a SYN, both hellos, ACKs and a
   FIN each): `tlskb decode --json` against `tshark -T json -Y tls.handshake.type==1`.

    python benchmarks/decode.py [--connections 5000] [--seconds 2]

Peers: pip install '.[bench]' (tlslite-ng, scapy) and Debian's tshark. A peer that is not
installed is reported as such, not skipped silently.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from generator.ingest.packets import ethernet_ipv4_tcp  # noqa: E402
from generator.ingest.pcap import write_pcap  # noqa: E402
from generator.tls import decode_client_hello  # noqa: E402
from generator.tls.jsonview import wire_client_hello_json  # noqa: E402
from support.corpus import load_corpus  # noqa: E402

SERVER_HELLO = bytes.fromhex(
    "160303003102000031030300000000000000000000000000000000000000000000000000000000000000"
    "0000c02f000009ff0100010000170000")


def rate(function: Callable[[bytes], object], inputs: list[bytes], seconds: float) -> float:
    """Best of 5 rounds of hellos/second, each round at least seconds/5 long."""
    best = 0.0
    for _ in range(5):
        count, start = 0, time.perf_counter()
        deadline = start + seconds / 5
        while time.perf_counter() < deadline:
            for data in inputs:
                function(data)
            count += len(inputs)
        best = max(best, count / (time.perf_counter() - start))
    return best


def peers() -> dict[str, Callable[[bytes], object] | str]:
    found: dict[str, Callable[[bytes], object] | str] = {}
    try:
        from tlslite.messages import ClientHello as TlsliteHello
        from tlslite.utils.codec import Parser

        def tlslite(record: bytes) -> object:
            return TlsliteHello().parse(Parser(bytearray(record[6:])))  # after type byte
        found["tlslite-ng ClientHello.parse"] = tlslite
    except ImportError:
        found["tlslite-ng ClientHello.parse"] = "not installed (pip install tlslite-ng)"
    try:
        from scapy.config import conf
        conf.verb = 0
        from scapy.layers.tls.record import TLS

        def scapy(record: bytes) -> object:
            return TLS(record)
        found["scapy TLS()"] = scapy
    except ImportError:
        found["scapy TLS()"] = "not installed (pip install scapy)"
    return found


def capture(connections: int, path: Path) -> None:
    hellos = [s.data for s in load_corpus() if s.data[0] == 0x16]
    frames: list[tuple[float, bytes]] = []
    when = 1_700_000_000.0
    for i in range(connections):
        hello = hellos[i % len(hellos)]
        client, server = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}", "192.0.2.1"
        sport = 1024 + i % 60000
        cut = len(hello) // 2
        packets = [
            ethernet_ipv4_tcp(client, server, sport, 443, 1000, b"", flags=0x02),
            ethernet_ipv4_tcp(server, client, 443, sport, 9000, b"", flags=0x12, ack=1001),
            ethernet_ipv4_tcp(client, server, sport, 443, 1001, b"", flags=0x10, ack=9001),
            ethernet_ipv4_tcp(client, server, sport, 443, 1001, hello[:cut], ack=9001),
            ethernet_ipv4_tcp(client, server, sport, 443, 1001 + cut, hello[cut:], ack=9001),
            ethernet_ipv4_tcp(server, client, 443, sport, 9001, SERVER_HELLO, ack=1001 + len(hello)),
            ethernet_ipv4_tcp(client, server, sport, 443, 1001 + len(hello), b"", flags=0x11,
                              ack=9001 + len(SERVER_HELLO)),
        ]
        for packet in packets:
            frames.append((when, packet))
            when += 0.0001
    path.write_bytes(write_pcap(frames))


def timed(command: list[str], runs: int = 3) -> tuple[float, str]:
    times, output = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            raise SystemExit(f"{command[0]} failed: {result.stderr.strip()[:300]}")
        output = result.stdout
    return statistics.median(times), output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()

    corpus = [s.data for s in load_corpus() if s.data[0] == 0x16]
    print(f"1. ClientHellos per second, {len(corpus)} corpus hellos of "
          f"{min(map(len, corpus))}-{max(map(len, corpus))} bytes (Python "
          f"{sys.version.split()[0]})")
    rows = [("tlskb decode_client_hello (typed, every extension)",
             rate(decode_client_hello, corpus, args.seconds)),
            ("tlskb decode + named JSON view",
             rate(lambda d: wire_client_hello_json(decode_client_hello(d)), corpus, args.seconds))]
    for name, peer in peers().items():
        rows.append((name, peer if isinstance(peer, str) else rate(peer, corpus, args.seconds)))
    for name, value in rows:
        shown = f"{value:>10,.0f} /s" if isinstance(value, float) else value
        print(f"   {name:<52} {shown}")

    tshark = shutil.which("tshark")
    with tempfile.TemporaryDirectory() as work:
        pcap = Path(work) / "connections.pcap"
        capture(args.connections, pcap)
        size = pcap.stat().st_size
        print(f"\n2. Whole process on a pcap of {args.connections} connections "
              f"({7 * args.connections} packets, {size / 1e6:.1f} MB), median of 3 runs")
        ours, out = timed([sys.executable, "-m", "generator", "decode", "--json", str(pcap)])
        count = out.count('"client_hello"')
        print(f"   {'tlskb decode --json':<52} {ours:>8.2f} s  ({count} hellos)")
        if tshark:
            theirs, out = timed([tshark, "-r", str(pcap), "-n", "-T", "json", "-Y",
                                 "tls.handshake.type == 1"])
            count = out.count('"tls.handshake.type": "1"')
            print(f"   {'tshark -T json -Y tls.handshake.type==1':<52} {theirs:>8.2f} s  "
                  f"({count} hellos)")
            print(f"   tlskb / tshark: {ours / theirs:.2f}x the time")
        else:
            print("   tshark: not installed (apt-get install tshark)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
