"""The site in English and Japanese from one strict build (the `site` fixture): every page has
its twin in the other edition, `<html lang>` and Material's interface are the edition's, a
switcher links each page to its twin by a relative address, a page shown in English in the
Japanese edition says so, and Material's search finds Japanese words in the Japanese edition,
served and from disk (Chromium)."""

from __future__ import annotations

import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from mkdocs.exceptions import Abort

from support.browser import paste_search
from support.site import ROOT, build_site, project_copy

JA = "ja"
#: what MkDocs and Material write beside the pages: not pages with a twin
NOT_PAGES = ("assets/", "search/")


def _pages(root: Path, skip_ja: bool) -> set[str]:
    return {path.relative_to(root).as_posix() for path in root.rglob("*.html")
            if not path.relative_to(root).as_posix().startswith(NOT_PAGES)
            and not (skip_ja and path.relative_to(root).parts[0] == JA)}


class _Head(HTMLParser):
    """The <html lang>, the search box's placeholder and the language switcher's links."""

    def __init__(self) -> None:
        super().__init__()
        self.lang = None
        self.placeholder = None
        self.switcher: dict[str, str] = {}   # hreflang -> href
        self.current: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        elif tag == "input" and "md-search__input" in (attrs.get("class") or ""):
            self.placeholder = attrs.get("placeholder")
        elif tag == "a" and "md-select__link" in (attrs.get("class") or ""):
            self.switcher[attrs["hreflang"]] = attrs["href"]
            if attrs.get("aria-current"):
                self.current.append(attrs["hreflang"])


def _head(path: Path) -> _Head:
    parser = _Head()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_every_english_page_has_its_japanese_twin_and_back(site):
    english = _pages(site, skip_ja=True)
    japanese = _pages(site / JA, skip_ja=False)
    assert len(english) > 250, "the site lost pages"
    assert english - japanese == set(), "English pages without a Japanese twin"
    assert japanese - english == set(), "Japanese pages without an English twin"
    # each edition is a whole site: its own search index (the offline one too) and sitemap
    for root in (site, site / JA):
        for name in ("search/search_index.json", "search/search_index.js", "sitemap.xml",
                     "404.html"):
            assert (root / name).is_file(), root / name


def test_each_page_has_its_language_its_interface_and_a_switcher_to_its_twin(site):
    for page in sorted(_pages(site, skip_ja=True)):
        for edition, path, other, other_path in (("en", page, "ja", f"{JA}/{page}"),
                                                 ("ja", f"{JA}/{page}", "en", page)):
            head = _head(site / path)
            assert head.lang == edition, path
            assert head.placeholder == {"en": "Search", "ja": "検索"}[edition], path
            if page == "404.html":   # no page of its own to link: each edition's home page
                continue
            assert set(head.switcher) == {"en", "ja"}, path
            assert head.current == [edition], path
            for lang, target in ((edition, path), (other, other_path)):
                href = head.switcher[lang]
                assert not re.match(r"[a-z]+:|/", href), f"{path}: {href} is not relative"
                assert posixpath.normpath(posixpath.join(posixpath.dirname(path), href)) \
                    == target, f"{path}: the {lang} link {href} does not lead to {target}"


def test_a_page_shown_in_english_in_the_japanese_edition_says_so(site):
    note = "この項目はまだ翻訳されていません"
    case = (site / JA / "cases" / "letsencrypt-p521.html").read_text(encoding="utf-8")
    assert note in case and "未翻訳" in case
    assert '<div lang="en">' in case and '<h1 lang="en"' in case
    english = (site / "cases" / "letsencrypt-p521.html").read_text(encoding="utf-8")
    assert note not in english
    # a page is shown in English, marked, exactly when its prose has no Japanese: a
    # hand-written page without kb/ja/<page>, a case without cases/ja/<id>.yaml, a client page
    # carrying its recording's English notes; every other generated page is wholly Japanese
    from generator.compat.clients import recorded_clients
    kb = ROOT / "kb"
    hand_written = {p.relative_to(kb).with_suffix(".html").as_posix()
                    for p in kb.rglob("*.md") if p.relative_to(kb).parts[0] != JA}
    translated = {p.relative_to(kb / JA).with_suffix(".html").as_posix()
                  for p in (kb / JA).rglob("*.md")}
    cases = {p.stem for p in (ROOT / "cases").glob("*.yaml")}
    translated_cases = {p.stem for p in (ROOT / "cases" / JA).glob("*.yaml")}
    english_prose = {f"clients/{c.id}.html" for c in recorded_clients()
                     if c.end_to_end_note or c.definition is None}
    expected = ((hand_written - translated) | {f"cases/{c}.html" for c in cases - translated_cases}
                | english_prose)
    assert {"cases/letsencrypt-p521.html"} <= expected
    assert "cases/exchange-online-p384.html" not in expected
    for page in _pages(site / JA, skip_ja=False) - {"404.html"}:
        text = (site / JA / page).read_text(encoding="utf-8")
        assert (note in text) == (page in expected), page
    home = (site / JA / "index.html").read_text(encoding="utf-8")
    assert "<h1" in home and "このクライアントが本当に使える証明書の鍵タイプは" in home
    # the generated parts of the home page speak Japanese too (no longer marked English)
    assert 'lang="en"' not in home.split("<article", 1)[1]
    assert "要求すべき鍵タイプ" in home and "を要求してください" in home


def test_a_translated_case_reads_in_japanese(site):
    """The Exchange case on the Japanese edition: its title, summary, cause and fix from
    cases/ja/exchange-online-p384.yaml (read here as YAML), its error strings verbatim, its
    section anchors the English page's, and no 'not translated' note."""
    import yaml
    overlay = yaml.safe_load((ROOT / "cases" / JA / "exchange-online-p384.yaml").read_text())
    page = (site / JA / "cases" / "exchange-online-p384.html").read_text(encoding="utf-8")
    english = (site / "cases" / "exchange-online-p384.html").read_text(encoding="utf-8")
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "この項目はまだ翻訳されていません" not in page
    assert overlay["title"] in text
    for field in (overlay["summary"], overlay["fix"]["summary"], overlay["fix"]["server"]):
        assert " ".join(field.split())[:40] in text
    assert "TLS 1.2 ではこの拡張が" in text                     # the cause, in Japanese
    assert "451 4.4.0 Security status IllegalMessage" in page   # never translated
    ids = set(re.findall(r'<h[12] id="([^"]+)"', english))
    assert ids and ids == set(re.findall(r'<h[12] id="([^"]+)"', page))
    assert f"<title>{overlay['title']}" in page


def test_the_japanese_edition_builds_strictly_too(tmp_path):
    """A warning only the Japanese edition has (its translation links to no page) stops the
    build, as one in the English edition does."""
    project = project_copy(tmp_path)
    (project / "kb" / JA / "install.md").write_text(
        "# インストール\n\n[どこにもないページ](no-such-page.md)\n", encoding="utf-8")
    with pytest.raises(Abort):
        build_site(tmp_path / "site", project)
    assert (tmp_path / "site" / "index.html").is_file(), "the English edition was built first"


@pytest.mark.parametrize("how", ["http", "file"])
def test_japanese_search_finds_japanese_words(watched, served, site, how):
    """Material's search with lunr's Japanese support (TinySegmenter) on the Japanese edition:
    words of the Japanese home page, and the English of a case's symptoms, which the Japanese
    edition keeps searchable; the English edition's index stays English only."""
    base = (served if how == "http" else site.as_uri() + "/") + f"{JA}/"
    page = watched.page
    page.goto(base + "index.html")
    # (the translated cases say these words too: the home page need not come first)
    certificate = paste_search(page, "証明書", base)
    assert "index.html" in certificate and "cases/exchange-online-p384.html" in certificate
    assert paste_search(page, "ハンドシェイク", base)[0] == "guides/debug-a-handshake-failure.html"
    assert paste_search(page, "IllegalMessage", base)[0] == "cases/exchange-online-p384.html"
    # the translated Exchange case, by its Japanese words
    assert paste_search(page, "配送", base)[0] == "cases/exchange-online-p384.html"
    assert "cases/exchange-online-p384.html" in paste_search(page, "楕円曲線", base)
    # words of several scripts run together, as a reader types them (mkdocs.yml's separator
    # cuts where kanji, hiragana and katakana meet, in the index and the query alike)
    assert paste_search(page, "楕円曲線の証明書", base)[0] == "cases/exchange-online-p384.html"
    assert paste_search(page, "ハンドシェイク失敗", base)[0] == \
        "guides/debug-a-handshake-failure.html"
    assert paste_search(page, "鍵タイプ", base)
    watched.shoot(f"search-ja-{how}")


def test_an_edition_per_language_of_the_knowledge_base():
    """One list of languages (generator/languages.py): the site has an edition for each, the
    source language at the root, and the case translations' languages are the other ones."""
    from generator.languages import SOURCE, TRANSLATIONS, Language
    from generator.site.languages import EDITIONS
    assert set(EDITIONS) == set(Language) and EDITIONS[SOURCE].folder == ""
    assert set(TRANSLATIONS) == set(Language) - {SOURCE}


class _JapaneseEditionText(HTMLParser):
    """What a reader of a Japanese page reads in tlskb's words: its text and its hover and
    screen-reader texts (title, aria-label), leaving out what is English by design — a part
    marked lang="en" (an untranslated page's body), code, and scripts."""

    SKIPPED = {"code", "pre", "script", "style"}
    VOID = {"br", "hr", "img", "input", "link", "meta", "source", "wbr", "col", "area", "base",
            "embed", "param", "track"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []     # per open element: is it skipped (with its subtree)
        self.parts: list[str] = []

    def _skipping(self) -> bool:
        return any(self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skipped = tag in self.SKIPPED or attrs.get("lang") == "en"
        if not (skipped or self._skipping()):
            self.parts += [attrs[name] for name in ("title", "aria-label") if attrs.get(name)]
        if tag not in self.VOID:
            self.stack.append(skipped)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self._skipping():
            self.parts.append(data)


def _english_messages() -> tuple[set[str], set[str]]:
    """tlskb's English messages (the ids of the site's and the reasons' catalogues) as (phrases,
    words): every phrase of three or more words, split at placeholders, markup and
    punctuation, which no Japanese page may hold anywhere; and each message of one or two
    words, which none may hold as a whole text (a table header, a heading, a word in a
    cell)."""
    from generator.i18n import Domain
    from generator.languages import Language
    sys_path = str(ROOT / "tools")
    import sys
    if sys_path not in sys.path:
        sys.path.insert(0, sys_path)
    import messages
    phrases, short = set(), set()
    catalogued = [m for domain in Domain for m in messages.read(Language.JA, domain)]
    for message in catalogued:
        if message.string == message.id:
            continue   # the same in Japanese: a name (decode_error) kept on purpose
        for text in (message.id if isinstance(message.id, tuple) else (message.id,)):
            if not text:
                continue
            for chunk in re.split(r"%\(\w+\)s|<[^>]+>|[;:(),.—–…?✓✗~*]", text):
                words = re.findall(r"[A-Za-z][A-Za-z']*", chunk)
                if len(words) >= 3 and " ".join(words) == " ".join(chunk.split()):
                    phrases.add(" ".join(words))
            words = re.findall(r"[A-Za-z][A-Za-z']*", text)
            if 0 < len(words) <= 2 and "%(" not in text and "<" not in text:
                short.add(" ".join(text.split()))
    return phrases, short


def test_no_english_interface_text_on_a_japanese_page(site):
    """The scan the issue asks for: no phrase of the English message catalogue on any page of
    the Japanese edition, outside what is marked English (an untranslated page's body) and
    code. A message left out of the catalogue, or a template string not marked for
    translation that repeats a catalogue phrase, shows here with its page."""
    phrases, short = _english_messages()
    assert len(phrases) > 150 and len(short) > 60, "the catalogue lost its messages"
    # tags are the catalogue's ids, shown as written in both editions ("mail" is one, and a
    # kind of client too)
    from generator.compat.keytypes import catalogue
    short -= set(catalogue().tags)
    pattern = re.compile(r"(?<![A-Za-z])(" + "|".join(
        re.escape(p) for p in sorted(phrases, key=len, reverse=True)) + r")(?![A-Za-z])")
    found: dict[str, set[str]] = {}
    for page in sorted(_pages(site / JA, skip_ja=False)):
        reader = _JapaneseEditionText()
        reader.feed((site / JA / page).read_text(encoding="utf-8"))
        text = " ".join(" ".join(reader.parts).split())
        for match in pattern.finditer(text):
            found.setdefault(match.group(1), set()).add(page)
        for part in reader.parts:
            if " ".join(part.split()) in short:
                found.setdefault(" ".join(part.split()), set()).add(page)
    assert found == {}, {phrase: sorted(pages)[:3] for phrase, pages in found.items()}
