"""Writing a client file (data/clients/<id>.yaml) back after the recorder ran it: the
contributor's definition first, in the schema's order, then what was observed. Pure: data in,
text out; the recorder does the writing."""

from __future__ import annotations

from typing import Any

import yaml

from generator.ingest.hexdump import wrap_hex

#: the definition's fields, in the order they are written back
DEFINITION_FIELDS = ("name", "family", "variant", "category", "library", "source", "historical",
                     "protocol", "package", "command", "env", "stdin", "setup", "build",
                     "version_command", "version_word", "timeout", "stop_after_handshake",
                     "end_to_end_note")
#: what the recorder observes, written after the definition
OBSERVED_FIELDS = ("provenance", "version", "version_text", "package_versions", "recorded")


class _Dumper(yaml.SafeDumper):
    """Block style for mappings and lists of lists; flow style for short word lists."""


def _str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _field(name: str, value: Any) -> str:
    """`name: value`, lists of words on one flow-style line, the rest in block style."""
    if isinstance(value, list) and all(isinstance(v, str) and "\n" not in v for v in value):
        flow = yaml.dump(value, Dumper=_Dumper, default_flow_style=True, width=10_000)
        return f"{name}: {flow.strip()}\n"
    return yaml.dump({name: value}, Dumper=_Dumper, sort_keys=False, default_flow_style=False,
                     width=100)


def client_text(data: dict, hello: bytes) -> str:
    """The whole file for `data` (the fields of client.schema.yaml but hex) and the hello."""
    known = set(DEFINITION_FIELDS) | set(OBSERVED_FIELDS) | {"hex", "end_to_end"}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"fields the client schema does not know: {sorted(unknown)}")
    parts = ["# A tlskb client file (generator/compat/data/client.schema.yaml). The definition\n"
             "# is written by hand; tools/record_client_hellos.py fills in the rest.\n"]
    for name in DEFINITION_FIELDS + OBSERVED_FIELDS:
        if name in data and data[name] is not None:
            parts.append(_field(name, data[name]))
    parts.append("hex: |\n" + wrap_hex(hello, "  "))
    if data.get("end_to_end"):
        parts.append(_end_to_end(data["end_to_end"]))
    return "".join(parts)


def _end_to_end(end_to_end: dict) -> str:
    """One line per stack and key type: `rsa2048: {result: completed, version: TLSv1.3}`."""
    lines = ["end_to_end:", f"  proven: '{end_to_end['proven']}'", "  results:"]
    for stack, by_key in end_to_end["results"].items():
        lines.append(f"    {stack}:")
        for key_type, run in by_key.items():
            shown = {k: v for k, v in run.items() if v is not None}
            flow = yaml.dump(shown, Dumper=_Dumper, sort_keys=False, default_flow_style=True,
                             width=10_000).strip()
            lines.append(f"      {key_type}: {flow}")
    return "\n".join(lines) + "\n"
