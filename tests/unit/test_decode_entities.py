"""decode_entities writes visible entities out, outside code; one that cannot stand in code is written out unparsed."""

from __future__ import annotations

from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postkit.pipeline import write
from postkit.pipeline.write import decode_entities

_PIECES = st.sampled_from(
    [
        "&#8217;",
        "&eacute;",
        "&amp;",
        "&lt;",
        "&#x41;",
        "`",
        "```",
        "~~~",
        "    ",
        "\t",
        " ",
        "\n",
        "\n\n",
        "> ",
        "- ",
        "1. ",
        "word",
        "\\",
        "<b>",
        "*",
    ]
)


@given(st.lists(_PIECES, max_size=25).map("".join))
@settings(max_examples=1500)
def test_skipping_the_code_search_changes_nothing(text: str) -> None:
    with mock.patch.object(write, "_may_be_code_at", return_value=True):
        expected = decode_entities(text)
    assert decode_entities(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("we&#8217;ll go", ("we\u2019ll go", 1)),
        ("`we&#8217;ll` and we&#8217;ll", ("`we&#8217;ll` and we\u2019ll", 1)),  # code span kept
        ("para\n\n    we&#8217;ll\n", ("para\n\n    we&#8217;ll\n", 0)),  # indented code kept
        ("> para\n>\n>     we&#8217;ll\n", ("> para\n>\n>     we&#8217;ll\n", 0)),  # indented code in a quote
        ("~~~\nwe&#8217;ll\n~~~\n", ("~~~\nwe&#8217;ll\n~~~\n", 0)),  # tilde fence kept
        ("a &amp; b &lt;c&gt;", ("a &amp; b &lt;c&gt;", 0)),  # syntax stays
    ],
)
def test_entities_are_written_out_outside_code(text: str, expected: tuple[str, int]) -> None:
    assert decode_entities(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "`code` in one paragraph\n\nwe&#8217;ll in another",
        "we&#8217;ll first\n\n```\ncode\n```\n",  # the fence comes after it
        "- item\n\n  we&#8217;ll in the item\n",  # two columns: a paragraph, not code
    ],
)
def test_an_entity_away_from_any_code_is_written_out_without_a_parse(text: str) -> None:
    with mock.patch.object(write, "code_regions", side_effect=AssertionError("parsed")):
        decoded, count = decode_entities(text)
    assert count == 1 and "we\u2019ll" in decoded


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("`a`\nwe&#8217;ll", "`a`\nwe\u2019ll"),  # a backtick in its paragraph: parsed, not in code
        ("`a\nwe&#8217;ll`", "`a\nwe&#8217;ll`"),  # a code span over two lines
        ("-     we&#8217;ll", "-     we&#8217;ll"),  # an item that starts with indented code
        ("para\n\n\twe&#8217;ll", "para\n\n\twe&#8217;ll"),  # a tab: indented code
        ("1.\tx\n\n\twe&#8217;ll", "1.\tx\n\n\twe\u2019ll"),  # a tab, parsed: the item's paragraph
    ],
)
def test_an_entity_near_code_is_decided_by_the_parse(text: str, expected: str) -> None:
    assert decode_entities(text)[0] == expected
