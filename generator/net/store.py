"""Captured ClientHellos as files: `#` header lines with where and when, then the hex. Every
`tlskb` command that reads input reads these as they are (`tlskb new ID --from FILE`).

The hex is the record; the header only describes it, and no client can forge either: what the
client chose (its SNI) is written `quoted` (generator/printable.py: `"…"` with `\\`, `\"` and
`\\xHH` escapes, reversed by `unquote`), and every header line is printable ASCII, so no byte a
client sends can end a header line early or start a line of hex."""

from __future__ import annotations

import re
from pathlib import Path

from generator.ingest.hexdump import wrap_hex
from generator.ingest.packets import endpoint
from generator.net.capture import CapturedHello, utc_stamp
from generator.printable import printable_line, quoted
from generator.tls.fingerprint import Fingerprints
from generator.tls.messages import ClientHello

_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")


def shown_server_name(hello: ClientHello) -> str:
    """The SNI as capture files and the terminal show it: quoted and escaped, or (none)."""
    name = hello.server_name_bytes
    return "(none)" if name is None else quoted(name)


def file_text(captured: CapturedHello, prints: Fingerprints) -> str:
    """The file's text: provenance as comments, then the bytes as hex, 32 per line."""
    wire = captured.wire
    hello = wire.hello
    protocol = (f"{captured.protocol.upper()} with STARTTLS" if captured.protocol
                else "TLS (no STARTTLS)")
    header = [
        f"ClientHello captured by tlskb capture ({len(wire.raw)} bytes, {wire.wire_format})",
        f"time: {utc_stamp(captured.time)}",
        f"peer: {endpoint(captured.peer)}",
        f"listener: {endpoint(captured.listener)}",
        f"protocol: {protocol}",
        f"sni: {shown_server_name(hello)}",
        f"ja4: {prints.ja4 or '(none: SSL 2.0 format)'}",
    ]
    if captured.handshake is not None:
        header.append(captured.handshake.describe())
    header.append("make it a case: tlskb new CASE-ID --from THIS-FILE")
    return "".join(f"# {_ascii_line(line)}\n" for line in header) + wrap_hex(wire.raw)


def _ascii_line(text: str) -> str:
    """One header line, printable ASCII whatever words it quotes (e.g. OpenSSL's reason)."""
    return printable_line(text).encode("ascii", "backslashreplace").decode("ascii")


def file_name(captured: CapturedHello) -> str:
    """e.g. 20261127T031500Z-127.0.0.1-53422-0001.hex: sortable, unique within a run."""
    stamp = captured.time.strftime("%Y%m%dT%H%M%SZ")
    host = _UNSAFE.sub("_", captured.peer[0])
    return f"{stamp}-{host}-{captured.peer[1]}-{captured.number:04d}.hex"


def write_capture(directory: Path, captured: CapturedHello, prints: Fingerprints) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / file_name(captured)
    path.write_text(file_text(captured, prints), encoding="utf-8")
    return path
