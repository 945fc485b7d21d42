"""The recorded clients: real ClientHellos with their provenance, in data/clients/*.yaml.

Each file names the client and version, when and how it was recorded (or where a third party
recorded it), whether it spoke STARTTLS first, and the bytes it sent, as hex. `tlskb probe`
sends them to live servers; the tests compare the decoder with tshark on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from generator.errors import TlskbError

CLIENTS_DIR = Path(__file__).resolve().parent / "data" / "clients"


class ClientFileError(TlskbError):
    """A recorded-client file is unreadable or lacks a field."""


@dataclass(frozen=True, slots=True)
class RecordedClient:
    id: str                  # the file name without .yaml, e.g. "android-7.0-native"
    client: str              # e.g. "Android 7.0 (native)"
    version: str | None      # the client's version string when it was recorded here
    recorded: str | None     # ISO date of the recording, for those recorded by tools/
    starttls: str | None     # "smtp" when the client spoke STARTTLS before its hello
    source: str              # how the bytes were obtained
    raw: bytes               # what the client sent: TLS records or an SSL 2.0 ClientHello


def load_client(path: Path) -> RecordedClient:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        raw = bytes.fromhex("".join(str(data["hex"]).split()))
        return RecordedClient(path.stem, str(data["client"]), _optional(data.get("version")),
                              _optional(data.get("recorded")), data.get("starttls"),
                              " ".join(str(data["source"]).split()), raw)
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as error:
        raise ClientFileError(f"{path}: not a recorded-client file ({error!r}); each holds "
                              "client, source and hex") from None


def _optional(value: object) -> str | None:
    return None if value is None else str(value)


@cache
def recorded_clients(directory: Path = CLIENTS_DIR) -> tuple[RecordedClient, ...]:
    """Every recorded client in `directory`, in file-name order."""
    return tuple(load_client(path) for path in sorted(directory.glob("*.yaml")))
