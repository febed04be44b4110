"""Property: for HTML that holds no cruft, verify never reports lost text (no false alarms)."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from postkit import clean_text

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
