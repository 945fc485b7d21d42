"""Replays per second of each server stack's first flight, side by side in one run: every
corpus ClientHello handed to each stack's own library (OpenSSL in-process through pyOpenSSL,
GnuTLS in-process through ctypes, rustls in-process, Go and Java through one long-lived helper
process each), per key type; and the analyzers' verdicts per second for comparison. Also the
disk cache (compat/replaycache.py): a replay read back instead of made.

    python benchmarks/replay.py [--seconds 2] [--stack all|openssl,gnutls,...]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from generator.compat.analyzer import analyze  # noqa: E402
from generator.compat.keytypes import catalogue  # noqa: E402
from generator.stacks import parse_stacks, replayer, stack  # noqa: E402
from generator.tls import decode_client_hello  # noqa: E402
from support.corpus import load_corpus  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from rates import per_second  # noqa: E402




def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--stack", default="all")
    args = parser.parse_args()
    chosen = parse_stacks(args.stack)
    samples = [s.data for s in load_corpus()]
    hellos = [decode_client_hello(d).hello for d in samples]
    key_types = catalogue().key_types
    servers = {s: replayer(s) for s in chosen}
    for key_type in key_types:      # warm up: certificates, contexts, helper processes
        for server in servers.values():
            server.replay(samples[0], key_type)
    print(f"{len(samples)} corpus hellos × {len(key_types)} key types; Python "
          f"{sys.version.split()[0]}")
    for stack_id, server in servers.items():
        print(f"  {stack(stack_id).label}: {server.label}")
    pairs = [(h, k) for h in hellos for k in key_types]
    print("  analyzer verdicts/s:  " + "  ".join(
        f"{s.value} {per_second(lambda p, s=s: analyze(*p, s), pairs, args.seconds):,.0f}"
        for s in chosen))
    print("  replays/s (the server's first flight), per key type:")
    print(f"    {'':<8}" + "".join(f"{s.value:>12}" for s in chosen))
    for key_type in key_types:
        rates = [per_second(lambda data, r=servers[s]: r.replay(data, key_type), samples,
                            args.seconds) for s in chosen]
        print(f"    {key_type.id:<8}" + "".join(f"{rate:>12,.0f}" for rate in rates))
    os.environ["TLSKB_CACHE_DIR"] = tempfile.mkdtemp(prefix="tlskb-bench-cache-")
    from generator.compat import replaycache
    key_type = key_types[0]
    keys = [replaycache.cache_key(d, key_type, chosen[0].value, servers[chosen[0]].library)
            for d in samples]
    for key, data in zip(keys, samples):
        replaycache.store(key, servers[chosen[0]].replay(data, key_type))
    rate = per_second(replaycache.load, keys, args.seconds)
    print(f"  disk cache: {rate:,.0f} replays/s read back")
    return 0


if __name__ == "__main__":
    sys.exit(main())
