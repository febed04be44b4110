"""Front-matter schemas: the shipped presets, user schema files, and the format checks they use."""

from __future__ import annotations

import datetime
import importlib.resources
import json
import math
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema import (
    Draft6Validator,
    Draft7Validator,
    Draft201909Validator,
    Draft202012Validator,
    FormatChecker,
    ValidationError,
)
from jsonschema.exceptions import SchemaError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from referencing.exceptions import Unresolvable

from postkit.errors import ConfigError

PRESETS = ("jekyll", "hugo")
NO_SCHEMA = "none"
SCHEMA_SUFFIXES = (".json", ".yaml", ".yml")


@dataclass(frozen=True)
class Schema:
    """A checked JSON Schema and the validator built from it once.

    ``name`` is the preset name or the file path, for messages.
    """

    name: str
    data: Mapping[str, Any] | bool
    validator: Validator
    # a compiled yes/no check that passes exactly what the validator passes (see fast_check)
    fast: Callable[[object], bool] | None = None

    def iter_errors(self, instance: object) -> Iterator[ValidationError]:
        if self.fast is not None and self.fast(instance):
            return  # most front matter is valid: the validator's walk is needed only to explain errors
        try:
            yield from self.validator.iter_errors(instance)
        except Unresolvable as exc:
            raise ConfigError(
                f"{self.name}: cannot resolve the reference {exc.ref!r}; "
                "postkit does not fetch schemas, put the definition under $defs"
            ) from None


def load_schema(name_or_path: str | os.PathLike[str]) -> Schema | None:
    """A preset by name (``jekyll``, ``hugo``), ``None`` for ``none``, or a ``.json``/``.yaml`` file.

    Preset names win over files of the same name. Raises ConfigError naming the file for a file
    that cannot be read, is not JSON or YAML, or is not a valid JSON Schema.
    """
    name = os.fspath(name_or_path)
    if name == NO_SCHEMA:
        return None
    if name in PRESETS:
        text = (importlib.resources.files("postkit.checks") / "schemas" / f"{name}.json").read_text("utf-8")
        return schema_from_data(json.loads(text), name)
    path = Path(name)
    if path.suffix.lower() not in SCHEMA_SUFFIXES:
        raise ConfigError(
            f"unknown schema {name!r}; use a preset ({', '.join((*PRESETS, NO_SCHEMA))}) "
            "or a .json or .yaml schema file"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"{name}: schema file cannot be read: {reason}") from None
    return schema_from_data(_parse_schema_text(text, name, path.suffix.lower()), name)


def _parse_schema_text(text: str, name: str, suffix: str) -> object:
    if suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{name}:{exc.lineno}:{exc.colno}: schema is not valid JSON: {exc.msg}") from None
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        place = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        raise ConfigError(f"{place}: schema is not valid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name}: schema is not valid YAML: {exc}") from None


def schema_from_data(data: object, name: str) -> Schema:
    """Check a schema (Draft 2020-12 unless its ``$schema`` names another draft) and build its validator."""
    if not isinstance(data, (dict, bool)):
        raise ConfigError(f"{name}: a schema must be a mapping (or true/false), not a {type(data).__name__}")
    validator_class = validator_for(data, default=Draft202012Validator)
    try:
        validator_class.check_schema(data)
    except SchemaError as exc:
        where = "/".join(str(part) for part in exc.absolute_path) or "the top level"
        raise ConfigError(f"{name}: not a valid JSON Schema at {where}: {exc.message}") from None
    modern = validator_class in (Draft202012Validator, Draft201909Validator)  # drafts with $defs and $ref siblings
    inlined = inline_local_refs(data) if modern else data
    validator = validator_class(inlined, format_checker=FORMAT_CHECKER)
    fast = fast_check(inlined) if validator_class in _DRAFTS_LIKE_7 else None
    return Schema(name=name, data=data, validator=validator, fast=fast)


# The drafts whose keywords below mean what they mean in draft 7 (drafts 3 and 4 know no const or
# propertyNames, and their integer refuses 1.0).
_DRAFTS_LIKE_7 = (Draft6Validator, Draft7Validator, Draft201909Validator, Draft202012Validator)
# Keywords that mean the same in those drafts and that fastjsonschema checks as jsonschema does
# (not multipleOf: 0.3 is a multiple of 0.1 to one and not to the other); annotations are ignored.
_SAME_FROM_DRAFT_6 = frozenset(
    {
        *("type", "enum", "const", "properties", "required", "additionalProperties", "patternProperties"),
        *("propertyNames", "minProperties", "maxProperties", "anyOf", "allOf", "oneOf", "not", "pattern"),
        *("minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems", "uniqueItems", "format"),
    }
)
_ANNOTATIONS = frozenset(
    {"$schema", "$comment", "title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly"}
)


_DRAFT_7 = "http://json-schema.org/draft-07/schema#"


def fast_check(schema: Mapping[str, Any] | bool) -> Callable[[object], bool] | None:
    """A yes/no check compiled from the schema with fastjsonschema, about ten times faster than
    walking it with jsonschema: true exactly when the validator would find no error.

    Only for a schema made of keywords that mean the same in drafts 6 to 2020-12, items given as
    one schema, no $ref left after inlining, formats checked by postkit's own functions, and
    values JSON itself can hold (a YAML schema can hold dates and infinities, which the compiled
    code cannot spell); None for anything else, which the validator alone then checks.

    fastjsonschema reads `$` in a ``pattern`` as the end of the text, where Python's ``re`` (and
    so jsonschema) also lets it stand before a final newline: such a pattern can only refuse
    more, so it is taken only where refusing more refuses the whole (not under ``not`` or
    ``oneOf``, not in a lookaround, not as a patternProperties name). Anything the check refuses
    is walked by jsonschema, so refusing more never changes a result.
    """
    if not _compiles_alike(schema, top=True) or not _plain_json(schema):
        return None
    import fastjsonschema

    # compiled as draft 7, the newest fastjsonschema knows: these keywords mean the same there
    body: dict[str, Any] | bool = {**schema, "$schema": _DRAFT_7} if isinstance(schema, Mapping) else schema
    formats = {name: _conforms(name) for name in FORMAT_CHECKER.checkers}
    try:
        compiled = fastjsonschema.compile(body, formats=formats, use_default=False)
    except (fastjsonschema.JsonSchemaDefinitionException, ValueError, TypeError, re.error):
        return None

    def check(instance: object) -> bool:
        try:
            compiled(instance)
        except Exception:  # a refusal of any kind (a value error, a crash) leaves the verdict to jsonschema
            return False
        return True

    return check


def _conforms(name: str) -> Callable[[object], bool]:
    return lambda value: FORMAT_CHECKER.conforms(value, name)


def _compiles_alike(node: Any, *, top: bool = False, flips: bool = False) -> bool:
    """``flips``: under ``not`` or ``oneOf``, where a stricter part can make the whole looser."""
    if isinstance(node, bool):
        return True
    return isinstance(node, dict) and all(_keyword_alike(key, value, top, flips) for key, value in node.items())


def _keyword_alike(key: str, value: Any, top: bool, flips: bool) -> bool:
    if key in _ANNOTATIONS or (top and key == "$defs"):  # $defs: what refs named is inlined
        return True
    if key == "format":
        return isinstance(value, str) and value in FORMAT_CHECKER.checkers
    if key == "pattern":
        return isinstance(value, str) and ("$" not in value or not (flips or "(?" in value.replace("(?:", "")))
    if key == "properties":
        return isinstance(value, dict) and all(_compiles_alike(sub, flips=flips) for sub in value.values())
    if key == "patternProperties":
        names_alike = isinstance(value, dict) and not any("$" in name for name in value)
        return names_alike and all(_compiles_alike(sub, flips=flips) for sub in value.values())
    if key in ("items", "additionalProperties", "propertyNames", "not"):
        # items as one schema only: a list of them changed meaning
        return _compiles_alike(value, flips=flips or key == "not")
    if key in ("anyOf", "allOf", "oneOf"):
        return isinstance(value, list) and all(_compiles_alike(sub, flips=flips or key == "oneOf") for sub in value)
    return key in _SAME_FROM_DRAFT_6


def _plain_json(node: Any) -> bool:
    """Only what JSON holds: strings, finite numbers, booleans, null, lists and string-keyed mappings."""
    if isinstance(node, dict):
        return all(isinstance(key, str) and _plain_json(value) for key, value in node.items())
    if isinstance(node, list):
        return all(_plain_json(item) for item in node)
    if isinstance(node, float):
        return math.isfinite(node)
    return node is None or isinstance(node, (str, int, bool))


def inline_local_refs(schema: Mapping[str, Any] | bool) -> Mapping[str, Any] | bool:
    """The schema with each ``{"$ref": "#/$defs/name"}`` (a ref alone, not recursive) replaced by
    the definition it names, for a schema without ``$id``s below its top.

    The validator then meets the same keywords and yields the same errors, without resolving a
    reference on every post (a third of the cost of validating one). Anything else is left as it
    is, refs with siblings, recursive and remote refs among them.
    """
    if not isinstance(schema, dict) or not isinstance(schema.get("$defs"), dict) or _has_inner_id(schema, top=True):
        return schema
    defs: dict[str, Any] = schema["$defs"]

    def inline(node: Any, resolving: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [inline(item, resolving) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if len(node) == 1 and isinstance(ref, str) and ref.startswith(_LOCAL_DEF):
            name = ref[len(_LOCAL_DEF) :]
            if name in defs and "/" not in name and "~" not in name and "%" not in name and name not in resolving:
                return inline(defs[name], (*resolving, name))
        return {
            key: value if key in ("const", "enum", "default", "examples") else inline(value, resolving)
            for key, value in node.items()
        }

    return inline(schema, ())


_LOCAL_DEF = "#/$defs/"


def _has_inner_id(node: Any, *, top: bool = False) -> bool:
    if isinstance(node, list):
        return any(_has_inner_id(item) for item in node)
    if not isinstance(node, dict):
        return False
    if not top and ("$id" in node or "$anchor" in node or "$dynamicAnchor" in node):
        return True
    return any(
        _has_inner_id(value) for key, value in node.items() if key not in ("const", "enum", "default", "examples")
    )


# --- formats ------------------------------------------------------------------------------
# jsonschema checks date-time and uri only when optional packages are installed and passes
# every value otherwise; postkit checks them itself so a schema means the same everywhere.

_RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_URI_TEXT = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")
_IRI_TEXT = re.compile(
    r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef\U00010000-\U0010fffd]"
    r"|%[0-9A-Fa-f]{2})*"
)


def is_date_time(value: object) -> bool:
    """RFC 3339 date-time, as JSON Schema's ``date-time`` format: a time zone is required."""
    if not isinstance(value, str):
        return True
    match = _RFC3339.fullmatch(value)
    if not match:
        return False
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    offset_ok = match.group(7) is None or (int(match.group(7)) < 24 and int(match.group(8)) < 60)
    return hour < 24 and minute < 60 and second <= 60 and offset_ok


def _is_absolute(value: str, text: re.Pattern[str]) -> bool:
    scheme = _SCHEME.match(value)
    if not scheme or not text.fullmatch(value, scheme.end()):
        return False
    if scheme.group().lower() in ("http:", "https:"):
        rest = value[scheme.end() :]
        return rest.startswith("//") and len(rest) > 2 and rest[2] not in "/?#"
    return True


def is_uri(value: object) -> bool:
    return not isinstance(value, str) or _is_absolute(value, _URI_TEXT)


def is_iri(value: object) -> bool:
    return not isinstance(value, str) or _is_absolute(value, _IRI_TEXT)


def is_uri_reference(value: object) -> bool:
    return not isinstance(value, str) or bool(_URI_TEXT.fullmatch(value))


def is_iri_reference(value: object) -> bool:
    return not isinstance(value, str) or bool(_IRI_TEXT.fullmatch(value))


def _format_checker() -> FormatChecker:
    checker = FormatChecker()
    for name, check in (
        ("date-time", is_date_time),
        ("uri", is_uri),
        ("iri", is_iri),
        ("uri-reference", is_uri_reference),
        ("iri-reference", is_iri_reference),
    ):
        checker.checks(name)(check)
    return checker


FORMAT_CHECKER = _format_checker()
