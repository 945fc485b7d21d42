"""Fuzz targets for what `tlskb probe` reads from a server: the answer reader (records,
ServerHello, Certificate, alerts; answer.py), the key naming (certificate.py) and the
SMTP/IMAP/POP3 client dialogue (dialogue.py). Seeded by real answers — recorded here from
`openssl s_server` holding an ECDSA and an RSA certificate, for TLS 1.2, TLS 1.3 and a refused
version — and by answers built with the project's encoders (a HelloRetryRequest, keys nothing
loads). Derandomized by default (tests/conftest.py); `make fuzz` (`pytest --slow`) explores.

For any bytes, in any pieces: the reader returns a result or waits, never raises, never holds
more than a record and a message, and decides the same whether the bytes come at once or one
at a time."""

from __future__ import annotations

import select
import socket
import time

import pytest
from hypothesis import event, given, strategies as st

from conftest import require_tool
from generator.compat.clients import recorded_clients
from generator.compat.keytypes import catalogue
from generator.net.answer import MAX_MESSAGE, AnswerReader, ProbeKind, ProbeSample
from generator.net.certificate import certificate_key
from generator.net.dialogue import (MAX_LINE, MAX_SERVER_LINES, ClientDialogue, DialogueError,
                                    ServerDialogue)
from generator.tls import extensions as ext
from generator.tls.messages import HELLO_RETRY_REQUEST_RANDOM, ServerHello
from generator.tls.records import CONTENT_HANDSHAKE, MAX_PLAINTEXT, encode_records
from support.answers import (MALFORMED_CERTIFICATE, SERVER_HELLO_DONE, certificate_message,
                             flight, leaf_certificates)
from support.net import openssl_server, write_credentials

CLIENTS = {c.id: c for c in recorded_clients()}
SAMPLE = ProbeSample("fuzz", "fuzz", CLIENTS["openssl-3.0-tls12"].raw)
#: one record (RFC 8446 §5.1: 2^14 + 2048 bytes and its header) and one handshake message
HELD = 5 + MAX_PLAINTEXT + 2048 + MAX_MESSAGE
KINDS = set(ProbeKind)


def recorded_answer(port: int, hello: bytes) -> bytes:
    """What the server sends after `hello` until it waits for the client (1 s of silence),
    closes, or 64 KiB have come."""
    answer = b""
    with socket.create_connection(("127.0.0.1", port), 10) as sock:
        sock.sendall(hello)
        deadline = time.monotonic() + 10
        while len(answer) < 65536 and time.monotonic() < deadline:
            if not select.select([sock], [], [], 1.0)[0]:
                break
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer


@pytest.fixture(scope="module")
def real_answers(tmp_path_factory) -> dict[str, bytes]:
    """openssl s_server's answers, recorded on 127.0.0.1: the independent truth and seeds."""
    openssl = require_tool("openssl")
    directory = tmp_path_factory.mktemp("s_server")
    answers = {}
    for key_id in ("ec256", "rsa2048"):
        chain, key = write_credentials(directory, catalogue().key_type(key_id))
        with openssl_server(openssl, chain, key) as port:
            answers[f"tls12-{key_id}"] = recorded_answer(port, CLIENTS["openssl-3.0-tls12"].raw)
            answers[f"tls13-{key_id}"] = recorded_answer(port,
                                                         CLIENTS["openssl-3.0-default"].raw)
        with openssl_server(openssl, chain, key, "-tls1_3") as port:
            answers[f"refused-{key_id}"] = recorded_answer(port,
                                                           CLIENTS["openssl-3.0-tls12"].raw)
    return answers


def built_answers() -> list[bytes]:
    """Answers openssl s_server does not give, from the project's encoders."""
    retry = ServerHello(0x0303, HELLO_RETRY_REQUEST_RANDOM, b"", 0x1301, 0,
                        (ext.SelectedVersion(0x0304), ext.KeyShareRetry(0x0017))).encode()
    keys = [certificate_message(der) for _, der in leaf_certificates()]
    return [encode_records(CONTENT_HANDSHAKE, 0x0303, retry),
            flight(MALFORMED_CERTIFICATE),
            flight(certificate_message(), SERVER_HELLO_DONE),
            b"\x15\x03\x03\x00\x02\x02\x28",
            *(flight(message, SERVER_HELLO_DONE) for message in keys)]


def read(data: bytes, pieces: list[int]) -> tuple[object, int]:
    """(the reader's result for `data` fed in pieces of these sizes, then the rest at once;
    the most it held between feeds)."""
    reader = AnswerReader(SAMPLE)
    position, most = 0, 0
    for size in [*pieces, len(data)]:
        if position >= len(data):
            break
        result = reader.feed(data[position:position + size])
        position += size
        if result is not None:
            return result, most
        most = max(most, reader.held)
    return reader.end("the server closed the connection"), most


def test_real_answers_read_as_openssl_meant_them(real_answers):
    """Against the certificates we gave openssl s_server: the reader's view is the truth."""
    for key_id in ("ec256", "rsa2048"):
        tls12, _ = read(real_answers[f"tls12-{key_id}"], [])
        assert (tls12.kind, tls12.version, tls12.certificate_key_type) == \
            ("server_hello", 0x0303, key_id)
        tls13, _ = read(real_answers[f"tls13-{key_id}"], [])
        assert (tls13.kind, tls13.version, tls13.certificate_key) == \
            ("server_hello", 0x0304, None)
        refused, _ = read(real_answers[f"refused-{key_id}"], [])
        assert (refused.kind, refused.alert) == ("alert", 70)  # protocol_version


@st.composite
def mutated(draw, seeds: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(0, 5))):
        if not data:
            break
        kind = draw(st.sampled_from(["flip", "byte", "u16", "u24", "cut", "insert", "delete",
                                     "repeat"]))
        position = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[position] ^= 1 << draw(st.integers(0, 7))
        elif kind == "byte":
            data[position] = draw(st.integers(0, 255))
        elif kind in ("u16", "u24"):  # a length field's worth of bytes, often a length
            size = 2 if kind == "u16" else 3
            data[position:position + size] = draw(st.integers(0, (1 << 8 * size) - 1)) \
                .to_bytes(size, "big")
        elif kind == "cut":
            del data[position:]
        elif kind == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            del data[position:position + draw(st.integers(1, 16))]
        else:  # a stretch said again, as a server stuck in a loop would
            stretch = bytes(data[position:position + draw(st.integers(1, 64))])
            data[position:position] = stretch * draw(st.integers(1, 8))
    return bytes(data)


@given(st.data())
def test_the_answer_reader_takes_any_bytes_in_any_pieces(real_answers, data):
    seeds = [*real_answers.values(), *built_answers()]
    raw = data.draw(mutated(seeds), label="answer")
    pieces = data.draw(st.lists(st.integers(1, 300), max_size=12), label="pieces")
    whole, _ = read(raw, [])
    chunked, most = read(raw, pieces)
    trickled, _ = read(raw[:2000], [1] * 2000) if len(raw) <= 2000 else (whole, 0)
    assert whole == chunked == trickled  # the bytes decide, not how they arrive
    event(f"{whole.kind}: {(whole.certificate_key or whole.detail or '-').split(' ')[0]}")
    assert most <= HELD
    assert whole.kind in KINDS and whole.sample is SAMPLE
    if whole.ok:
        assert isinstance(whole.version, int) and isinstance(whole.cipher_suite, int)
        assert whole.certificate_key is None or whole.certificate_key.isprintable()
    else:
        assert whole.certificate_key is None
        assert (whole.kind == "alert") == (whole.alert is not None)
        assert whole.kind == "alert" or whole.detail


@given(st.data())
def test_any_certificate_key_gets_a_name_or_a_reason(real_answers, data):
    leafs = [der for _, der in leaf_certificates()]
    der = data.draw(mutated(leafs), label="certificate")
    name, key_type = certificate_key(der)
    assert name and name.isprintable()
    assert key_type is None or key_type in {k.id for k in catalogue().key_types}


def transcripts() -> list[tuple[str, list[bytes]]]:
    """What the project's own server side says to a client up to STARTTLS, line by line, and
    what a chattier real server adds (multi-line greetings, more EHLO keywords)."""
    out = []
    for protocol in ("smtp", "imap", "pop3"):
        server, client = ServerDialogue(protocol), ClientDialogue(protocol)
        lines, pending = [], server.greeting()
        for _ in range(10):
            answer = b""
            for line in pending.splitlines(keepends=True):
                lines.append(line)
                answer = client.receive(line) or answer
            if client.done or not answer:
                break
            pending = server.receive(answer).data
        assert client.done, protocol
        out.append((protocol, lines))
    out.append(("smtp", [b"220-mx.example.org ESMTP Postfix\r\n", b"220 ready\r\n",
                         b"250-mx.example.org\r\n", b"250-PIPELINING\r\n", b"250-SIZE 10240000\r\n",
                         b"250-STARTTLS\r\n", b"250-ENHANCEDSTATUSCODES\r\n", b"250 CHUNKING\r\n",
                         b"220 2.0.0 Ready to start TLS\r\n"]))
    return out


@given(st.data())
def test_the_client_dialogue_takes_any_lines(data):
    protocol, lines = data.draw(st.sampled_from(transcripts()), label="transcript")
    lines = list(lines)
    for _ in range(data.draw(st.integers(0, 4))):
        position = data.draw(st.integers(0, len(lines) - 1))
        kind = data.draw(st.sampled_from(["mutate", "repeat", "insert", "long"]))
        if kind == "mutate":
            lines[position] = data.draw(mutated([lines[position]]))
        elif kind == "repeat":  # a server that keeps saying the same line
            lines[position:position] = [lines[position]] * data.draw(st.integers(1, 300))
        elif kind == "insert":
            lines.insert(position, data.draw(st.binary(max_size=80)))
        else:
            lines.insert(position, b"250-" + b"X" * data.draw(st.integers(MAX_LINE - 8,
                                                                           MAX_LINE + 8)))
    dialogue = ClientDialogue(protocol)
    fed = 0
    try:
        for line in lines:
            fed += 1
            answer = dialogue.receive(line)
            assert isinstance(answer, bytes) and len(answer) < 100
            if dialogue.done:
                break
    except DialogueError as error:
        assert str(error)
    assert fed <= MAX_SERVER_LINES + 1  # the one over the limit is refused
    assert vars(dialogue).keys() <= {"protocol", "ehlo_name", "state", "offers_starttls",
                                     "lines", "done"}  # nothing that grows
