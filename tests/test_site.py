"""The built site, without a browser: every page is generated from the cases, the build refuses
invalid cases, and no emitted page or stylesheet refers to another host."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest


from generator.stacks.openssl.facts import PINNED_CRYPTOGRAPHY, PINNED_OPENSSL
from support.site import ROOT, project_copy

ASSET_ATTRIBUTES = {("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src"),
                    ("source", "src"), ("video", "src"), ("audio", "src"), ("embed", "src"),
                    ("object", "data"), ("image", "href"), ("use", "href")}


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.references: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if (tag, name) in ASSET_ATTRIBUTES and value:
                if tag == "link" and ("rel", "canonical") in attrs:
                    continue  # the canonical address is a name, not something the page loads
                self.references.append(value)
            if name == "style" and value and "url(" in value:
                self.references += re.findall(r"url\(([^)]*)\)", value)


def _external(reference: str) -> bool:
    reference = reference.strip().strip("'\"")
    return bool(re.match(r"^(https?:)?//", reference))


def test_no_emitted_asset_refers_to_another_host(site):
    offenders = []
    for path in site.rglob("*.html"):
        parser = _Assets()
        parser.feed(path.read_text(encoding="utf-8"))
        offenders += [f"{path.relative_to(site)}: {r}" for r in parser.references if _external(r)]
    for path in site.rglob("*.css"):
        css = path.read_text(encoding="utf-8")
        references = re.findall(r"url\(([^)]*)\)", css) + re.findall(r"@import\s+['\"]([^'\"]+)",
                                                                     css)
        offenders += [f"{path.relative_to(site)}: {r}" for r in references if _external(r)]
    assert not offenders, offenders[:10]


def test_every_case_key_type_and_client_has_a_page(site):
    from generator.cases.check import check_paths
    from generator.compat.keytypes import catalogue
    cases = check_paths([ROOT / "cases"]).cases
    for case in cases:
        assert (site / "cases" / f"{case.id}.html").is_file()
    for key_type in catalogue().key_types:
        assert (site / "key-types" / f"{key_type.id}.html").is_file()
    for client in catalogue().clients:
        assert (site / "acme-clients" / f"{client.id}.html").is_file()
    assert not list((ROOT / "kb").rglob("cases")), "generated pages must not be committed in kb/"


def test_case_page_contents(site):
    page = (site / "cases" / "exchange-online-p384.html").read_text(encoding="utf-8")
    assert "451 4.4.0 Security status IllegalMessage" in page
    assert 'href="https://github.com/tlskb/tlskb/edit/main/cases/exchange-online-p384.yaml"' in page
    # the proof names the exact library it ran, the pinned one, whatever builds the site
    assert (f"Replayed against OpenSSL {PINNED_OPENSSL} (pinned reference, cryptography "
            f"{PINNED_CRYPTOGRAPHY}) at build time") in page
    assert 'class="tlskb-node tlskb-decisive">Extension: supported_groups (len=4)' in page
    assert "supported_groups lists secp256r1; an ECDSA P-384 certificate needs secp384r1" in page
    assert "--key-type ec256" in page and "--elliptic-curve secp256r1" in page
    assert "JA4 <code>t12i160600_" in page


def test_the_guide_names_the_reference_server_and_its_versioned_facts(site):
    """The reference server's version-dependent facts reach the guide from facts.VERSIONED,
    one row each, with the releases they hold for."""
    from html import unescape
    from generator.stacks.openssl.facts import VERSIONED
    page = (site / "guides" / "how-verdicts-are-proven.html").read_text(encoding="utf-8")
    assert (f"Every replay on this site ran against <strong>OpenSSL {PINNED_OPENSSL} (pinned "
            "reference") in page
    table = page[page.index('<div class="tlskb-facts"'):]
    table = table[:table.index("</table>")]
    assert table.count("<tr>") == len(VERSIONED) + 1
    for fact in VERSIONED:
        assert fact.holds_for in unescape(table), fact.fact


def test_home_page_matrix_and_recommendation(site):
    """Each matrix row says what its case file claims (read here with plain yaml), key type by
    key type in the header's order (headers are the key types' names); the answer box names,
    for every key type, the current cases it fails in, and recommends one that fails in none."""
    import yaml
    from html import unescape
    from generator.compat.keytypes import catalogue
    ids = {k.label: k.id for k in catalogue().key_types}
    page = (site / "index.html").read_text(encoding="utf-8")
    matrix = page[page.index('tlskb-case-matrix"'):]
    matrix = matrix[:matrix.index("</table>")]
    header = matrix[:matrix.index("</thead>")]
    columns = [ids[label] for label in re.findall(r'<th scope="col">([^<]+)</th>', header)
               if label in ids]
    rows = dict(re.findall(r'<tr><th scope="row"><a href="cases/([a-z0-9-]+)\.html">.*?</a></th>'
                           r"(.*?)</tr>", matrix))
    files = {path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))
             for path in (ROOT / "cases").glob("*.yaml")}
    claims = {case_id: data["outcomes"] for case_id, data in files.items()}
    assert len(columns) == 8 and set(rows) == set(claims)

    def result(case_id: str, key_id: str) -> str:
        claim = claims[case_id][key_id]
        return claim if isinstance(claim, str) else claim["result"]

    for case_id, cells in rows.items():
        shown = re.findall(r"tlskb-mark tlskb-(works|fails|untested)", cells)
        assert shown == [result(case_id, key) for key in columns], case_id
    box = page[page.index("tlskb-answer"):]
    box = box[:box.index("</table>")]
    answer_rows = dict(re.findall(r'<tr><th scope="row"><a href="key-types/([a-z0-9]+)\.html">'
                                  r"[^<]*</a></th><td>(.*?)</td>", box))
    current = [c for c, data in files.items() if data["status"]["state"] == "current"]
    for key in columns:
        failing = sorted(unescape(files[c]["title"]) for c in current if result(c, key) == "fails")
        named = sorted(unescape(t) for t in re.findall(r'<a href="cases/[^"]+">([^<]+)</a>',
                                                       answer_rows[key]))
        assert named == failing, key
        assert failing or answer_rows[key] == "none"
    recommended = ids[re.search(r"<strong>Request <a [^>]*>([^<]+)</a></strong>", box).group(1)]
    assert not any(result(c, recommended) == "fails" for c in current)


def test_documented_case_says_so(site):
    page = (site / "cases" / "gitlab-pages-rsa-only.html").read_text(encoding="utf-8")
    assert "Documented: no handshake decides this case" in page and "The ClientHello" not in page


def test_invalid_case_fails_the_build_with_file_and_line(tmp_path):
    """`mkdocs build` on a knowledge base with an invalid case prints the case's problems as
    file:line:col and fails; nothing is built."""
    text = (ROOT / "cases" / "linode-nodebalancer-rsa-only.yaml").read_text()
    project = project_copy(tmp_path, {"linode-nodebalancer-rsa-only.yaml":
                                      text.replace("  ec384: {result: fails", "  ec384: {result: broken")})
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d",
                             str(tmp_path / "out")], cwd=project, capture_output=True, text=True,
                            timeout=300, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode != 0
    assert "the site is not built from invalid cases" in result.stderr
    assert re.search(r"cases/linode-nodebalancer-rsa-only\.yaml:\d+:\d+: outcomes\.ec384: "
                     r"expected works, fails or untested", result.stderr)
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "index.html").exists()


def test_the_build_refuses_deep_values_long_numbers_and_links_without_a_traceback(tmp_path):
    """`make site` on cases that crashed the loader (RecursionError, Python's int-size
    ValueError) or Markdown (RecursionError on nested lists), or were followed out of the
    repository, fails with file:line:col lines."""
    text = (ROOT / "cases" / "linode-nodebalancer-rsa-only.yaml").read_text()
    outside = tmp_path / "outside.yaml"
    outside.write_text(text.replace("linode-nodebalancer-rsa-only", "outside"))
    (tmp_path / "project").mkdir()
    project = project_copy(tmp_path / "project", {
        "deep.yaml": "id: deep\ntitle: " + "[" * 497 + "]" * 497 + "\n",
        "number.yaml": text.replace("id: linode-nodebalancer-rsa-only", "id: number").replace(
            "observed: 2020-04-03", "observed: " + "9" * 5000),
        "lists.yaml": text.replace("id: linode-nodebalancer-rsa-only", "id: lists").replace(
            "cause: |\n", "cause: |\n  " + "- " * 2400 + "a\n\n", 1)})
    (project / "cases" / "outside.yaml").symlink_to(outside)
    (project / "cases" / "mkdocs.yaml").symlink_to(project / "mkdocs.yml")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d",
                             str(tmp_path / "out")], cwd=project, capture_output=True, text=True,
                            timeout=300, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode != 0 and "Traceback" not in result.stderr
    for expected in ("cases/deep.yaml:2:27: values are nested more than 20 levels deep here",
                     "cases/number.yaml:11:13: a number of 5000 characters",
                     "cases/lists.yaml:31:3: cause: a paragraph nested 2400 levels deep",
                     "cases/outside.yaml:1:1: the file is a symbolic link",
                     "cases/mkdocs.yaml:1:1: the file is a symbolic link"):
        assert expected in result.stderr, result.stderr
    assert "site_name" not in result.stderr and not (tmp_path / "out" / "index.html").exists()


# -- a knowledge base of injection payloads (tests/support/hostile.py) ---------------------------

class _Attributes(HTMLParser):
    """Every element's attributes as a browser decodes them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))


def dangerous_attributes(page: str) -> list[str]:
    """Event handlers, autofocus, and script-running addresses (as a browser reads them: tabs,
    newlines and edge control characters and spaces removed)."""
    parser = _Attributes()
    parser.feed(page)
    found = []
    for tag, attributes in parser.elements:
        for name, value in attributes.items():
            address = re.sub(r"[\t\n\r]", "", value).strip("\x00\x01\x02 ").lower()
            if name.startswith("on") or name == "autofocus" or (
                    name in ("href", "src", "action", "formaction", "data", "xlink:href")
                    and re.match(r"(javascript|data|vbscript):", address)):
                found.append(f"<{tag} {name}={value!r}>")
    return found


def test_every_string_field_of_the_schema_gets_every_payload():
    """The field list comes from cases/case.schema.json: a new string field gets the payloads
    too, or this fails. Fields with a fixed vocabulary or a pattern that admits none of the
    characters a payload needs are named, and checked to be so."""
    from support.hostile import DANGEROUS, PAYLOADS, hostile_cases, string_fields
    base = hostile_cases()
    fields = string_fields()
    assert len(fields) > 40 and {"title", "samples.*.client", "fix.server"} <= {
        f.name for f in fields}
    for field in fields:
        if field.enum:
            assert field.name in base.fixed_vocabulary
            assert all(re.fullmatch(r"[a-z0-9.-]+", str(v)) for v in field.enum), field.name
        elif field.name in base.inert_by_pattern:
            example = {"hex": "16030100", "id": "a-b"}.get(field.path[-1], "2020-01-01")
            assert re.search(field.pattern, example), field.name
            for character in DANGEROUS:
                for cut in range(len(example) + 1):
                    assert not re.search(field.pattern,
                                         example[:cut] + character + example[cut:]), field.name
        else:
            assert base.placed[field.name] == set(range(len(PAYLOADS))), field.name


def test_injection_payloads_in_every_field_leave_no_markup(tmp_path_factory):
    """The hostile knowledge base, built by the real plugin with check's text rules off: no
    page has an event handler, autofocus or script address from case text, no NUL or other
    control character reaches any page or the search index, and the payloads show as text."""
    import json
    from support.hostile import build_hostile_site
    site, base = build_hostile_site(tmp_path_factory)
    pages = sorted(site.rglob("*.html"))
    # the English edition's case pages (each has a twin in ja/, tests/test_site_languages.py)
    assert len([p for p in pages if p.parent == site / "cases"]) == len(base.cases) + 1
    for path in pages:
        page = path.read_text(encoding="utf-8")
        assert dangerous_attributes(page) == [], path
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", page), path
    for edition in (site, site / "ja"):
        index = json.loads((edition / "search" / "search_index.json").read_text(encoding="utf-8"))
        for entry in index["docs"]:
            assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]",
                                 entry["title"] + entry["text"])
            assert dangerous_attributes(entry["title"]) == dangerous_attributes(entry["text"]) == []
    import html
    import yaml
    for name, text in base.cases.items():  # each title shown exactly as written, once
        page = (site / "cases" / name.replace(".yaml", ".html")).read_text(encoding="utf-8")
        heading = re.search(r"<h1 id=\"[^\"]*\">(.*?)<a class=\"headerlink\"", page, re.DOTALL)
        title = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", yaml.safe_load(text)["title"])
        assert html.unescape(heading.group(1)) == title, name
    def titled(payload: int) -> str:
        from support.hostile import PAYLOADS
        name = next(name for name, text in base.cases.items()
                    if yaml.safe_load(text)["title"] == PAYLOADS[payload])
        return (site / "cases" / name.replace(".yaml", ".html")).read_text(encoding="utf-8")
    assert "<title>&lt;script&gt;alert(&#x27;xss-1&#x27;)&lt;/script&gt; - tlskb</title>" in (
        titled(0))
    assert "<title>&lt;/title&gt;&lt;script&gt;alert(&#x27;xss-22&#x27;)" in titled(21)


def test_the_build_error_escapes_what_case_files_say(tmp_path):
    """A case file named with an escape sequence, with a key that clears the screen: the build
    fails with its problems, none of which puts a control character into the terminal or the
    CI log (F5)."""
    text = (ROOT / "cases" / "linode-nodebalancer-rsa-only.yaml").read_text()
    project = project_copy(tmp_path, {
        "\x1b[32mgreen.yaml": text,
        "x.yaml": text.replace("id: linode-nodebalancer-rsa-only", "id: x")
        + '"\\e[2J\\e]0;owned\\a": 1\n'})
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d",
                             str(tmp_path / "out")], cwd=project, capture_output=True,
                            timeout=300, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode != 0 and b"Traceback" not in result.stderr
    assert re.findall(rb"[\x00-\x09\x0b-\x1f\x7f]", result.stdout + result.stderr) == []
    assert b"cases/\\x1b[32mgreen.yaml:2:5: id 'linode-nodebalancer-rsa-only' does not match" \
        in result.stderr
    assert b"cases/x.yaml:66:1: unknown field '\\x1b[2J\\x1b]0;owned\\x07'" in result.stderr


def test_nested_lists_in_prose_build_as_text_when_check_is_bypassed(tmp_path):
    """Should check's rules be off, 500 nested list items in every prose field still build
    (RecursionError killed the build, F3): shown as text, no list."""
    from support.hostile import text_rules_off
    from support.site import build_site
    deep = "- " * 500 + "nested 500 deep"
    text = (ROOT / "cases" / "linode-nodebalancer-rsa-only.yaml").read_text()
    text = text.replace("cause: |\n", f"cause: |\n  {deep}\n\n", 1).replace(
        "  - url: https://github.com/go-acme/lego/issues/1102\n",
        f"  - url: https://github.com/go-acme/lego/issues/1102\n    note: \"{deep}\"\n", 1)
    project = project_copy(tmp_path, {"linode-nodebalancer-rsa-only.yaml": text})
    with text_rules_off():
        site = build_site(tmp_path / "out", project)
    page = (site / "cases" / "linode-nodebalancer-rsa-only.html").read_text(encoding="utf-8")
    assert page.count(deep) == 2 and "<li>nested 500 deep" not in page


def test_a_case_never_replaces_a_generated_page(tmp_path, caplog):
    """With check's reserved names bypassed, a case `index` reaches the plugin: the build
    stops, naming both sources, instead of writing the case over the Cases index (F2)."""
    from unittest import mock
    from mkdocs.exceptions import Abort
    from support.site import build_site
    text = (ROOT / "cases" / "gitlab-pages-rsa-only.yaml").read_text()
    project = project_copy(tmp_path, {"index.yaml": text.replace("id: gitlab-pages-rsa-only",
                                                                 "id: index")})
    with mock.patch("generator.cases.check.RESERVED_IDS", (), create=True), \
            pytest.raises(Abort):
        build_site(tmp_path / "out", project)
    assert "tlskb: two pages would be generated as cases/index.md (from cases/index.yaml and " \
           "cases); ids may not be one of index, cases, " in caplog.text
    assert not (tmp_path / "out" / "cases" / "index.html").exists()


# -- the key-type catalogue's text, published like a case's (F1) ----------------------------------

def test_every_string_field_of_the_catalogue_gets_every_payload():
    """The field list comes from the catalogue's schema (data/catalogue.schema.yaml, which the
    loader enforces with additionalProperties: false): a new field is declared there, and so
    gets the payloads too. Fields with a fixed vocabulary, or a pattern that admits none of the
    characters a payload needs, are named and checked to be so."""
    from support.hostile import DANGEROUS, PAYLOADS, catalogue_fields, hostile_catalogue
    hostile = hostile_catalogue()
    fields = catalogue_fields()
    assert {"acme_clients.*.name", "acme_clients.*.history", "key_types.*.label",
            "authorities.*.name", "acme_clients.*.options./^[a-z0-9]+(-[a-z0-9]+)*$/",
            "sources./^[a-z0-9]+(-[a-z0-9]+)*$/.url"} <= {f.name for f in fields}
    for field in fields:
        if field.enum:
            assert field.name in hostile.fixed_vocabulary
            assert all(re.fullmatch(r"[a-z0-9.-]+", str(v)) for v in field.enum), field.name
        elif field.name in hostile.inert_by_pattern:
            example = hostile.inert_by_pattern[field.name]
            assert re.search(field.pattern, example), field.name
            for character in DANGEROUS:
                for cut in range(len(example) + 1):
                    assert not re.search(field.pattern,
                                         example[:cut] + character + example[cut:]), field.name
        else:
            assert hostile.placed[field.name] == set(range(len(PAYLOADS))), field.name


def test_the_catalogue_text_the_red_team_wrote_runs_nothing(tmp_path):
    """F1's reproducer — attribute syntax on lego's name, a script link and attribute syntax in
    its history — built with the text rules off (the loader refuses it): no page carries a
    handler, autofocus or script address, and the name shows as written in the heading, the
    fix tabs and the navigation."""
    import html
    import yaml
    from support.hostile import CATALOGUE, catalogue_file, text_rules_off
    from support.site import build_site
    name = "lego {: autofocus tabindex=0 onfocus=alert('c1') }"
    history = "[h](javascript:alert('c2')) **x**{: onmouseover=alert('c3') } [y](&#106;s:1)"
    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    lego = next(c for c in data["acme_clients"] if c["id"] == "lego")
    lego["name"], lego["history"] = name, history
    data["key_types"][4]["label"] = "ECDSA P-256 {: autofocus onfocus=alert('c5') }"
    data["authorities"][0]["name"] = "**LE**{: onmouseover=alert('c6') }"
    project = project_copy(tmp_path)
    (project / "catalogue.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    with text_rules_off(), catalogue_file(project / "catalogue.yaml"):
        site = build_site(tmp_path / "out", project)
    for path in site.rglob("*.html"):
        assert dangerous_attributes(path.read_text(encoding="utf-8")) == [], path
    page = (site / "acme-clients" / "lego.html").read_text(encoding="utf-8")
    heading = re.search(r'<h1 id="[^"]*">(.*?)<a class="headerlink"', page, re.DOTALL)
    assert html.unescape(heading.group(1)) == name
    assert f"{history}</p>" in html.unescape(page)   # as text: dangerous_attributes found none
    case = (site / "cases" / "exchange-online-p384.html").read_text(encoding="utf-8")
    assert f'<label for="__tabbed_1_1">{name}</label>' in html.unescape(case)
    assert dangerous_attributes(case) == []
    assert "<strong>LE</strong>" not in (site / "key-types" / "ec384.html").read_text()


@pytest.mark.parametrize("url", ["javascript:alert('c4')", "https://[", "https://[x]",
                                 "//evil.example/", "data:text/html,x"])
def test_a_catalogue_source_is_linked_only_to_a_whole_web_address(url):
    """The loader refuses such an address; the page judges it again and shows it as text."""
    from generator.site.templating import macro
    from generator.site.views.common import source_link
    item = macro("indexes.html", "sources", items=(source_link("A source", url),))
    assert "href" not in item and "A source" in item
    assert macro("indexes.html", "sources", items=(source_link("t", "https://e.org/a"),)) == \
        '<ul><li><a href="https://e.org/a">t</a></li></ul>'


# -- server stacks (issue 11) ---------------------------------------------------------------------

def test_every_stack_has_a_page_and_a_column(site):
    """Each stack of generator/stacks/data/stacks.yaml gets a page listing its programs, a
    column in the home page's stack table and in each replayed case's "By server stack" table,
    whose cells say what that stack's replay of the case's samples proved (checked against a
    replay made here, independently of the build)."""
    from generator.compat.keytypes import catalogue
    from generator.compat.replay import replay
    from generator.stacks import stacks
    from generator.tls import decode_client_hello
    from support.corpus import load_corpus
    home = (site / "index.html").read_text(encoding="utf-8")
    page = (site / "cases" / "exchange-online-p384.html").read_text(encoding="utf-8")
    table = re.search(r'<div class="tlskb-stacks"><table>(.*?)</table>', page, re.DOTALL).group(1)
    exchange = next(s for s in load_corpus() if "exchange" in s.name).data
    rows = {re.search(r'<th scope="row">(.*?)</th>', row).group(1):
            re.findall(r'<td class="[^"]*"[^>]*>(.*?)</td>', row)
            for row in re.findall(r'<tr><th scope="row">.*?</tr>', table)}
    for column, stack in enumerate(stacks()):
        stack_page = (site / "stacks" / f"{stack.id.value}.html").read_text(encoding="utf-8")
        assert f"Which certificate key types work with {stack.label}?" in stack_page
        assert all(f"<li>{program}</li>" in stack_page for program in stack.programs)
        assert f'href="stacks/{stack.id.value}.html">{stack.label}</a>' in home
        for key_type in catalogue().key_types:
            outcome = replay(decode_client_hello(exchange).raw, key_type, stack.id)
            cell = rows[key_type.label][column]
            assert cell.startswith("✗") != outcome.ok, (stack.id, key_type.id, cell)


def test_the_site_shows_the_issues_table(site):
    """Issue 11's "done when", on the site: the Exchange case's By-server-stack table has
    ec384 failing on OpenSSL and JSSE and proceeding on GnuTLS, Go and rustls, each cell saying
    why on hover; the stack pages list the case under fails or proceeds accordingly."""
    page = (site / "cases" / "exchange-online-p384.html").read_text(encoding="utf-8")
    table = re.search(r'<div class="tlskb-stacks"><table>(.*?)</table>', page, re.DOTALL).group(1)
    headers = re.findall(r'\.html">([^<]+)</a></th>', table)
    assert headers == ["OpenSSL", "GnuTLS", "Go crypto/tls", "rustls", "Java JSSE"]
    row = re.search(r'<tr><th scope="row">ECDSA P-384</th>(.*?)</tr>', table).group(1)
    cells = re.findall(r'<td class="([^"]+)" title="([^"]*)">([^<]+)'
                       r'<span class="tlskb-sr"> ([^<]+)</span></td>', row)
    replayed = "replayed against the library"
    assert [(css, mark, words) for css, _, mark, words in cells] == [
        ("tlskb-fails", "✗ fails", f"fails, {replayed}"),
        ("tlskb-proceeds", "~ proceeds", f"proceeds: the client may refuse, {replayed}"),
        ("tlskb-proceeds", "~ proceeds", f"proceeds: the client may refuse, {replayed}"),
        ("tlskb-proceeds", "~ proceeds", f"proceeds: the client may refuse, {replayed}"),
        ("tlskb-fails", "✗ fails", f"fails, {replayed}")]
    assert all("RFC 8422 §5.1" in title for _, title, _, _ in cells)
    gnutls = (site / "stacks" / "gnutls.html").read_text(encoding="utf-8")
    row = re.search(r'ECDSA P-384</a></th>(.*?)</tr>', gnutls).group(1)
    fails, proceeds = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert "exchange-online-p384" in proceeds and "exchange-online-p384" not in fails
