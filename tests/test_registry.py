"""Codepoint names: the shipped registry is generated from the IANA copies, and it names
everything tshark names where both know the codepoint."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import pytest

from generator.tls import registry

ROOT = Path(__file__).resolve().parent.parent


def test_registry_json_is_up_to_date():
    spec = importlib.util.spec_from_file_location("build_registry", ROOT / "tools" / "build_registry.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    committed = (ROOT / "generator" / "tls" / "data" / "registry.json").read_text(encoding="utf-8")
    assert module.render() == committed, "run: python tools/build_registry.py"


@pytest.mark.parametrize("lookup,value,name", [
    (registry.cipher_suite_name, 0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
    (registry.cipher_suite_name, 0x1301, "TLS_AES_128_GCM_SHA256"),
    (registry.cipher_suite_name, 0x00FF, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"),
    (registry.cipher_suite_name, 0x7A7A, "Reserved (GREASE)"),
    (registry.cipher_suite_name, 0x0B00, "Unknown"),
    (registry.group_name, 0x0017, "secp256r1"),
    (registry.group_name, 0x001D, "x25519"),
    (registry.group_name, 0x11EC, "X25519MLKEM768"),
    (registry.signature_scheme_name, 0x0503, "ecdsa_secp384r1_sha384"),
    (registry.signature_scheme_name, 0x0202, "dsa_sha1"),
    (registry.signature_scheme_name, 0x0301, "rsa_sha224"),
    (registry.signature_scheme_name, 0x0807, "ed25519"),
    (registry.extension_name, 0xFF01, "renegotiation_info"),
    (registry.extension_name, 0xFE0D, "encrypted_client_hello"),
    (registry.version_name, 0x7F1C, "TLS 1.3 (draft 28)"),
    (registry.psk_mode_name, 0x2A, "Reserved (GREASE)"),
    (registry.sslv2_cipher_spec_name, 0x010080, "SSL_CK_RC4_128_WITH_MD5"),
    (registry.sslv2_cipher_spec_name, 0x00002F, "TLS_RSA_WITH_AES_128_CBC_SHA"),
])
def test_names(lookup, value, name):
    assert lookup(value) == name


def test_grease_values():
    assert [v for v in range(0x10000) if registry.is_grease(v)] == [0x0A0A + 0x1010 * i
                                                                     for i in range(16)]
    assert registry.is_grease_alpn(b"\x3a\x3a") and not registry.is_grease_alpn(b"h2")


def _tshark_values(tshark: str, field: str) -> dict[int, str]:
    out = subprocess.run([tshark, "-G", "values"], capture_output=True, text=True, check=True).stdout
    table = {}
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) >= 4 and parts[0] == "V" and parts[1] == field:
            table[int(parts[2], 0)] = parts[3]
    return table


#: what tshark names and tlskb deliberately does not: codepoints no client in this field sends
NOT_NAMED = {
    "tls.handshake.ciphersuite": {"SM national suites (0xE0xx, China)": range(0xE000, 0xE100),
                                  "eSTREAM Salsa20 (0xE41x, a 2013 draft)": range(0xE410, 0xE420),
                                  "ECJPAKE (0xC0FF, Thread)": range(0xC0FF, 0xC100)},
    "tls.alert_message.desc": {"end_of_early_data, an alert only in TLS 1.3 drafts": range(1, 2)},
    "tls.handshake.type": {"7, which Wireshark calls Request Certificate; not in IANA's registry":
                           range(7, 8)},
}


@pytest.mark.parametrize("field,table", [
    ("tls.handshake.extension.type", "extensions"),
    ("tls.handshake.ciphersuite", "cipher_suites"),
    ("tls.alert_message.desc", "alerts"),
    ("tls.handshake.type", "handshake_types"),
])
def test_we_name_what_tshark_names(tshark, field, table):
    """Coverage against an independent table: every codepoint tshark names, tlskb names too,
    except the few listed in NOT_NAMED."""
    theirs = _tshark_values(tshark, field)
    excluded = NOT_NAMED.get(field, {}).values()
    namer = {"cipher_suites": registry.cipher_suite_name}.get(
        table, lambda value: registry.tables()[table].get(value, registry.UNKNOWN_NAME))
    missing = {hex(value): name for value, name in theirs.items()
               if namer(value) == registry.UNKNOWN_NAME and not registry.is_grease(value)
               and not any(value in span for span in excluded)}
    assert not missing
