"""An inline span that holds blocks, at the end of a one-line paragraph, is written as blocks."""

from __future__ import annotations

from postkit import clean_text

QUOTE = "<div><blockquote>Quoted words</blockquote></div>"


def body(markdown: str) -> str:
    return clean_text("---\ntitle: t\n---\n" + markdown).text.split("---\n", 2)[2]


def test_the_blocks_stand_below_the_line_text() -> None:
    assert body(f"<a href='https://e.com/'>Link</a>{QUOTE}\n") == "[Link](https://e.com/)\n\n> Quoted words\n"


def test_words_are_not_glued_to_the_link_before() -> None:
    cleaned = body("<a href='https://e.com/'>Title</a><div><p>First sentence.</p></div>\n")
    assert cleaned == "[Title](https://e.com/)\n\nFirst sentence.\n"


def test_inside_a_container_or_a_longer_paragraph_the_span_stays_inline() -> None:
    quoted = body(f"> <a href='https://e.com/'>Link</a>{QUOTE}\n")
    assert "\n\n>" not in quoted.strip()  # not torn out of its blockquote
    two_lines = body(f"A line before\n<a href='https://e.com/'>Link</a>{QUOTE}\n")
    assert two_lines.startswith("A line before\n[Link](https://e.com/)")
    text_after = body(f"<a href='https://e.com/'>Link</a>{QUOTE} and more\n")
    assert "\n\n" not in text_after.strip()
