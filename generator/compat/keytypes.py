"""The key-type catalogue (data/catalogue.yaml) as immutable values, loaded once and checked
as it is loaded: its text is published like a case's, so it is held to the same rules."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

from generator.errors import TlskbError, UsageError

DATA = Path(__file__).resolve().parent / "data"
#: the catalogue a contributor edits, and its schema
CATALOGUE_FILE = DATA / "catalogue.yaml"
CATALOGUE_SCHEMA = DATA / "catalogue.schema.yaml"

#: named curve -> (NamedGroup codepoint, TLS 1.3 SignatureScheme bound to it; RFC 8446 §4.2.3)
CURVES = {"secp256r1": (0x0017, 0x0403), "secp384r1": (0x0018, 0x0503),
          "secp521r1": (0x0019, 0x0603)}


class Algorithm(StrEnum):
    """The key algorithms the analyzer and the replayer know; the catalogue's schema lists the
    same values (a test holds them equal)."""
    RSA = "rsa"
    ECDSA = "ecdsa"
    ED25519 = "ed25519"


#: the parameter each algorithm's key types give besides it
PARAMETER = {Algorithm.RSA: "size", Algorithm.ECDSA: "curve", Algorithm.ED25519: None}


@dataclass(frozen=True, slots=True)
class KeyType:
    id: str
    label: str
    algorithm: Algorithm
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


def key_parameters(key) -> tuple[Algorithm, int | None, str | None] | None:
    """(algorithm, size, curve) of a `cryptography` key, public or private, in the catalogue's
    terms — ("rsa", 2048, None), ("ecdsa", None, "secp384r1"), ("ed25519", None, None) — or
    None for any other kind of key."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    if isinstance(key, (rsa.RSAPublicKey, rsa.RSAPrivateKey)):
        return Algorithm.RSA, key.key_size, None
    if isinstance(key, (ec.EllipticCurvePublicKey, ec.EllipticCurvePrivateKey)):
        return Algorithm.ECDSA, None, key.curve.name
    if isinstance(key, (ed25519.Ed25519PublicKey, ed25519.Ed25519PrivateKey)):
        return Algorithm.ED25519, None, None
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
    #: the whole command (or configuration) with "{option}" where a key type's option goes
    usage: str = "{option}"

    def option(self, key_type: str) -> str | None:
        return dict(self.options)[key_type]

    def command(self, key_type: str) -> str | None:
        """The whole command that requests `key_type`, or None if the client cannot."""
        option = self.option(key_type)
        return None if option is None else self.usage.replace("{option}", option)


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The one home of the knowledge base's vocabularies: its key types, ACME clients and
    tags (the case schema and mkdocs.yml hold copies made by tools/sync_lists.py)."""
    key_types: tuple[KeyType, ...]
    authorities: tuple[Authority, ...]
    clients: tuple[AcmeClient, ...]
    sources: tuple[Source, ...]
    #: every key type id, in the order `tlskb new` recommends them when several work
    preference: tuple[str, ...]
    #: the tags a case may carry
    tags: tuple[str, ...]

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

    @property
    def client_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.clients)


class CatalogueError(TlskbError):
    """The catalogue breaks its schema, its own references or the site's text rules; `problems`
    lists every one, at its file:line:col."""

    def __init__(self, problems) -> None:
        self.problems = tuple(problems)
        super().__init__(f"the key-type catalogue has {len(self.problems)} problem(s):\n"
                         + "\n".join(map(str, self.problems)))


@cache
def catalogue() -> Catalogue:
    """The catalogue (CATALOGUE_FILE), checked whenever it is loaded (load_catalogue)."""
    return load_catalogue(CATALOGUE_FILE)


def load_catalogue(path: Path) -> Catalogue:
    """The catalogue in `path`, read as case files are (safe YAML with positions), checked
    against its schema (data/catalogue.schema.yaml), for references that resolve (key types,
    sources) and ids that take no other page's place (site/layout.py), and by the site's text
    rules (cases/textrules.py: the text is published, so it is held to what case text is held
    to); CatalogueError lists every problem."""
    from generator.cases.schema import schema_problems
    from generator.cases.textrules import located_text_problems
    from generator.cases.yamlpos import load, shown_path
    source = shown_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read the key-type catalogue {source}: {error}") from None
    located, problems = load(text, source)
    if located is None:
        raise CatalogueError(problems)
    problems = schema_problems(located, source, CATALOGUE_SCHEMA, whole="the catalogue")
    if not problems:  # the references rely on the schema's shapes
        problems = _reference_problems(located, source)
    problems += located_text_problems(located, source, _markdown_field)
    if problems:
        raise CatalogueError(sorted(problems, key=lambda p: (p.line, p.column)))
    return _catalogue_from(located.data)


def _markdown_field(path: tuple) -> bool:
    """Whether the catalogue text at `path` is held to every text rule: all but options (shown
    verbatim, as code) and what a pattern limits (ids, addresses), which only may not hold
    control characters."""
    return not (path[-1] in ("id", "url", "default") or "options" in path
                or path[0] in ("preference", "tags")
                or (len(path) == 4 and path[2] in ("issues", "sources")))


def _reference_problems(located, source: str) -> list:
    """What the schema cannot say: addresses the site links, unique ids that take no other
    page's place, references that resolve, each key type's parameters for its algorithm,
    every client answering for every key type, its default one it can request, and the
    preference naming every key type."""
    from generator.cases.textrules import address_problem
    from generator.cases.yamlpos import Problem
    from generator.site.layout import RESERVED_IDS
    data = located.data
    problems: list[Problem] = []
    for key, entry in data["sources"].items():
        unlinked = address_problem(located, source, ("sources", key, "url"), entry["url"])
        if unlinked is not None:
            problems.append(unlinked)

    def problem(path: tuple, message: str, hint: str | None = None, key: bool = False) -> None:
        line, column = located.where(path, key=key)
        problems.append(Problem(source, line, column, message, hint))

    key_ids = [k["id"] for k in data["key_types"]]
    listed = ", ".join(key_ids)
    for section in ("key_types", "authorities", "acme_clients"):
        seen: set[str] = set()
        for index, item in enumerate(data[section]):
            if item["id"] in seen:
                problem((section, index, "id"), f"{section} id '{item['id']}' is used twice",
                        "ids must be unique")
            if item["id"] in RESERVED_IDS:
                problem((section, index, "id"), f"id '{item['id']}' is reserved: the site has "
                        "a page or folder of that name", f"reserved: {', '.join(RESERVED_IDS)}")
            seen.add(item["id"])
    for index, key_type in enumerate(data["key_types"]):
        needed = PARAMETER[Algorithm(key_type["algorithm"])]
        for field in ("size", "curve"):
            if field == needed and field not in key_type:
                problem(("key_types", index), f"key type '{key_type['id']}' ({key_type['algorithm']}"
                        f") needs a {field}")
            elif field != needed and field in key_type:
                problem(("key_types", index, field), f"key type '{key_type['id']}' "
                        f"({key_type['algorithm']}) has no {field}", f"remove {field}")

    def known(path: tuple, key_id: str, key: bool = False) -> None:
        if key_id not in key_ids:
            problem(path, f"unknown key type '{key_id}'", f"the key types: {listed}", key=key)

    def sourced(path: tuple, keys: list[str]) -> None:
        for number, name in enumerate(keys):
            if name not in data["sources"]:
                problem(path + (number,), f"unknown source '{name}'",
                        "add it under sources, or name one that is there")

    for number, key_id in enumerate(data["preference"]):
        known(("preference", number), key_id)
    unranked = [k for k in key_ids if k not in data["preference"]]
    if unranked:
        problem(("preference",), f"preference does not list {', '.join(unranked)}",
                "list every key type once, in the order tlskb new should recommend them")
    for index, authority in enumerate(data["authorities"]):
        for number, key_id in enumerate(authority["issues"]):
            known(("authorities", index, "issues", number), key_id)
        for key_id in authority.get("refuses", {}):
            known(("authorities", index, "refuses", key_id), key_id, key=True)
        sourced(("authorities", index, "sources"), authority["sources"])
    for index, client in enumerate(data["acme_clients"]):
        options = client["options"]
        for key_id in options:
            known(("acme_clients", index, "options", key_id), key_id, key=True)
        missing = [k for k in key_ids if k not in options]
        if missing:
            problem(("acme_clients", index, "options"), f"client '{client['id']}' does not say "
                    f"how to request {', '.join(missing)}", "give the option, or null if it "
                                                           "cannot")
        known(("acme_clients", index, "default"), client["default"])
        if client["default"] in key_ids and options.get(client["default"]) is None:
            problem(("acme_clients", index, "default"), f"client '{client['id']}' defaults to "
                    f"{client['default']}, for which it has no option")
        sourced(("acme_clients", index, "sources"), client["sources"])
    return problems


def _catalogue_from(raw: dict) -> Catalogue:
    key_types = tuple(KeyType(k["id"], k["label"], Algorithm(k["algorithm"]), k.get("size"),
                              k.get("curve")) for k in raw["key_types"])
    authorities = tuple(Authority(a["id"], a["name"], tuple(a["issues"]),
                                  tuple(sorted(a.get("refuses", {}).items())), tuple(a["sources"]))
                        for a in raw["authorities"])
    clients = tuple(AcmeClient(c["id"], c["name"], c["default"], c["history"],
                               tuple((k, c["options"][k]) for k in (t.id for t in key_types)),
                               tuple(c["sources"]), c["usage"])
                    for c in raw["acme_clients"])
    sources = tuple(Source(key, s["title"], s["url"]) for key, s in raw["sources"].items())
    return Catalogue(key_types, authorities, clients, sources, tuple(raw["preference"]),
                     tuple(raw["tags"]))
