"""`tlskb probe` against hostile servers written here, on 127.0.0.1: endless SMTP/IMAP lines,
certificates with keys nothing can load, a malformed Certificate, a 16 MB one. Memory stays
bounded (tracemalloc, against a constant), every key gets a name or a reason, and what comes
after a ServerHello never turns the server's answer into a failure."""

from __future__ import annotations

import asyncio
import io
import json
import re
import tracemalloc

import pytest

from generator.cli import main
from generator.compat.clients import recorded_clients
from generator.net.answer import MAX_FLIGHT
from generator.net.dialogue import MAX_LINE, MAX_SERVER_LINES
from generator.net.probe import ProbeError, ProbeSample, Target, probe_all, probe_sample
from generator.tls.records import CONTENT_HANDSHAKE, encode_records
from support.answers import (MALFORMED_CERTIFICATE, SERVER_HELLO_DONE, certificate_message,
                             flight, leaf_certificates, u24)
from support.net import read_client_hello, scripted_server

CLIENTS = {c.id: c for c in recorded_clients()}
SAMPLE = ProbeSample("openssl-3.0-tls12", "openssl s_client -tls1_2",
                     CLIENTS["openssl-3.0-tls12"].raw)
#: what the probe may allocate while a server floods it: a few records and lines, not the flood
BUDGET = 2 << 20
KEYS = leaf_certificates()
EC256 = dict(KEYS)["ECDSA P-256"]


def answering(payload: bytes):
    """A server script: read the ClientHello, send `payload`, wait for the probe to hang up."""
    def script(client) -> None:
        read_client_hello(client)
        client.sendall(payload)
        client.recv(1)
    return script


def run(coroutine, budget: int = BUDGET):
    """Run `coroutine`; returns (its result or the ProbeError it raised, peak bytes)."""
    tracemalloc.start()
    try:
        try:
            outcome = asyncio.run(coroutine)
        except ProbeError as error:
            outcome = error
        return outcome, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# -- the dialogue before STARTTLS ----------------------------------------------------------------
def talking_forever(greeting: bytes, line: bytes, limit: int = 20 << 20):
    """Greets, reads the client's first command (unless the greeting goes on: `220-`), then
    sends `line` until the client hangs up or `limit` bytes have gone (bounded, and far more
    than the probe may keep)."""
    def script(client) -> None:
        client.sendall(greeting)
        if greeting[3:4] != b"-":
            client.recv(4096)
        block = line * max(1, 65536 // len(line))
        for _ in range(limit // len(block)):
            client.sendall(block)
    return script


@pytest.mark.parametrize("protocol,greeting,line,reason", [
    ("smtp", b"220 mx ESMTP\r\n", b"250-" + b"X" * 70 + b"\r\n",
     f"more than {MAX_SERVER_LINES} lines without agreeing to STARTTLS"),
    ("smtp", b"220-mx ESMTP\r\n", b"220-" + b"X" * 70 + b"\r\n",
     f"more than {MAX_SERVER_LINES} lines without agreeing to STARTTLS"),
    ("imap", b"* OK ready\r\n", b"* " + b"X" * 70 + b"\r\n",
     f"more than {MAX_SERVER_LINES} lines without agreeing to STARTTLS"),
    ("smtp", b"220 mx ESMTP\r\n", b"250-" + b"X" * 65536,
     f"a line longer than {MAX_LINE} bytes"),
])
def test_a_server_that_never_stops_talking_costs_constant_memory(protocol, greeting, line,
                                                                 reason):
    """Issue 10: endless `250-` lines drove RSS to 961 MB within the timeout. Now the probe
    gives up after MAX_SERVER_LINES lines, keeping none of them, and says why."""
    with scripted_server(talking_forever(greeting, line)) as port:
        outcome, peak = run(probe_all(Target("127.0.0.1", port, protocol, timeout=5), [SAMPLE]))
    assert isinstance(outcome, ProbeError), outcome
    assert reason in str(outcome)
    assert peak < BUDGET, f"{peak} bytes allocated"


def test_endless_lines_are_one_clear_line_from_the_command(tmp_path):
    with scripted_server(talking_forever(b"220 mx\r\n", b"250-X\r\n")) as port:
        out, err = io.StringIO(), io.StringIO()
        status = main(["probe", f"127.0.0.1:{port}", "--starttls", "smtp", "--no-cases",
                       "--timeout", "5"], out, err)
    assert status == 1 and out.getvalue() == ""
    assert err.getvalue().count("\n") == 1 and "more than 128 lines" in err.getvalue()


# -- the certificate's key -----------------------------------------------------------------------
@pytest.mark.parametrize("name,der", KEYS, ids=[name.split(" (")[0] for name, _ in KEYS])
def test_every_certificate_key_is_named_or_reported_unknown(name, der):
    """Issue 10: an SM2 or unknown-OID key ended the run with an UnsupportedAlgorithm
    traceback."""
    with scripted_server(answering(flight(certificate_message(der), SERVER_HELLO_DONE))) as port:
        result = asyncio.run(probe_sample(Target("127.0.0.1", port), SAMPLE))
    assert result.ok and result.version == 0x0303 and result.cipher_suite == 0xC02B
    assert result.certificate_key == name
    assert result.certificate_key_type == ("ec256" if name == "ECDSA P-256" else None)


def probe_command(port: int, *extra: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(["probe", f"127.0.0.1:{port}", "--no-cases", *extra], out, err)
    return status, out.getvalue(), err.getvalue()


def test_an_sm2_server_is_probed_to_the_end():
    sm2 = dict(KEYS)["SM2 (elliptic curve OID 1.2.156.10197.1.301)"]
    with scripted_server(answering(flight(certificate_message(sm2), SERVER_HELLO_DONE))) as port:
        status, out, err = probe_command(port)
    assert status == 0 and err == "", err
    lines = [line for line in out.splitlines() if line.startswith("  ok ")]
    # neighbouring configurations of one client with the same answer share a row "(N hellos)"
    counted = [re.search(r" \((\d+) hellos\) ", line) for line in lines]
    assert sum(int(m.group(1)) if m else 1 for m in counted) == len(CLIENTS)
    assert all(line.endswith("; certificate: SM2 (elliptic curve OID 1.2.156.10197.1.301)")
               for line in lines)


# -- what follows the ServerHello ----------------------------------------------------------------

def test_a_malformed_certificate_is_reported_for_that_client_only():
    """Issue 10: one malformed Certificate aborted the whole run with a line naming no client.
    Here the server sends it to one client only; every other client is probed as usual."""
    victim = CLIENTS["openssl-3.0-tls12"]

    def script(client) -> None:
        hello = read_client_hello(client)
        leaf = MALFORMED_CERTIFICATE if hello == victim.raw else certificate_message(EC256)
        client.sendall(flight(leaf, SERVER_HELLO_DONE))
        client.recv(1)

    with scripted_server(script) as port:
        status, out, err = probe_command(port, "--json")
        text_status, text, text_err = probe_command(port)
    assert status == text_status == 0 and err == text_err == ""
    results = {r["sample"]: r for r in json.loads(out)["results"]}
    assert set(results) == set(CLIENTS) and all(r["ok"] for r in results.values())
    assert results[victim.id]["certificate_key"].startswith(
        "unreadable: malformed Certificate message (certificate_list length 100")
    assert {r["certificate_key_type"] for s, r in results.items() if s != victim.id} == {"ec256"}
    (line,) = [line for line in text.splitlines() if "unreadable" in line]
    assert line.startswith(f"  ok    {victim.client}")


def huge_certificate(client) -> None:
    """A ServerHello, then a Certificate message announcing 16 MB, and 16 MB of records."""
    read_client_hello(client)
    client.sendall(flight(b"\x0b" + u24((1 << 24) - 1)))
    block = encode_records(CONTENT_HANDSHAKE, 0x0303, bytes(1 << 14)) * 16
    for _ in range(64):
        client.sendall(block)


def endless_small_messages(client) -> None:
    """A ServerHello, then handshake messages of an unassigned type, each small, 16 MB."""
    read_client_hello(client)
    client.sendall(flight())
    block = encode_records(CONTENT_HANDSHAKE, 0x0303, (b"\x63" + u24(60) + bytes(60)) * 4096)
    for _ in range(64):
        client.sendall(block)


def garbage_after_the_hello(client) -> None:
    read_client_hello(client)
    client.sendall(flight() + b"\x99\x03\x03\x00\x10" + bytes(16))
    client.recv(1)


@pytest.mark.parametrize("script,note", [
    (huge_certificate, f"not read: a certificate message of {(1 << 24) - 1} bytes, more than "
                       f"the {MAX_FLIGHT} bytes a probe reads"),
    (endless_small_messages, f"not read: the server's flight after its ServerHello exceeds "
                             f"the {MAX_FLIGHT} bytes a probe reads"),
    (garbage_after_the_hello, "unreadable: record content type 153 (0x99) is not a TLS "
                              "content type (20-24) at offset 47"),
])
def test_the_server_hello_decides_whatever_follows_it(script, note):
    """Issue 10: a 16 MB Certificate after a ServerHello was listed as FAIL although the
    server answered. The ServerHello decides; the rest only limits what is said about the key,
    and costs a bounded amount of memory."""
    with scripted_server(script) as port:
        result, peak = run(probe_sample(Target("127.0.0.1", port), SAMPLE))
    assert result.ok and result.kind == "server_hello" and result.cipher_suite == 0xC02B
    assert result.certificate_key == note
    assert peak < BUDGET, f"{peak} bytes allocated"


def test_a_huge_certificate_is_ok_in_the_report():
    with scripted_server(huge_certificate) as port:
        status, out, err = probe_command(port, "--only", "openssl-3.0-tls12")
    assert status == 0 and "FAIL" not in out and err == ""
    assert "The client gets a ServerHello." in out


def test_silence_after_the_server_hello_is_still_an_answer():
    def script(client) -> None:
        read_client_hello(client)
        client.sendall(flight())
        client.recv(1)  # until the probe gives up and hangs up
    with scripted_server(script) as port:
        result = asyncio.run(probe_sample(Target("127.0.0.1", port, timeout=1), SAMPLE))
    assert result.ok and result.certificate_key is None


@pytest.mark.parametrize("answer,detail", [
    (b"\x17\x03\x03\x00\x02ab", "a malformed TLS answer: the server's first record is "
                                "application_data (23), not a handshake or an alert"),
    (encode_records(CONTENT_HANDSHAKE, 0x0303, b"\x0b" + u24(4) + bytes(4)),
     "a malformed TLS answer: the server's first handshake message is certificate (11), not "
     "a ServerHello (2)"),
    (b"\x15\x03\x03\x00\x01\x02", "a malformed TLS answer: alert record length 1 is shorter "
                                  "than an alert (2)"),
])
def test_answers_that_are_not_tls_are_errors_for_that_client(answer, detail):
    with scripted_server(answering(answer)) as port:
        result = asyncio.run(probe_sample(Target("127.0.0.1", port, timeout=5), SAMPLE))
    assert result.kind == "error" and result.detail == detail


def test_an_alert_still_decides():
    with scripted_server(answering(b"\x15\x03\x03\x00\x02\x02\x28")) as port:
        result = asyncio.run(probe_sample(Target("127.0.0.1", port), SAMPLE))
    assert result.kind == "alert" and result.alert == 40 and not result.ok


def test_the_project_encoders_round_trip_through_the_scripted_server():
    """The test's own ServerHello is what the reader sees: its fields, unchanged."""
    with scripted_server(answering(flight(certificate_message(EC256)))) as port:
        result = asyncio.run(probe_sample(Target("127.0.0.1", port), SAMPLE))
    assert (result.kind, result.version, result.cipher_suite, result.certificate_key_type) == \
        ("server_hello", 0x0303, 0xC02B, "ec256")
