"""The built site, without a browser: every page is generated from the cases, the build refuses
invalid cases, and no emitted page or stylesheet refers to another host."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser


from generator.compat.openssl.facts import PINNED_CRYPTOGRAPHY, PINNED_OPENSSL
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
    from generator.compat.openssl.facts import VERSIONED
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
    key type in the header's order; the recommendation names a key type no case fails."""
    import yaml
    page = (site / "index.html").read_text(encoding="utf-8")
    matrix = page[page.index('class="tlskb-matrix'):]
    matrix = matrix[:matrix.index("</table>")]
    header = matrix[:matrix.index("</thead>")]
    columns = re.findall(r'href="key-types/([a-z0-9]+)\.html"', header)
    rows = dict(re.findall(r'<tr><td><a href="cases/([a-z0-9-]+)\.html">.*?</a></td>(.*?)</tr>',
                           matrix))
    claims = {path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))["outcomes"]
              for path in (ROOT / "cases").glob("*.yaml")}
    assert len(columns) == 8 and set(rows) == set(claims)
    def result(case_id: str, key_id: str) -> str:
        claim = claims[case_id][key_id]
        return claim if isinstance(claim, str) else claim["result"]

    for case_id, cells in rows.items():
        shown = re.findall(r"tlskb-mark tlskb-(works|fails|untested)", cells)
        assert shown == [result(case_id, key) for key in columns], case_id
    from generator.compat.keytypes import catalogue
    labels = {k.id: k.label for k in catalogue().key_types}
    failing = {key: sum(result(c, key) == "fails" for c in claims) for key in columns}
    advice = page[page.index("What to request, by the numbers"):page.index('id="the-matrix"')]
    safe_line = advice[advice.index("No case here fails with"):advice.index("</p>",
                                                                      advice.index("No case"))]
    assert re.findall(r"<strong>([^<]+)</strong>", safe_line) == [
        labels[key] for key in columns if failing[key] == 0]
    for key in columns:
        if failing[key]:
            assert (f"<strong>{labels[key]}</strong> fails in {failing[key]} of {len(claims)} "
                    "cases") in advice


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
    ValueError) or were followed out of the repository fails with file:line:col lines."""
    text = (ROOT / "cases" / "linode-nodebalancer-rsa-only.yaml").read_text()
    outside = tmp_path / "outside.yaml"
    outside.write_text(text.replace("linode-nodebalancer-rsa-only", "outside"))
    (tmp_path / "project").mkdir()
    project = project_copy(tmp_path / "project", {
        "deep.yaml": "id: deep\ntitle: " + "[" * 497 + "]" * 497 + "\n",
        "number.yaml": text.replace("id: linode-nodebalancer-rsa-only", "id: number").replace(
            "observed: 2020-04-03", "observed: " + "9" * 5000)})
    (project / "cases" / "outside.yaml").symlink_to(outside)
    (project / "cases" / "mkdocs.yaml").symlink_to(project / "mkdocs.yml")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d",
                             str(tmp_path / "out")], cwd=project, capture_output=True, text=True,
                            timeout=300, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode != 0 and "Traceback" not in result.stderr
    for expected in ("cases/deep.yaml:2:27: values are nested more than 20 levels deep here",
                     "cases/number.yaml:11:13: a number of 5000 characters",
                     "cases/outside.yaml:1:1: the file is a symbolic link",
                     "cases/mkdocs.yaml:1:1: the file is a symbolic link"):
        assert expected in result.stderr, result.stderr
    assert "site_name" not in result.stderr and not (tmp_path / "out" / "index.html").exists()
