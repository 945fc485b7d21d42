"""Hostile input costs what its size allows (issue 10): no length or offset read from text
stands for more bytes than the text can account for, and reading n bytes of hex text or
capture costs O(n) work and memory. Work is counted (lines of tlskb code run, characters handed
to its patterns, tracemalloc's peak), never timed; benchmarks/ingest_scaling.py shows the
times."""

from __future__ import annotations

import subprocess

import pytest

from generator.errors import DecodeError
from generator.ingest.hexdump import parse_hex_text
from generator.ingest.packets import ethernet_ipv4_tcp
from generator.tls.records import MAX_CLIENT_FLIGHT
from support import dumps
from support.budget import peak_memory
from support.corpus import load_corpus

from conftest import require_tool

SAMPLES = {s.name: s.data for s in load_corpus()}
HELLO = SAMPLES["curl-7.88"]
#: the corpus back to back: real bytes, with runs of zeros that hexdump and od print as `*`
CORPUS = b"".join(s.data for s in load_corpus())

#: patterns that scan a whole line or text with one character class (and single-character
#: look-arounds): linear in any length, so they may see lines longer than MAX_LINE
SCANS = {"_HEX_WORD", "_NOT_PLAIN", "_PLAIN_SEPARATORS", "_CONTENT_LINE", "_COMMENT",
         "_COMMENT_LINES", "_ZERO_X", "_ESCAPE", "_BETWEEN_ESCAPES"}


def content(size: int) -> bytes:
    return (CORPUS * (size // len(CORPUS) + 1))[:size]


def read(text: str):
    """parse_hex_text's blocks, or the DecodeError it raised."""
    try:
        return parse_hex_text(text, "pasted")
    except DecodeError as error:
        return error


def bio_log(data: bytes) -> str:
    return "".join(dumps.bio_dump(data[i:i + 4096]) for i in range(0, len(data), 4096))


def postfix_log(data: bytes) -> str:
    return "".join(dumps.postfix_dump(data[i:i + 4096]) for i in range(0, len(data), 4096))


def frames_of(data: bytes) -> list[bytes]:
    """What `tshark -x` shows: whole frames (a dump of bare bytes whose ASCII column holds only
    dots and hex letters would be plain hex), here carrying `data` 1,400 bytes a segment."""
    return [ethernet_ipv4_tcp("192.0.2.1", "192.0.2.2", 40000, 443, 1 + i, data[i:i + 1400])
            for i in range(0, len(data), 1400)]


def tshark_log(data: bytes) -> str:
    return dumps.tshark_x(frames_of(data))


FORMS = {"plain": dumps.plain_hex, "xxd": dumps.xxd, "hexdump -C": dumps.hexdump_c,
         "od -Ax -tx1": dumps.od_hex, "tshark -x": tshark_log, "BIO dump": bio_log,
         "Postfix log": postfix_log}


def dumped_bytes(name: str, data: bytes) -> bytes:
    """The bytes a form's dump of `data` holds."""
    return b"".join(frames_of(data)) if name == "tshark -x" else data


# -- the formatters are the tools ------------------------------------------------------------------

@pytest.mark.parametrize("command,form", [(["xxd"], dumps.xxd), (["xxd", "-p"], dumps.plain_hex),
                                          (["hexdump", "-C"], dumps.hexdump_c),
                                          (["od", "-Ax", "-tx1"], dumps.od_hex)],
                         ids=lambda c: " ".join(c) if isinstance(c, list) else "")
@pytest.mark.parametrize("data", [HELLO, SAMPLES["exchange-online-2019-reconstructed"], b"",
                                  b"x", bytes(100) + b"ab", bytes(range(256)) * 2])
def test_formatters_write_what_the_tools_write(tmp_path, command, form, data):
    """The property tests below use support/dumps.py's formatters for speed: they must match
    the real tools byte for byte."""
    tool = require_tool(command[0], {"xxd": "xxd", "hexdump": "bsdextrautils"}.get(command[0],
                                                                                   "coreutils"))
    path = tmp_path / "data.bin"
    path.write_bytes(data)
    real = subprocess.run([tool, *command[1:], str(path)], capture_output=True, text=True,
                          check=True).stdout
    expected = form(data, 30) if command == ["xxd", "-p"] else form(data)
    assert real == expected


def test_tshark_formatter_writes_what_tshark_writes(tshark, tmp_path):
    from generator.ingest.pcap import write_pcap
    frames = [ethernet_ipv4_tcp("192.0.2.1", "192.0.2.2", 40000, 443, 1, HELLO[:300]),
              ethernet_ipv4_tcp("192.0.2.1", "192.0.2.2", 40000, 443, 301, HELLO[300:])]
    path = tmp_path / "two.pcap"
    path.write_bytes(write_pcap([(1.0, frames[0]), (2.0, frames[1])]))
    real = subprocess.run([tshark, "-r", str(path), "-x", "-o", "tcp.desegment_tcp_streams:FALSE"],
                          capture_output=True, text=True, check=True).stdout
    assert real == dumps.tshark_x(frames)  # frames only: tlskb reassembles them itself


# -- lengths and offsets read from text --------------------------------------------------------------

CLAIMING_GIGABYTES = {
    "BIO elision at ffffffff": ("0000 - 16 03 01\nffffffff - <SPACES/NULS>\n", 2),
    "hexdump -C `*` up to ffffffff": (
        "00000000  16 03 01 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n*\n"
        "ffffffff\n", 2),
    "BIO header => 3000000000": (
        "read from 1 [2] (3 bytes => 3000000000 (0x3))\n0000 - 16 03 01\n0003 - <SPACES/NULS>\n", 1),
}


@pytest.mark.parametrize("text,line", CLAIMING_GIGABYTES.values(), ids=CLAIMING_GIGABYTES.keys())
def test_a_few_bytes_claiming_gigabytes_are_refused(text, line):
    """Issue 10: 47 bytes took 8.2 GB and 19 s; now the line is named, nothing is materialised."""
    outcome: list = []
    peak = peak_memory(lambda: outcome.append(read(text)))
    error = outcome[0]
    assert isinstance(error, DecodeError)
    assert f"line {line}:" in error.message and "hexdump -v" in error.message
    assert peak < 200_000


def test_what_a_dump_leaves_out_is_read_within_the_budget():
    """hexdump and od print a run of equal lines as `*`, OpenSSL elides trailing zeros: a hello
    followed by 64 KiB of zeros (more than the text's length, less than a flight) reads back."""
    data = HELLO + bytes(65536)
    assert b"".join(b.data for b in parse_hex_text(dumps.hexdump_c(data))) == data
    assert b"".join(b.data for b in parse_hex_text(dumps.od_hex(data))) == data
    assert parse_hex_text(dumps.bio_dump(data))[0].data == data


def test_the_budget_is_for_the_whole_text():
    """Many dumps that each leave out less than the budget cannot together leave out more."""
    each = MAX_CLIENT_FLIGHT // 8
    logs = [dumps.bio_dump(b"\x16" + bytes(each - 1), header=f"read from 0x{i:x} [0x0]")
            for i in range(1, 20)]
    assert [len(b.data) for b in parse_hex_text("".join(logs[:4]))] == [each] * 4
    error = read("".join(logs))
    assert isinstance(error, DecodeError) and "stands for" in error.message
