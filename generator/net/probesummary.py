"""What `tlskb probe` concludes from the answers, as data: the certificates the server showed,
the stack it behaves like, each breaking client with why and what to type, and the key-type
advice. Pure: report.py turns it into text, and `probe --json` into its summary object."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from generator.cases.model import Case
from generator.compat.advice import COMMON_ACME_CLIENTS, Advice, Command, advise, commands
from generator.compat.analyzer import analyze
from generator.compat.related import documented_failures
from generator.compat.keytypes import Catalogue
from generator.knowledge import case_url
from generator.net.answer import ProbeKind, ProbeResult
from generator.stacks import Stack, stacks
from generator.tls.records import decode_client_hello
from generator.tls.registry import cipher_suite_name, group_name, name, version_name

@dataclass(frozen=True, slots=True)
class ServedCertificate:
    """A leaf certificate key the server showed in TLS <= 1.2 answers (encrypted in TLS 1.3)."""
    key: str                 # "ECDSA P-256", or a key outside the catalogue ("RSA 1024")
    key_type: str | None     # its catalogue id, when it is one
    clients: int             # how many probed clients were shown it


@dataclass(frozen=True, slots=True)
class StackFit:
    """How many answered probes a stack's analyzer predicts wrongly with the served key types."""
    stack: Stack
    answered: int
    wrong: tuple[str, ...]   # the clients predicted wrongly


@dataclass(frozen=True, slots=True)
class Breaking:
    """A probed client that gets no ServerHello, why, and what serves it."""
    sample: str
    client: str
    historical: bool
    answer: str              # what the server sent instead ("alert handshake_failure (40)")
    reason: str
    case: str | None
    case_url: str | None
    fix_key_type: str | None            # a catalogue key type that serves this client
    commands: tuple[Command, ...]
    server_setting: str | None          # the case's server-side fix, when there is one


@dataclass(frozen=True, slots=True)
class ProbeSummary:
    clients: int
    certificates: tuple[ServedCertificate, ...]
    predicted_by: tuple[str, ...]        # key types with which the reference predicts every answer
    mismatches: tuple[str, ...]          # clients the served key types' prediction gets wrong
    stack_fits: tuple[StackFit, ...]     # best first
    breaking: tuple[Breaking, ...]
    advice: Advice
    #: the served key types, when together they serve every probed client
    side_by_side: tuple[str, ...] = ()
    #: keys the server showed that are outside the catalogue (RSA 1024): no verdicts for them
    outside: tuple[str, ...] = ()

    @property
    def served_key_types(self) -> tuple[str, ...]:
        return tuple(c.key_type for c in self.certificates if c.key_type)

    @property
    def behaves_like(self) -> tuple[str, ...]:
        """The stacks whose analyzer predicts every answer."""
        return tuple(f.stack.id.value for f in self.stack_fits if f.answered and not f.wrong)


def served_certificates(results: Sequence[ProbeResult]) -> tuple[ServedCertificate, ...]:
    """Every distinct leaf key shown, most shown first: two or more mean the server holds
    several certificates and picks one per client (RSA beside ECDSA)."""
    counts = Counter((r.certificate_key, r.certificate_key_type) for r in results
                     if r.ok and r.certificate_key
                     and (r.certificate_key_type or not _unread(r.certificate_key)))
    return tuple(ServedCertificate(key, key_type, n)
                 for (key, key_type), n in counts.most_common())


def _unread(key: str) -> bool:
    """A certificate_key that says why no key could be named, rather than naming one."""
    return key.startswith(("not read", "unreadable", "no certificate", "no Certificate"))


def summarize(found, catalogue: Catalogue, cases: Sequence[Case],
              acme_clients: Sequence[str] = COMMON_ACME_CLIENTS) -> ProbeSummary:
    """The conclusions from `found` (report.ProbeFinding: the answer and the analyzer's
    verdicts for each probed client)."""
    certificates = served_certificates([f.result for f in found])
    served = tuple(c.key_type for c in certificates if c.key_type)
    outside = tuple(c.key for c in certificates if not c.key_type)
    answered = [f for f in found if f.result.answered]

    def predicted_ok(finding, key_types) -> bool:
        return any(finding.verdict(k).ok for k in key_types)

    predicted_by = tuple(k.id for k in catalogue.key_types
                         if answered and all(predicted_ok(f, (k.id,)) == f.result.ok
                                             for f in answered))
    mismatches = tuple(f.result.sample.client for f in answered
                       if served and predicted_ok(f, served) != f.result.ok)
    keys = served or (predicted_by[:1] if len(predicted_by) == 1 else ())
    fits = _stack_fits(answered, keys, catalogue)
    advice = advice_for(found, catalogue)
    by_id = {case.id: case for case in cases}
    index = cases_by_failure(cases, catalogue)
    breaking = tuple(_breaking(f, keys, outside, by_id, index, catalogue, advice, acme_clients)
                     for f in found if not f.result.ok)
    return ProbeSummary(len(found), certificates, predicted_by, mismatches, fits, breaking,
                        advice, together(found, served), outside)


def _stack_fits(answered, key_types: tuple[str, ...], catalogue: Catalogue
                ) -> tuple[StackFit, ...]:
    """Each stack, holding the served key types, by how many answers its analyzer gets wrong."""
    if not key_types:
        return ()
    fits = []
    for stack in stacks():
        wrong = []
        for finding in answered:
            hello = decode_client_hello(finding.result.sample.raw).hello
            ok = any(analyze(hello, catalogue.key_type(k), stack.id).ok for k in key_types)
            if ok != finding.result.ok:
                wrong.append(finding.result.sample.client)
        fits.append(StackFit(stack, len(answered), tuple(wrong)))
    return tuple(sorted(fits, key=lambda fit: len(fit.wrong)))


def advice_for(found, catalogue: Catalogue) -> Advice:
    """The advice (generator/compat/advice.py) over the probed clients, a key type serving
    a client when the analyzer says it works with the reference server."""
    serves = {k.id: frozenset(i for i, f in enumerate(found) if k.id in f.works_with)
              for k in catalogue.key_types}
    return advise(serves, [f.result.sample.client for f in found], catalogue)


def together(found, served: tuple[str, ...]) -> tuple[str, ...]:
    """`served` when two or more served key types together serve every probed client."""
    if len(served) > 1 and found and all(any(k in f.works_with for k in served)
                                         for f in found):
        return served
    return ()


def _breaking(finding, keys, outside, cases_by_id, index, catalogue: Catalogue,
              advice: Advice, acme_clients: Sequence[str]) -> Breaking:
    result = finding.result
    sample = result.sample
    case = cases_by_id.get(sample.case_id) if sample.case_id else None
    reason = explanation(finding, keys, index, outside)
    fix = _fix_key_type(finding, case, advice, catalogue) if _key_explains(finding, keys) else None
    found_commands = () if fix is None else commands(fix, acme_clients, catalogue)
    return Breaking(sample.id, sample.client, sample.historical, answer_text(result), reason,
                    case.id if case else None, case_url(case.id) if case else None, fix,
                    found_commands, case.fix.server if case else None)


def _key_explains(finding, keys: tuple[str, ...]) -> bool:
    """Whether another certificate could help: the server answered (an alert, or a silent
    close) rather than the connection failing, and the analyzer expects the served key types
    (when known) to fail this client. When it expects them to work, the server's versions,
    suites or groups refuse the client, and no key type is the fix."""
    if finding.result.kind not in (ProbeKind.ALERT, ProbeKind.CLOSED):
        return False
    return not any(finding.verdict(k).ok for k in keys)


def _fix_key_type(finding, case: Case | None, advice: Advice, catalogue: Catalogue) -> str | None:
    """The key type to serve this client: its case's recommendation when that serves it, else
    what the advice would request when that does, else the first of the catalogue's
    preference that does; None when none does (the server's configuration, not the key)."""
    works = finding.works_with
    candidates = ([case.fix.recommended] if case else []) + [
        k.id for k in advice.to_request] + list(catalogue.preference)
    return next((k for k in candidates if k in works), None)


def explanation(finding, keys: tuple[str, ...],
                cases_by_reason: dict[tuple[str, str], list[str]],
                outside: tuple[str, ...] = ()) -> str:
    """Why a client breaks: the analyzer's reason for each served key type (with the cases
    that show the same failure), and the client's own case. When the analyzer expects one of
    the served key types to work, the server's configuration refuses the client instead."""
    sample = finding.result.sample
    case = f"case {sample.case_id}: {sample.case_title}" if sample.case_id else ""
    if not keys and outside:
        why = (f"the server's certificate ({', '.join(outside)}) is outside the key types "
               "tlskb has verdicts for, so the analyzer cannot say why")
        return why + (f" ({case})" if case else "")
    if not keys:
        return case or "the server's key type is unknown (TLS 1.3 hides it), so the analyzer " \
                       "cannot say why"
    failing = [finding.verdict(k) for k in keys if not finding.verdict(k).ok]
    if len(failing) < len(keys):
        why = ("the reference server with the same certificate"
               + ("s" if len(keys) > 1 else "") + " would accept it: the server's own "
               "configuration (versions, suites, groups) refuses this client")
        return why + (f" ({case})" if case else "")
    reasons = []
    for verdict in failing:
        related = [c for c in cases_by_reason.get((verdict.key_type, verdict.reason_code), [])
                   if c != sample.case_id]
        reasons.append(verdict.reason + (f" (as in case {', '.join(related)})" if related
                                         else ""))
    return "; ".join(reasons) + (f" — {case}" if case else "")


def cases_by_failure(cases, catalogue: Catalogue) -> dict[tuple[str, str | None], list[str]]:
    """(key type, reason code) -> ids of the cases whose samples fail that way."""
    return documented_failures(((case.id, sample.wire.hello) for case in cases
                                for sample in case.samples), catalogue.key_types)


def answer_text(result: ProbeResult) -> str:
    """What the server sent one probe, in a few words."""
    if result.kind is ProbeKind.ALERT:
        return f"alert {name('alerts', result.alert)} ({result.alert})"
    if not result.ok:
        return result.detail or result.kind
    text = f"{version_name(result.version)}, {cipher_suite_name(result.cipher_suite)}"
    if result.group is not None:
        text += f", {group_name(result.group)}"
    if result.kind is ProbeKind.HELLO_RETRY_REQUEST:
        text = "HelloRetryRequest: " + text
    if result.certificate_key and result.certificate_key_type is None:
        text += f"; certificate: {result.certificate_key}"  # outside the catalogue, or unread
    return text
