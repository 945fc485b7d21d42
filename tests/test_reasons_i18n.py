"""The analyzers' reasons are messages (generator/i18n.py `reason()`), not English f-strings:
every reason and caveat they give for the project's ClientHellos — the recorded clients, the
cases' samples and hellos built to reach the rarer refusals — renders in Japanese from the
catalogue (generator/locale/ja/LC_MESSAGES/reasons.po) with the same protocol names, while
`Verdict.reason`, `Verdict.caveat` and the English `summary()` stay the English text they
always were. A source scan keeps new reasons from being written as plain strings again."""

from __future__ import annotations

import ast
import random
import re
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
import yaml

from generator import i18n
from generator.compat.keytypes import catalogue
from generator.compat.verdict import Verdict, listed
from generator.i18n import Domain, Message, using
from generator.languages import Language
from generator.stacks import StackId, analyzer
from generator.tls import decode_client_hello
from generator.tls import extensions as ext
from generator.tls.registry import cipher_suite_name, group_name, signature_scheme_name, version_name
from support.corpus import load_corpus
from support.hellos import client_hello

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "generator"
KEY_TYPES = catalogue().key_types
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")  # kana and kanji
GREASE = 0x1A1A


# -- the hellos ---------------------------------------------------------------------------------

def _case_samples() -> Iterator[tuple[str, bytes]]:
    for path in sorted(ROOT.glob("cases/*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for sample in data.get("samples") or ():
            yield f"case:{path.stem}:{sample['id']}", bytes.fromhex("".join(sample["hex"].split()))


def _synthetic() -> Iterator[tuple[str, object]]:
    """Hellos that reach refusals no recorded client triggers (a seeded sample over the fields
    the analyzers read, and one odd extension each on a TLS 1.3 and a TLS 1.2 hello)."""
    rng = random.Random(8446)
    suites = [(0x1301, 0x1302, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0x009C, 0x002F),
              (0xC02F,), (0xC02B,), (0x002F, 0x0035), (0x0033, 0x009E), (0x0005,), (0x1301,),
              (0x1304,), (0x1301, 0xC02B, 0x5600), (GREASE,), (0xC023, 0x003C),
              tuple(range(0xC001, 0xC020))]
    versions = [None, (0x0304, 0x0303), (0x0304,), (0x0303,), (0x0302, 0x0301), (0x7F1C,),
                (GREASE,)]
    groups = [None, (0x001D, 0x0017, 0x0018), (0x0017,), (0x0019,), (0x0100,), (GREASE,), (),
              (0x001D, 0x0017, 0x0018, 0x0019, 0x001E, 0x0100, 0x0101, 0x11EC)]
    sigalgs = [None, (0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0807),
               (0x0201, 0x0203), (0x0808,), (0x0403,), (0x0804,), (0x0401,), (), (GREASE,)]
    shares = [None, (), (0x001D,), (0x0017,), (0x0100,), (0x001D, 0x0017)]
    for index in range(600):
        share = rng.choice(shares)
        yield f"synthetic#{index}", client_hello(
            rng.choice(suites), version=rng.choice([0x0303, 0x0301, 0x0300, 0x0200, 0x0304]),
            groups=rng.choice(groups), sigalgs=rng.choice(sigalgs), versions=rng.choice(versions),
            key_shares=share, point_formats=rng.choice([None, (0,), (1,), ()]),
            sigalgs_cert=rng.choice([None, None, (0x0401,), (0x0503,)]),
            compression=rng.choice([(0,), (0,), (0,), (1,), ()]),
            invalid_shares=share[:1] if share and rng.random() < 0.2 else ())
    names = lambda *n: ext.ServerName(tuple(ext.ServerNameEntry(0, name) for name in n))  # noqa: E731
    psk = ext.PreSharedKey((ext.PskIdentity(b"id", 0),), (bytes(32),))
    extras = [(names(b""),), (names(b"a.example", b"b.example"),), (names(b"a.example."),),
              (names(b"a b.example"),), (names(b"x" * 300),), (names(b"\xe4.jp"),),
              (ext.ServerName((ext.ServerNameEntry(1, b"x"),)),), (ext.MaxFragmentLength(7),),
              (ext.RecordSizeLimit(10),), (ext.RenegotiationInfo(b"x" * 12),),
              (ext.RawExtension(22, b"\x01"),), (ext.RawExtension(23, b"\x01"),),
              (psk, ext.EmptyExtension(23)), (psk,), (ext.RawExtension(5, b"\x01"),),
              (ext.Alpn(()),), (ext.Alpn((b"",)),), (ext.EcPointFormats(()),),
              (ext.EmptyExtension(42),), (ext.Padding(b""), ext.Padding(b""))]
    for index, extra in enumerate(extras):
        for version, shares_ in (((0x0304, 0x0303), (0x001D,)), (None, None)):
            yield f"extension#{index}:{version}", client_hello(
                suites[0], groups=groups[1], sigalgs=sigalgs[1], versions=version,
                key_shares=shares_, point_formats=(0,), extra=extra)
    tls13 = dict(groups=(0x001D,), sigalgs=(0x0804,), versions=(0x0304,), key_shares=(0x001D,))
    targeted = [  # each reaches a refusal the sample above misses
        client_hello((0x1301,), **tls13, extra=(ext.StatusRequest(5, other_request=b"zz"),)),
        client_hello((0x1301,), **tls13, invalid_shares=(0x001D,)),
        client_hello((0x1301,), **tls13, compression=(1, 0)),
        client_hello((0x1301,), groups=(0x001D, 0x0017), sigalgs=(0x0403,), versions=(0x0304,),
                     key_shares=(0x0017, 0x0017)),
        client_hello(suites[0], groups=(0x0019,), sigalgs_cert=(0x0807,), versions=(0x0304,),
                     key_shares=(0x001D,)),
        client_hello((0x1302, 0x1301, 0xC013), sigalgs=(0x0809,), versions=(0x7F1C, 0x0304),
                     extra=(ext.EmptyExtension(23),)),
        client_hello((0xC013, 0x1303, 0xC02C), sigalgs=(0x0804, 0x0403), key_shares=(),
                     versions=(0x0304, 0x0303), sigalgs_cert=(GREASE,)),
        client_hello((0x1301,), version=0x0301, groups=(0x0100,), sigalgs=sigalgs[1],
                     versions=(0x0303, 0x0304), key_shares=(0x0100,), invalid_shares=(0x0100,)),
        client_hello((0x1303,), versions=(0x0304, 0x0303)),
        client_hello((0x1302,), groups=(0x0016, 0x0102), sigalgs=(0x0401,), versions=(0x0304,),
                     key_shares=()),
        client_hello((0xC012, 0xC009), groups=(0x001D, 0x0018, 0x0017), sigalgs=(0x0601, 0x0804),
                     point_formats=(0,)),
    ]
    for index, hello in enumerate(targeted):
        yield f"targeted#{index}", hello


@cache
def hellos() -> tuple[tuple[str, object], ...]:
    found = [(f"client:{s.name}", decode_client_hello(s.data).hello) for s in load_corpus()]
    found += [(label, decode_client_hello(raw).hello) for label, raw in _case_samples()]
    return tuple(found + list(_synthetic()))


@cache
def verdicts() -> tuple[tuple[str, Verdict], ...]:
    """Every (label, verdict) of the hellos × stacks × key types, made while Japanese is the
    active language (which must not change a verdict's English fields)."""
    made = []
    with using(Language.JA):
        for label, hello in hellos():
            for stack in StackId:
                for key_type in KEY_TYPES:
                    made.append((f"{label} × {stack.value} × {key_type.id}",
                                 analyzer(stack)(hello, key_type)))
    return tuple(made)


def messages() -> dict[tuple, tuple[str, Message]]:
    """One verdict message per distinct shape (template and the templates of its parts)."""
    found: dict[tuple, tuple[str, Message]] = {}
    for label, verdict in verdicts():
        for message in (verdict.reason_message, verdict.caveat_message):
            if message is not None:
                found.setdefault(_shape(message), (label, message))
    return found


def _shape(message: Message) -> tuple:
    return (message.template,) + tuple(_shape(v) if isinstance(v, Message) else type(v).__name__
                                       for _, v in message.params)


def _parts(message: Message) -> Iterator[Message]:
    yield message
    for _, value in message.params:
        if isinstance(value, Message):
            yield from _parts(value)


def _leaves(message: Message) -> Iterator[str]:
    for _, value in message.params:
        if isinstance(value, Message):
            yield from _leaves(value)
        else:
            yield str(value)


# -- the rendered messages ----------------------------------------------------------------------

def test_every_code_and_both_caveats_are_reached():
    """The hellos reach (nearly) every refusal the analyzers have, so the tests below see their
    messages: every one of the 125 (stack, code) pairs the analyzers raise today, and both
    caveats on every stack that has them."""
    codes = {(label.split(" × ")[1], v.reason_code) for label, v in verdicts() if v.reason_code}
    caveats = {(label.split(" × ")[1], v.caveat_code) for label, v in verdicts() if v.caveat_code}
    assert len(codes) >= 125, sorted(codes)
    assert len(caveats) == 7, sorted(caveats)  # GnuTLS, Go, rustls: both; JSSE: signature only


def test_english_fields_are_the_english_rendering():
    for label, verdict in verdicts():
        assert verdict.reason == (verdict.reason_message.render(Language.EN)
                                  if verdict.reason_message else None), label
        assert verdict.caveat == (verdict.caveat_message.render(Language.EN)
                                  if verdict.caveat_message else None), label
        assert (verdict.reason is None) == verdict.ok, label
        assert (verdict.caveat is None) == (verdict.caveat_code is None), label
        assert not JAPANESE.search(verdict.reason or verdict.caveat or ""), label


def test_every_message_renders_in_japanese_keeping_its_names():
    found = messages()
    assert len(found) > 150
    for label, message in found.values():
        english, japanese = message.render(Language.EN), message.render(Language.JA)
        for part in _parts(message):
            if part.template == i18n.VERBATIM:
                continue
            translated = i18n.translations(Language.JA, Domain.REASONS).gettext(part.template)
            assert translated != part.template, f"{label}: untranslated {part.template!r}"
            assert JAPANESE.search(translated), f"{label}: {translated!r} is not Japanese"
        assert JAPANESE.search(japanese) and not JAPANESE.search(english), label
        for value in _leaves(message):
            assert value in english and value in japanese, (label, value, japanese)


def test_protocol_names_survive_translation():
    """The names a reason quotes (versions, groups, suites, schemes) read the same in both
    languages: each one the English names, the Japanese names too."""
    names = {version_name(v) for v in (0x0301, 0x0302, 0x0303, 0x0304)}
    names |= {group_name(g) for g in (0x0017, 0x0018, 0x0019, 0x001D, 0x0100)}
    names |= {signature_scheme_name(s) for s in (0x0401, 0x0403, 0x0503, 0x0804, 0x0807)}
    names |= {cipher_suite_name(s) for s in (0x1301, 0xC02B, 0xC02F, 0x002F)}
    seen = set()
    for label, message in messages().values():
        english, japanese = message.render(Language.EN), message.render(Language.JA)
        for name in names:
            if re.search(rf"(?<![\w.]){re.escape(name)}(?![\w.])", english):
                seen.add(name)
                assert name in japanese, (label, name, japanese)
    assert len(seen) > 10


def test_summary_follows_the_active_language():
    for label, verdict in verdicts():
        english = verdict.summary()
        assert english == _summary_before_messages(verdict), label
        with using(Language.JA):
            japanese = verdict.summary()
        if not verdict.ok:
            assert japanese == verdict.reason_message.render(Language.JA), label
        elif verdict.caveat_message is not None:
            assert japanese.endswith("。ただし、" + verdict.caveat_message.render(Language.JA))
        elif verdict.hello_retry_request:
            assert group_name(verdict.group) + "（HelloRetryRequest 後）" in japanese, label
            assert "(after HelloRetryRequest)" in english, label
        else:
            assert japanese == english, label


def _summary_before_messages(verdict: Verdict) -> str:
    """Verdict.summary() as it was written before reasons were messages (English only)."""
    if not verdict.ok:
        return verdict.reason or verdict.reason_code or "fails"
    parts = [version_name(verdict.version), cipher_suite_name(verdict.cipher_suite)]
    if verdict.group is not None:
        parts.append(group_name(verdict.group) + (" (after HelloRetryRequest)"
                                                  if verdict.hello_retry_request else ""))
    if verdict.signature_scheme is not None:
        parts.append(signature_scheme_name(verdict.signature_scheme))
    text = ", ".join(parts)
    return f"{text}; but {verdict.caveat}" if verdict.caveat else text


def test_a_failure_without_a_reason_says_fails():
    assert Verdict("rsa2048", False).summary() == "fails"
    with using(Language.JA):
        assert Verdict("rsa2048", False).summary() == "失敗"
    assert Verdict("rsa2048", False, reason_code="no_common_group").summary() == "no_common_group"


@pytest.mark.parametrize("values, english, japanese", [
    ((0x001D, 0x0017), "x25519, secp256r1", "x25519, secp256r1"),
    ((GREASE, 0x2A2A), "nothing but GREASE", "GREASE のみ"),
    ((GREASE, 0x0017, 0x0018, 0x0019, 0x001D, 0x001E, 0x0100, 0x0101),
     "secp256r1, secp384r1, secp521r1, x25519, x448, ffdhe2048 and 1 more",
     "secp256r1, secp384r1, secp521r1, x25519, x448, ffdhe2048 ほか 1 件"),
])
def test_listed_is_a_message(values, english, japanese):
    message = listed(values, group_name)
    assert isinstance(message, Message)
    assert message.render(Language.EN) == english
    assert message.render(Language.JA) == japanese


def test_the_reasons_catalogue_is_complete():
    """tools/messages.py --check for the reasons domain: nothing missing, stale, untranslated,
    fuzzy, or with other placeholders than the English."""
    sys.path.insert(0, str(ROOT / "tools"))
    import messages as tool
    assert tool.problems(Language.JA, Domain.REASONS) == []


# -- the source: no reason written as a plain string ----------------------------------------------

#: where reasons are made: the analyzers, the Go parser's refusals, the verdict itself
SOURCES = sorted([*GENERATOR.glob("stacks/*/analyzer.py"), GENERATOR / "stacks/go/clienthello.py",
                  GENERATOR / "compat/verdict.py"])
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


class _Scan:
    """What a module does with reasons: every refusal's reason, every caveat, every `reason()`
    call; `problems` lists what is not a message made by `reason()`."""

    def __init__(self, source: str, where: str) -> None:
        self.tree, self.where, self.problems = ast.parse(source), where, []
        self.refusals, self.messages, self.reasons = set(), set(), set()
        self.checked = 0  # refusals whose reason was looked at
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom) and node.module == "generator.compat.verdict":
                for alias in node.names:
                    local = alias.asname or alias.name
                    if alias.name in ("Refusal", "fixable", "unfixable"):
                        self.refusals.add(local)
                    elif alias.name == "listed":
                        self.messages.add(local)
            elif isinstance(node, ast.ImportFrom) and node.module == "generator.i18n":
                for alias in node.names:
                    if alias.name == "reason":
                        self.reasons.add(alias.asname or alias.name)
                    elif alias.name == "verbatim":
                        self.messages.add(alias.asname or alias.name)
            elif isinstance(node, ast.FunctionDef) and node.returns is not None:
                if ast.unparse(node.returns) in ("Message", "'Message'"):
                    self.messages.add(node.name)  # a helper that returns a message
        if "Refusal" in {n.name for n in self.tree.body if isinstance(n, ast.ClassDef)}:
            self.refusals |= {"Refusal", "fixable", "unfixable"}
            self.messages.add("listed")
        self._check()

    def _problem(self, node: ast.AST, what: str) -> None:
        self.problems.append(f"{self.where}:{node.lineno}: {what}: {ast.unparse(node)[:100]}")

    def _check(self) -> None:
        enclosing: dict[ast.AST, ast.AST] = {}
        for function in ast.walk(self.tree):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(function):
                    enclosing[node] = function  # the innermost one wins: walked later
        for node in ast.walk(self.tree):
            function = enclosing.get(node, self.tree)
            if (isinstance(node, ast.Tuple) and len(node.elts) == 2
                    and ast.unparse(node.elts[0]).startswith("Caveat.")
                    and not self._is_message(node.elts[1], function)):
                self._problem(node.elts[1], "a caveat that is not a message")
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            name = node.func.id
            if name in self.reasons:
                self._check_reason_call(node)
            elif name in self.refusals:
                self.checked += 1
                because = (node.args[1] if len(node.args) > 1 else
                           next((k.value for k in node.keywords if k.arg == "because"), None))
                if because is None or not self._is_message(because, function):
                    self._problem(because or node, "a reason that is not a message")
            elif name == "Verdict":
                for keyword in node.keywords:
                    if keyword.arg in ("reason", "caveat"):
                        self._problem(keyword.value, f"{keyword.arg}= is English text")
                    if keyword.arg == "caveat_message" and isinstance(
                            keyword.value, (ast.Constant, ast.JoinedStr, ast.BinOp)):
                        self._problem(keyword.value, "a caveat that is not a message")
            elif name == "Refused" and node.args and not (
                    self._is_message(node.args[0], function) or _field_name(node.args[0])):
                self._problem(node.args[0], "a parser refusal that is not a message")
        self.problems.sort(key=lambda line: int(line.split(":")[1]))

    def _check_reason_call(self, node: ast.Call) -> None:
        if not node.args or not (isinstance(node.args[0], ast.Constant)
                                 and isinstance(node.args[0].value, str)):
            self._problem(node, "reason() needs a literal template (the catalogue's id)")
            return
        wanted = set(PLACEHOLDER.findall(node.args[0].value))
        given = {k.arg for k in node.keywords}
        if wanted != given:
            self._problem(node, f"placeholders {sorted(wanted)} but parameters {sorted(given)}")

    def _is_message(self, node: ast.AST, function: ast.AST) -> bool:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return node.func.id in self.reasons | self.messages
        if isinstance(node, ast.IfExp):
            return self._is_message(node.body, function) and self._is_message(node.orelse, function)
        if isinstance(node, ast.Name):
            values = [a.value for a in ast.walk(function) if isinstance(a, ast.Assign)
                      and any(isinstance(t, ast.Name) and t.id == node.id for t in a.targets)]
            annotated = any(isinstance(a, ast.AnnAssign) and isinstance(a.target, ast.Name)
                            and a.target.id == node.id and "Message" in ast.unparse(a.annotation)
                            for a in ast.walk(function))
            arguments = [a for a in ast.walk(function) if isinstance(a, ast.arg)
                         and a.arg == node.id and a.annotation is not None
                         and "Message" in ast.unparse(a.annotation)]
            if not values:
                return annotated or bool(arguments)
            return all(self._is_message(value, function) for value in values)
        if isinstance(node, ast.Attribute):  # a refusal passed on (refused.what, stop.because)
            return node.attr in ("because", "what")
        return False


def _field_name(node: ast.AST) -> bool:
    """A ClientHello field's own name ("cipher_suites"), which reads the same in every language."""
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)
            and re.fullmatch(r"[a-z_]+", node.value) is not None)


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(GENERATOR)) for p in SOURCES])
def test_no_reason_is_a_plain_string(path):
    scan = _Scan(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert scan.problems == []
    if path.name == "analyzer.py":
        assert scan.checked >= 15  # the scan knows the module's names for its refusals


def test_the_scan_finds_plain_strings():
    """The scan above can fail: each way of writing a reason as English text is caught."""
    source = '''
from generator.compat.verdict import Caveat, listed as _names, unfixable as _unfixable, Verdict
from generator.i18n import reason


def a(code):
    raise _unfixable("x", f"extension {code} appears twice", 47, "f")


def b():
    raise _unfixable("x", "plain English", 47, "f")


def c(groups):
    what = "supported_groups is absent" if groups is None else reason("lists %(g)s", g=groups)
    raise _unfixable("x", what, 40, "f")


def d(key_type):
    return Verdict(key_type.id, True, caveat_code=Caveat.CURVE_NOT_OFFERED, caveat="English")


def e(groups):
    return (Caveat.CURVE_NOT_OFFERED, "supported_groups lists " + str(groups))


def f(version):
    raise _unfixable("x", reason("legacy_version is %(version)s", code=version), 70, "f")


def g(version):
    raise _unfixable("x", reason("legacy_version is %(version)s", version=version), 70, "f")
'''
    problems = _Scan(source, "example.py").problems
    assert [p.split(":")[1] for p in problems] == ["7", "11", "16", "20", "24", "28"], problems
