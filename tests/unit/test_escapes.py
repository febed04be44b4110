"""Escapes in text only where a renderer would otherwise read syntax (issue #10's needless escapes).

Each case is checked against the real renderers too by the golden cases
``markdown-literal-brackets*`` (tests/acceptance/test_render_equivalence.py).
"""

from __future__ import annotations

import pytest

from postkit import clean_text
from postkit.pipeline.html import parse_fragment
from postkit.pipeline.markdown_text import write_text
from postkit.pipeline.render import render_markdown


def body(html: str) -> str:
    return clean_text(f"---\ntitle: t\n---\n{html}\n").text.split("---\n", 2)[2]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fine […] and [sic].", "fine […] and [sic]."),
        ("[a link](u)", "\\[a link](u)"),  # a destination follows
        ("[label][ref]", "\\[label]\\[ref]"),  # a reference label follows; the last ] ends the text
        ("[term]: x", "\\[term]: x"),  # a definition
        ("[^1] note", "\\[^1] note"),  # a footnote
        ("[x] done", "\\[x] done"),  # a task box
        ("[a [b] c] d", "\\[a [b] c] d"),  # a second [ before the ]: left escaped
        ("[open", "\\[open"),
        ("ends with [x]", "ends with \\[x]"),  # nothing after the ] in this text: it may be a link
    ],
)
def test_a_bracket_is_escaped_only_where_it_could_open_something(text: str, expected: str) -> None:
    assert write_text(text, "commonmark", references=False) == expected


def test_with_references_defined_every_bracket_is_escaped() -> None:
    assert write_text("fine [sic] here", "commonmark", references=True) == "fine \\[sic] here"
    assert write_text("fine [sic] here", "commonmark", references=False) == "fine [sic] here"


def test_a_post_with_a_definition_keeps_brackets_escaped() -> None:
    text = "---\ntitle: t\n---\n<p>see [sic] here</p>\n\n[ref]: https://example.com/\n"
    assert "see \\[sic] here" in clean_text(text).text
    assert "see [sic] here" in clean_text(text.replace("[ref]: https://example.com/\n", "")).text


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>Grab mysqltuner.pl* and go</p>", "Grab mysqltuner.pl* and go\n"),  # one run: no pair
        ("<p>a ** b</p>", "a ** b\n"),
        ("<p>*two* runs</p>", "\\*two* runs\n"),  # a pair: one escaped, the other has no partner
        ("<p>2*3*4*5 is big</p>", "2\\*3\\*4*5 is big\n"),  # all but the last
        ("<p>x <b>y</b> z*</p>", "x **y** z\\*\n"),  # the markup's own runs may pair with it
        ("<p>five ***** stars</p>", "five \\*\\*\\*\\*\\* stars\n"),  # kramdown pairs inside one long run
        ("<p>@name_ here</p>", "@name_ here\n"),
        ("<p>_a_ b</p>", "\\_a_ b\n"),
        ("<p>* item</p>", "\\* item\n"),  # a list marker at the line start is escaped there
    ],
)
def test_only_the_last_emphasis_run_of_a_paragraph_stays_as_it_is(html: str, expected: str) -> None:
    assert body(html) == expected


def test_inside_a_markdown_paragraph_every_run_is_escaped() -> None:
    # the Markdown around an inline fragment may hold the run's partner
    markdown, _ = render_markdown(parse_fragment("<b>bold</b> a*"), inline=True)
    assert markdown == "**bold** a\\*"
    markdown, _ = render_markdown(parse_fragment("a* b"), inline=True)
    assert markdown == "a\\* b"
