"""Write generator/stacks/openssl/data/openssl-suites.json: the TLS 1.0-1.2 cipher suites the
reference server's cipher string enables in the pinned OpenSSL, with their key exchange,
authentication and minimum protocol version.

    python tools/snapshot_openssl_suites.py

Which suites are enabled, their OpenSSL names and minimum versions come from the pinned
library itself (SSL_get_cipher_list, SSL_CIPHER_find, SSL_CIPHER_get_version through
cryptography's OpenSSL bindings); key exchange and authentication are read from each suite's
IANA name (TLS_<kx>_<auth>_WITH_..., RFC 5246 Appendix A.5), which encodes exactly that.
tests/test_reference.py fails when the pinned library disagrees with the committed snapshot.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.stacks.openssl.facts import CIPHER_STRING  # noqa: E402
from generator.stacks.openssl.pinned import library_version  # noqa: E402
from generator.tls import registry  # noqa: E402

TARGET = ROOT / "generator" / "stacks" / "openssl" / "data" / "openssl-suites.json"
_MIN_VERSION = {"SSLv3": 0x0300, "TLSv1.0": 0x0301, "TLSv1.2": 0x0303, "TLSv1.3": 0x0304}
#: IANA name prefix -> (key exchange, authentication), in OpenSSL's vocabulary
_KX_AUTH = [("TLS_ECDHE_ECDSA_", "ecdhe", "ecdsa"), ("TLS_ECDHE_RSA_", "ecdhe", "rsa"),
            ("TLS_ECDHE_PSK_", "ecdhe-psk", "psk"), ("TLS_DHE_RSA_", "dhe", "rsa"),
            ("TLS_DHE_DSS_", "dhe", "dss"), ("TLS_DHE_PSK_", "dhe-psk", "psk"),
            ("TLS_RSA_PSK_", "rsa-psk", "rsa"), ("TLS_RSA_", "rsa", "rsa"),
            ("TLS_PSK_DHE_", "dhe-psk", "psk"), ("TLS_PSK_", "psk", "psk"),
            ("TLS_SRP_SHA_RSA_", "srp", "rsa"),
            ("TLS_SRP_SHA_DSS_", "srp", "dss"), ("TLS_SRP_SHA_", "srp", "srp")]


def key_exchange_and_auth(iana_name: str) -> tuple[str, str]:
    for prefix, kx, auth in _KX_AUTH:
        if iana_name.startswith(prefix):
            return kx, auth
    raise ValueError(f"{iana_name}: no key exchange/authentication rule; extend _KX_AUTH")


def live_suites() -> list[dict]:
    from cryptography.hazmat.bindings.openssl.binding import Binding
    lib, ffi = Binding.lib, Binding.ffi
    library_version()  # refuses anything but the pinned library
    context = ffi.gc(lib.SSL_CTX_new(lib.TLS_server_method()), lib.SSL_CTX_free)
    if not lib.SSL_CTX_set_cipher_list(context, CIPHER_STRING.encode("ascii")):
        raise RuntimeError(f"the pinned OpenSSL refuses the cipher string {CIPHER_STRING}")
    connection = ffi.gc(lib.SSL_new(context), lib.SSL_free)
    enabled, index = set(), 0
    while (name := lib.SSL_get_cipher_list(connection, index)) != ffi.NULL:
        enabled.add(ffi.string(name).decode("ascii"))
        index += 1
    suites = []
    for code, iana_name in sorted(registry.tables()["cipher_suites"].items()):
        cipher = lib.SSL_CIPHER_find(connection, code.to_bytes(2, "big"))
        if cipher == ffi.NULL:
            continue
        name = ffi.string(lib.SSL_CIPHER_get_name(cipher)).decode("ascii")
        version = ffi.string(lib.SSL_CIPHER_get_version(cipher)).decode("ascii")
        if name not in enabled or version == "TLSv1.3":
            continue  # TLS 1.3 suites are not set by the cipher string; see facts.py
        kx, auth = key_exchange_and_auth(iana_name)
        suites.append({"id": code, "openssl_name": name, "min_version": _MIN_VERSION[version],
                       "kx": kx, "auth": auth})
    missing = enabled - {s["openssl_name"] for s in suites} - {
        n for n in enabled if re.match(r"TLS_(AES|CHACHA20)", n)}
    if missing:
        raise RuntimeError(f"enabled suites without an IANA codepoint: {sorted(missing)}")
    return suites


def render() -> str:
    return json.dumps({"openssl": library_version(), "cipher_string": CIPHER_STRING,
                       "suites": live_suites()}, indent=1) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET}")
