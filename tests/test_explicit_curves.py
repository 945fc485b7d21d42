"""Certificates whose EC key spells its curve out (RFC 3279 §2.3.5 ECParameters, what
`openssl ecparam -param_enc explicit` writes): `cryptography` will not load them, and the probe
named them "unknown key type (OID 1.2.840.10045.2.1)" — the OID of id-ecPublicKey itself
(red team F8c). The certificates and parameters are OpenSSL's, made here."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from generator.compat.clients import recorded_clients
from generator.net.certificate import certificate_key, specified_curve
from generator.net.explicit_curve import known_curve
from generator.net.probe import ProbeSample, Target, probe_sample
from support.answers import SERVER_HELLO_DONE, certificate_message, flight
from support.der import elements, oid, tlv, with_public_key_info
from support.net import read_client_hello, scripted_server

OPENSSL = shutil.which("openssl")
pytestmark = pytest.mark.skipif(OPENSSL is None, reason="needs the openssl command")

#: OpenSSL's curve names for the catalogue's curves, and two curves outside it
CURVES = {"prime256v1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521",
          "secp256k1": None, "brainpoolP256r1": None}


def openssl(*args: str, cwd: Path) -> bytes:
    return subprocess.run([OPENSSL, *args], cwd=cwd, check=True, capture_output=True,
                          timeout=60).stdout


def explicit_certificate(directory: Path, curve: str) -> bytes:
    """A self-signed certificate whose key carries `curve`'s parameters spelled out."""
    openssl("ecparam", "-name", curve, "-param_enc", "explicit", "-genkey", "-noout",
            "-out", "key.pem", cwd=directory)
    return openssl("req", "-new", "-x509", "-key", "key.pem", "-subj", "/CN=explicit.test",
                   "-days", "1", "-outform", "der", cwd=directory)


def explicit_parameters(directory: Path, curve: str, form: str) -> bytes:
    """The contents of `curve`'s ECParameters SEQUENCE, its base point in `form`."""
    der = openssl("ecparam", "-name", curve, "-param_enc", "explicit", "-conv_form", form,
                  "-outform", "der", cwd=directory)
    ((tag, body),) = elements(der)
    assert tag == 0x30
    return body


@pytest.mark.parametrize("curve", CURVES)
def test_a_key_with_explicit_curve_parameters_is_named(tmp_path, curve):
    name = CURVES[curve]
    expected = ("ECDSA with explicit curve parameters "
                + (f"({name})" if name else "(not P-256, P-384 or P-521)"))
    # never a catalogue key type: clients refuse such certificates (RFC 5480 §2.1.1)
    assert certificate_key(explicit_certificate(tmp_path, curve)) == (expected, None)


@pytest.mark.parametrize("form", ["uncompressed", "compressed"])
@pytest.mark.parametrize("curve", CURVES)
def test_the_curve_is_recognised_by_every_parameter(tmp_path, curve, form):
    body = explicit_parameters(tmp_path, curve, form)
    parameters = specified_curve(body)
    assert parameters.generator[0] in ({4} if form == "uncompressed" else {2, 3})
    assert known_curve(parameters) == CURVES[curve]


def test_a_curve_sharing_only_the_prime_is_not_named_after_it(tmp_path):
    """P-256's prime with another b (an invalid-curve attack's favourite) is another curve."""
    parameters = specified_curve(explicit_parameters(tmp_path, "prime256v1", "uncompressed"))
    assert known_curve(parameters) == "P-256"
    assert known_curve(replace(parameters, b=parameters.b ^ 1)) is None
    assert known_curve(replace(parameters, n=parameters.n - 2)) is None
    assert known_curve(replace(parameters, cofactor=2)) is None
    assert known_curve(replace(parameters, cofactor=None)) == "P-256"  # optional; 1 is implied
    assert known_curve(replace(parameters, generator=parameters.generator[:-1])) is None


def test_the_probe_names_it_for_a_server_that_sends_it(tmp_path):
    der = explicit_certificate(tmp_path, "prime256v1")
    client = next(c for c in recorded_clients() if c.id == "openssl-3.0-tls12")

    def script(sock) -> None:
        read_client_hello(sock)
        sock.sendall(flight(certificate_message(der), SERVER_HELLO_DONE))
        sock.recv(1)

    with scripted_server(script) as port:
        result = asyncio.run(probe_sample(Target("127.0.0.1", port),
                                          ProbeSample(client.id, client.id, client.raw)))
    assert result.ok
    assert (result.certificate_key, result.certificate_key_type) == \
        ("ECDSA with explicit curve parameters (P-256)", None)


def with_ec_parameters(certificate: bytes, parameters: bytes) -> bytes:
    """`certificate` with an id-ecPublicKey key whose AlgorithmIdentifier ends in
    `parameters` (DER elements, or nothing)."""
    identifier = oid("1.2.840.10045.2.1") + parameters
    spki = tlv(0x30, tlv(0x30, identifier) + tlv(0x03, b"\x00\x04" + bytes(64)))
    return with_public_key_info(certificate, spki)


@pytest.mark.parametrize("cut", [1, 40, 100, 200])
def test_cut_or_odd_parameters_are_named_not_raised(tmp_path, cut):
    """Explicit parameters with their last bytes cut off (each element still well-formed DER
    where it is kept), or NULL (implicitCurve): a name or a reason, never an
    exception, never "unknown key type"."""
    leaf = explicit_certificate(tmp_path, "prime256v1")
    body = explicit_parameters(tmp_path, "prime256v1", "uncompressed")
    named, _ = certificate_key(with_ec_parameters(leaf, tlv(0x30, body[:-cut])))
    assert named.startswith("ECDSA with explicit curve parameters (unreadable: "), named
    assert certificate_key(with_ec_parameters(leaf, tlv(0x05, b""))) == \
        ("ECDSA with implicit curve parameters (implicitCurve)", None)
    # cut after the order: the cofactor is optional, the curve is whole
    assert certificate_key(with_ec_parameters(leaf, tlv(0x30, body[:-3]))) == \
        ("ECDSA with explicit curve parameters (P-256)", None)
