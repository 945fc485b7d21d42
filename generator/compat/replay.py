"""Proof by replay: which server a recorded ClientHello is handed to, and the one entry point
the CLI, the case checker, the site and the tests use.

The reference is always the pinned OpenSSL (openssl/pinned.py); this machine's libssl
(openssl/system.py) is an option for admins who want their own server's answer. Each proof
names the server it ran against (`Replayer.label`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import Any

from generator.compat.keytypes import KeyType
from generator.stacks.openssl.facts import PINNED_CRYPTOGRAPHY
from generator.compat.outcome import ReplayOutcome
from generator.errors import TlskbError


class OpenSSLBuild(enum.Enum):
    """Which OpenSSL a replay runs against (`--openssl`)."""
    PINNED = "pinned"   # the reference: the library inside the pinned cryptography wheel
    SYSTEM = "system"   # this machine's libssl, through Python's ssl module


@dataclass(frozen=True, slots=True)
class Replayer:
    build: OpenSSLBuild
    library: str        # the library's own version text, "OpenSSL 3.5.6 7 Apr 2026"
    label: str          # how proofs name it, "OpenSSL 3.5.6 (pinned reference, ...)"
    replay: Callable[[bytes, KeyType], ReplayOutcome]

    @property
    def is_reference(self) -> bool:
        """Only the pinned library is what the analyzer models; elsewhere a difference is a
        fact about that library, not an analyzer bug."""
        return self.build is OpenSSLBuild.PINNED

    @property
    def version(self) -> str:
        """The release number alone, "3.5.6"."""
        words = self.library.split()
        return words[1] if len(words) > 1 and words[0] == "OpenSSL" else self.library

    def as_json(self) -> dict[str, Any]:
        return {"build": self.build.value, "openssl": self.version, "library": self.library,
                "label": self.label, "reference": self.is_reference}


class ReplayUnavailable(TlskbError):
    """The library a replay needs cannot be loaded."""


def _server(build: OpenSSLBuild) -> ModuleType:
    """The module that drives `build`, imported on first use (so commands that replay nothing
    never load an OpenSSL)."""
    try:
        if build is OpenSSLBuild.PINNED:
            from generator.stacks.openssl import pinned as server
        else:
            from generator.stacks.openssl import system as server
    except ImportError as error:
        needs = (f"pyOpenSSL and cryptography {PINNED_CRYPTOGRAPHY}"
                 if build is OpenSSLBuild.PINNED else "Python's ssl module")
        raise ReplayUnavailable(f"replaying against the {build.value} OpenSSL needs {needs}, "
                                f"which cannot be loaded ({error}); reinstall tlskb: make, or "
                                "pip install -e .") from None
    return server


def replayer(build: OpenSSLBuild = OpenSSLBuild.PINNED) -> Replayer:
    """The replayer for `build`; the pinned one checks that it really is the pinned library
    (openssl/pinned.py raises ReferenceMismatch otherwise)."""
    server = _server(build)
    return Replayer(build, server.library_version(), server.label(), server.replay)


def reference_label() -> str:
    """"OpenSSL 3.5.6 (pinned reference, cryptography 46.0.7)"."""
    return replayer().label


def replay(raw: bytes, key_type: KeyType) -> ReplayOutcome:
    """`raw` (a ClientHello as sent: TLS records or SSL 2.0 format) handed to the reference
    server holding a `key_type` certificate, and its answer decoded."""
    return _server(OpenSSLBuild.PINNED).replay(raw, key_type)


@lru_cache(maxsize=16384)
def replay_memoized(raw: bytes, key_type: KeyType) -> ReplayOutcome:
    """`replay`, remembered for the life of the process: cases that quote the same client's
    ClientHello (a site has many) cost one handshake per key type. The reference server's
    choice depends only on the ClientHello and the key type, never on its random values."""
    return replay(raw, key_type)
