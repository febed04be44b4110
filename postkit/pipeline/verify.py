"""Verify stage: the words a reader sees in the output are the input's, minus what strip removed."""

from __future__ import annotations

from difflib import SequenceMatcher

import lxml.html
from markdown_it import MarkdownIt

from postkit.pipeline.html import text_tokens
from postkit.pipeline.report import LostText, excerpt

_RENDERER = MarkdownIt("commonmark").enable("table").enable("strikethrough")


def markdown_visible_text(markdown: str) -> str:
    """Render Markdown as a reader would see it and take its text."""
    html = _RENDERER.render(markdown)
    if not html.strip():
        return ""
    return str(lxml.html.fromstring(f"<div>{html}</div>").text_content())


def lost_text(expected: str, markdown: str, line: int = 1) -> list[LostText]:
    """Runs of the expected text's words that the Markdown does not show, in order."""
    want = text_tokens(expected)
    have = text_tokens(markdown_visible_text(markdown))
    if want == have:
        return []
    lost: list[LostText] = []
    matcher = SequenceMatcher(None, want, have, autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag in ("delete", "replace"):
            missing = _join_tokens(want[i1:i2])
            if missing:
                lost.append(LostText(line=line, text=excerpt(missing, 120)))
    return lost


def _join_tokens(tokens: list[str]) -> str:
    out = ""
    for token in tokens:
        if out and token.isascii() and token.isalnum() and out[-1].isascii() and out[-1].isalnum():
            out += " "
        out += token
    return out
