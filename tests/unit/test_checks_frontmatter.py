"""Front matter as validate reads it: values as written, positions in the file, bounded reading."""

from __future__ import annotations

import pytest

from postkit.checks import CheckContext, Position
from postkit.checks.frontmatter import MAX_DEPTH, FrontMatter, content_text, read_front_matter
from postkit.post import split_post


def front_matter_of(text: str) -> FrontMatter:
    return read_front_matter(split_post(text, "post.md"))


def errors_of(text: str) -> list[tuple[int, int, str]]:
    return [(error.line, error.column, error.message) for error in front_matter_of(text).errors]


def test_values_keep_the_json_type_yaml_gives_them_but_strings_stay_as_written() -> None:
    text = (
        "---\n"
        "title: 10:00\n"
        "date: 2021-08-10\n"
        "stamp: 2001-12-14 21:59:43.10 -5\n"
        "hex: 0x1F\n"
        "ratio: 1.5\n"
        "old: 1:30.5\n"
        "flag: no\n"
        "nothing: ~\n"
        "text: !!str 12\n"
        "blob: !!binary aGk=\n"
        "quoted: 'it''s'\n"
        "set: !!set {a, b}\n"
        "items: [1, a, true]\n"
        "---\n"
    )
    assert front_matter_of(text).data == {
        "title": "10:00",
        "date": "2021-08-10",
        "stamp": "2001-12-14 21:59:43.10 -5",
        "hex": 31,
        "ratio": 1.5,
        "old": "1:30.5",
        "flag": False,
        "nothing": None,
        "text": "12",
        "blob": "aGk=",
        "quoted": "it's",
        "set": {"a": None, "b": None},
        "items": [1, "a", True],
    }


def test_keys_stay_as_written() -> None:
    assert front_matter_of("---\nno: 1\n2: two\n---\n").data == {"no": 1, "2": "two"}


def test_merge_keys_expand_as_the_merge_key_spec_says() -> None:
    """Earlier mappings in a merge list win (PyYAML 6.0.4 lets the later ones win; the spec does not)."""
    text = (
        "---\n"
        "one: &one {layout: post, author: Ann, lang: en}\n"
        "two: &two {layout: note, author: Lee}\n"
        "post:\n"
        "  <<: [*two, *one]\n"
        "  layout: page\n"
        "---\n"
    )
    front_matter = front_matter_of(text)
    assert front_matter.data["post"] == {"layout": "page", "author": "Lee", "lang": "en"}
    assert front_matter.locate(("post", "author")) == Position(3, 34)  # where the merged value is written


def test_a_merge_of_a_list_item_that_is_not_a_mapping_is_unreadable() -> None:
    assert errors_of("---\nbase: &b [1]\npost:\n  <<: *b\n---\n") == [
        (2, 11, "a merge key '<<' needs a mapping or a list of mappings")
    ]


def test_a_merge_of_its_own_mapping_is_unreadable() -> None:
    assert errors_of("---\npost: &p\n  <<: *p\n---\n") == [(2, 7, "a merge key refers to the mapping that contains it")]


def test_content_text_when_the_closing_fence_ends_the_file() -> None:
    assert content_text("---\ntitle: x\n---") == "title: x\n"
    assert content_text("---\ntitle: x\n---\n") == "title: x\n"
    assert content_text("---\r\ntitle: x\r\n---\r\n") == "title: x\r\n"
    assert content_text("---\n---\n") == ""
    assert front_matter_of("---\ntitle: x\n---").data == {"title": "x"}


def test_positions_count_lines_on_newlines_only() -> None:
    """PyYAML also breaks lines on NEL, U+2028 and a lone CR; the file's lines do not."""
    text = "---\ntitle: \"a\u2028b\x85c\"\r\nsummary: 'x\ry'\nbad: !!int nope\n---\n"
    assert errors_of(text) == [(4, 6, "'nope' cannot be read as !!int")]


def test_positions_after_a_byte_order_mark() -> None:
    post = split_post("\ufeff---\ntitle: x\ndate: 2021\n---\n")
    assert post.bom == "\ufeff"
    assert read_front_matter(post).locate(("date",)) == Position(3, 7)


def test_locate_falls_back_to_the_nearest_known_place() -> None:
    front_matter = front_matter_of("---\ntitle: x\nauthor:\n  name: Ann\n---\n")
    assert front_matter.locate(("author", "name")) == Position(4, 9)
    assert front_matter.locate(("author", "missing", 3)) == Position(4, 3)
    assert front_matter.locate(("nowhere",)) == Position(2, 1)
    assert front_matter.entries[("author", "name")].key == Position(4, 3)
    assert read_front_matter(split_post("no front matter")).locate(("title",)) == Position(1, 1)


def test_an_empty_value_is_located_at_its_key() -> None:
    front_matter = front_matter_of("---\ntitle:\nlayout: ''\n---\n")
    assert front_matter.locate(("title",)) == Position(2, 1)
    assert front_matter.locate(("layout",)) == Position(3, 9)


def test_nodes_visit_an_aliased_node_once() -> None:
    front_matter = front_matter_of("---\na: &x [1, 2]\nb: *x\nc: *x\n---\n")
    nodes = list(front_matter.nodes())
    assert len(nodes) == len({id(node) for node in nodes}) == 1 + 3 * 1 + 1 + 2
    assert front_matter.data == {"a": [1, 2], "b": [1, 2], "c": [1, 2]}


def test_continuation_lines_of_multi_line_values() -> None:
    text = '---\na: "one\n  two"\nb: |\n  x\n  y\nc: [1,\n  2]\nd: plain\n---\n'
    assert front_matter_of(text).continuation_lines() == {3, 5, 6, 8}


def test_deep_nesting_is_refused_without_a_crash() -> None:
    assert errors_of("---\na: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n---\n")[0][2] == (
        f"front matter nests deeper than {MAX_DEPTH} levels"
    )
    assert errors_of("---\na: " + "[" * 1500 + "\n---\n")[0][2].startswith("front matter")


def test_an_alias_bomb_stops_at_the_bound() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for name, previous in zip("bcdefghi", "abcdefgh", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    front_matter = front_matter_of("---\n" + "\n".join(lines) + "\n---\n")
    assert front_matter.data is None
    assert [(error.line, error.column) for error in front_matter.errors] == [(5, 1)]


def test_toml_positions_for_keys_tables_and_arrays_of_tables() -> None:
    text = (
        '+++\ntitle = "T"\n"quoted key" = 1\nsite.name = "x"\nbody = """\nfake = 1\n"""\n'
        '[params]\n  source = "s"\n[[links]]\nurl = "a"\n[[links]]\nurl = "b"\n+++\n'
    )
    front_matter = front_matter_of(text)
    entries = front_matter.entries
    assert entries[("title",)].value == Position(2, 9)
    assert entries[("quoted key",)].key == Position(3, 1)
    assert entries[("site", "name")].value == Position(4, 13)
    assert ("fake",) not in entries
    assert entries[("params",)].value == Position(8, 2)
    assert entries[("params", "source")].value == Position(9, 12)
    assert entries[("links", 1, "url")].value == Position(13, 7)
    assert front_matter.data["links"] == [{"url": "a"}, {"url": "b"}]


@pytest.mark.parametrize(
    ("toml", "error"),
    [
        ('title = "a"\ntitle = "b"\n', (3, 12, "front matter is not valid TOML: Cannot overwrite a value")),
        ('tags = ["a",\n', (3, 1, "front matter is not valid TOML: Invalid value")),
    ],
)
def test_toml_errors_are_located(toml: str, error: tuple[int, int, str]) -> None:
    assert errors_of(f"+++\n{toml}+++\n") == [error]


def test_toml_dates_become_iso_strings() -> None:
    text = "+++\na = 1979-05-27T07:32:00Z\nb = 1979-05-27\nc = 07:32:00\nd = 1979-05-27 07:32:00\n+++\n"
    assert front_matter_of(text).data == {
        "a": "1979-05-27T07:32:00+00:00",
        "b": "1979-05-27",
        "c": "07:32:00",
        "d": "1979-05-27T07:32:00",
    }


def test_context_reads_each_post_once() -> None:
    context = CheckContext()
    first, second = split_post("---\ntitle: a\n---\n"), split_post("---\ntitle: a\n---\n")
    assert context.front_matter(first) is context.front_matter(first)
    assert context.front_matter(second) is not context.front_matter(first)


@pytest.mark.parametrize(
    ("yaml_text", "error", "hint"),
    [
        (
            "title: a\n--- b\n",
            (3, 1, "expected a single document in the stream but found another document"),
            "remove the second '---' line inside the front matter",
        ),
        (
            "title: a\nb\n",
            (4, 1, "could not find expected ':' while scanning a simple key"),
            "every line needs 'key: value'; put a value holding ': ' or '#' in quotes",
        ),
        (
            "title: a\n- b\n",
            (3, 1, "expected <block end>, but found '-' while parsing a block mapping"),
            "fix the YAML at this place; put values holding special characters in quotes",
        ),
    ],
)
def test_yaml_errors_read_as_sentences_with_a_hint(yaml_text: str, error: tuple[int, int, str], hint: str) -> None:
    errors = front_matter_of(f"---\n{yaml_text}---\n").errors
    assert [(e.line, e.column, e.message.removeprefix("front matter is not valid YAML: ")) for e in errors] == [error]
    assert errors[0].hint == hint


def test_a_collection_as_key_is_left_out_of_the_data() -> None:
    assert front_matter_of("---\n? [a, b]\n: c\nd: e\n---\n").data == {"d": "e"}


def test_a_local_tag_is_reported_and_its_value_kept_as_written() -> None:
    front_matter = front_matter_of("---\ntitle: !custom Hello\nlist: !custom [1]\n---\n")
    assert front_matter.data == {"title": "Hello", "list": [1]}
    assert [(e.line, e.column, e.message) for e in front_matter.errors] == [
        (2, 8, "tag '!custom' cannot be read by a safe YAML loader"),
        (3, 7, "tag '!custom' cannot be read by a safe YAML loader"),
    ]
