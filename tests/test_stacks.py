"""The server stacks as a whole (generator/stacks): one list, a package per entry, and issue
11's table — the Exchange 2019 hello against a P-384 certificate, stack by stack — reproduced
through the command line, each verdict proven by that stack's own library."""

from __future__ import annotations

import importlib
import io
import json

import yaml

from generator.cli import main
from generator.stacks import StackId, stacks
from support.site import ROOT

EXCHANGE = ROOT / "generator" / "compat" / "data" / "clients" / \
    "exchange-online-2019-reconstructed.yaml"


def test_one_list_of_stacks_and_a_package_for_each():
    """StackId names exactly the stacks of data/stacks.yaml, in its order; each has a
    package with an analyzer and a replayer, and the packages are exactly those."""
    listed = [entry["id"] for entry in yaml.safe_load(
        (ROOT / "generator" / "stacks" / "data" / "stacks.yaml").read_text(encoding="utf-8"))]
    assert listed == [s.value for s in StackId] == [s.id.value for s in stacks()]
    packages = sorted(p.parent.name for p in (ROOT / "generator" / "stacks").glob("*/analyzer.py"))
    assert packages == sorted(listed)
    for stack_id in listed:
        assert callable(importlib.import_module(f"generator.stacks.{stack_id}.analyzer").analyze)
        assert callable(importlib.import_module(f"generator.stacks.{stack_id}.replay").replayer)


def test_no_module_outside_the_stacks_decides_by_library():
    """Verdict logic lives in the stack packages: outside them nothing imports a stack's
    analyzer or facts by name (the OpenSSL reference's guide page and capture's handshake, both
    about that library itself, are the listed exceptions, with `tlskb cert`'s fetch, a client
    built on the reference's BIO helpers)."""
    allowed = {"generator/site/plugin.py", "generator/site/pages.py", "generator/net/capture.py",
               "generator/net/certfetch.py"}
    offenders = []
    for path in (ROOT / "generator").rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("generator/stacks/") or relative in allowed:
            continue
        text = path.read_text(encoding="utf-8")
        if any(f"generator.stacks.{s.value}" in text for s in StackId):
            offenders.append(relative)
    assert offenders == []


def test_the_issues_table_stack_by_stack():
    """`tlskb analyze --stack all --replay` on the Exchange 2019 sample: ec384 fails on OpenSSL
    and JSSE and proceeds on GnuTLS, Go and rustls (the client offered only secp256r1), with the
    signature each signs with; analyzer and replay agree on every stack and key type."""
    out, err = io.StringIO(), io.StringIO()
    code = main(["analyze", "--stack", "all", "--replay", "--json", str(EXCHANGE)], out, err)
    assert code == 0, err.getvalue()
    document = json.loads(out.getvalue())
    by_stack = document["stacks"]
    assert list(by_stack) == [s.id.value for s in stacks()]
    for stack_id, result in by_stack.items():
        for key_type, entry in result["key_types"].items():
            assert entry["replay"]["agrees"], (stack_id, key_type, entry["replay"])
    ec384 = {stack_id: result["key_types"]["ec384"] for stack_id, result in by_stack.items()}
    expected = {"openssl": "fail", "jsse": "fail", "gnutls": "proceeds", "go": "proceeds",
                "rustls": "proceeds"}
    assert {s: e["verdict"] for s, e in ec384.items()} == expected
    for stack_id in ("openssl", "jsse"):
        assert ec384[stack_id]["alert"] == 40 and ec384[stack_id]["replay"]["alert"] == 40
    signed = {s: ec384[s]["replay"]["signature_scheme"] for s in ("gnutls", "go", "rustls")}
    assert signed == {"gnutls": 0x0403, "go": 0x0403, "rustls": 0x0503}
    for stack_id in ("gnutls", "go", "rustls"):
        assert ec384[stack_id]["caveat_code"] == "curve_not_offered"
        assert ec384[stack_id]["replay"]["kind"] == "server_hello"
        assert ec384[stack_id]["group"] == 23  # secp256r1, the only group offered


def test_a_case_claims_per_stack_and_check_holds_it_to_the_replay():
    """stack_claims (the Exchange case claims ec384 proceeds on GnuTLS, Go and rustls and fails
    on JSSE): a claim the stack's replay contradicts is a problem at its line and column with
    what the sample does; the default stack's claims belong under outcomes; claims need
    samples."""
    from generator.cases.check import check_text
    case_file = ROOT / "cases" / "exchange-online-p384.yaml"
    text = case_file.read_text(encoding="utf-8")
    case, problems = check_text(text, case_file)
    assert problems == [] and case is not None
    wrong = text.replace("  gnutls: {ec384: proceeds,", "  gnutls: {ec384: fails,").replace(
        "  jsse: {ec384: fails, ec521: fails}", "  jsse: {ec384: fails, ec521: fails}\n"
        "  openssl: {ec384: fails}")
    _, problems = check_text(wrong, case_file)
    line = wrong[:wrong.index("ec384: fails,")].count("\n") + 1
    column = wrong.index("ec384: fails,") - wrong.rfind("\n", 0, wrong.index("ec384: fails,"))
    claim = next(p for p in problems if "on GnuTLS" in p.message)
    assert (claim.line, claim.column) == (line, column + len("ec384: "))
    assert claim.message.startswith("claims ec384 fails on GnuTLS, but sample "
                                    "'exchange-online-2019' proceeds: supported_groups lists")
    assert "replayed against GnuTLS 3.7.9" in claim.message and claim.hint == (
        "change the claim to proceeds, or check the sample")
    assert any(p.message.startswith("openssl is the default stack") for p in problems)
    documented = ROOT / "cases" / "gitlab-pages-rsa-only.yaml"
    text = documented.read_text(encoding="utf-8")
    text = text.replace("\nfix:", "\nstack_claims:\n  gnutls: {ec384: fails}\nfix:", 1)
    _, problems = check_text(text, documented)
    assert [p.message for p in problems] == ["stack_claims need samples to be checked against"]


def test_a_hello_in_one_byte_records_gets_the_same_answers_on_every_stack():
    """RFC 8446 §5.1 lets a client cut its hello into records of any size: the Exchange hello
    in 342 one-byte records is answered by every stack's library as the whole one is (the JSSE
    helper's step bound once cut it short and reported silence)."""
    from generator.compat.analyzer import analyze
    from generator.compat.clients import load_client
    from generator.compat.keytypes import catalogue
    from generator.compat.proof import disagreements
    from generator.compat.replay import replay
    from generator.tls.records import decode_client_hello, encode_records
    wire = decode_client_hello(load_client(EXCHANGE).raw)
    message = wire.hello.encode()
    cut = b"".join(encode_records(22, 0x0303, message[i:i + 1]) for i in range(len(message)))
    for stack in stacks():
        for key_type in catalogue().key_types:
            verdict = analyze(wire.hello, key_type, stack.id)
            outcome = replay(cut, key_type, stack.id)
            assert not disagreements(verdict, outcome), (stack.id, key_type.id,
                                                         outcome.describe())
