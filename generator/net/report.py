"""Text and JSON for `tlskb capture` and `tlskb probe`: pure functions of what arrived and of the
analyzer's verdicts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from generator.compat.analyzer import Verdict, analyze
from generator.compat.identify import identify
from generator.compat.keytypes import Catalogue, KeyType
from generator.compat.replay import reference_label
from generator.compat.report import verdict_json
from generator.ingest.packets import endpoint
from generator.net.capture import CapturedHello, ConnectionProblem, utc_stamp
from generator.net.answer import ProbeResult
from generator.net.store import shown_server_name
from generator.printable import printable_line
from generator.stacks import Stack, stacks
from generator.tls.fingerprint import Fingerprints
from generator.tls.jsonview import client_hello_json
from generator.tls.records import decode_client_hello
from generator.tls.registry import cipher_suite_name, group_name, name, version_name


def verdicts_for(hello, catalogue: Catalogue) -> list[Verdict]:
    return [analyze(hello, key_type) for key_type in catalogue.key_types]


# -- capture ------------------------------------------------------------------------------------
def capture_text(captured: CapturedHello, verdicts: Sequence[Verdict], prints: Fingerprints,
                 saved: str | None) -> str:
    """A few lines per arriving ClientHello: who, what it offers, which key types work. What
    the client chose (its SNI) is quoted and escaped, and no line holds a control character."""
    hello = captured.wire.hello
    versions = hello.supported_versions or (hello.legacy_version,)
    offered = ", ".join(version_name(v) for v in versions if (v & 0x0F0F) != 0x0A0A)
    fingerprint = prints.ja4
    lines = [f"#{captured.number} {utc_stamp(captured.time)} from {endpoint(captured.peer)}"
             + (f" ({captured.protocol.upper()} STARTTLS)" if captured.protocol else "")
             + f": SNI {shown_server_name(hello)}"
             + (f", JA4 {fingerprint}" if fingerprint else ", SSL 2.0 format"),
             f"   offers {offered}; {len(hello.cipher_suites)} cipher suites; groups "
             + (", ".join(group_name(g) for g in hello.supported_groups)
                if hello.supported_groups else "(none sent)")]
    looks = identify(captured.wire)
    if looks is not None:
        lines.append(f"   {looks.describe()}")
    works = [v.key_type for v in verdicts if v.ok]
    lines.append("   works with: " + (", ".join(works) if works else "no key type"))
    for verdict in verdicts:
        if not verdict.ok:
            lines.append(f"   fails with {verdict.key_type}: {verdict.reason}")
    if captured.handshake is not None:
        lines.append(f"   {captured.handshake.describe()}")
    if saved:
        lines.append(f"   saved to {saved}")
    return "\n".join(printable_line(line) for line in lines)


def capture_json(captured: CapturedHello, verdicts: Sequence[Verdict], prints: Fingerprints,
                 saved: str | None) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "number": captured.number, "time": utc_stamp(captured.time),
        "peer": endpoint(captured.peer), "listener": endpoint(captured.listener),
        "starttls": captured.protocol, "file": saved,
        "client_hello": client_hello_json(captured.wire.hello),
        "ja3": prints.ja3, "ja3_hash": prints.ja3_hash, "ja4": prints.ja4,
        "hex": captured.wire.raw.hex(),
        "key_types": {v.key_type: verdict_json(v) for v in verdicts},
        "looks_like": None,
        "handshake": None,
    }
    looks = identify(captured.wire)
    if looks is not None:
        obj["looks_like"] = looks.as_json()
    if captured.handshake is not None:
        h = captured.handshake
        obj["handshake"] = {"completed": h.completed, "version": h.version, "cipher": h.cipher,
                            "reason": h.reason, "client_alert": h.client_alert,
                            "server": reference_label()}
    return obj


def problem_text(problem: ConnectionProblem) -> str:
    return printable_line(f"{utc_stamp(problem.time)} {endpoint(problem.peer)}: {problem.what}")


# -- probe --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ProbeFinding:
    """A probe result with the analyzer's view of the same ClientHello."""
    result: ProbeResult
    verdicts: tuple[Verdict, ...]

    @property
    def works_with(self) -> tuple[str, ...]:
        return tuple(v.key_type for v in self.verdicts if v.ok)

    def verdict(self, key_type: str) -> Verdict:
        return next(v for v in self.verdicts if v.key_type == key_type)


def findings(results: Sequence[ProbeResult], catalogue: Catalogue) -> list[ProbeFinding]:
    return [ProbeFinding(r, tuple(verdicts_for(decode_client_hello(r.sample.raw).hello,
                                               catalogue)))
            for r in results]


def stack_matches(found: Sequence[ProbeFinding], key_type: KeyType
                  ) -> list[tuple[Stack, int, tuple[ProbeFinding, ...]]]:
    """For each server stack holding a `key_type` certificate: how many answered probes its
    analyzer predicts wrongly (whether a ServerHello comes), fewest first — which library the
    live server behaves like."""
    answered = [f for f in found if f.result.answered]
    ranked = []
    for stack in stacks():
        wrong = tuple(f for f in answered
                      if analyze(decode_client_hello(f.result.sample.raw).hello, key_type,
                                 stack.id).ok != f.result.ok)
        ranked.append((stack, len(answered), wrong))
    return sorted(ranked, key=lambda entry: len(entry[2]))


def stack_text(found: Sequence[ProbeFinding], key_type: KeyType) -> str | None:
    """One line: the stacks whose analyzer predicts every answer, or the closest ones."""
    ranked = stack_matches(found, key_type)
    if not ranked or not ranked[0][1]:
        return None
    exact = [stack.label for stack, _, wrong in ranked if not wrong]
    others = "; ".join(f"{stack.label}: {len(wrong)} of {total} differ"
                       for stack, total, wrong in ranked if wrong)
    if exact:
        return (f"With {key_type.label}, every answer is what {', '.join(exact)} would give"
                + (f" ({others})." if others else "."))
    stack, total, wrong = ranked[0]
    return (f"With {key_type.label}, no stack tlskb knows predicts every answer; closest: "
            f"{others}.")


@dataclass(frozen=True, slots=True)
class KeyTypeMatch:
    """How well the reference server with one key type predicts the server's answers."""
    key_type: str
    mismatches: tuple[ProbeFinding, ...]   # answered probes where the prediction was wrong


def key_type_matches(found: Sequence[ProbeFinding]) -> list[KeyTypeMatch]:
    """Every key type, best prediction first. Only probes the server answered count."""
    answered = [f for f in found if f.result.answered]
    if not answered:
        return []
    key_ids = [v.key_type for v in answered[0].verdicts]
    matches = [KeyTypeMatch(k, tuple(f for f in answered if f.verdict(k).ok != f.result.ok))
               for k in key_ids]
    return sorted(matches, key=lambda m: len(m.mismatches))


def certificate_key_type(found: Sequence[ProbeFinding]) -> str | None:
    """The key type of the certificate the server showed in TLS <= 1.2 answers, if one."""
    seen = {f.result.certificate_key_type for f in found if f.result.certificate_key_type}
    return seen.pop() if len(seen) == 1 else None


def explanation(finding: ProbeFinding, key_type: str | None,
                cases_by_reason: dict[tuple[str, str], list[str]]) -> str:
    """Why a client breaks: its case, or the analyzer's reason for the server's key type (with
    the cases that show the same failure)."""
    sample = finding.result.sample
    if sample.case_id:
        reason = ""
        if key_type is not None and not finding.verdict(key_type).ok:
            reason = f"{finding.verdict(key_type).reason} — "
        return f"{reason}case {sample.case_id}: {sample.case_title}"
    if key_type is None:
        return "the server's key type is unknown, so the analyzer cannot say why"
    verdict = finding.verdict(key_type)
    if verdict.ok:
        return ("the reference server with the same key type would accept it: the server's "
                "own configuration (versions, suites, groups) refuses this client")
    related = cases_by_reason.get((key_type, verdict.reason_code), [])
    return verdict.reason + (f" (as in case {', '.join(related)})" if related else "")


def _answer(result: ProbeResult) -> str:
    if result.kind == "alert":
        return f"alert {name('alerts', result.alert)} ({result.alert})"
    if result.kind in ("closed", "error"):
        return result.detail or result.kind
    text = f"{version_name(result.version)}, {cipher_suite_name(result.cipher_suite)}"
    if result.group is not None:
        text += f", {group_name(result.group)}"
    if result.kind == "hello_retry_request":
        text = "HelloRetryRequest: " + text
    if result.certificate_key and result.certificate_key_type is None:
        text += f"; certificate: {result.certificate_key}"  # outside the catalogue, or unread
    return text


def shortened(text: str, width: int) -> str:
    """`text` in at most `width` characters: cut at the last space that leaves a word whole,
    with an ellipsis (mid-word only when a single word is longer than the width)."""
    if len(text) <= width:
        return text
    cut = text[:width - 1]
    space = cut.rstrip().rfind(" ")
    return (cut[:space].rstrip(" ,;:(") if space > 0 else cut) + "…"


def probe_text(target: str, found: Sequence[ProbeFinding], catalogue: Catalogue,
               cases_by_reason: dict[tuple[str, str], list[str]]) -> str:
    width = max((len(f.result.sample.client) for f in found), default=10)
    width = min(width, 48)
    lines = [f"Probed {target} with {len(found)} recorded ClientHello"
             f"{'' if len(found) == 1 else 's'}:"]
    for finding in found:
        result = finding.result
        mark = "ok  " if result.ok else "FAIL"
        client = result.sample.client
        client = shortened(client, width)
        lines.append(f"  {mark}  {client:<{width}}  {_answer(result)}")
    certificate = certificate_key_type(found)
    matches = key_type_matches(found)
    lines.append("")
    if certificate:
        lines.append(f"The server's certificate: {catalogue.key_type(certificate).label} "
                     "(seen in a TLS 1.2 handshake).")
    exact = [m.key_type for m in matches if not m.mismatches]
    if exact:
        labels = ", ".join(catalogue.key_type(k).label for k in exact)
        lines.append(f"Every answer is what the reference server gives with: {labels}.")
    elif matches:
        best = next((m for m in matches if m.key_type == certificate), matches[0])
        others = ", ".join(f.result.sample.client for f in best.mismatches[:3])
        lines.append(f"The answers are the reference server's with "
                     f"{catalogue.key_type(best.key_type).label}, except for "
                     f"{len(best.mismatches)} client(s) ({others}): the server's configuration "
                     "(versions, suites, groups) differs from the reference server's there.")
    key_type = certificate or (exact[0] if len(exact) == 1 else None)
    if key_type is not None:
        behaves = stack_text(found, catalogue.key_type(key_type))
        if behaves:
            lines.append(behaves)
    broken = [f for f in found if not f.result.ok]
    if broken:
        lines.append(f"Would break: {len(broken)} of {len(found)} clients.")
        for finding in broken:
            lines.append(f"  {finding.result.sample.client}: "
                         f"{explanation(finding, key_type, cases_by_reason)}")
    else:
        lines.append(f"Every one of the {len(found)} clients gets a ServerHello.")
    lines.append(advice_text(found, catalogue))
    return "\n".join(printable_line(line) for line in lines)


def advice_text(found: Sequence[ProbeFinding], catalogue: Catalogue) -> str:
    """Which certificate key types would serve every probed client, by the analyzer."""
    if not found:
        return ""
    universal = [k for k in catalogue.key_types
                 if all(k.id in f.works_with for f in found)]
    if universal:
        every = "the one client" if len(found) == 1 else f"all {len(found)} clients"
        return ("Key-type advice: a certificate of " + ", ".join(k.label for k in universal)
                + f" would serve {every} (against the reference server).")
    served = {k.id: sum(k.id in f.works_with for f in found) for k in catalogue.key_types}
    most = max(served.values())
    if most == 0:
        return (f"Key-type advice: no key type serves any of the {len(found)} clients (against "
                "the reference server).")
    # every key type that serves the most, in the catalogue's preference order (small and
    # widely accepted first): a tie is reported as one, not settled by the catalogue's order
    rank = {key: index for index, key in enumerate(catalogue.preference)}
    best = sorted((k for k in catalogue.key_types if served[k.id] == most),
                  key=lambda k: rank[k.id])

    def left_out(key_type) -> str:
        return "; ".join(f.result.sample.client for f in found if key_type.id not in f.works_with)
    if len(best) == 1:
        return (f"Key-type advice: no single key type serves all {len(found)} clients; "
                f"{best[0].label} serves the most ({most}), all but {left_out(best[0])}.")
    each = " ".join(f"{k.label} leaves out {left_out(k)}." for k in best)
    return (f"Key-type advice: no single key type serves all {len(found)} clients; "
            f"{', '.join(k.label for k in best[:-1])} and {best[-1].label} tie, serving "
            f"{most} each. {each} Of these, tlskb prefers {best[0].label} (its preference "
            "order: small and widely accepted key types first); serving two certificates "
            "side by side serves the clients of both.")


def probe_json(found: Sequence[ProbeFinding]) -> list[dict[str, Any]]:
    out = []
    for finding in found:
        result = finding.result
        obj: dict[str, Any] = {
            "sample": result.sample.id, "client": result.sample.client,
            "case": result.sample.case_id, "ok": result.ok, "kind": result.kind,
            "works_with": list(finding.works_with),
        }
        if result.ok:
            obj.update({"version": version_name(result.version), "version_code": result.version,
                        "cipher_suite": result.cipher_suite,
                        "cipher_suite_name": cipher_suite_name(result.cipher_suite),
                        "group": result.group,
                        "certificate_key": result.certificate_key,
                        "certificate_key_type": result.certificate_key_type})
        elif result.kind == "alert":
            obj.update({"alert": result.alert, "alert_name": name("alerts", result.alert)})
        else:
            obj["detail"] = result.detail
        out.append(obj)
    return out


def cases_by_failure(cases, catalogue: Catalogue) -> dict[tuple[str, str], list[str]]:
    """(key type, reason code) -> ids of the cases whose samples fail that way."""
    index: dict[tuple[str, str], list[str]] = {}
    for case in cases:
        for sample in case.samples:
            for verdict in verdicts_for(sample.wire.hello, catalogue):
                if not verdict.ok:
                    ids = index.setdefault((verdict.key_type, verdict.reason_code), [])
                    if case.id not in ids:
                        ids.append(case.id)
    return index
