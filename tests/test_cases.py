"""Case files: the real ones pass `tlskb check`; defective ones fail with exactly the expected
messages (file:line:column, what is wrong, how to fix it); `tlskb new` scaffolds valid cases."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from generator.stacks import DEFAULT
import yaml
from jsonschema import Draft202012Validator

from generator.cases.check import check_paths
from generator.stacks.openssl.facts import PINNED_CRYPTOGRAPHY, PINNED_OPENSSL
from generator.cli import main
from generator.tls import decode_client_hello

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "data" / "bad-cases"
SCHEMA = ROOT / "cases" / "case.schema.json"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def report():
    return check_paths([ROOT / "cases"])


def test_every_real_case_passes(report):
    assert report.problems == ()
    ids = {case.id for case in report.cases}
    assert {"exchange-online-p384", "gitlab-pages-rsa-only", "adfs-ecdsa"} <= ids
    assert len(ids) >= 8 and report.files == len(ids)


def test_replayed_cases_carry_their_proof(report):
    replayed = [case for case in report.cases if case.replayed]
    assert len(replayed) >= 4
    for case in replayed:
        assert case.replayed_against and case.replayed_against.startswith(
            f"OpenSSL {PINNED_OPENSSL} (pinned reference, cryptography {PINNED_CRYPTOGRAPHY})")
        for result in case.results:
            if case.outcome(result.key_type).basis == "documented" and result.stack is DEFAULT:
                assert result.replay is None   # the analyzer's word beside a documented rule
                continue
            assert result.replay is not None and result.replay.ok == result.verdict.ok


def test_every_case_file_starts_with_the_schema_modeline():
    for path in (ROOT / "cases").glob("*.yaml"):
        assert path.read_text().splitlines()[0] == \
            "# yaml-language-server: $schema=case.schema.json", path


def test_schema_is_valid_and_documents_every_field():
    schema = json.loads(SCHEMA.read_text())
    Draft202012Validator.check_schema(schema)

    def walk(node, where):
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                documented = "description" in sub or ("$ref" in sub and "description" in
                                                      schema["$defs"][sub["$ref"].split("/")[-1]])
                assert documented, f"{where}.{name} has no description"
            for key, value in node.items():
                if key not in ("if", "then"):  # conditions, not field declarations
                    walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for item in node:
                walk(item, where)
    walk(schema, "schema")


def test_defective_cases_report_exactly_what_is_expected():
    code, out, err = run("check", str(BAD.relative_to(ROOT)))
    expected = (BAD / "EXPECTED.txt").read_text()
    assert code == 1
    assert out == expected
    assert re.fullmatch(r"tlskb: \d+ problem\(s\) in 26 file\(s\); 26 case file\(s\) checked\n",
                        err)
    assert "Traceback" not in out + err


@pytest.mark.parametrize("name,fragment", [
    ("syntax-error", "YAML syntax error"), ("wrong-types", "should be a list, not a number"),
    ("unknown-field", "unknown field 'your_sid'"), ("bad-hex", "is not a hex digit"),
    ("truncated-sample", "record of length 157 is truncated"),
    ("id-mismatch", "does not match the file name"), ("path-like-id", "ids are lowercase"),
    ("claim-contradicts-replay", "claims ec384 works, but sample"),
    ("python-tag", "python/object/apply:os.system is not allowed"),
    ("alias-bomb", "anchors and aliases are refused"), ("empty", "the file is empty"),
    ("attribute-syntax", "title: attribute syntax '{: autofocus tabindex=0 onfocus=alert(1) }'"),
    ("attribute-syntax", "status.note: attribute syntax '{: onmouseover=alert(1) }'"),
    ("unsafe-links", "link to 'javascript:alert(1)' (written '&#106;avascript:alert(1)')"),
    ("unsafe-links", "link to 'javascript:alert(1)' (written 'javascript&colon;alert(1)')"),
    ("unsafe-links", "symptoms.0.where: link to 'javascript:alert(1)'"),
    ("unsafe-links", "samples.0.client: link to 'JaVaScRiPt:alert(1)'"),
    ("unsafe-links", "outcomes.ec384.note: link to 'vbscript:msgbox(1)'"),
    ("unsafe-links", "fix.summary: link to '//evil.example/'"),
    ("unsafe-links", "fix.server: link to 'javascript:alert(1)'"),
    ("control-characters", "fix.acme_clients.lego: control character U+0000"),
    ("control-characters", "symptoms.0.text: control character U+001B"),
    ("deep-nesting", "values are nested more than 20 levels deep"),
    ("huge-number", "a number of 5000 characters"),
    ("symlink-outside", "symbolic link (to /etc/passwd); it is refused, not followed"),
    ("symlink-to-yaml", "symbolic link (to ../../../mkdocs.yml); it is refused, not followed"),
])
def test_each_defect_named_by_the_issue(name, fragment):
    expected = (BAD / "EXPECTED.txt").read_text()
    lines = [line for line in expected.splitlines() if f"/{name}.yaml:" in line]
    assert lines and any(fragment in line for line in lines)


def test_duplicate_ids_across_directories():
    report = check_paths([BAD / "duplicate-ids" / "a", BAD / "duplicate-ids" / "b"])
    assert [p.message for p in report.problems] == [
        f"id 'same-id' is already used by {BAD / 'duplicate-ids' / 'a' / 'same-id.yaml'}"]


def test_oversized_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text("id: huge\n" + "# padding\n" * 30000)
    (tmp_path / "case.schema.json").write_text(SCHEMA.read_text())
    report = check_paths([path])
    assert "case files are at most 262144" in report.problems[0].message


def test_exchange_reconstruction_matches_the_published_lengths():
    """The blog post printed record length 346, handshake 342 and extensions 269; the
    reconstruction reproduces them, and its placeholders are the zero bytes it declares."""
    case = yaml.safe_load((ROOT / "cases" / "exchange-online-p384.yaml").read_text())
    sample = case["samples"][0]
    data = bytes.fromhex("".join(sample["hex"].split()))
    wire = decode_client_hello(data)
    assert wire.records[0].length == 346
    assert wire.handshake_length == 342
    assert len(b"".join(e.encode() for e in wire.hello.extensions)) == 269
    for placeholder in sample["provenance"]["placeholders"]:
        start = placeholder["offset"]
        assert data[start:start + placeholder["length"]] == bytes(placeholder["length"])
    hello = wire.hello
    assert hello.supported_groups == (0x0017,)
    assert hello.cipher_suites[:2] == (0xC02C, 0xC02B) and len(hello.cipher_suites) == 16
    assert hello.signature_algorithms == (0x0401, 0x0501, 0x0201, 0x0403, 0x0503, 0x0203, 0x0202,
                                          0x0601, 0x0603)
    assert hello.random[:28].hex() == ("5de27a6ca121e22b2abd6df1ee9ac689fe51042ccbfc99bc"
                                       "0beea610")


def test_new_scaffolds_a_case_that_check_completes(tmp_path):
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "case.schema.json").write_text(SCHEMA.read_text())
    capture = ROOT / "tests" / "data" / "captures" / "loopback-clients.pcap"
    code, out, _ = run("new", "loopback-openssl", "--from", str(capture), "--dir", str(cases),
                       "--max-samples", "1")
    assert code == 0 and "fill in every TODO" in out
    path = cases / "loopback-openssl.yaml"
    text = path.read_text()
    # the capture's first hello is aria2's (GnuTLS 3.7 with TLS 1.3 only)
    assert ("# supported_groups: secp256r1, secp384r1, secp521r1, x25519, x448, ffdhe2048"
            in text and "  ec384: works" in text)
    code, out, _ = run("check", str(path))
    assert code == 1 and "still says TODO" in out
    filled = text.replace("tags: [TODO]", "tags: [openssl]")
    filled = re.sub(r"TODO[^\n\"]*", "Written by the test to stand for real prose here", filled)
    filled = filled.replace("https://Written by the test to stand for real prose here",
                            "https://example.org/source")
    path.write_text(filled)
    code, out, _ = run("check", str(path))
    assert code == 0, out
    assert run("new", "loopback-openssl", "--dir", str(cases))[2].endswith("already exists; "
                                                                           "choose another id or "
                                                                           "edit that file\n")
    assert "is not a case id" in run("new", "Bad_Id", "--dir", str(cases))[2]


def test_symlinks_are_refused_not_followed(tmp_path):
    """A link to a file outside the repository is not read (so not published), and a link to
    another YAML file does not leak that file's keys into the messages."""
    (tmp_path / "case.schema.json").write_text(SCHEMA.read_text())
    secret = tmp_path.parent / f"{tmp_path.name}-elsewhere.yaml"
    secret.write_text("secret_key_name: the contents of a file outside the knowledge base\n")
    (tmp_path / "outside.yaml").symlink_to(secret)
    (tmp_path / "other-yaml.yaml").symlink_to(ROOT / "mkdocs.yml")
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "nowhere.yaml")
    code, out, err = run("check", str(tmp_path))
    assert code == 1 and "Traceback" not in out + err
    assert out.splitlines() == [
        f"{tmp_path / name}:1:1: the file is a symbolic link (to {target}); it is refused, not "
        "followed (put the case itself in the file)"
        for name, target in sorted([("outside.yaml", secret), ("other-yaml.yaml",
                                    ROOT / "mkdocs.yml"), ("dangling.yaml",
                                                           tmp_path / "nowhere.yaml")])]
    assert "secret_key_name" not in out and "contents" not in out
    assert "site_name" not in out and "theme" not in out
    # named on the command line, a link is refused the same way
    assert run("check", str(tmp_path / "outside.yaml"))[1].startswith(
        f"{tmp_path / 'outside.yaml'}:1:1: the file is a symbolic link")


def test_what_is_not_a_regular_file_is_refused_without_reading_it(tmp_path):
    """A FIFO named like a case would block a reader forever; a directory cannot be read."""
    import os
    (tmp_path / "case.schema.json").write_text(SCHEMA.read_text())
    os.mkfifo(tmp_path / "fifo.yaml")
    (tmp_path / "folder.yaml").mkdir()
    code, out, _ = run("check", str(tmp_path))
    assert code == 1 and out.splitlines() == [
        f"{tmp_path / name}:1:1: not a regular file (case files are plain .yaml files)"
        for name in ("fifo.yaml", "folder.yaml")]


@pytest.mark.parametrize("value,message", [
    ("[" * 497 + "]" * 497, "values are nested more than 20 levels deep here"),
    ("{a: " * 300 + "b" + "}" * 300, "values are nested more than 20 levels deep here"),
    ("9" * 5000, "a number of 5000 characters; numbers in case files have at most 20"),
    ("-0x" + "f" * 100000, "a number of 100003 characters"),
    ("1:" * 20000 + "1", "a number of 40001 characters"),
    ("0b_", "'0b_' looks like a number but is not one"),
])
def test_deep_values_and_long_numbers_are_one_line_each(tmp_path, value, message):
    """RecursionError and Python's int-size ValueError reached the user as tracebacks."""
    (tmp_path / "case.schema.json").write_text(SCHEMA.read_text())
    (tmp_path / "x.yaml").write_text(f"id: x\ntitle: {value}\n")
    code, out, err = run("check", str(tmp_path / "x.yaml"))
    assert code == 1 and "Traceback" not in out + err
    assert out.startswith(f"{tmp_path / 'x.yaml'}:2:") and message in out


def test_text_problems_are_capped_per_field(tmp_path):
    """40,000 attribute lists in one field: ten are located, the rest counted (locating each
    scans the field, so an uncapped list would cost the square of the file's size)."""
    text = (ROOT / "cases" / "linode-nodebalancer-rsa-only.yaml").read_text()
    (tmp_path / "case.schema.json").write_text(SCHEMA.read_text())
    cause = "  " + "{#a} " * 40000 + "\n"
    path = tmp_path / "x.yaml"
    path.write_text(text.replace("id: linode-nodebalancer-rsa-only", "id: x").replace(
        "cause: |\n", "cause: |\n" + cause, 1))
    code, out, _ = run("check", str(path))
    lines = [line for line in out.splitlines() if ": cause: " in line]
    located = [line for line in lines if "attribute syntax '{#a}'" in line]
    assert code == 1 and len(lines) == 11 and len(located) == 10
    assert located[0].startswith(f"{path}:31:3: cause: ") and f"{path}:31:48: " in located[9]
    # the 40,000 more, and the paragraph too long for Markdown (200,000 characters)
    assert f"{path}:30:8: cause: 39991 more like these (fix the ones above and run tlskb check " \
           "again)" in lines


# -- nothing from a case file reaches the terminal raw ------------------------------------------

#: an extra key that clears the screen, sets the terminal's title and prints a fake verdict
HOSTILE_KEY = r'"\e[2J\e]0;owned\a\e[31mFAKE: all cases OK\e[0m": 1'


def controls_in(data: bytes) -> list[bytes]:
    """Every byte under 0x20 except the newline, as `cat -v` would show them: what a terminal
    would act on."""
    return re.findall(rb"[\x00-\x09\x0b-\x1f\x7f]", data)


def tlskb_check(*paths: Path) -> subprocess.CompletedProcess:
    """The real command, its output captured as bytes (not a terminal)."""
    return subprocess.run([sys.executable, "-m", "generator", "check", *map(str, paths)],
                          capture_output=True, timeout=300, cwd=ROOT)


def test_check_prints_no_control_character_from_a_key_or_a_file_name(tmp_path):
    """An ESC/OSC key and an ESC in a file name reached stdout raw (F5): every problem line is
    escaped, and still names the key and the file."""
    (tmp_path / "case.schema.json").write_text(SCHEMA.read_text())
    text = (ROOT / "cases" / "linode-nodebalancer-rsa-only.yaml").read_text()
    keyed = tmp_path / "x.yaml"
    keyed.write_text(text.replace("id: linode-nodebalancer-rsa-only", "id: x")
                     + HOSTILE_KEY + "\n")
    green = tmp_path / "\x1b[32mgreen.yaml"
    green.write_text(text)
    result = tlskb_check(keyed, green)
    assert result.returncode == 1 and b"Traceback" not in result.stdout + result.stderr
    assert controls_in(result.stdout) == controls_in(result.stderr) == []
    out = result.stdout.decode()
    assert f"{keyed}:66:1: unknown field '\\x1b[2J\\x1b]0;owned\\x07\\x1b[31mFAKE: all cases " \
           "OK\\x1b[0m' in the case" in out
    assert f"{tmp_path}/\\x1b[32mgreen.yaml:2:5: id 'linode-nodebalancer-rsa-only' does not " \
           "match the file name '\\x1b[32mgreen.yaml'" in out


def test_checks_progress_line_escapes_the_file_name(tmp_path):
    """On a terminal check shows which file it is on: the name is escaped like the rest."""
    (tmp_path / "case.schema.json").write_text(SCHEMA.read_text())
    text = (ROOT / "cases" / "gitlab-pages-rsa-only.yaml").read_text()
    name = "\x1b]0;owned\x07\x1b[2Jx"
    (tmp_path / f"{name}.yaml").write_text(text.replace("id: gitlab-pages-rsa-only", "id: x"))

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out, err = io.StringIO(), Terminal()
    assert main(["check", str(tmp_path)], out, err) == 1
    shown = err.getvalue().replace("\r\x1b[K", "\n")   # the progress line's own controls
    assert "checking 1/1: \\x1b]0;owned\\x07\\x1b[2Jx (decoding" in shown
    assert controls_in(shown.encode()) == controls_in(out.getvalue().encode()) == []


@pytest.mark.parametrize("url", ["https://[", "https://[x]", "http://[::1", "https://a.b:99999/"])
def test_an_address_urlsplit_refuses_is_a_problem_not_a_traceback(tmp_path, url):
    """`https://[` passes the schema's `^https?://` and made urlsplit raise (F4)."""
    (tmp_path / "case.schema.json").write_text(SCHEMA.read_text())
    text = (ROOT / "cases" / "linode-nodebalancer-rsa-only.yaml").read_text()
    path = tmp_path / "x.yaml"
    path.write_text(text.replace("id: linode-nodebalancer-rsa-only", "id: x").replace(
        "  - url: https://github.com/linode/cli/issues/25", f'  - url: "{url}"'))
    code, out, err = run("check", str(path))
    assert code == 1 and "Traceback" not in out + err
    assert out == (f"{path}:61:10: '{url}' is not a web address (give the full https:// "
                   "address without spaces)\n")


@pytest.mark.parametrize("deep", ["- " * 2400 + "a", "1. " * 600 + "a", "* > " * 600 + "a"])
def test_deeply_nested_lists_are_a_problem_not_a_traceback(tmp_path, deep):
    """An 8 KB `cause` of nested list markers made Python-Markdown recurse until it raised
    RecursionError in check (F3): it is one problem, where the paragraph starts."""
    (tmp_path / "case.schema.json").write_text(SCHEMA.read_text())
    text = (ROOT / "cases" / "linode-nodebalancer-rsa-only.yaml").read_text()
    path = tmp_path / "x.yaml"
    path.write_text(text.replace("id: linode-nodebalancer-rsa-only", "id: x").replace(
        "cause: |\n", f"cause: |\n  {deep}\n\n", 1))
    code, out, err = run("check", str(path))
    assert code == 1 and "Traceback" not in out + err
    assert out.startswith(f"{path}:31:3: cause: a paragraph nested ") and "levels deep" in out
    assert len(out.splitlines()) == 1


def test_an_id_that_names_another_page_is_refused(tmp_path):
    """`cases/index.yaml` with `id: index` passed check and replaced the Cases index page (F2):
    every reserved name is refused at the id, with the list."""
    from generator.site.layout import RESERVED_IDS
    (tmp_path / "case.schema.json").write_text(SCHEMA.read_text())
    text = (ROOT / "cases" / "gitlab-pages-rsa-only.yaml").read_text()
    for name in RESERVED_IDS:
        (tmp_path / f"{name}.yaml").write_text(text.replace("id: gitlab-pages-rsa-only",
                                                            f'id: "{name}"'))
    code, out, err = run("check", str(tmp_path))
    listed = ", ".join(RESERVED_IDS)
    assert code == 1 and out.splitlines() == [
        f"{tmp_path / name}.yaml:2:5: id '{name}' is reserved: the site has a page or folder "
        f"of that name (choose another id and rename the file to match; reserved: {listed})"
        for name in sorted(RESERVED_IDS)]
    assert "is not a case id" in run("new", "index", "--dir", str(tmp_path))[2]


def test_the_reserved_names_cover_every_page_and_folder_beside_the_cases():
    """Each generated section, its index page, and every top-level page and folder of kb/."""
    from generator.site.layout import RESERVED_IDS, SECTIONS
    assert {"index", *SECTIONS} <= set(RESERVED_IDS)
    top_level = {path.stem if path.suffix == ".md" else path.name
                 for path in (ROOT / "kb").iterdir()}
    assert top_level <= set(RESERVED_IDS), top_level - set(RESERVED_IDS)


#: a ClientHello as `xxd` shows it, under a label line of the dump's own
LABELLED_DUMP = """label: see https://x.example/ #comment
00000000: 1603 0100 4501 0000 4103 0300 0102 0304  ....E...A.......
00000010: 0506 0708 090a 0b0c 0d0e 0f10 1112 1314  ................
00000020: 1516 1718 191a 1b1c 1d1e 1f00 0002 c02f  .............../
00000030: 0100 0016 000a 0004 0002 0017 000b 0002  ................
00000040: 0100 000d 0004 0002 0401                 ..........
"""


def test_new_writes_the_dumps_words_as_yaml_whatever_they_say(tmp_path):
    """A label with ` #` was written unquoted into `source:`: the scaffold failed check
    ("mapping values are not allowed") or lost the text after ` #` (F8b)."""
    from generator.cases.yamlpos import load
    from generator.ingest.find import find_client_hellos
    (tmp_path / "case.schema.json").write_text(SCHEMA.read_text())
    dump = tmp_path / "a: b #c 'q' \"d\" [e] {f} & *g.txt"
    dump.write_text(LABELLED_DUMP)
    code, out, err = run("new", "labelled", "--from", str(dump), "--dir", str(tmp_path))
    assert code == 0, err
    text = (tmp_path / "labelled.yaml").read_text()
    located, problems = load(text, "labelled.yaml")
    assert problems == []
    origin = find_client_hellos(dump.read_bytes(), str(dump)).hellos[0].origin.describe()
    assert "#comment" in origin and "'q' \"d\"" in origin
    assert located.data["samples"][0]["provenance"]["source"] == \
        f"captured with tlskb ({origin})"
    assert f"  # decoded from {origin}\n" in text
    # and check has nothing to say about it but the TODOs
    assert all("TODO" in line for line in run("check", str(tmp_path / "labelled.yaml"))[1]
               .splitlines())


@pytest.mark.parametrize("source", [
    "line\nbreak", "carriage\rreturn", "esc \x1b[2J\x1b]0;t\x07", "nel\x85 ls\u2028 ps\u2029",
    "quotes ' \" and \\ backslash", "not utf-8 \udcff", "- &a *b !c |d >e %f @g `h #i",
    "rtl \u202e override", "key: value # comment"])
def test_scaffolded_provenance_loads_and_reads_back(source):
    """Whatever the origin says (a file name can hold a newline), the scaffold is YAML that
    libyaml reads, one comment line for it, and `source:` reads back as the printable form of
    what was given."""
    from generator.cases.scaffold import scaffold
    from generator.cases.yamlpos import load
    from generator.ingest.find import Found, Origin
    from generator.printable import printable_line
    wire = decode_client_hello(bytes.fromhex("".join(
        line[10:49].replace(" ", "") for line in LABELLED_DUMP.splitlines()[1:])))
    origin = Origin(source=source, container="hex lines", where=f"label: {source}")
    text = scaffold("odd-origin", [Found(wire, origin)])
    located, problems = load(text, "odd-origin.yaml")
    assert problems == [] and located is not None
    assert located.data["samples"][0]["provenance"]["source"] == printable_line(
        f"captured with tlskb ({origin.describe()})")
    comments = [line for line in text.splitlines() if line.startswith("  # decoded from ")]
    assert comments == [f"  # decoded from {printable_line(origin.describe())}"]
