"""`tlskb cert` as a command: its arguments (add_parser, called by cli.build_parser), the
file or server it reads, and what it prints. The I/O edge of generator/certcheck."""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path
from typing import TextIO

from generator.errors import TlskbError, UsageError
from generator.exits import Exit

#: filled in by cli.TlskbHelp when help is printed
_STACKS, _DEFAULT_STACK = "{stacks}", "{default stack}"


def add_parser(commands, protocols: tuple[str, ...]) -> argparse.ArgumentParser:
    cert = commands.add_parser(
        "cert", help="which known clients break with a certificate (a file, or a server's)",
        description="Read a certificate or chain (PEM or DER) from FILE, or fetch the chains "
                    "HOST:PORT serves (several if it holds several certificates: one fetch "
                    "offers only ECDSA, one only RSA, one only Ed25519, one the defaults). Name "
                    "each certificate's key type, list the known clients (the knowledge base's "
                    "cases and recorded clients) that break with the served key types on each "
                    "server stack and why, and say which key type serves every current client "
                    "with the command to request it. Exits 4 if a current client breaks. "
                    "FILE is a path that exists; anything else is HOST:PORT.")
    cert.add_argument("target", metavar="FILE|HOST:PORT",
                      help="a PEM or DER certificate file (a chain: leaf first), or a server")
    cert.add_argument("--starttls", choices=protocols,
                      help="with HOST:PORT: speak this protocol up to STARTTLS first")
    cert.add_argument("--sni", metavar="NAME",
                      help="with HOST:PORT: the server name to send (default: HOST, unless it "
                           "is an IP address; '' sends none)")
    cert.add_argument("--stack", metavar="S",
                      help=f"the server stacks to answer for, comma-separated, or all: "
                           f"{_STACKS} (default: {_DEFAULT_STACK})")
    cert.add_argument("--current-only", action="store_true",
                      help="leave historical and fixed clients out of the lists (they never "
                           "count towards exit status 4)")
    cert.add_argument("--json", action="store_true", help="print JSON")
    cert.add_argument("--cases", default=None, metavar="DIR",
                      help="the cases whose samples count as known clients (default: the "
                           "knowledge base's own)")
    cert.add_argument("--no-cases", action="store_true", help="only the recorded clients")
    cert.add_argument("--only", action="append", metavar="ID",
                      help="only these known clients or cases (shell patterns, as `tlskb "
                           "probe --only`; `tlskb probe --list` lists them)")
    cert.add_argument("--ignore", action="append", metavar="ID",
                      help="leave these known clients or cases out (patterns as for --only)")
    cert.add_argument("--acme-client", action="append", metavar="ID",
                      help="show the commands of these ACME clients (repeatable or "
                           "comma-separated, or all; default: certbot, lego and acme.sh)")
    cert.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                      help="with HOST:PORT: per connection (default: 10)")
    cert.set_defaults(handler=cmd_cert)
    return cert


def cmd_cert(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.certcheck import report
    from generator.certcheck.advice import advise
    from generator.certcheck.verdicts import findings
    from generator.compat.advice import acme_clients
    from generator.compat.keytypes import catalogue
    from generator.console import emit_json
    from generator.printable import printable_line
    from generator.stacks import DEFAULT, parse_stacks

    chosen = parse_stacks(args.stack) if args.stack else (DEFAULT,)
    if not 0 < args.timeout < float("inf"):
        raise UsageError("--timeout must be a number of seconds above 0")
    path = Path(args.target)
    if os.path.lexists(path):
        if args.starttls or args.sni is not None:
            raise UsageError(f"{args.target} is a file: --starttls and --sni are for a server "
                             "(HOST:PORT)")
        source, kind, starttls = args.target, "file", None
        chains, notes, refusals = _from_file(path)
    else:
        source, kind, starttls = args.target, "server", args.starttls
        chains, refusals = _from_server(args)
        notes = ()
    catalog = catalogue()
    served = tuple(dict.fromkeys(catalog.key_type(c.leaf.key_type) for c in chains
                                 if c.leaf.key_type))
    outside = tuple(dict.fromkeys(c.leaf.key for c in chains if c.leaf.key_type is None))
    clients, case_samples = _known_clients(args)
    stacks = tuple(findings(clients, served, bool(outside), chosen, case_samples))
    checked = report.Checked(source, kind, starttls, chains, notes, refusals, served, outside,
                             len(clients), sum(c.current for c in clients), stacks,
                             advise(clients, chosen, catalog),
                             acme_clients(args.acme_client, catalog))
    if args.json:
        emit_json(report.as_json(checked, catalog, args.current_only), out)
    else:
        out.write(report.text(checked, catalog, args.current_only) + "\n")
    if checked.breaks:
        return Exit.CLIENTS_BREAK
    if not checked.judged:
        advice = " and ".join(k.label for k in checked.advice.to_request)
        print(printable_line(
            f"tlskb: error: {' and '.join(outside)} is not a key type tlskb has verdicts for, "
            "so whether known clients break cannot be said; request one it has"
            + (f": {advice} (see above)" if advice else "")), file=err)
        return Exit.ERROR
    return Exit.OK


def _from_file(path: Path):
    from generator.certcheck.read import MAX_FILE, read_certificates
    if path.is_dir():
        raise UsageError(f"{path}: is a directory, not a certificate file")
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE + 1)   # more than the cap is refused, not read whole
    except OSError as error:
        raise UsageError(f"{path}: cannot read ({error.strerror or error})") from None
    read = read_certificates(data, str(path))
    return (read.chain,), read.notes, ()


def _from_server(args):
    from generator.certcheck.chain import Certificate, Chain, describe
    from generator.certcheck.report import Refusal
    from generator.errors import DecodeError
    from generator.net.certfetch import fetch_all
    from generator.net.certificate import certificate_key
    from generator.net.commands import host_port
    from generator.net.hostname import dns_name
    from generator.net.probe import Target, default_server_name

    try:
        host, port = host_port(args.target, what="target")
    except UsageError:
        raise UsageError(f"{args.target}: no such file, and not HOST:PORT; give a certificate "
                         "file or a server") from None
    if port == 0:
        raise UsageError("target port 0 is not a port to connect to")
    server_name = (dns_name(args.sni, "--sni") if args.sni else
                   None if args.sni == "" else default_server_name(host))
    fetched = asyncio.run(fetch_all(Target(host, port, args.starttls, server_name,
                                           args.timeout)))
    by_leaf: dict[bytes, tuple[tuple[bytes, ...], list[str]]] = {}
    for result in fetched:
        if result.chain:
            by_leaf.setdefault(result.chain[0], (result.chain, []))[1].append(result.offer.value)
    refusals = tuple(Refusal(r.offer.value, r.refused or "no certificate sent")
                     for r in fetched if not r.chain)
    if not by_leaf:
        raise TlskbError(f"{host}:{port} sent no certificate: "
                         + "; ".join(f"offering {r.offer}: {r.reason}" for r in refusals)
                         + "; is it a TLS server (or does it need --starttls)?")

    def certificate(der: bytes, position: int) -> Certificate:
        try:
            return describe(der, position, f"{host}:{port}")
        except DecodeError as error:  # the library took it; cryptography does not
            key, key_type = certificate_key(der)
            return Certificate(position, f"(unreadable: {error.message})", None, "", key,
                               key_type, der)
    chains = tuple(Chain(tuple(certificate(der, n) for n, der in enumerate(chain)),
                         tuple(offers))
                   for chain, offers in by_leaf.values())
    return chains, refusals


def _known_clients(args):
    """(the known clients to list, every case sample): each with whether it is still in use
    (verdicts.Era)."""
    from generator.certcheck.verdicts import Era, KnownClient
    from generator.compat.clients import recorded_clients
    from generator.knowledge import cases_dir
    from generator.net.samples import chosen_samples, knowledge_base_samples
    from generator.tls.records import decode_client_hello

    directory = None if args.no_cases else Path(args.cases) if args.cases else cases_dir()
    samples, cases = knowledge_base_samples(directory)
    states = {case.id: Era(case.status.state) for case in cases}
    historical = {client.id: client.historical for client in recorded_clients()}
    known = [KnownClient(sample, decode_client_hello(sample.raw).hello,
                         states[sample.case_id] if sample.case_id else
                         Era.HISTORICAL if historical.get(sample.id) else Era.CURRENT)
             for sample in samples]
    case_samples = [client for client in known if client.sample.case_id]
    kept = set(chosen_samples(samples, args.only, args.ignore, False))
    known = [c for c in known if c.sample in kept]
    return known, case_samples
