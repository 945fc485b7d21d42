"""Write generator/compat/data/openssl-suites.json: the TLS 1.0-1.2 cipher suites the reference
server's cipher string enables in this OpenSSL, with their key exchange, authentication and
minimum protocol version, as OpenSSL itself reports them (SSLContext.get_ciphers()).

    python tools/snapshot_openssl_suites.py

tests/test_reference.py fails when the live OpenSSL disagrees with the committed snapshot.
"""

from __future__ import annotations

import json
import ssl
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.compat.reference import CIPHER_STRING  # noqa: E402

TARGET = ROOT / "generator" / "compat" / "data" / "openssl-suites.json"
_MIN_VERSION = {"SSLv3": 0x0300, "TLSv1.0": 0x0301, "TLSv1.2": 0x0303, "TLSv1.3": 0x0304}


def live_suites() -> list[dict]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.set_ciphers(CIPHER_STRING)
    suites = []
    for cipher in context.get_ciphers():
        if cipher["protocol"] == "TLSv1.3":
            continue  # TLS 1.3 suites are not set by the cipher string; see reference.py
        suites.append({"id": cipher["id"] & 0xFFFF, "openssl_name": cipher["name"],
                       "min_version": _MIN_VERSION[cipher["protocol"]],
                       "kx": cipher["kea"].removeprefix("kx-"),
                       "auth": cipher["auth"].removeprefix("auth-")})
    return sorted(suites, key=lambda s: s["id"])


def render() -> str:
    return json.dumps({"openssl": ssl.OPENSSL_VERSION, "cipher_string": CIPHER_STRING,
                       "suites": live_suites()}, indent=1) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET}")
