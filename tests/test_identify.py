"""Which recorded client a hello looks like (generator/compat/identify.py): what changes
between two connections of one client never changes the answer; what a configuration decides
does."""

from __future__ import annotations

import dataclasses

import pytest

from generator.compat.clients import recorded_clients
from generator.compat.identify import Match, identify, stable_fields
from generator.tls import extensions as ext
from generator.tls.records import decode_client_hello, encode_records

CLIENTS = recorded_clients()
TLS_CLIENTS = [c for c in CLIENTS if decode_client_hello(c.raw).sslv2 is None]


def rewritten(raw: bytes, **changes):
    """The recorded hello with fields replaced, re-encoded in one record, decoded again."""
    hello = dataclasses.replace(decode_client_hello(raw).hello, **changes)
    return decode_client_hello(encode_records(22, 0x0301, hello.encode()))


@pytest.mark.parametrize("client", CLIENTS, ids=[c.id for c in CLIENTS])
def test_every_recorded_client_is_itself(client):
    found = identify(decode_client_hello(client.raw))
    assert found.match is Match.EXACT and client in found.clients
    same = [c.id for c in CLIENTS if stable_fields(decode_client_hello(c.raw))
            == stable_fields(decode_client_hello(client.raw))]
    assert [c.id for c in found.clients] == same


@pytest.mark.parametrize("client", TLS_CLIENTS, ids=[c.id for c in TLS_CLIENTS])
def test_what_changes_between_connections_changes_nothing(client):
    """Another random and session id, another server name, padding, reordered extensions
    (Chrome permutes them), GREASE in new places: the same configuration."""
    hello = decode_client_hello(client.raw).hello
    others = tuple(e for e in reversed(hello.extensions)
                   if not isinstance(e, (ext.ServerName, ext.Padding)))
    changed = rewritten(client.raw, random=bytes(range(100, 132)), session_id=b"\x07" * 32,
                        extensions=(ext.ServerName((ext.ServerNameEntry(0, b"other.example"),)),
                                    *others, ext.Padding(b"\0" * 37)),
                        cipher_suites=(0x3A3A, *hello.cipher_suites))
    found = identify(changed)
    assert found.match is Match.EXACT and client in found.clients


def test_a_changed_configuration_is_near_or_the_same_ja4():
    """One cipher suite fewer: no longer the same, and the nearest is still the original
    (similarity below 1); other groups, which JA4 does not hash: the same JA4."""
    curl = next(c for c in CLIENTS if c.id == "curl-7.88")
    hello = decode_client_hello(curl.raw).hello
    fewer = rewritten(curl.raw, cipher_suites=hello.cipher_suites[1:])
    found = identify(fewer)
    assert found.match is Match.SIMILAR and found.clients == (curl,)
    assert 0.9 < found.similarity < 1
    groups = tuple(ext.SupportedGroups((0x0018,)) if isinstance(e, ext.SupportedGroups) else e
                   for e in hello.extensions)
    found = identify(rewritten(curl.raw, extensions=groups))
    assert found.match is Match.JA4 and curl in found.clients and found.similarity < 1
