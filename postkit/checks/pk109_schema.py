"""Front matter that does not match the schema.

The schema is JSON Schema (Draft 2020-12 unless it names another draft): a preset (``jekyll``,
the default, or ``hugo``) or a ``.json``/``.yaml`` file. Values are checked as written: YAML
turns ``2021-08-10`` into a date and ``10:00`` into 600, but the schema sees the strings
``"2021-08-10"`` (checked by ``format: date``) and ``"10:00"``. Numbers, ``true``/``false`` and
null keep their JSON types, so an unquoted ``NO`` is the boolean false here and PK105 says why.
``date-time``, ``date``, ``uri`` and ``iri`` formats are checked. Each problem points at the
offending value (a missing key at the start of the front matter).

Failing example (jekyll schema: no month 13)::

    ---
    title: A post
    date: 2021-13-01
    ---

Passing example (jekyll schema)::

    ---
    title: A post
    date: 2021-08-10
    ---
    Text of the post.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match

from postkit.checks.base import Finding
from postkit.checks.context import CheckContext
from postkit.checks.frontmatter import FrontMatter, JsonPath
from postkit.checks.schema import Schema
from postkit.post import SourcePost
from postkit.problems import Severity

CODE = "PK109"
NAME = "schema"
SUMMARY = "front matter that does not match the schema (jekyll, hugo or a schema file)"
SEVERITY = Severity.ERROR

_TYPE_NAMES = {
    "string": "a string",
    "array": "a list",
    "object": "a mapping",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty (null)",
}
_FORMAT_NAMES = {
    "date": "date (YYYY-MM-DD)",
    "date-time": "date-time (YYYY-MM-DDTHH:MM:SS+00:00)",
    "uri": "URI",
    "iri": "URL",
    "uri-reference": "URI reference",
    "iri-reference": "URL reference",
    "email": "email address",
}
_FORMAT_HINTS = {
    "date": "write the date as YYYY-MM-DD",
    "date-time": "write the date-time as YYYY-MM-DDTHH:MM:SS with a time zone (Z or +08:00)",
    "uri": "write a full URL (https://...) with spaces and other special characters percent-encoded",
    "iri": "write a full URL (https://...) with spaces percent-encoded as %20",
}


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    schema = context.schema
    if schema is None:
        return
    front_matter = context.front_matter(post)
    # an unclosed, unreadable or non-mapping front matter is reported by PK101, PK102, PK107, PK108
    if front_matter.unclosed_fence or not front_matter.is_mapping:
        return
    explainer = _Explainer(front_matter, schema)
    for error in schema.iter_errors(front_matter.data):
        yield from explainer.explain(error)


class _Explainer:
    """Turns jsonschema errors into findings that show the value as written and where it is."""

    def __init__(self, front_matter: FrontMatter, schema: Schema) -> None:
        self.front_matter = front_matter
        self.schema = schema
        self.reported_missing: set[tuple[JsonPath, str]] = set()

    def explain(self, error: ValidationError) -> Iterator[Finding]:
        path: JsonPath = tuple(error.absolute_path)
        validator = error.validator
        if validator == "required":
            yield from self.missing(error, path)
        elif validator in ("anyOf", "oneOf"):
            yield from self.alternatives(error, path)
        elif validator == "additionalProperties" and isinstance(error.instance, dict):
            yield from self.unexpected(error, path)
        else:
            yield self.finding(path, *self.describe(error, path))

    def missing(self, error: ValidationError, path: JsonPath) -> Iterator[Finding]:
        # jsonschema gives one error per missing key, each with the whole list: report each key once
        for key in error.validator_value:
            if key in error.instance or (path, key) in self.reported_missing:
                continue
            self.reported_missing.add((path, key))
            if path:
                message = f"required key '{key}' is missing in {self.where(path)}"
            elif self.front_matter.format is None:
                message = f"post has no front matter; required key '{key}' is missing"
            else:
                message = f"required key '{key}' is missing"
            yield self.finding(path, message, f"add a '{key}:' line to the front matter")

    def alternatives(self, error: ValidationError, path: JsonPath) -> Iterator[Finding]:
        branch = _only_branch_of_its_type(error)
        if branch is not None:
            for sub_error in branch:
                yield from self.explain(sub_error)
            return
        description = error.schema.get("description") if isinstance(error.schema, dict) else None
        if description:
            yield self.finding(path, f"{self.subject(path, error.instance)} is not {description}", self.fix_hint())
            return
        types = _types_of_failed_branches(error)
        if types:
            yield self.finding(path, *self.wrong_type(path, error.instance, types))
            return
        best = best_match(error.context or [])
        if best is None:
            yield self.finding(path, f"{self.where(path)}: {error.message}", self.fix_hint())
        else:
            yield from self.explain(best)

    def unexpected(self, error: ValidationError, path: JsonPath) -> Iterator[Finding]:
        schema = error.schema if isinstance(error.schema, dict) else {}
        known = schema.get("properties", {})
        patterns = list(schema.get("patternProperties", {}))
        for key in error.instance:
            if key in known or any(re.search(pattern, key) for pattern in patterns):
                continue
            entry = self.front_matter.entries.get((*path, key))
            position = entry.key if entry and entry.key else self.front_matter.locate(path)
            yield Finding.at(
                position,
                f"key '{key}' is not allowed by the schema {self.schema.name}",
                "remove the key or add it to the schema",
            )

    def describe(self, error: ValidationError, path: JsonPath) -> tuple[str, str]:
        """(message, hint) for one failed keyword."""
        instance = error.instance
        where = self.where(path)
        validator = error.validator
        if validator == "type":
            types = [error.validator_value] if isinstance(error.validator_value, str) else error.validator_value
            return self.wrong_type(path, instance, types)
        if validator in ("minLength", "pattern") and isinstance(instance, str) and not instance.strip():
            return f"{where} is empty", "give it a value"
        if validator == "format":
            name = _FORMAT_NAMES.get(error.validator_value, error.validator_value)
            hint = _FORMAT_HINTS.get(error.validator_value, self.fix_hint())
            return f"{where}: {self.shown(path, instance)} is not a valid {name}", hint
        description = error.schema.get("description") if isinstance(error.schema, dict) else None
        if validator == "pattern" and description:
            return f"{self.subject(path, instance)} is not {description}", self.fix_hint()
        if validator == "enum":
            choices = ", ".join(json.dumps(choice, ensure_ascii=False) for choice in error.validator_value)
            return f"{where}: {self.shown(path, instance)} is not one of {choices}", self.fix_hint()
        if validator == "const":
            wanted = json.dumps(error.validator_value, ensure_ascii=False)
            return f"{where}: {self.shown(path, instance)} is not {wanted}", self.fix_hint()
        return f"{where}: {error.message}", self.fix_hint()

    def wrong_type(self, path: JsonPath, instance: Any, types: list[str]) -> tuple[str, str]:
        where = self.where(path)
        expected = " or ".join(_TYPE_NAMES.get(name, name) for name in dict.fromkeys(types))
        if instance is None and not self.written(path):
            return f"{where} is empty; expected {expected}", "give it a value or remove the key"
        if isinstance(instance, (dict, list)):
            return f"{where} is {_kind(instance)}; expected {expected}", f"change it to {expected}"
        hint = "put the value in quotes to keep it as text" if "string" in types else f"change it to {expected}"
        return f"{where}: {self.shown(path, instance)} is {_kind(instance)}; expected {expected}", hint

    def finding(self, path: JsonPath, message: str, hint: str) -> Finding:
        return Finding.at(self.front_matter.locate(path), message, hint)

    def fix_hint(self) -> str:
        return f"fix the value, or the schema ({self.schema.name}) if the value is right"

    def where(self, path: JsonPath) -> str:
        text = ""
        for part in path:
            if isinstance(part, int):
                text += f"[{part}]"
            else:
                text += f".{part}" if text else str(part)
        return text or "front matter"

    def written(self, path: JsonPath) -> str | None:
        entry = self.front_matter.entries.get(path)
        return entry.written if entry else None

    def shown(self, path: JsonPath, instance: Any) -> str:
        """A scalar as the reader wrote it, with what YAML made of it when that differs."""
        if isinstance(instance, str):
            return repr(instance)
        as_json = json.dumps(instance, ensure_ascii=False)
        written = self.written(path)
        if written and written != as_json:
            return f"{written} (read as {as_json})"
        return as_json

    def subject(self, path: JsonPath, instance: Any) -> str:
        if isinstance(instance, (dict, list)):
            return f"{self.where(path)} ({_kind(instance)})"
        return f"{self.where(path)}: {self.shown(path, instance)}"


def _kind(instance: Any) -> str:
    if isinstance(instance, bool):
        return "a boolean"
    if isinstance(instance, (int, float)):
        return "a number"
    if isinstance(instance, str):
        return "a string"
    if isinstance(instance, list):
        return "a list"
    if isinstance(instance, dict):
        return "a mapping"
    return "null"


def _types_of_failed_branches(error: ValidationError) -> list[str]:
    """The types the alternatives ask for, when every alternative failed only on its type."""
    types: list[str] = []
    for errors in _branches(error):
        if len(errors) != 1 or errors[0].validator != "type" or errors[0].relative_path:
            return []
        value = errors[0].validator_value
        types.extend([value] if isinstance(value, str) else value)
    return types


def _only_branch_of_its_type(error: ValidationError) -> list[ValidationError] | None:
    """The errors of the one alternative whose type fits the value, when exactly one does.

    ``tags: [news, 1]`` fails "string or list of strings"; only the list alternative fits a
    list, so its error (item 1 is not a string) is the useful one.
    """
    fitting = [
        errors
        for errors in _branches(error)
        if not any(sub.validator == "type" and not sub.relative_path for sub in errors)
    ]
    return fitting[0] if len(fitting) == 1 else None


def _branches(error: ValidationError) -> list[list[ValidationError]]:
    """The errors of an anyOf/oneOf grouped by the alternative they come from."""
    branches: dict[object, list[ValidationError]] = {}
    for sub_error in error.context or []:
        branches.setdefault(sub_error.relative_schema_path[0], []).append(sub_error)
    return list(branches.values())
