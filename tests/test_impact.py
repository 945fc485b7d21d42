"""`tlskb impact`: counts against tshark and against the analyzer run per hello, the streaming
capture reader against the whole-file one, the flow table's bounds, the per-configuration
shortcut against full analysis, the inputs (JSON, capture directories, Postfix logs), the exit
status and an HTML report that carries hostile names inertly."""

from __future__ import annotations

import html.parser
import io
import json
import os
import random
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import example, given, strategies as st

from generator.cli import main
from generator.compat.analyzer import VerdictKind, analyze
from generator.compat.keyshare import (_exchange_ok, _mlkem_modulus_check_slow,
                                       mlkem_modulus_check, x25519_small_order)
from generator.compat.keytypes import catalogue
from generator.errors import DecodeError
from generator.impact import scan as impact_scan
from generator.impact.classify import config_key
from generator.impact.skeleton import skeleton
from generator.ingest.flowtable import FlowTable
from generator.ingest.hexdump import wrap_hex
from generator.ingest.packets import Segment
from generator.ingest.pcap import read_packet_stream, read_packets
from generator.ingest.postfixlog import HINT, looks_like_postfix_log_without_hex
from generator.stacks import StackId
from generator.tls import extensions as ext
from generator.tls.records import CONTENT_HANDSHAKE, decode_client_hello, encode_records
from support.corpus import load_corpus
from support.frames import write_pcapng
from support.hellos import key_share_value
from support.strategies import mutated
from support.traffic import write_capture

DATA = Path(__file__).parent / "data"
CAPTURE = (DATA / "captures" / "loopback-clients.pcap").read_bytes()
POSTFIX_LOG = DATA / "hexforms" / "postfix-3.7-smtpd-tls-loglevel-3.log"
SAMPLES = [s.data for s in load_corpus()]
#: TLS-record hellos of the corpus (the SSL 2.0-format one has no JA3 for tshark to count)
RECORD_SAMPLES = [s for s in SAMPLES if s[0] == 0x16]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out, err)
    return status, out.getvalue(), err.getvalue()


def impact_json(*argv: str) -> dict:
    status, out, err = run("impact", "--json", *argv)
    assert status in (0, 4), err
    return json.loads(out)


@pytest.fixture(scope="module")
def traffic(tmp_path_factory):
    """600 connections of the corpus' clients, some split, some after SMTP STARTTLS."""
    path = tmp_path_factory.mktemp("impact") / "traffic.pcap"
    written = write_capture(path, RECORD_SAMPLES, 600, seed=7, peers=40)
    return path, written


# -- independent truth ----------------------------------------------------------------------------

def test_counts_equal_tshark(traffic, tshark):
    """tshark (its own TCP reassembly and SMTP STARTTLS dissector) finds as many ClientHellos
    and client addresses as impact counts connections and peers."""
    path, written = traffic
    rows = subprocess.run(
        [tshark, "-r", str(path), "-Y", "tls.handshake.type == 1", "-T", "fields",
         "-e", "ip.src", "-e", "tls.handshake.ja3"],
        capture_output=True, text=True, check=True).stdout.splitlines()
    result = impact_json("--jobs", "1", str(path))
    assert len(rows) == written.connections == result["connections"]
    assert len({row.split("\t")[0] for row in rows}) == result["peers"]
    # the same connections per JA3 as the generator wrote per sample (several samples may
    # share one JA3)
    from generator.tls.fingerprint import fingerprints
    by_ja3: dict[str, int] = {}
    for index, count in written.per_sample.items():
        ja3 = fingerprints(decode_client_hello(RECORD_SAMPLES[index])).ja3_hash
        by_ja3[ja3] = by_ja3.get(ja3, 0) + count
    seen: dict[str, int] = {}
    for row in rows:
        seen[row.split("\t")[1]] = seen.get(row.split("\t")[1], 0) + 1
    assert seen == by_ja3


def test_key_type_counts_equal_the_analyzer_per_hello(traffic):
    """Every key type's breaking connections and clients equal the analyzer run on each written
    hello, on two stacks."""
    path, written = traffic
    result = impact_json("--jobs", "1", "--stack", "openssl,gnutls", str(path))
    for stack_id in (StackId.OPENSSL, StackId.GNUTLS):
        for key_type in catalogue().key_types:
            breaking = sum(count for index, count in written.per_sample.items()
                           if analyze(decode_client_hello(RECORD_SAMPLES[index]).hello,
                                      key_type, stack_id).kind is VerdictKind.FAIL)
            at_risk = sum(count for index, count in written.per_sample.items()
                          if analyze(decode_client_hello(RECORD_SAMPLES[index]).hello,
                                     key_type, stack_id).kind is VerdictKind.PROCEEDS)
            got = result["stacks"][stack_id.value]["key_types"][key_type.id]
            assert (got["connections_breaking"], got["connections_at_risk"]) == (breaking,
                                                                                   at_risk)
            assert got["clients_breaking"] == len(got["breaking"])
            assert sum(c["connections"] for c in got["breaking"]) == breaking
    assert sum(c["connections"] for c in result["client_list"]) == written.connections


def test_workers_count_what_one_process_counts(traffic, monkeypatch):
    path, _ = traffic
    monkeypatch.setattr(impact_scan, "PARALLEL_FROM", 0)
    one = impact_json("--jobs", "1", str(path))
    three = impact_json("--jobs", "3", str(path))
    for result in (one, three):
        result.pop("analyses")
        result["flows"].pop("most_live")
        for client in result["client_list"]:
            client.pop("examples")
    assert one == three


def test_the_default_json_shape_and_the_answer(traffic):
    path, written = traffic
    result = impact_json(str(path))
    assert result["connections"] == written.connections
    assert result["clients"] == len(result["client_list"])
    ec384 = result["key_types"]["ec384"]
    assert {"connections_breaking", "clients_breaking"} <= set(ec384)
    assert result["recommended"] in (None, *catalogue().ids)
    assert result["advice"]


def test_the_advice_names_the_tie_and_the_pair_the_analyzer_gives(traffic):
    """Without a key type that breaks no connection, the advice names every key type tied for
    the fewest broken connections, and the first pair (in the catalogue's preference) that no
    written hello fails or risks with both — computed here from the analyzer per hello."""
    path, written = traffic
    result = impact_json("--jobs", "1", str(path))
    hurt, broken = {}, {}
    for key_type in catalogue().key_types:
        hurt[key_type.id] = {index for index in written.per_sample
                             if analyze(decode_client_hello(RECORD_SAMPLES[index]).hello,
                                        key_type).kind is not VerdictKind.OK}
        broken[key_type.id] = sum(written.per_sample[i] for i in hurt[key_type.id])
    order = catalogue().preference
    if result["recommended"] is not None:
        assert not hurt[result["recommended"]] and result["side_by_side"] is None
        return
    pair = next(([a, b] for i, a in enumerate(order) for b in order[i + 1:]
                 if not hurt[a] & hurt[b]), None)
    assert result["side_by_side"] == pair
    fewest = min(broken.values())
    tied = [k for k in order if broken[k] == fewest]
    first = result["advice"][0]
    assert all(f"{k} (" in first for k in tied)
    assert ("tie for the fewest" in first) is (len(tied) > 1)


# -- the per-configuration shortcut ----------------------------------------------------------------

def _fresh(raw: bytes, seed: int) -> bytes:
    """The same client's hello on another connection: another random, session id and (valid)
    key shares."""
    rng = random.Random(seed)
    wire = decode_client_hello(raw)
    hello = wire.hello

    def fresh(extension):
        if isinstance(extension, ext.KeyShare):
            return ext.KeyShare(tuple(ext.KeyShareEntry(e.group, key_share_value.__wrapped__(
                e.group) if e.group in (0x17, 0x18, 0x19, 0x1D, 0x1E) else e.key_exchange)
                for e in extension.entries))
        return extension
    hello = replace(hello, random=rng.randbytes(32), session_id=rng.randbytes(len(hello.session_id)),
                    extensions=tuple(fresh(e) for e in hello.extensions))
    return encode_records(CONTENT_HANDSHAKE, wire.records[0].version, hello.encode())


@pytest.mark.parametrize("index", range(0, len(RECORD_SAMPLES), 3))
def test_another_connection_of_a_client_has_its_key_and_verdicts(index):
    raw = RECORD_SAMPLES[index]
    other = _fresh(raw, index)
    assert config_key(decode_client_hello(raw)) == config_key(decode_client_hello(other))
    shape, shape_other = skeleton(raw), skeleton(other)
    assert shape is not None and shape[0] == shape_other[0]
    for stack_id in StackId:
        for key_type in catalogue().key_types:
            assert (analyze(decode_client_hello(raw).hello, key_type, stack_id)
                    == analyze(decode_client_hello(other).hello, key_type, stack_id))


def test_the_skeleton_keeps_what_a_client_configures():
    raw = RECORD_SAMPLES[0]
    wire = decode_client_hello(raw)
    fewer = replace(wire.hello, cipher_suites=wire.hello.cipher_suites[1:])
    changed = encode_records(CONTENT_HANDSHAKE, wire.records[0].version, fewer.encode())
    assert skeleton(changed)[0] != skeleton(raw)[0]
    assert config_key(decode_client_hello(changed)) != config_key(wire)


@given(mutated(SAMPLES))
@example(b"\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00")
def test_the_skeleton_never_raises_and_keeps_the_length(data):
    shape = skeleton(data)
    if shape is not None:
        assert len(shape[0]) == len(data)
        try:
            decoded = decode_client_hello(data)
        except DecodeError:
            return
        # what the walk found as key shares is what the decoder found
        found = decoded.hello.typed(ext.KeyShare)
        assert shape[1] == (() if found is None else tuple((e.group, e.key_exchange)
                                                           for e in found.entries))


@given(st.binary(min_size=1152, max_size=1152))
@example(bytes.fromhex("010d00") * 384)
@example(bytes.fromhex("000dd0") * 384)
@example(bytes.fromhex("00d00d") * 384)
def test_the_fast_modulus_check_is_the_slow_one(data):
    assert mlkem_modulus_check(data) == _mlkem_modulus_check_slow(data)


def test_the_small_order_check_is_the_exchange():
    from generator.compat.keyshare import _P25519, _SMALL_ORDER_25519
    rng = random.Random(5)
    values = [rng.randbytes(32) for _ in range(200)]
    for u in _SMALL_ORDER_25519:
        for value in (u, u + _P25519, u | 1 << 255, (u + _P25519) | 1 << 255):
            if value < 1 << 256:
                values.append(value.to_bytes(32, "little"))
    assert [x25519_small_order(v) for v in values] == [not _exchange_ok(0x1D, v) for v in values]


# -- streaming and bounds ---------------------------------------------------------------------------

def _packets(packets):
    return [(p.number, p.time, p.linktype, bytes(p.data), p.original_length) for p in packets]


@given(st.lists(st.integers(1, 4096), min_size=1, max_size=40), st.booleans())
@example([1], False)
@example([1], True)
def test_any_chunking_reads_the_same_packets(sizes, as_pcapng):
    data = CAPTURE if not as_pcapng else write_pcapng([(p.time, p.data) for p in
                                                       read_packets(CAPTURE)])
    chunks, pos, turn = [], 0, 0
    while pos < len(data):
        size = sizes[turn % len(sizes)] * (1 + turn // len(sizes))  # grows: bounded chunk count
        chunks.append(data[pos:pos + size])
        pos += size
        turn += 1
    assert _packets(read_packet_stream(chunks)) == _packets(read_packets(data))


@given(mutated([CAPTURE[:4000], write_pcapng([(p.time, p.data) for p in
                                              read_packets(CAPTURE)])[:4000]]),
       st.integers(1, 700))
def test_a_mutated_capture_streams_as_it_reads_whole(data, size):
    """Fuzz: the stream reader gives the same packets, then the same error, as the bytes one."""
    def outcome(packets):
        got = []
        try:
            for packet in packets:
                got.append((packet.number, bytes(packet.data)))
        except DecodeError as error:
            return got, (error.message, error.offset)
        return got, None
    chunks = [data[i:i + size] for i in range(0, len(data), size)]
    assert outcome(read_packet_stream(chunks)) == outcome(read_packets(data))


def test_half_open_flows_never_exceed_the_cap():
    """A flood of connections that each send the start of a record and never finish: the table
    never holds more than its cap, and every flow pushed out with bytes is counted."""
    table = FlowTable(max_flows=100, max_bytes=1 << 20, idle=3600)
    most = 0
    for n in range(5000):
        src = (0x0A000000 + n).to_bytes(4, "big")
        syn = Segment(src, b"\xc0\x00\x02\x01", 40000, 443, 1000, 0x02, b"", False)
        table.add(syn, 2 * n + 1, float(n))
        start = Segment(src, b"\xc0\x00\x02\x01", 40000, 443, 1001, 0x18, b"\x16\x03\x01\x02\x00\x01",
                        False)
        assert table.add(start, 2 * n + 2, float(n)) is None
        most = max(most, table.live)
    assert most == 100 == table.stats.most_live
    assert table.stats.dropped_full == 5000 - 100
    table.finish()
    assert table.stats.incomplete == 100 and table.live == 0


def test_the_byte_budget_and_idle_time_drop_and_count():
    table = FlowTable(max_flows=1000, max_bytes=4096, idle=10)
    for n in range(50):
        src = (0x0A000000 + n).to_bytes(4, "big")
        table.add(Segment(src, b"\xc0\x00\x02\x01", 40000, 443, 1, 0x18,
                          b"\x16\x03\x01\x40\x00\x01" + bytes(994), False), n, 0.0)
        assert table._fed <= 4096
    assert table.stats.dropped_bytes == 50 - 4
    table.add(Segment(b"\x01\x02\x03\x04", 1, b"\xc0\x00\x02\x01", 443, 1, 0x02, b"", False),
              99, 100.0)
    assert table.stats.dropped_idle == 4 and table.live == 1


# -- inputs -----------------------------------------------------------------------------------------

def test_decode_json_and_capture_directories_count_as_the_capture(tmp_path, traffic):
    path, written = traffic
    status, out, err = run("decode", "--json", str(path))
    assert status == 0, err
    decoded = tmp_path / "decoded.json"
    decoded.write_text(out)
    from_json = impact_json(str(decoded))
    from_pcap = impact_json(str(path))
    assert from_json["connections"] == written.connections
    assert from_json["key_types"] == from_pcap["key_types"]
    assert from_json["peers"] == from_pcap["peers"]
    directory = tmp_path / "captures"
    directory.mkdir()
    for number, raw in enumerate(RECORD_SAMPLES[:20]):
        (directory / f"{number:04d}.hex").write_text(
            f"# ClientHello captured by tlskb capture\n# peer: 192.0.2.{number % 3}:4000\n"
            + wrap_hex(raw))
    (directory / "notes.txt").write_text("not a capture file")
    result = impact_json(str(directory))
    assert result["connections"] == 20 and result["peers"] == 3
    lines = tmp_path / "capture.jsonl"
    lines.write_text("".join(json.dumps({"peer": "[2001:db8::1]:5000", "hex": raw.hex()}) + "\n"
                             for raw in RECORD_SAMPLES[:7]))
    result = impact_json(str(lines))
    assert result["connections"] == 7 and result["peers"] == 1


def test_a_postfix_log(tmp_path):
    result = impact_json(str(POSTFIX_LOG))
    assert result["connections"] == 2
    assert result["key_types"]["ec384"]["connections_breaking"] == 1   # the Exchange hello
    quiet = tmp_path / "mail.log"
    quiet.write_text("\n".join(line for line in POSTFIX_LOG.read_text().splitlines()
                               if "]: read from" not in line and "]: write to" not in line
                               and not line.split("]: ", 1)[-1][:4].isalnum()
                               or "postfix/smtpd" not in line))
    assert looks_like_postfix_log_without_hex(quiet.read_text())
    assert not looks_like_postfix_log_without_hex(POSTFIX_LOG.read_text())
    status, out, err = run("impact", str(quiet))
    assert status == 1 and HINT in err and "\n" not in err.strip()


def test_no_hello_and_bad_options_are_one_line(tmp_path):
    empty = tmp_path / "x.txt"
    empty.write_text("hello\n")
    status, _, err = run("impact", str(empty))
    assert status == 1 and err.startswith("tlskb: error:") and err.count("\n") == 1
    status, _, err = run("impact", str(tmp_path / "missing.pcap"))
    assert status == 1 and "no such file" in err
    status, _, err = run("impact", "--jobs", "0", str(empty))
    assert status == 1 and "--jobs" in err


def test_fail_on_exits_4_only_when_that_key_type_breaks(traffic):
    path, _ = traffic
    result = impact_json("--jobs", "1", str(path))
    breaking = [k for k, v in result["key_types"].items() if v["connections_breaking"]]
    clean = [k for k, v in result["key_types"].items() if not v["connections_breaking"]]
    assert breaking
    assert run("impact", "--jobs", "1", "--fail-on", breaking[0], str(path))[0] == 4
    assert run("impact", "--jobs", "1", str(path))[0] == 0
    if clean:
        assert run("impact", "--jobs", "1", "--fail-on", clean[0], str(path))[0] == 0


# -- the HTML report --------------------------------------------------------------------------------

class _Collect(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attributes, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(attrs)

    def handle_data(self, data):
        self.text.append(data)


HOSTILE_SNI = b'<script>alert(1)</script>"><img src=http://evil.example/x>\x1b[31m'


def test_the_html_report_is_self_contained_and_escapes_names(tmp_path):
    wire = decode_client_hello(RECORD_SAMPLES[0])

    def swapped(extension):
        if isinstance(extension, ext.ServerName):
            return ext.ServerName((ext.ServerNameEntry(0, HOSTILE_SNI),))
        return extension
    hello = replace(wire.hello, extensions=tuple(swapped(e) for e in wire.hello.extensions))
    if hello.server_name_bytes is None:
        hello = replace(hello, extensions=(ext.ServerName((ext.ServerNameEntry(0, HOSTILE_SNI),)),
                                           *hello.extensions))
    raw = encode_records(CONTENT_HANDSHAKE, wire.records[0].version, hello.encode())
    source = tmp_path / "hostile.hex"
    source.write_text(wrap_hex(raw))
    report = tmp_path / "report.html"
    status, out, err = run("impact", "--html", str(report), str(source))
    assert status == 0, err
    text = report.read_text()
    parsed = _Collect()
    parsed.feed(text)
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert "svg" in parsed.tags and "rect" in parsed.tags and "style" in parsed.tags
    assert not [value for name, value in parsed.attributes
                if name in ("src", "href", "action", "xlink:href") or (value or "").startswith(
                    ("http:", "https:", "//"))]
    assert "\x1b" not in text
    assert any("<script>alert(1)</script>" in chunk for chunk in parsed.text)   # shown, as text
    assert "\x1b" not in out


def test_progress_is_not_printed_into_a_pipe(traffic):
    path, _ = traffic
    status, out, err = run("impact", str(path))
    assert status == 0 and err == "" and "What to do" in out


def test_impact_help_lists_exit_4(capsys):
    status, _, _ = run("impact", "--help")
    out = capsys.readouterr().out
    from generator.exits import MEANING, Exit
    assert status == 0 and "4  " + " ".join(MEANING[Exit.CLIENTS_BREAK].split()[:4]) in out
    assert f"every core, {os.cpu_count()} here" in " ".join(out.split())


def test_hostile_json_and_endless_input_are_one_line(tmp_path, monkeypatch):
    """JSON nested past Python's parser (a RecursionError once, with a traceback) and text on
    stdin beyond what tlskb reads are each one line, exit 1."""
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000)
    status, out, err = run("impact", str(deep))
    assert status == 1 and out == "" and err.count("\n") == 1 and "nested deeper" in err
    deep.write_text('{"hex": "00"}\n' + "[" * 200_000 + "]" * 200_000 + "\n")
    status, _, err = run("impact", str(deep))
    assert status == 1 and "line 2 is nested deeper" in err
    import generator.impact.scan as scan
    monkeypatch.setattr(scan, "MAX_INPUT", 1000)

    class Stdin:
        buffer = io.BytesIO(b"16 03 01 " * 1000)
    monkeypatch.setattr(scan.sys, "stdin", Stdin)
    status, _, err = run("impact", "-")
    assert status == 1 and "more than the 1000 bytes of text tlskb reads" in err
