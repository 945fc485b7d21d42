"""One connection's ClientHello → the client it comes from and what each stack, holding each key
type, does with it. Pure apart from its caches.

A million connections come from few configurations, so the work is done once per
configuration: `config_key` is the hello without what changes between connections of one
client and cannot change a verdict — the random, the session id's bytes (its length stays) and
each key share's value when it is a usable one (`keyshare.encoding_valid` and
`agreement_valid`, the strictest checks any stack's analyzer applies: an invalid share stays in
the key byte for byte). Everything else — the server name (GnuTLS and JSSE judge it), a PSK,
padding, the extensions' order — is part of it. `tests/test_impact.py` holds every stack's
verdicts for a corpus hello equal to those for the same hello with another random, session id
and key shares.
"""

from __future__ import annotations

import enum
import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from generator.compat.analyzer import VerdictKind, analyze
from generator.compat.identify import Match, identify, stable_fields
from generator.compat.keyshare import agreement_valid, encoding_valid
from generator.compat.keytypes import KeyType
from generator.stacks import StackId
from generator.tls import extensions as ext
from generator.tls.fingerprint import fingerprints
from generator.impact.skeleton import skeleton
from generator.printable import escape
from generator.tls.records import WireClientHello, decode_client_hello_at

#: distinct configurations (and identifications) remembered; beyond, the least recently seen
#: is computed again when it comes back
CACHE_SIZE = 8192


class GroupBy(enum.Enum):
    """How connections are told apart as one client (the report says which)."""
    CATALOGUE = "catalogue"   # identify() found recorded clients with the same configuration
    JA4 = "ja4"               # not in the catalogue: its JA4 (FoxIO) stands for the client
    SSLV2 = "sslv2"           # SSL 2.0 format (no JA4): its configuration stands for it


@dataclass(frozen=True, slots=True)
class Client:
    """The client a connection is counted under."""
    id: str                           # "catalogue:curl-7.88", "ja4:t13d…", "sslv2:…"
    by: GroupBy
    label: str                        # what the report calls it (contains client-chosen text
                                      # only through the catalogue's own names)
    catalogue: tuple[tuple[str, str], ...]   # (id, name) of the recorded clients it matches
    match: str | None                 # identify()'s match: exact, ja4, similar (None: empty
                                      # catalogue)
    similarity: float | None
    ja4: str | None                   # the JA4 the connections share (JA4 groups only)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one stack holding one key type does with the hello."""
    kind: VerdictKind
    reason: str | None                # why it fails, or the caveat when it proceeds
    fixable: bool


@dataclass(frozen=True, slots=True)
class Config:
    """One configuration: its client and its outcomes, `outcomes[stack][key type]` in the
    order the Classifier was given."""
    client: Client
    outcomes: tuple[tuple[Outcome, ...], ...]


def config_key(wire: WireClientHello) -> tuple:
    """The hello without what cannot change a verdict (the module's docstring)."""
    hello = wire.hello
    extensions = []
    for extension in hello.extensions:
        if isinstance(extension, ext.KeyShare):
            extensions.append(("key_share",) + tuple(
                (entry.group, len(entry.key_exchange)) if usable(entry.group, entry.key_exchange)
                else (entry.group, entry.key_exchange) for entry in extension.entries))
        else:
            extensions.append(extension)
    return (wire.sslv2 is not None, hello.sslv2_format, hello.legacy_version,
            len(hello.session_id), hello.cipher_suites, hello.compression_methods,
            hello.extensions_present, tuple(extensions))


def usable(group: int, value: bytes) -> bool:
    """A key share every stack's server can use (the strictest checks their analyzers make)."""
    return encoding_valid(group, value) and agreement_valid(group, value)


class _Lru(OrderedDict):
    def remember(self, key, value):
        self[key] = value
        if len(self) > CACHE_SIZE:
            self.popitem(last=False)
        return value

    def recall(self, key):
        value = self.get(key)
        if value is not None:
            self.move_to_end(key)
        return value


class Classifier:
    """`classify(wire)` with the work done once per configuration (`analyses` counts it)."""

    def __init__(self, stacks: Sequence[StackId], key_types: Sequence[KeyType]) -> None:
        self.stacks, self.key_types = tuple(stacks), tuple(key_types)
        self._configs = _Lru()
        self._clients = _Lru()
        self._skeletons = _Lru()
        self.analyses = 0

    def from_bytes(self, raw: bytes) -> tuple[Config, str | None]:
        """The configuration of the ClientHello record(s) `raw` and its server name (escaped,
        printable.escape), decoding only when its skeleton is new (skeleton.py). Raises
        DecodeError for a malformed hello."""
        shape = skeleton(raw)
        if shape is not None:
            key = shape[0] + bytes(usable(group, value) for group, value in shape[1])
            found = self._skeletons.recall(key)
            if found is not None:
                return found
        wire, _ = decode_client_hello_at(raw, 0)
        name = wire.hello.server_name_bytes
        found = (self.classify(wire), None if name is None else escape(name))
        if shape is not None:
            self._skeletons.remember(key, found)
        return found

    def classify(self, wire: WireClientHello) -> Config:
        key = config_key(wire)
        found = self._configs.recall(key)
        if found is not None:
            return found
        self.analyses += 1
        outcomes = tuple(tuple(_outcome(analyze(wire.hello, key_type, stack_id))
                               for key_type in self.key_types) for stack_id in self.stacks)
        return self._configs.remember(key, Config(self._client(wire), outcomes))

    def _client(self, wire: WireClientHello) -> Client:
        fields = stable_fields(wire)
        key = tuple(sorted(fields.items()))
        found = self._clients.recall(key)
        if found is None:
            found = self._clients.remember(key, client_of(wire))
        return found


def _outcome(verdict) -> Outcome:
    kind = verdict.kind
    reason = (verdict.reason or verdict.reason_code if kind is VerdictKind.FAIL
              else verdict.caveat if kind is VerdictKind.PROCEEDS else None)
    return Outcome(kind, reason, verdict.fixable)


def client_of(wire: WireClientHello) -> Client:
    """The recorded clients `wire` is (identify's exact match), else its JA4 with the nearest
    recorded client named as a hint."""
    found = identify(wire)
    ja4 = fingerprints(wire).ja4
    catalogue = () if found is None else tuple((c.id, c.client) for c in found.clients)
    match = None if found is None else found.match.value
    similarity = None if found is None else round(found.similarity, 3)
    if found is not None and found.match is Match.EXACT:
        first_id, first_name = catalogue[0]
        names = f"{first_name} [{first_id}]" + (
            f" (and {len(catalogue) - 1} more recorded with the same configuration)"
            if len(catalogue) > 1 else "")
        # no JA4 here: the connections of one configuration may differ in SNI and ALPN
        return Client("catalogue:" + ",".join(c for c, _ in catalogue), GroupBy.CATALOGUE,
                      names, catalogue, match, similarity, None)
    if found is None:
        hint = ""
    elif found.match is Match.JA4:
        hint = f" (same JA4 as {catalogue[0][1]} [{catalogue[0][0]}])"
    else:
        hint = f" (nearest: {catalogue[0][1]} [{catalogue[0][0]}], similarity {similarity:.2f})"
    if ja4 is None:
        digest = hashlib.sha256(repr(sorted(stable_fields(wire).items())).encode()).hexdigest()[:12]
        return Client(f"sslv2:{digest}", GroupBy.SSLV2, f"SSL 2.0-format client {digest}{hint}",
                      catalogue, match, similarity, None)
    return Client(f"ja4:{ja4}", GroupBy.JA4, f"JA4 {ja4}{hint}", catalogue, match, similarity,
                  ja4)
