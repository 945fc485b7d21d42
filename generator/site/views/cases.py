"""A case page's view (pure): everything the case page shows, from the checked case (its
samples' verdicts, replays and fingerprints were computed once, by the check) and the
catalogue. Contributor text stays text here; Markdown fields become `Markup` through safe.py."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from generator.cases.model import Case, Sample
from generator.compat.keytypes import Catalogue
from generator.i18n import N_, _
from generator.site.safe import inline_prose, prose, web_address
from generator.site.tree_html import decisive_keys, tree_html
from generator.site.views.common import Linker, OutcomeMark, outcome_mark, reason_text
from generator.stacks import DEFAULT
from generator.tls.tree import client_hello_tree

ROLES = {"client": N_("a client connecting to your server"),
         "upload": N_("a platform you upload your certificate to"),
         "authority": N_("a certificate authority"),
         "server-setting": N_("a setting on your own server")}
#: each state's admonition and words (translated where shown: `state_words`)
STATES = {"current": ("warning", N_("Still happens")), "fixed": ("success", N_("Fixed")),
          "historical": ("info", N_("Historical"))}
ORIGINS = {"captured": N_("Captured"), "recorded-elsewhere": N_("Recorded elsewhere"),
           "reconstructed": N_("Reconstructed")}
FINGERPRINTS_GUIDE = "guides/debug-a-handshake-failure.md"
FINGERPRINTS_ANCHOR = "#fingerprints-ja3-and-ja4"


def _prose(text: str | None) -> Markup | None:
    return Markup(prose(text)) if text else None


def _inline(text: str | None) -> Markup | None:
    return Markup(inline_prose(text)) if text else None


def state_words(state: str) -> str:
    """A case's state in the active language ("Still happens")."""
    return _(STATES[state][1])


def known(date: str | None) -> str | None:
    """A date worth printing: the schema allows "unknown", which a page leaves out."""
    return None if date in (None, "unknown") else date


@dataclass(frozen=True, slots=True)
class StatusView:
    admonition: str
    state: str
    dates: str                   # "observed 2023-06, fixed 2024" (empty when none is known)
    note: Markup | None
    replayed_against: str | None     # None: documented


@dataclass(frozen=True, slots=True)
class SymptomView:
    where: str
    text: str
    note: Markup | None


@dataclass(frozen=True, slots=True)
class Fact:
    name: str
    value: str
    href: str | None = None
    code: bool = False


@dataclass(frozen=True, slots=True)
class KeyTypeRow:
    label: str
    key_id: str
    href: str
    mark: OutcomeMark
    why: str | Markup
    evidence: str
    evidence_detail: str | None      # the replay in full, on hover


@dataclass(frozen=True, slots=True)
class HandshakeRow:
    label: str
    ok: bool
    summary: str


@dataclass(frozen=True, slots=True)
class Failure:
    key_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class SampleView:
    client: str
    anchor: str                  # the id of its "why" box
    origin_kind: str
    by: str | None
    date: str | None
    source: str
    placeholders: tuple[tuple[int, int, str, str | None], ...]   # first byte, last, field, with
    size: int
    ja3_hash: str | None
    ja4: str | None
    fingerprints_href: str
    tree: Markup
    failures: tuple[Failure, ...]
    handshake: tuple[HandshakeRow, ...]   # for cases with documented outcomes


@dataclass(frozen=True, slots=True)
class FixTab:
    client: str
    href: str
    command: str | None          # the whole command for the recommended key type (or `instead`)
    instead: str | None          # the key type requested instead, when it cannot the recommended
    default: str                 # its default key type's label
    note: Markup | None


@dataclass(frozen=True, slots=True)
class FixView:
    label: str
    key_id: str
    summary: Markup
    alternatives: tuple[tuple[str, str], ...]     # (label, id)
    tabs: tuple[FixTab, ...]
    server: Markup | None


@dataclass(frozen=True, slots=True)
class ReferenceView:
    title: str
    href: str | None
    citation: str | None
    date: str | None
    note: Markup | None


@dataclass(frozen=True, slots=True)
class CasePage:
    title: str
    summary: Markup
    status: StatusView
    symptoms: tuple[SymptomView, ...]
    environment: tuple[Fact, ...]
    cause: Markup
    key_types: tuple[KeyTypeRow, ...]
    replayed_against: str | None
    samples: tuple[SampleView, ...]
    fix: FixView
    references: tuple[ReferenceView, ...]


def _status(case: Case) -> StatusView:
    admonition = STATES[case.status.state][0]
    dates = [_(words) % {"date": date}
             for words, date in ((N_("observed %(date)s"), known(case.status.observed)),
                                 (N_("fixed %(date)s"), known(case.status.fixed)),
                                 (N_("reviewed %(date)s"), known(case.status.reviewed)))
             if date]
    return StatusView(admonition, state_words(case.status.state), _(", ").join(dates),
                      _prose(case.status.note),
                      (case.replayed_against or _("the reference server")) if case.replayed
                      else None)


def _environment(case: Case, link: Linker) -> tuple[Fact, ...]:
    side = case.your_side
    facts = [Fact(_("Platform"), f"{case.platform.name} — {_(ROLES[case.platform.role])}")]
    if case.platform.versions:
        facts.append(Fact(_("Affected"), case.platform.versions))
    if side.server:
        facts.append(Fact(_("Your server"), side.server))
    if side.acme_client:
        facts.append(Fact(_("ACME client"), side.acme_client,
                          link(f"acme-clients/{side.acme_client}.md")))
    if side.key_type:
        facts.append(Fact(_("Key type that failed"), side.key_type, code=True))
    return tuple(facts)


def replay_brief(replay) -> str:
    if replay.kind == "alert":
        return _("alert %(alert)s") % {"alert": replay.alert}
    return "HelloRetryRequest" if replay.kind == "hello_retry_request" else "ServerHello"


def _key_type_rows(case: Case, catalogue: Catalogue, link: Linker) -> tuple[KeyTypeRow, ...]:
    rows = []
    first = case.samples[0].id if case.samples else None
    for key_type in catalogue.key_types:
        outcome = case.outcome(key_type.id)
        proof = next((r for r in case.stack_results(DEFAULT)
                      if r.key_type == key_type.id and r.sample == first), None)
        if outcome.basis == "replayed" and proof is not None:
            why: str | Markup = proof.verdict.summary()
            evidence = (_("replayed: %(answer)s") % {"answer": replay_brief(proof.replay)}
                        if proof.replay else _("analyzed"))
            detail = proof.replay.described().render() if proof.replay else None
        else:
            why, evidence, detail = _inline(outcome.note) or "", _("documented"), None
        rows.append(KeyTypeRow(key_type.label, key_type.id, link(f"key-types/{key_type.id}.md"),
                               outcome_mark(outcome), why, evidence, detail))
    return tuple(rows)


def _sample(case: Case, sample: Sample, catalogue: Catalogue, anchor: str,
            link: Linker) -> SampleView:
    results = case.results_for(sample.id)
    failing = [r for r in results if not r.verdict.ok]
    decisive = decisive_keys(field for r in failing for field in r.verdict.fields)
    provenance = sample.provenance
    prints = sample.prints
    documented = any(o.basis == "documented" for o in case.outcomes)
    handshake = ()
    if documented:
        by_key = {r.key_type: r.verdict for r in results}
        handshake = tuple(HandshakeRow(k.label, by_key[k.id].ok, by_key[k.id].summary())
                          for k in catalogue.key_types if k.id in by_key)
    return SampleView(
        sample.client, anchor, _(ORIGINS[provenance.kind]), provenance.by,
        known(provenance.date), provenance.source,
        tuple((p.offset, p.offset + p.length - 1, p.field, p.filled_with)
              for p in provenance.placeholders),
        len(sample.raw), prints.ja3_hash if prints else None, prints.ja4 if prints else None,
        link(FINGERPRINTS_GUIDE) + FINGERPRINTS_ANCHOR,
        Markup(tree_html(client_hello_tree(sample.wire), decisive, anchor)),
        tuple(Failure(r.key_type, reason_text(r.verdict)) for r in failing), handshake)


def _fix(case: Case, catalogue: Catalogue, link: Linker) -> FixView:
    fix = case.fix
    recommended = catalogue.key_type(fix.recommended)
    notes = dict(fix.acme_clients)
    tabs = []
    for client in catalogue.clients:
        command, instead = client.command(recommended.id), None
        if command is None:
            usable = next((k for k in fix.alternatives if client.command(k)), None)
            if usable is not None:
                command, instead = client.command(usable), catalogue.key_type(usable).label
        tabs.append(FixTab(client.name, link(f"acme-clients/{client.id}.md"), command, instead,
                           catalogue.key_type(client.default).label, _prose(notes.get(client.id))))
    return FixView(recommended.label, recommended.id, Markup(prose(fix.summary)),
                   tuple((catalogue.key_type(k).label, k) for k in fix.alternatives),
                   tuple(tabs), _prose(fix.server))


def references(case: Case) -> tuple[ReferenceView, ...]:
    return tuple(ReferenceView(r.title, web_address(r.url) if r.url else None,
                               r.citation or (r.url if r.url else None), known(r.date),
                               _inline(r.note))
                 for r in case.references)


def case_page(case: Case, catalogue: Catalogue, link: Linker,
              anchors: tuple[str, ...]) -> CasePage:
    """The case's view; `anchors` are the ids of its samples' "why" boxes, one per sample."""
    return CasePage(
        case.title, Markup(prose(case.summary)), _status(case),
        tuple(SymptomView(s.where, s.text, _prose(s.note)) for s in case.symptoms),
        _environment(case, link), Markup(prose(case.cause)),
        _key_type_rows(case, catalogue, link), case.replayed_against,
        tuple(_sample(case, s, catalogue, a, link) for s, a in zip(case.samples, anchors)),
        _fix(case, catalogue, link), references(case))


@dataclass(frozen=True, slots=True)
class IndexRow:
    """A row of an index table: a named, linked page and up to three facts about it."""
    name: str
    href: str
    first: str
    second: str
    third: str
