"""The recorder with real clients (issue 12): a client file's command runs the real program
against `tlskb capture` on 127.0.0.1 and the hello it records has the configuration the
catalogue holds for it; placeholders, the private home, the deadline and missing programs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from generator.compat.certs import live_trust_pem
from generator.compat.clients import Definition, recorded_clients
from generator.net.clientrun import ClientRunError, prepare_kit, run_client, version_of
from generator.net.recorder import changed_fields, record_hello
from conftest import require_tool

CLIENTS = {c.id: c for c in recorded_clients()}
#: clients whose configuration is the same on every Debian 12 machine (OpenSSL 3.0 and GnuTLS
#: 3.7 keep their defaults within a stable release; the JDK's and curl's builds do not promise
#: that, so they are left to the recorder's own diff)
STABLE = {"openssl-3.0-default": "openssl", "openssl-3.0-p256-only": "openssl",
          "openssl-3.0-starttls-smtp": "openssl", "gnutls-cli-3.7": "gnutls-bin",
          "msmtp-starttls": "msmtp"}


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    root = tmp_path_factory.mktemp("kit")
    return prepare_kit(root, live_trust_pem(), root / "cache")


@pytest.mark.parametrize("client_id", sorted(STABLE))
def test_a_real_client_records_the_configuration_the_catalogue_holds(kit, client_id):
    require_tool(CLIENTS[client_id].definition.command[0], STABLE[client_id])
    client = CLIENTS[client_id]
    recording = record_hello(client, kit)
    assert recording.hello is not None, recording.problem
    assert changed_fields(client.raw, recording.hello) == ()
    assert recording.hello != client.raw   # a new random and key share: really recorded again


def test_a_changed_configuration_is_reported(kit):
    """The diff names the fields that differ: TLS 1.2 only against the defaults."""
    require_tool("openssl", "openssl")
    changed = changed_fields(CLIENTS["openssl-3.0-default"].raw,
                             CLIENTS["openssl-3.0-tls12"].raw)
    assert {"cipher_suites", "supported_versions", "key_share_groups"} <= set(changed)


def test_placeholders_home_and_environment(kit):
    script = ("import os,sys;print(sys.argv[1:]);print(os.environ['HOME']);"
              "print(os.environ.get('TLSKB_X'));print(open(sys.argv[3]).read()[:27])")
    definition = Definition((sys.executable, "-c", script, "{host}", "{port}", "{ca}", "{ca}"),
                            env=(("TLSKB_X", "{home}/x"),), timeout=20)
    finished = run_client(definition, kit, 4433)
    assert finished.exit == 0
    # the last line is the CA file's first line: the file really is the trust PEM
    assert finished.said == "-----BEGIN CERTIFICATE-----"


def test_a_client_past_its_deadline_is_killed_with_its_children(kit):
    definition = Definition(("sh", "-c", "sleep 60 & sleep 60"), timeout=1)
    finished = run_client(definition, kit, 1)
    assert finished.exit is None and finished.seconds < 10


def test_a_missing_program_says_what_to_do(kit):
    definition = Definition(("tlskb-no-such-client",), timeout=5)
    with pytest.raises(ClientRunError, match="install the client's package"):
        run_client(definition, kit, 1)


def test_the_version_word(kit):
    definition = Definition(("true",), version_command=(sys.executable, "--version"),
                            version_word=1)
    version, line = version_of(definition, kit)
    assert line == f"Python {sys.version.split()[0]}" and version == sys.version.split()[0]


def test_the_trust_kit_holds_both_cas(kit):
    from cryptography import x509
    certificates = x509.load_pem_x509_certificates(Path(kit.ca).read_bytes())
    assert len(certificates) == 2
    assert kit.truststore.stat().st_size > 0
