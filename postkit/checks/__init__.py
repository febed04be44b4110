"""validate's checks: a registry of rules (one module each), the engine that runs them, schemas.

Codes are ``PK`` and three digits, grouped by family: 1xx front matter, 2xx content, 3xx
archive. ``postkit.checks.RULES`` maps codes to rules; ``select_rules`` picks them by prefix.

The names below are loaded when first asked for: clean and convert read front matter with
``postkit.checks.frontmatter`` and need none of them (the schemas alone bring in jsonschema,
a sixth of convert's start-up).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from postkit.checks.base import Finding, Position, PostSummary
    from postkit.checks.context import CheckContext
    from postkit.checks.engine import (
        check_archive,
        check_post,
        check_text,
        check_texts,
        read_post_for_check,
        split_for_check,
        summarize,
    )
    from postkit.checks.registry import (
        FAMILIES,
        RULES,
        Rule,
        UnknownRuleError,
        get_rule,
        select_rules,
        split_example_files,
    )
    from postkit.checks.schema import NO_SCHEMA, PRESETS, Schema, load_schema

_HOMES = {
    **dict.fromkeys(("Finding", "Position", "PostSummary"), "base"),
    "CheckContext": "context",
    **dict.fromkeys(
        (
            "check_archive",
            "check_post",
            "check_text",
            "check_texts",
            "read_post_for_check",
            "split_for_check",
            "summarize",
        ),
        "engine",
    ),
    **dict.fromkeys(
        ("FAMILIES", "RULES", "Rule", "UnknownRuleError", "get_rule", "select_rules", "split_example_files"), "registry"
    ),
    **dict.fromkeys(("NO_SCHEMA", "PRESETS", "Schema", "load_schema"), "schema"),
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # asked once: later lookups find it without this function
    return value


__all__ = [
    "FAMILIES",
    "NO_SCHEMA",
    "PRESETS",
    "RULES",
    "CheckContext",
    "Finding",
    "Position",
    "PostSummary",
    "Rule",
    "Schema",
    "UnknownRuleError",
    "check_archive",
    "check_post",
    "check_text",
    "check_texts",
    "get_rule",
    "load_schema",
    "read_post_for_check",
    "select_rules",
    "split_example_files",
    "split_for_check",
    "summarize",
]
