"""Contributor text into HTML, inert, in one pass: the only code that turns case text into HTML.

Three forms, each producing final HTML that nothing renders again (pages.py hands it to the
plugin as a fragment that is inserted after MkDocs has rendered the page's Markdown):

- `prose` / `inline_prose`: Markdown without raw HTML (a `<script>` in a summary shows as the
  characters `<script>`), no attribute syntax (`{: onfocus=… }` stays text), images turned into
  links (nothing is loaded from other hosts), and the result re-serialized through an allow-list
  of elements and attributes, so whatever Markdown produced, only these reach the page;
- `plain`: text, escaped;
- `code_block`: verbatim text (error messages) as a code block.

Every form removes control characters. A link keeps its target only if, read as a browser reads
it (HTML entities decoded, leading and trailing spaces and control characters dropped, tabs and
newlines removed), it is an http(s) address or a `#section` of the page (`safe_link_target`).
`text_problems` reports what the renderer would drop or leave inert, so `tlskb check` refuses it
before the site has to.
"""

from __future__ import annotations

import enum
import html
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from html.parser import HTMLParser
from urllib.parse import urlsplit

import markdown
from markdown.extensions import Extension

#: C0 and C1 control characters and DEL, except tab and line feed (text layout, not content)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

#: what attribute-list syntax looks like (Python-Markdown's attr_list, kramdown, Pandoc):
#: `{: …}`, `{#id}`, `{.class}`, `{ name=value }`
ATTRIBUTE_LIST = re.compile(r"\{:[^{}\n]*\}|\{[ \t]*[#.][A-Za-z_][^{}\n]*\}"
                            r"|\{[ \t]*[A-Za-z_:][-\w:.]*[ \t]*=[^{}\n]*\}")

#: what a browser strips around and removes inside a URL before reading it (WHATWG URL
#: standard, "basic URL parser": leading/trailing C0 controls and spaces; tabs and newlines)
_URL_EDGES = re.compile(r"^[\x00-\x20]+|[\x00-\x20]+$")
_URL_INSIDE = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
#: characters a browser might skip, so `java\u200bscript:` is read with them removed as well
_INVISIBLE = re.compile(r"[\s\x00-\x20\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u206f"
                        r"\ufeff]")
LINK_SCHEMES = ("http", "https")


def without_controls(text: str) -> str:
    """`text` without control characters (tab and line feed stay; CR LF becomes LF)."""
    return CONTROL.sub("", text.replace("\r\n", "\n"))


def safe_link_target(value: str) -> str | None:
    """The target a browser follows for the attribute value `value` (as the browser holds it:
    HTML entities already decoded), if it is an http(s) address or a `#section` of the page;
    else None."""
    target = _URL_INSIDE.sub("", _URL_EDGES.sub("", value))
    if target.startswith("#"):
        return target
    scheme = _SCHEME.match(target)
    if scheme is None or scheme.group(1).lower() not in LINK_SCHEMES:
        return None
    # belt and braces: the same decision with every invisible character removed
    squeezed = _INVISIBLE.sub("", target).lower()
    if not squeezed.startswith(tuple(f"{s}:" for s in LINK_SCHEMES)):
        return None
    return target


def web_address(value: str) -> str | None:
    """`value` without control characters (dropped as from any text, and reported as in any
    text), if it is then a whole web address, as data holds one (a reference's url, a catalogue
    source's): http or https, a host name with a dot, no space, and a form Python's urlsplit
    reads (it refuses a bracketed host that is not an IPv6 address, or a port out of range);
    else None. Written into an attribute escaped (`plain`), so the browser reads exactly these
    characters. `tlskb check` refuses what this refuses; the site links nothing else."""
    value = without_controls(value)
    if any(character.isspace() for character in value):
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (reading it validates it)
    except ValueError:
        return None
    if parts.scheme not in LINK_SCHEMES or "." not in (parts.hostname or ""):
        return None
    return safe_link_target(value)


# -- the allow-list ------------------------------------------------------------------------------

_BLOCK = {"p", "blockquote", "pre", "ul", "ol", "li", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
          "table", "thead", "tbody", "tr", "th", "td"}
_INLINE = {"a", "em", "strong", "code", "br"}
_VOID = {"br", "hr"}
_ALLOWED_ATTRIBUTES = {
    ("a", "title"): re.compile(r".*", re.DOTALL),
    ("code", "class"): re.compile(r"language-[A-Za-z0-9_+#.\-]{1,40}"),
    ("ol", "start"): re.compile(r"[0-9]{1,9}"),
    ("th", "style"): re.compile(r"text-align: (?:left|right|center);"),
    ("td", "style"): re.compile(r"text-align: (?:left|right|center);"),
}


class Kind(enum.StrEnum):
    """What the renderer neutralises."""
    CONTROL = "control"        # a control character, removed
    ATTRIBUTE = "attribute"    # attribute syntax (left as text) or an attribute (dropped)
    ELEMENT = "element"        # an element outside the allow-list (its text kept)
    LINK = "link"              # a link target that is not http(s) or #section (dropped)
    PARAGRAPH = "paragraph"    # a paragraph too long or bracket-laden for Markdown (as text)


@dataclass(frozen=True, slots=True)
class Neutralised:
    """Something in contributor text the renderer dropped or left inert: what kind, what the
    contributor wrote (to find it in the file), and why."""
    kind: Kind
    written: str
    message: str
    hint: str
    target: str = ""   # for a link: where it points, as a browser reads it


def _raw_attribute(start_tag: str | None, name: str) -> str | None:
    """An attribute's value as written in the tag (Markdown writes them double-quoted)."""
    match = re.search(rf'\s{name}="([^"]*)"', start_tag or "")
    return match.group(1) if match else None


class _AllowList(HTMLParser):
    """Re-serializes HTML keeping only allowed elements and attributes, with every text and
    attribute value escaped. It parses the markup as a browser would (entities in attributes
    decoded), so a link's target is judged by what a browser would follow."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.neutralised: list[Neutralised] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":  # a link to the image: the site loads nothing from other hosts
            values = dict(attrs)
            source, alt = values.get("src") or "", values.get("alt") or ""
            label = html.escape(without_controls(f"image: {alt or source}"), quote=False)
            target = self._target(source, _raw_attribute(self.get_starttag_text(), "src"))
            self.out.append(f'<a href="{html.escape(target)}">{label}</a>' if target else label)
            return
        if tag not in _BLOCK | _INLINE:
            self.neutralised.append(Neutralised(Kind.ELEMENT, tag, f"<{tag}> is not allowed in "
                                                "case text", "write Markdown or plain text"))
            return  # its text stays, as text
        kept = []
        for name, value in attrs:
            value = value or ""
            if tag == "a" and name == "href":
                target = self._target(value, _raw_attribute(self.get_starttag_text(), "href"))
                if target is not None:
                    kept.append(f' href="{html.escape(target)}"')
                continue
            pattern = _ALLOWED_ATTRIBUTES.get((tag, name))
            if pattern is not None and pattern.fullmatch(value):
                kept.append(f' {name}="{html.escape(without_controls(value))}"')
            else:
                self.neutralised.append(Neutralised(
                    Kind.ATTRIBUTE, value, f"attribute {name}={value!r} on <{tag}> is not "
                    "allowed in case text", "remove it: case text cannot set HTML attributes"))
        self.out.append(f"<{tag}{''.join(kept)}>")
        if tag not in _VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.open and self.open[-1] == tag:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.open:
            return
        while self.open:  # close what was left open inside it, so the output stays balanced
            closing = self.open.pop()
            self.out.append(f"</{closing}>")
            if closing == tag:
                break

    def handle_data(self, data: str) -> None:
        self.out.append(html.escape(without_controls(data), quote=False))

    def _target(self, value: str, written: str | None) -> str | None:
        target = safe_link_target(value)
        if target is None:
            shown = value.strip()
            self.neutralised.append(Neutralised(
                Kind.LINK, written or value, f"link to {shown!r} is not allowed",
                "links may point only to http:// or https:// addresses or to a #section of "
                "the page", shown))
        return target

    def result(self) -> str:
        self.close()
        return "".join(self.out) + "".join(f"</{tag}>" for tag in reversed(self.open))


def allow_listed(fragment: str) -> tuple[str, list[Neutralised]]:
    """`fragment` re-serialized through the allow-list, and what it dropped."""
    parser = _AllowList()
    parser.feed(fragment)
    return parser.result(), parser.neutralised


# -- Markdown --------------------------------------------------------------------------------------

class _NoRawHtml(Extension):
    """Python-Markdown without its raw HTML: block and inline HTML become text."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


@cache
def _converter() -> markdown.Markdown:
    # One converter, reset between texts: building one costs more than converting a summary.
    # No attr_list, no md_in_html: attribute syntax in case text stays text.
    return markdown.Markdown(extensions=[_NoRawHtml(), "tables", "fenced_code"])


#: anything that could make Markdown do more than wrap the text in a paragraph: inline markup,
#: escapes, entities, line breaks, and what starts a block (heading, quote, list, rule, code)
_MAY_BE_MARKUP = re.compile(r"[\\`*_\[\]<>&!\n\t{}]|^(?:[#>+=\-]|\d+\.)|^\s|\s$")


def render_prose(text: str) -> tuple[str, list[Neutralised]]:
    """Contributor Markdown as final HTML, and what was neutralised on the way."""
    text = without_controls(text)
    if text and not _MAY_BE_MARKUP.search(text):
        # Plain prose (most summaries, notes and titles): what the full path produces, without
        # its cost. tests/test_site_text.py compares the two on generated text.
        return f"<p>{html.escape(text, quote=False)}</p>", []
    return full_prose(text)


#: Python-Markdown's inline pass slices the rest of a paragraph at every match, and looks for
#: the end of a link by scanning from each '[' to the end of the paragraph: a paragraph costs
#: time quadratic in its length (32,000 '[' took 92 s, 256 KB of `*a*` 2.5 s). Text whose
#: paragraphs (blank-line-separated chunks, which can only hold more of Markdown's blocks)
#: stay within these bounds renders in time linear in its length; other text is shown as
#: plain paragraphs, without Markdown (and check refuses it).
MAX_PARAGRAPH = 5000
MAX_BRACKETS = 64
_PARAGRAPHS = re.compile(r"\n[ \t]*\n")
#: Python-Markdown parses a list item's content, and a block indented under it, by calling its
#: block parser again: each level costs two to four Python frames, so 500 nested `- ` (1 KB)
#: ran out of stack (RecursionError). A line may open at most this many levels — list and
#: quote markers at its start, and every 4 columns of indentation (Markdown's tab width) —
#: or its text is shown without Markdown.
MAX_NESTING = 16
_NESTING_TOKEN = re.compile(r" +|\t|>|[-*+](?=[ \t]|$)|[0-9]+[.)](?=[ \t]|$)")


def nesting(line: str) -> int:
    """How many block levels `line` can open in Markdown: the list markers (`-`, `*`, `+`,
    `1.`, `1)`) and quote markers (`>`) it starts with, plus the whitespace among them in units
    of 4 columns (a tab reaches the next multiple of 4), bar the one space a marker needs after
    it. Counted generously: a level Markdown would not open (a rule, a code block) counts too."""
    levels = columns = position = 0
    after_marker = False
    while (token := _NESTING_TOKEN.match(line, position)) is not None:
        written = token.group(0)
        if written[0] == " ":
            columns += len(written) - after_marker
        elif written == "\t":
            columns += 4 - columns % 4 - after_marker
        else:
            levels += 1
        after_marker = written[0] not in " \t"
        position = token.end()
    return levels + columns // 4


def _over_budget(text: str) -> list[Neutralised]:
    """The paragraphs of `text` too long, with too many brackets, or nested too deep for
    Markdown."""
    found = []
    for paragraph in _PARAGRAPHS.split(text):
        start = paragraph.lstrip().split("\n", 1)[0][:40]
        deepest = max(map(nesting, paragraph.split("\n")))
        if deepest > MAX_NESTING:
            found.append(Neutralised(Kind.PARAGRAPH, start, f"a paragraph nested {deepest} "
                                     f"levels deep (lists, quotes and indentation; at most "
                                     f"{MAX_NESTING}): the text would be shown without Markdown",
                                     "flatten the lists or quotes"))
        elif len(paragraph) > MAX_PARAGRAPH:
            found.append(Neutralised(Kind.PARAGRAPH, start, f"a paragraph of {len(paragraph)} "
                                     f"characters (at most {MAX_PARAGRAPH}): the text would be "
                                     "shown without Markdown", "split it with blank lines"))
        elif paragraph.count("[") > MAX_BRACKETS:
            found.append(Neutralised(Kind.PARAGRAPH, start, f"a paragraph with "
                                     f"{paragraph.count('[')} '[' (at most {MAX_BRACKETS}): the "
                                     "text would be shown without Markdown",
                                     "split the paragraph, or write fewer brackets"))
    return found


#: texts up to this size are rendered once per process (check renders each to find what it
#: would neutralise, then the site renders it again); the cache holds at most
#: _REMEMBERED texts, so it stays under about 64 MB whatever the cases hold
_REMEMBER_UP_TO, _REMEMBERED = 4096, 16384


def full_prose(text: str) -> tuple[str, list[Neutralised]]:
    """`render_prose` without the plain-prose shortcut."""
    if len(text) <= _REMEMBER_UP_TO:
        rendered, found = _full_prose_remembered(text)
        return rendered, list(found)
    return _full_prose(text)


@lru_cache(maxsize=_REMEMBERED)
def _full_prose_remembered(text: str) -> tuple[str, tuple[Neutralised, ...]]:
    rendered, found = _full_prose(text)
    return rendered, tuple(found)


def _full_prose(text: str) -> tuple[str, list[Neutralised]]:
    text = without_controls(text)
    over = _over_budget(text)
    if over:
        return "\n".join(f"<p>{html.escape(p.strip(), quote=False)}</p>"
                          for p in _PARAGRAPHS.split(text) if p.strip()), over
    return allow_listed(_converter().reset().convert(text))


def prose(text: str) -> str:
    """Contributor Markdown as block HTML (paragraphs, lists, code)."""
    return render_prose(text)[0]


def inline_prose(text: str) -> str:
    """Contributor Markdown for one line of a table or a sentence: without the paragraph."""
    rendered = prose(text).strip()
    match = re.fullmatch(r"<p>((?:(?!</?p>).)*)</p>", rendered, flags=re.DOTALL)
    return (match.group(1) if match else rendered).replace("\n", " ")


def plain(value: object) -> str:
    """Plain text as HTML text (also safe inside a quoted attribute value)."""
    return html.escape(without_controls(str(value)), quote=True)


def text_content(value: object) -> str:
    """Plain text as HTML element content, quotes kept as they are: the form Material's search
    index holds text in (its parser escapes text so), which its worker reads as HTML."""
    return html.escape(without_controls(str(value)), quote=False)


def code_block(text: str) -> str:
    """Verbatim text as the site's code block (the markup pymdownx.highlight gives a `text`
    fence, so Material adds its copy button)."""
    return ('<div class="highlight"><pre><span></span><code>'
            f"{html.escape(without_controls(text), quote=False)}\n</code></pre></div>")


# -- what `tlskb check` refuses -----------------------------------------------------------------

def text_problems(text: str, *, markdown_syntax: bool = True,
                  limit: int = 10) -> tuple[list[Neutralised], int]:
    """What the site would remove or leave inert in `text` — control characters, and unless
    `markdown_syntax` is False (verbatim text), attribute syntax, paragraphs beyond Markdown's
    budget and links it would drop — as the first `limit` findings and the number of all."""
    found = [Neutralised(Kind.CONTROL, character, f"control character U+{ord(character):04X} "
                         "is not allowed in case text", "remove it; the site drops it")
             for character in dict.fromkeys(CONTROL.findall(text.replace("\r\n", "\n")))]
    if markdown_syntax:
        attribute_lists = [Neutralised(Kind.ATTRIBUTE, match.group(0), f"attribute syntax "
                                       f"{match.group(0)!r} is not allowed in case text",
                                       "remove it; case text cannot set HTML attributes, ids or "
                                       "classes")
                           for match in ATTRIBUTE_LIST.finditer(text)]
        found += attribute_lists
        # text without markup characters renders as one escaped paragraph: nothing to drop
        if _MAY_BE_MARKUP.search(without_controls(text)):
            found += [n for n in full_prose(text)[1]  # a fence's `{#id .class}`: reported once
                      if not (n.kind is Kind.ATTRIBUTE and attribute_lists)]
    shown = [_as_written(n, text) if n.kind is Kind.LINK else n for n in found[:limit]]
    return shown, len(found)


def _as_written(link: Neutralised, text: str) -> Neutralised:
    """A dropped link as the contributor wrote it: Markdown's output keeps entities they wrote
    (`&#106;avascript:`) and escapes characters they wrote plainly (`<` as `&lt;`)."""
    written = link.written if link.written in text else html.unescape(link.written)
    if written == link.target:
        return Neutralised(link.kind, written, link.message, link.hint, link.target)
    return Neutralised(link.kind, written, link.message.replace(
        " is not allowed", f" (written {written!r}) is not allowed"), link.hint, link.target)
