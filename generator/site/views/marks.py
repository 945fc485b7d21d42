"""A result as the site shows it (pure data): a symbol for the eye, and words that say the
result and what it rests on for screen readers and on hover, so no mark means anything by its
colour or shape alone."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Link:
    """A link to another page: `href` from the plugin's linker, `text` as written (escaped by
    the template)."""
    href: str
    text: str


@dataclass(frozen=True, slots=True)
class Mark:
    """A result: `shown` (the symbol, "✓ 5/5"), `css` (tlskb-works, -fails, -proceeds or ""),
    `spoken` (the text alternative: result and basis, "works on 5 of 5 stacks, end to end"),
    `title` (more on hover; empty for none)."""
    shown: str
    css: str
    spoken: str
    title: str = ""
