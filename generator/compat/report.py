"""Verdicts as a text table and as the JSON of `tlskb analyze --json` (DESIGN.md): pure
functions from verdicts (and replay outcomes) to text or dicts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from generator.compat.outcome import ReplayOutcome
from generator.compat.proof import disagreements
from generator.compat.verdict import Verdict, VerdictKind
from generator.printable import printable_line
from generator.tls.registry import cipher_suite_name, group_name, signature_scheme_name, version_name


@dataclass(frozen=True, slots=True)
class Row:
    label: str              # "ECDSA P-384"
    verdict: Verdict
    outcome: ReplayOutcome | None = None
    reference: bool = True  # replayed against the library the analyzer models (else: another
    #                         build of it, such as this machine's)

    @property
    def differences(self) -> tuple[str, ...]:
        return () if self.outcome is None else disagreements(self.verdict, self.outcome)


def verdict_json(verdict: Verdict) -> dict[str, Any]:
    """"verdict" is ok, proceeds or fail; "ok" stays what it always was, the server answers
    (so a "proceeds" verdict has "ok": true and says why the client may still refuse)."""
    if not verdict.ok:
        return {"verdict": verdict.kind.value, "ok": False, "reason_code": verdict.reason_code,
                "reason": verdict.reason, "alert": verdict.alert,
                "after_server_hello": verdict.after_server_hello, "fixable": verdict.fixable,
                "fields": list(verdict.fields)}
    caveat = ({"caveat_code": verdict.caveat_code.value, "caveat": verdict.caveat}
              if verdict.caveat_code else {})
    return {"verdict": verdict.kind.value, **caveat, "ok": True,
            "version": version_name(verdict.version),
            "version_code": verdict.version,
            "cipher_suite": verdict.cipher_suite,
            "cipher_suite_name": cipher_suite_name(verdict.cipher_suite),
            "cipher_suites": list(verdict.cipher_suites),
            "group": verdict.group,
            "group_name": group_name(verdict.group) if verdict.group is not None else None,
            "signature_scheme": verdict.signature_scheme,
            "signature_scheme_name": (signature_scheme_name(verdict.signature_scheme)
                                      if verdict.signature_scheme is not None else None),
            "hello_retry_request": verdict.hello_retry_request}


def outcome_json(outcome: ReplayOutcome, differences: Sequence[str]) -> dict[str, Any]:
    return {"kind": outcome.kind.value, "ok": outcome.ok, "version": outcome.version,
            "cipher_suite": outcome.cipher_suite, "group": outcome.group,
            "signature_scheme": outcome.signature_scheme, "alert": outcome.alert,
            "alert_level": outcome.alert_level,
            "leading_warnings": list(outcome.leading_warnings),
            "library_reason": outcome.library_reason, "description": outcome.describe(),
            "agrees": not differences, "disagreements": list(differences)}


def rows_json(rows: Sequence[Row]) -> dict[str, Any]:
    key_types: dict[str, Any] = {}
    for row in rows:
        entry = verdict_json(row.verdict)
        if row.outcome is not None:
            entry["replay"] = outcome_json(row.outcome, row.differences)
        key_types[row.verdict.key_type] = entry
    return {"key_types": key_types}


def conclusion(rows: Sequence[Row]) -> str:
    """One sentence a reader acts on: which key types work, or why none can."""
    works = [r.verdict.key_type for r in rows if r.verdict.kind is VerdictKind.OK]
    proceeds = [r.verdict.key_type for r in rows if r.verdict.kind is VerdictKind.PROCEEDS]
    failing = [r for r in rows if not r.verdict.ok]
    if not failing and not proceeds:
        return "Every key type works."
    if not works and not proceeds:
        unfixable = [r for r in failing if not r.verdict.fixable]
        if unfixable and len(unfixable) == len(failing):
            return f"No key type works, and no certificate can fix it: {unfixable[0].verdict.reason}"
        return "No key type works."
    parts = [f"Works: {', '.join(works)}." if works else "No key type surely works."]
    if proceeds:
        parts.append(f"The server proceeds, but the client may refuse the certificate: "
                     f"{', '.join(proceeds)}.")
    if failing:
        parts.append(f"Fails: {', '.join(r.verdict.key_type for r in failing)}.")
    return " ".join(parts)


def rows_text(rows: Sequence[Row], colour: bool = False) -> str:
    green, red, yellow, dim, reset = (("\x1b[32m", "\x1b[31m", "\x1b[33m", "\x1b[2m", "\x1b[0m")
                                      if colour else ("",) * 5)
    width = max(len(r.verdict.key_type) for r in rows)
    lines = []
    for row in rows:
        verdict = row.verdict
        mark = {VerdictKind.OK: f"{green}ok  {reset}", VerdictKind.FAIL: f"{red}FAIL{reset}",
                VerdictKind.PROCEEDS: f"{yellow}ok? {reset}"}[verdict.kind]
        # a library's own words can quote the client's bytes (JSSE's "Illegal server name, ..."
        # repeats the SNI): every text here is made printable before colour is added
        lines.append(f"  {verdict.key_type:<{width}}  {mark}  {printable_line(verdict.summary())}")
        if row.outcome is not None:
            if row.differences and row.reference:
                lines.append(f"  {'':<{width}}  {yellow}!! replay disagrees: "
                             f"{printable_line('; '.join(row.differences))}{reset}")
            elif row.differences:
                lines.append(f"  {'':<{width}}  {yellow}this machine's library answers otherwise: "
                             f"{printable_line(row.outcome.describe())}{reset}")
            else:
                lines.append(f"  {'':<{width}}  {dim}replay: "
                             f"{printable_line(row.outcome.describe())}{reset}")
    lines.append(f"  {printable_line(conclusion(rows))}")
    return "\n".join(lines)
