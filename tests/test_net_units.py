"""The sans-I/O parts of capture and probe: STARTTLS dialogues (RFC 3207, RFC 3501 §6.2.1,
RFC 2595 §4), address parsing, and knowing when a first flight can be decoded."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.compat.clients import recorded_clients
from generator.errors import UsageError
from generator.net.slots import source_of
from generator.net.commands import host_port
from generator.net.dialogue import MAX_COMMANDS, ClientDialogue, DialogueError, ServerDialogue
from generator.net.probe import default_server_name
from support.net import ROOT
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
    (["probe", "127.0.0.1:25", "--no-cases", "--only", "no-such"],
     "--only no-such: no sample, case or client matches"),
    (["probe", "127.0.0.1:25", "--no-cases", "--ignore", "curl-7.88,no-such"],
     "--ignore no-such: no sample, case or client matches"),
    (["probe", "127.0.0.1:25", "--acme-client", "lego,nope"],
     "--acme-client nope: not an ACME client tlskb knows"),
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


def advice(found, served=()) -> str:
    from generator.compat.keytypes import catalogue
    from generator.net.probesummary import advice_for, together
    from generator.net.report import advice_text
    return advice_text(advice_for(found, catalogue()), catalogue(), together(found, served))


def test_probe_advice_reports_a_tie_as_one():
    """Two key types serving the most clients are both named, each with the clients it leaves
    out (the catalogue's order used to pick the first silently: RSA 2048 over ECDSA P-256)."""
    from generator.compat.keytypes import catalogue
    everything = {k.id for k in catalogue().key_types}
    found = [_finding("Old Java", {"rsa2048"}), _finding("P-256 only", {"ec256"}),
             _finding("Browser", everything)]
    text = advice(found)
    assert "ECDSA P-256 and RSA 2048 tie, serving 2 each" in text
    assert "ECDSA P-256 leaves out Old Java." in text and "RSA 2048 leaves out P-256 only." in text
    assert "tlskb prefers ECDSA P-256" in text


def test_probe_advice_names_the_one_best_and_the_universal_ones():
    from generator.compat.keytypes import catalogue
    everything = {k.id for k in catalogue().key_types}
    one = advice([_finding("Old Java", {"rsa2048", "rsa4096"}),
                  _finding("Picky", {"rsa2048"}), _finding("Browser", everything)])
    assert "a certificate of RSA 2048 would serve all 3 clients" in one
    best = advice([_finding("A", {"rsa2048"}), _finding("B", {"rsa2048"}),
                   _finding("C", {"ec256"})])
    assert "RSA 2048 serves the most (2), all but C." in best and "tie" not in best
    assert "no key type serves any" in advice([_finding("X", set())])


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


def test_probe_advice_keeps_two_served_certificates_that_serve_everyone():
    """Issue 14: RSA 2048 and ECDSA P-256 served side by side reached every client, yet the
    advice said no single key type serves all and picked one."""
    found = [_finding("Old Java", {"rsa2048"}), _finding("P-256 only", {"ec256"})]
    text = advice(found, served=("ec256", "rsa2048"))
    assert text.startswith("Key-type advice: keep serving ECDSA P-256 and RSA 2048 side by "
                           "side: together they serve all 2 clients; no single key type does")


def test_probe_advice_names_a_tie_with_the_same_clients_left_out_once():
    from generator.compat.keytypes import catalogue
    rsa = {k.id for k in catalogue().key_types if k.id.startswith("rsa")}
    text = advice([_finding("Browser", rsa | {"ec256"}), _finding("Old", set())])
    assert "tie, serving 1 each. Each leaves out the same: Old." in text


@pytest.mark.parametrize("first, speaks, starttls", [
    (b"220 mx.example.org ESMTP Postfix (Debian/GNU)\r\n", "SMTP", "smtp"),   # RFC 5321 §4.2
    (b"220-mx.example.org ESMTP\r\n220 ready\r\n", "SMTP", "smtp"),
    (b"554 5.7.1 no service for you\r\n", "SMTP", "smtp"),
    (b"220 ProFTPD Server ready.\r\n", "FTP", None),
    (b"* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready.\r\n", "IMAP", "imap"),   # RFC 9051
    (b"+OK Dovecot ready.\r\n", "POP3", "pop3"),                                    # RFC 1939
    (b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", "HTTP", None),
    (b"<!DOCTYPE HTML>\n<html lang=\"en\">", "HTTP", None),     # an HTTP/0.9 error page
    (b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", "SSH", None),
    (b"\x15\x03\x03\x00\x02\x02\x28", "TLS", None),     # an alert record: handshake_failure
    (b"\x16\x03\x01\x00\x05", "TLS", None),
    (b"hello there\n", "text", None),
    (b"\x00\xff\x10binary", "bytes that are not TLS", None),
])
def test_what_a_non_tls_answer_speaks_is_named(first, speaks, starttls):
    from generator.net.greeting import speaks as classify
    what = classify(first)
    assert what.value == speaks and what.starttls == starttls


@pytest.mark.parametrize("first, given, advice", [
    (b"220 mx ESMTP\r\n", None, "add --starttls smtp, or probe its implicit-TLS port (465)"),
    (b"* OK ready\r\n", None, "add --starttls imap, or probe its implicit-TLS port (993)"),
    (b"+OK ready\r\n", "smtp", "not SMTP: use --starttls pop3"),
    (b"HTTP/1.0 400 Bad\r\n", None, "probe its HTTPS port (usually 443)"),
    (b"\x16\x03\x03\x00\x10", "smtp", "leave out --starttls"),
])
def test_a_non_tls_answer_says_what_to_type(first, given, advice):
    from generator.net.greeting import not_tls_advice, speaks
    assert advice in not_tls_advice(speaks(first), first, given, 25)


@given(st.binary(max_size=600))
def test_any_answer_is_named_without_error_from_its_first_line(data):
    from generator.net.greeting import GREETING_BYTES, Speaks, first_line, not_tls_advice, speaks
    what = speaks(data)
    assert isinstance(what, Speaks)
    assert speaks(data[:GREETING_BYTES]) is what   # nothing past the first bytes matters
    line = first_line(data)
    assert line.isprintable() and len(line) <= 60
    for protocol in (None, "smtp", "imap", "pop3"):
        assert not_tls_advice(what, data, protocol, 25).isprintable()


def test_the_progress_line_names_the_clients_still_awaited():
    """Issue 14: the line sat at 18/19 for the length of a timeout without saying why."""
    from generator.net.probe import _waiting
    assert _waiting({3: "Java 6u45 (JSSE)"}) == "waiting for Java 6u45 (JSSE)"
    assert _waiting({1: "A", 2: "B"}) == "waiting for A and B"
    assert _waiting({1: "A", 2: "B", 3: "C"}) == "" and _waiting({}) == ""


def _samples():
    from generator.knowledge import cases_dir
    from generator.net.samples import knowledge_base_samples
    return knowledge_base_samples(cases_dir())


def test_probe_leaves_out_ignored_and_historical_clients():
    """--ignore takes shell patterns against the sample, case and client; --current-only
    leaves out what the case files and client files call historical, read here from the YAML
    itself."""
    import yaml

    from generator.knowledge import cases_dir
    from generator.net.samples import chosen_samples
    samples, _ = _samples()
    states = {}
    for path in cases_dir().glob("*.yaml"):
        data = yaml.safe_load(path.read_text())
        states[data["id"]] = data["status"]["state"]
    clients_dir = ROOT / "generator" / "compat" / "data" / "clients"
    old_clients = {p.stem for p in clients_dir.glob("*.yaml")   # a client's id: its file name
                   if yaml.safe_load(p.read_text()).get("historical")}
    current = chosen_samples(samples, None, None, True)
    for sample in samples:
        historical = (states[sample.case_id] != "current" if sample.case_id
                      else sample.id in old_clients)
        assert (sample in current) is not historical, sample.id
    left = chosen_samples(samples, None, ["java-6u45", "curl-*,exchange-online-p384"], False)
    assert not any(s.id == "java-6u45" or s.id.startswith("curl-")
                   or s.case_id == "exchange-online-p384" for s in left)
    assert len(left) == len(samples) - sum(
        1 for s in samples if s.id == "java-6u45" or s.id.startswith("curl-")
        or s.case_id == "exchange-online-p384")


def test_probe_list_json_names_every_sample_with_its_case_and_age():
    code, out, _ = run_cli("probe", "--list", "--json")
    rows = json.loads(out)
    samples, _ = _samples()
    assert code == 0 and [r["sample"] for r in rows] == [s.id for s in samples]
    assert all(set(r) == {"sample", "case", "client", "historical"} for r in rows)
    code, out, _ = run_cli("probe", "--list", "--json", "--current-only")
    assert not any(r["historical"] for r in json.loads(out))


def test_every_command_lists_its_exit_statuses_in_its_help():
    from generator.cli import EXTRA_EXITS, build_parser
    from generator.exits import MEANING, Exit
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for name, command in commands.items():
        text = command.format_help()
        assert "exit status:" in text, name
        for code in (Exit.OK, Exit.ERROR, Exit.USAGE, *EXTRA_EXITS.get(name, ())):
            assert f"{int(code):>5}  {MEANING[code].split(' ')[0]}" in text, (name, code)
    top = parser.format_help()
    assert all(f"{int(code):>5}  " in top for code in Exit)


def test_the_public_case_address_is_the_sites():
    import yaml

    from generator.knowledge import SITE_URL, case_url
    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)
    # Material's offline plugin turns use_directory_urls off: a page is a .html file
    assert config["site_url"] == SITE_URL and "offline" in config["plugins"]
    assert "use_directory_urls" not in config
    assert case_url("adfs-ecdsa") == SITE_URL + "cases/adfs-ecdsa.html"
