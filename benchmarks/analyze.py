"""Analyzer and replayer speed: verdicts per second (pure analyzer) and replays per second per
key type (OpenSSL doing the real handshake work), on the test corpus — for the reference
server (the pinned OpenSSL through pyOpenSSL) side by side with this machine's libssl through
Python's ssl module (the replayer tlskb used before the pin, and `--openssl system` now).

    python benchmarks/analyze.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from generator.compat.analyzer import analyze  # noqa: E402
from generator.compat.keytypes import catalogue  # noqa: E402
from generator.stacks.openssl import pinned, system  # noqa: E402
from generator.stacks.openssl.replay import OpenSSLBuild, replayer  # noqa: E402
from generator.tls import decode_client_hello  # noqa: E402
from support.corpus import load_corpus  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from rates import per_second  # noqa: E402




def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    samples = [s.data for s in load_corpus()]
    hellos = [decode_client_hello(d).hello for d in samples]
    key_types = catalogue().key_types
    pairs = [(h, k) for h in hellos for k in key_types]
    reference, local = replayer(OpenSSLBuild.PINNED), replayer(OpenSSLBuild.SYSTEM)
    print(f"{len(samples)} corpus hellos × {len(key_types)} key types; Python "
          f"{sys.version.split()[0]}")
    rate = per_second(lambda pair: analyze(*pair), pairs, args.seconds)
    print(f"  analyzer: {rate:>10,.0f} verdicts/s")
    print("  replays/s (handshake up to the server's first flight), per key type:")
    print(f"    {'':<8} {'pinned ' + reference.version:>16} {'system ' + local.version:>16}"
          "   context setup (pinned, system)")
    for key_type in key_types:
        setups = []
        for build_context in (pinned.reference_context, system.system_context):
            start = time.perf_counter()
            build_context(key_type)  # certificate and context, once per run
            setups.append((time.perf_counter() - start) * 1000)
        rates = [per_second(lambda data, s=server: s.replay(data, key_type), samples,
                            args.seconds) for server in (reference, local)]
        print(f"    {key_type.id:<8} {rates[0]:>16,.0f} {rates[1]:>16,.0f}   "
              f"{setups[0]:,.0f} ms, {setups[1]:,.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
