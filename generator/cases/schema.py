"""Validate located data against a JSON Schema (2020-12) — a case against cases/case.schema.json,
the key-type catalogue against its own — and turn each violation into a Problem at the right
line, in words a contributor can act on."""

from __future__ import annotations

import difflib
import json
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from generator.cases.lists import with_catalogue_lists
from generator.cases.yamlpos import Located, Problem
from generator.errors import UsageError

if TYPE_CHECKING:
    from generator.compat.keytypes import Catalogue

SCHEMA_NAME = "case.schema.json"


def find_schema(case_file: Path) -> Path:
    """The schema the case's modeline points at: next to the case file, else in the `cases/`
    directory of the nearest enclosing knowledge base, else the installed knowledge base's
    (generator/knowledge.py), so a case drafted in any folder is checked."""
    from generator.knowledge import schema_path
    folders = [case_file.resolve().parent, *case_file.resolve().parents]
    for folder in folders:
        for candidate in (folder / SCHEMA_NAME, folder / "cases" / SCHEMA_NAME):
            if candidate.is_file():
                return candidate
    installed = schema_path()
    if installed.is_file():
        return installed
    raise UsageError(f"no {SCHEMA_NAME} next to {case_file}, in an enclosing cases/ "
                     "directory or installed with tlskb; reinstall tlskb")


def load_schema(schema_path: Path) -> dict:
    """A schema file: JSON, or the same in YAML (a .yaml file, read safely)."""
    text = schema_path.read_text(encoding="utf-8")
    if schema_path.suffix == ".yaml":
        return yaml.safe_load(text)
    return json.loads(text)


@cache
def _validator(schema_path: str, lists: Catalogue | None) -> Draft202012Validator:
    schema = load_schema(Path(schema_path))
    if lists is not None:
        schema = with_catalogue_lists(schema, lists)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _json_type(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "true/false", int: "a number",
            float: "a number", type(None): "nothing (null)"}.get(type(value), type(value).__name__)


_SCHEMA_TYPES = {"string": "a string", "object": "a mapping", "array": "a list",
                 "integer": "a whole number", "boolean": "true or false", "number": "a number"}


def _first_sentence(text: str | None) -> str | None:
    if not text:
        return None
    return re.split(r"(?<!e\.g)(?<!i\.e)(?<=[.;:])\s", text, maxsplit=1)[0].rstrip(".;:")


def _suggest(word: Any, choices: list[str]) -> str | None:
    close = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def _problems_for(error: ValidationError, located: Located, source: str,
                  whole: str) -> list[Problem]:
    path = tuple(error.absolute_path)
    line, column = located.where(path)
    schema, instance, keyword = error.schema, error.instance, error.validator
    name = ".".join(str(p) for p in path) or whole

    def at(message: str, hint: str | None = None, where: tuple[int, int] = (line, column)):
        return Problem(source, where[0], where[1], message, hint)

    if keyword == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        patterns = list(schema.get("patternProperties", {}))
        extra = [k for k in instance if k not in allowed
                 and not any(re.search(p, k) for p in patterns)]
        problems = []
        for key in extra:
            choices = allowed or [p.strip("^$()") for p in patterns]
            hint = _suggest(key, allowed) or f"allowed here: {', '.join(choices)}"
            problems.append(at(f"unknown field '{key}' in {name}", hint,
                               located.where(path + (key,), key=True)))
        return problems
    if keyword == "required":
        missing = re.match(r"'([^']+)' is a required property", error.message)
        field = missing.group(1) if missing else error.message
        description = schema.get("properties", {}).get(field, {}).get("description")
        return [at(f"{name} is missing the required field '{field}'",
                   _first_sentence(description))]
    if keyword == "enum":
        choices = [str(c) for c in schema["enum"]]
        shown = ", ".join(choices) if len(choices) <= 12 else ", ".join(choices[:12]) + ", …"
        return [at(f"{name}: {instance!r} is not one of {shown}",
                   _suggest(instance, choices) or _first_sentence(schema.get("description")))]
    if keyword == "type":
        expected = _SCHEMA_TYPES.get(schema["type"], schema["type"])
        return [at(f"{name} should be {expected}, not {_json_type(instance)}",
                   _first_sentence(schema.get("description")))]
    if keyword == "pattern":
        if path and path[-1] == "id" or path == ("id",):
            hint = "ids are lowercase words joined by '-', like exchange-online-p384"
        elif path and path[-1] == "hex":
            digits = [c for c in instance if not c.isspace()]
            if not digits:
                return [at(f"{name} is empty", "paste the ClientHello as hex digits")]
            bad = next((i for i, ch in enumerate(digits) if ch not in "0123456789abcdefABCDEF"), 0)
            where = located.char_position(path, bad) or (line, column)
            return [at(f"{name}: {digits[bad]!r} is not a hex digit",
                       "hex digits and whitespace only", where)]
        elif path and path[-1] == "url":
            hint = "give the full http:// or https:// address"
        else:
            hint = _first_sentence(schema.get("description")) or "see the schema's description"
        return [at(f"{name}: {instance!r} is not in the required form", hint)]
    if keyword in ("minLength", "maxLength"):
        limit = schema[keyword]
        what = "at least" if keyword == "minLength" else "at most"
        return [at(f"{name} is {len(instance)} characters; it should have {what} {limit}",
                   _first_sentence(schema.get("description")))]
    if keyword == "minItems":
        return [at(f"{name} needs at least {schema['minItems']} item(s)",
                   _first_sentence(schema.get("description")))]
    if keyword == "uniqueItems":
        return [at(f"{name} lists an item twice", "remove the repetition")]
    if keyword == "oneOf" and "outcomes" in path:
        return [at(f"{name}: expected works, fails or untested, or a mapping with result, basis "
                   f"and note; found {_json_type(instance)}")]
    if keyword == "anyOf" and len(path) == 2 and path[0] == "references":
        return [at(f"{name} needs a url or, for a source without an address, a citation")]
    if keyword == "anyOf" and path and path[-1] in ("date", "observed", "fixed", "reviewed"):
        return [at(f"{name}: {instance!r} is not a date", "write YYYY, YYYY-MM, YYYY-MM-DD or "
                                                             "unknown")]
    if keyword == "minimum":
        return [at(f"{name} is {instance}; it must be at least {schema['minimum']}")]
    return [at(f"{name}: {error.message}")]


def schema_problems(located: Located, source: str, schema_path: Path,
                    whole: str = "the case", lists: Catalogue | None = None) -> list[Problem]:
    """Every violation of the schema at `schema_path` — with the key types, ACME clients and
    tags of `lists` in place of its own copies, when given (generator/cases/lists.py);
    `whole` names the document in them."""
    validator = _validator(str(schema_path.resolve()), lists)
    problems: list[Problem] = []
    errors = sorted(validator.iter_errors(located.data),
                    key=lambda e: located.where(tuple(e.absolute_path)))
    for error in errors:
        if error.validator in ("if", "then"):  # reported through their nested errors
            continue
        problems.extend(_problems_for(error, located, source, whole))
    return problems
