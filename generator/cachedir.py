"""tlskb's cache directory: remembered replays, and the Go and Java helpers built on first use.
It holds programs tlskb runs and answers it publishes as proven, so it must be the user's
own: created private (0700), and refused — never used — when it, a directory in it, or a file
tlskb would run or read from it belongs to someone else or is writable by others.

$TLSKB_CACHE_DIR, else $XDG_CACHE_HOME/tlskb, else ~/.cache/tlskb.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from generator.errors import TlskbError


class UnsafeCache(TlskbError):
    """A cache directory or file that someone else could have written."""


def cache_root() -> Path:
    explicit = os.environ.get("TLSKB_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tlskb"


def _check(path: Path) -> None:
    info = os.lstat(path)
    problem = None
    if stat.S_ISLNK(info.st_mode):
        problem = "is a symbolic link"
    elif info.st_uid != os.getuid():
        problem = f"belongs to user {info.st_uid}, not to you ({os.getuid()})"
    elif info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        problem = f"is writable by others (mode {stat.S_IMODE(info.st_mode):o})"
    if problem:
        raise UnsafeCache(f"{path} {problem}: tlskb runs programs and trusts answers it keeps "
                          "there; remove it, or set TLSKB_CACHE_DIR to a directory of your own")


def private_directory(*parts: str) -> Path:
    """cache_root()/parts…, created with mode 0700 where missing; the root and every directory
    below it checked to be the user's own and writable by no one else."""
    path = cache_root()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _check(path)
    for part in parts:
        path = path / part
        path.mkdir(mode=0o700, exist_ok=True)
        _check(path)
    return path


def trusted_file(path: Path) -> Path:
    """`path` (in a private directory), checked the same way before it is run or read."""
    _check(path)
    return path
