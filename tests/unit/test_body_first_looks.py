"""The cheap first looks that spare a body its CommonMark parse say no only where the parse finds nothing."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

# pieces of the shapes that decide it: comments (one-line, open, `<!-->`), autolinks, tags,
# containers, code, escapes
_PIECES = [
    *("<!--", "-->", "<!--more-->", "<!--ad-->", "<!-- 1601 -->", "<!-->", "<!--->", "--"),
    *("<?", "<![CDATA[", "]]>", "<!X"),
    *("<b>", "</b>", "<div>", "</div>", "<p>", "<script>", "</script>", "<img:x>", "<https://e.com>", "<"),
    *("`", "```\n", "\\", " ", "\t", "\n", "\n\n", "    ", "> ", ">", "- ", "1. ", "-", "a", "text"),
]


@given(st.lists(st.sampled_from(_PIECES), max_size=12).map("".join))
def test_a_body_may_hold_html_whenever_spans_are_found(source: str) -> None:
    from postkit.segments import find_html, may_hold_html

    assert may_hold_html(source) or find_html(source) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("See <https://example.com/a> and <mailto:x@y.z>.", False),  # autolinks only
        ("A < B and 3 <4", False),
        ("See <img:x> here", True),  # an autolink a browser reads as an <img>
        ("<!-- more -->", False),  # find_html leaves comments alone
        ("text <b>bold</b>", True),
        ("\\<div> escaped, then <https://e.com>", True),  # asked of find_html (it says no)
        ("Intro <!--more--> text\n\n<!-- 1601 -->\n", False),
        ("Intro\n\n<!--more--><!--ad-->\n\n# Title\n", False),  # two comments on one line
        ("Intro\n\n<!--more--><!--ad--><b>x</b>\n", True),
        ("<!-- a --><b>x</b>", True),
        ("`<!--` <b>x</b> `-->`", True),  # no comment: code spans, and a tag between them
    ],
)
def test_may_hold_html(source: str, expected: bool) -> None:
    from postkit.segments import may_hold_html

    assert may_hold_html(source) is expected


def test_markdown_urls_where_filters_the_confirmed_destinations() -> None:
    from postkit.body import Body
    from postkit.rules import load_rulebook

    text = "[a](https://x.com/?utm_source=y) `[b](https://code.com/?utm_source=z)` [c][1](for x)\n\n[1]: /rel\n"
    body = Body.read(text, 1, load_rulebook(), None)
    wanted = [text[s:e] for s, e in body.markdown_urls_where(lambda url: "utm_" in url)]
    assert wanted == ["https://x.com/?utm_source=y"]
    assert body.markdown_urls_where(lambda url: "nothing" in url) == []
    every = [text[s:e] for s, e in body.markdown_urls]
    assert [text[s:e] for s, e in body.markdown_urls_where(lambda url: True)] == every


# The reference: one alternation, as link_url_lookalikes was first written; it searches slower
_ONE_ALTERNATION = re.compile(
    r"(\]\(\s*<?)((?:[^\s()<>]|\([^\s()<>]*\))+)|^( {0,3}\[[^\]\n]+\]:[ \t]*<?)(\S+?)(?=>?(?:\s|$))", re.MULTILINE
)
_LINK_PIECES = ["](", "]:", "[a]", "[", "]", "(", ")", "<", ">", " ", "\n", "   ", "x", "http://e.com", "\t", ":"]


@given(st.lists(st.sampled_from(_LINK_PIECES), max_size=16).map("".join))
def test_link_url_lookalikes_are_what_one_alternation_finds(source: str) -> None:
    from postkit.segments import link_url_lookalikes

    expected = [m.span(2 if m.group(2) else 4) for m in _ONE_ALTERNATION.finditer(source)]
    assert link_url_lookalikes(source) == expected


def test_link_url_lookalikes_skip_what_a_definition_holds() -> None:
    from postkit.segments import link_url_lookalikes

    text = "[a]: http://x](y)\n\nSee [b](/p) and\n[c]: /d\n"
    assert [text[s:e] for s, e in link_url_lookalikes(text)] == ["http://x](y)", "/p", "/d"]
