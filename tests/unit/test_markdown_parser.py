"""The bulk line table gives markdown-it exactly the state, and so the tokens, its own loop gives."""

from __future__ import annotations

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.rules_block.state_block import StateBlock
from markdown_it.rules_core import StateCore

from postkit.markdown_parser import LineTableState, _one_html_block, normalize, with_line_table

_MD = MarkdownIt("commonmark")
_FIELDS = ("src", "bMarks", "eMarks", "tShift", "sCount", "bsCount", "lineMax", "line", "blkIndent", "level")

SHAPES = [
    "plain line",
    "ends with a newline\n",
    "two blank lines after\n\n\n",
    "last line only blanks   ",
    "last line only blanks with a newline\n   \n",
    "\tcode after a tab\n  \tspaces then a tab\n\t \tmixed",
    "<div>\n    <p>\n        deep\n    </p>\n</div>\n",
    "> quoted\n>\n>     code in a quote\n",
    "   ",
    "\n",
    " \t \n\t",
]


def _table(state: StateBlock) -> dict[str, object]:
    return {name: getattr(state, name) for name in _FIELDS}


@pytest.mark.parametrize("source", SHAPES)
def test_line_table_matches_markdown_it(source: str) -> None:
    assert _table(LineTableState(source, _MD, {}, [])) == _table(StateBlock(source, _MD, {}, []))


def test_tab_indent_is_counted_to_the_next_stop() -> None:
    state = LineTableState("\tx\n  \ty\n", _MD, {}, [])
    assert state.tShift[:2] == [1, 3]
    assert state.sCount[:2] == [4, 4]


@given(st.text(alphabet=" \t\na<>`-*#", max_size=60))
def test_line_table_matches_markdown_it_on_any_text(source: str) -> None:
    assert _table(LineTableState(source, _MD, {}, [])) == _table(StateBlock(source, _MD, {}, []))


@given(st.text(alphabet=" \t\n\r\0a<>/p`-*#>1.", max_size=80))
def test_tokens_are_markdown_its_own(source: str) -> None:
    fast = with_line_table(MarkdownIt("commonmark"))
    assert [t.as_dict() for t in fast.parse(source)] == [t.as_dict() for t in _MD.parse(source)]


def test_rules_stay_as_configured() -> None:
    fast = with_line_table(MarkdownIt("commonmark").enable("table"))
    tokens = fast.parse("| a |\n|---|\n| b |\n")
    assert [t.type for t in tokens][:2] == ["table_open", "thead_open"]


@pytest.mark.parametrize(
    ("source", "normalized"),
    [
        ("a\r\nb\rc\n", "a\nb\nc\n"),
        ("\r\r\n\n", "\n\n\n"),
        ("nul\0here", "nul\ufffdhere"),
        ("plain\ntext", "plain\ntext"),
    ],
)
def test_normalize_is_markdown_its_own(source: str, normalized: str) -> None:
    fast = with_line_table(MarkdownIt("commonmark"))
    assert [t.as_dict() for t in fast.parse(source)] == [t.as_dict() for t in _MD.parse(source)]
    state = StateCore(source, fast, {})
    normalize(state)
    assert state.src == normalized


@given(
    st.text(alphabet=" \t\n\na>`-#", max_size=40),
    st.integers(0, 4),
    st.integers(0, 8),
    st.integers(0, 5),
    st.booleans(),
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 3)), max_size=3),
)
@example("> aa\n> bb\n", 0, 2, 0, False, [(1, 2)])  # a quote's second line, its `> ` passed
@settings(max_examples=1500)
def test_get_lines_is_markdown_its_own(
    source: str, begin: int, end: int, indent: int, keep_last_lf: bool, moves: list[tuple[int, int]]
) -> None:
    """Cut lines, also after a blockquote moved some line starts past its `>` (as it does while it reads)."""
    fast, own = LineTableState(source, _MD, {}, []), StateBlock(source, _MD, {}, [])
    for line, shift in moves:
        if line < fast.lineMax:
            for state in (fast, own):
                state.bMarks[line] = min(state.bMarks[line] + shift, state.eMarks[line])
    end = min(end, fast.lineMax)
    try:
        expected = own.getLines(begin, end, indent, keep_last_lf)
    except IndexError:  # markdown-it's own cannot cut a line moved to the very end of the source
        assume(False)
    assert fast.getLines(begin, end, indent, keep_last_lf) == expected


_PAGE_PIECES = [
    "<div>",
    "<div class=a>",
    "</div>",
    "<p>",
    "<span>",
    "</span>",
    "<!-- c -->",
    "<script>",
    "</script>",
    "<pre>",
    "<?x",
    "<![CDATA[",
    "<a href=x>",
    "<x-y>",
    "<br/>",
    "text",
    "*",
    "1.",
    ">",
    "[a]: b",
    "```",
    "\0",
]


@given(st.lists(st.sampled_from([*_PAGE_PIECES, " ", "   ", "    ", "\t", "\n", "\n", "\n"]), max_size=25))
@settings(max_examples=1500)
def test_a_source_read_as_one_html_block_gets_markdown_its_tokens(pieces: list[str]) -> None:
    source = "".join(pieces)
    fast = with_line_table(MarkdownIt("commonmark"))
    assert [t.as_dict() for t in fast.parse(source)] == [t.as_dict() for t in _MD.parse(source)]


@pytest.mark.parametrize(
    ("source", "one_block"),
    [
        ("<article class=post>\n <p>\n  words\n </p>\n</article>\n", True),
        ("  <div>\n\tindented with a tab\n</div>", True),
        ("<br/>\ntext after a tag alone on its line\n", True),
        ("<div>\n <p>a</p>\n\n <p>b</p>\n</div>\n", False),  # a blank line ends the block
        ("<div>\n <p>a</p>\n \t \n</div>\n", False),  # so does a line of blanks
        ("<div>\n<p>a</p>\n   ", False),  # even the last one
        ("    <div>\n</div>\n", False),  # indented code
        ("<span>a</span> text\n<div>\n", False),  # a paragraph
        ("<!-- a comment -->\n<div>\n", False),  # ends at its own closing, not at a blank line
        ("<pre>\ncode\n</pre>\n", False),
    ],
)
def test_one_html_block_is_told_apart(source: str, one_block: bool) -> None:
    fast = with_line_table(MarkdownIt("commonmark"))
    assert _one_html_block(source, fast) is one_block
    tokens = fast.parse(source)
    assert [t.as_dict() for t in tokens] == [t.as_dict() for t in _MD.parse(source)]
    if one_block:
        assert [(t.type, t.map, t.content) for t in tokens] == [
            ("html_block", [0, source.count("\n") + (not source.endswith("\n"))], source)
        ]


@pytest.mark.parametrize("before", ["", "\n", "\n  \n\t\n"])
@pytest.mark.parametrize("after", ["", "\n", "\n \n", "  \n\n\t"])
def test_blank_lines_around_the_one_html_block_are_skipped_as_markdown_it_skips_them(before: str, after: str) -> None:
    page = "<div>\n <p>a</p>\n</div>\n"
    tokens = with_line_table(MarkdownIt("commonmark")).parse(before + page + after)
    assert [t.as_dict() for t in tokens] == [t.as_dict() for t in _MD.parse(before + page + after)]
    lines = before.count("\n")
    assert [(t.type, t.map, t.content) for t in tokens] == [("html_block", [lines, lines + 3], page)]


def test_one_html_block_needs_the_html_rules() -> None:
    page = "<div>\n<p>a</p>\n</div>\n"
    assert not _one_html_block(page, with_line_table(MarkdownIt("commonmark", {"html": False})))
    assert not _one_html_block(page, with_line_table(MarkdownIt("commonmark").disable("html_block")))
    assert not _one_html_block(page, with_line_table(MarkdownIt("commonmark").enable("table")))
