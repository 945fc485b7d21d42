"""A client chooses its SNI and ALPN, and `tlskb capture` writes them into files and onto a
terminal: hostile names sent through a real capture cannot forge the saved file (it decodes to
exactly the bytes sent, and its header says exactly what was sent, escaped), cannot make it
unreadable, and put no control character on stdout or stderr — nor does `tlskb decode`."""

from __future__ import annotations

import io
import json
import re
import socket
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from generator.cli import main
from generator.compat.clients import recorded_clients
from generator.console import json_text
from generator.ingest.find import find_client_hellos
from generator.printable import escape, printable_line, quoted, unescape, unquote
from generator.tls import extensions as ext
from generator.tls.records import CONTENT_HANDSHAKE, decode_client_hello, encode_records
from support.net import ROOT, capture

CLIENTS = {c.id: c.raw for c in recorded_clients()}
CURL = CLIENTS["curl-7.88"]
EXCHANGE = CLIENTS["exchange-online-2019-reconstructed"]

#: (what it tries, SNI, ALPN or None to keep curl's)
HOSTILE = [
    ("a forged Exchange hello in the header", b"x\n" + EXCHANGE.hex().encode() + b"\n#", None),
    ("the same with CR line ends", b"x\r" + EXCHANGE.hex().encode() + b"\r#", None),
    ("ANSI: clear screen, red, window title", b"\x1b[2J\x1b[31mred\x1b]0;owned\x07", None),
    ("OSC 52: write the clipboard", b"\x1b]52;c;cm0gLXJmIH4K\x07.example", None),
    ("NUL", b"a\x00b.example", None),
    ("C1 CSI, DEL, bytes over 0x7f", b"\x9b31m\x7f\xff\xfe.example", None),
    ("right-to-left override in UTF-8", "\u202eelpmaxe.evil".encode(), None),
    ("tlskb's own words and escapes", b'(none)\\x41"', None),
    ("hostile ALPN", b"alpn.example", b"h2\x1b[5m\n# sni: forged"),
]


def hello_with(raw: bytes, sni: bytes, alpn: bytes | None) -> bytes:
    """`raw` (a recorded hello with SNI and ALPN) with this SNI and, if given, this ALPN."""
    wire = decode_client_hello(raw)

    def swapped(extension: ext.Extension) -> ext.Extension:
        if isinstance(extension, ext.ServerName):
            return ext.ServerName((ext.ServerNameEntry(0, sni),))
        if isinstance(extension, ext.Alpn) and alpn is not None:
            return ext.Alpn((alpn,))
        return extension
    hello = replace(wire.hello, extensions=tuple(swapped(e) for e in wire.hello.extensions))
    return encode_records(CONTENT_HANDSHAKE, wire.records[0].version, hello.encode())


SENT = [hello_with(CURL, sni, alpn) for _, sni, alpn in HOSTILE]


def control_characters(text: str, colours: bool = False) -> list[str]:
    """Every character a terminal would act on, newlines apart (and SGR colours, if allowed)."""
    if colours:
        text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return sorted({c for c in text if not c.isprintable() and c != "\n"})


def send_all(port: int) -> None:
    """Each hostile hello in turn, each answered (alert) before the next: numbered in order."""
    for raw in SENT:
        with socket.create_connection(("127.0.0.1", port), 10) as sock:
            sock.sendall(raw)
            assert sock.recv(7)[:1] == b"\x15"


def saved_files(out_dir: Path) -> list[Path]:
    files = sorted(out_dir.glob("*.hex"), key=lambda p: p.stem.rsplit("-", 1)[1])
    assert len(files) == len(SENT)
    return files


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out, err)
    return status, out.getvalue(), err.getvalue()


def test_hostile_names_in_a_real_capture(tmp_path):
    with capture(tmp_path, "--count", str(len(SENT)), json_lines=False) as running:
        send_all(running.port)
        running.process.wait(30)
        stdout, stderr = running.stop()
    assert running.process.returncode == 0, stderr
    assert control_characters(stdout) == [] and control_characters(stderr) == []
    for (_, sni, _), raw, path in zip(HOSTILE, SENT, saved_files(running.out_dir)):
        assert f"SNI {quoted(sni)}" in stdout
        text = path.read_bytes().decode("ascii")  # ASCII, whatever the client sent
        assert all(line.isprintable() for line in text.splitlines())
        header = [line for line in text.splitlines() if line.startswith("#")]
        assert [unquote(line.removeprefix("# sni: ")) for line in header
                if line.startswith("# sni: ")] == [sni]
        # the hex is the record: every reader finds exactly the hello that was sent
        (found,) = find_client_hellos(path.read_bytes(), str(path)).hellos
        assert found.wire.raw == raw
        status, out, err = run_cli("decode", "--json", str(path))
        assert status == 0 and bytes.fromhex(json.loads(out)["hex"]) == raw
        for colour in ("never", "always"):
            status, out, err = run_cli("decode", "--color", colour, str(path))
            assert status == 0 and err == ""
            assert control_characters(out, colours=colour == "always") == []
            assert f"Server Name: {escape(sni)}" in re.sub(r"\x1b\[[0-9;]*m", "", out)
        status, out, err = run_cli("analyze", str(path))
        assert status == 0 and control_characters(out + err) == []
        status, out, err = run_cli("new", f"case-{path.stem[-4:]}", "--from", str(path),
                                   "--dir", str(tmp_path))
        assert status == 0, err
        case_hex = re.findall(r"^      ([0-9a-f]+)$",
                              (tmp_path / f"case-{path.stem[-4:]}.yaml").read_text(), re.M)
        assert bytes.fromhex("".join(case_hex)) == raw


def test_hostile_names_in_json_lines(tmp_path):
    with capture(tmp_path, "--count", str(len(SENT))) as running:
        send_all(running.port)
        results = running.results(30)
        stdout, stderr = "".join(running.stdout_lines), "".join(running.stderr_lines)
    assert control_characters(stdout) == [] and control_characters(stderr) == []
    assert [bytes.fromhex(r["hex"]) for r in results] == SENT
    for (_, sni, alpn), result in zip(HOSTILE, results):
        # the JSON view keeps its shape: the name as text, escaped as everywhere else
        assert result["client_hello"]["server_name"] == escape(sni)
        assert unescape(result["client_hello"]["server_name"]) == sni
        if alpn is not None:
            assert result["client_hello"]["alpn"] == [escape(alpn)]


@pytest.mark.parametrize("names", [
    (b"\xff\xfe", b"\\xff\\xfe"),     # the bytes ff fe, and the text \xff\xfe
    (b"a\\b", b"a\\\\b"),            # one backslash, and two
    (b'"', b'\\"'),
])
def test_json_tells_bytes_from_their_escape(tmp_path, names):
    """Red team F8a: `decode --json` showed the SNI bytes ff fe and the ASCII text `\\xff\\xfe`
    both as "\\\\xff\\\\xfe" (server_name, server_names and ALPN alike). Now every name is
    escaped reversibly: different bytes, different JSON, and unescape gives the bytes back."""
    seen = []
    for number, name in enumerate(names):
        path = tmp_path / f"{number}.bin"
        path.write_bytes(hello_with(CURL, name, name))
        out, err = io.StringIO(), io.StringIO()
        assert main(["decode", "--json", str(path)], out, err) == 0, err.getvalue()
        hello = json.loads(out.getvalue())["client_hello"]
        (server_names,) = [e["server_names"] for e in hello["extensions"] if e["type"] == 0]
        (protocols,) = [e["protocols"] for e in hello["extensions"] if e["type"] == 16]
        assert hello["server_name"] == server_names[0]["name"]
        assert hello["alpn"] == protocols
        assert unescape(hello["server_name"]) == name and [unescape(p) for p in protocols] == [name]
        seen.append((hello["server_name"], hello["alpn"][0]))
    assert seen[0] != seen[1] and seen[0][0] != seen[1][0] and seen[0][1] != seen[1][1]


def test_decode_prints_a_hostile_hello_from_any_input_safely(tmp_path):
    """`tlskb decode` of raw bytes (not a capture file) shows the same escaped names, as a
    separate process writing to a pipe."""
    path = tmp_path / "hostile.bin"
    path.write_bytes(SENT[2])
    done = subprocess.run([sys.executable, "-m", "generator", "decode", str(path)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0
    assert control_characters(done.stdout) == [] and control_characters(done.stderr) == []
    assert "Server Name: \\x1b[2J\\x1b[31mred\\x1b]0;owned\\x07" in done.stdout


@pytest.mark.parametrize("data", [b"", bytes(range(256)), b'\\x41"\\\\', b"(none)"])
def test_the_escaping_is_reversible(data):
    assert unescape(escape(data)) == data and unquote(quoted(data)) == data
    assert escape(data).isascii() and escape(data).isprintable()


@pytest.mark.parametrize("text", ["x", '"x', 'a"b', "a\\qb", "a\\x4", "\x1b", "é"])
def test_unescaping_refuses_what_escape_never_writes(text):
    with pytest.raises(ValueError):
        unquote(f'"{text}"') if text != "x" else unquote(text)


def test_lines_and_json_keep_no_control_character():
    nasty = "a\x1b[31m\x00\x7f\x85\u2028\u202e\U000e0041\ud800\\b"
    assert control_characters(printable_line(nasty)) == []
    assert printable_line(nasty).endswith("\\b")
    for indent in (None, 2):
        text = json_text({"k": [nasty]}, indent)
        assert control_characters(text) == [] and json.loads(text) == {"k": [nasty]}
