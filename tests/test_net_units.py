"""The sans-I/O parts of capture and probe: STARTTLS dialogues (RFC 3207, RFC 3501 §6.2.1,
RFC 2595 §4), address parsing, and knowing when a first flight can be decoded."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.compat.clients import recorded_clients
from generator.errors import UsageError
from generator.net.slots import source_of
from generator.net.commands import host_port
from generator.net.dialogue import MAX_COMMANDS, ClientDialogue, DialogueError, ServerDialogue
from generator.net.probe import default_server_name
from generator.tls.records import (NeedMoreData, bytes_needed_for_first_flight,
                                   decode_client_hello_at, encode_records)

HELLOS = [c.raw for c in recorded_clients()]


def talk(server: ServerDialogue, client: ClientDialogue) -> list[bytes]:
    """Run both sides against each other; returns what the client sent."""
    sent = []
    pending = server.greeting()
    for _ in range(20):
        for line in pending.splitlines(keepends=True):
            answer = client.receive(line)
            if answer:
                sent.append(answer)
                reply = server.receive(answer)
                pending = reply.data
                if reply.start_tls:
                    assert client.receive(reply.data) == b"" and client.done
                    return sent
                break
        else:
            pending = b""
    raise AssertionError("no STARTTLS")


@pytest.mark.parametrize("protocol,commands", [
    ("smtp", [b"EHLO tlskb-probe.invalid\r\n", b"STARTTLS\r\n"]),
    ("imap", [b"a1 STARTTLS\r\n"]),
    ("pop3", [b"STLS\r\n"]),
])
def test_probe_and_capture_dialogues_meet(protocol, commands):
    assert talk(ServerDialogue(protocol), ClientDialogue(protocol)) == commands


def test_smtp_client_reads_multiline_replies():
    client = ClientDialogue("smtp")
    assert client.receive(b"220-mx.example.org ESMTP\r\n") == b""
    assert client.receive(b"220 hello\r\n") == b"EHLO tlskb-probe.invalid\r\n"
    for line in (b"250-mx.example.org\r\n", b"250-SIZE 10240000\r\n", b"250-STARTTLS\r\n"):
        assert client.receive(line) == b""
    assert client.receive(b"250 8BITMIME\r\n") == b"STARTTLS\r\n"
    assert client.receive(b"220 2.0.0 Ready to start TLS\r\n") == b"" and client.done


@pytest.mark.parametrize("lines,message", [
    ([b"554 5.7.1 no\r\n"], "did not greet with 220"),
    ([b"220 hi\r\n", b"250 mx.example.org\r\n"], "does not offer STARTTLS"),
    ([b"220 hi\r\n", b"250 STARTTLS\r\n", b"454 4.7.0 TLS not available\r\n"],
     "refused STARTTLS"),
    ([b"HTTP/1.1 400 Bad Request\r\n"], "not an SMTP reply"),
])
def test_smtp_client_says_what_the_server_did_wrong(lines, message):
    client = ClientDialogue("smtp")
    with pytest.raises(DialogueError, match=message):
        for line in lines:
            client.receive(line)


def test_server_dialogue_refuses_mail_before_starttls_and_ends_chatty_clients():
    server = ServerDialogue("smtp")
    assert server.receive(b"MAIL FROM:<a@example.org>\r\n").data.startswith(b"530 5.7.0")
    for _ in range(MAX_COMMANDS - 1):
        server.receive(b"NOOP\r\n")
    assert server.receive(b"NOOP\r\n").close


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(["smtp", "imap", "pop3"]), st.lists(st.binary(max_size=80), max_size=40))
def test_server_dialogue_answers_anything(protocol, lines):
    """Whatever a client says, the server side answers with a CRLF-terminated reply and
    never raises; at most MAX_COMMANDS lines are accepted."""
    server = ServerDialogue(protocol)
    for number, line in enumerate(lines, 1):
        reply = server.receive(line)
        assert reply.data.endswith(b"\r\n")
        if reply.close or reply.start_tls:
            break
        assert number <= MAX_COMMANDS


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["smtp", "imap", "pop3"]), st.lists(st.binary(max_size=80), max_size=10))
def test_client_dialogue_raises_only_dialogue_errors(protocol, lines):
    client = ClientDialogue(protocol)
    try:
        for line in lines:
            client.receive(line)
    except DialogueError as error:
        assert protocol.upper() in str(error)


@pytest.mark.parametrize("text,expected", [
    ("127.0.0.1:25", ("127.0.0.1", 25)), ("mx.example.org:587", ("mx.example.org", 587)),
    ("[::1]:443", ("::1", 443)), ("2525", ("127.0.0.1", 2525)), (":0", ("127.0.0.1", 0)),
])
def test_addresses(text, expected):
    assert host_port(text, default_host="127.0.0.1") == expected


@pytest.mark.parametrize("text,message", [
    ("mx.example.org", "not HOST:PORT"), ("::1:25", "not HOST:PORT"),
    ("host:99999", "0 to 65535"), ("host:smtp", "must be a number"), (":25", "has no host"),
    ("host:²", "must be a number"), ("host:" + "9" * 5000, "must be a number"),
])
def test_bad_addresses_say_why(text, message):
    with pytest.raises(UsageError, match=message):
        host_port(text)


def test_sni_defaults_to_the_host_name_but_never_an_address():
    assert default_server_name("mx.example.org.") == "mx.example.org"
    assert default_server_name("192.0.2.1") is None
    assert default_server_name("[2001:db8::1]") is None


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(HELLOS), st.integers(1, 300), st.data())
def test_decoding_is_tried_exactly_when_it_can_succeed(raw, fragment, data):
    """Whatever the record fragmentation and however the bytes arrive, the first-flight
    reader decodes the hello at the first moment all of it is there, and never earlier
    than a record is complete."""
    from generator.tls.records import decode_client_hello
    wire = decode_client_hello(raw)
    if wire.records:
        message = wire.handshake_message
        chunks = [message[i:i + fragment] for i in range(0, len(message), fragment)]
        raw = b"".join(encode_records(22, wire.records[0].version, c) for c in chunks)
    cuts = sorted(data.draw(st.sets(st.integers(1, len(raw) - 1), max_size=12)))
    arrived = b""
    for end in [*cuts, len(raw)]:
        arrived = raw[:end]
        if len(arrived) >= bytes_needed_for_first_flight(arrived):
            try:
                found, _ = decode_client_hello_at(arrived)
            except NeedMoreData:
                continue
            assert found.raw == raw and end == len(raw)
            return
    raise AssertionError("never decoded")


def run_cli(*argv: str) -> tuple[int, str, str]:
    import io
    from generator.cli import main
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out, err), out.getvalue(), err.getvalue()


def test_capture_reports_a_busy_port_in_one_line():
    import socket
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        code, _, err = run_cli("capture", "--listen", f"127.0.0.1:{busy.getsockname()[1]}")
    assert code == 1 and err.startswith("tlskb: error: cannot listen on 127.0.0.1:")
    assert err.count("\n") == 1


@pytest.mark.parametrize("argv,message", [
    (["capture", "--listen", "nowhere"], "not HOST:PORT"),
    (["capture", "--count", "0"], "--count must be at least 1"),
    (["capture", "--handshake", "--key-type", "rsa1024"], "rsa1024"),
    (["capture", "--max-per-peer", "0"], "--max-per-peer must be at least 1"),
    (["capture", "--max-connections", "0"], "--max-connections must be at least 1"),
    (["capture", "--max-duration", "0"], "--max-duration must be a number of seconds above 0"),
    (["capture", "--timeout", "nan"], "--timeout must be a number of seconds above 0"),
    (["capture", "--max-duration", "inf"], "--max-duration must be a number of seconds above 0"),
    (["probe"], "needs HOST:PORT"),
    (["probe", "127.0.0.1:0"], "port 0"),
    (["probe", "127.0.0.1:25", "--no-cases", "--only", "no-such"], "no such sample or case"),
    (["probe", "127.0.0.1:25", "--cases", "/nonexistent"], "no such directory of cases"),
])
def test_command_line_mistakes_are_one_line(argv, message):
    code, out, err = run_cli(*argv)
    assert code == 1 and message in err and out == "" and "Traceback" not in err


def test_probe_lists_case_samples_first():
    from support.net import ROOT
    code, out, _ = run_cli("probe", "--list", "--cases", str(ROOT / "cases"))
    rows = [line.split("\t") for line in out.splitlines()]
    assert code == 0 and rows[0][1] != "-" and rows[-1][1] == "-"
    assert any(row[0] == "exchange-online-2019" and row[1] == "exchange-online-p384"
               for row in rows)
    assert len({row[0] for row in rows}) == len(rows)


def test_certificate_keys_are_named_by_the_catalogue_or_described():
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, rsa
    from cryptography.x509.oid import NameOID
    from generator.net.certificate import certificate_key

    def der(key, digest):
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "x")])
        now = datetime.datetime.now(datetime.timezone.utc)
        return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(key.public_key()).serial_number(1).not_valid_before(now)
                .not_valid_after(now).sign(key, digest).public_bytes(serialization.Encoding.DER))
    assert certificate_key(der(ec.generate_private_key(ec.SECP384R1()), hashes.SHA256())) == \
        ("ECDSA P-384", "ec384")
    assert certificate_key(der(rsa.generate_private_key(65537, 1024), hashes.SHA256())) == \
        ("RSA 1024", None)
    assert certificate_key(der(ec.generate_private_key(ec.BrainpoolP256R1()), hashes.SHA256())) \
        == ("ECDSA brainpoolP256r1", None)
    assert certificate_key(der(ed448.Ed448PrivateKey.generate(), None)) == ("Ed448", None)
    assert certificate_key(b"\x30\x03\x02\x01\x00")[1] is None


@pytest.mark.parametrize("host,source", [
    ("192.0.2.7", "192.0.2.7"),
    ("::ffff:192.0.2.7", "192.0.2.7"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
    ("fe80::1%eth0", "fe80::/64"),
    ("?", "?"),
])
def test_connections_count_against_their_source(host, source):
    """The per-peer limit counts an IPv4 address, or an IPv6 /64 (which one host can fill)."""
    assert source_of(host) == source


def _finding(client: str, works_with: set[str]):
    from types import SimpleNamespace

    from generator.compat.analyzer import Verdict
    from generator.compat.keytypes import catalogue
    from generator.net.report import ProbeFinding
    return ProbeFinding(SimpleNamespace(sample=SimpleNamespace(client=client)),
                        tuple(Verdict(k.id, k.id in works_with) for k in catalogue().key_types))


def test_probe_advice_reports_a_tie_as_one():
    """Two key types serving the most clients are both named, each with the clients it leaves
    out (the catalogue's order used to pick the first silently: RSA 2048 over ECDSA P-256)."""
    from generator.compat.keytypes import catalogue
    from generator.net.report import advice_text
    everything = {k.id for k in catalogue().key_types}
    found = [_finding("Old Java", {"rsa2048"}), _finding("P-256 only", {"ec256"}),
             _finding("Browser", everything)]
    text = advice_text(found, catalogue())
    assert "ECDSA P-256 and RSA 2048 tie, serving 2 each" in text
    assert "ECDSA P-256 leaves out Old Java." in text and "RSA 2048 leaves out P-256 only." in text
    assert "tlskb prefers ECDSA P-256" in text


def test_probe_advice_names_the_one_best_and_the_universal_ones():
    from generator.compat.keytypes import catalogue
    from generator.net.report import advice_text
    everything = {k.id for k in catalogue().key_types}
    one = advice_text([_finding("Old Java", {"rsa2048", "rsa4096"}),
                       _finding("Picky", {"rsa2048"}), _finding("Browser", everything)],
                      catalogue())
    assert "a certificate of RSA 2048 would serve all 3 clients" in one
    best = advice_text([_finding("A", {"rsa2048"}), _finding("B", {"rsa2048"}),
                        _finding("C", {"ec256"})], catalogue())
    assert "RSA 2048 serves the most (2), all but C." in best and "tie" not in best
    assert "no key type serves any" in advice_text([_finding("X", set())], catalogue())


@pytest.mark.parametrize("text, width, expected", [
    ("Exchange Online outbound connector, November 2019", 48,
     "Exchange Online outbound connector, November…"),
    ("Exchange Online outbound connector, November 2019", 30, "Exchange Online outbound…"),
    ("Exchange Online outbound connector, November 2019", 60,
     "Exchange Online outbound connector, November 2019"),
    ("Supercalifragilisticexpialidocious", 10, "Supercali…"),
])
def test_probe_client_names_are_shortened_between_words(text, width, expected):
    from generator.net.report import shortened
    assert shortened(text, width) == expected and len(shortened(text, width)) <= width
