"""`tlskb new`: the text of a new case file — with samples, decoded highlights and the analyzer's
verdicts filled in when a capture is given. Every place a person must write is marked TODO,
which `tlskb check` refuses, so a skeleton cannot be merged unfinished."""

from __future__ import annotations

import datetime
import re

import yaml

from generator.compat.analyzer import analyze
from generator.compat.keytypes import catalogue
from generator.errors import UsageError
from generator.ingest.find import Found
from generator.ingest.hexdump import wrap_hex
from generator.printable import printable_line
from generator.site.layout import RESERVED_IDS
from generator.tls.fingerprint import fingerprints
from generator.tls.registry import (cipher_suite_name, group_name, signature_scheme_name,
                                    version_name)

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def check_id(case_id: str) -> None:
    if not ID_PATTERN.match(case_id) or len(case_id) > 80:
        raise UsageError(f"{case_id!r} is not a case id: use lowercase words joined by '-', like "
                         "exchange-online-p384")
    if case_id in RESERVED_IDS:
        raise UsageError(f"{case_id!r} is not a case id: the site has a page or folder of that "
                         f"name (reserved: {', '.join(RESERVED_IDS)})")


def _yaml_text(text: str) -> str:
    """`text` as one YAML scalar on one line, written by the YAML emitter (double-quoted, with
    whatever YAML must escape escaped): a dump's words (its file name, a label line in it) may
    hold `: `, ` #`, quotes or anything else. Made printable first (generator/printable.py):
    a case file is text a person reads and edits, and check refuses control characters."""
    return yaml.dump(printable_line(text), Dumper=yaml.SafeDumper, default_style='"',
                     width=float("inf"), allow_unicode=True).rstrip("\n")


def _comment(text: str) -> str:
    """`text` for a YAML comment, which ends at the first line break: printable, one line."""
    return printable_line(text)


def _comment_lines(found: Found) -> list[str]:
    hello = found.wire.hello
    prints = fingerprints(found.wire)
    lines = [f"decoded from {found.origin.describe()}",
             f"version {version_name(hello.legacy_version)}"
             + (f", supported_versions {', '.join(version_name(v) for v in hello.supported_versions)}"
                if hello.supported_versions else ""),
             f"{len(hello.cipher_suites)} cipher suites, first {cipher_suite_name(hello.cipher_suites[0])}",
             "supported_groups: " + (", ".join(group_name(g) for g in hello.supported_groups)
                                     if hello.supported_groups is not None else "absent"),
             "signature_algorithms: " + (", ".join(signature_scheme_name(s)
                                                   for s in hello.signature_algorithms)
                                         if hello.signature_algorithms is not None else "absent")]
    if prints.ja4:
        lines.append(f"JA4 {prints.ja4}")
    return lines


def recommended(preference: tuple[str, ...], works: dict[str, bool]) -> str:
    """The first key type of the catalogue's preference that works with every sample; the
    first of all when none does or nothing is known (`tlskb check` then says the fix
    recommends a key type that does not work)."""
    return next((k for k in preference if works.get(k)), preference[0])


def scaffold(case_id: str, found: list[Found]) -> str:
    check_id(case_id)
    today = datetime.date.today().isoformat()
    catalog = catalogue()
    key_types = catalog.key_types
    samples, verdict_notes = "", []
    works: dict[str, bool] = {}
    if found:
        samples = "samples:\n"
        for number, item in enumerate(found, 1):
            samples += "".join(f"  # {_comment(line)}\n" for line in _comment_lines(item))
            samples += (f"  - id: sample-{number}\n"
                        f"    client: TODO name and version of the client that sent this\n"
                        f"    provenance:\n"
                        f"      kind: captured\n"
                        f"      by: TODO who captured it\n"
                        f"      source: "
                        f"{_yaml_text(f'captured with tlskb ({item.origin.describe()})')}\n"
                        f"      date: {today}\n"
                        f"    hex: |\n{wrap_hex(item.wire.raw, '      ')}")
        for key_type in key_types:
            verdicts = [analyze(item.wire.hello, key_type) for item in found]
            works[key_type.id] = all(v.ok for v in verdicts)
            failing = next((v for v in verdicts if not v.ok), None)
            if failing:
                verdict_notes.append(f"  # {key_type.id}: fails — {_comment(failing.reason)}")
    outcomes = "outcomes:\n"
    if found:
        outcomes += "".join(f"{note}\n" for note in verdict_notes)
        outcomes += "".join(f"  {k.id}: {'works' if works[k.id] else 'fails'}\n" for k in key_types)
    else:
        outcomes += "".join(f"  {k.id}: {{result: untested, note: \"TODO works or fails, and the "
                            f"source that says so\"}}\n" for k in key_types)
    role = "client" if found else "TODO client | upload | authority | server-setting"
    return f"""# yaml-language-server: $schema=case.schema.json
id: {case_id}
title: TODO who fails with which key type, as a reader would search for it
summary: >-
  TODO two or three sentences: what breaks, why, and what to request instead.
status:
  state: current
  observed: {today}
  reviewed: {today}
platform:
  name: TODO the client, platform, CA or setting
  role: {role}
your_side:
  server: TODO your server software
symptoms:
  - where: TODO where the error shows (a log, a client's message)
    text: TODO the error text, verbatim
cause: |
  TODO why it happens. Separate what the sources say from what you infer.
{samples}{outcomes}fix:
  recommended: {recommended(catalog.preference, works)}
  summary: TODO the fix in a sentence or two.
references:
  - url: https://TODO.example/source
    title: TODO the source's title
    date: unknown
tags: [TODO]
"""
