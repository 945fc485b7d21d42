"""The client catalogue (issue 12): the client files' schema and vocabularies, writing them
back, `tlskb catalogue`, `tlskb check` over them, the end-to-end judge, and the STARTTLS relay
with a real client and a real server."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from generator.cli import main
from generator.compat.clientfile import client_text
from generator.compat.clients import (CLIENT_SCHEMA, Category, ClientFileError, EndToEnd,
                                      Library, Protocol, Source, all_clients, client_problems,
                                      load_client, recorded_clients)
from generator.compat.keytypes import catalogue
from generator.net.endtoend import judge
from generator.net.live import HandshakeEnd, LiveHandshake
from generator.stacks import stacks
from conftest import require_tool
from support.net import free_port, wait_for_port

SCHEMA = yaml.safe_load(CLIENT_SCHEMA.read_text(encoding="utf-8"))


def _enum(*path: str) -> list:
    node = SCHEMA
    for part in path:
        node = node[part]
    return node["enum"]


def test_the_schema_copies_the_vocabularies():
    """One place per list: the enums in clients.py; the schema's copies must equal them."""
    properties = SCHEMA["properties"]
    assert _enum("properties", "protocol") == [p.value for p in Protocol]
    assert _enum("properties", "category") == [c.value for c in Category]
    assert _enum("properties", "library") == [lib.value for lib in Library]
    assert _enum("properties", "source") == [s.value for s in Source]
    assert _enum("$defs", "run", "properties", "result") == [e.value for e in EndToEnd]
    results = properties["end_to_end"]["properties"]["results"]
    assert results["propertyNames"]["enum"] == [s.id.value for s in stacks()]
    assert (results["additionalProperties"]["propertyNames"]["enum"]
            == [k.id for k in catalogue().key_types])


def test_every_client_file_loads_and_check_finds_nothing():
    assert client_problems() == []
    clients = all_clients()
    assert len({c.id for c in clients}) == len(clients)
    for client in clients:
        if client.origin is Source.BINARY:
            assert client.definition and client.definition.command, client.id
            assert client.definition.debian or client.definition.pypi, client.id
        else:
            assert client.definition is None and client.raw, client.id


def test_a_definition_written_back_loads_as_it_was(tmp_path):
    """client_text (what the recorder writes) keeps every definition field and the hello."""
    for client in recorded_clients()[:40]:
        source = yaml.safe_load((Path(__file__).resolve().parent.parent / "generator" / "compat"
                                 / "data" / "clients" / f"{client.id}.yaml").read_text())
        source.pop("hex")
        path = tmp_path / f"{client.id}.yaml"
        path.write_text(client_text(source, client.raw), encoding="utf-8")
        again = load_client(path)
        assert again == client


def test_a_broken_client_file_is_refused_where_it_breaks(tmp_path):
    path = tmp_path / "broken-1.yaml"
    path.write_text("name: x\nfamily: x\nvariant: v\ncategory: web\nlibrary: openssl\n"
                    "source: binary\nprotocol: gopher\n", encoding="utf-8")
    with pytest.raises(ClientFileError) as error:
        load_client(path)
    text = str(error.value)
    assert "broken-1.yaml:7:11" in text and "gopher" in text
    assert "a binary client needs" not in text   # meaning is checked once the shape is right


def test_a_binary_client_needs_its_command(tmp_path):
    path = tmp_path / "nocommand.yaml"
    path.write_text("name: x\nfamily: x\nvariant: v\ncategory: web\nlibrary: openssl\n"
                    "source: binary\nprotocol: https\n", encoding="utf-8")
    with pytest.raises(ClientFileError, match="needs `command`"):
        load_client(path)


def test_catalogue_json_lists_every_recorded_client(capsys):
    assert main(["catalogue", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    clients = recorded_clients()
    assert [c["id"] for c in listed] == [c.id for c in clients]
    for entry, client in zip(listed, clients):
        assert set(entry) >= {"id", "name", "version", "source", "command", "protocol",
                              "recorded", "end_to_end"}
        assert entry["source"] == client.origin.value
        assert (entry["command"] is None) == (client.origin is Source.RECORDED)
        for stack, by_key in entry["end_to_end"].items():
            for key_type, result in by_key.items():
                assert result == client.run(stack, key_type).result.value


def test_catalogue_text_and_filters(capsys):
    assert main(["catalogue", "--current", "--category", "mail"]) == 0
    lines = capsys.readouterr().out.splitlines()
    expected = [c for c in recorded_clients() if not c.historical and c.category is Category.MAIL]
    assert lines[-1] == f"{len(expected)} client(s)"
    assert [line.split()[0] for line in lines[:-1]] == [c.id for c in expected]


# -- the judge -------------------------------------------------------------------------------

def test_any_completed_handshake_counts():
    runs = [LiveHandshake(HandshakeEnd.CLOSED), LiveHandshake(HandshakeEnd.COMPLETED, "TLSv1.3")]
    assert judge(runs, 0, None).result is EndToEnd.COMPLETED
    assert judge(runs, 0, None).version == "TLSv1.3"


def test_who_refused_is_kept():
    server = judge([LiveHandshake(HandshakeEnd.SERVER_ALERT, alert="handshake_failure")], 1, "x")
    client = judge([LiveHandshake(HandshakeEnd.CLIENT_ALERT, alert="bad_certificate")], 1, "y")
    assert (server.result, server.alert, server.said) == (EndToEnd.SERVER_REFUSED,
                                                          "handshake_failure", "x")
    assert (client.result, client.alert) == (EndToEnd.CLIENT_REFUSED, "bad_certificate")
    # a refusal outweighs a connection that merely closed
    mixed = judge([LiveHandshake(HandshakeEnd.CLOSED),
                   LiveHandshake(HandshakeEnd.CLIENT_ALERT, alert="unknown_ca")], 1, None)
    assert mixed.result is EndToEnd.CLIENT_REFUSED


def test_hanging_up_is_a_refusal_only_when_the_client_says_it_failed():
    closed = [LiveHandshake(HandshakeEnd.CLOSED)]
    assert judge(closed, 1, "handshake failed").result is EndToEnd.CLIENT_REFUSED
    assert judge(closed, 0, None).result is EndToEnd.FAILED      # it says it went well
    assert judge(closed, None, None).result is EndToEnd.FAILED   # it was stopped at its deadline


def test_no_handshake_is_no_connection_and_a_timeout_is_a_failure():
    assert judge([], 2, "refused").result is EndToEnd.NO_CONNECTION
    assert judge([LiveHandshake(HandshakeEnd.TIMEOUT)], None, None).result is EndToEnd.FAILED


# -- the STARTTLS relay, with a real client and a real server --------------------------------

@pytest.mark.parametrize("dialogue", ["smtp", "imap", "pop3", "postgres"])
def test_the_relay_brings_a_real_client_to_a_real_server(tmp_path, dialogue):
    """openssl s_client -starttls X through the relay to openssl s_server: the handshake
    completes with the chain the client was told to trust."""
    from generator.compat.certs import live_certified_key, live_trust_pem
    from generator.net.relay import StartTlsRelay
    openssl = require_tool("openssl", "openssl")
    key = live_certified_key("ecdsa", None, "secp256r1")
    (tmp_path / "chain.pem").write_bytes(key.chain_pem)
    (tmp_path / "key.pem").write_bytes(key.key_pem)
    (tmp_path / "ca.pem").write_bytes(live_trust_pem())
    port = free_port()
    server = subprocess.Popen([openssl, "s_server", "-accept", f"127.0.0.1:{port}", "-cert",
                               tmp_path / "chain.pem", "-key", tmp_path / "key.pem"],
                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        with StartTlsRelay(dialogue, port) as relay:
            client = subprocess.run(
                [openssl, "s_client", "-connect", f"127.0.0.1:{relay.port}", "-starttls",
                 dialogue, "-servername", "localhost", "-verify_hostname", "localhost",
                 "-CAfile", tmp_path / "ca.pem", "-verify_return_error", "-brief"],
                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
            assert relay.reached_tls == 1, relay.problems
        assert "Verification: OK" in client.stderr, client.stderr
    finally:
        server.kill()
        server.wait(10)
