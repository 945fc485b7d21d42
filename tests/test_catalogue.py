"""The key-type catalogue: complete, consistent, saying what its sources say, and held to the
rules case text is held to (schema, references, the site's text rules) wherever it is loaded."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from generator.cli import main
from generator.compat.keytypes import CATALOGUE_FILE, CatalogueError, catalogue, load_catalogue

CATALOGUE = catalogue()


def test_key_type_ids_follow_lego():
    assert CATALOGUE.ids == ("rsa2048", "rsa3072", "rsa4096", "rsa8192", "ec256", "ec384",
                             "ec521", "ed25519")


def test_key_types_are_consistent():
    for key_type in CATALOGUE.key_types:
        if key_type.algorithm == "rsa":
            assert key_type.id == f"rsa{key_type.size}" and key_type.curve is None
        elif key_type.algorithm == "ecdsa":
            assert key_type.size is None and key_type.group is not None
        else:
            assert key_type.id == "ed25519" and key_type.group is None
    ec384 = CATALOGUE.key_type("ec384")
    assert (ec384.curve, ec384.group, ec384.tls13_scheme) == ("secp384r1", 0x0018, 0x0503)


def test_every_client_answers_for_every_key_type():
    sources = {s.key for s in CATALOGUE.sources}
    for client in CATALOGUE.clients:
        assert [k for k, _ in client.options] == list(CATALOGUE.ids)
        assert client.option(client.default) is not None, client.id
        assert set(client.sources) <= sources and client.sources
    assert {c.id for c in CATALOGUE.clients} == {"lego", "certbot", "acme-sh", "caddy", "traefik",
                                                 "cert-manager", "win-acme", "posh-acme",
                                                 "dehydrated", "step"}


def test_facts_from_the_research_notes():
    lego = next(c for c in CATALOGUE.clients if c.id == "lego")
    assert lego.option("ec384") == "--key-type ec384" and lego.option("ec521") is None
    assert lego.default == "ec256" and "ec384 was the default" in lego.history
    traefik = next(c for c in CATALOGUE.clients if c.id == "traefik")
    assert traefik.default == "rsa4096" and traefik.option("rsa3072") is None
    letsencrypt = next(a for a in CATALOGUE.authorities if a.id == "letsencrypt")
    assert letsencrypt.issues == ("rsa2048", "rsa3072", "rsa4096", "ec256", "ec384")
    assert "P-521 not allowed" in dict(letsencrypt.refuses)["ec521"]


# -- the catalogue is held to the rules case text is held to (F1) --------------------------------

REAL = CATALOGUE_FILE.read_text(encoding="utf-8")


def edited(*changes: tuple[str, str]) -> str:
    text = REAL
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def position(text: str, written: str, after: str = "") -> str:
    """`line:column` where `written` first occurs (after `after`), 1-based."""
    start = text.index(written, text.index(after) if after else 0)
    line = text.count("\n", 0, start) + 1
    return f"{line}:{start - text.rfind(chr(10), 0, start)}"


def problems_of(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "catalogue.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(path)
    return [str(p).replace(f"{path}:", "catalogue.yaml:") for p in raised.value.problems]


#: the red team's edit: attribute syntax in a name, a script link and attribute syntax in a
#: history, a script address for a source, and more of the kind
HOSTILE_EDIT = (
    ("    name: lego\n", "    name: \"lego {: autofocus tabindex=0 onfocus=alert('c1') }\"\n"),
    ('history: "ec384 was the default',
     "history: \"[h](javascript:alert('c2')) **x**{: onmouseover=alert('c3') } ec384 was the "
     "default"),
    ("  - id: rsa2048\n    label: RSA 2048\n", "  - id: rsa2048\n    label: \"RSA\\e[2J 2048\"\n"),
    ('      ec521: "P-521 orders are rejected"',
     '      ec521: "[x](&#106;avascript:alert(1)) P-521 orders are rejected"'),
)


def test_text_the_site_would_neutralise_is_refused_where_it_is_written(tmp_path):
    text = edited(*HOSTILE_EDIT)
    hint_attribute = "(remove it; case text cannot set HTML attributes, ids or classes)"
    hint_link = ("(links may point only to http:// or https:// addresses or to a #section of "
                 "the page)")
    assert problems_of(tmp_path, text) == [
        f"catalogue.yaml:{position(text, chr(92) + 'e[2J')}: key_types.0.label: control "
        "character U+001B is not allowed in case text (remove it; the site drops it)",
        f"catalogue.yaml:{position(text, '&#106;')}: authorities.1.refuses.ec521: link to "
        "'javascript:alert(1)' (written '&#106;avascript:alert(1)') is not allowed "
        + hint_link,
        f"catalogue.yaml:{position(text, '{: autofocus')}: acme_clients.0.name: attribute "
        "syntax \"{: autofocus tabindex=0 onfocus=alert('c1') }\" is not allowed in case "
        "text " + hint_attribute,
        f"catalogue.yaml:{position(text, 'javascript:alert(' + chr(39) + 'c2')}: "
        "acme_clients.0.history: link to 'javascript:alert(' is not allowed " + hint_link,
        f"catalogue.yaml:{position(text, '{: onmouseover')}: acme_clients.0.history: "
        "attribute syntax \"{: onmouseover=alert('c3') }\" is not allowed in case text "
        + hint_attribute,
    ]


def test_shapes_addresses_and_references_are_refused_where_they_are_written(tmp_path):
    schema = edited(
        ('url: "https://github.com/go-acme/lego/blob/master/certcrypto/crypto.go"',
         "url: \"javascript:alert('c4')\""),
        ("    algorithm: ed25519\n", "    algorithm: ed25519\n    colour: blue\n"))
    assert problems_of(tmp_path, schema) == [
        f"catalogue.yaml:{position(schema, chr(34) + 'javascript:')}: sources.lego.url: "
        "\"javascript:alert('c4')\" is not in the required form (give the full http:// or "
        "https:// address)",
        f"catalogue.yaml:{position(schema, 'colour')}: unknown field 'colour' in "
        "key_types.7 (allowed here: id, label, algorithm, size, curve)"]
    references = edited(
        ('url: "https://github.com/certbot/certbot/blob/master/certbot/CHANGELOG.md"',
         'url: "https://["'),
        ("  - id: zerossl\n", "  - id: index\n"),
        ("    default: rsa4096\n", "    default: rsa4097\n"),
        ("    sources: [caddy]\n", "    sources: [caddy, nosuch]\n"),
        ("  - id: ed25519\n    label: Ed25519\n    algorithm: ed25519\n",
         "  - id: ed25519\n    label: Ed25519\n    algorithm: ed25519\n    size: 2048\n"),
        ('      ec521: null\n      ed25519: null\n  - id: certbot', '      ec521: null\n'
         '  - id: certbot'))
    assert problems_of(tmp_path, references) == [
        f"catalogue.yaml:{position(references, chr(34) + 'https://[')}: 'https://[' is not a web address "
        "(give the full https:// address without spaces)",
        f"catalogue.yaml:{position(references, '2048', 'id: ed25519')}: key type 'ed25519' "
        "(ed25519) has no size (remove size)",
        f"catalogue.yaml:{position(references, 'index')}: id 'index' is reserved: the site has "
        "a page or folder of that name (reserved: index, cases, key-types, acme-clients, stacks, "
        "clients, client-families, "
        "guides, tags, contributing, install, assets, search, javascripts, stylesheets, 404, "
        "sitemap, ja)",
        f"catalogue.yaml:{position(references, 'rsa2048', '  - id: lego')}: client 'lego' does "
        "not say how to request ed25519 (give the option, or null if it cannot)",
        f"catalogue.yaml:{position(references, 'nosuch')}: unknown source 'nosuch' (add it "
        "under sources, or name one that is there)",
        f"catalogue.yaml:{position(references, 'rsa4097')}: unknown key type 'rsa4097' (the key "
        "types: rsa2048, rsa3072, rsa4096, rsa8192, ec256, ec384, ec521, ed25519)"]


def test_a_bad_catalogue_fails_check_and_every_command_with_its_lines(tmp_path):
    """`tlskb check` (which CI and the site build run) lists the catalogue's problems, one
    line each, and checks no case; any other command that needs the catalogue says the same
    instead of a traceback."""
    from support.hostile import catalogue_file
    path = tmp_path / "catalogue.yaml"
    path.write_text(edited(*HOSTILE_EDIT), encoding="utf-8")
    root = Path(__file__).resolve().parent.parent
    with catalogue_file(path):
        out, err = io.StringIO(), io.StringIO()
        assert main(["check", str(root / "cases")], out, err) == 1
        lines = out.getvalue().splitlines()
        assert len(lines) == 5 and all(line.startswith(f"{path}:") for line in lines)
        assert err.getvalue() == ("tlskb: 5 problem(s) in the key-type catalogue; no case was "
                                  "checked\n")
        out, err = io.StringIO(), io.StringIO()
        hello = root / "generator" / "compat" / "data" / "clients" / "curl-7.88.yaml"
        assert main(["analyze", str(hello)], out, err) == 1
        assert err.getvalue().splitlines() == [
            "tlskb: error: the key-type catalogue has 5 problem(s):", *lines]


def test_the_preference_ranks_every_key_type_and_tags_are_slugs(tmp_path):
    """`tlskb new` recommends by the preference, so it must rank every key type and nothing
    else; tags become the schema's and MkDocs' allow-lists, so each is a plain slug."""
    ranked = "preference: [ec256, rsa2048, ec384, rsa3072, rsa4096, ec521, rsa8192, ed25519]"
    text = edited((ranked, ranked.replace("ed25519", "ec999")))
    assert problems_of(tmp_path, text) == [
        f"catalogue.yaml:{position(text, '[ec256')}: preference does not list ed25519 (list "
        "every key type once, in the order tlskb new should recommend them)",
        f"catalogue.yaml:{position(text, 'ec999')}: unknown key type 'ec999' (the key types: "
        "rsa2048, rsa3072, rsa4096, rsa8192, ec256, ec384, ec521, ed25519)"]
    text = edited(("  - tls-1.2\n", "  - TLS 1.2\n"), ("  - smtp\n", "  - smtp\n  - cdn\n"))
    assert problems_of(tmp_path, text) == [
        f"catalogue.yaml:{position(text, '- rsa', 'tags:')}: tags lists an item twice (remove "
        "the repetition)",
        f"catalogue.yaml:{position(text, 'TLS 1.2')}: tags.{CATALOGUE.tags.index('tls-1.2') + 1}:"
        " 'TLS 1.2' is not in the required form (Lowercase words or numbers joined by '-' or "
        "'.', like tls-1.3)"]
