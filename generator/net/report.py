"""Text and JSON for `tlskb capture` and `tlskb probe`: pure functions of what arrived and of the
analyzer's verdicts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from generator.compat.analyzer import Verdict, analyze
from generator.compat.identify import identify
from generator.compat.keytypes import Catalogue
from generator.compat.replay import reference_label
from generator.compat.report import verdict_json
from generator.ingest.packets import endpoint
from generator.net.capture import CapturedHello, ConnectionProblem, utc_stamp
from generator.net.answer import ProbeKind, ProbeResult
from generator.compat.advice import Advice, command_lines
from generator.console import counted, joined
from generator.net.probesummary import Breaking, ProbeSummary, answer_text
from generator.net.store import shown_server_name
from generator.printable import printable_line
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


def shortened(text: str, width: int) -> str:
    """`text` in at most `width` characters: cut at the last space that leaves a word whole,
    with an ellipsis (mid-word only when a single word is longer than the width)."""
    if len(text) <= width:
        return text
    cut = text[:width - 1]
    space = cut.rstrip().rfind(" ")
    return (cut[:space].rstrip(" ,;:(") if space > 0 else cut) + "…"


def _labels(catalogue: Catalogue, key_ids) -> str:
    return joined(catalogue.key_type(k).label for k in key_ids)


def _clients(count: int) -> str:
    return counted(count, "client")


def probe_text(target: str, found: Sequence[ProbeFinding], summary: ProbeSummary,
               catalogue: Catalogue, unreached: Sequence[ProbeResult] = ()) -> str:
    """The table of answers, what the server holds and behaves like, each breaking client with
    why, what to type and where to read more, and the key-type advice."""
    rows = _grouped_rows(found)
    width = min(max((len(client) for client, _, _ in rows), default=10), 48)
    lines = [f"Probed {target} with {len(found)} recorded ClientHello"
             f"{'' if len(found) == 1 else 's'}:"]
    for client, ok, answer in rows:
        lines.append(f"  {'ok  ' if ok else 'FAIL'}  {shortened(client, width):<{width}}  {answer}")
    for result in unreached:   # not judged: the hello never reached the server
        lines.append(f"  ----  {shortened(result.sample.client, width):<{width}}  "
                     f"not sent: {result.detail}")
    lines.append("")
    lines.extend(_server_lines(summary, catalogue))
    lines.extend(_breaking_lines(summary, catalogue))
    lines.append(advice_text(summary.advice, catalogue, summary.side_by_side))
    return "\n".join(printable_line(line) if line else line for line in lines)


def _grouped_rows(found: Sequence[ProbeFinding]) -> list[tuple[str, bool, str]]:
    """(client, ok, answer) rows, neighbours with the same three merged into one that counts
    them: a client recorded in several configurations that all got the same answer."""
    rows: list[tuple[str, bool, str, int]] = []
    for finding in found:
        row = (finding.result.sample.client, finding.result.ok, answer_text(finding.result))
        if rows and rows[-1][:3] == row:
            rows[-1] = (*row, rows[-1][3] + 1)
        else:
            rows.append((*row, 1))
    return [(client if n == 1 else f"{client} ({n} hellos)", ok, answer)
            for client, ok, answer, n in rows]


def _server_lines(summary: ProbeSummary, catalogue: Catalogue) -> list[str]:
    lines = []
    certificates = summary.certificates
    if len(certificates) == 1:
        lines.append(f"The server's certificate: {certificates[0].key} (seen in a TLS 1.2 "
                     "handshake).")
    elif certificates:
        each = ", ".join(f"{c.key} (to {_clients(c.clients)})" for c in certificates)
        lines.append(f"The server holds {len(certificates)} certificates and picks one per "
                     f"client: {each}, seen in TLS 1.2 handshakes.")
    served = summary.served_key_types
    if served and not summary.mismatches:
        lines.append("Every answer is what the reference server gives with "
                     + _labels(catalogue, served)
                     + (" side by side." if len(served) > 1 else "."))
    elif served:
        shown = ", ".join(summary.mismatches[:3]) + (", …" if len(summary.mismatches) > 3
                                                     else "")
        lines.append(f"The answers are the reference server's with {_labels(catalogue, served)}"
                     f", except for {_clients(len(summary.mismatches))} ({shown}): the "
                     "server's configuration (versions, suites, groups) differs from the "
                     "reference server's there.")
    elif summary.outside:
        lines.append(f"{' and '.join(summary.outside)}: not a key type tlskb has verdicts for, so "
                     "the answers cannot be checked against the reference server; a key type "
                     "of the catalogue (tlskb cert lists them) can be.")
    elif summary.predicted_by:
        lines.append("Every answer is what the reference server gives with any of: "
                     + ", ".join(catalogue.key_type(k).label for k in summary.predicted_by)
                     + " (no certificate was seen: TLS 1.3 encrypts it).")
    fits = [f for f in summary.stack_fits if f.answered]
    if fits:
        keys = _labels(catalogue, served or summary.predicted_by[:1])
        exact = [f.stack.label for f in fits if not f.wrong]
        others = "; ".join(f"{f.stack.label}: {len(f.wrong)} of {f.answered} differ"
                           for f in fits if f.wrong)
        if exact:
            lines.append(f"With {keys}, every answer is what {', '.join(exact)} would give"
                         + (f" ({others})." if others else "."))
        else:
            lines.append(f"With {keys}, no stack tlskb knows predicts every answer; closest: "
                         f"{others}.")
    return lines


def _breaking_lines(summary: ProbeSummary, catalogue: Catalogue) -> list[str]:
    broken = summary.breaking
    if not broken:
        return [f"Every one of the {_clients(summary.clients).split(' ', 1)[0]} clients gets a "
                "ServerHello." if summary.clients != 1 else "The client gets a ServerHello."]
    old = sum(b.historical for b in broken)
    lines = [f"Would break: {len(broken)} of {_clients(summary.clients)}"
             + (f" ({old} of them historical; --current-only leaves those out)" if old else "")
             + "."]
    shown: set[str] = set()   # key types whose commands are already on screen
    for group in _grouped_breaking(broken):
        item = group[0]
        lines.append(f"  {_names(group)}: {item.reason}")
        lines.extend(_fix_lines(item, catalogue, shown))
        if item.case_url:
            lines.append(f"    read: {item.case_url}")
        if item.fix_key_type:
            shown.add(item.fix_key_type)
    return lines


#: the most client names one line of breaking clients names (--json lists every one)
NAMES_SHOWN = 6


def _grouped_breaking(broken: Sequence[Breaking]) -> list[list[Breaking]]:
    """Breaking clients with the same reason, fix and case together, in order of appearance."""
    groups: dict[tuple, list[Breaking]] = {}
    for item in broken:
        groups.setdefault((item.reason, item.fix_key_type, item.case, item.server_setting),
                          []).append(item)
    return list(groups.values())


def _names(group: Sequence[Breaking]) -> str:
    """The clients of a group, each once (with how many of its hellos break), historical ones
    marked, at most NAMES_SHOWN of them."""
    counts: dict[str, int] = {}
    for item in group:
        name = item.client + (" (historical)" if item.historical else "")
        counts[name] = counts.get(name, 0) + 1
    shown = [name if n == 1 else f"{name} ×{n}" for name, n in counts.items()]
    if len(shown) > NAMES_SHOWN:
        shown = shown[:NAMES_SHOWN] + [f"and {len(shown) - NAMES_SHOWN} more (--json lists "
                                       "them)"]
    return ", ".join(shown)


def _fix_lines(item: Breaking, catalogue: Catalogue, shown: set[str]) -> list[str]:
    if item.fix_key_type is None:
        return ["    fix: no key type serves it with this server: its versions, cipher suites or "
                "groups refuse the client (compare them with the client's hello: tlskb decode)"]
    label = catalogue.key_type(item.fix_key_type).label
    if item.fix_key_type in shown:
        lines = [f"    fix: a certificate of {label}, as above"]
    else:
        lines = [f"    fix: a certificate of {label} serves it (beside the current one if other "
                 "clients need that):", *command_lines(item.commands, label, "      ")]
    if item.server_setting:
        lines.append(f"    server: {item.server_setting}")
    return lines


def advice_text(advice: Advice, catalogue: Catalogue, side_by_side: tuple[str, ...] = ()
                ) -> str:
    """Which certificate key types would serve every probed client, by the analyzer; the
    server's own key types first when together they already do."""
    count = advice.clients
    if not count:
        return ""
    every = "the one client" if count == 1 else f"all {count} clients"
    if side_by_side:
        alone = (f"; {advice.universal[0].label} alone would too" if advice.universal
                 else "; no single key type does")
        return (f"Key-type advice: keep serving {_labels(catalogue, side_by_side)} side by "
                f"side: together they serve {every}{alone} (against the reference server).")
    if advice.universal:
        return ("Key-type advice: a certificate of "
                + ", ".join(k.label for k in advice.universal)
                + f" would serve {every} (against the reference server).")
    if not advice.best:
        return (f"Key-type advice: no key type serves any of the {count} clients (against "
                "the reference server).")
    left_out = dict(advice.left_out)
    best = advice.best
    pair = (f" {advice.pair[0].label} and {advice.pair[1].label} side by side serve all "
            f"{count} (each client gets the certificate it offers)." if advice.pair else "")
    if len(best) == 1:
        return (f"Key-type advice: no single key type serves all {count} clients; "
                f"{best[0].label} serves the most ({advice.served_by_best}), all but "
                f"{'; '.join(left_out[best[0].id])}.{pair}")
    if len({left_out[k.id] for k in best}) == 1:
        each = f"Each leaves out the same: {'; '.join(left_out[best[0].id])}."
    else:
        each = " ".join(f"{k.label} leaves out {'; '.join(left_out[k.id])}." for k in best)
    return (f"Key-type advice: no single key type serves all {count} clients; "
            f"{_labels(catalogue, [k.id for k in best])} tie, serving "
            f"{advice.served_by_best} each. {each} Of these, tlskb prefers {best[0].label} "
            "(its preference order: small and widely accepted key types first)."
            + (pair or " Serving two certificates side by side serves the clients of both."))


def probe_json(target: dict[str, Any], found: Sequence[ProbeFinding], summary: ProbeSummary,
               catalogue: Catalogue, unreached: Sequence[ProbeResult] = ()) -> dict[str, Any]:
    """`probe --json`: the target, one object per probed client, those that could not be
    sent (never judged), and the summary."""
    return {"target": target, "results": [_result_json(f) for f in found],
            "not_sent": [{"sample": r.sample.id, "client": r.sample.client,
                          "case": r.sample.case_id, "detail": r.detail} for r in unreached],
            "summary": summary_json(summary, catalogue)}


def _result_json(finding: ProbeFinding) -> dict[str, Any]:
    result = finding.result
    obj: dict[str, Any] = {
        "sample": result.sample.id, "client": result.sample.client,
        "case": result.sample.case_id, "historical": result.sample.historical,
        "ok": result.ok, "kind": result.kind, "works_with": list(finding.works_with),
    }
    if result.ok:
        obj.update({"version": version_name(result.version), "version_code": result.version,
                    "cipher_suite": result.cipher_suite,
                    "cipher_suite_name": cipher_suite_name(result.cipher_suite),
                    "group": result.group,
                    "certificate_key": result.certificate_key,
                    "certificate_key_type": result.certificate_key_type})
    elif result.kind is ProbeKind.ALERT:
        obj.update({"alert": result.alert, "alert_name": name("alerts", result.alert)})
    else:
        obj["detail"] = result.detail
    return obj


def summary_json(summary: ProbeSummary, catalogue: Catalogue) -> dict[str, Any]:
    advice = summary.advice
    return {
        "clients": summary.clients,
        "ok": summary.clients - len(summary.breaking),
        "breaking": len(summary.breaking),
        "current_breaking": sum(not b.historical for b in summary.breaking),
        "certificates": [{"key": c.key, "key_type": c.key_type, "clients": c.clients}
                         for c in summary.certificates],
        "several_certificates": len(summary.certificates) > 1,
        "outside_catalogue": list(summary.outside),
        "predicted_by_reference": list(summary.predicted_by),
        "mismatches": list(summary.mismatches),
        "behaves_like": list(summary.behaves_like),
        "stacks": [{"id": f.stack.id.value, "label": f.stack.label, "answered": f.answered,
                    "differ": len(f.wrong), "differing_clients": list(f.wrong)}
                   for f in summary.stack_fits],
        "breaking_clients": [{
            "sample": b.sample, "client": b.client, "historical": b.historical,
            "answer": b.answer, "reason": b.reason, "case": b.case, "case_url": b.case_url,
            "fix": None if b.fix_key_type is None else {
                "key_type": b.fix_key_type,
                "commands": {c.acme_client: c.text for c in b.commands},
                "server": b.server_setting}}
            for b in summary.breaking],
        "advice": {"serving_all": [k.id for k in advice.universal],
                   "best": [k.id for k in advice.best],
                   "served_by_best": advice.served_by_best if advice.best else None,
                   "left_out": {k: list(v) for k, v in advice.left_out},
                   "pair": [k.id for k in advice.pair] if advice.pair else None,
                   "side_by_side": list(summary.side_by_side),
                   "request": [k.id for k in advice.to_request],
                   "text": advice_text(advice, catalogue, summary.side_by_side)},
    }
