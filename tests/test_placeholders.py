"""Placeholder bytes (generator/compat/placeholders.py and check): a reconstructed sample is
also replayed with its placeholders changed, and an answer that moves with them is named."""

from __future__ import annotations

from generator.cases.check import check_text
from generator.compat.placeholders import Span, variants
from generator.tls import decode_client_hello
from generator.tls import extensions as ext
from support.site import ROOT

CASE = ROOT / "cases" / "exchange-online-p384.yaml"


def exchange_sample():
    case, problems = check_text(CASE.read_text(encoding="utf-8"), CASE, replay=False)
    assert not problems
    sample = case.samples[0]
    return sample, [Span(p.offset, p.length, p.field) for p in sample.provenance.placeholders]


def test_the_variants_change_exactly_the_placeholders():
    """Inverted: the same length, every placeholder byte different, every other byte equal.
    Emptied: the same hello (it decodes, every field equal) but for an empty ticket."""
    sample, spans = exchange_sample()
    inverted, emptied = variants(sample.raw, spans)
    covered = {i for s in spans for i in range(s.offset, s.offset + s.length)}
    assert len(inverted.raw) == len(sample.raw)
    assert all((a != b) == (i in covered)
               for i, (a, b) in enumerate(zip(sample.raw, inverted.raw)))
    original, empty = sample.wire.hello, decode_client_hello(emptied.raw).hello
    assert [e for e in empty.extensions if isinstance(e, ext.SessionTicket)] == [
        ext.SessionTicket(b"")]
    assert [e for e in empty.extensions if not isinstance(e, ext.SessionTicket)] == [
        e for e in original.extensions if not isinstance(e, ext.SessionTicket)]
    assert (empty.cipher_suites, empty.random) == (original.cipher_suites, original.random)
    assert len(sample.raw) - len(emptied.raw) == 218


def test_an_answer_that_moves_with_placeholder_bytes_is_named():
    """The real Exchange sample: no stack's answer depends on its zero ticket or random bytes.
    The same case claiming that its one supported group (secp256r1, 00 17) is a placeholder:
    inverted, the ECDSA key types lose their curve, and check names every stack and key type
    whose answer moved."""
    text = CASE.read_text(encoding="utf-8")
    case, problems = check_text(text, CASE)
    assert not problems and case.placeholder_effects == ()
    sample, _ = exchange_sample()
    groups_at = sample.raw.index(bytes.fromhex("000a000400020017")) + 6
    edited = text.replace(
        '        - {offset: 39, length: 4,',
        f'        - {{offset: {groups_at}, length: 2, field: "the supported group"}}\n'
        '        - {offset: 39, length: 4,')
    case, problems = check_text(edited, CASE)
    assert not problems
    moved = {(e.split(", ")[0], e.split(", ")[1]) for e in case.placeholder_effects}
    assert ("OpenSSL", "ec256") in moved and ("OpenSSL", "rsa2048") in moved
    assert all("with placeholder bytes inverted (the supported group" in e
               for e in case.placeholder_effects)
