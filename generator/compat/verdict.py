"""A verdict: what one server stack, holding a certificate of one key type, does with one
ClientHello — predicted by that stack's analyzer (generator/stacks/<id>/analyzer.py) and
proven by replaying the hello against the stack itself.

Three results, not two. A stack *fails* the hello (an alert, or nothing), or answers with its
ServerHello flight. When it answers although the certificate is one the client did not ask
for — an ECDSA key on a curve missing from supported_groups (RFC 8422 §5.1), a signature the
client did not offer — the handshake goes on only if the client does not look: the verdict is
*proceeds*, with the reason in `caveat`. A server's ServerHello is all a replay can prove;
whether a client then refuses such a certificate is the client's behaviour, not the server's.

Reasons and caveats are messages (generator/i18n.py `reason()`): a template with parameters,
so that they render in any language. `Verdict.reason_message` and `Verdict.caveat_message` hold
them; `Verdict.reason` and `Verdict.caveat` are their English text (what the CLI, `--json`, the
case checks and every cache see), and `Verdict.summary()` renders in the active language.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from generator.i18n import Message, reason, verbatim
from generator.languages import SOURCE
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
    reason_message: Message | None = None    # why the server fails, in any language
    alert: int | None = None                 # the alert the server sends on failure
    fixable: bool = True                     # False: no certificate key type can fix it
    fields: tuple[str, ...] = ()             # the ClientHello fields that decided
    after_server_hello: bool = False         # a failure only after the ServerHello was sent
    caveat_code: Caveat | None = None        # set: the server proceeds with a certificate the
    caveat_message: Message | None = None    # client did not offer, and this says why
    #: `reason_message` in English (the CLI, JSON, case checks)
    reason: str | None = field(init=False)
    #: `caveat_message` in English
    caveat: str | None = field(init=False)

    def __post_init__(self) -> None:
        for name, message in (("reason", self.reason_message), ("caveat", self.caveat_message)):
            object.__setattr__(self, name, None if message is None else message.render(SOURCE))

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
        """One line in the active language (generator/i18n.py `using`; English unless a caller
        chose another): the reason a failure fails, else the handshake the server starts (and
        the caveat, if any)."""
        if not self.ok:
            if self.reason_message is not None:
                return self.reason_message.render()
            return self.reason_code or reason("fails").render()
        parts = [version_name(self.version), cipher_suite_name(self.cipher_suite)]
        if self.group is not None:
            group = group_name(self.group)
            parts.append(reason("%(group)s (after HelloRetryRequest)", group=group).render()
                         if self.hello_retry_request else group)
        if self.signature_scheme is not None:
            parts.append(signature_scheme_name(self.signature_scheme))
        text = ", ".join(parts)
        if self.caveat_message is None:
            return text
        return reason("%(handshake)s; but %(caveat)s", handshake=text,
                      caveat=self.caveat_message).render()


class Refusal(Exception):
    """Raised inside an analyzer by the step that finds the obstacle; carries the failing
    verdict's details (`verdict`). `because` is the reason, a message; `alert` None: the stack
    sends nothing at all."""

    def __init__(self, code: str, because: Message, alert: int | None, fields,
                 fixable: bool, after_server_hello: bool = False) -> None:
        super().__init__(str(because))
        self.code, self.because, self.alert = code, because, alert
        self.fields, self.fixable = tuple(fields), fixable
        self.after_server_hello = after_server_hello

    def verdict(self, key_type: str) -> Verdict:
        return Verdict(key_type, False, reason_code=self.code, reason_message=self.because,
                       alert=self.alert, fixable=self.fixable, fields=self.fields,
                       after_server_hello=self.after_server_hello)


def unfixable(code: str, because: Message, alert: int | None, *fields: str) -> Refusal:
    """A refusal no certificate key type can fix."""
    return Refusal(code, because, alert, fields, False)


def fixable(code: str, because: Message, *fields: str) -> Refusal:
    """A refusal another key type may fix: handshake_failure (40), RFC 8446 §6."""
    return Refusal(code, because, 40, fields, True)


def hex16(value: int) -> str:
    """A two-byte protocol value as a reason quotes it: 0x0303."""
    return f"0x{value:04x}"


def listed(values, namer, limit: int = 6) -> Message:
    """`values` named for a reason, GREASE left out (RFC 8701): the first `limit`, then how
    many more."""
    shown = [f"{namer(v)}" for v in values if not is_grease(v)]
    if not shown:
        return reason("nothing but GREASE")
    names = ", ".join(shown[:limit])
    if len(shown) > limit:
        return reason("%(names)s and %(more)s more", names=names, more=len(shown) - limit)
    return verbatim(names)
