"""The compiled yes/no check passes exactly what jsonschema passes, or is not used at all."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postkit.checks.schema import load_schema, schema_from_data


def jsonschema_passes(schema: Any, value: object) -> bool:
    return not list(schema.validator.iter_errors(value))


@pytest.mark.parametrize(
    ("schema", "values"),
    [
        ({"type": "integer"}, [1, 1.0, True, 1.5, "1"]),
        ({"type": "number"}, [1, 1.0, True, "1"]),
        ({"type": "boolean"}, [True, 1, 0]),
        ({"enum": [1, "a"]}, [1, True, 1.0, "a"]),
        ({"const": False}, [False, 0]),
        ({"uniqueItems": True}, [[1, True], [1, 1.0], [0, False], [{"a": 1}, {"a": True}]]),
        ({"type": "string", "pattern": "\\d"}, ["\u0661", "1", "x"]),  # an Arabic-Indic digit
        ({"maxLength": 1}, ["é", "\U0001f600", "ab"]),
        ({"type": "object", "required": ["a"]}, [{}, {"a": 1}, []]),
        ({"minimum": 0}, [True, False, -1]),
        ({"type": "array", "items": {"type": "string"}}, [["a"], [1], "x"]),
        ({"properties": {"a": {"format": "date"}}}, [{"a": "2021-02-30"}, {"a": "2021-02-28"}, {"a": 5}]),
        ({"format": "date-time"}, ["2021-08-10T10:00:00Z", "2021-08-10 10:00:00", "2021-13-10T10:00:00Z"]),
        ({"format": "iri"}, ["https://例子.com/a", "https://", "/path"]),
        ({"type": ["string", "null"]}, [None, "x", 1]),
    ],
)
def test_the_fast_check_agrees_with_jsonschema(schema: dict[str, Any], values: list[object]) -> None:
    compiled = schema_from_data(schema, "test")
    assert compiled.fast is not None
    assert [compiled.fast(v) for v in values] == [jsonschema_passes(compiled, v) for v in values]


def test_where_they_differ_the_fast_check_only_refuses_and_jsonschema_decides() -> None:
    # Python's `$` also matches before a final newline; fastjsonschema does not take it so
    compiled = schema_from_data({"type": "string", "pattern": "^a$"}, "test")
    assert compiled.fast is not None
    assert (compiled.fast("a\n"), jsonschema_passes(compiled, "a\n")) == (False, True)
    assert list(compiled.iter_errors("a\n")) == []  # the refusal is checked again, and nothing is reported


@pytest.mark.parametrize(
    "schema",
    [
        {"multipleOf": 0.1},  # 0.3 passes one and fails the other
        # a list of items (draft 7) means prefixItems in 2020-12
        {"$schema": "http://json-schema.org/draft-07/schema#", "items": [{"type": "string"}]},
        {"dependentRequired": {"a": ["b"]}},  # a keyword draft 7 does not know: it would pass everything
        {"format": "hostname-of-my-own"},  # a format postkit does not check
        {"$defs": {"n": {"$ref": "#/$defs/n"}}, "properties": {"a": {"$ref": "#/$defs/n"}}},  # left as a $ref
        {"if": {"type": "string"}, "then": {"minLength": 2}},
        # drafts 3 and 4: integer refuses 1.0, const and propertyNames are unknown (so ignored)
        {"$schema": "http://json-schema.org/draft-04/schema#", "type": "integer"},
        {"$schema": "http://json-schema.org/draft-04/schema#", "not": {"const": 1}},
        {"$schema": "http://json-schema.org/draft-03/schema#", "type": "integer"},
        # `$` where reading it more strictly can pass more: under not or oneOf, in a lookaround,
        # in a patternProperties name
        {"properties": {"slug": {"not": {"pattern": "-$"}}}},
        {"oneOf": [{"pattern": "a$"}, {"pattern": "a"}]},
        {"pattern": "^a(?!$)"},
        {"patternProperties": {"^a$": {"type": "integer"}}},
        # values the compiled code cannot spell (a YAML schema can hold them)
        {"properties": {"n": {"minimum": float("-inf")}}},
        {"properties": {"d": {"enum": [datetime.date(2024, 1, 1), "later"]}}},
    ],
)
def test_schemas_with_other_keywords_have_no_fast_check(schema: dict[str, Any]) -> None:
    assert schema_from_data(schema, "test").fast is None


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        ({"properties": {"slug": {"not": {"pattern": "-$"}}}}, {"slug": "my-post-\n"}),
        ({"oneOf": [{"pattern": "a$"}, {"pattern": "a"}]}, "a\n"),
        ({"$schema": "http://json-schema.org/draft-04/schema#", "type": "integer"}, 1.0),
        ({"$schema": "http://json-schema.org/draft-04/schema#", "not": {"const": 1}}, 2),
        ({"properties": {"n": {"minimum": float("-inf")}}}, {"n": 5}),
        ({"properties": {"d": {"enum": [datetime.date(2024, 1, 1), "later"]}}}, {"d": "x"}),
    ],
)
def test_schemas_without_a_fast_check_give_jsonschemas_errors(schema: dict[str, Any], value: object) -> None:
    compiled = schema_from_data(schema, "test")
    assert [e.message for e in compiled.iter_errors(value)] == [
        e.message for e in compiled.validator.iter_errors(value)
    ]


@pytest.mark.parametrize("preset", ["jekyll", "hugo"])
def test_presets_have_a_fast_check(preset: str) -> None:
    schema = load_schema(preset)
    assert schema is not None and schema.fast is not None


_TEXT = st.sampled_from(["", " ", "Post", "2021-08-10", "2021-02-30", "2021-08-10 10:00:00 +0800", "true", "/p"])
_TEXT |= st.sampled_from(["https://example.com/a", "https://", "ftp://x", "2021-08-10T10:00:00Z", "a\n"])
_TEXT |= st.text(max_size=12)
_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False) | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=6,
)
_JEKYLL_KEYS = ["title", "date", "layout", "author", "tags", "categories", "from", "url", "permalink", "published"]
_HUGO_KEYS = ["draft", "weight", "lastmod", "aliases", "headless", "authors", "slug", "summary", "other"]
_KEYS = st.sampled_from([*_JEKYLL_KEYS, *_HUGO_KEYS])


@settings(max_examples=400)
@given(st.sampled_from(["jekyll", "hugo"]), st.dictionaries(_KEYS, _VALUE, max_size=6) | _VALUE)
def test_presets_pass_with_the_fast_check_exactly_what_jsonschema_passes(preset: str, front_matter: object) -> None:
    schema = load_schema(preset)
    assert schema is not None and schema.fast is not None
    assert schema.fast(front_matter) == jsonschema_passes(schema, front_matter)
