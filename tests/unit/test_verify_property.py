"""Property: for HTML that holds no cruft, verify never reports lost text (no false alarms)."""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from postkit import clean_text
from postkit.pipeline.verify import _SPACED_WORD, _tokens, lost_text

WORDS = st.sampled_from(
    [
        "word",
        "Markdown",
        "2021",
        "中文",
        "不要",
        "“引号”",
        "x_y",
        "a*b",
        "[1]",
        "<tag>",
        "&amp;",
        "C#",
        "—",
        "1.",
        "# not",
        "- item",
        "café",
        "end.",
        "<br>",
        "(",
        ")",
    ]
)
TEXT = st.lists(WORDS, min_size=1, max_size=6).map(" ".join)


INLINE_TAGS = st.sampled_from(["b", "i", "em", "strong", "span", "code", "u", "sup"])
CONTAINER_TAGS = st.sampled_from(["div", "blockquote", "section"])
TEXT_BLOCK_TAGS = st.sampled_from(["p", "h2", "h3"])  # phrasing content only

# Valid nesting: inline elements, paragraphs and headings hold text and inline elements only
# (phrasing content), other blocks hold anything. Invalid nesting (<code><figure>) is hostile input,
# covered by tests/security.
INLINE = st.recursive(
    TEXT,
    lambda inner: st.one_of(
        st.builds(lambda t, c: f"<{t}>{c}</{t}>", INLINE_TAGS, inner),
        st.builds(lambda c: f'<a href="https://example.org/p?q=1">{c}</a>', inner),
        st.lists(inner, min_size=2, max_size=3).map("".join),
    ),
    max_leaves=6,
)


def block(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(lambda t, c: f"<{t}>{c}</{t}>", CONTAINER_TAGS, children),
        st.builds(lambda t, c: f"<{t}>{c}</{t}>", TEXT_BLOCK_TAGS, INLINE),
        st.builds(lambda c: f"<ul><li>{c}</li><li>{c}</li></ul>", children),
        st.builds(
            lambda a, b: f"<table><tr><th>{a}</th><th>{b}</th></tr><tr><td>{b}</td><td>{a}</td></tr></table>",
            TEXT,
            TEXT,
        ),
        st.builds(
            lambda c: f'<figure><img src="https://example.org/a.jpg" alt="a"><figcaption>{c}</figcaption></figure>',
            INLINE,
        ),
    )


HTML = st.recursive(
    INLINE, lambda inner: st.lists(st.one_of(INLINE, block(inner)), min_size=1, max_size=3).map("".join), max_leaves=12
)


@example(["word", "word<b>word [1]</b>word"])
@example(['x<b>see <a href="https://example.org/p?q=1">l</a></b>word'])
@example(["x<b>(see)</b>word"])
@given(st.lists(HTML, min_size=1, max_size=3))
def test_verify_reports_no_loss_for_html_without_cruft(blocks: list[str]) -> None:
    post = "---\ntitle: t\n---\n" + "\n\n".join(f"<div>{block}</div>" for block in blocks) + "\n"
    result = clean_text(post)
    assert result.lost == (), result.text
    assert result.removals == () or all(r.kind == "inert" for r in result.removals)


# --- lost_text's white space: str.split is the regex \s+ it replaced ------------------------------

SPACED = st.text(
    alphabet=st.sampled_from(["a", "中", ".", " ", "\t", "\n", "\xa0", "\u3000", "\x1c", "\u2028", "\x85"])
)


@given(SPACED, SPACED)
def test_white_space_is_read_as_the_regex_reads_it(expected: str, shown: str) -> None:
    spaces = re.compile(r"\s+")
    same_by_regex = spaces.sub(" ", expected).strip() == spaces.sub(" ", shown).strip()
    assert (expected.split() == shown.split()) is same_by_regex
    assert _tokens(expected) == _SPACED_WORD.findall(" " + spaces.sub(" ", expected).strip())


def test_lost_text_ignores_white_space_alone_and_counts_a_glued_word() -> None:
    assert lost_text("Patrick:\u3000I think\n\n", " Patrick: I\xa0think") == []
    assert [lost.text for lost in lost_text("Patrick: I think", "Patrick:I think")] == ["I"]
    assert lost_text("kept \ue0003\ue001 text", "kept text") == []
