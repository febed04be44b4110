"""Verify stage: the words a reader sees in the output are the input's, minus what strip removed."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

import lxml.html
from markdown_it import MarkdownIt

from postkit.pipeline.report import LostText, excerpt

_RENDERER = MarkdownIt("commonmark").enable("table").enable("strikethrough")


def markdown_visible_text(markdown: str) -> str:
    """Render Markdown as a reader would see it and take its text."""
    html = _RENDERER.render(markdown)
    if not html.strip():
        return ""
    return str(lxml.html.fromstring(f"<div>{html}</div>").text_content())


def lost_text(expected: str, markdown: str, line: int = 1) -> list[LostText]:
    """Runs of the expected text that the Markdown does not show, in order.

    Both texts are cut into Latin words and single other characters (CJK text has no spaces),
    so whitespace the converter drops between CJK characters or adds at block edges never counts.
    """
    want, want_spans = _tokens(expected)
    have, _ = _tokens(markdown_visible_text(markdown))
    if want == have:
        return []
    lost: list[LostText] = []
    matcher = SequenceMatcher(None, want, have, autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag in ("delete", "replace"):
            start, end = want_spans[i1][0], want_spans[i2 - 1][1]
            lost.append(LostText(line=line, text=excerpt(expected[start:end], 120)))
    return lost


_WORD = re.compile(r"[A-Za-z0-9]+|\S")


def _tokens(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    tokens: list[str] = []
    spans: list[tuple[int, int]] = []
    for match in _WORD.finditer(text):
        tokens.append(match.group(0))
        spans.append(match.span())
    return tokens, spans
