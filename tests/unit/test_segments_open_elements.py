"""segments.open_depth / find_html: which elements keep an HTML block open over blank lines.

Only HTML elements count (`<ip-address>` in prose is none), void tags open nothing, and an end
tag closes its element with everything opened inside it, `</p>` included, the way HTML's tree
builder pops its stack. A truly unclosed `<div>` still runs on over blank lines.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from postkit import clean_text, segments
from postkit.segments import OpenElements, find_html, open_depth

_MD = MarkdownIt("commonmark")


def _blockquote_texts(markdown: str) -> list[str]:
    """The text of the inline content inside blockquotes, as a CommonMark renderer reads it."""
    texts: list[str] = []
    quotes = 0
    for token in _MD.parse(markdown):
        if token.type == "blockquote_open":
            quotes += 1
        elif token.type == "blockquote_close":
            quotes -= 1
        elif token.type == "inline" and quotes:
            texts.append("".join(child.content for child in token.children or () if child.type == "text"))
    return texts


def _visible_text(markdown: str) -> str:
    """All text a CommonMark renderer shows, joined by newlines."""
    return "\n".join(
        "".join(child.content for child in token.children or () if child.type in ("text", "code_inline"))
        for token in _MD.parse(markdown)
        if token.type == "inline"
    )


@pytest.mark.parametrize(
    ("html", "depth"),
    [
        # names that are no HTML elements never open anything
        ("<p>type smb://<ip-address> in the bar.</p>", 0),
        ('<policy user="root">', 0),
        ("<div><my-widget>text</div>", 0),
        ("<ip-address>", 0),
        # `</p>` closes the p and what was left open inside it, like `</div>` does
        ("<p>type <span>here</p>", 0),
        ("<div>type <span>here</div>", 0),
        ("<p><b><i>deep</p>", 0),
        ("<div><p>a <span>b</p>", 1),  # the div is still open
        # start tags close nothing: a nested p stays inside the one before, as pretty-printers read it
        ("<p>one <span>a<p>two</p>", 1),
        ("<ul><li><span>a<li>b</ul>", 0),
        # void and self-closed tags never open
        ("<div><br><img src=x><hr><input>", 1),
        ("<span/><div/>", 0),
        # a truly unclosed element with a required end tag stays open
        ("<div>", 1),
        ("<div><section><p>text", 2),
        ("<p>only an unclosed p", 0),
        ("<p>x <span>y", 1),
    ],
)
def test_open_depth(html: str, depth: int) -> None:
    assert open_depth(html) == depth


@pytest.mark.parametrize(
    ("html", "before", "after"),
    [
        ("</div>", 1, 0),
        ("</p>", 1, 1),  # no p was open: an unknown element left open before stays open
        ("<span>x</div>", 1, 0),  # the end tag closes the span opened inside the unknown element too
        ("</ip-address>", 1, 1),
    ],
)
def test_open_depth_continues_a_count(html: str, before: int, after: int) -> None:
    assert open_depth(html, before) == after


def test_open_elements_carries_the_names() -> None:
    stack = OpenElements().feed("<div><p>one <ip-address>")
    assert stack.names == ["div", "p"]
    assert stack.required == 1
    assert stack.feed("</p>").names == ["div"]
    assert not stack.feed("two</div>")
    assert stack.required == 0


def test_p_with_unknown_name_ends_at_its_blank_line() -> None:
    source = "<p>type smb://<ip-address> here</p>\n\n> <p>quoted</p>\n"
    spans = find_html(source)
    assert [span.html for span in spans] == ["<p>type smb://<ip-address> here</p>", "<p>quoted</p>"]
    assert spans[1].prefix == "> "


def test_markdown_quote_after_p_with_unknown_name_stays_a_quote() -> None:
    source = "<p>type smb://<ip-address> here</p>\n\n> <p>quoted</p>\n"
    out = clean_text(source).text
    assert _blockquote_texts(out) == ["quoted"]
    assert "\\>" not in out
    assert "type smb://" in out
    assert clean_text(out).text == out


def test_quote_after_p_with_unclosed_span_stays_a_quote() -> None:
    source = "<p>type <span>here</p>\n\n> A quote.\n"
    out = clean_text(source).text
    assert _blockquote_texts(out) == ["A quote."]
    assert "type here" in out


def test_unknown_element_in_quote_keeps_the_text_after_it() -> None:
    source = '> <policy a="x">\n\n> </policy>\n>\n> <!- note ->\n'
    out = clean_text(source).text
    assert "<!- note ->" in _visible_text(out)
    assert _blockquote_texts(out)[-1] == "<!- note ->"
    assert clean_text(out).text == out


def test_unknown_element_in_list_item_does_not_swallow_the_quote() -> None:
    source = '<ul>\n<li>run <policy user="root"> here\n</ul>\n\n> quoted\n'
    out = clean_text(source).text
    assert _blockquote_texts(out) == ["quoted"]


@pytest.mark.parametrize(
    "source",
    [
        "<div>\n<p>one</p>\n\n    <p>two</p>\n</div>\n\n> quote\n",
        "<div>\n<p>a <span>b</p>\n\n    <p>c</p>\n</div>\n\n> quote\n",
        "<div>\n<p>one\n\n</p>\n\n    two\n</div>\n\n> quote\n",
    ],
)
def test_unclosed_div_still_runs_over_blank_lines(source: str) -> None:
    spans = find_html(source)
    assert len(spans) == 1
    assert spans[0].html.startswith("<div>") and spans[0].html.endswith("</div>")
    out = clean_text(source).text
    assert "    " not in out  # the indented lines are HTML, not a code block
    assert _blockquote_texts(out) == ["quote"]


def test_unclosed_p_does_not_swallow_markdown_after_it() -> None:
    source = "<p>An unclosed paragraph\n\nA Markdown paragraph after it.\n\n> A quote.\n"
    assert [span.html for span in find_html(source)] == ["<p>An unclosed paragraph"]
    out = clean_text(source).text
    assert _blockquote_texts(out) == ["A quote."]


def test_code_block_after_closed_html_stays_code() -> None:
    source = "<p>Intro text</p>\n\n    <div>shown as code</div>\n"
    assert [span.html for span in find_html(source)] == ["<p>Intro text</p>"]
    assert clean_text(source).text == "Intro text\n\n    <div>shown as code</div>\n"


# A WordPress export pretty-printed by nesting: the second <p> sits inside the first (never closed),
# so the share bar after the blank line is indented 4 spaces. It is that p's HTML, not code.
PRETTY_NESTED_P = """\
<p style="text-align: left;">
  <p style="text-align: left;">
    Copy the files.
  </p>
  
  <p style="text-align: left;">
    <p>
      Done.
    </p>
    
    <div class="sharedaddy sd-sharing-enabled">
      <h3 class="sd-title">
        Share this:
      </h3>
    </div>
"""


def test_indented_html_inside_an_unclosed_p_is_html_not_code() -> None:
    spans = find_html(PRETTY_NESTED_P)
    assert spans[-1].html.rstrip().endswith("</div>")
    out = clean_text(PRETTY_NESTED_P).text
    assert "sharedaddy" not in out and "Share this" not in out
    assert "Copy the files." in out and "Done." in out
    assert not any(token.type == "code_block" for token in _MD.parse(out))


# A broken WordPress export: after a closed list, each paragraph's pretty-printed HTML is indented
# deeper than the one before, and a stray </ul> ends it. CommonMark reads the indented part as one
# code block; it is the export's markup, and the span takes it without the code block's indentation.
CREEPING_INDENT = """\
<ol>
  <li>Read the description first.</li>
</ol>

    <p>
      Comment on the design.
    </p>

        <p>
          Approve when it is better.
        </p>
</ul>

Thanks for reading.
"""


def test_pretty_printed_markup_after_an_html_block_is_html() -> None:
    spans = find_html(CREEPING_INDENT)
    assert [span.html for span in spans] == [
        "<ol>\n  <li>Read the description first.</li>\n</ol>\n\n"
        "<p>\n  Comment on the design.\n</p>\n\n"
        "    <p>\n      Approve when it is better.\n    </p>",
        "</ul>",
    ]
    assert CREEPING_INDENT[spans[0].start : spans[0].end].endswith("        </p>")
    out = clean_text(CREEPING_INDENT).text
    assert out.split("\n\n") == [
        "1. Read the description first.",
        "Comment on the design.",
        "Approve when it is better.",
        "Thanks for reading.\n",
    ]
    assert clean_text(out).text == out


def test_pretty_printed_markup_in_a_quote_after_an_html_block_is_html() -> None:
    source = "> <p>one</p>\n>\n>     <div>\n>       two\n>     </div>\n\nAfter.\n"
    spans = find_html(source)
    assert [(span.html, span.prefix) for span in spans] == [("<p>one</p>\n\n<div>\n  two\n</div>", "> ")]
    assert clean_text(source).text == "> one\n>\n> two\n\nAfter.\n"


def test_end_tags_of_elements_open_before_the_code_block_are_allowed() -> None:
    source = "<div>\n<p>one</p>\n</div>\n\n    <p>\n      two\n    </p>\n    </div>\n    </ul>\n"
    assert [span.html for span in find_html(source)] == ["<div>\n<p>one</p>\n</div>\n\n<p>\n  two\n</p>\n</div>\n</ul>"]
    assert clean_text(source).text == "one\n\ntwo\n"


def test_one_tag_per_line_after_markdown_prose_stays_code() -> None:
    source = "Write the list like this:\n\n    <ul>\n      <li>\n        one\n      </li>\n    </ul>\n"
    assert find_html(source) == []
    assert clean_text(source).text == source


@pytest.mark.parametrize(
    "code",
    [
        # a tag and text on one line: a sample written by hand, not a pretty-printer's output
        "    <div>shown as code\n    </div>\n",
        "    <p>\n      one\n    </p>\n    <p>two</p>\n",
        # a line that is no tag and no text indented under its start tag
        "    <div>\n    same depth as its tag\n    </div>\n",
        "    <div>\n      one\n    </div>\n    text after the markup\n",
        # it does not start with a start tag, or leaves an element open
        "    </div>\n    <p>\n      one\n    </p>\n",
        "    <img src='a.png'>\n",
        "    <div>\n      <p>\n        one\n      </p>\n",
        "    <device>\n      one\n    </device>\n",
    ],
)
def test_code_after_html_that_is_not_pretty_printed_markup_stays_code(code: str) -> None:
    source = "<p>Intro text</p>\n\n" + code
    assert [span.html for span in find_html(source)] == ["<p>Intro text</p>"]
    assert clean_text(source).text == "Intro text\n\n" + code


# --- the tag pattern: runs between quoted values read the same tags as one alternation per character ---

_TAG_BY_CHARACTER = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
TAG_TEXT = st.text(alphabet=st.sampled_from(["<", ">", "/", '"', "'", "a", "p", "=", " ", "\n", "-", ":", "1"]))


@given(TAG_TEXT)
def test_tag_pattern_finds_what_the_per_character_pattern_finds(text: str) -> None:
    assert segments._TAG.findall(text) == _TAG_BY_CHARACTER.findall(text)
    assert bool(segments._TAG.fullmatch(text)) is bool(_TAG_BY_CHARACTER.fullmatch(text))


@pytest.mark.parametrize(
    ("html", "tags"),
    [
        ('<a href="x>y" title=\'a"b\'>t</a>', [("", "a", ' href="x>y" title=\'a"b\''), ("/", "a", "")]),
        ('<p class="unclosed>text', []),
        ("<img src=x/><br/>", [("", "img", " src=x/"), ("", "br", "/")]),
    ],
)
def test_tag_pattern_reads_quoted_values_whole(html: str, tags: list[tuple[str, str, str]]) -> None:
    assert segments._TAG.findall(html) == tags
