"""The Japanese edition's hand-written pages: every English page under kb/ (but kb/ja/ itself)
has its translation at kb/ja/<the same path>, and each translation keeps what links and the
site rely on — the English page's heading ids (a link to page.md#slug, from another page or
from the English twin's address, lands on the section in both editions) and its markers
(<!-- tlskb:… --> where the generated tables go, <!-- material/tags --> for the tag index).

The ids are read from the Markdown rendered with mkdocs.yml's own extensions (toc's slugify of
the English heading; attr_list's `{#slug}` on the Japanese one), and again from the built site."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
import yaml
from mkdocs.utils.meta import get_data

from support.site import ROOT

KB = ROOT / "kb"
JA = "ja"
#: the markers a page's text carries for the site's plugins, in the order the page has them
MARKER = re.compile(r"<!--\s*(?:tlskb:|material/)[\w.-]+\s*-->")


def english_pages(kb: Path) -> list[str]:
    """The hand-written English pages: kb/**/*.md, kb/ja/ (the translations) left out."""
    return sorted(path.relative_to(kb).as_posix() for path in kb.rglob("*.md")
                  if path.relative_to(kb).parts[0] != JA)


class _HeadingIds(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[1-6]", tag):
            self.ids.append(dict(attrs).get("id") or f"<{tag} without an id>")


def heading_ids(html: str) -> list[str]:
    parser = _HeadingIds()
    parser.feed(html)
    return parser.ids


def _render(text: str) -> str:
    """The page's Markdown (front matter left out, as MkDocs does) as mkdocs.yml renders it."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    names, configs = [], {}
    for entry in config["markdown_extensions"]:
        name, options = next(iter(entry.items())) if isinstance(entry, dict) else (entry, None)
        names.append(name)
        if options:
            configs[name] = options
    body, _meta = get_data(text)
    return markdown.Markdown(extensions=names, extension_configs=configs).convert(body)


def problems(kb: Path) -> list[str]:
    """What the Japanese translations under `kb` lack, one line per problem (empty: none)."""
    found = []
    for page in english_pages(kb):
        english_path, japanese_path = kb / page, kb / JA / page
        if not japanese_path.is_file():
            found.append(f"kb/{page} has no Japanese translation: write kb/{JA}/{page}")
            continue
        english = english_path.read_text(encoding="utf-8-sig")
        japanese = japanese_path.read_text(encoding="utf-8-sig")
        want, have = heading_ids(_render(english)), heading_ids(_render(japanese))
        if want != have:
            found.append(f"kb/{JA}/{page}: heading ids {have} are not the English page's {want} "
                         "(give each Japanese heading {#<the English slug>})")
        want, have = MARKER.findall(english), MARKER.findall(japanese)
        if want != have:
            found.append(f"kb/{JA}/{page}: markers {have} are not the English page's {want}")
    return found


def test_every_english_page_has_a_japanese_translation_with_its_ids_and_markers():
    assert len(english_pages(KB)) >= 6, "kb/ lost its hand-written pages"
    found = problems(KB)
    assert not found, "\n".join(found)


def test_the_check_catches_a_missing_translation_a_changed_id_and_a_lost_marker(tmp_path):
    """The check itself, on a small kb/: it must see each way a translation falls behind."""
    kb = tmp_path / "kb"
    (kb / JA / "guides").mkdir(parents=True)
    (kb / "guides" / "page.md").parent.mkdir()
    (kb / "guides" / "page.md").write_text(
        "# A page\n\n<!-- tlskb:matrix -->\n\n## 1. Capture the ClientHello\n\ntext\n\n"
        "```sh\n# not a heading\n```\n\n## Fingerprints: JA3 and JA4\n", encoding="utf-8")
    translation = kb / JA / "guides" / "page.md"
    good = ("# ページ {#a-page}\n\n<!-- tlskb:matrix -->\n\n## 1. ClientHello をキャプチャする "
            "{#1-capture-the-clienthello}\n\n本文\n\n```sh\n# not a heading\n```\n\n"
            "## フィンガープリント：JA3 と JA4 {#fingerprints-ja3-and-ja4}\n")
    translation.write_text(good, encoding="utf-8")
    assert problems(kb) == []

    translation.write_text(good.replace(" {#fingerprints-ja3-and-ja4}", ""), encoding="utf-8")
    assert [p for p in problems(kb) if "heading ids" in p], "a heading without the English id"
    translation.write_text(good.replace("{#a-page}", "{#page}"), encoding="utf-8")
    assert [p for p in problems(kb) if "heading ids" in p], "a heading with another id"
    translation.write_text(good.replace("<!-- tlskb:matrix -->\n", ""), encoding="utf-8")
    assert [p for p in problems(kb) if "markers" in p], "a lost marker"
    translation.write_text(good, encoding="utf-8")
    (kb / "new.md").write_text("# New\n", encoding="utf-8")
    assert problems(kb) == [f"kb/new.md has no Japanese translation: write kb/{JA}/new.md"]


@pytest.mark.parametrize("page", english_pages(KB))
def test_the_built_translation_is_japanese_with_the_english_anchors(site, page):
    """What readers get: the Japanese edition's page is in Japanese (no 'not translated' note)
    and has every anchor the English page has, generated ones (the tag index's) included."""
    html = Path(page).with_suffix(".html").as_posix()
    english = (site / html).read_text(encoding="utf-8")
    japanese = (site / JA / html).read_text(encoding="utf-8")
    assert '<html lang="ja"' in japanese
    assert "未翻訳" not in japanese
    article = japanese[japanese.index("<article"):japanese.index("</article>")]
    assert re.search(r"[\u3040-\u30ff]", re.sub(r"<[^>]+>", "", article)), "no kana: not Japanese"
    assert heading_ids(japanese) == heading_ids(english)
    missing = set(re.findall(r'\bid="([^"]+)"', english)) - set(
        re.findall(r'\bid="([^"]+)"', japanese))
    assert not missing, f"anchors of the English page missing in Japanese: {sorted(missing)}"
