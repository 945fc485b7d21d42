"""`tlskb decode` as users run it: output shapes, exit codes, one-line errors, no tracebacks."""

from __future__ import annotations

import io
import json
import ssl
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import main
from generator.compat.keytypes import catalogue
from generator.stacks import StackId, stack
from generator.stacks.openssl.facts import PINNED_CRYPTOGRAPHY, PINNED_OPENSSL
from generator.stacks.openssl.system import label as system_label
from generator.stacks.openssl.system import replay as system_replay
from support.corpus import load_corpus
from support.hellos import client_hello, record

SAMPLES = {s.name: s.data for s in load_corpus()}
CAPTURE = Path(__file__).parent / "data" / "captures" / "loopback-clients.pcap"
#: the hellos in CAPTURE (tools/record_client_hellos.py --pcap: 173 clients, three of the
#: browsers connecting twice; test_tshark_differential finds as many with tshark)
CAPTURE_HELLOS = 176


def run(*argv: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        old = sys.stdin
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
        try:
            code = main(list(argv), out, err)
        finally:
            sys.stdin = old
    else:
        code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def exchange_hex(tmp_path) -> Path:
    path = tmp_path / "exchange.hex"
    path.write_text(SAMPLES["exchange-online-2019-reconstructed"].hex())
    return path


def test_tree_reads_like_tshark(exchange_hex):
    code, out, err = run("decode", str(exchange_hex))
    assert code == 0 and err == ""
    for line in ["TLSv1.2 Record Layer: Handshake Protocol: Client Hello", "Length: 346",
                 "Cipher Suites (16 suites)",
                 "Cipher Suite: TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 (0xc02c)",
                 "Extensions Length: 269", "Supported Groups (1 group)",
                 "Supported Group: secp256r1 (0x0017)",
                 "Signature Algorithm: ecdsa_secp384r1_sha384 (0x0503)",
                 "Extension: session_ticket (len=218)"]:
        assert line in out, line
    assert "\x1b[" not in out


def test_json_shape_of_one_hello(exchange_hex):
    code, out, _ = run("decode", "--json", str(exchange_hex))
    document = json.loads(out)
    assert isinstance(document, dict)
    hello = document["client_hello"]
    assert hello["legacy_version"] == 771
    assert hello["cipher_suites"][:2] == [0xC02C, 0xC02B]
    assert hello["compression_methods"] == [0]
    assert [e["type"] for e in hello["extensions"]] == [10, 11, 13, 35, 23, 65281]
    assert hello["extensions"][0] == {"type": 10, "name": "supported_groups", "length": 4,
                                      "groups": [23]}
    assert hello["supported_groups"] == [23]
    assert hello["signature_algorithms"][4] == 0x0503
    assert hello["supported_versions"] is None and hello["alpn"] is None
    assert hello["server_name"] is None and hello["ec_point_formats"] == [0]
    assert document["ja3_hash"] and document["ja4"].startswith("t12i1606")
    assert document["source"]["container"] == "plain hex"


def test_json_array_for_a_capture():
    code, out, _ = run("decode", "--json", str(CAPTURE))
    document = json.loads(out)
    assert code == 0 and isinstance(document, list) and len(document) == CAPTURE_HELLOS
    assert {d["source"]["starttls"] for d in document} == {None, "smtp", "imap", "pop3",
                                                            "postgres"}
    assert all(d["source"]["packet"] > 0 for d in document)


def test_standard_input(exchange_hex):
    code, out, _ = run("decode", "-", stdin=exchange_hex.read_bytes())
    assert code == 0 and "Client Hello" in out


def test_colour_on_request(exchange_hex, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert "\x1b[" in run("decode", "--color", "always", str(exchange_hex))[1]
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run("decode", "--color", "auto", str(exchange_hex))[1]


@pytest.mark.parametrize("content,message", [
    (b"16 03 01 00 05 01 00 00 01", "record of length 5 is truncated"),
    (b"not hex at all", "line 1 is not hex"),
    (b"\x00\x01\x02\x03", "no ClientHello found (the bytes are neither a ClientHello"),
    (b"", "the input is empty"),
])
def test_bad_input_is_one_line_and_exit_1(tmp_path, content, message):
    path = tmp_path / "bad.bin"
    path.write_bytes(content)
    code, out, err = run("decode", str(path))
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("tlskb: error: ") and message in err


def test_missing_file_and_directory(tmp_path):
    assert run("decode", str(tmp_path / "nope"))[2] == f"tlskb: error: {tmp_path / 'nope'}: no such file\n"
    assert "is a directory" in run("decode", str(tmp_path))[2]


def test_skip_invalid_reports_on_stderr(tmp_path):
    text = "read from 1 [2] (5 bytes => 5 (0x5))\n0000 - 16 03 01 00 07\n"
    path = tmp_path / "log.txt"
    path.write_text(text)
    code, out, err = run("decode", "--skip-invalid", str(path))
    assert code == 1 and "no valid ClientHello found; skipped" in err and "incomplete" in err
    code, out, err = run("decode", str(path))
    assert code == 1 and err.startswith("tlskb: error: ")


def test_real_process_never_prints_a_traceback(tmp_path):
    path = tmp_path / "garbage.bin"
    path.write_bytes(bytes(range(256)) * 4)
    for argv in (["decode", str(path)], ["decode", "--json", str(path)], ["nonsense"],
                 ["decode", "--color", "purple", str(path)]):
        result = subprocess.run([sys.executable, "-m", "generator", *argv], capture_output=True,
                                text=True, timeout=60)
        assert result.returncode in (1, 2)
        assert "Traceback" not in result.stderr and result.stderr.strip()
    ok = subprocess.run([sys.executable, "-m", "generator", "decode", str(CAPTURE)],
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and ok.stdout.count("ClientHello ") == CAPTURE_HELLOS


# -- tlskb analyze -------------------------------------------------------------------------------

def test_analyze_table_tells_the_story(exchange_hex):
    code, out, err = run("analyze", "--replay", str(exchange_hex))
    assert code == 0, err
    assert "ec384    FAIL  supported_groups lists secp256r1; an ECDSA P-384 certificate needs " \
           "secp384r1 there (RFC 8422 §5.1)" in out
    assert "replay: alert handshake_failure (40), OpenSSL: no shared cipher" in out
    assert "Works: rsa2048, rsa3072, rsa4096, rsa8192, ec256. Fails: ec384, ec521, ed25519." in out
    # the proof names the pinned library, whatever libssl this machine has
    assert out.rstrip().endswith(f"Replayed against OpenSSL {PINNED_OPENSSL} (pinned reference, "
                                 f"cryptography {PINNED_CRYPTOGRAPHY}).")


def test_analyze_json_shape(exchange_hex):
    code, out, _ = run("analyze", "--json", "--replay", "-k", "ec384", "-k", "ec256",
                       str(exchange_hex))
    document = json.loads(out)
    assert list(document["key_types"]) == ["ec384", "ec256"]
    ec384, ec256 = document["key_types"]["ec384"], document["key_types"]["ec256"]
    assert ec384["ok"] is False and ec384["reason_code"] == "curve_not_in_supported_groups"
    assert ec384["replay"]["alert"] == 40 and ec384["replay"]["agrees"] is True
    assert ec256["ok"] is True and ec256["version"] == "TLS 1.2"
    assert ec256["cipher_suite"] == 0xC02C and 0xC02C in ec256["cipher_suites"]
    assert ec256["group"] == 23 and ec256["signature_scheme"] == 0x0403
    assert ec384["verdict"] == "fail" and ec256["verdict"] == "ok"
    assert ec384["after_server_hello"] is False and "caveat" not in ec256
    library = document["replayed_against"]["library"]
    assert library.startswith(f"OpenSSL {PINNED_OPENSSL} ")
    assert document["stack"] == {"id": "openssl", "label": "OpenSSL", "version": PINNED_OPENSSL,
                                 "library": stack(StackId.OPENSSL).library}
    assert document["replayed_against"] == {
        "stack": "openssl", "version": PINNED_OPENSSL,
        "build": "pinned", "openssl": PINNED_OPENSSL, "library": library,
        "label": f"OpenSSL {PINNED_OPENSSL} (pinned reference, cryptography "
                 f"{PINNED_CRYPTOGRAPHY})", "reference": True}


def test_analyze_against_this_machines_openssl(exchange_hex):
    """--openssl system replays against the libssl Python links, labelled with its version;
    where it differs from the reference that is reported, not an error."""
    code, out, err = run("analyze", "--openssl", "system", "-k", "ec384", str(exchange_hex))
    assert code == 0, err
    assert (f"Replayed against {system_label()}. The verdicts model "
            f"{stack(StackId.OPENSSL).library}.") in out
    code, out, _ = run("analyze", "--json", "--openssl", "system", "-k", "ec384",
                       str(exchange_hex))
    document = json.loads(out)
    assert document["replayed_against"]["build"] == "system"
    assert document["replayed_against"]["label"] == system_label()
    assert document["replayed_against"]["reference"] is False
    assert document["replayed_against"]["library"] == ssl.OPENSSL_VERSION


def test_a_difference_on_this_machines_openssl_is_a_note_not_an_error(tmp_path):
    """A hello whose verdict differs between OpenSSL releases (compressed-only EC points, see
    facts.Fact.POINT_FORMATS): with the reference it must agree (exit 0); with this machine's
    libssl the answer may differ, and then it is reported as this machine's answer."""
    hello = record(client_hello([0xC02B], groups=[29, 23], sigalgs=[0x0403], point_formats=[1]))
    path = tmp_path / "compressed-only.hex"
    path.write_text(hello.hex())
    code, out, err = run("analyze", "--replay", "-k", "ec256", str(path))
    assert code == 0, err
    assert "ec_point_formats lacks uncompressed" in out
    code, out, err = run("analyze", "--openssl", "system", "-k", "ec256", str(path))
    assert code == 0, err
    outcome = system_replay(hello, catalogue().key_type("ec256"))
    if outcome.ok:  # OpenSSL 3.0.22+, 4.0.2+: the check is gone
        assert "this machine's library answers otherwise: TLS 1.2" in out
        assert "answer(s) of OpenSSL " in err and f"which model OpenSSL {PINNED_OPENSSL}" in err
    else:
        assert "answers otherwise" not in out, ssl.OPENSSL_VERSION


def test_analyze_several_hellos_and_unknown_key_type():
    code, out, _ = run("analyze", "--json", "-k", "ec256", str(CAPTURE))
    assert code == 0 and len(json.loads(out)) == CAPTURE_HELLOS
    code, out, err = run("analyze", "-k", "p384", str(CAPTURE))
    assert code == 1 and "unknown key type 'p384'; the catalogue has rsa2048" in err


def test_analyze_says_when_no_certificate_can_help(tmp_path):
    path = tmp_path / "rc4.hex"
    sslv3_rc4 = "160300002f0100002b0300" + "00" * 32 + "00" + "0004" + "00050004" + "0100"
    path.write_text(sslv3_rc4)
    code, out, _ = run("analyze", str(path))
    assert code == 0
    assert "No key type works, and no certificate can fix it: legacy_version is SSL 3.0" in out


def test_stack_choice_is_checked(exchange_hex):
    """--stack names stacks of generator/stacks/data/stacks.yaml (or all); anything else, and
    --openssl without the OpenSSL stack, is a usage error in one line."""
    from generator.stacks import stacks
    code, _, err = run("analyze", "--stack", "openssl,nginx", str(exchange_hex))
    assert code == 1 and err.strip().startswith("tlskb: error: unknown stack 'nginx': choose "
                                                "from openssl")
    for other in [s.id.value for s in stacks() if s.id is not StackId.OPENSSL]:
        code, _, err = run("analyze", "--stack", other, "--openssl", "system", str(exchange_hex))
        assert code == 1 and "add openssl to --stack" in err
    code, out, _ = run("analyze", "--json", "--stack", "openssl", "-k", "ec384",
                       str(exchange_hex))
    assert code == 0 and json.loads(out)["stack"]["id"] == "openssl"


def test_decode_at_a_terminal_says_what_it_waits_for():
    """`tlskb decode` with no file, at a terminal (a pseudo-terminal here), says it reads the
    terminal and how to end the input, instead of waiting silently; from a pipe it says
    nothing of the kind."""
    import os
    import pty
    import subprocess
    import sys
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen([sys.executable, "-m", "generator", "decode"], stdin=terminal,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        os.write(controller, b"\x04")   # Ctrl-D at the start of a line: end of input
        _, stderr = process.communicate(timeout=60)
    finally:
        os.close(controller)
        os.close(terminal)
    assert b"reading a capture or hex dump from the terminal" in stderr
    assert b"Ctrl-D" in stderr and process.returncode == 1
    piped = subprocess.run([sys.executable, "-m", "generator", "decode"], input=b"",
                           capture_output=True, timeout=60)
    assert b"from the terminal" not in piped.stderr and piped.returncode == 1
