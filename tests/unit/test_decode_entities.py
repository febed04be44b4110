"""decode_entities writes visible entities out, outside code; a text that cannot hold code is not parsed for it."""

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
    with mock.patch.object(write, "_may_hold_code", return_value=True):
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
