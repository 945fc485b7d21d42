"""Differential test: every field tlskb decodes equals what tshark (an independent dissector)
decodes from the same bytes, for every ClientHello in the corpus and in the real loopback
capture."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.ingest.find import find_client_hellos
from generator.ingest.packets import ethernet_ipv4_tcp
from generator.ingest.pcap import write_pcap
from generator.tls import decode_client_hello, extensions as ext, fingerprints
from generator.tls.records import WireClientHello
from support.corpus import load_corpus
from support.tshark import client_hellos, values

CAPTURES = Path(__file__).resolve().parent / "data" / "captures"


def _hex4(values_: tuple[int, ...] | None) -> list[str]:
    return [f"0x{v:04x}" for v in values_ or ()]


def _signature_lists(wire: WireClientHello) -> list[str]:
    """tshark files signature_algorithms, signature_algorithms_cert and delegated_credential
    schemes under one field, in extension order."""
    out: list[str] = []
    for extension in wire.hello.extensions:
        if isinstance(extension, (ext.SignatureAlgorithms, ext.SignatureAlgorithmsCert,
                                  ext.DelegatedCredential)):
            out += _hex4(extension.schemes)
    return out


def expected_fields(wire: WireClientHello) -> dict[str, list[str]]:
    """Our decoding, expressed in tshark's field names and formats."""
    if wire.sslv2 is not None:
        return {
            "tls.record.length": [str(len(wire.raw) - 2)],
            "tls.handshake.version": [f"0x{wire.sslv2.version:04x}"],
            "tls.handshake.cipherspec": [f"0x{s:06x}" for s in wire.sslv2.cipher_specs],
        }
    hello = wire.hello
    prints = fingerprints(wire)
    key_share = hello.typed(ext.KeyShare)
    psk = hello.typed(ext.PreSharedKey)
    fields = {
        "tls.record.version": [f"0x{r.version:04x}" for r in wire.records],
        "tls.record.length": [str(r.length) for r in wire.records],
        "tls.handshake.version": [f"0x{hello.legacy_version:04x}"],
        "tls.handshake.random": [hello.random.hex()],
        "tls.handshake.session_id": [hello.session_id.hex()] if hello.session_id else [],
        "tls.handshake.ciphersuite": _hex4(hello.cipher_suites),
        "tls.handshake.comp_method": [str(m) for m in hello.compression_methods],
        "tls.handshake.extension.type": [str(t) for t in hello.extension_types],
        "tls.handshake.extensions_supported_group": _hex4(hello.supported_groups),
        "tls.handshake.extensions_ec_point_format": [str(f) for f in hello.ec_point_formats or ()],
        "tls.handshake.sig_hash_alg": _signature_lists(wire),
        "tls.handshake.extensions.supported_version": _hex4(hello.supported_versions),
        "tls.handshake.extensions_alpn_str": [p.decode("latin-1") for p in hello.alpn or ()],
        "tls.handshake.extensions_server_name": [hello.server_name] if hello.server_name else [],
        "tls.handshake.extensions_key_share_group": [str(e.group) for e in key_share.entries]
        if key_share else [],
        "tls.handshake.extensions.psk.identity.identity": [i.identity.hex() for i in psk.identities]
        if psk else [],
        "tls.handshake.ja3_full": [prints.ja3],
        "tls.handshake.ja3": [prints.ja3_hash],
    }
    return fields


def compare(ours: WireClientHello, theirs: dict, label: str) -> None:
    for field, expected in expected_fields(ours).items():
        got = values(theirs, field)
        if field == "tls.handshake.session_id":
            got = [v.replace(":", "") for v in got]
        assert got == expected, f"{label}: {field}: tshark {got} != tlskb {expected}"


@pytest.fixture(scope="module")
def corpus_pcap(tmp_path_factory) -> tuple[Path, list]:
    """Every corpus sample in its own TCP connection to port 443, in one pcap."""
    samples = load_corpus()
    frames = [(1_700_000_000.0 + i, ethernet_ipv4_tcp("192.0.2.1", "192.0.2.2", 40000 + i, 443,
                                                      1000, sample.data))
              for i, sample in enumerate(samples)]
    path = tmp_path_factory.mktemp("tshark") / "corpus.pcap"
    path.write_bytes(write_pcap(frames))
    return path, samples


def test_corpus_fields_equal_tshark(tshark, corpus_pcap):
    path, samples = corpus_pcap
    theirs = client_hellos(tshark, path)
    assert len(theirs) == len(samples), "tshark found a different number of ClientHellos"
    for sample, dissected in zip(samples, theirs):
        compare(decode_client_hello(sample.data), dissected, sample.name)


def test_pcap_ingest_equals_tshark(tshark, corpus_pcap):
    """The same pcap through tlskb's own pcap/TCP path gives the same hellos as tshark's."""
    path, samples = corpus_pcap
    found = find_client_hellos(path.read_bytes(), str(path)).hellos
    theirs = client_hellos(tshark, path)
    assert [f.wire.raw for f in found] == [s.data for s in samples]
    for item, dissected in zip(found, theirs):
        assert item.origin.packet == int(values(dissected, "frame.number")[0])
        compare(item.wire, dissected, item.origin.describe())


def test_real_loopback_capture_equals_tshark(tshark):
    """A capture made with tcpdump on loopback while every client of the catalogue that runs
    here was recorded (tools/record_client_hellos.py --pcap: plain TLS and SMTP, IMAP, POP3
    and PostgreSQL before TLS, on random ports): tshark's heuristics and tlskb find the same
    hellos, field for field."""
    path = CAPTURES / "loopback-clients.pcap"
    found = find_client_hellos(path.read_bytes(), str(path)).hellos
    theirs = client_hellos(tshark, path)
    assert len(found) == len(theirs) >= 120
    for item, dissected in zip(found, theirs):
        assert item.origin.packet == int(values(dissected, "frame.number")[0])
        compare(item.wire, dissected, item.origin.describe())


def test_real_capture_hellos_are_the_recorded_corpus():
    """The capture and the catalogue were recorded together: every binary client's recorded
    hello is in the capture, byte for byte, and every hello in the capture is one of them or
    a second connection of one of them (a browser's), with the same configuration."""
    from generator.compat.clients import recorded_clients
    from generator.compat.identify import Match, identify
    path = CAPTURES / "loopback-clients.pcap"
    captured = [f.wire for f in find_client_hellos(path.read_bytes(), str(path)).hellos]
    raw = {wire.raw for wire in captured}
    binary = [c for c in recorded_clients() if c.definition is not None]
    assert [c.id for c in binary if c.raw not in raw] == []
    for wire in captured:
        if wire.raw not in {c.raw for c in binary}:
            assert identify(wire).match is Match.EXACT

