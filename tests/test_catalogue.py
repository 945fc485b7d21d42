"""The key-type catalogue: complete, consistent, and saying what its sources say."""

from __future__ import annotations

from generator.compat.keytypes import catalogue

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
