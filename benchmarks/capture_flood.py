"""`tlskb capture` under the red team's slot floods (issue 10, F6), on loopback: ADDRESSES ×
PER_ADDRESS connections from 127.0.0.10 on, each reconnecting the moment it is closed — TLS
slowloris (a record header announcing 16 KiB, then a byte a second) or SMTP clients sending
NOOP every 8 s — while a real client from 127.0.0.250 tries every 0.5 s. Prints how many real
attempts were served, the capture's own summary (connections, displaced, turned away) and its
peak RSS.

    python benchmarks/capture_flood.py [--mode tls|smtp] [--addresses 18] [--per-address 32]
                                       [--seconds 27] [--wide]

--wide spreads the flood one connection per address over 127.0.0.10-249, 127.0.1.x, ...
(use --addresses 600 --per-address 1), the real client among them in 127.0.0.0/24.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from generator.compat.clients import recorded_clients  # noqa: E402
from support.net import capture  # noqa: E402

HELLO = next(c for c in recorded_clients() if c.id == "openssl-3.0-default").raw
REAL_CLIENT = "127.0.0.250"


def flood_address(number: int, per_address: int, wide: bool) -> str:
    index = number // per_address
    return f"127.0.{index // 240}.{index % 240 + 10}" if wide else f"127.0.0.{10 + index}"


async def attacker(port: int, source: str, mode: str, stop: float) -> int:
    """Connections made until `stop`."""
    made = 0
    while time.monotonic() < stop:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port,
                                                           local_addr=(source, 0))
        except OSError:
            await asyncio.sleep(0.05)
            continue
        made += 1
        try:
            if mode == "tls":
                writer.write(b"\x16\x03\x01\x40\x00")
                while time.monotonic() < stop:
                    await writer.drain()
                    try:
                        if not await asyncio.wait_for(reader.read(100), 1.0):
                            break
                    except asyncio.TimeoutError:
                        writer.write(b"\x00")
            else:
                await reader.readline()
                while time.monotonic() < stop:
                    writer.write(b"NOOP\r\n")
                    await writer.drain()
                    if not await reader.readline():
                        break
                    await asyncio.sleep(8)
        except OSError:
            pass
        finally:
            writer.transport.abort()
    return made


async def real_client(port: int, mode: str) -> bool:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port,
                                                       local_addr=(REAL_CLIENT, 0))
    except OSError:
        return False
    try:
        async def line() -> bytes:
            return await asyncio.wait_for(reader.readline(), 3)
        if mode == "smtp":
            await line()
            writer.write(b"EHLO real.example\r\n")
            while (reply := await line()) and reply[3:4] == b"-":
                pass
            writer.write(b"STARTTLS\r\n")
            await line()
        writer.write(HELLO)
        await writer.drain()
        return (await asyncio.wait_for(reader.read(10), 3))[:1] == b"\x15"
    except (OSError, asyncio.TimeoutError):
        return False
    finally:
        writer.transport.abort()


async def run(port: int, args, sample_rss) -> tuple[int, int, int, int]:
    stop = time.monotonic() + args.seconds
    flood = [asyncio.create_task(attacker(port, flood_address(n, args.per_address, args.wide),
                                          args.mode, stop))
             for n in range(args.addresses * args.per_address)]
    await asyncio.sleep(3)  # let the flood take every slot
    served = tries = 0
    while time.monotonic() < stop:
        tries += 1
        served += await real_client(port, args.mode)
        sample_rss()
        await asyncio.sleep(0.5)
    made = sum(await asyncio.gather(*flood))
    return served, tries, made, len(flood)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("tls", "smtp"), default="tls")
    parser.add_argument("--addresses", type=int, default=18)
    parser.add_argument("--per-address", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=27)
    parser.add_argument("--wide", action="store_true")
    args = parser.parse_args()
    import tempfile
    with tempfile.TemporaryDirectory(prefix="tlskb-bench-flood-") as work, \
            capture(Path(work), "--quiet", *(["--starttls", "smtp"] if args.mode == "smtp"
                                            else [])) as running:
        peak = [running.rss_kib()]

        def sample_rss() -> None:
            peak[0] = max(peak[0], running.rss_kib())
        served, tries, made, clients = asyncio.run(run(running.port, args, sample_rss))
        _, stderr = running.stop()
    summary = stderr.strip().splitlines()[-1]
    print(f"{args.mode}, {clients} flood connections from {args.addresses} address(es), "
          f"{args.seconds:g} s: real client served {served} of {tries}; flood connected "
          f"{made} times; capture peak RSS {peak[0] / 1024:.1f} MiB\n{summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
