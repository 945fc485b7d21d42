"""JA3 and JA4 against published vectors: the JA4 specification's worked example
(FoxIO-LLC/ja4, technical_details/JA4.md) and a real Chrome hello fingerprinted by
browserleaks.com (JA3 string and hash, JA4 and JA4_r). JA3 is also compared with tshark's for
every corpus sample in test_tshark_differential.py."""

from __future__ import annotations

import hashlib

import pytest

from generator.tls import decode_client_hello, extensions as ext, fingerprints
from generator.tls.fingerprint import ja3_string, ja4
from generator.tls.messages import ClientHello

SIGALGS = (0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601)


def typed(code: int) -> ext.Extension:
    """A plausible extension of each codepoint the vectors use."""
    return {
        0x0000: ext.ServerName((ext.ServerNameEntry(0, b"example.com"),)),
        0x0005: ext.StatusRequest(1),
        0x000A: ext.SupportedGroups((0x11EC, 0x001D, 0x0017, 0x0018)),
        0x000B: ext.EcPointFormats((0,)),
        0x000D: ext.SignatureAlgorithms(SIGALGS),
        0x0010: ext.Alpn((b"h2", b"http/1.1")),
        0x0012: ext.EmptyExtension(18),
        0x0015: ext.Padding(bytes(10)),
        0x0017: ext.EmptyExtension(23),
        0x001B: ext.CompressCertificate((2,)),
        0x0023: ext.SessionTicket(b""),
        0x002B: ext.SupportedVersions((0x0304, 0x0303)),
        0x002D: ext.PskKeyExchangeModes((1,)),
        0x0033: ext.KeyShare((ext.KeyShareEntry(0x001D, bytes(32)),)),
        0x4469: ext.ApplicationSettings(0x4469, (b"h2",)),
        0x44CD: ext.ApplicationSettings(0x44CD, (b"h2",)),
        0xFE0D: ext.EncryptedClientHello(0, 1, 1, 7, bytes(32), bytes(100)),
        0xFF01: ext.RenegotiationInfo(b""),
    }[code]


def hello(ciphers, extension_order, version=0x0303) -> ClientHello:
    made = ClientHello(version, bytes(32), bytes(32), tuple(ciphers), (0,),
                       tuple(typed(code) for code in extension_order))
    return decode_client_hello(made.encode()).hello  # through the decoder, as in real use


SPEC_CIPHERS = [0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0xC013,
                0xC014, 0x009C, 0x009D, 0x002F, 0x0035]


def test_ja4_specification_example():
    spec = hello(SPEC_CIPHERS, [0x001B, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002D, 0x000D,
                                0x0005, 0x0023, 0x0012, 0x002B, 0xFF01, 0x000B, 0x000A, 0x0015])
    assert ja4(spec) == "t13d1516h2_8daaf6152771_e5627efa2ab1"


def test_browserleaks_chrome_vector():
    """Chrome 143 as fingerprinted by browserleaks.com (extension order as sent)."""
    order = [0x002D, 0x0033, 0x0010, 0xFE0D, 0x0017, 0x44CD, 0x0000, 0x000B, 0x000A, 0x002B,
             0xFF01, 0x0023, 0x0012, 0x0005, 0x000D, 0x001B]
    chrome = hello(SPEC_CIPHERS, order)
    wire = decode_client_hello(b"\x16\x03\x01" + len(chrome.encode()).to_bytes(2, "big")
                               + chrome.encode())
    prints = fingerprints(wire)
    assert prints.ja3 == ("771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-"
                          "157-47-53,45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27,"
                          "4588-29-23-24,0")
    assert prints.ja3_hash == "98487aa16281980e7d1120d399efb6a4"
    assert prints.ja4 == "t13d1516h2_8daaf6152771_d8a2da3f94cd"
    assert prints.ja4_r == (
        "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_"
        "0005,000a,000b,000d,0012,0017,001b,0023,002b,002d,0033,44cd,fe0d,ff01_"
        "0403,0804,0401,0503,0805,0501,0806,0601")


def test_grease_is_ignored_everywhere_including_signature_algorithms():
    plain = hello([0x1301], [0x002B, 0x000D])
    greased = ClientHello(plain.legacy_version, plain.random, plain.session_id,
                          (0x0A0A, 0x1301), (0,),
                          (ext.RawExtension(0x1A1A, b""), ext.SupportedVersions((0x2A2A, 0x0304)),
                           ext.SignatureAlgorithms((0x3A3A,) + SIGALGS)))
    assert ja4(greased) == ja4(plain)
    assert ja3_string(greased) == ja3_string(plain)


def test_no_signature_algorithms_means_no_underscore():
    bare = hello([0x002F], [0x000A])
    expected = "000a"
    assert ja4(bare).endswith("_" + hashlib.sha256(expected.encode()).hexdigest()[:12])


@pytest.mark.parametrize("protocols,expected", [
    ((b"h2",), "h2"), ((b"http/1.1",), "h1"), ((b"x",), "xx"), ((b"\xab\xcd",), "ad"),
    ((b"\xabz",), "aa"), ((b"",), "00"),
])
def test_alpn_characters(protocols, expected):
    made = ClientHello(0x0303, bytes(32), b"", (0x002F,), (0,), (ext.Alpn(protocols),))
    assert ja4(made)[8:10] == expected


def test_empty_lists_hash_to_zeros():
    made = ClientHello(0x0303, bytes(32), b"", (0x0A0A,), (0,), (), False)
    assert ja4(made) == "t12i000000_000000000000_000000000000"


def test_versions():
    assert ja4(hello([0x002F], [], 0x0300))[:3] == "ts3"
    assert ja4(ClientHello(0x0305, bytes(32), b"", (0x002F,), (0,)))[:3] == "t00"


def test_sslv2_has_no_fingerprints():
    from support.corpus import load_corpus
    java6 = next(s for s in load_corpus() if s.name == "java-6u45-sslv2")
    assert fingerprints(decode_client_hello(java6.data)).ja3 is None
