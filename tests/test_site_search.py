"""Search finds a case from its exact error text: every case's symptom strings (read from
cases/*.yaml, so a new case is covered as soon as it is written) and hand-picked phrases, pasted
into Material's search box of the built site in Chromium, list the expected page first, and
every page containing the phrase before any page without it. Plus the index transformation
itself (generator/site/search.py), without a browser or a build."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser

import pytest
import yaml

from support.browser import paste_search
from support.site import ROOT, serve

from generator.site.safe import code_block
from generator.site.search import (SYMPTOMS_FIELD, CaseSymptoms, SearchIndexError,
                                   with_symptoms)

#: a log line's host[address] part (Postfix: mail-….outlook.com[104.47.126.56]): the reader's
#: own log has another host there, so the query is the text before it
HOST_AND_ADDRESS = re.compile(r"\S*\[\d{1,3}(?:\.\d{1,3}){3}\]")


def _case_page(case: dict) -> str:
    return f"cases/{case['id']}.html"


def _cases() -> list[dict]:
    return [yaml.safe_load(path.read_text(encoding="utf-8"))
            for path in sorted((ROOT / "cases").glob("*.yaml"))]


def _pasted(symptom: str) -> str:
    """What a reader pastes of a symptom string: up to a host[address], whitespace as one."""
    found = HOST_AND_ADDRESS.search(symptom)
    return " ".join((symptom[:found.start()] if found else symptom).split())


def _symptom_queries() -> dict[str, set[str]]:
    """Each case's symptom strings as pasted → the case pages whose symptoms contain that
    text (one, or several cases with the same error)."""
    cases = _cases()
    queries = {_pasted(s["text"]) for case in cases for s in case["symptoms"]}
    return {query: {_case_page(case) for case in cases
                    if any(query.lower() in " ".join(s["text"].split()).lower()
                           for s in case["symptoms"])}
            for query in sorted(queries)}


#: phrases from issue 13 and parts of log lines → the pages one of which must come first
HAND_PICKED = {
    "Key doesn't match the certificate": {"cases/gitlab-pages-rsa-only.html"},
    "no shared cipher": {"cases/android-7-p256-only.html", "cases/clients-without-ecdsa.html",
                         "cases/postfix-eecdh-grade-strong.html",
                         "cases/exchange-online-p384.html"},
    "451 4.4.0 Security status IllegalMessage": {"cases/exchange-online-p384.html"},
    "IllegalMessage": {"cases/exchange-online-p384.html"},
    "NodeBalancer": {"cases/linode-nodebalancer-rsa-only.html"},
    "ssl3_get_client_hello": {"cases/exchange-online-p384.html"},
    "Handshake failed": {"cases/android-7-p256-only.html"},
    "invalid public key in CSR": {"cases/letsencrypt-p521.html"},
    "unsupported key size or curve": {"cases/letsencrypt-p521.html"},
}


def _table() -> dict[str, set[str]]:
    return {**_symptom_queries(), **HAND_PICKED}


class _ArticleText(HTMLParser):
    """The text of a page's <article> (Material's content area), scripts and styles left out."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.skipping = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "article" or self.depth:
            self.depth += tag not in _VOID
        if tag in ("script", "style") and self.depth:
            self.skipping += 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1
        if tag in ("script", "style") and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if self.depth and not self.skipping:
            self.parts.append(data)


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}


def _folded(text: str) -> str:
    return " ".join(text.split()).lower()


@pytest.fixture(scope="module")
def page_texts(site) -> dict[str, str]:
    """Every page's article text (whitespace as one space, lower case), by address."""
    texts = {}
    for path in site.rglob("*.html"):
        parser = _ArticleText()
        parser.feed(path.read_text(encoding="utf-8"))
        texts[path.relative_to(site).as_posix()] = _folded(" ".join(parser.parts))
    return texts


@pytest.fixture(scope="module")
def served(site):
    with serve(site) as url:
        yield url


def _check_ranking(query: str, expected: set[str], shown: list[str],
                   page_texts: dict[str, str]) -> None:
    """The first page shown is one of `expected`, and every case page whose symptoms hold the
    query comes before any page whose text does not (lunr weighs words, not their order: a page
    holding the phrase elsewhere, or its words apart, may come anywhere after those)."""
    assert shown, f"{query!r}: no results"
    assert shown[0] in expected, f"{query!r}: first is {shown[0]}, not one of {expected}: {shown}"
    containing = {page for page, text in page_texts.items() if _folded(query) in text}
    assert expected <= containing, f"{query!r}: the table expects a page without the phrase"
    stated = {_case_page(case) for case in _cases()
              if any(_folded(query) in _folded(s["text"]) for s in case["symptoms"])}
    without = [i for i, page in enumerate(shown) if page not in containing]
    late = [page for page in stated if page not in shown[:without[0]]] if without else []
    assert not late, (f"{query!r}: {late} (its symptoms hold the phrase) after "
                      f"{shown[without[0]]} (without it): {shown}")


def test_the_table_covers_every_symptom_and_the_issue_phrases():
    table = _table()
    cases = _cases()
    assert len(table) >= 15
    covered = set().union(*_symptom_queries().values())
    assert covered == {_case_page(case) for case in cases}
    for phrase in ("Key doesn't match the certificate", "no shared cipher",
                   "451 4.4.0 Security status IllegalMessage", "IllegalMessage", "NodeBalancer"):
        assert phrase in table
    # the host[address] cut leaves the text before it, and only there
    assert _pasted("lost connection after STARTTLS from mail-x.example.com[192.0.2.1]") == (
        "lost connection after STARTTLS from")
    assert _pasted("451 4.4.0 Security status IllegalMessage") == (
        "451 4.4.0 Security status IllegalMessage")


def test_pasted_error_text_finds_its_case_first(watched, served, page_texts):
    page = watched.page
    page.goto(served + "index.html")
    for query, expected in _table().items():
        _check_ranking(query, expected, paste_search(page, query, served), page_texts)
    watched.shoot("search-symptom-first")


@pytest.mark.parametrize("query", ["Key doesn't match the certificate",
                                   "451 4.4.0 Security status IllegalMessage"])
def test_pasted_error_text_finds_its_case_first_from_disk(watched, site, page_texts, query):
    page = watched.page
    page.goto((site / "cases" / "index.html").as_uri())
    shown = paste_search(page, query, site.as_uri() + "/")
    _check_ranking(query, _table()[query], shown, page_texts)


# -- the index transformation, without a build -----------------------------------------------

def _index(*locations: str, fields=("title", "text", "tags", SYMPTOMS_FIELD)) -> dict:
    return {"config": {"lang": ["en"], "separator": "[\\s\\-]+", "pipeline": ["stopWordFilter"],
                       "fields": {name: {"boost": 1.0} for name in fields}},
            "docs": [{"location": location, "title": location, "text": "<p>text</p>"}
                     for location in locations]}


def test_symptoms_go_on_each_case_page_symptoms_section_and_nowhere_else():
    index = _index("", "cases/a.html", "cases/a.html#symptoms", "cases/a.html#cause",
                   "cases/b.html", "cases/b.html#symptoms", "key-types/ec384.html#symptoms")
    before = json.dumps(index)
    out = with_symptoms(index, [CaseSymptoms("cases/a.html", ("no shared cipher", "x: y")),
                                CaseSymptoms("cases/b.html", ("IllegalMessage",))])
    assert json.dumps(index) == before, "the input is left as it was"
    assert out["config"] == index["config"]
    assert [doc["location"] for doc in out["docs"]] == [doc["location"] for doc in index["docs"]]
    carrying = {doc["location"]: doc[SYMPTOMS_FIELD] for doc in out["docs"]
                if SYMPTOMS_FIELD in doc}
    assert carrying == {"cases/a.html#symptoms": ["no shared cipher", "x: y"],
                        "cases/b.html#symptoms": ["IllegalMessage"]}
    for old, new in zip(index["docs"], out["docs"]):
        assert {k: v for k, v in new.items() if k != SYMPTOMS_FIELD} == old


HOSTILE = ("</code><img src=x onerror=alert(1)>&amp; \"quoted\" doesn't "
           "<script>alert(2)</script>\x00\x1b[31m")


def test_symptom_text_stays_text_escaped_as_material_holds_its_own():
    """Material's worker reads the index as HTML: the field holds the text escaped once, and
    exactly as Material's own parser holds the same text from the case page's code block."""
    from material.plugins.search.plugin import Parser
    out = with_symptoms(_index("cases/a.html#symptoms"),
                        [CaseSymptoms("cases/a.html", (HOSTILE,))])
    held, = out["docs"][0][SYMPTOMS_FIELD]
    assert "<" not in held and ">" not in held
    assert html.unescape(held) == HOSTILE.replace("\x00", "").replace("\x1b", "")
    parser = Parser()
    parser.feed(f"<h2 id='symptoms'>Symptoms</h2>{code_block(HOSTILE)}")
    parser.close()
    materials_own = "".join(parser.data[-1].text)
    assert held in materials_own
    assert "doesn't" in held and '"quoted"' in held   # quotes as typed: they tokenize alike


def test_an_index_that_cannot_take_the_symptoms_fails_the_build_with_a_reason():
    with pytest.raises(SearchIndexError, match="no 'symptoms' field.*mkdocs.yml"):
        with_symptoms(_index("cases/a.html#symptoms", fields=("title", "text")),
                      [CaseSymptoms("cases/a.html", ("x",))])
    with pytest.raises(SearchIndexError, match=r"no section cases/b\.html#symptoms"):
        with_symptoms(_index("cases/a.html#symptoms", "cases/b.html"),
                      [CaseSymptoms("cases/a.html", ("x",)), CaseSymptoms("cases/b.html", ("y",))])


def test_the_configured_separator_splits_log_punctuation_but_keeps_words_whole():
    """mkdocs.yml's search separator (lunr splits the index and each query word with it, as a
    JavaScript regular expression this pattern reads the same in): the parts of an OpenSSL
    error line become words, a version, a dotted class name, an apostrophe and an underscore
    stay inside theirs."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    search, = [p["search"] for p in config["plugins"] if isinstance(p, dict) and "search" in p]
    separator = re.compile(search["separator"])
    assert SYMPTOMS_FIELD in search["fields"]

    def words(text: str) -> list[str]:
        return [w for w in separator.split(text) if w]
    assert words("warning: TLS library problem: error:1408A0C1:SSL routines:"
                 "ssl3_get_client_hello:no shared cipher:s3_srvr.c:1417:") == [
        "warning", "TLS", "library", "problem", "error", "1408A0C1", "SSL", "routines",
        "ssl3_get_client_hello", "no", "shared", "cipher", "s3_srvr.c", "1417"]
    assert words("451 4.4.0 Security status IllegalMessage") == [
        "451", "4.4.0", "Security", "status", "IllegalMessage"]
    assert words("javax.net.ssl.SSLHandshakeException: Received fatal alert: "
                 "handshake_failure") == ["javax.net.ssl.SSLHandshakeException", "Received",
                                          "fatal", "alert", "handshake_failure"]
    assert words("Key doesn't match the certificate") == [
        "Key", "doesn't", "match", "the", "certificate"]
    assert words("host[192.0.2.1] (smtpd) a=b &lt;tag&gt;") == [
        "host", "192.0.2.1", "smtpd", "a", "b", "tag"]
