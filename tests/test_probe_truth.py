"""Issue 14: `tlskb probe` tells the truth about what it reached. Against real servers on
127.0.0.1: a server holding two certificates (openssl s_server -cert/-dcert) is reported as
such and its clients judged by both; a server that does not speak TLS (a real HTTP server, an
SMTP server without --starttls, a TLS server behind --starttls) gets one line with the fix and
exit 1, never a client verdict; each breaking client comes with its case page and the exact
command of the ACME client asked for, as the catalogue and case files (read here as YAML)
write them."""

from __future__ import annotations

import http.server
import json
import ssl
import subprocess
import sys
import threading

import pytest
import yaml

from conftest import missing, require_tool
from generator.compat.keytypes import catalogue
from generator.stacks.openssl.system import replay as system_replay
from support.net import ROOT, openssl_server, pinned_server, write_credentials
from test_probe import SAMPLES, probe

KEYS = {k.id: k for k in catalogue().key_types}
CATALOGUE = yaml.safe_load((ROOT / "generator/compat/data/catalogue.yaml").read_text())


def _system_openssl() -> str:
    openssl = require_tool("openssl")
    library = subprocess.run([openssl, "version"], capture_output=True, text=True,
                             timeout=30).stdout.split("(Library: ")[-1].rstrip(")\n")
    if library != ssl.OPENSSL_VERSION:
        missing(f"openssl s_server runs {library} but Python's ssl links {ssl.OPENSSL_VERSION}")
    return openssl


def test_two_certificates_side_by_side_are_reported_and_judged_together(tmp_path):
    """openssl s_server with an RSA 2048 and an ECDSA P-256 certificate (-cert, -dcert): the
    probe names both, each client's answer is what this machine's OpenSSL gives with either
    one, and the advice keeps both instead of claiming no single key type serves everyone."""
    openssl = _system_openssl()
    rsa_chain, rsa_key = write_credentials(tmp_path, KEYS["rsa2048"])
    ec_chain, ec_key = write_credentials(tmp_path, KEYS["ec256"])
    with openssl_server(openssl, rsa_chain, rsa_key, "-dcert", str(ec_chain),
                        "-dkey", str(ec_key)) as port:
        done = probe(f"127.0.0.1:{port}", "--json", "--concurrency", "4")
        text = probe(f"127.0.0.1:{port}", "--concurrency", "4")
    report = json.loads(done.stdout)
    summary = report["summary"]
    assert {c["key_type"] for c in summary["certificates"]} == {"rsa2048", "ec256"}
    assert summary["several_certificates"] is True
    for result in report["results"]:
        raw = SAMPLES[result["sample"]].raw
        either = (system_replay(raw, KEYS["rsa2048"]).ok or system_replay(raw, KEYS["ec256"]).ok)
        assert result["ok"] == either, result
        if result["ok"] and result["version_code"] <= 0x0303:
            assert result["certificate_key_type"] in ("rsa2048", "ec256")
    assert done.returncode == (0 if all(r["ok"] for r in report["results"]) else 4)
    assert "The server holds 2 certificates and picks one per client: " in text.stdout
    # by the analyzer, the two together serve every client exactly when this holds
    analyzer_both = all(set(r["works_with"]) & {"ec256", "rsa2048"} for r in report["results"])
    assert bool(summary["advice"]["side_by_side"]) is analyzer_both
    if analyzer_both:
        assert sorted(summary["advice"]["side_by_side"]) == ["ec256", "rsa2048"]
        assert "keep serving ECDSA P-256 and RSA 2048 side by side" in text.stdout


def test_each_breaking_client_says_what_to_type_and_where_to_read():
    """The reference server with ECDSA P-384: Exchange Online's 2019 hello breaks, and its
    fix is the case's recommended key type, requested with lego's whole command exactly as the
    catalogue writes it, with the case's server setting and its page."""
    case = yaml.safe_load((ROOT / "cases/exchange-online-p384.yaml").read_text())
    lego = next(c for c in CATALOGUE["acme_clients"] if c["id"] == "lego")
    recommended = case["fix"]["recommended"]
    expected = lego["usage"].replace("{option}", lego["options"][recommended])
    with pinned_server(KEYS["ec384"]) as port:
        done = probe(f"127.0.0.1:{port}", "--json", "--acme-client", "lego", "--only",
                     "exchange-online-p384,curl-*")
        text = probe(f"127.0.0.1:{port}", "--acme-client", "lego,caddy", "--only",
                     "exchange-online-p384")
    summary = json.loads(done.stdout)["summary"]
    (breaking,) = summary["breaking_clients"]
    assert breaking["case"] == "exchange-online-p384" and breaking["historical"] is True
    assert breaking["case_url"] == "https://tlskb.github.io/tlskb/cases/exchange-online-p384.html"
    assert breaking["fix"] == {"key_type": recommended, "commands": {"lego": expected},
                               "server": " ".join(case["fix"]["server"].split())}
    assert summary["current_breaking"] == 0 and summary["breaking"] == 1
    assert done.returncode == 0   # Exchange's 2019 hello is historical: reported, not counted
    lines = text.stdout.splitlines()
    assert f"      lego:  {expected}" in lines
    caddy = next(c for c in CATALOGUE["acme_clients"] if c["id"] == "caddy")
    config = caddy["usage"].replace("{option}", caddy["options"][recommended])
    config = config.expandtabs(4).splitlines()   # tabs shown as spaces, not \x09
    start = lines.index(f"      Caddy: {config[0]}")
    assert lines[start + 1:start + len(config)] == [f"             {more}" for more in config[1:]]
    assert "    read: https://tlskb.github.io/tlskb/cases/exchange-online-p384.html" in lines
    # --current-only leaves the historical Exchange hello out: nothing breaks, exit 0
    with pinned_server(KEYS["ec384"]) as port:
        current = probe(f"127.0.0.1:{port}", "--only", "exchange-online-p384,curl-*",
                        "--current-only")
    assert current.returncode == 0 and "Exchange" not in current.stdout


def test_a_plain_http_server_is_one_line_saying_it_is_not_tls():
    """Python's own HTTP server takes the ClientHello's bytes for an HTTP/0.9 request and
    answers with its error page alone (no status line)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        done = probe(f"127.0.0.1:{server.server_address[1]}", "--timeout", "5")
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "does not speak TLS here: it answers in plain HTTP ('<!DOCTYPE HTML>')" in done.stderr
    assert "probe its HTTPS port (usually 443)" in done.stderr


def test_an_smtp_server_probed_without_starttls_says_add_it(smtp_server):
    """A real SMTP server (aiosmtpd) greets with 220: the probe says --starttls smtp, once,
    instead of 'record content type 50' for every client and exit 4."""
    port = smtp_server("ec256")
    done = probe(f"127.0.0.1:{port}", "--timeout", "5")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "it greets in SMTP ('220 " in done.stderr
    assert "add --starttls smtp, or probe its implicit-TLS port (465)" in done.stderr
    assert "record content type" not in done.stderr


def test_starttls_at_a_plain_tls_server_says_leave_it_out(tmp_path):
    openssl = require_tool("openssl")
    chain, key = write_credentials(tmp_path, KEYS["ec256"])
    with openssl_server(openssl, chain, key) as port:
        done = probe(f"127.0.0.1:{port}", "--starttls", "imap", "--timeout", "2")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "it sent no IMAP greeting within 2 s" in done.stderr
    assert "leave out --starttls" in done.stderr


@pytest.mark.parametrize("protocol, advice", [("imap", "not IMAP: use --starttls smtp"),
                                              ("pop3", "not POP3: use --starttls smtp")])
def test_the_wrong_starttls_protocol_names_the_right_one(smtp_server, protocol, advice):
    port = smtp_server("ec256")
    done = probe(f"127.0.0.1:{port}", "--starttls", protocol, "--timeout", "5")
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and advice in done.stderr


def test_clients_whose_hello_could_not_be_sent_are_not_judged(tmp_path):
    """A server that stops accepting mid-probe (openssl s_server -naccept 3: a rate limit, as
    Postfix's anvil or fail2ban give): the clients it refused to connect are listed as not
    sent, never as breaking, and the run is an error (exit 1), not 'would break'."""
    openssl = require_tool("openssl")
    chain, key = write_credentials(tmp_path, KEYS["ec256"])
    with openssl_server(openssl, chain, key, "-naccept", "3") as port:
        done = probe(f"127.0.0.1:{port}", "--json", "--concurrency", "1", "--timeout", "5")
    report = json.loads(done.stdout)
    assert done.returncode == 1 and done.stderr.count("\n") == 1
    assert "could not be sent" in done.stderr and "--concurrency 1" in done.stderr
    # three connections in all, one of them usually the fixture's check that the port is open
    # (on a loaded machine s_server may not count that one: observed twice, 3 results)
    assert 2 <= len(report["results"]) <= 3 and report["not_sent"]
    assert len(report["results"]) + len(report["not_sent"]) == len(SAMPLES)
    sent = {r["sample"] for r in report["results"]}
    assert not {b["sample"] for b in report["summary"]["breaking_clients"]} - sent
    assert 1 <= report["summary"]["clients"] <= len(report["results"])


def test_a_certificate_outside_the_catalogue_is_said_to_be(tmp_path):
    """RSA 1024 (openssl s_server at security level 0): named, and said to be outside what
    tlskb has verdicts for — not 'no certificate was seen'."""
    openssl = require_tool("openssl")
    made = subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:1024", "-nodes", "-days",
                           "2", "-subj", "/CN=localhost", "-keyout", str(tmp_path / "k.pem"),
                           "-out", str(tmp_path / "c.pem")], capture_output=True, timeout=60)
    assert made.returncode == 0, made.stderr
    with openssl_server(openssl, tmp_path / "c.pem", tmp_path / "k.pem") as port:
        done = probe(f"127.0.0.1:{port}", "--concurrency", "4")
        data = probe(f"127.0.0.1:{port}", "--concurrency", "4", "--json")
    assert "The server's certificate: RSA 1024" in done.stdout
    assert "RSA 1024: not a key type tlskb has verdicts for" in done.stdout
    assert "no certificate was seen" not in done.stdout
    summary = json.loads(data.stdout)["summary"]
    assert summary["outside_catalogue"] == ["RSA 1024"]
    assert all("outside the key types tlskb has verdicts for" in b["reason"]
               for b in summary["breaking_clients"] if not b["case"])


def test_ignore_turns_a_monitoring_check_green(tmp_path):
    """The reference server with P-384 breaks current clients (a P-256-only configuration):
    exit 4; the same probe with those clients ignored exits 0, and a historical-only break
    (Exchange 2019) never counts."""
    with pinned_server(KEYS["ec384"]) as port:
        first = probe(f"127.0.0.1:{port}", "--json", "--concurrency", "4")
        summary = json.loads(first.stdout)["summary"]
        current = sorted({b["sample"] for b in summary["breaking_clients"]
                          if not b["historical"]})
        assert current and first.returncode == 4
        ignored = probe(f"127.0.0.1:{port}", "--concurrency", "4", "--ignore", ",".join(current))
        historical = probe(f"127.0.0.1:{port}", "--only", "exchange-online-p384")
    assert ignored.returncode == 0, ignored.stdout[-600:]
    assert "(historical)" in historical.stdout and historical.returncode == 0


def test_probe_accepts_every_acme_client():
    code = subprocess.run([sys.executable, "-m", "generator", "probe", "--list",
                           "--acme-client", "all"], cwd=ROOT, capture_output=True, timeout=120)
    assert code.returncode == 0, code.stderr


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_probe_refuses_a_timeout_that_is_not_a_time(value):
    done = probe("127.0.0.1:9", "--timeout", value)
    assert done.returncode == 1 and "--timeout must be a number of seconds above 0" in done.stderr
