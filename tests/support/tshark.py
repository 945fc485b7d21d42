"""Run tshark as the independent decoder: one pcap in, per-ClientHello field values out."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

#: the fields compared, as tshark 4.x names them
FIELDS = [
    "frame.number", "tcp.stream", "tls.record.version", "tls.record.length",
    "tls.handshake.version", "tls.handshake.random", "tls.handshake.session_id",
    "tls.handshake.ciphersuite", "tls.handshake.comp_method", "tls.handshake.extension.type",
    "tls.handshake.extensions_supported_group", "tls.handshake.extensions_ec_point_format",
    "tls.handshake.sig_hash_alg", "tls.handshake.extensions.supported_version",
    "tls.handshake.extensions_alpn_str", "tls.handshake.extensions_server_name",
    "tls.handshake.extensions_key_share_group", "tls.handshake.extensions.psk.identity.identity",
    "tls.handshake.ja3_full", "tls.handshake.ja3", "tls.handshake.cipherspec",
    "tls.handshake.challenge",
]


def client_hellos(tshark: str, pcap: Path, decode_as: list[str] = ()) -> list[dict[str, list[str]]]:
    """One dict per frame that completes a ClientHello: field -> list of values (wire order)."""
    command = [tshark, "-r", str(pcap), "-n", "-Y", "tls.handshake.type == 1", "-T", "ek"]
    for rule in decode_as:
        command += ["-d", rule]
    for field in FIELDS:
        command += ["-e", field]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    hellos = []
    for line in result.stdout.splitlines():
        record = json.loads(line)
        layers = record.get("layers")
        if not layers:
            continue
        hellos.append(layers)
    return hellos


def values(hello: dict, field: str) -> list[str]:
    """tshark -T ek names fields with '_' for '.': tls_handshake_ciphersuite."""
    value = hello.get(field.replace(".", "_"), [])
    return value if isinstance(value, list) else [value]
