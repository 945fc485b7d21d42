"""Go crypto/tls replay speed: first flights per second per key type on the test corpus, for
the Go stack (its helper process: pipe round trip, Go's handshake, the Python decode with the
TLS 1.3 records opened) side by side with the pinned OpenSSL, in the same run; and the Go
analyzer's verdicts per second.

    python benchmarks/replay_go.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from generator.compat.keytypes import catalogue  # noqa: E402
from generator.stacks import StackId, analyzer, replayer  # noqa: E402
from generator.tls import decode_client_hello  # noqa: E402
from support.corpus import load_corpus  # noqa: E402


def per_second(work, items, seconds: float) -> float:
    best = 0.0
    for _ in range(3):
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / 3:
            for item in items:
                work(item)
            count += len(items)
        best = max(best, count / (time.perf_counter() - start))
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    seconds = parser.parse_args().seconds
    samples = [s.data for s in load_corpus()]
    hellos = [decode_client_hello(data).hello for data in samples]
    go, openssl = replayer(StackId.GO), replayer(StackId.OPENSSL)
    print(f"{go.label}\nvs {openssl.label}\n{len(samples)} corpus hellos, best of 3\n")
    print(f"{'key type':10} {'Go replays/s':>14} {'OpenSSL replays/s':>18} {'Go analyzer/s':>14}")
    analyze = analyzer(StackId.GO)
    for key_type in catalogue().key_types:
        go_rate = per_second(lambda raw: go.replay(raw, key_type), samples, seconds)
        openssl_rate = per_second(lambda raw: openssl.replay(raw, key_type), samples, seconds)
        verdicts = per_second(lambda hello: analyze(hello, key_type), hellos, seconds / 2)
        print(f"{key_type.id:10} {go_rate:14.0f} {openssl_rate:18.0f} {verdicts:14.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
