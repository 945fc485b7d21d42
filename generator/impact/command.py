"""`tlskb impact INPUT…`: who breaks if the server's certificate switches key type? Its
command line and I/O; the reading is scan.py, the counting classify.py and tally.py, the
words report.py and html.py."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TextIO

from generator.console import emit_json, progress_printer
from generator.errors import UsageError
from generator.exits import Exit
from generator.ingest import flowtable


def add_parser(commands) -> argparse.ArgumentParser:
    from generator.cli import DEFAULT_STACK, KEY_TYPES, STACKS
    parser = commands.add_parser(
        "impact", help="count who would break, per key type, in captures and logs of real "
                       "traffic",
        description="Read the ClientHellos of real traffic — pcap/pcapng captures (streamed, "
                    "any size, on every core), Postfix smtpd_tls_loglevel = 3 logs, directories "
                    "of `tlskb capture` files, JSON from `tlskb decode --json` or `tlskb capture "
                    "--json`, or anything `tlskb decode` reads — group them by client (the "
                    "recorded client with the same configuration, else the JA4), and tell for "
                    "every key type how many connections and which clients would break if the "
                    "server's certificate had it, why, and what to do.")
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="capture, log, hex dump, JSON file, or a directory of capture "
                             "files; - reads standard input")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--html", metavar="FILE",
                        help="also write a self-contained HTML report (no script, no external "
                             "file) with a chart of the connections broken per key type")
    parser.add_argument("--stack", metavar="S",
                        help=f"the server stacks to answer for, comma-separated, or all: "
                             f"{STACKS} (default: {DEFAULT_STACK})")
    parser.add_argument("--key-type", "-k", action="append", metavar="K",
                        help=f"only these key types (repeat, or comma-separate); default: all "
                             f"of {KEY_TYPES}")
    parser.add_argument("--fail-on", action="append", metavar="K",
                        help="exit with status 4 when any connection would break with key type "
                             "K (on any stack asked for; repeatable), e.g. in a cron job before "
                             "a switch")
    parser.add_argument("--jobs", "-j", type=int, default=None, metavar="N",
                        help="worker processes for a capture (default: every core, "
                             f"{os.cpu_count() or 1} here)")
    parser.add_argument("--max-flows", type=int, default=flowtable.MAX_FLOWS, metavar="N",
                        help="TCP streams followed at once, per worker, before the one idle "
                             f"longest is dropped and counted (default: {flowtable.MAX_FLOWS})")
    parser.add_argument("--max-memory", type=int, default=flowtable.MAX_BYTES >> 20,
                        metavar="MIB",
                        help="stream bytes held at once, per worker, before the stream idle "
                             "longest is dropped and counted (default: "
                             f"{flowtable.MAX_BYTES >> 20})")
    parser.add_argument("--idle", type=float, default=flowtable.IDLE, metavar="SECONDS",
                        help="capture time a stream may wait for its next segment before it is "
                             f"dropped and counted (default: {flowtable.IDLE:g})")
    parser.set_defaults(handler=cmd_impact)
    return parser


def cmd_impact(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.cli import _selected_key_types
    from generator.compat.keytypes import catalogue
    from generator.impact import html, report
    from generator.impact.scan import Limits, scan
    from generator.stacks import DEFAULT, parse_stacks

    stacks = parse_stacks(args.stack) if args.stack else (DEFAULT,)
    key_types = _selected_key_types(args.key_type)
    fail_on = _selected_key_types(args.fail_on) if args.fail_on else ()
    missing = [k.id for k in fail_on if k not in key_types]
    if missing:
        raise UsageError(f"--fail-on {', '.join(missing)}: not among the key types asked for "
                         "with -k")
    jobs = args.jobs if args.jobs is not None else (os.cpu_count() or 1)
    for name, value in (("--jobs", jobs), ("--max-flows", args.max_flows),
                        ("--max-memory", args.max_memory)):
        if value < 1:
            raise UsageError(f"{name} must be at least 1, not {value}")
    if args.idle <= 0:
        raise UsageError(f"--idle must be more than 0 seconds, not {args.idle:g}")
    show = progress_printer(err, _progress_text)
    limits = Limits(args.max_flows, args.max_memory << 20, args.idle)
    try:
        scanned = scan(args.inputs, stacks, key_types, jobs, limits, show)
    finally:
        if show is not None:
            show(1, 1)
    if not scanned.tally.connections:
        raise_none(args.inputs, scanned)
    result = report.build(scanned, stacks, key_types, catalogue().preference)
    if args.html:
        text = html.render(result, list(args.inputs))
        try:
            Path(args.html).write_text(text, encoding="utf-8")
        except OSError as error:
            raise UsageError(f"{args.html}: cannot write the HTML report "
                             f"({error.strerror})") from None
    if args.json:
        emit_json(report.as_json(result, several_stacks=bool(args.stack)), out)
    else:
        out.write(report.as_text(result))
        if args.html:
            out.write(f"HTML report: {args.html}\n")
    status = Exit.OK
    for view in result.stacks:
        for impact in view.key_types:
            if impact.key_type in fail_on and impact.connections_breaking:
                status = Exit.CLIENTS_BREAK
    return status


def raise_none(inputs, scanned) -> None:
    """No ClientHello in any input: an error (exit 1) saying what was read."""
    from generator.errors import TlskbError
    detail = f"{scanned.packets:,} packets read" if scanned.packets else "nothing decodable"
    if scanned.tally.malformed:
        detail += f", {scanned.tally.malformed} malformed ClientHello(s)"
    raise TlskbError(f"no ClientHello found in {', '.join(inputs)} ({detail})")


def _progress_text(done: int, total: int, current: str) -> str:
    from generator.printable import printable_line
    share = f"{100 * done / total:.0f}%" if total > 1 else f"{done >> 20} MiB"
    return printable_line(f"tlskb impact: reading {current}: {share}")
