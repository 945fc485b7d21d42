"""The key-type catalogue (data/catalogue.yaml) as immutable values, loaded once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from generator.errors import UsageError

#: named curve -> (NamedGroup codepoint, TLS 1.3 SignatureScheme bound to it; RFC 8446 §4.2.3)
CURVES = {"secp256r1": (0x0017, 0x0403), "secp384r1": (0x0018, 0x0503),
          "secp521r1": (0x0019, 0x0603)}


@dataclass(frozen=True, slots=True)
class KeyType:
    id: str
    label: str
    algorithm: str            # "rsa", "ecdsa" or "ed25519"
    size: int | None = None   # RSA modulus bits
    curve: str | None = None  # ECDSA named curve

    @property
    def group(self) -> int | None:
        """The NamedGroup of an ECDSA key's curve (RFC 8422 §5.1.1)."""
        return CURVES[self.curve][0] if self.curve else None

    @property
    def tls13_scheme(self) -> int | None:
        """The one ECDSA SignatureScheme TLS 1.3 allows for this curve (RFC 8446 §4.2.3)."""
        return CURVES[self.curve][1] if self.curve else None


def key_parameters(key) -> tuple[str, int | None, str | None] | None:
    """(algorithm, size, curve) of a `cryptography` key, public or private, in the catalogue's
    terms — ("rsa", 2048, None), ("ecdsa", None, "secp384r1"), ("ed25519", None, None) — or
    None for any other kind of key."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    if isinstance(key, (rsa.RSAPublicKey, rsa.RSAPrivateKey)):
        return "rsa", key.key_size, None
    if isinstance(key, (ec.EllipticCurvePublicKey, ec.EllipticCurvePrivateKey)):
        return "ecdsa", None, key.curve.name
    if isinstance(key, (ed25519.Ed25519PublicKey, ed25519.Ed25519PrivateKey)):
        return "ed25519", None, None
    return None


@dataclass(frozen=True, slots=True)
class Source:
    key: str
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Authority:
    id: str
    name: str
    issues: tuple[str, ...]
    refuses: tuple[tuple[str, str], ...]
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AcmeClient:
    id: str
    name: str
    default: str
    history: str
    options: tuple[tuple[str, str | None], ...]   # (key type id, option or None)
    sources: tuple[str, ...]

    def option(self, key_type: str) -> str | None:
        return dict(self.options)[key_type]


@dataclass(frozen=True, slots=True)
class Catalogue:
    key_types: tuple[KeyType, ...]
    authorities: tuple[Authority, ...]
    clients: tuple[AcmeClient, ...]
    sources: tuple[Source, ...]

    def key_type(self, key_id: str) -> KeyType:
        for key_type in self.key_types:
            if key_type.id == key_id:
                return key_type
        known = ", ".join(k.id for k in self.key_types)
        raise UsageError(f"unknown key type {key_id!r}; the catalogue has {known}")

    def matching(self, algorithm: str, size: int | None, curve: str | None) -> KeyType | None:
        """The catalogue's key type with these parameters (see key_parameters), if any."""
        return next((k for k in self.key_types
                     if (k.algorithm, k.size, k.curve) == (algorithm, size, curve)), None)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(k.id for k in self.key_types)


@cache
def catalogue() -> Catalogue:
    text = resources.files(__package__).joinpath("data/catalogue.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    key_types = tuple(KeyType(k["id"], k["label"], k["algorithm"], k.get("size"), k.get("curve"))
                      for k in raw["key_types"])
    ids = {k.id for k in key_types}
    authorities = tuple(Authority(a["id"], a["name"], tuple(a["issues"]),
                                  tuple(sorted(a.get("refuses", {}).items())), tuple(a["sources"]))
                        for a in raw["authorities"])
    clients = tuple(AcmeClient(c["id"], c["name"], c["default"], c["history"],
                               tuple((k, c["options"][k]) for k in (t.id for t in key_types)),
                               tuple(c["sources"]))
                    for c in raw["acme_clients"])
    sources = tuple(Source(key, s["title"], s["url"]) for key, s in raw["sources"].items())
    for client in clients:  # the file is data a contributor edits: check what code relies on
        if set(dict(client.options)) != ids or client.default not in ids:
            raise ValueError(f"catalogue.yaml: client {client.id} must list every key type")
    return Catalogue(key_types, authorities, clients, sources)
