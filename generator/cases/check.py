"""`tlskb check`: every case file through YAML, schema and semantics, every problem at once.

Semantics beyond the schema: the id is the file name and unique; each sample decodes to exactly
one ClientHello and its placeholders lie inside it; each replayed claim equals the analyzer's
verdict and the reference server's answer (the pinned OpenSSL) for every sample; the
recommended key type works; references are real http(s) addresses; no TODO left from
`tlskb new`; dates are not in the future; no text holds what the site would drop or leave inert
(control characters, attribute syntax, links that are not http(s) or #section once HTML
entities are decoded: generator/site/safe.py decides, for both). Files are read only if they
are regular files, never through a symbolic link.
"""

from __future__ import annotations

import datetime
import errno
import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from generator.cases import model
from generator.cases.lists import stale_schema_problems
from generator.cases.schema import find_schema, schema_problems
from generator.cases.translation import attach
from generator.cases.textrules import address_problem, located_text_problems
from generator.cases.yamlpos import (MAX_BYTES, Located, Problem, load_mapping, oversized,
                                     shown_path)
from generator.compat.analyzer import analyze
from generator.compat.keytypes import Catalogue, CatalogueError, catalogue
from generator.compat.proof import disagreements
from generator.compat.replay import Replayer, ReplayUnavailable
from generator.stacks import DEFAULT, StackId, replayer, stacks
from generator.stacks import stack as stack_info
from generator.compat.verdict import VerdictKind
from generator.errors import DecodeError, TlskbError, UsageError
from generator.languages import TRANSLATIONS
from generator.site.layout import RESERVED_IDS
from generator.tls import decode_client_hello
from generator.tls.fingerprint import fingerprints

Progress = Callable[[int, int, str], None]

#: fields shown verbatim (symptoms[].text, as code): only control characters matter in them;
#: and fields whose schema pattern already limits them to an address, hex digits or a slug
_VERBATIM = ("text",)
_PATTERNED = ("hex", "url", "id")


def _markdown_field(path: tuple) -> bool:
    """Whether the case text at `path` is held to every text rule, not only to the one on
    control characters."""
    verbatim = len(path) == 3 and path[0] == "symptoms" and path[2] in _VERBATIM
    return not verbatim and not (path and path[-1] in _PATTERNED)


class CaseError(TlskbError):
    """The knowledge base has invalid cases; `problems` lists every one."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True, slots=True)
class Report:
    cases: tuple[model.Case, ...]
    problems: tuple[Problem, ...]
    files: int
    #: False when the key-type catalogue, which every case relies on, has problems (they are
    #: the report's problems, and no case was checked)
    catalogue_ok: bool = True
    #: what is fine but worth saying: prose not yet translated (generator/cases/translation.py)
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def case_files(paths: Iterable[str | Path]) -> list[Path]:
    """The .yaml files named, or found (not recursively) in the directories named: every entry
    so named, links and other non-files included, so that check_file can refuse them by name."""
    files: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            files.extend(sorted(path.glob("*.yaml")))
        elif os.path.lexists(path):
            files.append(path)
        else:
            raise UsageError(f"{path}: no such file or directory")
    return files


@lru_cache(maxsize=65536)
def sample_verdict(raw: bytes, key_type, stack: StackId):
    """A sample's verdict, remembered per (bytes, key type, stack): a knowledge base quotes the
    same client's hello in many cases (the analyzers are pure, so this changes nothing but
    time)."""
    return analyze(decode_client_hello(raw).hello, key_type, stack)


def _answer(outcome) -> tuple:
    """What decides a verdict in an outcome (not the library's wording)."""
    return (outcome.kind, outcome.version, outcome.cipher_suite, outcome.group, outcome.alert)


@cache
def available_replayer(stack: StackId) -> Replayer | None:
    """The stack's replayer, or None when its library or toolchain is missing here (then its
    verdicts stay the analyzer's; `unavailable_stacks` says what to install)."""
    try:
        return replayer(stack)
    except ReplayUnavailable as error:
        _UNAVAILABLE[stack] = str(error)
        return None


_UNAVAILABLE: dict[StackId, str] = {}
_NO_REPLAY_KEY: dict[str, str] = {}


def unavailable_stacks() -> dict[StackId, str]:
    """The stacks whose replays were skipped in this process, and why (what to install)."""
    return dict(_UNAVAILABLE)


def skipped_replays() -> list[str]:
    """Every replay this process left to the analyzer, and why: a stack whose library does not
    load here, a key type without its committed replay key."""
    return ([f"replays against {stack.value} skipped: {why}" for stack, why in
             _UNAVAILABLE.items()]
            + [f"replays with {key} skipped: {why}" for key, why in _NO_REPLAY_KEY.items()])


def _other_stack_replay(raw: bytes, key_type, stack: StackId):
    """A replay for the per-stack tables, or None when the key type has no replay key yet (a
    key type just added to the catalogue: its claims are documented until the key is made)."""
    from generator.compat import replay as replayer
    from generator.compat.certs import MissingReplayKey
    try:
        return replayer.replay_memoized(raw, key_type, stack)
    except MissingReplayKey as error:
        _NO_REPLAY_KEY[key_type.id] = str(error)
        return None


def check_paths(paths: Iterable[str | Path], *, replay: bool = True,
                progress: Progress | None = None) -> Report:
    paths = [Path(p) for p in paths]
    files, translation_paths = _with_translations(case_files(paths))
    for folder in (p for p in paths if p.is_dir()):   # a translation without its case, too
        translation_paths += [t for language in TRANSLATIONS
                              for t in sorted((folder / language.value).glob("*.yaml"))
                              if t not in translation_paths]
    try:
        catalog = catalogue()
    except CatalogueError as error:
        return Report((), error.problems, len(files), catalogue_ok=False)
    cases: list[model.Case] = []
    problems: list[Problem] = schema_copy_problems(files, catalog)
    from generator.compat.clients import client_problems
    problems.extend(client_problems())  # the client catalogue is contributed like cases
    seen_ids: dict[str, str] = {}
    for index, path in enumerate(files):
        if progress:
            progress(index, len(files), path.stem)
        case, found = check_file(path, replay=replay)
        problems.extend(found)
        if case is not None:
            if case.id in seen_ids:
                problems.append(Problem(str(path), 1, 1, f"id '{case.id}' is already used by "
                                        f"{seen_ids[case.id]}", "ids must be unique"))
            else:
                seen_ids[case.id] = str(path)
                cases.append(case)
    if progress:
        progress(len(files), len(files), "")
    translated = attach(tuple(cases), translation_paths, read_case_file)
    data_problems, data_notes = data_translations()
    return Report(translated.cases, tuple(problems) + translated.problems + data_problems,
                  len(files), notes=translated.notes + data_notes)


def data_translations() -> tuple[tuple[Problem, ...], tuple[str, ...]]:
    """The overlays of the catalogue's and the stacks' prose in each translation
    (generator/overlays.py): their problems, and a note on each one's fields not yet
    translated (shown in English, as a case's are)."""
    from generator.compat import translation as catalogue_prose
    from generator.overlays import OverlayError, untranslated_note
    from generator.stacks import translation as stacks_prose
    problems: list[Problem] = []
    notes: list[str] = []
    for language in TRANSLATIONS:
        for module in (catalogue_prose, stacks_prose):
            try:
                fields = module.untranslated_fields(language)
            except OverlayError as error:
                problems.extend(error.problems)
                continue
            if fields:
                notes.append(untranslated_note(module.overlay_file(language), language,
                                               fields, module.WHAT))
    return tuple(problems), tuple(notes)


def _with_translations(files: list[Path]) -> tuple[list[Path], list[Path]]:
    """The case files to check, and the translations to check with them (cases/<language>/
    <id>.yaml): every one in a folder named, the ones of a case file named, and a translation
    named on its own, which brings its case."""
    languages = {language.value for language in TRANSLATIONS}
    cases: list[Path] = []
    translations: list[Path] = []
    for path in files:
        if path.parent.name in languages:
            translations.append(path)
            path = path.parent.parent / path.name
        else:
            translations.extend(p for p in (path.parent / language / path.name
                                            for language in sorted(languages))
                                if os.path.lexists(p))
        if path not in cases:
            cases.append(path)
    return cases, list(dict.fromkeys(translations))


def schema_copy_problems(files: Iterable[Path], catalog: Catalogue) -> list[Problem]:
    """The lists of the schemas these case files use (their copies of the catalogue's key
    types, ACME clients and tags, for editors and pre-commit) that are not the catalogue's."""
    schemas = sorted({find_schema(path) for path in files
                      if not path.is_symlink() and path.is_file()})
    problems: list[Problem] = []
    for schema in schemas:
        source = shown_path(schema)
        problems += stale_schema_problems(schema.read_text(encoding="utf-8"), source, catalog)
    return problems


def read_case_file(path: Path) -> tuple[str | None, Problem | None]:
    """The text of a case file, or why it is refused: a symbolic link is never followed (it
    could publish, or leak in error messages, a file from anywhere), nor is anything but a
    regular file read, and no more than MAX_BYTES + 1 bytes are."""
    source = str(path)
    if path.is_symlink():
        return None, _symlink_problem(path)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        if error.errno == errno.ELOOP:  # became a link after the check above
            return None, _symlink_problem(path)
        return None, Problem(source, 1, 1, f"cannot read the file: {error.strerror}")
    status = os.fstat(descriptor)
    if not stat.S_ISREG(status.st_mode):
        os.close(descriptor)
        return None, Problem(source, 1, 1, "not a regular file",
                             "case files are plain .yaml files")
    if status.st_size > MAX_BYTES:
        os.close(descriptor)
        return None, oversized(source, status.st_size)
    try:
        with os.fdopen(descriptor, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        return None, Problem(source, 1, 1, f"cannot read the file: {error.strerror}")
    if len(data) > MAX_BYTES:  # grew since fstat
        return None, oversized(source, len(data))
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        return None, Problem(source, 1, 1, f"the file is not UTF-8 (byte {error.start})",
                             "save it as UTF-8")


def _symlink_problem(path: Path) -> Problem:
    try:
        target = f" (to {os.readlink(path)})"
    except OSError:
        target = ""
    return Problem(str(path), 1, 1, f"the file is a symbolic link{target}; it is refused, not "
                                    "followed", "put the case itself in the file")


def check_file(path: Path, *, replay: bool = True) -> tuple[model.Case | None, list[Problem]]:
    text, refused = read_case_file(path)
    if refused is not None:
        return None, [refused]
    return check_text(text, path, replay=replay)


def check_text(text: str, path: Path, *, replay: bool = True
               ) -> tuple[model.Case | None, list[Problem]]:
    """`check_file` on text already read; `path` names it and locates its schema."""
    source = str(path)
    located, problems = load_mapping(text, source, "a case file is a mapping of fields",
                                     "start from `tlskb new ID`")
    if located is None:
        return None, problems
    problems = schema_problems(located, source, find_schema(path), lists=catalogue())
    checker = _Semantics(located, source, path)
    problems += checker.run(schema_ok=not problems, replay=replay)
    if problems:
        return None, sorted(problems, key=lambda p: (p.line, p.column))
    return checker.case(), []


class _Semantics:
    def __init__(self, located: Located, source: str, path: Path) -> None:
        self.located, self.source, self.path = located, source, path
        self.data: dict[str, Any] = located.data
        self.problems: list[Problem] = []
        self.samples: list[model.Sample] = []
        self.results: list[model.SampleResult] = []
        self.replayed_against: str | None = None
        self.replayed_by_stack: tuple = ()
        self.placeholder_effects: tuple[str, ...] = ()

    def problem(self, path: tuple, message: str, hint: str | None = None,
                key: bool = False, where: tuple[int, int] | None = None) -> None:
        line, column = where or self.located.where(path, key=key)
        self.problems.append(Problem(self.source, line, column, message, hint))

    def run(self, schema_ok: bool, replay: bool) -> list[Problem]:
        self._id()
        self._todo(self.data, ())
        self._text()
        self._dates()
        self._urls()
        if not schema_ok:
            return self.problems  # the rest relies on the schema's shapes
        self._samples()
        self._outcomes(replay)
        self._other_stacks(replay)
        self._stack_claims()
        self._fix()
        return self.problems

    # -- the checks ----------------------------------------------------------------------------
    def _id(self) -> None:
        case_id = self.data.get("id")
        if case_id in RESERVED_IDS:
            self.problem(("id",), f"id '{case_id}' is reserved: the site has a page or folder "
                                  "of that name", "choose another id and rename the file to "
                                                  f"match; reserved: {', '.join(RESERVED_IDS)}")
            return
        if isinstance(case_id, str) and case_id != self.path.stem and "/" not in case_id \
                and ".." not in case_id:
            self.problem(("id",), f"id '{case_id}' does not match the file name "
                                  f"'{self.path.name}'",
                         f"rename the file to {case_id}.yaml or set id: {self.path.stem}")

    def _todo(self, value: Any, path: tuple) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                self._todo(item, path + (key,))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self._todo(item, path + (index,))
        elif isinstance(value, str) and "TODO" in value:
            self.problem(path, f"{'.'.join(map(str, path))} still says TODO",
                         "replace the placeholder from `tlskb new` with the real text")

    def _text(self) -> None:
        """What the site would drop or leave inert, at the place it is written."""
        self.problems += located_text_problems(self.located, self.source, _markdown_field)

    def _dates(self) -> None:
        today = datetime.date.today().isoformat()
        for path in self._date_paths():
            value = self._get(path)
            value = str(value) if isinstance(value, int) else value
            if isinstance(value, str) and value[:1].isdigit() and value > today[:len(value)]:
                self.problem(path, f"date {value} is in the future", "check the year")

    def _date_paths(self) -> list[tuple]:
        paths = [("status", name) for name in ("observed", "fixed", "reviewed")]
        paths += [("references", i, "date") for i in range(len(self._list("references")))]
        paths += [("samples", i, "provenance", "date") for i in range(len(self._list("samples")))]
        return paths

    def _list(self, key: str) -> list:
        """A top-level list, or [] when it is something else (the schema reports that)."""
        value = self.data.get(key)
        return value if isinstance(value, list) else []

    def _urls(self) -> None:
        for index, reference in enumerate(self._list("references")):
            url = reference.get("url") if isinstance(reference, dict) else None
            if not isinstance(url, str):
                continue
            found = address_problem(self.located, self.source, ("references", index, "url"), url)
            if found is not None:
                self.problems.append(found)

    def _samples(self) -> None:
        seen: set[str] = set()
        for index, raw in enumerate(self.data.get("samples") or []):
            path = ("samples", index)
            if raw["id"] in seen:
                self.problem(path + ("id",), f"sample id '{raw['id']}' is used twice in this case")
            seen.add(raw["id"])
            digits = "".join(raw["hex"].split())
            if len(digits) % 2:
                self.problem(path + ("hex",), f"sample '{raw['id']}' has an odd number of hex "
                                              "digits", "a digit is missing or extra")
                continue
            data = bytes.fromhex(digits)
            try:
                wire = decode_client_hello(data)
            except DecodeError as error:
                where = self._hex_position(path + ("hex",), error.offset)
                self.problem(path + ("hex",), f"sample '{raw['id']}' does not decode: "
                                              f"{error.message}"
                             + (f" (byte {error.offset})" if error.offset is not None else ""),
                             "paste the whole ClientHello, from its TLS record header",
                             where=where)
                continue
            provenance = model.provenance_from(raw["provenance"])
            for number, placeholder in enumerate(provenance.placeholders):
                if placeholder.offset + placeholder.length > len(data):
                    self.problem(path + ("provenance", "placeholders", number),
                                 f"placeholder {placeholder.field!r} ends at byte "
                                 f"{placeholder.offset + placeholder.length}, past the sample's "
                                 f"{len(data)} bytes")
            self.samples.append(model.Sample(raw["id"], raw["client"], provenance, wire,
                                             fingerprints(wire)))

    def _hex_position(self, path: tuple, offset: int | None) -> tuple[int, int] | None:
        """Where byte `offset` of a hex field is written, so an error points at its digits."""
        return None if offset is None else self.located.char_position(path, 2 * offset)

    def _outcomes(self, replay: bool) -> None:
        from generator.compat import replay as replayer
        key_types = {k.id: k for k in catalogue().key_types}
        has_samples = bool(self.data.get("samples"))
        outcomes = {k: model.outcome_from(k, self.data["outcomes"][k], has_samples)
                    for k in key_types}
        if replay and self.samples:
            self.replayed_against = replayer.reference_label()
        for key_id, claim in outcomes.items():
            path = ("outcomes", key_id)
            if claim.basis == "replayed" and not has_samples:
                self.problem(path, f"{key_id} claims basis 'replayed' but the case has no samples",
                             "add a sample, or say basis: documented with a note citing the source")
                continue
            if claim.basis == "documented" and not claim.note:
                if has_samples:
                    self.problem(path, f"{key_id} is documented against the samples' replay but "
                                       "gives no note", "say which source establishes it")
                continue
            if claim.basis == "replayed" and claim.result == "untested":
                self.problem(path, f"{key_id} is 'untested', but the samples settle it",
                             "run `tlskb analyze --replay` on the sample and write what it says")
                continue
            for sample in self.samples:
                verdict = sample_verdict(sample.raw, key_types[key_id], DEFAULT)
                # a documented outcome keeps the analyzer's verdict (what the handshake alone
                # does, shown beside the rule) without a replay: a key type may be documented
                # before its replay key exists
                outcome = (replayer.replay_memoized(sample.raw, key_types[key_id])
                           if replay and claim.basis == "replayed" else None)
                self.results.append(model.SampleResult(sample.id, key_id, verdict, outcome))
                differences = disagreements(verdict, outcome) if outcome is not None else ()
                if differences:
                    self.problem(path, f"for sample '{sample.id}', the analyzer and the reference "
                                       f"server ({self.replayed_against}) disagree about "
                                       f"{key_id}: {'; '.join(differences)}",
                                 "this is a tlskb bug: please report it with this case")
                if claim.basis != "replayed":
                    continue  # documented: the page shows what the handshake alone does
                claimed = claim.result == "works"
                if claimed != verdict.ok:
                    actual = ("works: " + verdict.summary()) if verdict.ok else \
                        ("fails: " + (verdict.reason or ""))
                    replayed = (f"; replayed against {self.replayed_against}: "
                                f"{outcome.describe()}" if outcome else "")
                    self.problem(path, f"claims {key_id} {claim.result}, but sample "
                                       f"'{sample.id}' {actual}{replayed}",
                                 f"change the claim to {'works' if verdict.ok else 'fails'}, or "
                                 "check the sample")

    def _other_stacks(self, replay: bool) -> None:
        """Every sample against every other stack too, each verdict proven by that stack's
        library where it can be loaded here: the site shows them beside the claims (which are
        the default stack's). A disagreement is a tlskb bug, as for the default stack."""
        if not self.samples:
            return
        by_stack = []
        for stack in stacks():
            if stack.id is DEFAULT:
                continue
            server = available_replayer(stack.id) if replay else None
            if server is not None:
                by_stack.append((stack.id, server.label))
            for index, sample in enumerate(self.samples):
                for key_type in catalogue().key_types:
                    verdict = sample_verdict(sample.raw, key_type, stack.id)
                    outcome = (_other_stack_replay(sample.raw, key_type, stack.id)
                               if server is not None else None)
                    self.results.append(model.SampleResult(sample.id, key_type.id, verdict,
                                                           outcome, stack.id))
                    differences = disagreements(verdict, outcome) if outcome is not None else ()
                    if differences:
                        self.problem(("samples", index, "hex"), f"for sample '{sample.id}', "
                                     f"the {stack.label} analyzer and {server.label} disagree "
                                     f"about {key_type.id}: {'; '.join(differences)}",
                                     "this is a tlskb bug: please report it with this case")
        if self.replayed_against:
            self.replayed_by_stack = ((DEFAULT, self.replayed_against), *by_stack)
        if replay:
            self._placeholder_effects()

    def _stack_claims(self) -> None:
        """A case's claims for other stacks (`stack_claims`), each against that stack's verdict
        for every sample (and so its replay, which the verdict was just checked against)."""
        claims = self.data.get("stack_claims") or {}
        labels = dict(self.replayed_by_stack)
        words = {VerdictKind.OK: "works", VerdictKind.PROCEEDS: "proceeds",
                 VerdictKind.FAIL: "fails"}
        if claims and not self.samples:
            self.problem(("stack_claims",), "stack_claims need samples to be checked against",
                         "add a sample, or remove stack_claims")
            return
        for stack_name, by_key_type in claims.items():
            stack_id = StackId(stack_name)
            if stack_id is DEFAULT:
                self.problem(("stack_claims", stack_name), f"{stack_name} is the default stack: "
                             "its claims are the outcomes", "write them under outcomes",
                             key=True)
                continue
            label = stack_info(stack_id).label
            for key_id, claimed in by_key_type.items():
                for result in self.results:
                    if (result.stack, result.key_type) != (stack_id, key_id):
                        continue
                    said = words[result.verdict.kind]
                    if said == claimed:
                        continue
                    why = (result.verdict.caveat or result.verdict.reason
                           or result.verdict.summary())
                    proof = (f"; replayed against {labels[stack_id]}: "
                             f"{result.replay.describe()}" if result.replay is not None
                             and stack_id in labels else "")
                    self.problem(("stack_claims", stack_name, key_id),
                                 f"claims {key_id} {claimed} on {label}, but sample "
                                 f"'{result.sample}' {said}: {why}{proof}",
                                 f"change the claim to {said}, or check the sample")

    def _placeholder_effects(self) -> None:
        """Samples with placeholder bytes are also replayed with those bytes changed (and a
        placeholder ticket emptied), against every stack that loads here: a stack whose answer
        moves is named, since its verdict rests on bytes nobody recorded."""
        from generator.compat.placeholders import Span, variants
        effects = []
        for sample in self.samples:
            spans = [Span(p.offset, p.length, p.field) for p in sample.provenance.placeholders]
            changed = variants(sample.raw, spans)
            for stack in stacks():
                if available_replayer(stack.id) is None:
                    continue
                for key_type in catalogue().key_types:
                    original = _other_stack_replay(sample.raw, key_type, stack.id)
                    for variant in changed if original is not None else ():
                        other = _other_stack_replay(variant.raw, key_type, stack.id)
                        if other is not None and _answer(other) != _answer(original):
                            effects.append(f"{stack.label}, {key_type.id}, sample "
                                           f"'{sample.id}' with {variant.description}: "
                                           f"{other.describe()} instead of "
                                           f"{original.describe()}")
        self.placeholder_effects = tuple(effects)

    def _fix(self) -> None:
        fix = self.data["fix"]
        has_samples = bool(self.data.get("samples"))
        outcomes = {k: model.outcome_from(k, self.data["outcomes"][k], has_samples)
                    for k in catalogue().ids}
        for path, key_id in [(("fix", "recommended"), fix["recommended"])] + [
                (("fix", "alternatives", i), k) for i, k in enumerate(fix.get("alternatives", []))]:
            if outcomes[key_id].result != "works":
                self.problem(path, f"the fix suggests {key_id}, which the outcomes say "
                                   f"{outcomes[key_id].result}",
                             "suggest a key type whose outcome is works")

    # -- results -------------------------------------------------------------------------------
    def _get(self, path: tuple) -> Any:
        value: Any = self.data
        for part in path:
            try:
                value = value[part]
            except (KeyError, IndexError, TypeError):
                return None
        return value

    def case(self) -> model.Case:
        return model.case_from(self.data, self.source, catalogue().ids, tuple(self.samples),
                               tuple(self.results), self.replayed_against,
                               self.replayed_by_stack, self.placeholder_effects)
