"""Time and peak memory of the hex reader and of capture reading as the input doubles.

Each hex form (plain, xxd, hexdump -C, od, tshark -x, OpenSSL BIO dump, Postfix log) and each
capture with many small segments (in order, reversed, reversed without a SYN, an XMPP
`<starttls` flood, SMTP STARTTLS one byte a segment interleaved with the server) is read at
four sizes, each twice the one before; hostile inputs from issue 10 (a long line after a log
header, megabytes of newlines) grow the same way, and the few-byte ones that claim gigabytes
are read once. Linear code doubles its time and memory from one row to the next (the x2
columns); quadratic code quadruples them.

    python benchmarks/ingest_scaling.py [--scale 1] [--timeout 120] [--only TEXT] [--tree DIR]

Every measurement runs in its own process with a time limit (--timeout) and a 4 GiB address
space limit, so a quadratic or exploding case is reported as such instead of stalling the
run. Time is one run's wall clock; memory is tracemalloc's peak during a second run (Python
allocations, the input itself excluded). --tree measures another checkout of tlskb (for
instance the code before a change) with inputs made by this one.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from support import dumps  # noqa: E402
from support.corpus import load_corpus  # noqa: E402
from support.frames import connection_frames, conversation_frames  # noqa: E402
from support.hellos import padded_hello_stream  # noqa: E402

from generator.ingest.pcap import write_pcap  # noqa: E402

#: what a child process runs: read the input file with the tree's code, time it, then measure
#: tracemalloc's peak in a second run
CHILD = r"""
import json, resource, sys, time, tracemalloc
tree, kind, path = sys.argv[1:4]
sys.path.insert(0, tree)
limit = 4 << 30
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from generator.errors import DecodeError
from generator.ingest.find import find_client_hellos
from generator.ingest.hexdump import parse_hex_text
data = open(path, "rb").read()
text = data.decode("utf-8") if kind == "hex" else None

def run():
    try:
        if kind == "hex":
            blocks = parse_hex_text(text, "input")
            return f"{len(blocks)} block(s), {sum(len(b.data) for b in blocks)} bytes"
        found = find_client_hellos(data, "input")
        return f"{len(found.hellos)} hello(s)"
    except DecodeError as error:
        return "DecodeError: " + error.message[:70]
    except MemoryError:
        return "MemoryError (4 GiB address space)"

start = time.perf_counter()
outcome = run()
seconds = time.perf_counter() - start
tracemalloc.start()
run()
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(json.dumps({"seconds": seconds, "peak": peak, "outcome": outcome}))
"""


@dataclass(frozen=True)
class Case:
    name: str
    kind: str                        # "hex" (parse_hex_text) or "find" (find_client_hellos)
    make: Callable[[int], bytes]     # input for a size
    sizes: tuple[int, ...]
    unit: str                        # what the size counts


def content(size: int) -> bytes:
    """`size` bytes of recorded ClientHellos back to back (backslashes replaced: an ASCII column
    showing `\\x` would be read as escapes by tlskb before issue 10, which is not measured)."""
    corpus = b"".join(s.data for s in load_corpus()).replace(b"\\", b"]")
    return (corpus * (size // len(corpus) + 1))[:size]


def tool_output(command: list[str], data: bytes) -> bytes:
    if not shutil.which(command[0]):
        raise SystemExit(f"{command[0]} is not installed")
    return subprocess.run(command, input=data, capture_output=True, check=True).stdout


def tshark_frames(size: int) -> bytes:
    """`tshark -x` of a capture carrying `size` bytes in 1,400-byte segments."""
    data = content(size)
    frames = connection_frames(data, [1400] * (size // 1400 + 1))
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "frames.pcap"
        path.write_bytes(write_pcap([(1.0 + i, f) for i, f in enumerate(frames)]))
        return tool_output(["tshark", "-r", str(path), "-x"], b"")


def bio_log(size: int) -> bytes:
    """An `s_server -debug` log: reads of 5 and 16,384 bytes, as OpenSSL reads records."""
    data, out, offset = content(size), [], 0
    while offset < len(data):
        for length in (5, 16384):
            out.append(dumps.bio_dump(data[offset:offset + length]))
            offset += length
    return "".join(out).encode()


def postfix_log(size: int) -> bytes:
    data, out = content(size), []
    for offset in range(0, len(data), 16384):
        out.append(dumps.postfix_dump(data[offset:offset + 16384]))
    return "".join(out).encode()


def one_byte_segments(size: int, order: str) -> bytes:
    """A ClientHello of `size` bytes sent one byte a segment."""
    frames = connection_frames(padded_hello_stream(size), [1] * size, syn=order != "no-syn")
    if order == "reversed":
        frames = frames[:1] + frames[:0:-1]
    elif order == "no-syn":
        frames = frames[::-1]
    return write_pcap([(1.0, frame) for frame in frames])


def xmpp_flood(size: int) -> bytes:
    """`size` bytes of `<starttls` (never closed) in segments of 650 bytes (issue 10: 65 KB in
    100 segments)."""
    stream = (b"<starttls" * (size // 9 + 1))[:size]
    return write_pcap([(1.0, f) for f in connection_frames(stream, [650] * (size // 650 + 1),
                                                           dport=5222)])


def smtp_interleaved(size: int) -> bytes:
    """An SMTP client sending `size` bytes of commands one byte a segment, each answered by a
    one-byte server segment, then STARTTLS and a ClientHello."""
    hello = load_corpus()[0].data
    commands = b"EHLO client.example\r\n" + b"NOOP\r\n" * (size // 6)
    turns = [("s", b"220 mx ESMTP\r\n")]
    for index in range(len(commands)):
        turns += [("c", commands[index:index + 1]), ("s", b"2")]
    turns += [("c", b"STARTTLS\r\n"), ("s", b"220 2.0.0 Ready\r\n"), ("c", hello)]
    return write_pcap([(1.0, f) for f in conversation_frames(turns)])


def cases(scale: int) -> list[Case]:
    def doubling(base: int) -> tuple[int, ...]:
        return tuple(base * scale * 2 ** i for i in range(4))
    hex_sizes = doubling(64 * 1024)
    return [
        Case("plain hex", "hex", lambda n: dumps.plain_hex(content(n)).encode(), hex_sizes, "bytes"),
        Case("xxd", "hex", lambda n: tool_output(["xxd"], content(n)), hex_sizes, "bytes"),
        Case("hexdump -C", "hex", lambda n: tool_output(["hexdump", "-C"], content(n)), hex_sizes,
             "bytes"),
        Case("od -Ax -tx1", "hex", lambda n: tool_output(["od", "-Ax", "-tx1"], content(n)),
             hex_sizes, "bytes"),
        Case("tshark -x", "hex", tshark_frames, doubling(16 * 1024), "bytes"),
        Case("OpenSSL BIO dump", "hex", bio_log, hex_sizes, "bytes"),
        Case("Postfix log", "hex", postfix_log, hex_sizes, "bytes"),
        Case("`read from` + one long line", "hex",
             lambda n: b"read from 1 [2] (3 bytes => 3 (0x3))\n" + b"a" * n + b"\n",
             doubling(16 * 1024), "chars"),
        Case("newlines around 2 bytes", "hex", lambda n: b"16\n" + b"\n" * n + b"03\n",
             doubling(1024 * 1024), "newlines"),
        Case("pcap: 1-byte segments in order", "find",
             lambda n: one_byte_segments(n, "in order"), doubling(4000), "segments"),
        Case("pcap: 1-byte segments reversed", "find",
             lambda n: one_byte_segments(n, "reversed"), doubling(4000), "segments"),
        Case("pcap: 1-byte segments reversed, no SYN", "find",
             lambda n: one_byte_segments(n, "no-syn"), doubling(4000), "segments"),
        Case("pcap: XMPP `<starttls` flood", "find", xmpp_flood, doubling(8 * 1024), "bytes"),
        Case("pcap: SMTP 1-byte segments interleaved", "find", smtp_interleaved, doubling(4000),
             "bytes"),
    ]


#: a few bytes claiming gigabytes (issue 10), read once each
HOSTILE = [
    ("BIO elision at offset ffffffff", b"0000 - 16 03 01\nffffffff - <SPACES/NULS>\n"),
    ("hexdump -C `*` up to ffffffff",
     b"00000000  16 03 01 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n*\nffffffff\n"),
    ("BIO header `=> 3000000000`",
     b"read from 1 [2] (3 bytes => 3000000000 (0x3))\n0000 - 16 03 01\n0003 - <SPACES/NULS>\n"),
]


def measure(tree: Path, kind: str, data: bytes, timeout: float) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".input") as handle:
        handle.write(data)
        handle.flush()
        try:
            done = subprocess.run([sys.executable, "-c", CHILD, str(tree), kind, handle.name],
                                  capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"seconds": None, "peak": None, "outcome": f"did not finish in {timeout:.0f} s"}
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"seconds": None, "peak": None, "outcome": f"crashed: {last[:70]}"}
    return json.loads(done.stdout)


def ratio(value: float | None, before: float | None) -> str:
    if value is None or not before:
        return ""
    return f"x{value / before:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=1, help="multiply every size")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per measurement")
    parser.add_argument("--only", default="", help="cases whose name contains this text")
    parser.add_argument("--tree", type=Path, default=ROOT, help="the tlskb checkout to measure")
    args = parser.parse_args()
    tree = args.tree.resolve()
    print(f"tlskb at {tree}; Python {sys.version.split()[0]}; timeout {args.timeout:.0f} s\n")
    header = (f"{'case':<40} {'size':>16} {'input':>10} {'time s':>8} {'x2':>5} "
              f"{'peak MB':>8} {'x2':>5}  outcome")
    print(header)
    print("-" * len(header))
    for case in cases(args.scale):
        if args.only not in case.name:
            continue
        before: dict | None = None
        for size in case.sizes:
            data = case.make(size)
            got = measure(tree, case.kind, data, args.timeout)
            seconds = f"{got['seconds']:.3f}" if got["seconds"] is not None else "-"
            peak = f"{got['peak'] / 1e6:.1f}" if got["peak"] is not None else "-"
            print(f"{case.name:<40} {f'{size} {case.unit}':>16} {len(data):>10} {seconds:>8} "
                  f"{ratio(got['seconds'], before and before['seconds']):>5} {peak:>8} "
                  f"{ratio(got['peak'], before and before['peak']):>5}  {got['outcome']}",
                  flush=True)
            before = got
            if got["seconds"] is None:
                break  # a larger size would take longer still
        print()
    for name, data in HOSTILE:
        if args.only not in name:
            continue
        got = measure(tree, "hex", data, args.timeout)
        seconds = f"{got['seconds']:.3f}" if got["seconds"] is not None else "-"
        peak = f"{got['peak'] / 1e6:.1f}" if got["peak"] is not None else "-"
        print(f"{name:<40} {'':>16} {len(data):>10} {seconds:>8} {'':>5} {peak:>8} {'':>5}  "
              f"{got['outcome']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
