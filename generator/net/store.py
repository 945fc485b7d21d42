"""Captured ClientHellos as files: `#` header lines with where and when, then the hex. Every
`tlskb` command that reads input reads these as they are (`tlskb new ID --from FILE`)."""

from __future__ import annotations

import re
from pathlib import Path

from generator.ingest.packets import endpoint
from generator.net.capture import CapturedHello, utc_stamp
from generator.ingest.hexdump import wrap_hex
from generator.tls.fingerprint import Fingerprints

_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")


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
        f"sni: {hello.server_name or '(none)'}",
        f"ja4: {prints.ja4 or '(none: SSL 2.0 format)'}",
    ]
    if captured.handshake is not None:
        header.append(captured.handshake.describe())
    header.append("make it a case: tlskb new CASE-ID --from THIS-FILE")
    return "".join(f"# {line}\n" for line in header) + wrap_hex(wire.raw)


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
