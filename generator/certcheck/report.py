"""Text and JSON for `tlskb cert`: pure functions of what was checked. Every text line goes
through printable_line (names a certificate chose are the peer's text); JSON goes through
console.json_text, which escapes them likewise."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from generator.compat.advice import COMMON_ACME_CLIENTS, Advice, command_lines, commands
from generator.console import counted, joined
from generator.certcheck.chain import Chain
from generator.certcheck.verdicts import ClientFate, Era, Fate, StackFindings
from generator.compat.keytypes import Catalogue, KeyType
from generator.net.certfetch import Offer
from generator.printable import printable_line


@dataclass(frozen=True, slots=True)
class Refusal:
    """An offer for which a server showed no certificate, and its words."""
    offer: str
    reason: str


@dataclass(frozen=True, slots=True)
class Checked:
    """Everything `tlskb cert` found."""
    source: str                       # the file, or HOST:PORT
    kind: str                         # "file" or "server"
    starttls: str | None
    chains: tuple[Chain, ...]         # one per distinct leaf
    notes: tuple[str, ...]            # blocks skipped in a file
    refusals: tuple[Refusal, ...]     # offers a server showed no certificate for
    served: tuple[KeyType, ...]       # the leaves' catalogue key types
    outside: tuple[str, ...]          # the leaves' keys outside the catalogue, described
    known_clients: int
    current_clients: int
    stacks: tuple[StackFindings, ...]
    advice: Advice
    acme_clients: tuple[str, ...] = COMMON_ACME_CLIENTS   # whose commands to show

    @property
    def breaks(self) -> bool:
        """A current client breaks on some chosen stack: exit status 4."""
        return any(s.current_breaking for s in self.stacks)

    @property
    def judged(self) -> bool:
        """Some served key type is one tlskb has verdicts for."""
        return bool(self.served)


def _served_keys(checked: Checked) -> list[str]:
    return list(dict.fromkeys(chain.leaf.key for chain in checked.chains))


def _clients(count: int) -> str:
    return counted(count, "current client")


def _all(count: int) -> str:
    return "the one current client" if count == 1 else f"all {count} current clients"


# -- text ---------------------------------------------------------------------------------------
def text(checked: Checked, catalogue: Catalogue, current_only: bool = False) -> str:
    where = checked.source + (f" ({checked.starttls.upper()} STARTTLS)" if checked.starttls
                              else "")
    lines = [f"Certificates of {where}:"]
    for chain in checked.chains:
        if checked.kind == "server":
            offers = [Offer(offer).label for offer in chain.offers]
            lines.append(f"  chain sent to a client offering {joined(offers)}:")
        for certificate in chain.certificates:
            role = "leaf  " if certificate.position == 0 else "issuer"
            lines.append(f"  {certificate.position:>2}  {role}  {certificate.key:<14} "
                         f"{certificate.shown_name}")
        lines += [f"  note: {note}" for note in chain.order_notes()]
    lines += [f"note: {note}" for note in checked.notes]
    for refusal in checked.refusals:
        lines.append(f"  offering only {Offer(refusal.offer).label}: no certificate "
                     f"({refusal.reason})")
    keys = _served_keys(checked)
    if len(keys) > 1:
        lines.append(f"This server serves {len(keys)} certificates, {joined(keys)}: each client "
                     "gets the one it offers, so a client breaks only if it can use none.")
    lines.append("")
    if checked.outside:
        known = ", ".join(k.label for k in catalogue.key_types)
        lines.append(f"{joined(list(checked.outside))} is outside the key types tlskb proves "
                     f"verdicts for ({known}): "
                     + ("no known client's fate can be claimed for it." if not checked.judged
                        else "a client that fails every other key type served is "
                             "'undetermined'."))
    if checked.judged:
        for findings in checked.stacks:
            lines += _stack_text(findings, checked, current_only)
    lines += _advice_text(checked, catalogue)
    return "\n".join(printable_line(line) for line in lines)


def _stack_text(findings: StackFindings, checked: Checked, current_only: bool) -> list[str]:
    breaking = findings.current_breaking
    historical = findings.with_fate(Fate.BREAKS, current=False)
    head = (f"{findings.stack.label} ({findings.stack.library}): "
            + (f"{breaking} of {_clients(checked.current_clients)} "
               f"break{'s' if breaking == 1 else ''}"
               if breaking else f"none of {_clients(checked.current_clients)} breaks"))
    if historical:
        head += f"; {len(historical)} historical or fixed"
    lines = [head + "."]
    groups = [("breaks", findings.with_fate(Fate.BREAKS, current=True))]
    if not current_only:
        groups.append(("breaks (historical or fixed: listed, not counted)", historical))
    groups += [("may break (the server answers; the client may refuse the certificate)",
                _shown(findings.with_fate(Fate.MAY_BREAK), current_only)),
               ("undetermined (fails every key type tlskb judges; the other one it cannot)",
                _shown(findings.with_fate(Fate.UNDETERMINED), current_only))]
    for title, fates in groups:
        if fates:
            lines.append(f"  {title}:")
            names = [found.client.sample.client for found in fates]
            lines += [f"    {_client_line(found, checked, names.count(found.client.sample.client) > 1)}"
                      for found in fates]
    lines.append("")
    return lines


def _shown(fates: list[ClientFate], current_only: bool) -> list[ClientFate]:
    return [f for f in fates if f.client.current or not current_only]


def _client_line(found: ClientFate, checked: Checked, with_id: bool) -> str:
    """One client's line; `with_id` when another client listed has the same name (two
    configurations of one program)."""
    client = found.client
    era = ("" if client.current else f" [{client.era}]") + (f" ({client.sample.id})"
                                                             if with_id else "")
    reasons = [_reason(v) for v in found.verdicts]
    if len(reasons) > 1:
        reasons = [f"with {k.label}: {r}" for k, r in zip(checked.served, reasons)]
    why = "; ".join(dict.fromkeys(reasons))
    if found.case:
        why += f" — case {found.case}"
    elif found.related_cases:
        why += f" (as in case {', '.join(found.related_cases)})"
    return f"{client.sample.client}{era}: {why}"


def _reason(verdict) -> str:
    if verdict.ok:
        return verdict.caveat or "proceeds"
    return verdict.reason or verdict.reason_code or "fails"


def _advice_text(checked: Checked, catalogue: Catalogue) -> list[str]:
    advice = checked.advice
    on = joined([s.stack.label for s in checked.stacks])
    lines = []
    quiet = not checked.breaks and not any(
        s.with_fate(f, current=True) for s in checked.stacks
        for f in (Fate.MAY_BREAK, Fate.UNDETERMINED))
    if len(checked.served) > 1 and quiet:   # the server's certificates together serve all
        lines.append(f"Nothing to do: {joined(k.label for k in checked.served)} side by side "
                     f"serve {_all(advice.clients)} on {on}; keep both.")
        return lines
    if advice.universal:
        first = advice.universal[0]
        already = [k for k in checked.served if k in advice.universal]
        if already and not checked.breaks and not any(
                s.with_fate(f, current=True) for s in checked.stacks
                for f in (Fate.MAY_BREAK, Fate.UNDETERMINED)):
            lines.append(f"Nothing to do: {joined([k.label for k in already])} serves "
                         f"{_all(advice.clients)} on {on}.")
            return lines
        tie = (f"; so do {joined([k.label for k in advice.universal[1:]])}, and of these tlskb "
               f"prefers {first.label} (the catalogue's preference order: small, widely "
               "accepted key types first)" if len(advice.universal) > 1 else "")
        lines.append(f"What to do: {first.label} serves {_all(advice.clients)} on {on}{tie}.")
    elif advice.best:
        first = advice.best[0]
        left = dict(advice.left_out)
        each = " ".join(f"{k.label} leaves out {'; '.join(left[k.id])}." for k in advice.best)
        tie = (f"{joined([k.label for k in advice.best])} tie, serving {advice.served_by_best} "
               f"each; tlskb prefers {first.label} (its preference order)"
               if len(advice.best) > 1 else
               f"{first.label} serves the most ({advice.served_by_best})")
        lines.append(f"What to do: no single key type serves {_all(advice.clients)} on {on}; "
                     f"{tie}. {each}")
        if advice.pair:
            a, b = advice.pair
            lines.append(f"  {a.label} and {b.label} side by side serve them all (each client "
                         "gets the one it offers): request both.")
    else:
        lines.append(f"What to do: no key type serves any of {_clients(advice.clients)} on "
                     f"{on}.")
        return lines
    for key_type in advice.to_request:
        if key_type in checked.served:
            lines.append(f"  {key_type.label}: you have it.")
            continue
        lines.append(f"  To request {key_type.label}:")
        lines.extend(command_lines(commands(key_type.id, checked.acme_clients, catalogue),
                                   key_type.label, "    "))
    return lines


# -- JSON ---------------------------------------------------------------------------------------
def as_json(checked: Checked, catalogue: Catalogue, current_only: bool = False) -> dict[str, Any]:
    certificates = [
        {"chain": number, "position": c.position, "subject": c.subject,
         "common_name": c.common_name, "issuer": c.issuer, "key": c.key,
         "key_type": c.key_type, "sha256": hashlib.sha256(c.der).hexdigest()}
        for number, chain in enumerate(checked.chains) for c in chain.certificates]
    return {
        "source": checked.source, "kind": checked.kind, "starttls": checked.starttls,
        "certificates": certificates,
        "chains": [{"offers": list(chain.offers), "key": chain.leaf.key,
                    "key_type": chain.leaf.key_type, "order_notes": chain.order_notes()}
                   for chain in checked.chains],
        "refused_offers": [{"offer": r.offer, "reason": r.reason} for r in checked.refusals],
        "notes": list(checked.notes),
        "served_key_types": [k.id for k in checked.served],
        "served_keys": _served_keys(checked),
        "outside_catalogue": list(checked.outside),
        "clients": {"known": checked.known_clients, "current": checked.current_clients},
        "stacks": ({s.stack.id.value: _stack_json(s, checked, current_only)
                    for s in checked.stacks} if checked.judged else {}),
        "advice": _advice_json(checked.advice, checked.acme_clients, catalogue),
        "breaks": checked.breaks,
    }


def _stack_json(findings: StackFindings, checked: Checked, current_only: bool) -> dict[str, Any]:
    def listed(fate: Fate) -> list[dict[str, Any]]:
        return [_fate_json(f, checked) for f in findings.with_fate(fate)
                if f.client.current or not current_only]
    return {"label": findings.stack.label, "library": findings.stack.library,
            "breaking": listed(Fate.BREAKS), "current_breaking": findings.current_breaking,
            "may_break": listed(Fate.MAY_BREAK), "undetermined": listed(Fate.UNDETERMINED)}


def _fate_json(found: ClientFate, checked: Checked) -> dict[str, Any]:
    first = found.verdicts[0]
    return {"client": found.client.sample.client, "id": found.client.sample.id,
            "state": found.client.era.value, "historical": found.client.era is not Era.CURRENT,
            "reason": _reason(first),
            "reason_code": first.reason_code or (first.caveat_code.value if first.caveat_code else None),
            "case": found.case, "related_cases": list(found.related_cases),
            "per_key_type": [{"key_type": k.id, "verdict": v.kind.value,
                              "reason_code": v.reason_code,
                              "caveat_code": v.caveat_code.value if v.caveat_code else None,
                              "reason": _reason(v)}
                             for k, v in zip(checked.served, found.verdicts)]}


def _advice_json(advice: Advice, acme_clients, catalogue: Catalogue) -> dict[str, Any]:
    return {
        "current_clients": advice.clients,
        "request": [k.id for k in advice.to_request],
        "serves_all": [k.id for k in advice.universal],
        "serves_most": [k.id for k in advice.best],
        "served_by_most": advice.served_by_best if advice.best else None,
        "left_out": {key: list(names) for key, names in advice.left_out},
        "side_by_side": [k.id for k in advice.pair] if advice.pair else None,
        "commands": {k.id: [{"acme_client": c.acme_client, "name": c.name, "command": c.text}
                            for c in commands(k.id, acme_clients, catalogue)]
                     for k in advice.to_request},
    }
