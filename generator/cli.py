"""The `tlskb` command. The only module that reads files given on the command line and prints;
everything it calls is pure. Errors are one line on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from generator import __version__
from generator.compat.keytypes import CatalogueError
from generator.console import emit_json, progress_printer
from generator.errors import TlskbError, UsageError
from generator.exits import Exit, exit_epilog
from generator.overlays import OverlayError
from generator.printable import printable_line

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_DISAGREEMENT = (Exit.OK, Exit.ERROR, Exit.USAGE,
                                                    Exit.DISAGREEMENT)


def _read_input(path: str) -> tuple[bytes, str]:
    if path == "-":
        if sys.stdin.isatty():   # a reader at a terminal, not a pipe: say what is awaited
            print("tlskb: reading a capture or hex dump from the terminal; paste it, then "
                  "press Ctrl-D (or give a file: tlskb decode FILE)", file=sys.stderr)
        return sys.stdin.buffer.read(), "<stdin>"
    try:
        with open(path, "rb") as handle:
            return handle.read(), path
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, not a capture or hex file") from None
    except OSError as error:
        raise UsageError(f"{path}: cannot read ({error.strerror})") from None


def _use_colour(choice: str, stream: TextIO) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return stream.isatty() and os.environ.get("TERM") != "dumb"


def _origin_json(origin) -> dict[str, Any]:
    return {"source": origin.source, "container": origin.container, "stream": origin.where,
            "offset": origin.offset, "packet": origin.packet, "time": origin.time,
            "starttls": origin.starttls, "after_hello_retry_request": origin.second}


def _emit_json(objects: list[dict[str, Any]], out: TextIO) -> None:
    """One object as itself, several as an array (DESIGN.md's JSON shapes)."""
    emit_json(objects[0] if len(objects) == 1 else objects, out)


def _report_side_notes(ingested, err: TextIO) -> None:
    for note in ingested.notes:
        print(printable_line(f"tlskb: note: {note}"), file=err)
    for error in ingested.skipped:
        print(printable_line(f"tlskb: skipped: {error}"), file=err)


def cmd_decode(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.ingest.find import find_client_hellos
    from generator.tls.jsonview import wire_client_hello_json
    from generator.tls.render_text import render
    from generator.tls.tree import client_hello_tree

    data, source = _read_input(args.file)
    ingested = find_client_hellos(data, source, skip_invalid=args.skip_invalid)
    if args.json:
        objects = []
        for found in ingested.hellos:
            obj = wire_client_hello_json(found.wire)
            obj["source"] = _origin_json(found.origin)
            obj["looks_like"] = _looks_like_json(found.wire)
            objects.append(obj)
        _report_side_notes(ingested, err)
        if objects:
            _emit_json(objects, out)
        return EXIT_OK
    colour = _use_colour(args.color, out)
    chunks = []
    total = len(ingested.hellos)
    for index, found in enumerate(ingested.hellos, 1):
        title = printable_line(f"ClientHello {index} of {total}: {found.origin.describe()}")
        if colour:
            title = f"\x1b[1;4m{title}\x1b[0m"
        looks = _looks_like_line(found.wire)
        chunks.append(f"{title}\n{looks}{render(client_hello_tree(found.wire), colour)}")
    _report_side_notes(ingested, err)
    out.write("\n\n".join(chunks) + ("\n" if chunks else ""))
    return EXIT_OK


def _selected_key_types(requested: list[str] | None):
    from generator.compat.keytypes import catalogue
    catalog = catalogue()
    if not requested:
        return catalog.key_types
    wanted = [item for value in requested for item in value.split(",") if item]
    return tuple(catalog.key_type(item) for item in wanted)


def cmd_analyze(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.compat.analyzer import analyze
    from generator.compat.report import Row, rows_text
    from generator.ingest.find import find_client_hellos
    from generator.stacks import DEFAULT, StackId, parse_stacks, replayer, stack
    from generator.tls.fingerprint import fingerprints

    key_types = _selected_key_types(args.key_type)
    chosen = parse_stacks(args.stack) if args.stack else (DEFAULT,)
    if args.openssl is not None and StackId.OPENSSL not in chosen:
        raise UsageError("--openssl picks the OpenSSL build to replay against; add openssl to "
                         "--stack")
    data, source = _read_input(args.file)
    ingested = find_client_hellos(data, source, skip_invalid=args.skip_invalid)
    servers = {}
    if args.replay or args.openssl is not None:
        servers = {s: replayer(s, args.openssl if s is StackId.OPENSSL else None)
                   for s in chosen}
    results = []   # (found, {stack: rows})
    for found in ingested.hellos:
        by_stack = {}
        for stack_id in chosen:
            server = servers.get(stack_id)
            by_stack[stack_id] = [
                Row(key_type.label, analyze(found.wire.hello, key_type, stack_id),
                    server.replay(found.wire.raw, key_type) if server else None,
                    server.is_reference if server else True)
                for key_type in key_types]
        results.append((found, by_stack))
    _report_side_notes(ingested, err)
    differing = {s: sum(1 for _, by_stack in results for row in by_stack[s] if row.differences)
                 for s in chosen}
    if args.json:
        objects = []
        for found, by_stack in results:
            if len(chosen) == 1:
                obj = _stack_json(chosen[0], by_stack[chosen[0]], servers.get(chosen[0]))
            else:
                obj = {"stacks": {s.value: _stack_json(s, rows, servers.get(s))
                                  for s, rows in by_stack.items()}}
            obj["ja4"] = fingerprints(found.wire).ja4
            obj["looks_like"] = _looks_like_json(found.wire)
            obj["source"] = _origin_json(found.origin)
            objects.append(obj)
        _emit_json(objects, out)
    else:
        colour = _use_colour(args.color, out)
        chunks = []
        for index, (found, by_stack) in enumerate(results, 1):
            title = printable_line(f"ClientHello {index} of {len(results)}: "
                                   f"{found.origin.describe()}")
            looks = _looks_like_line(found.wire).rstrip("\n")
            parts = [title] + ([looks] if looks else [])
            for stack_id, rows in by_stack.items():
                if len(chosen) > 1:
                    parts.append(f"{stack(stack_id).label} ({stack(stack_id).library}):")
                parts.append(rows_text(rows, colour))
            chunks.append("\n".join(parts))
        proofs = [f"Replayed against {server.label}."
                  + ("" if server.is_reference else
                     f" The verdicts model {stack(stack_id).library}.")
                  for stack_id, server in servers.items()]
        if proofs:
            chunks.append("\n".join(proofs))
        out.write("\n\n".join(chunks) + "\n")
    status = EXIT_OK
    for stack_id, count in differing.items():
        server = servers.get(stack_id)
        if count and server.is_reference:
            print(f"tlskb: error: {count} {stack(stack_id).label} verdict(s) disagree with the "
                  "replay: an analyzer bug; please report it with this input", file=err)
            status = EXIT_DISAGREEMENT
        elif count:
            print(f"tlskb: note: {count} answer(s) of {server.label} differ from the analyzer's "
                  f"verdicts, which model {stack(stack_id).library}: here this machine's "
                  "library decides", file=err)
    return status


def _looks_like_line(wire) -> str:
    """"looks like: …" and a newline, for a hello's text output (empty without a match)."""
    from generator.compat.identify import identify
    found = identify(wire)
    return "" if found is None else printable_line(found.describe()) + "\n"


def _looks_like_json(wire) -> dict[str, Any] | None:
    from generator.compat.identify import identify
    found = identify(wire)
    return None if found is None else found.as_json()


def _stack_json(stack_id, rows, server) -> dict[str, Any]:
    """One stack's verdicts for one hello (`analyze --json`): today's shape, plus the stack."""
    from generator.compat.report import conclusion, rows_json
    from generator.stacks import stack
    obj = rows_json(rows)
    obj["conclusion"] = conclusion(rows)
    obj["stack"] = {"id": stack_id.value, "label": stack(stack_id).label,
                    "library": stack(stack_id).library}
    if server:
        obj["stack"]["version"] = server.version
        obj["replayed_against"] = server.as_json()
    return obj


def cmd_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.cases.check import check_paths, skipped_replays

    progress = progress_printer(err, lambda done, total, current: printable_line(
        f"checking {done + 1}/{total}: {current} (decoding, analyzing, replaying)"))
    from generator.knowledge import cases_dir
    report = check_paths(args.paths or [cases_dir()], progress=progress)
    for note in (*skipped_replays(), *report.notes):
        print(printable_line(f"tlskb: note: {note}"), file=err)
    if args.json:
        emit_json(_check_json(report), out)
        return EXIT_OK if report.ok else EXIT_ERROR
    for problem in report.problems:
        out.write(f"{problem}\n")
    if not report.catalogue_ok:
        print(f"tlskb: {len(report.problems)} problem(s) in the key-type catalogue; no case was "
              "checked", file=err)
        return EXIT_ERROR
    if report.problems:
        bad_files = len({p.file for p in report.problems})
        print(f"tlskb: {len(report.problems)} problem(s) in {bad_files} file(s); "
              f"{report.files} case file(s) checked", file=err)
        return EXIT_ERROR
    replayed = sum(len(c.samples) for c in report.cases)
    server = next((c.replayed_against for c in report.cases if c.replayed_against), None)
    suffix = f"; {replayed} sample(s) replayed against {server}" if replayed else ""
    out.write(f"{len(report.cases)} case(s) OK{suffix}\n")
    return EXIT_OK


def _check_json(report) -> dict[str, Any]:
    """`check --json`: every problem with its place, and what was checked."""
    return {
        "ok": report.ok, "files": report.files, "catalogue_ok": report.catalogue_ok,
        "notes": list(report.notes),
        "problems": [{"file": p.file, "line": p.line, "column": p.column, "message": p.message,
                      "hint": p.hint} for p in report.problems],
        "cases": [{"id": c.id, "file": c.path, "state": c.status.state,
                   "translations": [t.language for t in c.translations],
                   "samples": [s.id for s in c.samples],
                   "replayed_against": c.replayed_against} for c in report.cases],
    }


def cmd_catalogue(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.compat.clients import catalogue_json, recorded_clients
    clients = recorded_clients()
    if args.only:
        import fnmatch
        clients = tuple(c for c in clients
                        if any(fnmatch.fnmatchcase(c.id, p) for p in args.only))
    if args.current:
        clients = tuple(c for c in clients if not c.historical)
    if args.category:
        clients = tuple(c for c in clients if c.category.value in args.category)
    if args.json:
        emit_json(catalogue_json(clients), out)
        return EXIT_OK
    for client in clients:
        runs = [run for _, _, run in client.runs]
        completed = sum(run.result.value == "completed" for run in runs)
        proof = (f"end to end {completed}/{len(runs)} completed" if runs
                 else "recorded, not re-runnable" if client.origin.value == "recorded"
                 else "not proven end to end yet")
        out.write(printable_line(
            f"{client.id:<44} {client.client} ({client.variant}); {client.protocol.value}, "
            f"{client.library.value}; {proof}") + "\n")
    out.write(f"{len(clients)} client(s)\n")
    return EXIT_OK


def cmd_new(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.cases.scaffold import check_id, scaffold
    from generator.ingest.find import find_client_hellos

    check_id(args.id)
    target = os.path.join(args.dir, f"{args.id}.yaml")
    if os.path.exists(target):
        raise UsageError(f"{target} already exists; choose another id or edit that file")
    found = []
    if args.from_capture:
        data, source = _read_input(args.from_capture)
        ingested = find_client_hellos(data, source)
        _report_side_notes(ingested, err)
        found = list(ingested.hellos)[:args.max_samples]
    text = scaffold(args.id, found)
    try:
        with open(target, "x", encoding="utf-8") as handle:
            handle.write(text)
    except FileNotFoundError:
        raise UsageError(f"{args.dir}: no such directory") from None
    if args.json:
        emit_json({"file": target, "id": args.id, "samples": len(found),
                   "next": f"fill in every TODO, then run: tlskb check {target}"}, out)
        return EXIT_OK
    out.write(f"wrote {target}: fill in every TODO, then run `tlskb check {target}`\n")
    return EXIT_OK


#: stand in a help text for the catalogue's key type ids and its first preference, filled in
#: only when help is printed: reading the catalogue costs more than most commands take
KEY_TYPES, PREFERRED = "{key types}", "{preferred key type}"
#: filled in when help is printed, so that no command loads the stacks to start
STACKS, DEFAULT_STACK, OPENSSL_BUILDS = "{stacks}", "{default stack}", "{openssl builds}"


class TlskbHelp(argparse.HelpFormatter):
    """Help that names the key types of the catalogue, their one home, and keeps the line
    breaks of a multi-line text (the exit-status list of exits.exit_epilog)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" not in text:
            return super()._fill_text(text, width, indent)
        import textwrap
        lines = []
        for line in text.splitlines():   # a list item wraps under its own text
            hang = 7 if line[:1] == " " else 0   # "  130  " before an item's text
            lines.append(textwrap.fill(line, width, initial_indent=indent,
                                       subsequent_indent=indent + " " * hang))
        return "\n".join(lines)

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = super()._get_help_string(action)
        if text and (KEY_TYPES in text or PREFERRED in text):
            from generator.compat.keytypes import catalogue
            try:
                catalog = catalogue()
                ids, preferred = " ".join(catalog.ids), catalog.preference[0]
            except CatalogueError:
                ids = preferred = "(the key-type catalogue has problems: `tlskb check` lists them)"
            text = text.replace(KEY_TYPES, ids).replace(PREFERRED, preferred)
        if text and (STACKS in text or OPENSSL_BUILDS in text):
            from generator.stacks import DEFAULT, StackId, stacks, variants
            text = (text.replace(STACKS, ", ".join(s.id.value for s in stacks()))
                    .replace(DEFAULT_STACK, DEFAULT.value)
                    .replace(OPENSSL_BUILDS, ", ".join(variants(StackId.OPENSSL))))
        return text


def _openssl_build(text: str) -> str:
    """--openssl's value, checked against the OpenSSL stack's builds only when it is given (a
    usage error, exit 2, as argparse's own choices were)."""
    from generator.stacks import StackId, variants
    if text not in variants(StackId.OPENSSL):
        raise argparse.ArgumentTypeError(
            f"invalid choice: {text!r} (choose from {', '.join(variants(StackId.OPENSSL))})")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tlskb",
        description="Which certificate key type can this TLS client really use? Decode and "
                    "analyse recorded ClientHellos.")
    parser.add_argument("--version", action="version", version=f"tlskb {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    decode = commands.add_parser(
        "decode", help="decode every ClientHello in a capture, hex dump or binary file",
        description="Decode every ClientHello in FILE: pcap/pcapng (TCP reassembly, STARTTLS on "
                    "any port), hex in any usual form (plain, xxd, hexdump -C, od, tshark -x, "
                    "OpenSSL and Postfix debug logs, C arrays), or raw bytes.")
    decode.add_argument("file", nargs="?", default="-", metavar="FILE",
                        help="input file, or - for standard input (the default)")
    decode.add_argument("--json", action="store_true",
                        help="print JSON (an object, or an array when there are several hellos)")
    decode.add_argument("--color", "--colour", choices=("auto", "always", "never"), default="auto",
                        help="colour the tree (default: auto, when writing to a terminal)")
    decode.add_argument("--skip-invalid", action="store_true",
                        help="report malformed hellos on stderr and decode the rest, instead of "
                             "failing")
    decode.set_defaults(handler=cmd_decode)

    analyze = commands.add_parser(
        "analyze", help="which certificate key types each ClientHello can use",
        formatter_class=TlskbHelp,
        description="For every ClientHello in FILE (any input `decode` reads), tell which "
                    "certificate key types a server stack (--stack; default: OpenSSL, every "
                    "version and suite) could serve, and why the others fail. A verdict is ok, "
                    "fail, or proceeds: the server answers although the certificate is one the "
                    "client did not offer, so the client may refuse it. --replay proves each "
                    "verdict by handing the recorded bytes to the stack's own library; a "
                    "disagreement exits with 3. --openssl system replays against this "
                    "machine's own libssl instead, configured like the reference; where it "
                    "answers otherwise than the analyzer predicts, that is reported, not an "
                    "error.")
    analyze.add_argument("file", nargs="?", default="-", metavar="FILE",
                         help="input file, or - for standard input (the default)")
    analyze.add_argument("--key-type", "-k", action="append", metavar="K",
                         help="only these key types (repeat, or comma-separate); default: all of "
                              f"{KEY_TYPES}")
    analyze.add_argument("--stack", metavar="S",
                         help=f"the server stacks to answer for, comma-separated, or all: "
                              f"{STACKS} (default: {DEFAULT_STACK})")
    analyze.add_argument("--replay", action="store_true",
                         help="also replay each hello against each stack's library and show "
                              "what it answered")
    analyze.add_argument("--openssl", default=None, metavar="BUILD", type=_openssl_build,
                         help=f"which OpenSSL to replay against (implies --replay), one of "
                              f"{OPENSSL_BUILDS}: pinned, the reference inside the cryptography "
                              "wheel (default), or system, this machine's libssl")
    analyze.add_argument("--json", action="store_true", help="print JSON")
    analyze.add_argument("--color", "--colour", choices=("auto", "always", "never"),
                         default="auto", help="colour the table (default: auto)")
    analyze.add_argument("--skip-invalid", action="store_true",
                         help="report malformed hellos on stderr and analyze the rest")
    analyze.set_defaults(handler=cmd_analyze)

    check = commands.add_parser(
        "check", help="validate case files: YAML, schema, samples, claims against the replay",
        description="Check every case file named (or every cases/*.yaml in the directories "
                    "named; default: the knowledge base's own cases, installed with tlskb): "
                    "YAML syntax, the JSON Schema, and the semantics — the id matches the "
                    "file name, samples decode, every replayed claim equals the analyzer's "
                    "verdict and the reference server's answer (the pinned "
                    "OpenSSL). Prints every problem as "
                    "FILE:LINE:COLUMN: message and exits with 1 if there is any.")
    check.add_argument("paths", nargs="*", metavar="PATH", help="case files or directories")
    check.add_argument("--json", action="store_true",
                       help="print one JSON object: ok, the problems (file, line, column, "
                            "message, hint) and the cases checked")
    check.set_defaults(handler=cmd_check)

    listing = commands.add_parser(
        "catalogue", help="list the recorded clients, their provenance and end-to-end results",
        description="List the client catalogue: every recorded client, its version, how it "
                    "was recorded (binary: run here by tools/record_client_hellos.py, with its "
                    "command; recorded: third-party bytes, not re-runnable), its protocol and "
                    "how the real client's handshakes with each stack's live server ended for "
                    "each key type.")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.add_argument("--only", action="append", metavar="ID",
                         help="only clients whose id matches (a shell pattern; repeatable)")
    listing.add_argument("--current", action="store_true", help="leave out historical clients")
    listing.add_argument("--category", action="append", metavar="KIND",
                         help="only this kind of client (web, mail, …; repeatable)")
    listing.set_defaults(handler=cmd_catalogue)

    new = commands.add_parser(
        "new", help="write a new case file skeleton, optionally from a capture",
        description="Write DIR/ID.yaml with every field to fill in. With --from, the capture's "
                    "ClientHellos become samples and the outcomes come from the analyzer.")
    new.add_argument("id", metavar="ID", help="the case id: lowercase words joined by '-'")
    new.add_argument("--from", dest="from_capture", metavar="CAPTURE",
                     help="a capture, hex dump or binary holding the client's ClientHello")
    new.add_argument("--dir", default="cases", help="where to write it (default: cases)")
    new.add_argument("--json", action="store_true",
                     help="print what was written as a JSON object (file, id, samples)")
    new.add_argument("--max-samples", type=int, default=3,
                     help="how many ClientHellos of the capture to include (default: 3)")
    new.set_defaults(handler=cmd_new)

    from generator.net.commands import cmd_capture, cmd_probe
    protocols = ("smtp", "imap", "pop3")
    capture = commands.add_parser(
        "capture", help="listen and record the ClientHello of every client that connects",
        formatter_class=TlskbHelp,
        description="Listen on HOST:PORT (plain TLS, or SMTP/IMAP/POP3 up to STARTTLS), save "
                    "each client's ClientHello as a hex file with its provenance (ready for "
                    "`tlskb new ID --from FILE`), and print which key types it can use as it "
                    "arrives. Each client gets a handshake_failure alert, or with --handshake a "
                    "full handshake with a throwaway certificate (to see the client's own "
                    "error). Ctrl-C or SIGTERM stops it.")
    capture.add_argument("--listen", default="127.0.0.1:0", metavar="HOST:PORT",
                         help="where to listen (default 127.0.0.1 and a free port, printed on "
                              "stderr); PORT alone listens on 127.0.0.1")
    capture.add_argument("--starttls", choices=protocols,
                         help="speak this protocol up to STARTTLS first")
    capture.add_argument("--count", type=int, metavar="N", help="stop after N ClientHellos")
    capture.add_argument("--out", default="captures", metavar="DIR",
                         help="where to save the ClientHellos (default: captures)")
    capture.add_argument("--json", action="store_true",
                         help="print one JSON object per ClientHello, a line each (JSON Lines)")
    capture.add_argument("--handshake", action="store_true",
                         help="complete the handshake with a throwaway certificate instead of "
                              "refusing it")
    capture.add_argument("--key-type", "-k", metavar="K",
                         help=f"the certificate's key type with --handshake, one of {KEY_TYPES} "
                              f"(default: {PREFERRED}, the first the catalogue prefers)")
    capture.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                         help="for each line before STARTTLS, the ClientHello, the handshake "
                              "(default: 10)")
    capture.add_argument("--max-duration", type=float, default=None, metavar="SECONDS",
                         help="for a whole connection, from connecting to the end of the "
                              "hello (or handshake): a client that keeps talking without "
                              "STARTTLS, or trickles its hello, is cut off (default: three "
                              "times --timeout, 30)")
    capture.add_argument("--max-connections", type=int, default=512, metavar="N",
                         help="connections served at once (default: 512). When all are taken "
                              "a newcomer still gets one: the connection that has waited "
                              "longest for its ClientHello in the busiest address range is "
                              "closed to make room (walking down the IPv4 /8, /16, /24 and "
                              "address, or the IPv6 /32, /48, /56 and /64, to the one with the "
                              "most connections still waiting for their hello). A connection "
                              "past its ClientHello is never closed for this. So a flood, from "
                              "however many addresses, displaces its own connections before "
                              "a client alone in its range, which gets through if it sends its "
                              "hello promptly")
    capture.add_argument("--max-per-peer", type=int, default=32, metavar="N",
                         help="connections at once from one address (IPv6: one /64, which "
                              "one host usually holds); more are closed at once, even with "
                              "slots free (default: 32). Only this narrow unit is limited "
                              "outright, so hosts that share a range (a provider's mail "
                              "servers, a carrier-grade NAT) are not turned away together")
    capture.add_argument("--quiet", "-q", action="store_true",
                         help="do not report connections that brought no ClientHello")
    capture.set_defaults(handler=cmd_capture)

    probe = commands.add_parser(
        "probe", help="send every recorded ClientHello to a server and report who would break",
        description="Send each ClientHello of the knowledge base (the cases' samples and the "
                    "recorded clients) to HOST:PORT, one connection each, read the answer "
                    "(ServerHello, HelloRetryRequest or alert) and report which clients would "
                    "break, why (the case, or the analyzer's reason), and which certificate key "
                    "type would serve them all, with the command to request it. A server that "
                    "does not speak TLS (an SMTP greeting, HTTP, silence) is one line with the "
                    "fix, exit 1; a ClientHello that could not be sent is never judged (exit "
                    "1). Exits 4 if a current client would break (historical ones are "
                    "reported, not counted).")
    probe.add_argument("target", metavar="HOST:PORT", nargs="?",
                       help="the server (not needed with --list)")
    probe.add_argument("--starttls", choices=protocols,
                       help="speak this protocol up to STARTTLS first")
    probe.add_argument("--sni", metavar="NAME",
                       help="the server name to send (default: HOST, unless it is an IP "
                            "address; '' keeps each recorded name). A name with non-ASCII "
                            "characters (here and in HOST) is sent in its IDNA 2003 form "
                            "(Python's idna codec: ü.example becomes xn--tda.example; IDNA "
                            "2008 differs for a few characters such as ß, so give the xn-- "
                            "form to be exact); longer than 253 characters or a label over 63 "
                            "is refused")
    probe.add_argument("--json", action="store_true",
                       help="print one JSON object: the target, one result per sample, and "
                            "the summary (certificates, stacks it behaves like, breaking "
                            "clients with their fixes, advice)")
    probe.add_argument("--cases", default=None, metavar="DIR",
                       help="the cases whose samples to send (default: the knowledge base's "
                            "own, installed with tlskb)")
    probe.add_argument("--no-cases", action="store_true",
                       help="send only the recorded clients")
    probe.add_argument("--only", action="append", metavar="ID",
                       help="only these samples, cases or clients (a shell pattern matched "
                            "against the sample id, case id and client name; repeatable or "
                            "comma-separated)")
    probe.add_argument("--ignore", action="append", metavar="ID",
                       help="leave these out (patterns as for --only), e.g. a client a "
                            "monitoring check has accepted to lose: --ignore java-6u45")
    probe.add_argument("--current-only", action="store_true",
                       help="leave out historical clients (old recordings, and the samples of "
                            "cases no longer current)")
    probe.add_argument("--acme-client", action="append", metavar="ID",
                       help="show each breaking client's fix as this ACME client's command "
                            "(repeatable or comma-separated; default: certbot, lego and "
                            "acme.sh; `tlskb` knows the ACME clients of its catalogue, e.g. "
                            "caddy, traefik, cert-manager)")
    probe.add_argument("--list", action="store_true",
                       help="list the samples that would be sent, and exit (with --json: a "
                            "JSON array)")
    probe.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                       help="per connection (default: 10)")
    probe.add_argument("--concurrency", type=int, default=8, metavar="N",
                       help="connections at once (default: 8)")
    probe.set_defaults(handler=cmd_probe)
    from generator.certcheck.command import add_parser as add_cert_parser
    add_cert_parser(commands, protocols)
    from generator.impact.command import add_parser as add_impact
    add_impact(commands)
    _describe_exits(parser, commands)
    return parser


#: the exit statuses a command has beyond 0, 1, 2 and 130 (exits.py lists what each means)
EXTRA_EXITS = {"analyze": (Exit.DISAGREEMENT,), "probe": (Exit.CLIENTS_BREAK,),
               "cert": (Exit.CLIENTS_BREAK,), "impact": (Exit.CLIENTS_BREAK,)}


def _describe_exits(parser: argparse.ArgumentParser, commands) -> None:
    """Every command's --help ends with its exit statuses; the main help lists them all."""
    parser.formatter_class = TlskbHelp
    parser.epilog = exit_epilog(*Exit)
    for name, command in commands.choices.items():
        command.formatter_class = TlskbHelp
        command.epilog = exit_epilog(*EXTRA_EXITS.get(name, ()))


def main(argv: Sequence[str] | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        return args.handler(args, out, err)
    except CatalogueError as error:  # one line per problem (each printable already)
        print(f"tlskb: error: the key-type catalogue has {len(error.problems)} problem(s):",
              file=err)
        for problem in error.problems:
            print(problem, file=err)
        return EXIT_ERROR
    except OverlayError as error:  # a translation of the catalogue's or the stacks' prose
        print(f"tlskb: error: {error.what} has {len(error.problems)} problem(s):", file=err)
        for problem in error.problems:
            print(problem, file=err)
        return EXIT_ERROR
    except TlskbError as error:  # messages quote inputs: no control character gets through
        print(printable_line(f"tlskb: error: {error}"), file=err)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("tlskb: interrupted", file=err)
        return Exit.INTERRUPTED
    except BrokenPipeError:
        # the reader went away (`tlskb decode x | head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except MemoryError:
        print("tlskb: error: out of memory reading the input; split the capture with editcap",
              file=err)
        return EXIT_ERROR
