"""validate's checks: a registry of rules (one module each), the engine that runs them, schemas.

Codes are ``PK`` and three digits, grouped by family: 1xx front matter, 2xx content, 3xx
archive. ``postkit.checks.RULES`` maps codes to rules; ``select_rules`` picks them by prefix.
"""

from __future__ import annotations

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
