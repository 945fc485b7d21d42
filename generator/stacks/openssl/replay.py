"""Which OpenSSL a replay runs against: the pinned reference (pinned.py) or, for admins who
want their own server's answer, this machine's libssl (system.py, `--openssl system`)."""

from __future__ import annotations

import enum
from types import ModuleType

from generator.compat.replay import Replayer, ReplayUnavailable
from generator.stacks import StackId
from generator.stacks.openssl.facts import PINNED_CRYPTOGRAPHY


class OpenSSLBuild(enum.Enum):
    """Which OpenSSL a replay runs against (`--openssl`)."""
    PINNED = "pinned"   # the reference: the library inside the pinned cryptography wheel
    SYSTEM = "system"   # this machine's libssl, through Python's ssl module


#: the builds `tlskb analyze --openssl` offers, the reference first
VARIANTS = tuple(build.value for build in OpenSSLBuild)


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


def _version(library: str) -> str:
    """The release number alone: "OpenSSL 3.5.6 7 Apr 2026" -> "3.5.6"."""
    words = library.split()
    return words[1] if len(words) > 1 and words[0] == "OpenSSL" else library


def replayer(build: OpenSSLBuild | str = OpenSSLBuild.PINNED) -> Replayer:
    """The replayer for `build`; the pinned one checks that it really is the pinned library
    (pinned.py raises ReferenceMismatch otherwise). Only the pinned library is what the
    analyzer models; elsewhere a difference is a fact about that library, not an analyzer bug."""
    build = OpenSSLBuild(build)
    server = _server(build)
    library = server.library_version()
    return Replayer(StackId.OPENSSL, library, _version(library), server.label(), server.replay,
                    is_reference=build is OpenSSLBuild.PINNED,
                    extra={"build": build.value, "openssl": _version(library)})
