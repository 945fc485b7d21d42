"""Replays remembered on disk, so that a warm `tlskb check` or `make site` replays nothing.

A replay's answer depends only on the ClientHello's bytes, the stack's exact library, the
certificate the replayer holds and the key type (replayers keep no sessions and the analyzers
never look at random values), so that is the key: SHA-256 of the hello, the stack id, the
library's full version text and the replayer's label, the key type's parameters, SHA-256 of the
replay keys and of the code that makes their certificates (compat/certs.py), SHA-256 of the
stack's package and of the decoding code, and
FORMAT (raised whenever ReplayOutcome changes shape). Stored in SQLite (the standard library;
safe when two builds run at once) as replays.sqlite3 in tlskb's private cache directory
(generator/cachedir.py: $TLSKB_CACHE_DIR, $XDG_CACHE_HOME/tlskb or ~/.cache/tlskb).
TLSKB_REPLAY_CACHE=off turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from dataclasses import asdict, fields
from functools import cache
from pathlib import Path

from generator.compat import certs
from generator.compat.keytypes import KeyType
from generator.compat.outcome import AnswerKind, ReplayOutcome
from generator.cachedir import cache_root, private_directory, trusted_file
from generator.errors import TlskbError

FORMAT = 2
_LOCK = threading.Lock()
_COLUMNS = {f.name for f in fields(ReplayOutcome)}


class ReplayCacheError(TlskbError):
    """The cache file cannot be used (unreadable, or not a tlskb cache)."""


def cache_path() -> Path | None:
    """Where the cache lives (generator/cachedir.py), or None when it is turned off."""
    if os.environ.get("TLSKB_REPLAY_CACHE", "").lower() in ("off", "0", "no"):
        return None
    return cache_root() / "replays.sqlite3"


@cache
def _connection(path: Path) -> sqlite3.Connection:
    try:
        private_directory()  # UnsafeCache (one line) when someone else could write there
        if path.exists() or path.is_symlink():
            trusted_file(path)
        # one connection for the process, shared by threads (mkdocs serve rebuilds on one; a
        # lock keeps them from using it at once)
        connection = sqlite3.connect(path, timeout=30, isolation_level=None,
                                     check_same_thread=False)
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


#: the code every replay's answer goes through on its way into the cache (decoded there)
_DECODING = ("compat/outcome.py", "compat/replay.py", "tls/protection.py", "tls/records.py",
             "tls/messages.py", "tls/extensions.py", "tls/reader.py")


@cache
def _code_digest(stack: str) -> str:
    """What decides how a stack is driven and its answer read: every file of its package (the
    replayer, its helper program's source, its pinned settings) and the decoding code. A
    change to any of them is a new key, so a fixed replayer never serves an old answer."""
    package = Path(__file__).resolve().parent.parent
    files = sorted(p for p in (package / "stacks" / stack).rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts)
    digest = hashlib.sha256()
    for path in [*files, *(package / name for name in _DECODING)]:
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def cache_key(raw: bytes, key_type: KeyType, stack: str, library: str, label: str = "") -> str:
    """`library` is the library's own version text, `label` the replayer's (which names what
    the version text may not: a Debian revision, a Java runtime's update)."""
    parts = [str(FORMAT), hashlib.sha256(raw).hexdigest(), stack, library, label, key_type.id,
             key_type.algorithm, str(key_type.size), str(key_type.curve),
             _credentials_digest(), _code_digest(stack)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def load(key: str) -> ReplayOutcome | None:
    """The remembered outcome for `key`, or None (also when the cache is off)."""
    path = cache_path()
    if path is None:
        return None
    try:
        with _LOCK:
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
        with _LOCK:
            _connection(path).execute("INSERT OR REPLACE INTO replays VALUES (?, ?)",
                                      (key, json.dumps(value, sort_keys=True)))
    except sqlite3.Error as error:
        raise ReplayCacheError(f"cannot write the replay cache {path}: {error}; delete the "
                               "file, or set TLSKB_REPLAY_CACHE=off") from None
