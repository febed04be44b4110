"""Schemas: presets, user files, bad schemas as ConfigError, formats, and values checked as written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft7Validator, Draft202012Validator

from postkit.checks import CheckContext, check_text, get_rule, load_schema
from postkit.checks.schema import is_date_time, is_iri, is_iri_reference, is_uri, is_uri_reference
from postkit.errors import ConfigError


def schema_problems(text: str, schema: str = "jekyll") -> list[tuple[int, int, str]]:
    context = CheckContext(schema=load_schema(schema))
    return [(p.line, p.column, p.message) for p in check_text(text, "post.md", [get_rule("PK109")], context)]


def post(*lines: str) -> str:
    return "---\n" + "".join(line + "\n" for line in lines) + "---\nBody.\n"


# --- presets and files ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["jekyll", "hugo"])
def test_presets_load_as_draft_2020_12(name: str) -> None:
    schema = load_schema(name)
    assert schema is not None and schema.name == name
    assert isinstance(schema.validator, Draft202012Validator)
    assert isinstance(schema.data, dict) and schema.data["required"] == ["title"]


def test_none_means_no_schema() -> None:
    assert load_schema("none") is None
    assert schema_problems("no front matter at all\n", "none") == []


def test_unknown_preset_name_lists_the_presets() -> None:
    with pytest.raises(ConfigError, match=r"unknown schema 'jekyl'; use a preset \(jekyll, hugo, none\)"):
        load_schema("jekyl")


def test_schema_from_a_json_file(tmp_path: Path) -> None:
    path = tmp_path / "schema.json"
    path.write_text(
        json.dumps(
            {"type": "object", "required": ["summary"], "properties": {"summary": {"type": "string", "maxLength": 5}}}
        ),
        encoding="utf-8",
    )
    schema = load_schema(path)
    assert schema is not None and schema.name == str(path)
    assert schema_problems(post("title: x", "summary: too long"), str(path)) == [
        (3, 10, "summary: 'too long' is too long")
    ]


def test_schema_from_a_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "schema.yaml"
    path.write_text("type: object\nrequired: [summary]\n", encoding="utf-8")
    assert schema_problems(post("title: x"), str(path)) == [(2, 1, "required key 'summary' is missing")]


def test_a_declared_older_draft_is_honoured(tmp_path: Path) -> None:
    path = tmp_path / "schema.json"
    path.write_text('{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"}', encoding="utf-8")
    schema = load_schema(path)
    assert schema is not None and isinstance(schema.validator, Draft7Validator)


@pytest.mark.parametrize(
    ("file_name", "content", "message"),
    [
        (
            "bad.json",
            '{"type": "object",\n "required": [}',
            r"bad.json:2:15: schema is not valid JSON: Expecting value",
        ),
        (
            "bad.yaml",
            "type: object\nrequired: [title\n",
            r"bad.yaml:3:1: schema is not valid YAML: expected ',' or ']'",
        ),
        ("wrong.json", '{"type": 5}', r"wrong.json: not a valid JSON Schema at type: 5 is not valid under any"),
        ("list.yaml", "- type: object\n", r"list.yaml: a schema must be a mapping \(or true/false\), not a list"),
        ("schema.txt", "{}", r"unknown schema '.*schema.txt'"),
    ],
)
def test_a_bad_schema_file_is_a_config_error_naming_it(
    tmp_path: Path, file_name: str, content: str, message: str
) -> None:
    path = tmp_path / file_name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_schema(path)


def test_a_missing_schema_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"missing.json: schema file cannot be read: No such file"):
        load_schema(tmp_path / "missing.json")


def test_an_unresolvable_reference_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "remote.json"
    path.write_text('{"properties": {"title": {"$ref": "https://example.com/title.json"}}}', encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"remote.json: cannot resolve the reference 'https://example.com/title.json'"
    ):
        schema_problems(post("title: x"), str(path))


# --- values as written -----------------------------------------------------------------------


def test_a_date_with_month_13_fails_jekyll() -> None:
    assert [problem[:2] for problem in schema_problems(post("title: x", "date: 2021-13-01"))] == [(3, 7)]


@pytest.mark.parametrize(
    "date",
    [
        "2021-08-10",
        "2021-08-10 10:00:00 +0800",
        "2021-08-10 10:00",
        "2021-08-10T10:00:00Z",
        "2022-03-15T03:07:03.000Z",
        "2018-03-03T06:48:27+00:00",
        "2021-08-10T10:00:00",
        "'2021-08-10'",
    ],
)
def test_dates_jekyll_accepts(date: str) -> None:
    assert schema_problems(post("title: x", f"date: {date}")) == []
    assert schema_problems(post("title: x", f"date: {date}"), "hugo") == []


@pytest.mark.parametrize(
    "date",
    [
        "2021-02-30",
        "2021-08-10 24:00:00",
        "10 August 2021",
        "-001-11-30T00:00:00+00:00",
        "2021-08-10T10:00:00+25:00",
        "2021-8-10",
    ],
)
def test_dates_jekyll_refuses(date: str) -> None:
    assert len(schema_problems(post("title: x", f"date: {date}"))) == 1


def test_a_sexagesimal_title_is_the_string_it_was_written_as() -> None:
    assert schema_problems(post("title: 10:00")) == []


def test_an_unquoted_no_is_a_boolean_to_the_schema() -> None:
    assert schema_problems(post("title: NO")) == [(2, 8, "title: NO (read as false) is a boolean; expected a string")]


def test_hugo_preset() -> None:
    text = post("title: Hugo", "date: 2019-01-01", "draft: yes", "tags: {a: 1}", "weight: 1.5", "url: /a/")
    assert schema_problems(text, "hugo") == [
        (5, 7, "tags (a mapping) is not a string or a list of strings (Hugo reads a single string as a list of one)"),
        (6, 9, "weight: 1.5 is a number; expected an integer"),
    ]
    assert schema_problems(post("title: Hugo", "draft:"), "hugo") == [(3, 1, "draft is empty; expected true or false")]
    assert schema_problems(post("title: Hugo", "author: [1]"), "hugo") == [
        (3, 10, "author[0]: 1 is a number; expected a string")
    ]


def test_toml_values_are_checked_and_located() -> None:
    text = '+++\ntitle = "T"\ndate = 2021-08-10T10:00:00\nweight = "1"\n[params]\nfrom = 1\n+++\n'
    assert schema_problems(text, "hugo") == [(4, 10, "weight: '1' is a string; expected an integer")]


def test_messages_for_other_keywords(tmp_path: Path) -> None:
    path = tmp_path / "schema.json"
    path.write_text(
        json.dumps(
            {
                "type": "object",
                "properties": {
                    "layout": {"enum": ["post", "page"]},
                    "lang": {"const": "en"},
                    "meta": {
                        "type": "object",
                        "required": ["id"],
                        "properties": {"id": {"type": "integer"}},
                        "additionalProperties": False,
                    },
                    "slug": {"pattern": "^[a-z-]+$"},
                    "count": {"minimum": 0},
                    "mail": {"format": "email"},
                    "either": {"oneOf": [{"type": "integer"}, {"type": "boolean"}]},
                },
            }
        ),
        encoding="utf-8",
    )
    text = post(
        "layout: home",
        "lang: de",
        "meta:",
        "  other: 1",
        "slug: Not A Slug",
        "count: -1",
        "mail: nobody",
        "either: text",
    )
    assert schema_problems(text, str(path)) == [
        (2, 9, 'layout: \'home\' is not one of "post", "page"'),
        (3, 7, "lang: 'de' is not \"en\""),
        (5, 3, "required key 'id' is missing in meta"),
        (5, 3, f"key 'other' is not allowed by the schema {path}"),
        (6, 7, "slug: 'Not A Slug' does not match '^[a-z-]+$'"),
        (7, 8, "count: -1 is less than the minimum of 0"),
        (8, 7, "mail: 'nobody' is not a valid email address"),
        (9, 9, "either: 'text' is a string; expected an integer or true or false"),
    ]


# --- formats -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("2021-08-10T10:00:00Z", True),
        ("2021-08-10t10:00:00.5+08:00", True),
        ("2016-12-31T23:59:60Z", True),
        ("2021-08-10T10:00:00", False),
        ("2021-08-10 10:00:00Z", False),
        ("2021-02-29T10:00:00Z", False),
        ("2021-08-10T24:00:00Z", False),
        ("2021-08-10T10:60:00Z", False),
        ("2021-08-10T10:00:00+24:00", False),
        ("bogus", False),
        (20210810, True),
    ],
)
def test_date_time_format(value: object, valid: bool) -> None:
    assert is_date_time(value) is valid


@pytest.mark.parametrize(
    ("value", "uri", "iri"),
    [
        ("https://example.com/a?b=c#d", True, True),
        ("https://example.com/%E4%B8%AD", True, True),
        ("https://例子.com/中文", False, True),
        ("https://example.com/a b", False, False),
        ("https://example.com/70%%20", False, False),
        ("https:///path", False, False),
        ("https:example.com", False, False),
        ("mailto:ann@example.com", True, True),
        ("/relative/path", False, False),
        ("", False, False),
        (42, True, True),
    ],
)
def test_uri_and_iri_formats(value: object, uri: bool, iri: bool) -> None:
    assert is_uri(value) is uri
    assert is_iri(value) is iri


def test_uri_and_iri_references() -> None:
    assert is_uri_reference("/a/b?c") and is_iri_reference("/新闻/a")
    assert not is_uri_reference("/新闻/a") and not is_iri_reference("/a b")
    assert is_uri_reference(None) and is_iri_reference(None)


def test_more_keyword_messages(tmp_path: Path) -> None:
    path = tmp_path / "schema.json"
    path.write_text(
        json.dumps(
            {
                "type": "object",
                "required": ["summary", "lang"],
                "properties": {
                    "code": {"anyOf": [{"minLength": 5}, {"maxLength": 1}]},
                    "slug": {"pattern": "^[a-z-]+$", "description": "lower-case words joined by dashes"},
                    "extra": {"type": "object", "patternProperties": {"^x-": {}}, "additionalProperties": False},
                    "closed": {"type": "object", "unevaluatedProperties": False},
                },
            }
        ),
        encoding="utf-8",
    )
    text = post("title: x", "code: abc", "slug: Not_A_Slug", "extra:", "  x-ok: 1", "  bad: 2", "closed:", "  a: 1")
    assert schema_problems(text, str(path)) == [
        (2, 1, "required key 'summary' is missing"),
        (2, 1, "required key 'lang' is missing"),
        (3, 7, "code: 'abc' is too short"),
        (4, 7, "slug: 'Not_A_Slug' is not lower-case words joined by dashes"),
        (7, 3, f"key 'bad' is not allowed by the schema {path}"),
        (9, 3, "closed: Unevaluated properties are not allowed ('a' was unexpected)"),
    ]


# --- what the generators and their importers really write (issue #11) ----------------------


@pytest.mark.parametrize(
    "lines",
    [
        (
            "author:",
            "  login: admin",
            "  email: admin@example.com",
            "  display_name: Admin",
            "  first_name: ''",
            "  last_name: ''",
        ),
        ("author: Jane Doe",),
        ("author: [Jane, Joe]",),
        ("categories: news",),
        ("categories: [news, world]",),
        ("categories:", "- Uncategorized"),
        ("tags: []",),
        ("date: 2010-02-21 19:14:38.000000000 -08:00",),
        ("date: 2010-02-21 19:14:38 -0800",),
        ("date: '2010-02-21T19:14:38.000-08:00'",),
        ("date: 2010-02-21 19:14",),
        ("layout: null",),
        ("published: false",),
        ('permalink: "/2010/02/21/hello-world/"',),
        ("meta:", "  _edit_last: '1'", "  _wp_old_slug: hello"),
    ],
)
def test_jekyll_accepts_what_jekyll_and_jekyll_import_write(lines: tuple[str, ...]) -> None:
    assert schema_problems(post("title: Hello world!", *lines)) == []


@pytest.mark.parametrize(
    ("lines", "where"),
    [
        (("author: 3",), (3, 9)),
        (("categories: {a: 1}",), (3, 13)),
        (("published: maybe",), (3, 12)),
    ],
)
def test_jekyll_still_refuses_what_jekyll_cannot_use(lines: tuple[str, ...], where: tuple[int, int]) -> None:
    assert [problem[:2] for problem in schema_problems(post("title: x", *lines))] == [where]


@pytest.mark.parametrize(
    "lines",
    [
        ('draft: "false"',),
        ('draft: "true"',),
        ("draft: false",),
        ("tags: news",),
        ("tags: [a, b]",),
        ("categories:", "  - Uncategorized"),
        ("date: 2010-02-21T19:14:38+00:00",),
        ("url: /2010/02/21/hello-world/",),
        ("author: admin",),
        ("aliases: /old/",),
        ("authors: [a, b]",),
        ("lastmod: 2021-08-10",),
    ],
)
def test_hugo_accepts_what_hugo_and_its_wordpress_exporters_write(lines: tuple[str, ...]) -> None:
    assert schema_problems(post("title: Hello", *lines), "hugo") == []


def test_hugo_refuses_a_draft_that_is_neither_true_nor_false() -> None:
    assert [problem[:2] for problem in schema_problems(post("title: x", 'draft: "maybe"'), "hugo")] == [(3, 8)]
