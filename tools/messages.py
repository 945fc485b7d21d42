"""Extract every message tlskb writes for a reader from the code, and keep each language's
catalogue (generator/locale/<language>/LC_MESSAGES/<domain>.po) in step with it.

    python tools/messages.py            # add new messages (untranslated), drop removed ones
    python tools/messages.py --check    # only say what is out of step (exit status 1)

Domains (generator/i18n.py): `site` — the templates' `{% trans %}` and `_()`, and `_()`, `N_()`
and `ngettext()` in the site's Python and in the reference server's versioned facts (which the
guide shows); `reasons` — `reason()` in the analyzers and wherever
a reason is made. After updating, translate each new (empty) entry in the .po file; the tests
(tests/test_messages.py) fail while one is empty, fuzzy or out of step.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.i18n import Domain, catalogue_path  # noqa: E402
from generator.languages import TRANSLATIONS, Language  # noqa: E402

GENERATOR = ROOT / "generator"
#: what each domain is extracted from: (method map, keywords)
SOURCES = {
    Domain.SITE: (
        [("site/templates/**.html", "jinja2"), ("site/**.py", "python"),
         ("site/views/**.py", "python"), ("stacks/openssl/facts.py", "python")],
        {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}),
    Domain.REASONS: (
        [("**.py", "python")],
        {"reason": None}),
}
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true",
                 "lstrip_blocks": "true", "newstyle_gettext": "true"}


def extract(domain: Domain) -> Catalog:
    """The English messages of `domain`, as the code holds them now."""
    method_map, keywords = SOURCES[domain]
    catalogue = Catalog(domain=domain.value, project="tlskb", charset="utf-8")
    options = {pattern: JINJA_OPTIONS for pattern, method in method_map if method == "jinja2"}
    for filename, lineno, message, comments, context in extract_from_dir(
            GENERATOR, method_map=method_map, options_map=options, keywords=keywords,
            comment_tags=("Translators:",), strip_comment_tags=True):
        if not message or (isinstance(message, tuple) and not message[0]):
            continue
        catalogue.add(message, None, [(f"generator/{filename}", None)],
                      auto_comments=comments, context=context,
                      flags=("python-format",) if _has_placeholder(message) else ())
    return catalogue


def _has_placeholder(message) -> bool:
    texts = message if isinstance(message, tuple) else (message,)
    return any("%(" in text for text in texts)


def read(language: Language, domain: Domain) -> Catalog:
    with catalogue_path(language, domain).open("rb") as handle:
        return read_po(handle, locale=language.value, domain=domain.value)


def updated(template: Catalog, language: Language, domain: Domain) -> Catalog:
    """The catalogue of `language` with `template`'s messages: translations kept, new messages
    empty, removed ones dropped (never fuzzy-matched: a guessed translation is worse than none)."""
    path = catalogue_path(language, domain)
    if path.exists():
        catalogue = read(language, domain)
    else:
        catalogue = Catalog(locale=language.value, domain=domain.value, project="tlskb",
                            version="1", copyright_holder="the tlskb authors",
                            msgid_bugs_address="the project's issue tracker")
    # the header keeps its dates: a catalogue changes in git only when a message does
    template.creation_date = catalogue.creation_date
    catalogue.update(template, no_fuzzy_matching=True, update_header_comment=False)
    catalogue.obsolete.clear()
    return catalogue


def ids(catalogue: Catalog) -> set:
    return {(message.context, message.id) for message in catalogue if message.id}


def problems(language: Language, domain: Domain, template: Catalog | None = None) -> list[str]:
    """What is wrong with `language`'s catalogue of `domain`: one line each."""
    path = catalogue_path(language, domain)
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    if not path.exists():
        return [f"{where}: missing; run `python tools/messages.py`"]
    template = template or extract(domain)
    catalogue = read(language, domain)
    found: list[str] = []
    missing = ids(template) - ids(catalogue)
    stale = ids(catalogue) - ids(template)
    found += [f"{where}: not in the catalogue: {_shown(m)}; run `python tools/messages.py`"
              for m in sorted(missing, key=str)]
    found += [f"{where}: no longer in the code: {_shown(m)}; run `python tools/messages.py`"
              for m in sorted(stale, key=str)]
    for message in catalogue:
        if not message.id:
            continue
        line = f"{where}:{message.lineno}"
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            found.append(f"{line}: untranslated: {_shown((message.context, message.id))}")
        elif message.fuzzy:
            found.append(f"{line}: fuzzy (a guess, not a translation): "
                         f"{_shown((message.context, message.id))}")
        else:
            found += [f"{line}: {error}" for error in message.check(catalogue)]
            found += _placeholder_problems(message, line)
    return found


PLACEHOLDER = re.compile(r"%\((\w+)\)")


def _placeholder_problems(message, line: str) -> list[str]:
    """Every named placeholder of the English kept in each translation, and no other (Babel's
    own check lets a translation drop one: here that would drop a stack's or a client's name)."""
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    wanted = {name for text in ids for name in PLACEHOLDER.findall(text)}
    found = []
    for text in strings:
        names = set(PLACEHOLDER.findall(text))
        if names != wanted:
            found.append(f"{line}: the translation's placeholders {sorted(names)} are not the "
                         f"English's {sorted(wanted)}: {_shown((message.context, message.id))}")
    return found


def _shown(key) -> str:
    context, message_id = key
    text = message_id[0] if isinstance(message_id, tuple) else message_id
    return (f"[{context}] " if context else "") + repr(text[:80])


def write(catalogue: Catalog, language: Language, domain: Domain) -> None:
    path = catalogue_path(language, domain)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalogue, width=100, include_lineno=False, sort_output=False,
                 omit_header=False)


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report; exit 1 if stale")
    arguments = parser.parse_args(argv)
    status = 0
    for domain in Domain:
        template = extract(domain)
        for language in TRANSLATIONS:
            if arguments.check:
                found = problems(language, domain, template)
                for line in found:
                    print(line)
                status |= bool(found)
            else:
                write(updated(template, language, domain), language, domain)
                untranslated = [m for m in read(language, domain) if m.id and not m.string]
                print(f"{catalogue_path(language, domain).relative_to(ROOT)}: "
                      f"{len(template)} messages, {len(untranslated)} to translate")
    return status


if __name__ == "__main__":
    sys.exit(main())
