"""Replays remembered on disk, so that a warm `tlskb check` or `make site` replays nothing.

A replay's answer depends only on the ClientHello's bytes, the stack's exact library, the
certificate the replayer holds and the key type (replayers keep no sessions and the analyzers
never look at random values), so that is the key: SHA-256 of the hello, the stack id, the
library's full version text, the key type's parameters, SHA-256 of the replay keys and of the
code that makes their certificates (compat/certs.py), and
FORMAT (raised whenever ReplayOutcome changes shape). Stored in SQLite (the standard library;
safe when two builds run at once) at $TLSKB_CACHE_DIR/replays.sqlite3, by default
$XDG_CACHE_HOME/tlskb or ~/.cache/tlskb. TLSKB_REPLAY_CACHE=off turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from dataclasses import asdict, fields
from functools import cache
from pathlib import Path

from generator.compat import certs
from generator.compat.keytypes import KeyType
from generator.compat.outcome import AnswerKind, ReplayOutcome
from generator.errors import TlskbError

FORMAT = 1
_COLUMNS = {f.name for f in fields(ReplayOutcome)}


class ReplayCacheError(TlskbError):
    """The cache file cannot be used (unreadable, or not a tlskb cache)."""


def cache_path() -> Path | None:
    """Where the cache lives, or None when it is turned off."""
    if os.environ.get("TLSKB_REPLAY_CACHE", "").lower() in ("off", "0", "no"):
        return None
    base = os.environ.get("TLSKB_CACHE_DIR")
    if not base:
        xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        base = str(Path(xdg) / "tlskb")
    return Path(base) / "replays.sqlite3"


@cache
def _connection(path: Path) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, timeout=30, isolation_level=None)
        connection.execute("CREATE TABLE IF NOT EXISTS replays (key TEXT PRIMARY KEY, "
                           "outcome TEXT NOT NULL)")
    except (OSError, sqlite3.Error) as error:
        raise ReplayCacheError(f"cannot use the replay cache {path}: {error}; delete the file, "
                               "or set TLSKB_REPLAY_CACHE=off") from None
    return connection


@cache
def _credentials_digest() -> str:
    """What decides the certificates a replayer holds: the committed replay keys and the code
    that builds the certificates around them (fresh serials and dates each process do not
    matter to any handshake)."""
    digest = hashlib.sha256(Path(certs.__file__).read_bytes())
    for path in sorted(certs.KEY_DIRECTORY.glob("*.pem")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def cache_key(raw: bytes, key_type: KeyType, stack: str, library: str) -> str:
    parts = [str(FORMAT), hashlib.sha256(raw).hexdigest(), stack, library, key_type.id,
             key_type.algorithm, str(key_type.size), str(key_type.curve),
             _credentials_digest()]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def load(key: str) -> ReplayOutcome | None:
    """The remembered outcome for `key`, or None (also when the cache is off)."""
    path = cache_path()
    if path is None:
        return None
    try:
        row = _connection(path).execute("SELECT outcome FROM replays WHERE key = ?",
                                        (key,)).fetchone()
    except sqlite3.Error as error:
        raise ReplayCacheError(f"cannot read the replay cache {path}: {error}; delete the file, "
                               "or set TLSKB_REPLAY_CACHE=off") from None
    if row is None:
        return None
    try:
        stored = json.loads(row[0])
        if set(stored) != _COLUMNS:
            raise ValueError("its fields are not ReplayOutcome's")
        stored["kind"] = AnswerKind(stored["kind"])
        stored["leading_warnings"] = tuple(stored["leading_warnings"])
        return ReplayOutcome(**stored)
    except (ValueError, TypeError, KeyError) as error:
        raise ReplayCacheError(f"the replay cache {path} holds an entry tlskb did not write "
                               f"({error}); delete the file") from None


def store(key: str, outcome: ReplayOutcome) -> None:
    path = cache_path()
    if path is None:
        return
    value = asdict(outcome)
    value["kind"] = outcome.kind.value
    try:
        _connection(path).execute("INSERT OR REPLACE INTO replays VALUES (?, ?)",
                                  (key, json.dumps(value, sort_keys=True)))
    except sqlite3.Error as error:
        raise ReplayCacheError(f"cannot write the replay cache {path}: {error}; delete the "
                               "file, or set TLSKB_REPLAY_CACHE=off") from None
