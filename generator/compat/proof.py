"""Does a verdict agree with the replay? The one comparison the CLI, the case checker and the
tests all use."""

from __future__ import annotations

from generator.compat.analyzer import Verdict
from generator.compat.outcome import ReplayOutcome
from generator.tls.registry import cipher_suite_name, group_name, name, signature_scheme_name


def disagreements(verdict: Verdict, outcome: ReplayOutcome) -> tuple[str, ...]:
    """Every way the analyzer's prediction differs from what OpenSSL answered (empty: agree).
    The TLS 1.3 signature scheme travels encrypted, so it is compared only when visible."""
    if verdict.ok != outcome.ok:
        said = "ok" if verdict.ok else f"fail ({verdict.reason_code})"
        return (f"analyzer says {said}, replay says {outcome.describe()}",)
    found = []
    if not verdict.ok:
        if verdict.alert != outcome.alert:
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
    if verdict.hello_retry_request != (outcome.kind == "hello_retry_request"):
        found.append("HelloRetryRequest: analyzer and replay differ")
    if outcome.signature_scheme is not None and verdict.signature_scheme != outcome.signature_scheme:
        found.append(f"signature scheme: analyzer "
                     f"{signature_scheme_name(verdict.signature_scheme or 0)}, replay "
                     f"{signature_scheme_name(outcome.signature_scheme)}")
    return tuple(found)
