"""Which recorded client a ClientHello looks like (data/clients/): the same hello apart from
what changes between connections, the same JA4, or the nearest one with a similarity score.

What changes between two connections of one client, and is left out: the random, the session
id, key share values, the server name (it depends on the target), padding (RFC 7685: its
length follows the rest), a PSK's identities, GREASE values (RFC 8701: chosen afresh) and the
extensions' order (Chrome permutes it on every connection since version 110). Everything else
is the client's configuration. Pure.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from generator.compat.clients import RecordedClient, recorded_clients
from generator.tls.fingerprint import fingerprints
from generator.tls.records import WireClientHello, decode_client_hello
from generator.tls.registry import is_grease, is_grease_alpn

#: extensions whose presence or contents follow the connection, not the client
_VARYING_EXTENSIONS = {0, 21, 41}   # server_name, padding, pre_shared_key


class Match(enum.Enum):
    EXACT = "exact"        # every stable field equal
    JA4 = "ja4"            # the same JA4, other details differ
    SIMILAR = "similar"    # the nearest recorded client, with a score


@dataclass(frozen=True, slots=True)
class Identification:
    """The recorded clients a hello looks like: several when they send the same configuration
    (msmtp and gnutls-cli are both GnuTLS with its defaults), in file-name order."""
    clients: tuple[RecordedClient, ...]
    match: Match
    similarity: float      # 1.0 for an exact match; Jaccard mean over the stable fields

    def describe(self) -> str:
        how = {Match.EXACT: "same configuration", Match.JA4: "same JA4",
               Match.SIMILAR: f"nearest, similarity {self.similarity:.2f}"}
        names = "; ".join(f"{c.client} [{c.id}]" for c in self.clients)
        return f"looks like: {names} ({how[self.match]})"

    def as_json(self) -> dict:
        return {"clients": [{"id": c.id, "client": c.client} for c in self.clients],
                "match": self.match.value, "similarity": round(self.similarity, 3)}


def stable_fields(wire: WireClientHello) -> dict[str, tuple]:
    """The fields a client's configuration decides, GREASE removed, by name."""
    hello = wire.hello
    fields = {
        "format": ("sslv2",) if wire.sslv2 is not None else ("tls",),
        "legacy_version": (hello.legacy_version,),
        "cipher_suites": tuple(s for s in hello.cipher_suites if not is_grease(s)),
        "compression": tuple(hello.compression_methods),
        "extensions": tuple(sorted(e.type for e in hello.extensions
                                   if not is_grease(e.type) and e.type not in _VARYING_EXTENSIONS)),
    }
    for name in ("supported_groups", "signature_algorithms", "signature_algorithms_cert",
                 "supported_versions", "key_share_groups", "ec_point_formats"):
        values = getattr(hello, name)
        if values is not None:
            fields[name] = tuple(v for v in values if not is_grease(v))
    if hello.alpn is not None:
        fields["alpn"] = tuple(p for p in hello.alpn if not is_grease_alpn(p))
    return fields


def similarity(a: dict[str, tuple], b: dict[str, tuple]) -> float:
    """The mean, over the fields either hello has, of the Jaccard index of their values (a
    field one lacks counts 0): 1.0 for equal configurations."""
    names = set(a) | set(b)
    total = 0.0
    for name in names:
        left, right = set(a.get(name, ())), set(b.get(name, ()))
        if name in a and name in b:
            union = left | right
            total += len(left & right) / len(union) if union else 1.0
    return total / len(names) if names else 0.0


@cache
def _catalogue() -> tuple[tuple[RecordedClient, dict[str, tuple], str | None], ...]:
    entries = []
    for client in recorded_clients():
        wire = decode_client_hello(client.raw)
        entries.append((client, stable_fields(wire), fingerprints(wire).ja4))
    return tuple(entries)


def identify(wire: WireClientHello,
             catalogue: Sequence[tuple[RecordedClient, dict[str, tuple], str | None]] | None = None
             ) -> Identification | None:
    """The recorded client `wire` looks like (None when there are none to compare with)."""
    entries = _catalogue() if catalogue is None else catalogue
    if not entries:
        return None
    fields = stable_fields(wire)
    exact = tuple(client for client, theirs, _ in entries if theirs == fields)
    if exact:
        return Identification(exact, Match.EXACT, 1.0)
    ja4 = fingerprints(wire).ja4
    scores = [similarity(fields, theirs) for _, theirs, _ in entries]
    candidates = [i for i, (_, _, theirs) in enumerate(entries) if ja4 is not None and theirs == ja4]
    match = Match.JA4 if candidates else Match.SIMILAR
    candidates = candidates or list(range(len(entries)))
    best = max(scores[i] for i in candidates)
    return Identification(tuple(entries[i][0] for i in candidates if scores[i] == best), match,
                          best)
