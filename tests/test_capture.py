"""`tlskb capture` with real clients on 127.0.0.1: what it stores is exactly what the client
sent (recorded independently by a relay), for plain TLS and STARTTLS (SMTP, IMAP, POP3)."""

from __future__ import annotations

import smtplib
import ssl
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import require_tls_client, require_tool
from generator.stacks.openssl.facts import PINNED_OPENSSL
from generator.errors import DecodeError
from generator.ingest.find import find_client_hellos
from generator.tls.records import decode_client_hello
from support.net import capture, relay

STARTTLS_COMMAND = {"smtp": b"STARTTLS\r\n", "imap": b"STARTTLS\r\n", "pop3": b"STLS\r\n"}


def run_client(command: list[str], stdin: bytes = b"") -> str:
    """Run a client to its end and return what it said; it fails (the capture refuses the
    handshake), which is fine."""
    done = subprocess.run(command, input=stdin, capture_output=True, timeout=30)
    return (done.stdout + done.stderr).decode("utf-8", "replace")


def sent_hello(stream: bytes, protocol: str | None) -> bytes:
    """The ClientHello in what the relay saw the client send: after STARTTLS, if any."""
    if protocol:
        marker = STARTTLS_COMMAND[protocol]
        position = stream.upper().find(b" " + marker) if protocol == "imap" else -1
        if position >= 0:
            stream = stream[position + 1 + len(marker):]
        else:
            stream = stream[stream.upper().index(marker) + len(marker):]
    return decode_client_hello(stream[:5 + int.from_bytes(stream[3:5], "big")]).raw


def check_capture(tmp_path: Path, client, protocol: str | None = None, *extra: str) -> dict:
    """Start a capture, run `client(port)` through a recording relay, and check the stored
    hello against the relay's record; returns the capture's JSON for the hello."""
    args = ["--count", "1", *extra] + (["--starttls", protocol] if protocol else [])
    with capture(tmp_path, *args) as running, relay(running.port) as recorder:
        said = client(recorder.port)
        try:  # a client that sent no ClientHello fails now, in its own words, not by a timeout
            expected = sent_hello(bytes(recorder.sent[0]), protocol)
        except (IndexError, ValueError, DecodeError) as error:
            pytest.fail(f"the client sent no complete ClientHello ({error}); it said: "
                        f"{(said or '').strip()[-500:]}")
        results = running.results()
    assert len(results) == 1, running.stderr_lines
    result = results[0]
    saved = Path(result["file"])
    stored = find_client_hellos(saved.read_bytes(), str(saved)).hellos
    assert len(stored) == 1
    assert stored[0].wire.raw == expected == bytes.fromhex(result["hex"])
    assert result["starttls"] == protocol
    header = saved.read_text().splitlines()
    assert header[0].startswith("# ClientHello captured by tlskb capture")
    assert any(line.startswith("# peer: 127.0.0.1:") for line in header)
    return result


def test_openssl_s_client_plain(tmp_path):
    openssl = require_tool("openssl")
    result = check_capture(tmp_path, lambda port: run_client(
        [openssl, "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "mail.example.org"]))
    assert result["client_hello"]["server_name"] == "mail.example.org"
    assert result["key_types"]["ec256"]["ok"] is True


@pytest.mark.parametrize("protocol", ["smtp", "imap", "pop3"])
def test_openssl_s_client_starttls(tmp_path, protocol):
    openssl = require_tool("openssl")
    check_capture(tmp_path, lambda port: run_client(
        [openssl, "s_client", "-connect", f"127.0.0.1:{port}", "-starttls", protocol]), protocol)


def test_an_exchange_like_client_is_told_apart(tmp_path):
    """A client offering only secp256r1 in TLS 1.2, like Exchange Online in 2019: the capture's
    verdict says P-384 fails, with the reason."""
    openssl = require_tool("openssl")
    result = check_capture(tmp_path, lambda port: run_client(
        [openssl, "s_client", "-connect", f"127.0.0.1:{port}", "-starttls", "smtp", "-tls1_2",
         "-groups", "P-256"]), "smtp")
    assert result["key_types"]["ec384"]["ok"] is False
    assert result["key_types"]["ec384"]["reason_code"] == "curve_not_in_supported_groups"
    assert result["key_types"]["ec256"]["ok"] is True


def test_curl(tmp_path):
    curl = require_tool("curl")
    result = check_capture(tmp_path, lambda port: run_client(
        [curl, "-sS", "--max-time", "10", "--resolve", f"www.example.org:{port}:127.0.0.1",
         f"https://www.example.org:{port}/"]))
    assert result["client_hello"]["server_name"] == "www.example.org"
    assert result["client_hello"]["alpn"][:1] in (["h2"], ["http/1.1"])
    # the real curl looks like the curl tools/record_client_hellos.py recorded (the server name
    # and the random values differ; the configuration does not)
    assert "curl-7.88" in [c["id"] for c in result["looks_like"]["clients"]]


def test_python_smtplib_starttls(tmp_path):
    def client(port: int) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as session:
            session.ehlo("client.example.org")
            with pytest.raises((ssl.SSLError, smtplib.SMTPException, OSError)):
                session.starttls(context=ssl.create_default_context())
    check_capture(tmp_path, client, "smtp")


def test_swaks(tmp_path):
    swaks = require_tls_client("swaks", ["--support"], r"^=== TLS supported", "libnet-ssleay-perl")
    check_capture(tmp_path, lambda port: run_client(
        [swaks, "--server", f"127.0.0.1:{port}", "--to", "postmaster@example.org", "--tls",
         "--timeout", "10"]), "smtp")


def test_msmtp(tmp_path):
    msmtp = require_tls_client("msmtp", ["--version"], r"^TLS/SSL library: (?!none)\S", "msmtp")
    check_capture(tmp_path, lambda port: run_client(
        [msmtp, "--host=127.0.0.1", f"--port={port}", "--tls=on", "--tls-starttls=on",
         "--tls-certcheck=off", "--from=a@example.org", "--timeout=10", "b@example.org"],
        stdin=b"Subject: x\n\nx\n"), "smtp")


def test_handshake_mode_shows_the_clients_own_verdict(tmp_path):
    """With --handshake the capture completes the handshake; a client that checks certificates
    refuses the throwaway one, and the capture reports the client's alert."""
    curl = require_tool("curl")
    result = check_capture(tmp_path, lambda port: run_client(
        [curl, "-sS", "--max-time", "10", f"https://127.0.0.1:{port}/"]), None, "--handshake")
    assert result["handshake"]["completed"] is False
    assert result["handshake"]["reason"] == "tlsv1 alert unknown ca"
    assert result["handshake"]["client_alert"] == "unknown_ca"
    assert result["handshake"]["server"].startswith(f"OpenSSL {PINNED_OPENSSL} (pinned reference")
    openssl = require_tool("openssl")
    result = check_capture(tmp_path / "second", lambda port: run_client(
        [openssl, "s_client", "-connect", f"127.0.0.1:{port}"], stdin=b"Q\n"), None,
        "--handshake", "--key-type", "rsa2048")
    assert result["handshake"]["completed"] is True
    assert result["handshake"]["version"] == "TLSv1.3"


def test_stored_file_makes_a_case(tmp_path):
    """The stored file is what `tlskb new --from` reads."""
    openssl = require_tool("openssl")
    result = check_capture(tmp_path, lambda port: run_client(
        [openssl, "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_2", "-groups", "P-256"]))
    (tmp_path / "cases").mkdir()
    done = subprocess.run([sys.executable, "-m", "generator", "new", "captured-client", "--from", result["file"], "--dir",
                           str(tmp_path / "cases")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "cases" / "captured-client.yaml").read_text()
    assert bytes.fromhex(result["hex"]).hex()[:64] in text.replace("\n", "").replace(" ", "")
