"""Parsing an HTML fragment into the one tree the stages share, and reading its visible text."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

# Elements whose content is never shown as text.
INVISIBLE = frozenset({"script", "style", "noscript", "template", "head", "title"})
_TOKEN = re.compile(r"[^\W_]+|[^\w\s]|_", re.UNICODE)


def parse_fragment(html: str) -> BeautifulSoup:
    """Parse a fragment with lxml (libxml2), the fastest parser bs4 offers, error-tolerant like a browser."""
    return BeautifulSoup(html, "lxml")


def visible_text(root: Tag) -> str:
    """The text a reader sees: text nodes outside invisible elements and comments, space separated."""
    parts: list[str] = []
    for node in root.descendants:
        if isinstance(node, NavigableString) and not isinstance(node, Comment) and type(node) is NavigableString:
            parent = node.parent
            if parent is not None and parent.name in INVISIBLE:
                continue
            if any(p.name in INVISIBLE for p in node.parents if p is not None):
                continue
            parts.append(str(node))
    return " ".join(parts)


def text_tokens(text: str) -> list[str]:
    """Words of letters and digits, and single punctuation marks; whitespace never counts.

    CJK runs have no spaces, so a run is split into characters to keep a lost phrase findable.
    """
    tokens: list[str] = []
    for token in _TOKEN.findall(text):
        if len(token) > 1 and not token.isascii():
            tokens.extend(token)
        else:
            tokens.append(token)
    return tokens
