"""Contributor text on the site (generator/site/safe.py): inert whatever it says, rendered once,
the plain-prose shortcut equal to the full path, and `tlskb check` told about everything the
renderer neutralises."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator.site.safe import (allow_listed, code_block, full_prose, inline_prose, plain, prose,
                                 render_prose, safe_link_target, text_problems)

def problems_in(text, **options):
    """All of text_problems' findings (it shows ten by default)."""
    return text_problems(text, limit=10**6, **options)[0]


#: prose characters plus every character Markdown gives a meaning to
ALPHABET = st.sampled_from(list("abcXYZ019 .,:;'\"()-+=#>|~@/%$^{}?") +
                           ["*", "_", "`", "[", "]", "<", ">", "&", "!", "\\", "\n", "\t",
                            "é", "—", "\x00", "\x02", "\x03", "\x7f", "\x85"])

#: pieces of the attacks the issue found, to be recombined
HOSTILE = st.lists(st.sampled_from([
    "[x](", "![i](", "](", ")", "javascript:", "JaVaScRiPt:", "java\tscript:", "vbscript:",
    "data:text/html,", "&#106;", "&#x6A;", "&#106", "avascript:", "javascript&colon;", "&amp;",
    "&colon;", "alert(1)", " ", "\n", "\n\n", "\t", "\x00", "\x01", "\x02amp\x03", "<", ">",
    "<script>", "<img src=x onerror=alert(1)>", "{: onfocus=alert(1) autofocus }", "{#id}",
    "{.cls}", "{ onclick=x }", "**b**", "\\[", "\\]", "\\(", "\\)", "```", "`", "https://e.org/",
    "//evil.example/", "#top", "mailto:x@e.org", "[r]", "[r]: ", '"t"', "a", "é", "\u200b",
]), max_size=14).map("".join)

#: elements and attributes the allow-list lets through, as they are serialized
TAG = re.compile(r"<(/?)([a-z0-9]+)((?: [a-z]+=\"[^\"<>]*\")*)>")
ALLOWED_TAGS = {"p", "blockquote", "pre", "ul", "ol", "li", "hr", "h1", "h2", "h3", "h4", "h5",
                "h6", "table", "thead", "tbody", "tr", "th", "td", "a", "em", "strong", "code",
                "br"}


def assert_inert(rendered: str) -> None:
    """Every `<` opens an allowed tag; every href is http(s) or in-page once decoded; no
    control characters; nothing a second pass would change."""
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", rendered)
    for match in re.finditer(r"<", rendered):
        tag = TAG.match(rendered, match.start())
        assert tag, rendered[match.start():match.start() + 40]
        assert tag.group(2) in ALLOWED_TAGS, tag.group(0)
        for name, value in re.findall(r' ([a-z]+)="([^"]*)"', tag.group(3)):
            assert name in ("href", "title", "class", "start", "style"), tag.group(0)
            assert not name.startswith("on")
            if name == "href":
                target = re.sub(r"[\t\n\r]", "", html.unescape(value)).strip("\x00 ")
                assert re.match(r"(?i)(https?:|#)", target), value
    again, neutralised = allow_listed(rendered)
    assert neutralised == []
    assert again == rendered or html.unescape(again) == html.unescape(rendered)  # quotes


@settings(max_examples=1500)
@given(st.text(ALPHABET, max_size=40))
def test_the_plain_prose_shortcut_matches_the_full_path(text):
    assert render_prose(text) == full_prose(text)


@settings(max_examples=300)
@given(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 ,.:;()'\"/%-]{0,60}[A-Za-z0-9.)]", fullmatch=True))
def test_prose_shaped_text_takes_the_shortcut_and_matches(text):
    assert render_prose(text) == full_prose(text)


@given(st.one_of(HOSTILE, st.text(ALPHABET, max_size=60)))
@example("[x](&#106;avascript:alert(1))")
@example("[x](javascript&colon;alert(1))")
@example("[x](&amp;#106;avascript:alert(1))")
@example("**b**{: onmouseover=alert(1) }")
@example("```{ #x .y onclick=alert(1) }\ncode\n```")
def test_any_text_renders_inert(text):
    assert_inert(prose(text))
    assert_inert(inline_prose(text))
    assert_inert(plain(text))
    block = code_block(text)
    wrapper = re.fullmatch(r'<div class="highlight"><pre><span></span><code>(.*)\n</code></pre>'
                           r"</div>", block, flags=re.DOTALL)
    assert wrapper and "<" not in wrapper.group(1)
    assert_inert(wrapper.group(1))


@given(st.one_of(HOSTILE, st.text(ALPHABET, max_size=60)))
def test_check_refuses_whatever_the_renderer_neutralises(text):
    """`tlskb check` learns of every link the site drops, every attribute it removes and every
    control character it strips (text_problems is what check.py reports)."""
    _, neutralised = full_prose(text)
    stripped = re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text.replace("\r\n", "\n"))
    if neutralised or stripped:
        assert problems_in(text)


def test_raw_html_is_shown_as_text():
    rendered = prose("<script>alert(1)</script> and <b onclick=x()>b</b>")
    assert rendered == ("<p>&lt;script&gt;alert(1)&lt;/script&gt; and &lt;b onclick=x()&gt;b"
                        "&lt;/b&gt;</p>")
    assert problems_in("<script>alert(1)</script>") == []  # shown, not neutralised


@pytest.mark.parametrize("written", [
    "javascript:alert(1)", "&#106;avascript:alert(1)", "&#x6A;avascript:alert(1)",
    "&#106avascript:alert(1)", "javascript&colon;alert(1)", "JaVaScRiPt:alert(1)",
    "java&#9;script:alert(1)", "java&Tab;script:alert(1)", "&#0;javascript:alert(1)",
    "&#32;javascript:alert(1)", "vbscript:msgbox(1)", "data:text/html,<script>alert(1)</script>",
    "//evil.example/", "mailto:x@example.org", "relative/page.html", "/absolute",
    "java\u200bscript:alert(1)",
])
def test_unsafe_link_targets_are_refused_after_decoding(written):
    assert safe_link_target(html.unescape(written)) is None
    rendered = prose(f"[x](<{written}>) and [y]({written})")
    assert "href" not in rendered, rendered
    assert any(p.kind == "link" for p in problems_in(f"[y]({written})")), written


@pytest.mark.parametrize("written,target", [
    ("https://example.org/a?b=1&c=2", "https://example.org/a?b=1&amp;c=2"),
    ("HTTP://example.org/", "HTTP://example.org/"), ("#why-sample", "#why-sample"),
    ("https://example.org/&amp;lt;", "https://example.org/&amp;lt;"),
])
def test_safe_link_targets_are_kept_exactly(written, target):
    assert prose(f"[x]({written})") == f'<p><a href="{target}">x</a></p>'
    assert problems_in(f"[x]({written})") == []


def test_entities_are_decoded_once_like_a_browser():
    """`&amp;#106;avascript:` is the text `&#106;avascript:` to a browser: a relative address,
    refused (not http(s)); and what is written is written out so that it decodes once."""
    assert 'href' not in prose("[x](&amp;#106;avascript:alert(1))")
    assert prose("[x](https://e.org/?q=&amp;#106;)") == \
        '<p><a href="https://e.org/?q=&amp;#106;">x</a></p>'


def test_attribute_syntax_stays_text_and_check_names_it():
    for written in ("{: autofocus tabindex=0 onfocus=alert(1) }", "{#search}", "{.md-search}",
                    "{ onclick=alert(1) }"):
        text = f"A title {written}"
        rendered = prose(text)
        assert written.replace("{", "").strip() in html.unescape(rendered)
        assert not re.search(r"<p [a-z]", rendered)
        assert [p.written for p in problems_in(text)] == [written]


def test_backslash_escapes_are_not_rendered_twice():
    """The safe pass's output is final HTML: `\\[x\\]\\(javascript:…\\)` shows as the text
    `[x](javascript:…)` and never becomes a link later."""
    rendered = prose("\\[x\\]\\(javascript:alert(1)\\) \\*\\*b\\*\\*")
    assert rendered == "<p>[x](javascript:alert(1)) **b**</p>"


def test_fenced_code_keeps_no_attributes():
    rendered = prose("```{ #x .y onclick=alert(1) }\ncode\n```")
    assert "onclick" not in rendered and 'id="' not in rendered
    assert [p.written for p in problems_in("```{ #x .y onclick=alert(1) }\ncode\n```")] == [
        "{ #x .y onclick=alert(1) }"]


def test_control_characters_are_removed_everywhere():
    text = "a\x00b\x01c\x7fd\x85e\x02amp\x03#106;"
    for rendered in (prose(text), inline_prose(text), plain(text), code_block(text)):
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", rendered)
        assert "abcde" in rendered
    assert {p.written for p in problems_in(text)} == {"\x00", "\x01", "\x7f", "\x85", "\x02",
                                                          "\x03"}
    assert [p.kind for p in problems_in("a\x00b", markdown_syntax=False)] == ["control"]


def test_images_become_links_so_nothing_is_loaded_from_other_hosts():
    rendered = prose("see ![the diagram](https://example.com/x.png) here")
    assert "<img" not in rendered
    assert '<a href="https://example.com/x.png">image: the diagram</a> here' in rendered
    assert "href" not in prose("![x](javascript:alert(1))")


def test_markdown_features_are_kept():
    assert prose("plain *words*, **strong**, `code`") == \
        "<p>plain <em>words</em>, <strong>strong</strong>, <code>code</code></p>"
    assert prose("- a\n- b") == "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"
    assert prose("one\n\ntwo") == "<p>one</p>\n<p>two</p>"
    assert prose("```\nx < y\n```") == "<pre><code>x &lt; y\n</code></pre>"


def test_inline_prose_drops_the_paragraph():
    assert inline_prose("plain *words*") == "plain <em>words</em>"
    assert inline_prose("two\nlines") == "two lines"


def test_plain_escapes_for_text_and_attributes():
    assert plain("</title><script>x</script> \"q\" 'a' & {: x=1 }") == (
        "&lt;/title&gt;&lt;script&gt;x&lt;/script&gt; &quot;q&quot; &#x27;a&#x27; &amp; "
        "{: x=1 }")


def test_fragments_come_back_exactly_once_or_the_page_is_not_written():
    """generator/site/fragments.py: tokens stand for final HTML in a page's Markdown; one lost,
    repeated, or a block one that Markdown did not leave as its own paragraph, is an error."""
    import markdown
    from generator.site.fragments import FragmentError, Fragments, insert
    f = Fragments()
    source = (f"# {f.inline('a &lt;title&gt;')}\n\nSee {f.inline('<em>x</em>')} here.\n"
              + f.block("<div>block</div>") + "\n- item\n")
    page = f.page(source)
    rendered = markdown.markdown(page.markdown)
    assert insert(rendered, page.fragments, "p") == (
        "<h1>a &lt;title&gt;</h1>\n<p>See <em>x</em> here.</p>\n<div>block</div>\n<ul>\n"
        "<li>item</li>\n</ul>")
    token = next(iter(page.fragments))
    with pytest.raises(FragmentError, match="not once"):
        insert(rendered.replace(token, ""), page.fragments, "p")
    with pytest.raises(FragmentError, match="not once"):
        insert(rendered + token, page.fragments, "p")
    block = [t for t, fragment in page.fragments.items() if fragment.block][0]
    with pytest.raises(FragmentError, match="not a paragraph of its own"):
        insert(rendered.replace(f"<p>{block}</p>", f"<li>{block}</li>"), page.fragments, "p")
    with pytest.raises(FragmentError, match="never made"):
        insert(rendered + "TLSKBFRAGMENT99X", page.fragments, "p")


@given(st.lists(st.sampled_from(["[a](b) ", "[", "*a* ", "`a` ", "word ", "\n\n", "\n",
                                 "- item\n", "> q\n", "&amp; "]), max_size=400).map("".join))
@example("[" * 65)
@example("x" * 5001)
@example(("[a][" * 16 + "b" * 4900 + "\n\n") * 3)
def test_markdown_only_ever_sees_paragraphs_within_its_budget(text):
    """Python-Markdown's cost grows with the square of a paragraph's length (it slices the
    rest of the paragraph at every inline match and scans from every '[' to its end). Every
    paragraph it is given holds at most MAX_PARAGRAPH characters and MAX_BRACKETS brackets,
    so rendering costs at most a constant times the text's length; text beyond that is shown
    as plain paragraphs, and check is told."""
    from unittest import mock

    from generator.site import safe
    seen = []
    real = safe._converter()
    original = real.convert

    def recording(source):
        seen.append(source)
        return original(source)

    with mock.patch.object(real, "convert", recording):
        rendered, neutralised = render_prose(text)
    for source in seen:
        for paragraph in re.split(r"\n[ \t]*\n", source):
            assert len(paragraph) <= safe.MAX_PARAGRAPH
            assert paragraph.count("[") <= safe.MAX_BRACKETS
    assert_inert(rendered)
    if any(n.kind == "paragraph" for n in neutralised):   # shown as plain paragraphs
        assert seen == [] and "<a" not in rendered and problems_in(text)


@pytest.mark.parametrize("url", ["https://[", "https://[x]", "http://[::1", "https://a.b:99999/",
                                 "javascript:alert(1)", "https://a b.example/", "https://x",
                                 "https://e.org/\x1b[2J a"])
def test_a_reference_is_linked_only_to_a_whole_web_address(url):
    """A reference whose address urlsplit refuses, or that is not a web address at all, is
    shown as its title and address, never as a link (check refuses it too)."""
    from types import SimpleNamespace
    from generator.site.templating import macro
    from generator.site.views.cases import references

    def _references(case) -> str:
        return macro("case.html", "references", page=SimpleNamespace(references=references(case)))
    reference = SimpleNamespace(url=url, title="The source", citation=None, date="2020",
                                note=None)
    rendered = _references(SimpleNamespace(references=[reference]))
    assert "href" not in rendered and "The source" in rendered
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", rendered)   # the template's own line breaks aside
    good = SimpleNamespace(url="https://e.org/a?b=1&c=[2]", title="t", citation=None,
                           date="2020", note=None)
    assert 'href="https://e.org/a?b=1&amp;c=[2]"' in _references(SimpleNamespace(
        references=[good]))
    controls = SimpleNamespace(url="https://e.org/\x1b[2J\x00", title="t", citation=None,
                               date="2020", note=None)   # dropped, as from any text
    assert 'href="https://e.org/[2J"' in _references(SimpleNamespace(references=[controls]))


#: shapes that make Python-Markdown recurse once per level (lists: markers on one line, or
#: indentation line by line), and quotes mixed in; each at `levels` levels
NESTED = {
    "dashes": lambda levels: "- " * levels + "a",
    "numbers": lambda levels: "1. " * levels + "a",
    "mixed markers": lambda levels: "".join("-*+"[i % 3] + " " if i % 4 else "1. "
                                            for i in range(levels)) + "a",
    "indented items": lambda levels: "\n".join(" " * (4 * i) + "- a" for i in range(levels)),
    "numbered, indented": lambda levels: "\n".join(" " * (4 * i) + "1. a"
                                                   for i in range(levels)),
    "tab-indented items": lambda levels: "\n".join("\t" * i + "- a" for i in range(levels)),
    "quotes and lists": lambda levels: "> - " * (levels // 2) + "a",
    "loose items": lambda levels: "\n\n".join(" " * (4 * i) + "* a" for i in range(levels)),
}


def frames_needed(render, text: str) -> int:
    """The fewest Python frames above the caller's with which `render(text)` completes."""
    import inspect
    import sys
    base, old = len(inspect.stack(0)), sys.getrecursionlimit()
    low, high = 1, 1000
    while low < high:
        middle = (low + high) // 2
        sys.setrecursionlimit(base + middle)
        try:
            render(text)
            high = middle
        except RecursionError:
            low = middle + 1
        finally:
            sys.setrecursionlimit(old)
    return low


@pytest.mark.parametrize("shape", NESTED)
def test_deep_nesting_is_shown_as_text_and_refused(shape):
    """500 nested `- ` (1 KB) made Python-Markdown raise RecursionError in check and the
    build (F3): deeper than MAX_NESTING, a paragraph is shown without Markdown and check names
    it; within it, rendering needs a small, fixed number of frames whatever the shape."""
    from generator.site.safe import MAX_NESTING, nesting
    deep = NESTED[shape](500)
    rendered, neutralised = full_prose(deep)
    assert [n.kind.value for n in neutralised] == ["paragraph"] * len(neutralised) != []
    assert "levels deep" in neutralised[0].message and rendered.startswith("<p>")
    assert prose(deep) == rendered and "<li>" not in rendered
    assert any("levels deep" in p.message for p in problems_in(deep))
    allowed = NESTED[shape](MAX_NESTING)
    assert max(map(nesting, allowed.split("\n"))) <= MAX_NESTING
    assert full_prose(allowed)[1] == [] and "<li>" in prose(allowed)
    # measured on the renderer itself: full_prose remembers texts it rendered, and a
    # remembered text needs no frames at all
    from generator.site.safe import _full_prose
    assert frames_needed(_full_prose, allowed) < 150


def test_nesting_counts_markers_and_indentation():
    from generator.site.safe import nesting
    assert [nesting(line) for line in ("plain", "- a", "- - a", "1. 2) a", "> > a", "    - a",
                                       "\t\t- a", "-     - a", "--key-type rsa", "**b**",
                                       "- " * 40, "1000000000. a", "2020. a")] == [
        0, 1, 2, 2, 2, 2, 3, 3, 0, 0, 40, 1, 1]
