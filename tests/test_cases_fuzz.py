"""Fuzzing the case loader and `tlskb check` (generator/cases/): random YAML-ish text and
mutated real case files come back as a list of problems, each with a file:line:col inside the
text, and never as an exception. Derandomized by default; `--slow` (`make fuzz`) explores at
random with many more examples."""

from __future__ import annotations

from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from generator.cases.check import check_text
from generator.cases.yamlpos import LINE_BREAK, MAX_BYTES, Problem

ROOT = Path(__file__).resolve().parent.parent
#: a name in the real cases/ directory (never written): the schema is found next to it
FUZZED = ROOT / "cases" / "fuzzed.yaml"
REAL_CASES = sorted(p.read_text(encoding="utf-8") for p in (ROOT / "cases").glob("*.yaml"))

#: keys of the schema, YAML syntax, scalars YAML resolves to other types, hostile text
PIECES = [
    "id", "title", "summary", "status", "state", "observed", "platform", "name", "role",
    "symptoms", "where", "text", "note", "cause", "samples", "client", "provenance", "kind",
    "source", "placeholders", "offset", "length", "field", "hex", "outcomes", "ec384", "result",
    "basis", "fix", "recommended", "alternatives", "acme_clients", "lego", "server",
    "references", "url", "citation", "date", "tags", "your_side", "key_type",
    ": ", ":", "- ", "-", "\n", "\n  ", "\n    ", "  ", " ", "\t", "[", "]", "{", "}", ",", "?",
    "|", "|-", ">", ">-", "!", "!!str", "!!python/object:os.system", "&a", "*a", "%YAML 1.1",
    "---", "...", "#", "'", '"', "`", "\\", "@", "<<", "~", "null", "true", "yes", "0", "-1",
    "0x", "0x_", "0b_", "0o7", "1_000", "1:2:3", "1e99999", ".inf", ".nan", "99" * 30,
    "2019-11-29", "2019-11-29T10:00:00Z", "2099", "unknown", "works", "fails", "untested",
    "replayed", "documented", "TODO", "https://example.org/", "javascript:alert(1)",
    "[x](&#106;avascript:alert(1))", "{: onfocus=alert(1) }", '"\\0"', '"\\x01\\e[31m"',
    "160303015a0100", "zz", "é", "\ufeff", "\u2028", "\x85",
]

yamlish = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)


@st.composite
def mutated_cases(draw) -> str:
    """A real case with a few pieces inserted, lines deleted or repeated, spans replaced."""
    text = draw(st.sampled_from(REAL_CASES))
    for _ in range(draw(st.integers(1, 4))):
        lines = text.split("\n")
        position = draw(st.integers(0, max(len(lines) - 1, 0)))
        operation = draw(st.sampled_from(["insert", "delete", "repeat", "replace", "nest"]))
        piece = draw(yamlish)
        if operation == "insert":
            column = draw(st.integers(0, len(lines[position])))
            lines[position] = lines[position][:column] + piece + lines[position][column:]
        elif operation == "delete":
            del lines[position:position + draw(st.integers(1, 5))]
        elif operation == "repeat":
            lines.insert(position, lines[position])
        elif operation == "replace":
            head, _, _ = lines[position].partition(": ")
            lines[position] = f"{head}: {piece}"
        else:  # a value nested deeper and deeper
            depth = draw(st.integers(1, 600))
            head, _, value = lines[position].partition(": ")
            lines[position] = f"{head}: {'[' * depth}{value}{']' * depth}"
        text = "\n".join(lines)
    return text


def assert_only_problems(text: str) -> None:
    case, problems = check_text(text, FUZZED, replay=False)
    assert (case is None) == bool(problems)
    lines = LINE_BREAK.split(text)
    for problem in problems:
        assert isinstance(problem, Problem) and problem.file == str(FUZZED)
        assert 1 <= problem.line <= len(lines) + 1, problem  # + 1: "at the end of the file"
        assert 1 <= problem.column, problem
        assert str(problem).startswith(f"{FUZZED}:{problem.line}:{problem.column}: ")


@given(yamlish)
@example("a: 0b_")
@example("id: x\nsamples:\n  - hex: ''\n")
@example("references: 5\nsamples: 3\n")
@example("title: " + "[" * 497 + "]" * 497)
@example("observed: " + "9" * 5000)
@example("x: " + "1:" * 3000 + "1")
def test_yamlish_text_gives_problems_never_an_exception(text):
    assert_only_problems(text)


@given(mutated_cases())
def test_mutated_real_cases_give_problems_never_an_exception(text):
    assert_only_problems(text)


@given(st.binary(max_size=300))
def test_any_bytes_that_decode_give_problems_never_an_exception(data):
    assert_only_problems(data.decode("utf-8", "replace"))


def test_a_file_over_the_size_limit_is_refused_whole():
    _, problems = check_text("x" * (MAX_BYTES + 1), FUZZED, replay=False)
    assert [p.message for p in problems] == [
        f"the file is {MAX_BYTES + 1} bytes; case files are at most {MAX_BYTES}"]
