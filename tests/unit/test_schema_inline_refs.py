"""Local $refs are inlined for speed only where the validator then says exactly the same."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from postkit.checks.schema import FORMAT_CHECKER, inline_local_refs, load_schema

SCHEMA = {
    "type": "object",
    "properties": {
        "title": {"$ref": "#/$defs/text"},
        "tags": {"$ref": "#/$defs/words"},
        "tree": {"$ref": "#/$defs/node"},
        "note": {"$ref": "#/$defs/text", "description": "a ref with a sibling stays"},
        "const": {"const": {"$ref": "#/$defs/text"}},
    },
    "$defs": {
        "text": {"type": "string", "pattern": "\\S", "description": "non-blank text"},
        "words": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"$ref": "#/$defs/text"}}]},
        "node": {"type": "object", "properties": {"child": {"$ref": "#/$defs/node"}}},
    },
}


def test_a_lone_local_ref_becomes_its_definition() -> None:
    inlined = inline_local_refs(SCHEMA)
    assert isinstance(inlined, dict)
    assert inlined["properties"]["title"] == SCHEMA["$defs"]["text"]  # type: ignore[index]
    assert inlined["properties"]["tags"]["anyOf"][1]["items"] == SCHEMA["$defs"]["text"]


def test_recursive_refs_refs_with_siblings_and_data_stay() -> None:
    inlined = inline_local_refs(SCHEMA)
    assert isinstance(inlined, dict)
    assert inlined["properties"]["tree"]["properties"]["child"] == {"$ref": "#/$defs/node"}
    assert inlined["properties"]["note"] == SCHEMA["properties"]["note"]  # type: ignore[index]
    assert inlined["properties"]["const"] == {"const": {"$ref": "#/$defs/text"}}
    # the definition itself is unrolled once at most: the ref inside the copy stays a ref
    assert inlined["$defs"]["node"]["properties"]["child"]["properties"]["child"] == {"$ref": "#/$defs/node"}


def test_a_schema_with_inner_ids_is_left_alone() -> None:
    schema = {"$defs": {"a": {"$id": "https://e.com/a", "type": "string"}}, "properties": {"x": {"$ref": "#/$defs/a"}}}
    assert inline_local_refs(schema) is schema


@pytest.mark.parametrize(
    "instance",
    [
        {"title": "ok", "tags": ["a", " "], "tree": {"child": {"child": 3}}, "note": 1},
        {"title": " ", "tags": 7, "tree": [], "note": ""},
        {"title": None, "tags": ["x", None]},
        {},
    ],
)
def test_errors_are_the_same_as_from_the_schema_as_written(instance: object) -> None:
    def errors(schema: object) -> list[tuple[object, ...]]:
        validator = Draft202012Validator(schema, format_checker=FORMAT_CHECKER)
        return sorted(
            (tuple(e.absolute_path), e.validator, e.message, str(e.schema.get("description")))
            for e in validator.iter_errors(instance)
        )

    assert errors(inline_local_refs(SCHEMA)) == errors(SCHEMA)


@pytest.mark.parametrize("preset", ["jekyll", "hugo"])
def test_the_presets_lose_their_refs(preset: str) -> None:
    schema = load_schema(preset)
    assert schema is not None
    inlined = inline_local_refs(schema.data)
    assert "$ref" not in str(inlined.get("properties")) if isinstance(inlined, dict) else False
