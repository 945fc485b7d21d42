"""`tlskb cert`: certificates made by the openssl command for every catalogue key type and for
keys outside it, named as `openssl x509 -text` names them (the independent truth); the
breaking lists against the analyzer for each known client; exit 4 exactly when a current
client breaks; a live `openssl s_server` holding RSA and ECDSA certificates side by side (also
TLS 1.3 only), and STARTTLS servers (aiosmtpd holding both, and a real Postfix holding both
when root can start it); hostile files; the JSON shape."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from conftest import require_tool
from generator.certcheck.read import MAX_FILE, read_certificates
from generator.cli import main
from generator.compat.analyzer import analyze
from generator.compat.certs import KEY_DIRECTORY, certified_key, key_file_name
from generator.compat.keytypes import catalogue
from generator.errors import DecodeError
from generator.knowledge import cases_dir
from generator.net.samples import knowledge_base_samples
from generator.stacks import StackId
from generator.tls.records import decode_client_hello
from support.answers import flight
from support.net import (free_port, openssl_server, postfix_server, read_client_hello,
                         scripted_server)

CATALOGUE = catalogue()
#: key types outside the catalogue: openssl genpkey options
OUTSIDE = {"rsa1024": ("-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"),
           "brainpoolP256r1": ("-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:brainpoolP256r1"),
           "secp256k1": ("-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1")}


@pytest.fixture(autouse=True, scope="module")
def _cases_checked_once():
    """The knowledge base's samples, read and checked once for the module rather than once
    per command run (check_paths costs seconds): the same values every run would read."""
    import generator.net.samples as samples
    real, remembered = samples.knowledge_base_samples, {}

    def once(directory):
        if directory not in remembered:
            remembered[directory] = real(directory)
        return remembered[directory]
    samples.knowledge_base_samples = once
    yield
    samples.knowledge_base_samples = real


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["cert", *argv], out, err)
    return code, out.getvalue(), err.getvalue()


def openssl(*args: str, cwd: Path) -> str:
    done = subprocess.run([require_tool("openssl"), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def self_signed(directory: Path, name: str, key: Path, cn: str = "cert.test") -> Path:
    out = directory / f"{name}.pem"
    openssl("req", "-x509", "-new", "-key", str(key), "-subj", f"/CN={cn}", "-days", "2",
            "-out", str(out), cwd=directory)
    return out


def catalogue_key(key_id: str) -> Path:
    """The committed replay key of a catalogue key type (openssl-made RSA 8192 costs seconds)."""
    k = CATALOGUE.key_type(key_id)
    return KEY_DIRECTORY / key_file_name(k.algorithm.value, k.size, k.curve)


def outside_key(directory: Path, name: str) -> Path:
    key = directory / f"{name}.key"
    openssl("genpkey", *OUTSIDE[name], "-out", str(key), cwd=directory)
    return key


def openssl_names(certificate: Path) -> str:
    """The key as `openssl x509 -noout -text` describes it, in tlskb's words: "RSA 2048",
    "ECDSA P-384" (NIST curves), "ECDSA brainpoolP256r1" (others, by OpenSSL's name), "Ed25519"."""
    text = openssl("x509", "-in", str(certificate), "-noout", "-text", cwd=certificate.parent)
    algorithm = re.search(r"Public Key Algorithm: (\S+)", text).group(1)
    if algorithm == "rsaEncryption":
        return "RSA " + re.search(r"Public-Key: \((\d+) bit\)", text).group(1)
    if algorithm == "id-ecPublicKey":
        nist = re.search(r"NIST CURVE: (P-\d+)", text)
        return "ECDSA " + (nist or re.search(r"ASN1 OID: (\S+)", text)).group(1)
    return {"ED25519": "Ed25519"}[algorithm]


@pytest.fixture(scope="module")
def known():
    """Every known client as `tlskb cert` counts it: (id, hello, current)."""
    samples, cases = knowledge_base_samples(cases_dir())
    states = {case.id: case.status.state for case in cases}
    from generator.compat.clients import recorded_clients
    historical = {c.id: c.historical for c in recorded_clients()}
    return [(s.id, decode_client_hello(s.raw).hello,
             states[s.case_id] == "current" if s.case_id else not historical[s.id])
            for s in samples]


def expected_breaking(known, key_ids, stack=StackId.OPENSSL) -> set[tuple[str, bool]]:
    """(client id, current) of every client that no served key type serves, by the analyzer."""
    return {(ident, current) for ident, hello, current in known
            if not any(analyze(hello, CATALOGUE.key_type(k), stack).ok for k in key_ids)}


# -- files: key types named as openssl names them ------------------------------------------------
@pytest.mark.parametrize("key_id", CATALOGUE.ids)
def test_every_catalogue_key_type_is_named_and_judged(tmp_path, known, key_id):
    certificate = self_signed(tmp_path, key_id, catalogue_key(key_id))
    code, out, err = run(str(certificate), "--json")
    result = json.loads(out)
    (leaf,) = result["certificates"]
    assert leaf["key"] == openssl_names(certificate) == CATALOGUE.key_type(key_id).label
    assert leaf["key_type"] == key_id and result["served_key_types"] == [key_id]
    breaking = {(b["id"], not b["historical"]) for b in result["stacks"]["openssl"]["breaking"]}
    assert breaking == expected_breaking(known, [key_id])
    current = sum(1 for ident, current in breaking if current)
    assert result["stacks"]["openssl"]["current_breaking"] == current
    assert code == (4 if current else 0), err


@pytest.mark.parametrize("name", OUTSIDE)
def test_a_key_outside_the_catalogue_is_named_and_no_verdict_is_claimed(tmp_path, name):
    certificate = self_signed(tmp_path, name, outside_key(tmp_path, name))
    code, out, err = run(str(certificate), "--json")
    result = json.loads(out)
    (leaf,) = result["certificates"]
    assert leaf["key"] == openssl_names(certificate) and leaf["key_type"] is None
    assert result["outside_catalogue"] == [leaf["key"]] and result["stacks"] == {}
    assert result["served_key_types"] == [] and result["advice"]["request"]
    assert code == 1 and err.count("\n") == 1
    assert f"{leaf['key']} is not a key type tlskb has verdicts for" in err
    code, out, _ = run(str(certificate))
    assert f"{leaf['key']} is outside the key types tlskb proves verdicts for" in out
    assert "no known client's fate can be claimed" in out and "breaks:" not in out


def test_a_chain_names_each_issuers_key_and_a_der_file_reads(tmp_path):
    """The replay chains: an ECDSA P-256 leaf under a P-384 issuer, an RSA 2048 leaf under an
    RSA 2048 issuer (Let's Encrypt's shapes), each named as openssl names it."""
    for algorithm, size, curve, issuer in (("ecdsa", None, "secp256r1", "ECDSA P-384"),
                                           ("rsa", 2048, None, "RSA 2048")):
        chain = tmp_path / f"{algorithm}-chain.pem"
        chain.write_bytes(certified_key(algorithm, size, curve).chain_pem)
        code, out, _ = run(str(chain), "--json", "--only", "curl-7.88-ecdhe-gcm")
        first, second = json.loads(out)["certificates"]
        issuer_file = tmp_path / "issuer.pem"
        openssl("x509", "-in", str(chain), "-out", str(tmp_path / "leaf.pem"), cwd=tmp_path)
        issuer_file.write_text(chain.read_text().split("-----END CERTIFICATE-----\n", 1)[1])
        assert second["key"] == openssl_names(issuer_file) == issuer
        assert first["key"] == openssl_names(tmp_path / "leaf.pem")
        assert (first["position"], second["position"]) == (0, 1)
        assert first["issuer"] == second["subject"]
        code, text, _ = run(str(chain), "--only", "curl-7.88-ecdhe-gcm")
        assert re.search(rf"^\s+1\s+issuer\s+{issuer}\s+tlskb replay", text, re.MULTILINE)
    der = tmp_path / "leaf.der"
    openssl("x509", "-in", str(tmp_path / "leaf.pem"), "-outform", "der", "-out", str(der),
            cwd=tmp_path)
    code, out, _ = run(str(der), "--json", "--only", "curl-7.88-ecdhe-gcm")
    assert json.loads(out)["certificates"][0]["key"] == "RSA 2048" and code == 0


# -- exit status: 4 exactly when a current client breaks ---------------------------------------
def test_exit_4_exactly_when_a_current_client_breaks(tmp_path):
    p384 = self_signed(tmp_path, "p384", catalogue_key("ec384"))
    # Android 7.0 (historical: its case says so) breaks with P-384, but does not count
    code, out, _ = run(str(p384), "--only", "android-7-0-native")
    assert code == 0
    assert "Android 7.0 (native TLS stack) [historical]: supported_groups lists" in out
    assert "case android-7-p256-only" in out
    code, out, _ = run(str(p384), "--only", "android-7-0-native", "--current-only")
    assert code == 0 and "Android" not in out.split("What to do")[0]
    # a current client offering only P-256 breaks: exit 4, with the related case named
    code, out, _ = run(str(p384), "--only", "openssl-3.0-p256-only")
    assert code == 4
    assert re.search(r"openssl s_client \S+: supported_groups lists secp256r1; an ECDSA P-384 "
                     r"certificate needs secp384r1 there .*\(as in case ", out)
    assert "What to do: ECDSA P-256 serves the one current client on OpenSSL" in out
    assert "certbot certonly" in out and "--elliptic-curve secp256r1" in out
    # the same client with a P-256 certificate: nothing to do
    p256 = self_signed(tmp_path, "p256", catalogue_key("ec256"))
    code, out, _ = run(str(p256), "--only", "openssl-3.0-p256-only")
    assert code == 0 and "Nothing to do: ECDSA P-256 serves the one current client" in out


def test_every_stack_is_answered_for(tmp_path, known):
    p384 = self_signed(tmp_path, "p384", catalogue_key("ec384"))
    code, out, _ = run(str(p384), "--stack", "all", "--json")
    stacks = json.loads(out)["stacks"]
    assert list(stacks) == [s.value for s in StackId]
    for stack_id in StackId:
        breaking = {(b["id"], not b["historical"]) for b in stacks[stack_id.value]["breaking"]}
        assert breaking == {(i, c) for i, hello, c in known
                            if not analyze(hello, CATALOGUE.key_type("ec384"), stack_id).ok}
    # GnuTLS serves P-384 to P-256-only clients, which may then refuse it: "may break"
    may = {m["id"] for m in stacks["gnutls"]["may_break"]}
    assert "openssl-3.0-p256-only" in may


# -- live servers --------------------------------------------------------------------------------
def credentials(directory: Path, algorithm, size, curve) -> tuple[Path, Path]:
    made = certified_key(algorithm, size, curve)
    chain, key = directory / f"{algorithm}-chain.pem", directory / f"{algorithm}-key.pem"
    chain.write_bytes(made.chain_pem)
    key.write_bytes(made.key_pem)
    return chain, key


@pytest.mark.parametrize("versions", [(), ("-tls1_3",)], ids=["any-version", "tls1.3-only"])
def test_a_server_with_rsa_and_ecdsa_side_by_side(tmp_path, known, versions):
    """`openssl s_server -cert RSA -dcert ECDSA`: both chains are found (a TLS 1.3-only server
    too: its Certificate is encrypted), and only clients that can use neither break."""
    rsa_chain, rsa_key = credentials(tmp_path, "rsa", 2048, None)
    ec_chain, ec_key = credentials(tmp_path, "ecdsa", None, "secp384r1")
    issuers = []
    for chain in (rsa_chain, ec_chain):   # s_server sends -cert's first certificate only
        issuer = chain.with_suffix(".issuer.pem")
        issuer.write_text(chain.read_text().split("-----END CERTIFICATE-----\n", 1)[1])
        issuers.append(str(issuer))
    with openssl_server(require_tool("openssl"), rsa_chain, rsa_key, "-cert_chain", issuers[0],
                        "-dcert", str(ec_chain), "-dkey", str(ec_key),
                        "-dcert_chain", issuers[1], *versions) as port:
        code, out, err = run(f"127.0.0.1:{port}", "--json", "--timeout", "5")
        _, text, _ = run(f"127.0.0.1:{port}", "--timeout", "5")
    result = json.loads(out)
    assert sorted(result["served_key_types"]) == ["ec384", "rsa2048"], err
    offers = {c["key_type"]: set(c["offers"]) for c in result["chains"]}
    assert "ecdsa" in offers["ec384"] and "rsa" in offers["rsa2048"]
    issuers = {(c["chain"], c["position"]): c["key"] for c in result["certificates"]}
    assert sorted(issuers.values()) == ["ECDSA P-384", "ECDSA P-384", "RSA 2048", "RSA 2048"]
    assert [r["offer"] for r in result["refused_offers"]] == ["ed25519"]
    breaking = {(b["id"], not b["historical"]) for b in result["stacks"]["openssl"]["breaking"]}
    assert breaking == expected_breaking(known, ["ec384", "rsa2048"])
    # the intersection: a P-256-only client fails P-384 but gets the RSA certificate
    assert ("openssl-3.0-p256-only", True) in expected_breaking(known, ["ec384"])
    assert "openssl-3.0-p256-only" not in {b for b, _ in breaking}
    assert code == (4 if any(current for _, current in breaking) else 0)
    assert "This server serves 2 certificates, ECDSA P-384 and RSA 2048" in text
    # the advice, as probe's: when the two together serve every current client, keep both
    assert ("Nothing to do: ECDSA P-384 and RSA 2048 side by side serve" in text) is (
        code == 0 and not any(s["may_break"] or s["undetermined"]
                              for s in result["stacks"].values()))


def test_an_unreachable_server_and_a_non_tls_one_are_one_line():
    code, out, err = run(f"127.0.0.1:{free_port()}", "--timeout", "2")
    assert code == 1 and out == "" and err.count("\n") == 1 and "cannot connect" in err


def test_hostile_servers_end_in_one_line():
    """A server answering garbage, and one sending an endless Certificate: each fetch ends at
    once, not at the timeout, and says why."""
    def garbage(client):
        read_client_hello(client)
        client.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")

    def endless(client):
        """A ServerHello, then a Certificate that never ends (16 MB of records)."""
        read_client_hello(client)
        client.sendall(flight())
        record = b"\x16\x03\x03\x40\x00" + b"\x0b" * 0x4000
        for _ in range(1000):
            client.sendall(record)

    # OpenSSL's own bound (max_cert_list, 100 KiB) ends the second before MAX_RECEIVED; the
    # first is named by what it speaks, as probe names it (net/greeting.py)
    for script, needle in ((garbage, "does not speak TLS here: it answers in plain HTTP "
                                     "('HTTP/1.1 400 Bad Request')"),
                           (endless, "excessive message size")):
        with scripted_server(script) as port:
            started = time.monotonic()
            code, out, err = run(f"127.0.0.1:{port}", "--timeout", "8")
        assert code == 1 and out == "" and err.count("\n") == 1, (code, out, err)
        assert needle in err, err
        assert time.monotonic() - started < 8


def test_starttls_smtp_with_two_certificates(smtp_server):
    aiosmtpd_server = smtp_server("rsa2048", "ec256")   # aiosmtpd holding both (conftest)
    code, out, err = run(f"127.0.0.1:{aiosmtpd_server}", "--starttls", "smtp", "--json",
                         "--timeout", "5")
    result = json.loads(out)
    assert result["starttls"] == "smtp", err
    assert sorted(result["served_key_types"]) == ["ec256", "rsa2048"]
    code, out, err = run(f"127.0.0.1:{aiosmtpd_server}", "--timeout", "5")
    # without STARTTLS: the greeting is named, with the option that reaches TLS
    assert code == 1 and "it greets in SMTP ('220 " in err and "add --starttls smtp" in err


def test_starttls_with_a_real_postfix_holding_rsa_and_ecdsa(tmp_path):
    """Postfix's smtpd_tls_cert_file and smtpd_tls_eccert_file side by side (needs root to
    start Postfix; skipped otherwise)."""
    postfix = require_tool("postfix")
    if os.geteuid() != 0:
        pytest.skip("Postfix needs root to start (run the tests as root, as CI's .ci/run does)")
    rsa = certified_key("rsa", 2048, None)
    ec_chain, ec_key = credentials(tmp_path, "ecdsa", None, "secp384r1")
    ec_key.chmod(0o600)
    with postfix_server(postfix, rsa.chain_pem, rsa.key_pem,
                        smtpd_tls_eccert_file=str(ec_chain),
                        smtpd_tls_eckey_file=str(ec_key)) as (port, _):
        code, out, err = run(f"127.0.0.1:{port}", "--starttls", "smtp", "--json",
                             "--timeout", "10")
    result = json.loads(out)
    assert sorted(result["served_key_types"]) == ["ec384", "rsa2048"], err


# -- hostile files -------------------------------------------------------------------------------
def test_control_characters_in_names_are_escaped(tmp_path):
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    hostile = "evil\x1b]52;c;AAAA\x07\n0  leaf    RSA 2048       forged\r\u202e"
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostile)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(1)
                   .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
                   .sign(key, hashes.SHA256()))
    path = tmp_path / "hostile.pem"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    code, out, err = run(str(path), "--only", "curl-7.88-ecdhe-gcm")
    assert all(line.isprintable() for line in out.splitlines()) and "\x1b" not in err
    assert "evil\\x1b]52;c;AAAA\\x07\\x0a0  leaf" in out
    assert not any(line.lstrip().startswith("0  leaf    RSA") for line in out.splitlines())
    code, out, _ = run(str(path), "--json", "--only", "curl-7.88-ecdhe-gcm")
    assert out.replace("\n", "").isprintable()
    assert json.loads(out)["certificates"][0]["common_name"] == hostile


def one_line_error(path: Path, *needles: str) -> str:
    code, out, err = run(str(path))
    assert code == 1 and out == "" and err.count("\n") == 1, (code, out, err)
    for needle in needles:
        assert needle in err, err
    return err


def test_hostile_files_are_one_line_each(tmp_path):
    pem = certified_key("ecdsa", None, "secp256r1").chain_pem.decode()
    cases = {
        "huge.pem": (pem * (MAX_FILE // len(pem) + 2), ("more than the 1048576",)),
        "garbage.bin": ("\x00\x01garbage" * 10, ("neither PEM", "offset 0")),
        "text.txt": ("hello, world\n", ("neither PEM",)),
        "empty.pem": ("", ("empty",)),
        "cut.pem": (pem[:len(pem) // 3], ("line 1", "no END line", "cut short")),
        "badchar.pem": (pem.replace("\n", "\n*", 3), ("line 2", "0x2a", "not base64")),
        "nocert.pem": ("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                       ("no CERTIFICATE block", "PRIVATE KEY block, skipped")),
        "notx509.pem": ("-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n",
                        ("line 1", "not an X.509 certificate")),
        "mismatch.pem": (pem.replace("END CERTIFICATE", "END CERTIFICATX", 1),
                         ("closes the CERTIFICATE block begun on line 1",)),
    }
    for name, (content, needles) in cases.items():
        path = tmp_path / name
        path.write_text(content, encoding="latin-1")
        one_line_error(path, f"tlskb: error: {path}", *needles)
    code, out, err = run("no-such-file.pem")
    assert code == 1 and err.count("\n") == 1 and "no such file, and not HOST:PORT" in err
    code, _, err = run(str(tmp_path))
    assert code == 1 and "is a directory" in err


def test_a_private_key_beside_the_certificate_is_skipped_and_never_printed(tmp_path):
    made = certified_key("ecdsa", None, "secp256r1")
    path = tmp_path / "combined.pem"
    path.write_bytes(made.key_pem + made.chain_pem)
    body = made.key_pem.decode().splitlines()[1]
    for extra in ((), ("--json",)):
        code, out, err = run(str(path), "--only", "curl-7.88-ecdhe-gcm", *extra)
        assert body not in out + err
        assert "line 1: a PRIVATE KEY block, skipped" in out
    assert [c["key"] for c in json.loads(out)["certificates"]] == ["ECDSA P-256", "ECDSA P-384"]


@given(st.binary(max_size=2048) | st.builds(
    lambda pem, cut, junk: pem[:cut] + junk + pem[cut:],
    st.just(certified_key("ecdsa", None, "secp256r1").chain_pem),
    st.integers(0, 1500), st.binary(max_size=8)))
def test_any_bytes_are_a_chain_or_a_decode_error(data):
    try:
        read = read_certificates(data, "x.pem")
    except DecodeError as error:
        assert str(error).startswith("x.pem")
    else:
        assert read.chain.certificates


# -- JSON shape ----------------------------------------------------------------------------------
def test_the_json_shape(tmp_path):
    chain = tmp_path / "chain.pem"
    chain.write_bytes(certified_key("ecdsa", None, "secp384r1").chain_pem)
    code, out, _ = run(str(chain), "--json", "--stack", "openssl,gnutls")
    result = json.loads(out)
    assert set(result) == {"source", "kind", "starttls", "certificates", "chains",
                           "refused_offers", "notes", "served_key_types", "served_keys",
                           "outside_catalogue", "clients", "stacks", "advice", "breaks"}
    assert result["source"] == str(chain) and result["kind"] == "file"
    assert set(result["certificates"][0]) == {"chain", "position", "subject", "common_name",
                                              "issuer", "key", "key_type", "sha256"}
    assert result["served_key_types"] == ["ec384"] and result["served_keys"] == ["ECDSA P-384"]
    assert list(result["stacks"]) == ["openssl", "gnutls"]
    openssl_result = result["stacks"]["openssl"]
    assert set(openssl_result) == {"label", "library", "breaking", "current_breaking",
                                   "may_break", "undetermined"}
    entry = openssl_result["breaking"][0]
    assert set(entry) == {"client", "id", "state", "historical", "reason", "reason_code", "case",
                          "related_cases", "per_key_type"}
    assert entry["state"] in ("current", "fixed", "historical")
    exchange = next(b for b in openssl_result["breaking"] if b["case"] == "exchange-online-p384")
    assert exchange["reason_code"] == "curve_not_in_supported_groups"
    advice = result["advice"]
    assert set(advice) == {"current_clients", "request", "serves_all", "serves_most",
                           "served_by_most", "left_out", "side_by_side", "commands"}
    for key_id in advice["request"]:   # by default the common command-line clients
        commands = {c["acme_client"]: c["command"] for c in advice["commands"][key_id]}
        assert set(commands) == {"certbot", "lego", "acme-sh"}
        assert commands["certbot"] == next(
            c for c in CATALOGUE.clients if c.id == "certbot").command(key_id)
    assert result["breaks"] is (code == 4)
    _, every, _ = run(str(chain), "--json", "--acme-client", "all")
    for key_id, commands in json.loads(every)["advice"]["commands"].items():
        assert [c["acme_client"] for c in commands] == list(CATALOGUE.client_ids)
