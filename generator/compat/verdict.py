"""A verdict: what one server stack, holding a certificate of one key type, does with one
ClientHello — predicted by that stack's analyzer (generator/stacks/<id>/analyzer.py) and
proven by replaying the hello against the stack itself.

Three results, not two. A stack *fails* the hello (an alert, or nothing), or answers with its
ServerHello flight. When it answers although the certificate is one the client did not ask
for — an ECDSA key on a curve missing from supported_groups (RFC 8422 §5.1), a signature the
client did not offer — the handshake goes on only if the client does not look: the verdict is
*proceeds*, with the reason in `caveat`. A server's ServerHello is all a replay can prove;
whether a client then refuses such a certificate is the client's behaviour, not the server's.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from generator.tls.registry import (cipher_suite_name, group_name, is_grease,
                                    signature_scheme_name, version_name)


class VerdictKind(enum.Enum):
    """The three results (`tlskb analyze --json`: "verdict")."""
    OK = "ok"              # the server answers, with a certificate the client asked for
    PROCEEDS = "proceeds"  # the server answers; the client may refuse the certificate
    FAIL = "fail"          # the server refuses (alert) or says nothing


class Caveat(str, enum.Enum):
    """Why a server that answers may still lose the client (`Verdict.caveat_code`)."""
    #: an ECDSA certificate on a curve the client's supported_groups does not list: RFC 8422
    #: §5.1 (TLS 1.2) lets the client refuse it
    CURVE_NOT_OFFERED = "curve_not_offered"
    #: the certificate chain is signed with an algorithm the client's signature_algorithms(_cert)
    #: does not list (RFC 8446 §4.2.3, RFC 5246 §7.4.2)
    CERTIFICATE_SIGNATURE_NOT_OFFERED = "certificate_signature_not_offered"


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a server holding a certificate of `key_type` answers this ClientHello with a
    ServerHello flight (`ok`), and why (not)."""
    key_type: str
    ok: bool                                 # the server answers with its ServerHello flight
    version: int | None = None
    cipher_suite: int | None = None          # the suite the server picks
    cipher_suites: tuple[int, ...] = ()      # every suite it could pick with this key type
    group: int | None = None                 # (EC)DHE group: key share, HRR or ECDHE curve
    signature_scheme: int | None = None      # the scheme the server signs with, when it signs
    hello_retry_request: bool = False
    reason_code: str | None = None
    reason: str | None = None
    alert: int | None = None                 # the alert the server sends on failure
    fixable: bool = True                     # False: no certificate key type can fix it
    fields: tuple[str, ...] = ()             # the ClientHello fields that decided
    after_server_hello: bool = False         # a failure only after the ServerHello was sent
    caveat_code: Caveat | None = None        # set: the server proceeds with a certificate the
    caveat: str | None = None                # client did not offer, and this says why

    @property
    def kind(self) -> VerdictKind:
        if not self.ok:
            return VerdictKind.FAIL
        return VerdictKind.PROCEEDS if self.caveat_code else VerdictKind.OK

    @property
    def works(self) -> bool:
        """The server answers and the client asked for what it gets."""
        return self.kind is VerdictKind.OK

    def summary(self) -> str:
        if not self.ok:
            return self.reason or self.reason_code or "fails"
        parts = [version_name(self.version), cipher_suite_name(self.cipher_suite)]
        if self.group is not None:
            parts.append(group_name(self.group) + (" (after HelloRetryRequest)"
                                                   if self.hello_retry_request else ""))
        if self.signature_scheme is not None:
            parts.append(signature_scheme_name(self.signature_scheme))
        text = ", ".join(parts)
        return f"{text}; but {self.caveat}" if self.caveat else text


class Refusal(Exception):
    """Raised inside an analyzer by the step that finds the obstacle; carries the failing
    verdict's details (`verdict`). `alert` None: the stack sends nothing at all."""

    def __init__(self, code: str, reason: str, alert: int | None, fields,
                 fixable: bool, after_server_hello: bool = False) -> None:
        super().__init__(reason)
        self.code, self.reason, self.alert = code, reason, alert
        self.fields, self.fixable = tuple(fields), fixable
        self.after_server_hello = after_server_hello

    def verdict(self, key_type: str) -> Verdict:
        return Verdict(key_type, False, reason_code=self.code, reason=self.reason,
                       alert=self.alert, fixable=self.fixable, fields=self.fields,
                       after_server_hello=self.after_server_hello)


def unfixable(code: str, reason: str, alert: int | None, *fields: str) -> Refusal:
    """A refusal no certificate key type can fix."""
    return Refusal(code, reason, alert, fields, False)


def fixable(code: str, reason: str, *fields: str) -> Refusal:
    """A refusal another key type may fix: handshake_failure (40), RFC 8446 §6."""
    return Refusal(code, reason, 40, fields, True)


def listed(values, namer, limit: int = 6) -> str:
    """`values` named for a reason text, GREASE left out (RFC 8701): the first `limit`, then
    how many more."""
    shown = [f"{namer(v)}" for v in values if not is_grease(v)]
    if not shown:
        return "nothing but GREASE"
    more = f" and {len(shown) - limit} more" if len(shown) > limit else ""
    return ", ".join(shown[:limit]) + more
