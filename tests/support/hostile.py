"""A knowledge base of hostile cases: a corpus of injection payloads placed in every string
field of cases/case.schema.json (walked here, independently of the code under test, so that a
new field is covered or the test fails), and in the ClientHello's SNI and ALPN, which the page
shows in its decoded tree; a hostile key-type catalogue, the same payloads in every string
field of generator/compat/data/catalogue.schema.yaml (the catalogue's text is published too);
and hostile client files, the payloads in every string field of
generator/compat/data/client.schema.yaml (names, notes, commands, the client's own words: the
client pages publish them), each with a hello whose SNI and ALPN carry a payload.

`tlskb check` (and the catalogue's loader) refuse most payloads, rightly; the site must stay
inert even when they are bypassed (a build from an unchecked branch, a rule forgotten), so
`build_hostile_site` builds with the contributor-text rules switched off and everything else —
schemas, replay, the real plugin, MkDocs, Material, search, tags — as in `make site`."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import yaml

from support.hellos import client_hello, record
from support.site import ROOT, build_site, project_copy, sync_lists

SCHEMA = ROOT / "cases" / "case.schema.json"
CATALOGUE = ROOT / "generator" / "compat" / "data" / "catalogue.yaml"
CATALOGUE_SCHEMA = ROOT / "generator" / "compat" / "data" / "catalogue.schema.yaml"
CLIENT_SCHEMA = ROOT / "generator" / "compat" / "data" / "client.schema.yaml"

#: each executes `alert('xss-N')` (or sets attributes that would) if anything renders it as
#: markup; together they cover the four classes issue 10 found and their near relatives
PAYLOADS = [
    "<script>alert('xss-1')</script>",
    "<img src=x onerror=alert('xss-2')>",
    "\"><svg onload=alert('xss-3')>",
    "'><iframe src=javascript:alert('xss-4')></iframe>",
    "[x](javascript:alert('xss-5'))",
    "[x](&#106;avascript:alert('xss-6'))",
    "[x](javascript&colon;alert('xss-7'))",
    "[x](<java\tscript:alert('xss-8')>)",
    "[x]( JaVaScRiPt:alert('xss-9'))",
    "[x](\x01javascript:alert('xss-10'))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxMSk8L3NjcmlwdD4=)",
    "[x](vbscript:msgbox('xss-12'))",
    "![x](javascript:alert('xss-13'))",
    "[x][r]\n\n[r]: javascript:alert('xss-14')",
    "<javascript:alert('xss-15')>",
    "Title {: autofocus tabindex=0 onfocus=alert('xss-16') }",
    "**b**{: onmouseover=alert('xss-17') }",
    "\\[x\\]\\(javascript:alert('xss-18')\\)",
    "\\*\\*b\\*\\*{: onmouseover=alert('xss-19') }",
    "```{ #x onclick=alert('xss-20') }\ncode\n```",
    "NUL \x00 byte <b onclick=alert('xss-21')>b</b>",
    "</title><script>alert('xss-22')</script>",
    "&lt;script&gt;alert('xss-23')&lt;/script&gt;",
    "[x](&amp;#106;avascript:alert('xss-24'))",
    "{#__search} {.md-search__input} words {: #x onclick=alert('xss-25') }",
    "!!! danger \"<img src=x onerror=alert('xss-26')>\"\n    body",
    "=== \"<img src=x onerror=alert('xss-27')>\"\n    tab",
    "<!-- material/tags --> <style>body{display:none}</style>",
    "[x](#\" onmouseover=\"alert('xss-29'))",
    "x\u2028y <a href=javascript:alert('xss-30')>a</a>",
    "TLSKBFRAGMENT0X TLSKBFRAGMENT1X <img src=x onerror=alert('xss-31')>",
    "<details open ontoggle=alert('xss-32')>",
    "*[x](javascript:alert('xss-33'))*{: autofocus onfocus=alert('xss-33') }",
]

#: characters without which no payload can do anything (tags, attributes, entities, links,
#: attribute lists, control characters)
DANGEROUS = "<>\"'&[](){}:\x00\x01"


@dataclass(frozen=True)
class AnyKey:
    """Any key of a map declared by additionalProperties, with what its propertyNames allow:
    a fixed list (a client's end-to-end results are keyed by stack, then key type) or a
    pattern (an environment variable's name)."""
    names: tuple | None = None
    pattern: str | None = None

    def __str__(self) -> str:
        return "{*}"


@dataclass(frozen=True)
class StringField:
    """A place a string can go: its path (`*` for any list item, a compiled pattern for a
    patternProperties key, AnyKey for an additionalProperties key) and the constraints on it."""
    path: tuple
    pattern: str | None = None
    enum: tuple | None = None
    min_length: int = 0
    max_length: int | None = None

    @property
    def name(self) -> str:
        return ".".join(p if isinstance(p, str) else f"/{p.pattern}/"
                        if isinstance(p, re.Pattern) else str(p) for p in self.path)


def string_fields(schema: dict | None = None) -> list[StringField]:
    """Every string field of the case schema (or of `schema`), following $ref,
    oneOf/anyOf/allOf, if/then/else, properties, patternProperties, additionalProperties (a
    map's values, whatever their keys) and items. A string is a `type` of "string" or a list
    of types holding it (`[string, "null"]`), or an enum with strings."""
    schema = schema or json.loads(SCHEMA.read_text(encoding="utf-8"))
    found: dict[tuple, StringField] = {}

    def resolve(node: dict) -> dict:
        while "$ref" in node:
            target = schema
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return node

    def walk(node: dict, path: tuple) -> None:
        node = resolve(node)
        for key in ("oneOf", "anyOf", "allOf"):
            for branch in node.get(key, []):
                walk(branch, path)
        # `if` only tests (its consts are not what a field may hold); then/else may declare
        for key in ("then", "else"):
            if isinstance(node.get(key), dict):
                walk(node[key], path)
        for name, sub in node.get("properties", {}).items():
            walk(sub, path + (name,))
        for pattern, sub in node.get("patternProperties", {}).items():
            walk(sub, path + (re.compile(pattern),))
        if isinstance(node.get("additionalProperties"), dict):
            names = resolve(node.get("propertyNames", {}))
            walk(node["additionalProperties"],
                 path + (AnyKey(tuple(names["enum"]) if "enum" in names else None,
                                names.get("pattern")),))
        if "items" in node:
            walk(node["items"], path + ("*",))
        enum = node.get("enum") or (("const" in node or None) and (node["const"],))
        types = node.get("type")
        textual = types == "string" or (isinstance(types, list) and "string" in types)
        if textual or (enum and any(isinstance(v, str) for v in enum)):
            known = found.get(path)
            field = StringField(path, node.get("pattern"), tuple(enum) if enum else None,
                                node.get("minLength", 0), node.get("maxLength"))
            if known is None or (known.enum and not field.enum):  # free text wins over a list
                found[path] = field
            elif known.pattern and not field.pattern and not field.enum:
                found[path] = field

    walk(schema, ())
    return list(found.values())


def _locations(data, path: tuple) -> Iterator[tuple[object, object]]:
    """(container, key) for every place `path` names in `data`; a field the skeleton lacks
    (a new one in the schema) is created, so that it gets its payload too."""
    head, rest = path[0], path[1:]
    if head == "*":
        keys = range(len(data)) if isinstance(data, list) else []
    elif isinstance(head, re.Pattern):
        keys = [k for k in data if head.search(k)] if isinstance(data, dict) else []
    elif isinstance(head, AnyKey):
        keys = list(data) if isinstance(data, dict) else []
        if not keys and isinstance(data, dict):  # a new map: its first allowed key
            if not head.names:
                raise AssertionError(f"the skeleton has no key for a map whose keys match "
                                     f"{head.pattern!r}: give it one")
            data[head.names[0]] = ([{}] if rest[0] == "*" else {}) if rest else None
            keys = [head.names[0]]
    elif isinstance(data, dict):
        if head not in data and rest:
            data[head] = [{}] if rest[0] == "*" else {}
        keys = [head]
    else:
        keys = []
    for key in keys:
        if rest:
            yield from _locations(data[key], rest)
        else:
            yield data, key


def payload_for(field: StringField, payload: str, number: int) -> str | None:
    """`payload` made to fit the field (padded to its minimum length, or as an address for a
    URL), or None if the field's pattern admits no form of it."""
    # the payload alone where it fits, else after a padding paragraph (it keeps its place at
    # the start of a block and the end of the text), else as an address, else before the
    # placeholder an ACME client's usage must hold
    candidates = [payload, f"Case {number}, padded to the minimum length.\n\n{payload}",
                  f"https://example.org/{''.join(payload.split())}", f"{payload} {{option}}"]
    for value in candidates:
        if field.pattern and not re.search(field.pattern, value):
            continue
        if field.max_length is not None and len(value) > field.max_length:
            continue
        if len(value) >= field.min_length:
            return value
    return None


def hostile_hello(payload: str) -> bytes:
    """A ClientHello whose SNI and ALPN carry the payload (the tree shows both). The SNI goes
    without zero bytes: OpenSSL refuses such a name (alert unrecognized_name), which the
    analyzer does not model (SNI contents are a documented gap), and check would stop there."""
    from generator.tls import extensions as ext
    text = payload.encode("utf-8")
    hello = client_hello([0xC02F, 0xC02B, 0x009C], groups=[0x0017], point_formats=[0],
                         sigalgs=[0x0401, 0x0403, 0x0804],
                         extra=(ext.ServerName((ext.ServerNameEntry(0, text.replace(b"\0", b"")),)),
                                ext.Alpn((text, b"h2"))))
    return record(hello)


def _skeleton(number: int, raw: bytes) -> dict:
    """A case with every optional part present, whose claims the analyzer confirms."""
    from generator.compat.analyzer import analyze
    from generator.compat.keytypes import catalogue
    from generator.tls import decode_client_hello
    hello = decode_client_hello(raw).hello
    outcomes = {}
    for index, key_type in enumerate(catalogue().key_types):
        result = "works" if analyze(hello, key_type).ok else "fails"
        # half documented (their notes reach the key-type pages), half replayed
        outcomes[key_type.id] = {"result": result, "basis": "documented" if index % 2 else
                                 "replayed", "note": "a note"}
    return {
        "id": f"hostile-{number}", "title": "placeholder title", "summary": "s" * 40,
        "status": {"state": "current", "observed": "2020-01-01", "fixed": "2021",
                   "reviewed": "2022-02", "note": "n"},
        "platform": {"name": "pn", "role": "client", "versions": "v"},
        "your_side": {"server": "srv", "acme_client": "lego", "key_type": "ec384"},
        "symptoms": [{"where": "w", "text": "t", "note": "n"},
                     {"where": "w2", "text": "t2"}],
        "cause": "c" * 40,
        "samples": [{"id": "sample-one", "client": "cl", "hex": raw.hex(),
                     "provenance": {"kind": "reconstructed", "by": "b", "source": "sssss",
                                    "date": "2019", "placeholders": [
                                        {"offset": 1, "length": 2, "field": "ff",
                                         "filled_with": "fw"}]}}],
        "outcomes": outcomes,
        "fix": {"recommended": "rsa2048", "alternatives": ["ec256"], "summary": "summary",
                "acme_clients": {c.id: "a note for this client" for c in catalogue().clients},
                "server": "server fix"},
        "references": [{"url": "https://example.org/a", "title": "ttt", "date": "2020",
                        "note": "n", "citation": "cccccccccc"},
                       {"citation": "cccccccccc", "title": "ttt", "date": "unknown"}],
        "tags": ["rsa"],
    }


@dataclass(frozen=True)
class HostileKnowledgeBase:
    cases: dict[str, str]             # file name -> YAML text
    placed: dict[str, set[int]]       # field name -> payload numbers placed in it
    inert_by_pattern: list[str]       # fields whose pattern admits no dangerous character
    fixed_vocabulary: list[str]       # enum fields


def hostile_cases(payloads: list[str] = PAYLOADS) -> HostileKnowledgeBase:
    """One case per payload rotation: case k puts payload (i + k) mod n into field i, so every
    payload reaches every field."""
    fields = string_fields()
    placed: dict[str, set[int]] = {f.name: set() for f in fields}
    inert, fixed = [], []
    for field in fields:
        if field.enum:
            fixed.append(field.name)
        elif field.pattern and not any(payload_for(field, p, 0) for p in payloads):
            inert.append(field.name)
    cases = {}
    for number in range(len(payloads)):
        raw = hostile_hello(payloads[number])
        data = _skeleton(number, raw)
        for index, field in enumerate(fields):
            if field.enum or field.name in inert:
                continue
            for shift in range(len(payloads)):  # the rotation's payload, or the next that fits
                chosen = (index + number + shift) % len(payloads)
                value = payload_for(field, payloads[chosen], number)
                if value is not None:
                    break
            for container, key in _locations(data, field.path):
                container[key] = value
                placed[field.name].add(chosen)
        cases[f"hostile-{number}.yaml"] = ("# yaml-language-server: $schema=case.schema.json\n"
                                           + yaml.safe_dump(data, allow_unicode=False,
                                                            sort_keys=False, width=1000))
    return HostileKnowledgeBase(cases, placed, inert, fixed)


@dataclass(frozen=True)
class HostileCatalogue:
    text: str                         # catalogue.yaml
    placed: dict[str, set[int]]       # field name -> payload numbers placed in it
    inert_by_pattern: dict[str, str]  # fields whose pattern admits no dangerous character,
    #                                   with a value the catalogue really has there
    fixed_vocabulary: list[str]       # enum fields


def catalogue_fields() -> list[StringField]:
    """Every string field the catalogue's schema declares."""
    return string_fields(yaml.safe_load(CATALOGUE_SCHEMA.read_text(encoding="utf-8")))


def _lengthen(data: dict, entries: int) -> None:
    """The catalogue with `entries` authorities and ACME clients (copies of the real ones under
    new ids) and a source of its own for each copy, so that a payload gets a place of its own
    in each of their fields. Key types stay as they are: the cases name them."""
    sources = list(data["sources"].values())
    for section in ("authorities", "acme_clients"):
        real = list(data[section])
        for number in range(len(real), entries):
            entry = copy.deepcopy(real[number % len(real)])
            entry["id"] = f"hostile-{section.replace('_', '-')}-{number}"
            entry["sources"] = [f"hostile-{section.replace('_', '-')}-{number}"]
            data["sources"][entry["sources"][0]] = copy.deepcopy(sources[number % len(sources)])
            data[section].append(entry)


def hostile_catalogue(payloads: list[str] = PAYLOADS) -> HostileCatalogue:
    """The real catalogue with every payload in every string field of its schema: a field
    with a place per payload gets each in one place; one with fewer places (a key type's
    label: there are 8) gets the payloads left over in its places too, a paragraph each."""
    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    _lengthen(data, len(payloads))
    fields = catalogue_fields()
    placed: dict[str, set[int]] = {f.name: set() for f in fields}
    inert, fixed = {}, []
    for index, field in enumerate(fields):
        places = list(_locations(data, field.path))
        if field.enum:
            fixed.append(field.name)
            continue
        if field.pattern and not any(payload_for(field, p, 0) for p in payloads):
            container, key = places[0]
            inert[field.name] = container[key]
            continue
        for place, (container, key) in enumerate(places):
            chosen = [n for n in range(len(payloads))
                      if (n - index) % len(payloads) % len(places) == place]
            values = [payload_for(field, payloads[n], n) for n in chosen]
            fitting = [(n, v) for n, v in zip(chosen, values) if v is not None]
            joined = "\n\n".join(v for _, v in fitting)
            if fitting and payload_for(field, joined, 0) == joined:
                container[key] = joined
                placed[field.name].update(n for n, _ in fitting)
            elif fitting:  # a pattern that one payload fits, and not several together
                container[key] = fitting[0][1]
                placed[field.name].add(fitting[0][0])
    text = yaml.safe_dump(data, allow_unicode=False, sort_keys=False, width=1000)
    return HostileCatalogue(text, placed, inert, fixed)


def client_fields() -> list[StringField]:
    """Every string field the client file schema declares (its maps of environment variables
    and end-to-end results included)."""
    return string_fields(yaml.safe_load(CLIENT_SCHEMA.read_text(encoding="utf-8")))


#: string fields of a client file that hold no text: the recorded hello, which must be hex (the
#: loader decodes it); hostile_hello puts the payload into its SNI and ALPN instead
CLIENT_BYTES_FIELDS = ("hex",)


def _client_skeleton(number: int, raw: bytes, recorded: bool) -> dict:
    """A client file with every optional part present: a binary client (its command is shown)
    or, with `recorded`, a third party's recording (its provenance is shown); end-to-end
    results for every stack and key type, their outcomes varied, so that every cell's words
    reach the page."""
    from generator.compat.clients import EndToEnd
    from generator.compat.keytypes import catalogue
    from generator.stacks import stacks
    outcomes = list(EndToEnd)
    results = {stack.id.value: {
        key_type.id: {"result": outcomes[(i + j + number) % len(outcomes)].value,
                      "version": "v", "alert": "a", "detail": "d", "exit": 1, "said": "s"}
        for j, key_type in enumerate(catalogue().key_types)} for i, stack in enumerate(stacks())}
    return {
        "name": "n", "family": f"hostile-family-{number}", "variant": "v",
        "category": "tool", "library": "openssl",
        "source": "recorded" if recorded else "binary", "historical": recorded,
        "protocol": "tls",
        "package": {"debian": ["openssl"], "pypi": ["cryptography==42.0.0"]},
        "command": ["c", "{host}:{port}"], "env": {"HOSTILE_ENV": "e"}, "stdin": "s",
        "setup": [["s1", "s2"]], "build": [["b1", "b2"]], "version_command": ["v"],
        "version_word": 1, "timeout": 20, "end_to_end_note": "n", "provenance": "p",
        "version": "1", "version_text": "t", "package_versions": ["p"],
        "recorded": "2020-01-01", "hex": raw.hex(),
        "end_to_end": {"proven": "2020-01-01", "results": results},
    }


@dataclass(frozen=True)
class HostileClients:
    files: dict[str, str]             # file name -> YAML text
    payloads: dict[str, dict[str, int]]   # file name -> field name -> payload number in it
    placed: dict[str, set[int]]       # field name -> payload numbers placed in it whole
    cut: dict[str, set[int]]          # field name -> payload numbers cut to its maxLength
    inert_by_pattern: dict[str, str]  # fields whose pattern admits no dangerous character,
    #                                   with the value the files have there
    fixed_vocabulary: list[str]       # enum fields
    not_text: tuple[str, ...]         # fields that hold bytes (CLIENT_BYTES_FIELDS)


def hostile_clients(payloads: list[str] = PAYLOADS) -> HostileClients:
    """Client files hostile-client-N: for each payload rotation k (as hostile_cases) a binary
    client (N = k) and a third party's recording (N = k + len(payloads)), whose pages show
    different fields (the command, the provenance), in family hostile-family-k. File k of
    each kind puts payload (i + k) mod n into field i, so every payload reaches every field of
    both kinds; a field too short for a payload gets its first maxLength characters (an
    end-to-end run's version holds 20). The hello is hostile_hello(payload k)."""
    fields = client_fields()
    placed: dict[str, set[int]] = {f.name: set() for f in fields}
    cut: dict[str, set[int]] = {f.name: set() for f in fields}
    inert, fixed = {}, []
    for field in fields:
        if field.enum:
            fixed.append(field.name)
        elif field.pattern and not any(payload_for(field, p, 0) for p in payloads):
            inert[field.name] = None
    files, in_file = {}, {}
    count = len(payloads)
    for number in range(2 * count):
        rotation = number % count
        data = _client_skeleton(rotation, hostile_hello(payloads[rotation]), number >= count)
        name = f"hostile-client-{number}.yaml"
        in_file[name] = {}
        for index, field in enumerate(fields):
            if field.enum or field.name in CLIENT_BYTES_FIELDS:
                continue
            if field.name in inert:
                container, key = next(_locations(data, field.path))
                inert[field.name] = container[key]
                continue
            chosen = (index + rotation) % count
            value = payload_for(field, payloads[chosen], rotation)
            if value is None and field.pattern is None and field.max_length is not None:
                value = payloads[chosen][:field.max_length]
                cut[field.name].add(chosen)
            elif value is None:
                raise AssertionError(f"{field.name}: payload {chosen + 1} fits no form")
            else:
                placed[field.name].add(chosen)
            for container, key in _locations(data, field.path):
                container[key] = value
            in_file[name][field.name] = chosen
        files[name] = ("# yaml-language-server: $schema=../client.schema.yaml\n"
                       + yaml.safe_dump(data, allow_unicode=False, sort_keys=False, width=1000))
    return HostileClients(files, in_file, placed, cut, inert, fixed, CLIENT_BYTES_FIELDS)


@contextmanager
def clients_dir(path: Path):
    """The client catalogue read from the files in `path` while the block runs (then the real
    one)."""
    from generator.compat import clients
    clients.all_clients.cache_clear()
    try:
        with mock.patch.object(clients, "CLIENTS_DIR", path):
            yield
    finally:
        clients.all_clients.cache_clear()


@contextmanager
def catalogue_file(path: Path):
    """The key-type catalogue read from `path` while the block runs (then the real one)."""
    from generator.compat import keytypes
    keytypes.catalogue.cache_clear()
    try:
        with mock.patch.object(keytypes, "CATALOGUE_FILE", path):
            yield
    finally:
        keytypes.catalogue.cache_clear()


@contextmanager
def text_rules_off():
    """`tlskb check` and the catalogue's loader without the contributor-text rules (what the
    site must survive anyway)."""
    with mock.patch("generator.cases.textrules.text_problems", lambda *a, **k: ([], 0)):
        yield


_BUILT: dict[str, tuple[Path, HostileKnowledgeBase, HostileCatalogue, HostileClients]] = {}


def build_hostile_site(tmp_path_factory) -> tuple[Path, HostileKnowledgeBase]:
    """The hostile knowledge base and the hostile catalogue built with the real plugin (once
    per test session)."""
    return build_hostile_site_and_catalogue(tmp_path_factory)[:2]


def build_hostile_site_and_catalogue(tmp_path_factory
                                     ) -> tuple[Path, HostileKnowledgeBase, HostileCatalogue]:
    return build_hostile_site_catalogue_and_clients(tmp_path_factory)[:3]


def build_hostile_site_catalogue_and_clients(
        tmp_path_factory) -> tuple[Path, HostileKnowledgeBase, HostileCatalogue, HostileClients]:
    """The hostile knowledge base, catalogue and client files (only these: the real clients
    are left out) built with the real plugin and the text rules off (once per session)."""
    if "site" not in _BUILT:
        base = hostile_cases()
        hostile = hostile_catalogue()
        clients = hostile_clients()
        project = project_copy(tmp_path_factory.mktemp("hostile"), base.cases)
        (project / "catalogue.yaml").write_text(hostile.text, encoding="utf-8")
        (project / "clients").mkdir()
        for name, text in clients.files.items():
            (project / "clients" / name).write_text(text, encoding="utf-8")
        with text_rules_off(), catalogue_file(project / "catalogue.yaml"), \
                clients_dir(project / "clients"):
            sync_lists(project)  # the catalogue has ACME clients of its own
            site = build_site(project / "site", project)
        _BUILT["site"] = (site, base, hostile, clients)
    return _BUILT["site"]
