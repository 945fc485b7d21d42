"""Replays remembered on disk (generator/compat/replaycache.py): a second run replays nothing,
what it reads is what the library said, a foreign or damaged entry is one clear line, and the
cache can be turned off."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from generator.compat.keytypes import catalogue
from generator.compat.replay import replay
from generator.stacks import DEFAULT
from support.site import ROOT

EXCHANGE_CASE = ROOT / "cases" / "exchange-online-p384.yaml"


def tlskb(*args: str, cache_dir, extra_env=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "TLSKB_CACHE_DIR": str(cache_dir), **(extra_env or {})}
    return subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True,
                          text=True, timeout=300, cwd=ROOT, env=env)


@pytest.fixture(scope="module")
def shared_dir(tmp_path_factory):
    """One cache directory for these tests (the Go and Java helpers are built there once);
    each test starts without a replay database."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture()
def cache_dir(shared_dir):
    (shared_dir / "replays.sqlite3").unlink(missing_ok=True)
    return shared_dir


def entries(cache_dir) -> dict[str, dict]:
    with sqlite3.connect(cache_dir / "replays.sqlite3") as db:
        return {key: json.loads(value) for key, value in db.execute("SELECT * FROM replays")}


def test_a_second_check_reads_what_the_first_replayed(cache_dir):
    """The first `tlskb check` stores one entry per sample, key type and stack, each equal to
    a replay made here; an entry altered by hand is what the second run reports — proof that
    it replayed nothing."""
    first = tlskb("check", str(EXCHANGE_CASE), cache_dir=cache_dir)
    assert first.returncode == 0, first.stderr
    stored = entries(cache_dir)
    exchange = next(iter(stored.values()))
    assert len(stored) % len(catalogue().key_types) == 0 and len(stored) >= 8
    from generator.cases.check import check_file
    case, _ = check_file(EXCHANGE_CASE)
    sample = case.samples[0]
    ec384 = catalogue().key_type("ec384")
    fresh = replay(sample.raw, ec384, DEFAULT)
    assert any(v["alert"] == fresh.alert and v["key_type"] == "ec384"
               and v["library_reason"] == fresh.library_reason for v in stored.values())
    with sqlite3.connect(cache_dir / "replays.sqlite3") as db:
        for key, value in list(entries(cache_dir).items()):
            if value["key_type"] == "ec384" and value["library_name"] == "OpenSSL":
                value["alert"] = 80  # internal_error: nothing tlskb's analyzer predicts
                db.execute("UPDATE replays SET outcome = ? WHERE key = ?",
                           (json.dumps(value), key))
    second = tlskb("check", str(EXCHANGE_CASE), cache_dir=cache_dir)
    assert second.returncode == 1 and "internal_error (80)" in second.stdout, second.stdout
    assert exchange  # the cache held entries from the first run


def test_a_foreign_entry_is_one_line_and_off_means_off(cache_dir):
    assert tlskb("check", str(EXCHANGE_CASE), cache_dir=cache_dir).returncode == 0
    with sqlite3.connect(cache_dir / "replays.sqlite3") as db:
        db.execute("UPDATE replays SET outcome = ?", ('{"kind": "server_hello"}',))
    broken = tlskb("check", str(EXCHANGE_CASE), cache_dir=cache_dir)
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    assert "holds an entry tlskb did not write" in broken.stderr + broken.stdout
    (cache_dir / "replays.sqlite3").unlink()
    quiet = tlskb("check", str(EXCHANGE_CASE), cache_dir=cache_dir,
                  extra_env={"TLSKB_REPLAY_CACHE": "off"})
    assert quiet.returncode == 0 and not (cache_dir / "replays.sqlite3").exists()


def test_a_cache_someone_else_could_write_is_refused(cache_dir, tmp_path):
    """The cache holds programs tlskb runs (the Go and Java helpers) and answers it publishes
    as proven: a cache directory others can write, or a file in it that is not the user's, is
    refused in one line, and nothing there is run."""
    open_dir = tmp_path / "open"
    open_dir.mkdir()
    open_dir.chmod(0o777)
    refused = tlskb("check", str(EXCHANGE_CASE), cache_dir=open_dir)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert f"{open_dir} is writable by others (mode 777)" in refused.stderr
    planted = next(cache_dir.glob("go-*")) / "tlsreplay"
    planted.chmod(0o757)
    try:
        refused = tlskb("analyze", "--stack", "go", "--replay", str(EXCHANGE_CASE),
                        cache_dir=cache_dir)
        assert refused.returncode == 1 and f"{planted} is writable by others" in refused.stderr
    finally:
        planted.chmod(0o755)
