"""The templates never mark text safe themselves: the only HTML they write unescaped is Markup
a view model holds (made by safe.py or by a template)."""

from __future__ import annotations

import re
from pathlib import Path

from generator.site.templating import TEMPLATES

#: what would let a template write text unescaped
UNSAFE = re.compile(r"\|\s*safe\b|Markup\s*\(|autoescape\s+false|\{%-?\s*autoescape\b", re.I)


def templates() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.is_file())


def test_the_pattern_finds_what_it_must():
    for written in ("{{ x|safe }}", "{{ x | safe }}", "{{ Markup(x) }}",
                    "{% autoescape false %}", "{%- autoescape true %}"):
        assert UNSAFE.search(written), written
    assert not UNSAFE.search("{{ x }} safe.py {{ unsafe_words }}")


def test_no_template_marks_text_safe():
    found = templates()
    assert len(found) >= 10  # the templates are where this test looks
    offending = [f"{p.relative_to(TEMPLATES)}:{n}: {line.strip()}"
                 for p in found for n, line in enumerate(p.read_text(encoding="utf-8")
                                                         .splitlines(), 1)
                 if UNSAFE.search(line)]
    assert not offending, offending
