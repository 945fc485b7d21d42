"""Hex input in every usual form, produced by the real tools where they exist, decodes to the
same bytes: the truth is the binary the tool was given."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from generator.errors import DecodeError
from generator.ingest.find import find_client_hellos
from generator.ingest.hexdump import parse_hex_text
from generator.ingest.packets import ethernet_ipv4_tcp
from generator.ingest.pcap import write_pcap
from support.corpus import load_corpus
from support.dumps import postfix_dump

from conftest import require_tool

FIXTURES = Path(__file__).parent / "data" / "hexforms"
SAMPLES = {s.name: s.data for s in load_corpus()}
HELLO = SAMPLES["curl-7.88"]


def only_hello(text: str) -> bytes:
    found = find_client_hellos(text.encode(), "pasted").hellos
    assert len(found) == 1
    return found[0].wire.raw


@pytest.fixture(scope="module")
def hello_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("hex") / "hello.bin"
    path.write_bytes(HELLO)
    return path


@pytest.mark.parametrize("command", [
    ["xxd"], ["xxd", "-g1"], ["xxd", "-g4"], ["xxd", "-c", "24"], ["xxd", "-p"], ["xxd", "-i"],
    ["hexdump", "-C"], ["od", "-Ax", "-tx1"], ["od", "-tx1"], ["od", "-Ad", "-tx1"],
    ["od", "-Ax", "-tx1z"], ["od", "-An", "-v", "-tx1"],
], ids=lambda c: " ".join(c))
def test_dump_tools(hello_file, command):
    tool = require_tool(command[0], {"xxd": "xxd", "hexdump": "bsdextrautils"}.get(command[0],
                                                                                   "coreutils"))
    text = subprocess.run([tool, *command[1:], str(hello_file)], capture_output=True, text=True,
                          check=True).stdout
    assert only_hello(text) == HELLO


def test_repeated_lines_in_hexdump_and_od(tmp_path):
    """`*` stands for lines equal to the one before; the Exchange sample's zero session ticket
    makes hexdump and od print it."""
    data = SAMPLES["exchange-online-2019-reconstructed"]
    path = tmp_path / "exchange.bin"
    path.write_bytes(data)
    for command in (["hexdump", "-C"], ["od", "-Ax", "-tx1"], ["od", "-tx1"]):
        tool = require_tool(command[0], "bsdextrautils" if command[0] == "hexdump" else "coreutils")
        text = subprocess.run([tool, *command[1:], str(path)], capture_output=True, text=True,
                              check=True).stdout
        assert "*" in text.split()
        assert only_hello(text) == data


def test_tshark_frame_dump(tshark, tmp_path):
    """tshark -x prints whole frames (Ethernet/IP/TCP headers included), split over two
    segments here: tlskb reassembles them like a capture."""
    frames = [ethernet_ipv4_tcp("192.0.2.1", "192.0.2.2", 40000, 443, 1, HELLO[:300]),
              ethernet_ipv4_tcp("192.0.2.1", "192.0.2.2", 40000, 443, 301, HELLO[300:])]
    path = tmp_path / "two.pcap"
    path.write_bytes(write_pcap([(1.0, frames[0]), (2.0, frames[1])]))
    text = subprocess.run([tshark, "-r", str(path), "-x"], capture_output=True, text=True,
                          check=True).stdout
    assert only_hello(text) == HELLO


def test_openssl_server_debug_log():
    """`openssl s_server -debug`: BIO_dump under `read from`/`write to` headers; the record
    header and body are dumped separately and must be joined."""
    text = (FIXTURES / "openssl-s_server-debug.txt").read_text()
    result = find_client_hellos(text.encode(), "debug.txt")
    assert len(result.hellos) == 1
    assert result.hellos[0].origin.where.startswith("read from 0x")
    assert result.hellos[0].wire.records[0].length == 292
    assert result.hellos[0].wire.handshake_length == 288
    assert any("server_hello" in note for note in result.notes)


def test_openssl_client_msg_trace():
    text = (FIXTURES / "openssl-s_client-msg.txt").read_text()
    found = find_client_hellos(text.encode(), "msg.txt").hellos
    assert len(found) == 1 and found[0].wire.records[0].length == 0x124


def test_postfix_tls_log_with_elided_trailing_zeros():
    """The blog post's own situation: the Exchange hello ends in 00 (renegotiation_info), which
    Postfix elides as <SPACES/NULLS>; header and body are read separately."""
    data = SAMPLES["exchange-online-2019-reconstructed"]
    log = (postfix_dump(data[:5]) + postfix_dump(data[5:])
           + "Nov 29 20:20:16 mail postfix/smtpd[16423]: SSL_accept error from x[1.2.3.4]: -1\n")
    result = find_client_hellos(log.encode(), "maillog")
    assert [f.wire.raw for f in result.hellos] == [data]
    assert any("<SPACES/NULLS>" in note for note in result.notes)


@pytest.mark.parametrize("text", [
    HELLO.hex(),
    HELLO.hex().upper(),
    " ".join(f"{b:02x}" for b in HELLO),
    ":".join(f"{b:02x}" for b in HELLO),
    "\n".join(HELLO.hex()[i:i + 60] for i in range(0, len(HELLO.hex()), 60)),
    ", ".join(f"0x{b:02x}" for b in HELLO),
    "0x" + HELLO.hex(),
    "".join(f"\\x{b:02x}" for b in HELLO),
    '"' + "".join(f"\\x{b:02x}" for b in HELLO[:200]) + '"\n"' + "".join(
        f"\\x{b:02x}" for b in HELLO[200:]) + '"',
    "char peer0_0[] = { /* Packet 4 */\n" + ",\n".join(
        ", ".join(f"0x{b:02x}" for b in HELLO[i:i + 8]) for i in range(0, len(HELLO), 8)) + " };",
], ids=["plain", "upper", "spaced", "colons", "wrapped", "c-list", "0x-run", "escapes",
        "quoted-escapes", "wireshark-c-array"])
def test_inline_forms(text):
    assert only_hello(text) == HELLO


def test_handshake_message_without_record_header():
    assert find_client_hellos(HELLO[5:].hex().encode(), "x").hellos[0].wire.wire_format == "handshake"


@pytest.mark.parametrize("command", [["xxd", "-p"], ["xxd"], ["od", "-Ax", "-tx1"]],
                         ids=lambda c: " ".join(c))
def test_comment_lines_are_ignored(hello_file, command):
    """A dump annotated with `#` lines (as tlskb capture writes them) reads the same."""
    tool = require_tool(command[0], "xxd" if command[0] == "xxd" else "coreutils")
    dump = subprocess.run([tool, *command[1:], str(hello_file)], capture_output=True, text=True,
                          check=True).stdout.splitlines()
    annotated = ["# ClientHello from 192.0.2.1:40000", "  # time: 2026-11-27T03:00:00Z",
                 *dump[:2], "# a note in the middle", *dump[2:], "# end"]
    assert only_hello("\n".join(annotated) + "\n") == HELLO


def test_comment_lines_keep_line_numbers_in_errors():
    with pytest.raises(DecodeError, match="line 3 is not hex"):
        find_client_hellos(b"# one\n# two\nnot hex at all\n", "pasted")
    with pytest.raises(DecodeError, match="only comments"):
        find_client_hellos(b"# nothing but a comment\n", "pasted")


@pytest.mark.parametrize("text,message", [
    ("16 03 01 0", "odd number of hex digits"),
    ("hello world, this is not hex", "line 1 is not hex"),
    ("0000000 0316 0001 9d01 0000 0399\n", "16-bit words"),
    ("00000000: 1603 0100\n00000020: 9d01 0000\n", "holds 4 bytes but the next offset says 32"),
    ("", "empty"),
    (" 16 03 01 02 00 01 00 01 fc 03 03 d3 ef f9 dc 56\n 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n*\n",
     "without offsets their number is unknown"),
])
def test_bad_hex_says_why(text, message):
    with pytest.raises(DecodeError, match=message):
        find_client_hellos(text.encode() or b"", "pasted")


def test_blocks_keep_their_labels():
    text = "read from 1 [2] (3 bytes => 3 (0x3))\n0000 - 16 03 01\nwrite to 1 [2] (2 bytes => 2 (0x2))\n0000 - 15 03\n"
    blocks = parse_hex_text(text)
    assert [(b.label, b.data) for b in blocks] == [("read from 1", b"\x16\x03\x01"),
                                                    ("write to 1", b"\x15\x03")]


def test_each_connection_in_a_log_is_its_own_stream():
    """Two connections (two BIO addresses) in one debug log: two hellos, neither taken for the
    second hello of a HelloRetryRequest."""
    first, second = SAMPLES["curl-7.88"], SAMPLES["openssl-3.0-tls12"]
    text = "".join(f"read from 0x{bio} [0x0] ({len(d)} bytes => {len(d)} (0x{len(d):X}))\n"
                   + "".join(f"{i:04x} - " + " ".join(f"{b:02x}" for b in d[i:i + 16]) + "\n"
                             for i in range(0, len(d), 16))
                   for bio, d in (("55aa01", first), ("55aa02", second)))
    result = find_client_hellos(text.encode(), "two.log")
    assert [f.wire.raw for f in result.hellos] == [first, second]
    assert not any(f.origin.second for f in result.hellos)


def test_interleaved_processes_in_a_mail_log():
    """Concurrent smtpd processes write their dumps line by line into the same log: each
    process's lines are read on their own."""
    first, second = SAMPLES["curl-7.88"], SAMPLES["openssl-3.0-tls12"]
    a = (postfix_dump(first[:5], "Nov 29 20:20:16 mail postfix/smtpd[101]: ")
         + postfix_dump(first[5:], "Nov 29 20:20:16 mail postfix/smtpd[101]: ")).splitlines()
    b = (postfix_dump(second[:5], "Nov 29 20:20:16 mail postfix/smtpd[202]: ")
         + postfix_dump(second[5:], "Nov 29 20:20:16 mail postfix/smtpd[202]: ")).splitlines()
    mixed = [line for pair in zip(a, b) for line in pair] + a[len(b):] + b[len(a):]
    result = find_client_hellos("\n".join(mixed).encode(), "maillog")
    assert sorted(f.wire.raw for f in result.hellos) == sorted([first, second])
    assert {f.origin.where.split()[0] for f in result.hellos} == {"postfix/smtpd[101]",
                                                                 "postfix/smtpd[202]"}


def test_a_real_postfix_log():
    """Postfix 3.7's own dump (smtpd_tls_loglevel = 3), recorded from a running Postfix: its
    elision line is `<SPACES/NULLS>` after the offset where the elided bytes start, and each
    connection is its own stream."""
    text = (FIXTURES / "postfix-3.7-smtpd-tls-loglevel-3.log").read_bytes()
    result = find_client_hellos(text, "maillog")
    curl = bytes.fromhex("".join(line for line in (FIXTURES / "postfix-3.7-smtpd-tls-loglevel-3.curl.hex")
                                 .read_text().splitlines() if not line.startswith("#")))
    assert [f.wire.raw for f in result.hellos] == [SAMPLES["exchange-online-2019-reconstructed"],
                                                   curl]
    assert any("elided 1 trailing bytes" in note for note in result.notes)


def test_dump_header_length_must_match():
    text = "read from 1 [2] (5 bytes => 5 (0x5))\n0000 - 16 03 01\n"
    with pytest.raises(DecodeError, match="holds 3 bytes but its header says 5"):
        parse_hex_text(text)


TRICKY = [
    b"abcdabcdabcdabcd" * 3 + b"\x16\x03\x01",          # hex-looking ASCII column, repeated lines
    bytes(range(256)),                                   # every byte value
    b"\x00" * 40 + b"ab",                               # repeats then a short last line
    b"cafe" * 9,                                         # ASCII that is itself valid hex
    b"x",                                                # a single byte
    bytes(range(16)) * 2 + bytes(range(16)) + b"\x01",   # repeat block ending in a partial line
]


@pytest.mark.parametrize("command", [["xxd"], ["xxd", "-g1"], ["xxd", "-a"], ["hexdump", "-C"],
                                     ["od", "-Ad", "-tx1"],
                                     ["od", "-Ax", "-tx1z"], ["od", "-tx1"]],
                         ids=lambda c: " ".join(c))
@pytest.mark.parametrize("content", TRICKY, ids=range(len(TRICKY)))
def test_dumps_of_tricky_content_read_back_exactly(tmp_path, command, content):
    tool = require_tool(command[0], {"xxd": "xxd", "hexdump": "bsdextrautils"}.get(command[0],
                                                                                   "coreutils"))
    path = tmp_path / "content.bin"
    path.write_bytes(content)
    text = subprocess.run([tool, *command[1:], str(path)], capture_output=True, text=True,
                          check=True).stdout
    assert b"".join(block.data for block in parse_hex_text(text)) == content
