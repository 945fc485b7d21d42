"""Does a verdict agree with the replay? The one comparison the CLI, the case checker and the
tests all use."""

from __future__ import annotations

from generator.compat.outcome import AnswerKind, ReplayOutcome
from generator.compat.verdict import Verdict
from generator.tls.registry import cipher_suite_name, group_name, name, signature_scheme_name


def disagreements(verdict: Verdict, outcome: ReplayOutcome) -> tuple[str, ...]:
    """Every way the analyzer's prediction differs from what the stack answered (empty:
    agree). The TLS 1.3 signature scheme travels encrypted, so it is compared only when the
    replayer could open the flight; so is an alert after a TLS 1.3 ServerHello."""
    if verdict.ok != outcome.ok:
        said = "ok" if verdict.ok else f"fail ({verdict.reason_code})"
        return (f"analyzer says {said}, replay says {outcome.describe()}",)
    found = []
    if not verdict.ok:
        failed_late = outcome.kind is AnswerKind.FAILED_AFTER_SERVER_HELLO
        if verdict.after_server_hello != failed_late:
            found.append("analyzer says the failure comes "
                         + ("after" if verdict.after_server_hello else "before")
                         + f" the ServerHello, replay says {outcome.describe()}")
        if verdict.alert != outcome.alert and not (failed_late and outcome.alert is None):
            found.append(f"alert: analyzer {name('alerts', verdict.alert or 0)} ({verdict.alert}), "
                         f"replay {outcome.describe()}")
        return tuple(found)
    if verdict.version != outcome.version:
        found.append(f"version: analyzer 0x{verdict.version:04x}, replay 0x{outcome.version:04x}")
    if verdict.cipher_suite != outcome.cipher_suite:
        found.append(f"cipher suite: analyzer {cipher_suite_name(verdict.cipher_suite)}, replay "
                     f"{cipher_suite_name(outcome.cipher_suite)}")
    if verdict.group != outcome.group:
        found.append(f"group: analyzer {group_name(verdict.group) if verdict.group else None}, "
                     f"replay {group_name(outcome.group) if outcome.group else None}")
    if verdict.hello_retry_request != (outcome.kind is AnswerKind.HELLO_RETRY_REQUEST):
        found.append("HelloRetryRequest: analyzer and replay differ")
    if outcome.signature_scheme is not None and verdict.signature_scheme != outcome.signature_scheme:
        found.append(f"signature scheme: analyzer "
                     f"{signature_scheme_name(verdict.signature_scheme or 0)}, replay "
                     f"{signature_scheme_name(outcome.signature_scheme)}")
    return tuple(found)
