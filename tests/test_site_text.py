"""Contributor text on the site (generator/site/safe.py): inert, and the plain-prose shortcut
produces exactly what Python-Markdown would."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.site.safe import full_markdown_html, inline_html, markdown_html

#: prose characters plus every character Markdown gives a meaning to
ALPHABET = st.sampled_from(list("abcXYZ019 .,:;'\"()-+=#>|~@/%$^{}?") +
                           ["*", "_", "`", "[", "]", "<", ">", "&", "!", "\\", "\n", "\t",
                            "é", "—", "\x02", "\x03"])


@settings(max_examples=1500, deadline=None)
@given(st.text(ALPHABET, max_size=40))
def test_the_plain_prose_shortcut_matches_markdown(text):
    assert markdown_html(text) == full_markdown_html(text)


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 ,.:;()'\"/%-]{0,60}[A-Za-z0-9.)]", fullmatch=True))
def test_prose_shaped_text_matches_markdown(text):
    assert markdown_html(text) == full_markdown_html(text)


def test_raw_html_is_shown_as_text():
    rendered = markdown_html("<script>alert(1)</script> and <b onclick=x()>b</b>")
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered
    assert "<b" not in rendered


def test_links_keep_only_safe_schemes():
    rendered = markdown_html("[a](javascript:alert(1)) [b](https://example.org/) "
                             "[c](//evil.example/) [d](mailto:x@example.org) [e](#anchor)")
    assert "javascript:" not in rendered and "//evil.example" not in rendered
    for kept in ('href="https://example.org/"', 'href="mailto:x@example.org"', 'href="#anchor"'):
        assert kept in rendered


def test_images_become_links_so_nothing_is_loaded_from_other_hosts():
    rendered = markdown_html("see ![the diagram](https://example.com/x.png) here")
    assert "<img" not in rendered
    assert '<a href="https://example.com/x.png">image: the diagram</a> here' in rendered


def test_inline_html_drops_the_paragraph():
    assert inline_html("plain *words*") == "plain <em>words</em>"
    assert inline_html("two\nlines") == "two lines"
