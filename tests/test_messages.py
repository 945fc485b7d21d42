"""The message catalogues (generator/i18n.py, generator/locale/): in step with the code and
templates, every message translated with its placeholders, rendered in the active language; a
broken catalogue is a typed error that says what to do."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

from generator import i18n
from generator.i18n import Domain, Message, reason
from generator.languages import SOURCE, TRANSLATIONS, Language

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import messages  # noqa: E402  (tools/messages.py)


@pytest.mark.parametrize("domain", list(Domain))
@pytest.mark.parametrize("language", TRANSLATIONS)
def test_every_catalogue_is_in_step_with_the_code_and_wholly_translated(language, domain):
    """What `python tools/messages.py --check` says: no message of the code missing from the
    catalogue or left in it, none untranslated or fuzzy, every placeholder kept."""
    template = messages.extract(domain)
    if domain is Domain.SITE:
        assert len(template) > 200, "the site's interface lost its messages"
    assert messages.problems(language, domain, template) == []


def test_the_extraction_sees_templates_python_and_plurals():
    """The extractor reads {% trans %} blocks and _() in templates, _()/N_()/ngettext in the
    site's Python, and keeps plurals as plurals: a message known to be in each place."""
    found = {message.id: message for message in messages.extract(Domain.SITE) if message.id}
    where = {path for message in found.values() for path, _ in message.locations}
    assert "What to request" in found                                    # home.html _()
    assert any(i.startswith("<strong>Request <a href=") for i in found if isinstance(i, str))
    assert "Still happens" in found                                      # views/cases.py N_()
    plural = [i for i in found if isinstance(i, tuple)]
    assert any("recorded configuration of %(name)s" in i[0] for i in plural)
    assert {"generator/site/templates/home.html", "generator/site/views/cases.py"} <= where


def test_a_placeholder_lost_in_translation_is_found(tmp_path, monkeypatch):
    """The check that guards every translation: a msgstr without the msgid's %(name)s."""
    source = i18n.catalogue_path(Language.JA, Domain.SITE).read_text(encoding="utf-8")
    broken = source.replace('msgstr "%(stack)s で使える証明書の鍵タイプは？"',
                            'msgstr "使える証明書の鍵タイプは？"', 1)
    assert broken != source
    (tmp_path / "ja" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "ja" / "LC_MESSAGES" / "site.po").write_text(broken, encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    found = messages.problems(Language.JA, Domain.SITE, messages.extract(Domain.SITE))
    assert any("placeholders [] are not the English's ['stack']" in line for line in found), \
        found


def test_messages_render_in_the_active_language_and_english_outside():
    assert i18n.active() is SOURCE
    assert i18n.gettext("Key types") == "Key types"
    with i18n.using(Language.JA):
        assert i18n.active() is Language.JA
        assert i18n.gettext("Key types") == "鍵タイプ"
        # a message the catalogue does not hold stays as written (the scan of the Japanese
        # pages, tests/test_site_languages.py, finds such English)
        assert i18n.gettext("no such message") == "no such message"
        with i18n.using(Language.EN):
            assert i18n.gettext("Key types") == "Key types"
        assert i18n.ngettext("%(count)s recorded configuration of %(name)s. A cell counts the "
                             "server stacks each key type works with.",
                             "%(count)s recorded configurations of %(name)s. A cell counts "
                             "the server stacks each key type works with.", 3) \
            .startswith("%(name)s の記録済みの構成は %(count)s 件")
    assert i18n.active() is SOURCE, "the language is reset after the block"
    assert i18n.gettext("Key types", Language.JA) == "鍵タイプ"


def test_a_message_renders_its_parameters_and_nested_messages():
    inner = Message("nothing but GREASE")
    outer = reason("supported_groups lists %(groups)s; %(more)s", groups="x25519",
                   more=inner)
    assert str(outer) == "supported_groups lists x25519; nothing but GREASE"
    assert outer.render(Language.EN) == str(outer)
    assert dict(outer.params)["groups"] == "x25519"
    # frozen: a verdict's message can be cached and compared
    assert outer == reason("supported_groups lists %(groups)s; %(more)s", groups="x25519",
                           more=Message("nothing but GREASE"))
    with pytest.raises(AttributeError):
        outer.template = "changed"   # type: ignore[misc]


@pytest.mark.parametrize("content", [
    b'msgid "a"\nnonsense here\n',                  # a line that is no keyword
    b'\xff\xfe not a po file',                       # not text
])
def test_a_broken_catalogue_is_a_typed_error_with_the_fix(tmp_path, monkeypatch, content):
    (tmp_path / "ja" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "ja" / "LC_MESSAGES" / "site.po").write_bytes(content)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.translations.cache_clear()
    try:
        with pytest.raises(i18n.CatalogueError, match=r"site\.po.*make messages"):
            i18n.translations(Language.JA, Domain.SITE)
    finally:
        i18n.translations.cache_clear()


def test_the_navigation_titles_are_the_ones_translated():
    """mkdocs.yml's navigation titles are the plugin's NAV_TITLES (each in the catalogue), so a
    new section cannot reach the Japanese navigation in English."""
    from generator.site.plugin import NAV_TITLES

    class _Loader(yaml.SafeLoader):
        pass
    # mkdocs.yml's !!python/name tags (Material's emoji) are not needed to read the nav
    _Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda *_: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)

    def titles(items):
        for item in items:
            if isinstance(item, dict):
                for title, target in item.items():
                    yield title
                    if isinstance(target, list):
                        yield from titles(target)
    assert set(titles(config["nav"])) == set(NAV_TITLES)
    for title in NAV_TITLES:
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", i18n.gettext(title, Language.JA)), \
            title
