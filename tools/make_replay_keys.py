"""Write generator/compat/data/replay-keys/: the private keys the reference server signs with
during a replay, one per catalogue key type plus the two issuer keys.

    python tools/make_replay_keys.py            # writes only the keys that are missing
    python tools/make_replay_keys.py --renew    # replaces all of them

The keys are committed on purpose. They protect nothing: they sign handshakes with a client
that exists only in memory on the build machine, and their certificates name `localhost`.
Generating an RSA 8192 key takes 2-25 s, which every site build and test run would otherwise
pay; loading it takes microseconds. tests/test_reference.py checks each file holds the key its
name promises.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa  # noqa: E402

from generator.compat.certs import ISSUER_KEYS, KEY_DIRECTORY, key_file_name  # noqa: E402
from generator.compat.keytypes import catalogue  # noqa: E402

_CURVES = {"secp256r1": ec.SECP256R1, "secp384r1": ec.SECP384R1, "secp521r1": ec.SECP521R1}


def generate(algorithm: str, size: int | None, curve: str | None):
    if algorithm == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=size)
    if algorithm == "ecdsa":
        return ec.generate_private_key(_CURVES[curve]())
    if algorithm == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    raise SystemExit(f"unknown key algorithm {algorithm!r} in the catalogue")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renew", action="store_true", help="replace existing keys")
    renew = parser.parse_args().renew
    wanted = {(k.algorithm, k.size, k.curve, False) for k in catalogue().key_types}
    wanted |= {(*key, True) for key in ISSUER_KEYS.values()}
    KEY_DIRECTORY.mkdir(parents=True, exist_ok=True)
    for algorithm, size, curve, issuer in sorted(wanted, key=str):
        path = KEY_DIRECTORY / key_file_name(algorithm, size, curve, issuer)
        if path.exists() and not renew:
            continue
        key = generate(algorithm, size, curve)
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
