"""Hostile input costs what its size allows (issue 10): no length or offset read from text
stands for more bytes than the text can account for, and reading n bytes of hex text or
capture costs O(n) work and memory. Work is counted (lines of tlskb code run, characters handed
to its patterns, tracemalloc's peak), never timed; benchmarks/ingest_scaling.py shows the
times."""

from __future__ import annotations

import struct
import subprocess

import pytest
from hypothesis import example, given, strategies as st

from generator.errors import DecodeError
from generator.ingest import hexdump, starttls
from generator.ingest.find import find_client_hellos
from generator.ingest.hexdump import MAX_LINE, MAX_SYSLOG_PREFIX, parse_hex_text
from generator.ingest.packets import ethernet_ipv4_tcp
from generator.ingest.pcap import write_pcap
from generator.ingest.starttls import NeedMore, TlsStartDetector, locate_tls_start
from generator.tls.records import MAX_CLIENT_FLIGHT
from support import dumps
from support.budget import PatternSpy, Work, doubling_ratios, peak_memory
from support.corpus import load_corpus
from support.frames import connection_frames, conversation_frames, write_pcapng
from support.hellos import padded_hello_stream

from conftest import require_tool

SAMPLES = {s.name: s.data for s in load_corpus()}
HELLO = SAMPLES["curl-7.88"]
#: the corpus back to back: real bytes, with runs of zeros that hexdump and od print as `*`
#: the material the texts are made of: the hellos of the first recorded clients, a fixed
#: list, so that the catalogue's growth does not change what "the same text, twice as long"
#: means (a run of zero bytes that hexdump elides at one size and not at the next would)
ORIGINAL_CLIENTS = ("android-7.0-native", "curl-7.88", "exchange-online-2019-reconstructed",
                    "gnutls-cli-3.7", "ie11-windows10-schannel", "java-17-jsse",
                    "java-6u45-sslv2", "msmtp-starttls", "node-20-tls", "openssl-3.0-default",
                    "openssl-3.0-ecdsa-sigalgs", "openssl-3.0-p256-only",
                    "openssl-3.0-starttls-smtp", "openssl-3.0-tls10-seclevel0",
                    "openssl-3.0-tls12", "python-3.11-smtplib-starttls", "python-3.11-ssl",
                    "swaks-starttls", "wget-1.21")
CORPUS = b"".join(SAMPLES[name] for name in ORIGINAL_CLIENTS)

#: patterns that scan a whole line or text with one character class (and single-character
#: look-arounds): linear in any length, so they may see lines longer than MAX_LINE
SCANS = {"_HEX_RUN", "_NOT_PLAIN", "_PLAIN_SEPARATORS", "_CONTENT_LINE", "_COMMENT",
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
    """The bytes a form's dump of `data` holds: whole frames for tshark; OpenSSL and Postfix
    elide each read's trailing spaces and NULs, which read back as zeros."""
    if name == "tshark -x":
        return b"".join(frames_of(data))
    if name in ("BIO dump", "Postfix log"):
        return b"".join(data[i:i + 4096].rstrip(b" \x00").ljust(len(data[i:i + 4096]), b"\x00")
                        for i in range(0, len(data), 4096))
    return data


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


@pytest.mark.parametrize("form", ["xxd", "hexdump -C", "BIO dump"])
def test_an_ascii_column_showing_escapes_or_0x_is_still_a_dump(form):
    """Bytes that spell `\\x16` or `0x16` show so in a dump's ASCII column; the dump is still
    read as a dump, not as escapes or C bytes (a ClientHello's random can hold them)."""
    data = HELLO[:40] + b"\\x16\\x03 and 0x16, 0x03" + HELLO[40:]
    assert b"".join(b.data for b in parse_hex_text(FORMS[form](data))) == data


# -- linear patterns, bounded lines ------------------------------------------------------------------

@pytest.mark.parametrize("length", [100_000, 1_000_000])
def test_a_long_line_after_a_log_header(length):
    """Issue 10: a `read from` line then a 100 KB line took 18.8 s (1 MB: over 120 s), a syslog
    prefix pattern backtracking over the line. Patterns that can backtrack now see at most
    MAX_LINE characters of a line; the scans see each character a bounded number of times."""
    text = "read from 1 [2] (3 bytes => 3 (0x3))\n" + "a" * length + "\n"
    with PatternSpy([hexdump], Work(max_characters=32 * len(text)),
                    max_span=MAX_LINE + MAX_SYSLOG_PREFIX, scans=SCANS):
        outcome = read(text)
    assert isinstance(outcome, DecodeError) and "its header says 3" in outcome.message
    assert peak_memory(lambda: read(text)) < 4 * len(text)  # no pattern state per hex pair


@pytest.mark.parametrize("name", FORMS)
def test_each_form_reads_in_linear_work_and_memory(name):
    """Lines of tlskb code run and characters given to patterns grow like the text (doubling
    it at most 2.3 times the work), and memory peaks at a small multiple of the text."""
    form = FORMS[name]

    def lines_run(size: int) -> int:
        data = content(size)
        work = Work()
        blocks = work.run(lambda: parse_hex_text(form(data)), [hexdump],
                          max_span=MAX_LINE + MAX_SYSLOG_PREFIX, scans=SCANS)
        assert b"".join(b.data for b in blocks) == dumped_bytes(name, data)
        assert work.characters <= 32 * len(form(data)), f"{work.characters} pattern characters"
        return work.lines

    assert all(ratio < 2.3 for ratio in doubling_ratios(lines_run, 4096)), name
    text = form(content(64 * 1024))
    assert peak_memory(lambda: parse_hex_text(text)) < 12 * len(text)


@pytest.mark.parametrize("text", [
    "16\n" + "\n" * 1_000_000 + "03\n",                        # issue 10: 5 MB took 652 MB
    "0000 16\n" + "\n" * 1_000_000 + "0001 03\n",
    "read from 1 [2] (2 bytes => 2 (0x2))\n" + "\n" * 1_000_000 + "0000 - 16 03\n",
], ids=["plain", "dump", "log"])
def test_empty_lines_cost_nothing(text):
    """A run of empty lines is skipped in one step: neither memory nor lines of code per line."""
    assert peak_memory(lambda: read(text)) < 3 * len(text)
    Work(max_lines=3000).run(lambda: read(text), [hexdump])


@pytest.mark.parametrize("line", ["0000\n", "*\n0000\n", "00\n", "0000 00\n", "0000 - 16\n",
                                  "x\n", "read from 1 [2] (1 bytes => 1 (0x1))\n0000 - 16\n",
                                  "# a comment\n", " \n", "mail postfix/smtpd[1]: 0000 16\n"])
def test_many_short_lines_cost_a_bounded_multiple(line):
    """The smallest lines of each kind, repeated: memory stays a small multiple of the text."""
    text = line * (100_000 // len(line))
    assert peak_memory(lambda: read(text)) < 48 * len(text)


# -- properties -----------------------------------------------------------------------------------

@st.composite
def dumped(draw) -> tuple[str, str, bytes]:
    """Some bytes (corpus slices, zero runs, anything) in one of the forms."""
    pieces = draw(st.lists(st.one_of(
        st.binary(max_size=64),
        st.integers(0, 300).map(bytes),
        st.tuples(st.integers(0, len(CORPUS) - 1), st.integers(1, 600)).map(
            lambda a: CORPUS[a[0]:a[0] + a[1]])), min_size=1, max_size=5))
    data = b"".join(pieces)
    name = draw(st.sampled_from(sorted(FORMS)))
    return name, FORMS[name](data), data


def unwritten_allowance(text: str) -> int:
    """What the reader may add to the bytes a text spells out: its budget for `*` and elisions."""
    return MAX_CLIENT_FLIGHT + len(text)


@given(dumped())
@example(("BIO dump", dumps.bio_dump(b"01\x00"), b"01\x00"))  # an ASCII column that reads as hex
@example(("xxd", dumps.xxd(b"00" + bytes(14)), b"00" + bytes(14)))  # ... on a dump's only line
def test_every_form_reads_back_exactly(case):
    name, text, data = case
    if not data.strip(b" \x00") and name in ("BIO dump", "Postfix log") or not data:
        return  # nothing but elided bytes, or nothing at all: no line to read
    outcome = read(text)
    assert not isinstance(outcome, DecodeError), outcome
    assert b"".join(b.data for b in outcome) == dumped_bytes(name, data)


@st.composite
def damaged(draw) -> str:
    """A dump with lines dropped, repeated, swapped, or with offsets and counts replaced by large
    numbers: what an attacker would write."""
    _, text, _ = draw(dumped())
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["drop", "repeat", "star", "offset", "elide", "count", "swap"]))
        big = draw(st.sampled_from(["ffffffff", "7fffffff", "0fffffff", "00100000", "0000ffff"]))
        if kind == "drop":
            del lines[index]
        elif kind == "repeat":
            lines.insert(index, lines[index])
        elif kind == "star":
            lines.insert(index, "*")
        elif kind == "offset":
            lines[index] = big + lines[index][len(big):]
        elif kind == "elide":
            lines.insert(index, f"{big} - <SPACES/NULS>")
        elif kind == "count":
            lines.insert(index, f"read from 1 [2] (1 bytes => {int(big, 16)} (0x1))")
        elif index + 1 < len(lines):
            lines[index], lines[index + 1] = lines[index + 1], lines[index]
        if not lines:
            lines = [""]
    return "\n".join(lines)


@given(damaged())
def test_damaged_dumps_stay_within_their_budget(text):
    """Whatever a dump claims, the bytes read are at most what its characters spell (two per
    byte) plus its budget for unwritten bytes, and memory stays proportional."""
    outcome: list = []
    peak = peak_memory(lambda: outcome.append(read(text)))
    if not isinstance(outcome[0], DecodeError):
        assert sum(len(b.data) for b in outcome[0]) <= len(text) // 2 + unwritten_allowance(text)
    assert peak <= 64 * len(text) + 2 * unwritten_allowance(text)


# -- STARTTLS detection and TCP reassembly ----------------------------------------------------------

def capture(frames: list[bytes]) -> bytes:
    return write_pcap([(1_700_000_000.0 + i / 1000, frame) for i, frame in enumerate(frames)])


def find(data: bytes):
    """find_client_hellos's result, or the DecodeError it raised."""
    try:
        return find_client_hellos(data, "test.pcap")
    except DecodeError as error:
        return error


def reading_work(data: bytes, **limits) -> tuple[Work, object]:
    """The work of finding the hellos in a capture: lines of tlskb code, and characters given
    to the STARTTLS patterns."""
    work = Work(**limits)
    outcome = work.run(lambda: find(data), [starttls])
    return work, outcome


def test_a_flood_of_xmpp_starttls_openings():
    """Issue 10: 65 KB of `<starttls` in 100 segments took 84.7 s: every segment re-ran
    detection over the whole stream, and the XMPP pattern scanned on from each opening. Now
    each byte is looked at a bounded number of times."""
    stream = (b"<starttls" * 7300)[:65536]
    data = capture(connection_frames(stream, [656] * 100, dport=5222))
    _, outcome = reading_work(data, max_characters=2 * len(stream), max_lines=30_000)
    assert isinstance(outcome, DecodeError) and "no ClientHello found" in outcome.message


def smtp_one_byte_a_segment(commands: int) -> tuple[bytes, bytes]:
    """An SMTP client sending `commands` NOOPs one byte a segment, the server answering each
    byte, then STARTTLS and a ClientHello (the capture, and the hello)."""
    text = b"EHLO client.example\r\n" + b"NOOP\r\n" * commands
    turns = [("s", b"220 mx ESMTP\r\n")]
    for index in range(len(text)):
        turns += [("c", text[index:index + 1]), ("s", b"2")]
    turns += [("c", b"STARTTLS\r\n"), ("s", b"220 2.0.0 Ready\r\n"), ("c", HELLO)]
    return capture(conversation_frames(turns)), HELLO


def test_starttls_one_byte_a_segment_costs_what_it_costs_whole():
    def cost(commands: int) -> int:
        data, hello = smtp_one_byte_a_segment(commands)
        work, outcome = reading_work(data)
        assert [f.wire.raw for f in outcome.hellos] == [hello]
        assert outcome.hellos[0].origin.starttls == "smtp"
        assert work.characters <= 2 * len(data)
        return work.lines
    assert all(ratio < 2.3 for ratio in doubling_ratios(cost, 100))


COMMANDS = [b"EHLO x\r\nSTARTTLS\r\n", b"a1 CAPABILITY\r\na2 STARTTLS\r\n", b"CAPA\r\nSTLS\r\n",
            b"AUTH TLS\r\n", b"<?xml version='1.0'?><stream:stream to='x'>"
            b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/> \r\n", b"LHLO x\r\nSTARTTLS\r\n",
            b"<starttls xmlns='x'>  </starttls>"]


@st.composite
def client_streams(draw) -> bytes:
    """What a client may send: plaintext lines, upgrade commands (complete, cut, repeated),
    junk, and ClientHellos, in any order."""
    parts = draw(st.lists(st.one_of(
        st.sampled_from(COMMANDS),
        st.sampled_from(COMMANDS).flatmap(lambda c: st.integers(0, len(c)).map(lambda n: c[:n])),
        st.sampled_from([HELLO, HELLO[:40], b"\x16\x03\x01", b"\x16\x03\x01\x00\x10\x02"]),
        st.binary(max_size=12),
        st.text(alphabet="<>/ \r\nSTARTLSstarl", max_size=30).map(str.encode)),
        min_size=1, max_size=6))
    return b"".join(parts)


@given(client_streams(), st.lists(st.integers(1, 64), max_size=40))
def test_detection_in_pieces_agrees_with_detection_whole(stream, cuts):
    """Fed a stream piece by piece, the detector says at every point what it says when given
    that much at once, until it decides."""
    detector = TlsStartDetector()
    end = 0
    for size in cuts + [len(stream)]:
        end = min(len(stream), end + size)
        piecewise, whole = detector.update(stream[:end]), locate_tls_start(stream[:end])
        if isinstance(whole, NeedMore):
            assert isinstance(piecewise, NeedMore)
        else:
            assert piecewise == whole
            return
        if end == len(stream):
            return


def one_byte_segments(size: int, order: str) -> tuple[bytes, bytes]:
    """A ClientHello of `size` bytes sent one byte a segment, the segments captured in `order`
    (the capture, and the hello)."""
    stream = padded_hello_stream(size)
    frames = connection_frames(stream, [1] * size, syn=order != "reversed, no SYN")
    if order == "reversed":
        frames = frames[:1] + frames[:0:-1]
    elif order == "reversed, no SYN":
        frames = frames[::-1]
    elif order == "interleaved":
        frames = frames[:1] + frames[1::2] + frames[2::2]
    return capture(frames), stream


@pytest.mark.parametrize("order", ["in order", "reversed", "reversed, no SYN", "interleaved"])
def test_one_byte_segments_in_any_order(order):
    """Issue 10: 32,000 one-byte segments in reverse order took 15.7 s, growing quadratically
    (every segment scanned every waiting one, and each late first segment of a SYN-less
    capture moved all the others). Now the lines run grow like the number of segments."""
    def cost(size: int) -> int:
        data, stream = one_byte_segments(size, order)
        work, outcome = reading_work(data, max_lines=250 * size + 20_000)
        assert [f.wire.raw for f in outcome.hellos] == [stream]
        assert outcome.hellos[0].origin.packet == (1 if order == "reversed, no SYN" else 2) \
            or order != "in order"
        return work.lines
    assert all(ratio < 2.3 for ratio in doubling_ratios(cost, 1000))


def test_thirty_two_thousand_reversed_segments():
    """The size of issue 10's example, bounded by lines of code per segment."""
    data, stream = one_byte_segments(32_000, "reversed")
    _, outcome = reading_work(data, max_lines=150 * 32_000)
    assert [f.wire.raw for f in outcome.hellos] == [stream]


@st.composite
def shuffled_connections(draw) -> tuple[bytes, list[bytes], int]:
    """One or two connections whose segments (some repeated) are captured in any order, with or
    without their SYN, each carrying a corpus hello, possibly after STARTTLS."""
    syns: list[bytes] = []
    frames: list[bytes] = []
    hellos = []
    for index in range(draw(st.integers(1, 2))):
        hello = draw(st.sampled_from([s for s in load_corpus() if s.data[0] == 0x16])).data
        prefix = draw(st.sampled_from([b"", b"EHLO x\r\nSTARTTLS\r\n", b"a1 STARTTLS\r\n"]))
        stream = prefix + hello
        sizes = draw(st.lists(st.integers(1, 200), min_size=1, max_size=30))
        syn = draw(st.booleans())
        own = connection_frames(stream, sizes, sport=50000 + index, syn=syn,
                                isn=draw(st.integers(0, 2 ** 32 - 1)))
        syns += own[:1] if syn else []  # a SYN is sent, so captured, before the data
        own = own[1:] if syn else own
        frames += own + draw(st.lists(st.sampled_from(own), max_size=5))  # and retransmissions
        hellos.append(hello)
    order = draw(st.permutations(range(len(frames))))
    return capture(syns + [frames[i] for i in order]), hellos, len(syns) + len(frames)


@given(shuffled_connections())
def test_segments_in_any_order_reassemble_within_a_budget(case):
    """Out of order, repeated, with sequence numbers that wrap, with or without a SYN: every
    hello reads back, and the lines run are at most a constant per segment."""
    data, expected, segments = case
    _, outcome = reading_work(data, max_lines=300 * segments + 5_000)
    assert not isinstance(outcome, DecodeError), outcome
    assert sorted(f.wire.raw for f in outcome.hellos) == sorted(expected)


def test_pcapng_blocks_are_not_copied():
    """A block tlskb skips (here 8 MiB of an unknown type) costs no copy; a packet block larger
    than a packet is refused."""
    hello_frames = connection_frames(HELLO, [300])
    capture_ng = write_pcapng([(1.0, frame) for frame in hello_frames])
    size = 12 + (8 << 20)
    unknown = struct.pack("<II", 0x0BAD, size) + bytes(8 << 20) + struct.pack("<I", size)
    data = capture_ng + unknown
    assert peak_memory(lambda: find(data)) < 1_000_000
    simple = struct.pack("<III", 3, 16 + (1 << 20), 1 << 20) + bytes(1 << 20) + struct.pack(
        "<I", 16 + (1 << 20))
    error = find(capture_ng + simple)
    assert isinstance(error, DecodeError) and "more than the" in error.message


def test_a_late_plaintext_prefix_keeps_the_hello_after_it():
    """SYN-less: the ClientHello arrives first (and is taken for TLS from byte 0), then the
    20 KB of SMTP before it: the stream starts over, and the hello is not cut short by the room
    kept for a hello at byte 0."""
    prefix = b"EHLO x\r\n" + b"NOOP\r\n" * 3500 + b"STARTTLS\r\n"
    frames = connection_frames(prefix + HELLO, [1400] * (len(prefix) // 1400) + [len(prefix) % 1400],
                               syn=False)
    found = find(capture(frames[-1:] + frames[:-1]))
    assert [f.wire.raw for f in found.hellos] == [HELLO]
    assert found.hellos[0].origin.starttls == "smtp"
