"""`tlskb capture` and `tlskb probe` as commands: parse the addresses, run the event loop,
print. cli.py builds their arguments and calls these."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import signal
from pathlib import Path
from typing import TextIO

from generator.console import emit_json, json_text, progress_printer
from generator.errors import UsageError
from generator.net.hostname import dns_name, shortened
from generator.printable import printable_line

from generator.exits import Exit

EXIT_OK, EXIT_ERROR, EXIT_CLIENTS_BREAK = Exit.OK, Exit.ERROR, Exit.CLIENTS_BREAK


def host_port(text: str, *, default_host: str | None = None, what: str = "address") -> tuple[str, int]:
    """HOST:PORT, [IPv6]:PORT, or (with a default host) PORT or :PORT; a HOST that is not an
    IP address comes back as an ASCII DNS name (hostname.py: IDNA 2003, length limits)."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    elif text.isdigit() and default_host is not None:
        host, port_text = "", text
    else:
        raise UsageError(f"{what} {shortened(text)} is not HOST:PORT (IPv6: [ADDRESS]:PORT)")
    host = host or default_host or ""
    if not host:
        raise UsageError(f"{what} {shortened(text)} has no host; write HOST:PORT")
    if not (port_text.isascii() and port_text.isdigit() and len(port_text) <= 5
            and int(port_text) <= 65535):
        raise UsageError(f"{what} {shortened(text)}: the port must be a number from 0 to 65535")
    try:
        ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        host = dns_name(host, what)
    return host, int(port_text)


# -- capture ------------------------------------------------------------------------------------
def cmd_capture(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.compat.keytypes import catalogue
    from generator.net import report, store
    from generator.net.capture import CaptureServer, CaptureSettings
    from generator.tls.fingerprint import fingerprints

    host, port = host_port(args.listen, default_host="127.0.0.1", what="--listen")
    catalog = catalogue()
    if args.count is not None and args.count < 1:
        raise UsageError("--count must be at least 1")
    handshake_key = (catalog.key_type(args.key_type or catalog.preference[0])
                     if args.handshake else None)
    for option, value in (("--max-connections", args.max_connections),
                          ("--max-per-peer", args.max_per_peer)):
        if value < 1:
            raise UsageError(f"{option} must be at least 1")
    max_duration = 3 * args.timeout if args.max_duration is None else args.max_duration
    for option, value in (("--timeout", args.timeout), ("--max-duration", max_duration)):
        if not 0 < value < float("inf"):
            raise UsageError(f"{option} must be a number of seconds above 0")
    settings = CaptureSettings(host, port, args.starttls, args.count, handshake_key,
                               args.timeout, args.timeout, args.max_connections,
                               args.max_per_peer, max_duration)
    directory = Path(args.out)
    failures: list[str] = []

    def on_hello(captured) -> None:
        verdicts = report.verdicts_for(captured.wire.hello, catalog)
        prints = fingerprints(captured.wire)
        try:
            saved = str(store.write_capture(directory, captured, prints))
        except OSError as error:
            failures.append(f"cannot save to {directory}: {error.strerror or error}")
            server.stop()
            return
        if args.json:
            out.write(json_text(report.capture_json(captured, verdicts, prints, saved)) + "\n")
        else:
            out.write(report.capture_text(captured, verdicts, prints, saved) + "\n\n")
        out.flush()

    def on_problem(problem) -> None:
        if not args.quiet:
            err.write(f"tlskb: {report.problem_text(problem)}\n")
            err.flush()

    server = CaptureServer(settings, on_hello, on_problem)

    async def serve():
        bound = await server.start()
        kind = f"{args.starttls.upper()} with STARTTLS" if args.starttls else "TLS"
        mode = (f"completing handshakes with a throwaway {handshake_key.label} certificate"
                if handshake_key else "answering each ClientHello with a handshake_failure alert")
        err.write(f"tlskb: listening on {bound[0]}:{bound[1]} ({kind}), {mode}; saving to "
                  f"{directory}/; Ctrl-C to stop\n")
        err.flush()
        loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(number, server.stop)
        return await server.run()

    stats = asyncio.run(serve())
    if failures:
        raise UsageError(failures[0])
    ended = [f"{stats.out_of_time} cut at --max-duration"] if stats.out_of_time else []
    if stats.displaced:
        ended.append(f"{stats.displaced} closed to make room for newer ones, every "
                     "--max-connections slot being taken")
    err.write(f"tlskb: {stats.hellos} ClientHello(s) captured from {stats.connections} "
              f"connection(s); {stats.problems} ended without one"
              + (f" ({', '.join(ended)})" if ended else "")
              + (f"; {stats.turned_away} turned away (every slot held past its ClientHello, "
                 "or stopping)" if stats.turned_away else "")
              + (f"; {stats.turned_away_peer} turned away (over --max-per-peer from one "
                 "address)" if stats.turned_away_peer else "") + "\n")
    return EXIT_OK


# -- probe --------------------------------------------------------------------------------------
def cmd_probe(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.compat.keytypes import catalogue
    from generator.knowledge import cases_dir
    from generator.net import report
    from generator.net.probe import Target, default_server_name, probe_all
    from generator.compat.advice import acme_clients
    from generator.net.probesummary import summarize
    from generator.net.samples import chosen_samples, knowledge_base_samples

    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    if not 0 < args.timeout < float("inf"):
        raise UsageError("--timeout must be a number of seconds above 0")
    catalog = catalogue()
    chosen_acme = acme_clients(args.acme_client, catalog)
    samples, cases = knowledge_base_samples(
        None if args.no_cases else Path(args.cases) if args.cases else cases_dir())
    samples = chosen_samples(samples, args.only, args.ignore, args.current_only)
    if args.list:
        if args.json:
            emit_json([{"sample": s.id, "case": s.case_id, "client": s.client,
                        "historical": s.historical} for s in samples], out)
            return EXIT_OK
        for sample in samples:
            fields = (sample.id, sample.case_id or "-", sample.client)  # from case files
            out.write("\t".join(printable_line(field) for field in fields) + "\n")
        return EXIT_OK
    if not args.target:
        raise UsageError("tlskb probe needs HOST:PORT (or --list)")
    if not samples:
        raise UsageError("no ClientHello left to send after --only, --ignore and "
                         "--current-only")
    host, port = host_port(args.target, what="target")
    if port == 0:
        raise UsageError("target port 0 is not a port to connect to")
    server_name = (dns_name(args.sni, "--sni") if args.sni else
                   None if args.sni == "" else default_server_name(host))
    target = Target(host, port, args.starttls, server_name, args.timeout)

    progress = progress_printer(err, lambda done, total, waiting: printable_line(
        f"probing {done}/{total}"
        + (f"; {report.shortened(waiting, 60)} (up to {args.timeout:g} s)" if waiting else "")))
    results = asyncio.run(probe_all(target, samples, args.concurrency, progress,
                                    pilot=_pilot(samples, catalog)))
    unreached = [r for r in results if not r.probed]   # never judged: nothing was asked
    found = report.findings([r for r in results if r.probed], catalog)
    summary = summarize(found, catalog, cases, chosen_acme)
    if args.json:
        emit_json(report.probe_json({"host": host, "port": port, "starttls": args.starttls,
                                     "server_name": server_name}, found, summary, catalog,
                                    unreached), out)
    else:
        shown = f"{host}:{port}" + (f" ({args.starttls.upper()} STARTTLS)" if args.starttls
                                    else "")
        out.write(report.probe_text(shown, found, summary, catalog, unreached) + "\n")
    if unreached:   # an incomplete probe is an error, whatever the others said
        print(printable_line(f"tlskb: error: {len(unreached)} of {len(results)} ClientHellos "
                             f"could not be sent ({unreached[0].detail}); they are left out of "
                             "the verdicts: the server may limit connections per client "
                             "(try --concurrency 1), run again"), file=err)
        return EXIT_ERROR
    current_break = any(not f.result.ok and not f.result.sample.historical for f in found)
    return EXIT_CLIENTS_BREAK if current_break else EXIT_OK


def _pilot(samples, catalog) -> int:
    """The sample to send alone first: the one the analyzer expects the most key types to
    serve, so that a server which refuses it most likely does not speak TLS at all."""
    from generator.net.report import verdicts_for
    from generator.tls.records import decode_client_hello

    def served(index: int) -> int:
        hello = decode_client_hello(samples[index].raw).hello
        return sum(v.ok for v in verdicts_for(hello, catalog))
    return max(range(len(samples)), key=lambda i: (served(i), -i))
