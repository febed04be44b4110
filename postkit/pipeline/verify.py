"""Verify stage: the words a reader sees in the output are the input's, minus what strip removed.

``markdown_visible_text`` reads a Markdown text the way a CommonMark renderer shows it; the
benchmarks and tests use it to hold the renderer's own account of its text to the truth.
"""

from __future__ import annotations

import html
import re
from collections.abc import Hashable, Sequence
from difflib import SequenceMatcher

from markdown_it import MarkdownIt

from postkit.markdown_parser import with_line_table
from postkit.pipeline.report import LostText, excerpt
from postkit.segments import ANY_PLACEHOLDER_RE

_RENDERER = with_line_table(MarkdownIt("commonmark").enable("table").enable("strikethrough"))


_TAGS = re.compile(r"<[^>]*>")


def markdown_visible_text(markdown: str) -> str:
    """The text a reader sees when the Markdown is rendered, read from markdown-it's tokens.

    Escapes and entities are already resolved in the tokens; image alt text is not shown
    text (in the source HTML it was an attribute) and is left out, as rendering would.
    """
    parts: list[str] = []
    for token in _RENDERER.parse(markdown):
        if token.type == "inline" and token.children:
            for child in token.children:
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append("\n")
                elif child.type == "html_inline":
                    parts.append(_TAGS.sub("", child.content))
        elif token.type in ("fence", "code_block"):
            parts.append(token.content)
        elif token.type == "html_block":
            parts.append(html.unescape(_TAGS.sub("", token.content)))
        elif token.nesting != 0:
            parts.append("\n")
    return "".join(parts)


def lost_text(expected: str, shown: str, line: int = 1) -> list[LostText]:
    """Runs of the expected text that the output does not show, in order.

    ``shown`` is the text the renderer wrote as it wrote it (no second parse of the Markdown);
    the tests hold the renderer to it with kramdown, goldmark, cmark-gfm and markdown-it. Both
    texts are cut into Latin words and single other characters (CJK text has no spaces), so
    whitespace the converter drops between CJK characters or adds at block edges never counts;
    a word glued to the next one (a space lost next to punctuation) does count.
    """
    # kept Markdown between tags stands in both as a placeholder: not text of the fragment
    if "\ue001" in expected:
        expected = ANY_PLACEHOLDER_RE.sub("", expected)
    if "\ue001" in shown:
        shown = ANY_PLACEHOLDER_RE.sub("", shown)
    want_words, have_words = expected.split(), shown.split()
    if want_words == have_words:
        return []  # the same text to the space: the token streams are equal too
    if _in_order(want_words, have_words):
        # every word shown whole, in order (an embed's link added, say): each word's tokens and
        # the spaces before them are shown too, so the token streams are in order
        return []
    want = _tokens(expected)
    have = _tokens(shown)
    if want == have or _in_order(want, have):
        # Nothing missing or out of order (the output may add text, such as an embed's link).
        return []
    want_spans = [m.span() for m in _WORD.finditer(expected)]
    lost: list[LostText] = []
    matcher = SequenceMatcher(None, want, have, autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag in ("delete", "replace"):
            start, end = want_spans[i1][0], want_spans[i2 - 1][1]
            lost.append(LostText(line=line, text=excerpt(expected[start:end], 120)))
    return lost


def _tokens(text: str) -> list[tuple[str, str]]:
    """Words and single characters, each with the space before it (" " or ""): `if (x)` and
    `if(x)` differ, and so do `**Patrick**: I` and `**Patrick**:I`."""
    return _SPACED_WORD.findall(" " + " ".join(text.split()))  # str.split's white space is re's \s


_SPACED_WORD = re.compile(r"( ?)([A-Za-z0-9]+|\S)")


def _in_order(want: Sequence[Hashable], have: Sequence[Hashable]) -> bool:
    """Whether every expected word (or token) is shown, in the expected order (extra ones allowed)."""
    shown = iter(have)
    return all(word in shown for word in want)


_WORD = re.compile(r"[A-Za-z0-9]+|\S")
