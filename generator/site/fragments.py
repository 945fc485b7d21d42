"""HTML that MkDocs must not render: a generated page's Markdown holds a token where each piece
of case-derived HTML goes, and the plugin puts the HTML in after MkDocs has rendered the
Markdown (`insert`). So contributor text is rendered exactly once, by safe.py, and no Markdown
extension (attr_list, md_in_html, admonitions, tabs) ever sees it.

A token is letters and digits, which Markdown passes through untouched. A block fragment's token
stands alone in a paragraph (`<p>TOKEN</p>` after rendering) and replaces that paragraph; an
inline fragment's token may sit inside a sentence or a heading. Every token must come back
exactly once, or the page is not written (FragmentError): a lost or repeated token would mean the
Markdown around it was not what pages.py meant.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from generator.site.languages import Language

TOKEN = re.compile(r"(<p>)?(TLSKBFRAGMENT[0-9]+X)(</p>)?")


class FragmentError(Exception):
    """A page's Markdown lost, repeated or misplaced a fragment's token (a tlskb bug)."""


@dataclass(frozen=True, slots=True)
class Fragment:
    html: str
    block: bool


@dataclass(frozen=True, slots=True)
class GeneratedPage:
    """A page's Markdown (structure and trusted text only), the HTML its tokens stand for, and
    the language its text is written in (another edition shows it under a "not translated"
    note)."""
    markdown: str
    fragments: Mapping[str, Fragment] = field(default_factory=dict)
    language: Language = Language.EN


class Fragments:
    """Collects a page's fragments and hands out their tokens."""

    def __init__(self) -> None:
        self.items: dict[str, Fragment] = {}

    def _add(self, html: str, block: bool) -> str:
        token = f"TLSKBFRAGMENT{len(self.items)}X"
        self.items[token] = Fragment(html, block)
        return token

    def block(self, html: str) -> str:
        """A token for block HTML, to stand alone as a paragraph (blank lines around it)."""
        return "\n" + self._add(html, True) + "\n"

    def inline(self, html: str) -> str:
        """A token for inline HTML (text, links, emphasis), anywhere in a line."""
        return self._add(html, False)

    def page(self, markdown: str, language: Language = Language.EN) -> GeneratedPage:
        return GeneratedPage(markdown, dict(self.items), language)


def insert(rendered: str, fragments: Mapping[str, Fragment], page: str) -> str:
    """`rendered` (a page's HTML, from its Markdown) with every token replaced by its HTML."""
    seen: Counter[str] = Counter()

    def put(match: re.Match[str]) -> str:
        before, token, after = match.group(1) or "", match.group(2), match.group(3) or ""
        fragment = fragments.get(token)
        if fragment is None:
            raise FragmentError(f"{page}: the rendered page holds {token}, which it never made")
        seen[token] += 1
        if not fragment.block:
            return before + fragment.html + after
        if not (before and after):
            raise FragmentError(f"{page}: block {token} is not a paragraph of its own")
        return fragment.html

    result = TOKEN.sub(put, rendered)
    wrong = sorted(t for t in fragments if seen[t] != 1)
    if wrong:
        raise FragmentError(f"{page}: {', '.join(wrong)} came back "
                            f"{', '.join(str(seen[t]) for t in wrong)} time(s), not once")
    return result


def insert_in_toc(items: Iterable, fragments: Mapping[str, Fragment]) -> None:
    """The same for the table of contents that MkDocs made from the headings (its titles are
    HTML, as MkDocs documents for AnchorLink.title)."""
    def put(match: re.Match[str]) -> str:
        fragment = fragments.get(match.group(2))
        if fragment is None or fragment.block:
            raise FragmentError(f"a heading holds {match.group(2)}, which is not inline HTML")
        return (match.group(1) or "") + fragment.html + (match.group(3) or "")

    for item in items:
        item.title = TOKEN.sub(put, item.title)
        insert_in_toc(item.children, fragments)
