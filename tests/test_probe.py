"""`tlskb probe` against real servers on 127.0.0.1: the reference server (the pinned OpenSSL)
holding each kind of key, whose answer to every recorded ClientHello must be the analyzer's
verdict; `openssl s_server` on this machine's libssl, whose answers must be the system
replay's; a real Postfix and an SMTP server with STARTTLS (aiosmtpd) reproducing the blog
post's failure end to end."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import time

import pytest

from conftest import missing, require_tool
from generator.compat.analyzer import analyze
from generator.compat.keytypes import catalogue
from generator.stacks.openssl.system import replay as system_replay
from generator.net.probe import with_server_name
from generator.net.samples import knowledge_base_samples
from generator.tls.records import decode_client_hello
from support.net import ROOT, free_port, openssl_server, pinned_server, write_credentials

KEYS = {k.id: k for k in catalogue().key_types}
SAMPLES = {s.id: s for s in knowledge_base_samples(ROOT / "cases")[0]}


def probe(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", "probe", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})


def assert_probe_matches(results: list[dict], key_id: str, predict) -> None:
    """Every recorded ClientHello was probed, and each answer is the predicted one: proceeds
    exactly when predicted, with its version and suite, or fails with its alert."""
    assert {r["sample"] for r in results} == set(SAMPLES)
    for result in results:
        expected = predict(SAMPLES[result["sample"]].raw)
        assert result["ok"] == expected.ok, (result, expected)
        if result["kind"] == "server_hello":
            assert (result["version_code"], result["cipher_suite"]) == \
                (expected.version, expected.cipher_suite), (result, expected)
            if result["version_code"] <= 0x0303:
                assert result["certificate_key_type"] == key_id
        elif result["kind"] == "alert":
            assert result["alert"] == expected.alert, (result, expected)


@pytest.mark.parametrize("key_id", ["ec384", "ec256", "rsa2048", "ed25519"])
def test_the_reference_server_answers_as_the_analyzer_predicts(key_id):
    """Every recorded ClientHello against the reference server itself (the pinned OpenSSL)
    on a real socket: the probe reads exactly what the analyzer predicts, on any machine."""
    with pinned_server(KEYS[key_id]) as port:
        done = probe(f"127.0.0.1:{port}", "--json", "--concurrency", "4")
    results = json.loads(done.stdout)["results"]
    assert_probe_matches(results, key_id, lambda raw: analyze(decode_client_hello(raw).hello,
                                                              KEYS[key_id]))
    exchange = next(r for r in results if r["case"] == "exchange-online-p384")
    assert exchange["ok"] is (key_id != "ec384" and key_id != "ed25519")
    assert done.returncode == (0 if all(r["ok"] for r in results) else 4)


@pytest.mark.parametrize("key_id", ["ec384", "rsa2048"])
def test_openssl_s_server_answers_as_this_machines_openssl(tmp_path, key_id):
    """`openssl s_server` (a real server program on this machine's libssl, configured like the
    reference: every suite in the client's order) answers every recorded ClientHello as the
    in-process replay against the same libssl does (`tlskb analyze --openssl system`)."""
    openssl = require_tool("openssl")
    library = subprocess.run([openssl, "version"], capture_output=True, text=True,
                             timeout=30).stdout.split("(Library: ")[-1].rstrip(")\n")
    if library != ssl.OPENSSL_VERSION:
        missing(f"openssl s_server runs {library} but Python's ssl links {ssl.OPENSSL_VERSION}: "
                "the comparison needs the same library (on Debian both are libssl3)")
    chain, key = write_credentials(tmp_path, KEYS[key_id])
    with openssl_server(openssl, chain, key) as port:
        done = probe(f"127.0.0.1:{port}", "--json", "--concurrency", "4")
    assert_probe_matches(json.loads(done.stdout)["results"], key_id,
                         lambda raw: system_replay(raw, KEYS[key_id]))


def test_the_blog_posts_failure_end_to_end_with_postfix(tmp_path):
    """The blog post's afternoon, replayed: Exchange Online's 2019 ClientHello, sent after
    STARTTLS to a real Postfix holding an ECDSA P-384 certificate, gets handshake_failure, and
    Postfix logs "no shared cipher" — what the post found. The report says why and names the
    case; the P-256 variant of the same server serves it."""
    postfix = require_tool("postfix")
    if os.geteuid() != 0:
        pytest.skip("Postfix needs root to start (run the tests as root, as CI's .ci/run does)")
    from generator.compat.certs import certified_key
    from support.net import postfix_server
    p384 = certified_key("ecdsa", None, "secp384r1")
    with postfix_server(postfix, p384.chain_pem, p384.key_pem,
                        smtpd_tls_loglevel="3") as (port, log):
        done = probe(f"127.0.0.1:{port}", "--starttls", "smtp", "--concurrency", "2")
        time.sleep(0.5)  # Postfix writes its log through postlogd
        logged = log.read_text()
        # issue 14: without --starttls, Postfix's greeting is not taken for 177 broken clients
        plain = probe(f"127.0.0.1:{port}", "--timeout", "5")
    assert plain.returncode == 1 and plain.stdout == "" and plain.stderr.count("\n") == 1
    assert "it greets in SMTP ('220 mx.tlskb.test ESMTP" in plain.stderr
    assert "add --starttls smtp" in plain.stderr
    assert done.returncode == 4, done.stderr
    line = next(line for line in done.stdout.splitlines() if "Exchange Online" in line)
    assert line.lstrip().startswith("FAIL") and "alert handshake_failure (40)" in line
    assert ("Exchange Online outbound connector, November 2019 (historical): supported_groups "
            "lists secp256r1; an ECDSA P-384 certificate needs secp384r1") in done.stdout
    assert "case exchange-online-p384" in done.stdout
    # Postfix answers every recorded client as the reference server with P-384 would
    assert "Every answer is what the reference server gives with ECDSA P-384." in done.stdout
    # ... and the stacks tlskb knows that behave like Postfix's OpenSSL include OpenSSL
    behaves = next(line for line in done.stdout.splitlines() if line.startswith("With ECDSA"))
    assert behaves.startswith("With ECDSA P-384, every answer is what OpenSSL")
    assert "no shared cipher" in logged and "lost connection after STARTTLS" in logged
    # smtpd_tls_loglevel = 3 dumps what Postfix read: tlskb decodes that log to exactly the
    # ClientHellos the probe sent, one stream per connection
    from generator.ingest.find import find_client_hellos
    logged_hellos = find_client_hellos(logged.encode(), "maillog").hellos
    assert sorted(f.wire.raw for f in logged_hellos) == sorted(s.raw for s in SAMPLES.values())
    assert not any(f.origin.second for f in logged_hellos)
    p256 = certified_key("ecdsa", None, "secp256r1")
    with postfix_server(postfix, p256.chain_pem, p256.key_pem) as (port, _):
        done = probe(f"127.0.0.1:{port}", "--starttls", "smtp", "--json", "--only",
                     "exchange-online-p384")
    (result,) = json.loads(done.stdout)["results"]
    assert result["ok"] is True and result["certificate_key_type"] == "ec256"


def test_postfix_with_rsa_and_p256_side_by_side_serves_everyone(tmp_path):
    """The blog post's fix, issue 14's complaint: Postfix holding an RSA 2048 and an ECDSA
    P-256 certificate (smtpd_tls_chain_files) is reported as holding both, every client is
    judged by the two together, and the advice is to keep both — not 'no single key type
    serves all' and RSA's answers 'except for' the clients that got the P-256 one."""
    postfix = require_tool("postfix")
    if os.geteuid() != 0:
        pytest.skip("Postfix needs root to start (run the tests as root, as CI's .ci/run does)")
    from generator.compat.certs import certified_key
    from support.net import postfix_server
    files = []
    for name, credentials in (("rsa", certified_key("rsa", 2048, None)),
                              ("ec", certified_key("ecdsa", None, "secp256r1"))):
        path = tmp_path / f"{name}.pem"   # smtpd_tls_chain_files: the key, then its chain
        path.write_bytes(credentials.key_pem + credentials.chain_pem)
        path.chmod(0o600)
        files.append(str(path))
    rsa = certified_key("rsa", 2048, None)
    with postfix_server(postfix, rsa.chain_pem, rsa.key_pem,
                        smtpd_tls_chain_files=", ".join(files)) as (port, log):
        done = probe(f"127.0.0.1:{port}", "--starttls", "smtp", "--json", "--concurrency", "4")
        text = probe(f"127.0.0.1:{port}", "--starttls", "smtp", "--concurrency", "4")
        time.sleep(0.5)  # Postfix writes its log through postlogd
        (tmp_path / "maillog").write_bytes(log.read_bytes())
    # issue 14: a real smtpd_tls_loglevel = 1 log holds no hello; decode says what to set
    # instead of "line 1 is not hex"
    from generator.ingest.postfixlog import HINT
    decoded = subprocess.run([sys.executable, "-m", "generator", "decode",
                              str(tmp_path / "maillog")], capture_output=True, text=True,
                             timeout=60)
    assert "postfix/smtpd" in (tmp_path / "maillog").read_text()
    assert decoded.returncode == 1 and decoded.stderr.count("\n") == 1
    assert HINT in decoded.stderr and "not hex" not in decoded.stderr
    report = json.loads(done.stdout)
    summary = report["summary"]
    assert {c["key_type"] for c in summary["certificates"]} == {"ec256", "rsa2048"}
    both = (KEYS["ec256"], KEYS["rsa2048"])
    for result in report["results"]:
        hello = decode_client_hello(SAMPLES[result["sample"]].raw).hello
        assert result["ok"] == any(analyze(hello, key).ok for key in both), result
    assert "The server holds 2 certificates and picks one per client" in text.stdout
    assert "Every answer is what the reference server gives with ECDSA P-256 and RSA 2048 " \
           "side by side." in text.stdout
    assert "except for" not in text.stdout
    if all(r["ok"] for r in report["results"]):
        assert done.returncode == 0
        assert summary["advice"]["side_by_side"] == ["ec256", "rsa2048"]
        assert "keep serving ECDSA P-256 and RSA 2048 side by side: together they serve all" \
            in text.stdout


def test_the_blog_posts_failure_with_aiosmtpd(smtp_server):
    """The same with a Python SMTP server (aiosmtpd): its asyncio TLS layer closes the
    connection without sending the alert, and the probe still reports the failure and why."""
    port = smtp_server("ec384")
    done = probe(f"127.0.0.1:{port}", "--starttls", "smtp")
    assert done.returncode == 4, done.stderr
    line = next(line for line in done.stdout.splitlines() if "Exchange Online" in line)
    assert line.lstrip().startswith("FAIL")
    assert ("Exchange Online outbound connector, November 2019 (historical): supported_groups "
            "lists secp256r1; an ECDSA P-384 certificate needs secp384r1") in done.stdout
    assert "The server's certificate: ECDSA P-384" in done.stdout


def test_the_same_server_with_p256_serves_exchange(smtp_server):
    port = smtp_server("ec256")
    done = probe(f"127.0.0.1:{port}", "--starttls", "smtp", "--json", "--only",
                 "exchange-online-p384")
    (result,) = json.loads(done.stdout)["results"]
    assert result["ok"] is True and result["version"] == "TLS 1.2"
    assert result["certificate_key_type"] == "ec256"
    assert done.returncode == 0
    text = probe(f"127.0.0.1:{port}", "--starttls", "smtp", "--only", "exchange-online-p384")
    assert text.stdout.startswith(f"Probed 127.0.0.1:{port} (SMTP STARTTLS) with 1 recorded "
                                  "ClientHello:\n")
    assert "would serve the one client" in text.stdout


def test_a_server_without_starttls_is_one_clear_line(smtp_server):
    port = smtp_server(None)
    done = probe(f"127.0.0.1:{port}", "--starttls", "smtp")
    assert done.returncode == 1
    assert done.stderr.startswith("tlskb: error:") and "does not offer STARTTLS" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_an_unreachable_server_is_one_clear_line():
    done = probe(f"127.0.0.1:{free_port()}", "--timeout", "3")
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0
    assert "cannot connect to 127.0.0.1:" in done.stderr and "Connection refused" in done.stderr


def test_a_silent_server_is_one_line_and_no_client_verdict():
    """A server that accepts and never answers is not a TLS server to judge clients by: the
    first probe waits out --timeout, then one line says so, exit 1, and no client is blamed
    (it used to report every client as broken and exit 4)."""
    import socket
    import threading
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(256)
    held = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        done = probe(f"127.0.0.1:{listener.getsockname()[1]}", "--json", "--timeout", "1",
                     "--no-cases")
    finally:
        stop.set()
        thread.join(5)
        for sock in held:
            sock.close()
        listener.close()
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "does not speak TLS here: it sent nothing within 1 s" \
        in done.stderr
    assert len(held) == 1   # the pilot alone: nothing more was sent to a silent server


def test_server_name_is_replaced_and_nothing_else(tshark_or_none=None):
    changed = 0
    for sample in SAMPLES.values():
        before = decode_client_hello(sample.raw)
        after = decode_client_hello(with_server_name(sample.raw, "mx.example.net"))
        if before.hello.server_name is None:
            assert after.raw == sample.raw
            continue
        changed += 1
        assert after.hello.server_name == "mx.example.net"
        others = [e for e in before.hello.extensions if e.type != 0]
        assert [e for e in after.hello.extensions if e.type != 0] == others
        assert after.hello.cipher_suites == before.hello.cipher_suites
        assert after.records[0].version == before.records[0].version
    assert changed >= 5
