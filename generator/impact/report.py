"""What `tlskb impact` says: a view of the tally per stack and key type (who breaks, how many
connections, why, and what to do), as text and JSON. Pure; html.py renders the same view.

A connection *breaks* with a key type when the stack's verdict is fail (the server refuses the
hello); it is *at risk* when the verdict is proceeds (the server answers with a certificate the
client did not ask for, which the client may refuse). Clients are the tally's groups: the
recorded clients identify() names with the same configuration, else a JA4.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from generator.compat.keytypes import KeyType
from generator.impact.scan import Scanned
from generator.impact.tally import ClientTally
from generator.printable import printable_line
from generator.stacks import StackId, stack

#: clients named per key type in the text (JSON and HTML name them all)
SHOWN = 8


@dataclass(frozen=True, slots=True)
class Affected:
    client: ClientTally
    connections: int
    reason: str | None
    unfixable: bool


@dataclass(frozen=True, slots=True)
class KeyTypeImpact:
    key_type: KeyType
    connections_breaking: int
    clients_breaking: int
    connections_at_risk: int
    clients_at_risk: int
    breaking: tuple[Affected, ...]     # most connections first
    at_risk: tuple[Affected, ...]

    def json(self) -> dict[str, Any]:
        return {"label": self.key_type.label,
                "connections_breaking": self.connections_breaking,
                "clients_breaking": self.clients_breaking,
                "connections_at_risk": self.connections_at_risk,
                "clients_at_risk": self.clients_at_risk,
                "breaking": [_affected_json(a) for a in self.breaking],
                "at_risk": [_affected_json(a) for a in self.at_risk]}


@dataclass(frozen=True, slots=True)
class StackImpact:
    stack: StackId
    key_types: tuple[KeyTypeImpact, ...]
    recommended: KeyType | None          # the first preferred key type that breaks nobody
    advice: tuple[str, ...]              # what to do, a sentence a line
    #: without a recommended one: two key types that, side by side, serve every connection
    pair: tuple[KeyType, KeyType] | None = None

    def json(self) -> dict[str, Any]:
        return {"label": stack(self.stack).label, "library": stack(self.stack).library,
                "key_types": {k.key_type.id: k.json() for k in self.key_types},
                "recommended": None if self.recommended is None else self.recommended.id,
                "side_by_side": None if self.pair is None else [k.id for k in self.pair],
                "advice": list(self.advice)}


@dataclass(frozen=True, slots=True)
class Report:
    scanned: Scanned
    stacks: tuple[StackImpact, ...]
    clients: tuple[ClientTally, ...]     # most connections first


def build(scanned: Scanned, stacks: Sequence[StackId], key_types: Sequence[KeyType],
          preference: Sequence[str]) -> Report:
    clients = tuple(sorted(scanned.tally.clients.values(),
                           key=lambda c: (-c.connections, c.client.id)))
    views = []
    for s, stack_id in enumerate(stacks):
        impacts = []
        for k, key_type in enumerate(key_types):
            cell = s * len(key_types) + k
            breaking = _affected(clients, cell, lambda c, i: c.breaking[i])
            at_risk = _affected(clients, cell, lambda c, i: c.at_risk[i])
            impacts.append(KeyTypeImpact(
                key_type, sum(a.connections for a in breaking), len(breaking),
                sum(a.connections for a in at_risk), len(at_risk), breaking, at_risk))
        views.append(_advise(stack_id, tuple(impacts), preference, scanned.tally.connections))
    return Report(scanned, tuple(views), clients)


def _affected(clients, cell, count) -> tuple[Affected, ...]:
    found = [Affected(c, count(c, cell), c.reasons[cell], c.unfixable[cell])
             for c in clients if count(c, cell)]
    return tuple(sorted(found, key=lambda a: (-a.connections, a.client.client.id)))


def _pair(ranked: Sequence[KeyTypeImpact]):
    """The first two key types (in preference order) that no client breaks with both, and
    none is at risk with both: served side by side, they serve every connection."""
    def hurt(impact: KeyTypeImpact) -> set[str]:
        return {a.client.client.id for a in (*impact.breaking, *impact.at_risk)}
    return next(((a, b) for i, a in enumerate(ranked) for b in ranked[i + 1:]
                 if not hurt(a) & hurt(b)), None)


def _advise(stack_id: StackId, impacts: tuple[KeyTypeImpact, ...], preference: Sequence[str],
            connections: int) -> StackImpact:
    if not connections:
        return StackImpact(stack_id, impacts, None, ("No ClientHello was found, so nothing can "
                                                      "be said about who would break.",))
    order = {key_id: rank for rank, key_id in enumerate(preference)}
    ranked = sorted(impacts, key=lambda k: order.get(k.key_type.id, len(order)))
    clean = [k for k in ranked if not k.connections_breaking and not k.connections_at_risk]
    advice = []
    pair = None
    recommended = clean[0].key_type if clean else None
    if clean:
        advice.append(f"Safe: {', '.join(k.key_type.id for k in clean)} break(s) none of the "
                      f"{connections} connections seen; {recommended.id} ({recommended.label}) "
                      "is the catalogue's first preference among them.")
    else:
        fewest = min((k.connections_breaking, k.connections_at_risk) for k in ranked)
        tied = [k for k in ranked if (k.connections_breaking, k.connections_at_risk) == fewest]
        least = tied[0]
        names = ", ".join(f"{k.key_type.id} ({k.key_type.label})" for k in tied)
        counts = (f"{least.connections_breaking} connection(s), "
                  f"{least.connections_at_risk} more at risk")
        advice.append(f"No key type serves every connection seen; {names} breaks the fewest "
                      f"({counts})." if len(tied) == 1 else
                      f"No key type serves every connection seen; {names} tie for the fewest, "
                      f"each breaking {counts}; of these the catalogue prefers "
                      f"{least.key_type.id}.")
        found = _pair(ranked)
        pair = (found[0].key_type, found[1].key_type) if found else None
        advice.append(f"{found[0].key_type.id} and {found[1].key_type.id} side by side serve "
                      "every connection seen (each client gets the certificate it offers): "
                      "request both." if found else
                      "No two key types side by side serve every connection: update the "
                      "clients that no certificate serves.")
    for impact in ranked:
        if not impact.connections_breaking:
            continue
        top = impact.breaking[0]
        more = (f" and {impact.clients_breaking - 1} more client(s)"
                if impact.clients_breaking > 1 else "")
        advice.append(f"Switching to {impact.key_type.id} would break "
                      f"{impact.connections_breaking} of {connections} connection(s): "
                      f"{top.client.client.label}{more} — {top.reason}.")
    unfixable = {a.client.client.id for k in impacts for a in k.breaking if a.unfixable}
    if unfixable:
        advice.append(f"{len(unfixable)} client(s) fail for a reason no certificate fixes (no "
                      "shared protocol version or cipher suite): they need updating whatever "
                      "key type is chosen.")
    return StackImpact(stack_id, impacts, recommended, tuple(advice), pair)


def _affected_json(affected: Affected) -> dict[str, Any]:
    return {"client": affected.client.client.id, "label": affected.client.client.label,
            "connections": affected.connections, "reason": affected.reason,
            "unfixable": affected.unfixable}


def client_json(tally: ClientTally, report: Report, key_count: int) -> dict[str, Any]:
    client = tally.client
    breaks = {}
    for view in report.stacks:
        s = [v.stack for v in report.stacks].index(view.stack)
        breaks[view.stack.value] = [k.key_type.id for i, k in enumerate(view.key_types)
                                    if tally.breaking[s * key_count + i]]
    return {"id": client.id, "label": client.label, "grouped_by": client.by.value,
            "catalogue": [{"id": i, "client": n} for i, n in client.catalogue],
            "match": client.match, "similarity": client.similarity, "ja4": client.ja4,
            "connections": tally.connections,
            "peers": tally.peers.count(), "peers_estimated": tally.peers.estimated,
            "server_names": tally.names.count(),
            "server_names_estimated": tally.names.estimated,
            "server_name_examples": sorted(tally.names.values or ())[:5],
            "without_sni": tally.no_sni, "examples": tally.examples, "breaks_with": breaks}


def as_json(report: Report, several_stacks: bool) -> dict[str, Any]:
    scanned, tally = report.scanned, report.scanned.tally
    key_count = len(report.stacks[0].key_types) if report.stacks else 0
    out: dict[str, Any] = {
        "connections": tally.connections, "clients": len(tally.clients),
        "peers": tally.peers.count(), "peers_estimated": tally.peers.estimated,
        "malformed": tally.malformed,
    }
    if several_stacks:
        out["stacks"] = {v.stack.value: v.json() for v in report.stacks}
    else:
        view = report.stacks[0]
        out["stack"] = view.stack.value
        out["key_types"] = {k.key_type.id: k.json() for k in view.key_types}
        shared = view.json()   # the one stack's fields, at the top level
        out.update({key: shared[key] for key in ("key_types", "recommended", "side_by_side",
                                                  "advice")})
    out["client_list"] = [client_json(c, report, key_count) for c in report.clients]
    out["inputs"] = [{"source": p, "kind": k.value, "connections": n}
                     for p, k, n in scanned.inputs]
    out["flows"] = {name: getattr(scanned.flows, name) for name in scanned.flows.__slots__}
    out["packets"] = scanned.packets
    out["packets_skipped"] = dict(sorted(scanned.skipped.items()))
    out["errors"] = tally.errors
    out["notes"] = tally.notes
    out["analyses"] = tally.analyses
    return out


def _count(number: int, estimated: bool) -> str:
    return f"~{number:,}" if estimated else f"{number:,}"


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def as_text(report: Report) -> str:
    scanned, tally = report.scanned, report.scanned.tally
    addresses = (f"{_count(tally.peers.count(), tally.peers.estimated)} address(es)"
                 if tally.peers.count() else "addresses the input does not give")
    lines = [f"{tally.connections:,} connection(s) from {len(tally.clients):,} client(s) and "
             f"{addresses}"
             + (f"; {tally.malformed:,} malformed ClientHello(s)" if tally.malformed else "")
             + "."]
    for view in report.stacks:
        if len(report.stacks) > 1 or view.stack.value != "openssl":
            lines.append("")
            lines.append(f"{stack(view.stack).label} ({stack(view.stack).library}):")
        lines.append("")
        lines.append(f"  {'key type':<10} {'breaks':>20}  {'clients':>7}  {'at risk':>18}")
        for impact in view.key_types:
            breaks = (f"{impact.connections_breaking:,} "
                      f"({_percent(impact.connections_breaking, tally.connections)})")
            risk = (f"{impact.connections_at_risk:,} "
                    f"({_percent(impact.connections_at_risk, tally.connections)})"
                    if impact.connections_at_risk else "-")
            lines.append(f"  {impact.key_type.id:<10} {breaks:>20}  "
                         f"{impact.clients_breaking:>7,}  {risk:>18}")
        for impact in view.key_types:
            if not impact.breaking and not impact.at_risk:
                continue
            lines.append("")
            lines.append(f"  Who breaks with {impact.key_type.id} ({impact.key_type.label}):")
            for affected in impact.breaking[:SHOWN]:
                lines.append(f"    {affected.connections:>10,}  {affected.client.client.label}")
                lines.append(f"                {affected.reason}")
            if len(impact.breaking) > SHOWN:
                rest = impact.breaking[SHOWN:]
                lines.append(f"    {sum(a.connections for a in rest):>10,}  "
                             f"{len(rest)} more client(s) (--json lists them)")
            for affected in impact.at_risk[:SHOWN]:
                lines.append(f"    {affected.connections:>10,}  at risk: "
                             f"{affected.client.client.label}")
                lines.append(f"                {affected.reason}")
        lines.append("")
        lines.append("  What to do:")
        lines.extend(f"    {line}" for line in view.advice)
    lines.append("")
    lines.append(f"Clients ({len(report.clients):,}), most connections first:")
    lines.append(f"  {'connections':>11}  {'addresses':>9}  {'names':>6}  client")
    for client in report.clients[:20]:
        lines.append(f"  {client.connections:>11,}  "
                     f"{_count(client.peers.count(), client.peers.estimated):>9}  "
                     f"{_count(client.names.count(), client.names.estimated):>6}  "
                     f"{client.client.label}")
    if len(report.clients) > 20:
        lines.append(f"  ... {len(report.clients) - 20:,} more (--json lists them)")
    lines.extend(_input_notes(scanned))
    return "\n".join(printable_line(line) for line in lines) + "\n"


def _input_notes(scanned: Scanned) -> list[str]:
    lines = []
    flows = scanned.flows
    dropped = [(flows.dropped_full, "displaced because --max-flows flows were in progress"),
               (flows.dropped_bytes, "over the byte limits before their hello was complete"),
               (flows.dropped_idle, "idle longer than --idle before their hello was complete"),
               (flows.incomplete, "ended before their ClientHello did (capture cut short, "
                                  "packet loss)")]
    for count, why in dropped:
        if count:
            lines.append(f"note: {count:,} TCP stream(s) not counted: {why}")
    for message in scanned.tally.errors:
        lines.append(f"malformed: {message}")
    for note in scanned.tally.notes:
        lines.append(f"note: {note}")
    for path, kind, count in scanned.inputs:
        if not count:
            lines.append(f"note: {path} ({kind.value}): no ClientHello")
    return ([""] + lines) if lines else []
