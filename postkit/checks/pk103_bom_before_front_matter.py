"""A byte-order mark before the opening front-matter fence.

An invisible U+FEFF at the start of the file comes before ``---``. python-frontmatter, and the
tools built on it, then read no front matter at all, and some generators show the fence and
keys as text. The mark is reported at line 1, column 1.

Failing example (the file starts with U+FEFF)::

    \ufeff---
    title: Invisible trouble
    ---

Passing example::

    ---
    title: Invisible trouble
    ---
    Text of the post.
"""

from __future__ import annotations

from collections.abc import Iterator

from postkit.checks.base import Finding
from postkit.checks.context import CheckContext
from postkit.post import SourcePost
from postkit.problems import Severity

CODE = "PK103"
NAME = "bom-before-front-matter"
SUMMARY = "a byte-order mark (U+FEFF) before the opening '---'"
SEVERITY = Severity.ERROR


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    if post.bom and (post.format or context.front_matter(post).unclosed_fence):
        yield Finding(
            1,
            1,
            "a byte-order mark (U+FEFF) comes before the opening front-matter fence; "
            "python-frontmatter reads no front matter from such a file",
            "save the file as UTF-8 without a byte-order mark",
        )
