"""Contributor text into HTML, inert: Markdown without raw HTML, links only to http(s), mailto
and in-page anchors. A case whose text says `<script>` shows the characters `<script>`."""

from __future__ import annotations

import html
import re
from functools import cache
import xml.etree.ElementTree as etree
from urllib.parse import urlsplit

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

_SAFE_SCHEMES = {"http", "https", "mailto", ""}


class _DropUnsafeLinks(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            for index, child in enumerate(list(parent)):
                if child.tag == "img":
                    parent[index] = _image_as_link(child)
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is None:
                    continue
                scheme = urlsplit(value.strip()).scheme.lower()
                if scheme not in _SAFE_SCHEMES or value.strip().lower().startswith("//"):
                    del element.attrib[attribute]
            for attribute in list(element.attrib):
                if attribute.lower().startswith("on"):
                    del element.attrib[attribute]


def _image_as_link(image: etree.Element) -> etree.Element:
    """An image becomes a link to it: the site loads nothing from other hosts (it works
    offline, and a reader's visit is not reported to whoever hosts the picture)."""
    link = etree.Element("a", {"href": image.get("src", "")})
    link.text = f"image: {image.get('alt') or image.get('src', '')}"
    link.tail = image.tail
    return link


class _NoRawHtml(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_DropUnsafeLinks(md), "tlskb_drop_unsafe_links", 0)


@cache
def _converter() -> markdown.Markdown:
    # One converter, reset between texts: building one costs more than converting a summary.
    return markdown.Markdown(extensions=[_NoRawHtml(), "tables", "fenced_code"])


#: anything that could make Markdown do more than wrap the text in a paragraph: inline markup,
#: escapes, entities, line breaks, and what starts a block (heading, quote, list, rule, code)
_MAY_BE_MARKUP = re.compile(r"[\\`*_\[\]<>&!\x00-\x1f\x7f]|^(?:[#>+=\-]|\d+\.)|^\s|\s$")


def markdown_html(text: str) -> str:
    """Contributor Markdown as HTML; raw HTML in it is shown as text."""
    if text and not _MAY_BE_MARKUP.search(text):
        # Plain prose (most summaries, notes and titles): what Markdown would produce, without
        # its cost. tests/test_site.py compares the two on generated text.
        return f"<p>{html.escape(text, quote=False)}</p>"
    return full_markdown_html(text)


def full_markdown_html(text: str) -> str:
    """`markdown_html` without the plain-prose shortcut."""
    return _converter().reset().convert(text)


def inline_html(text: str) -> str:
    """Contributor Markdown for one line of a table or a list: without the paragraph."""
    rendered = markdown_html(text).strip()
    match = re.fullmatch(r"<p>(.*)</p>", rendered, flags=re.DOTALL)
    return (match.group(1) if match else rendered).replace("\n", " ")


def text(value: object) -> str:
    """Plain text for HTML."""
    return html.escape(str(value), quote=True)


def one_line(value: str) -> str:
    """An HTML fragment on a single line, so Markdown keeps it together as one raw block."""
    return re.sub(r"\n\s*", " ", value)
