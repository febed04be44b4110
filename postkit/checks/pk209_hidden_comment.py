"""An HTML comment that hides content.

A comment holding tags, or more than 12 words of text, hides part of the post: markup that
was commented out, a paragraph an editor meant to cut or keep, a conditional comment for old
browsers. Readers never see it and ``postkit clean`` drops it, so it is lost either way
without a decision. Short markers are not reported: Jekyll's excerpt mark ``<!--more-->``,
the archive's timestamp ``<!--1628592840000-->``, ``<!-- /.content -->``. Comments inside
code, scripts and styles are not comments in the post. Each CJK character counts as a word.

Failing example::

    ---
    title: Flood warning
    ---
    The river rose overnight.
    <!-- <p>The mayor said the dam would hold, and it did not.</p> -->

Passing example::

    ---
    title: Flood warning
    ---
    The river rose overnight.
    <!--more-->
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from postkit.checks.base import Finding
from postkit.checks.content import excerpt
from postkit.checks.context import CheckContext
from postkit.pipeline.repair import is_wide
from postkit.post import SourcePost
from postkit.problems import Severity

CODE = "PK209"
NAME = "hidden-comment"
SUMMARY = "an HTML comment that hides markup or text"
SEVERITY = Severity.WARNING

MAX_WORDS = 12
_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9:-]*)(?:\s[^>]*)?/?>")


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    body = context.body(post)
    for offset, inner in body.comments(hides_content):
        tags = list(dict.fromkeys(match.group(1).lower() for match in _TAG.finditer(inner)))
        if tags:
            shown = ", ".join(f"<{name}>" for name in tags[:3]) + (" ..." if len(tags) > 3 else "")
            message = f"an HTML comment hides markup ({shown}): {excerpt(f'<!--{inner}-->', 70)}"
        else:
            message = f"an HTML comment hides {count_words(inner)} words of text: {excerpt(f'<!--{inner}-->', 70)}"
        yield Finding.at(
            body.position(offset),
            message,
            "delete the comment, or take what it holds out of it if it belongs to the post",
        )


def hides_content(inner: str) -> bool:
    """A comment holding a tag or more than MAX_WORDS words; shorter ones are markers."""
    return _TAG.search(inner) is not None or count_words(inner) > MAX_WORDS


def count_words(text: str) -> int:
    """Words separated by spaces, each CJK (wide) letter counting as one; punctuation is no word."""
    count = 0
    for word in text.split():
        wide = sum(1 for character in word if is_wide(character) and character.isalnum())
        narrow = any(character.isalnum() and not is_wide(character) for character in word)
        count += wide + (1 if narrow else 0)
    return count
