"""Front matter that is opened but never closed.

A post whose first line is ``---`` (or ``+++``) with no closing line is not a post to Jekyll or
Hugo: the whole file becomes its front matter or a static page. postkit cannot split it, so no
other front-matter rule runs on it.

Failing example::

    ---
    title: Where does it end?
    The body starts here, but nothing closed the front matter.

Passing example::

    ---
    title: Where does it end?
    ---
    The body starts here.
"""

from __future__ import annotations

from collections.abc import Iterator

from postkit.checks.base import Finding
from postkit.checks.context import CheckContext
from postkit.post import SourcePost
from postkit.problems import Severity

CODE = "PK102"
NAME = "front-matter-unclosed"
SUMMARY = "front matter opened with '---' or '+++' that never closes"
SEVERITY = Severity.ERROR


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    fence = context.front_matter(post).unclosed_fence
    if fence:
        yield Finding(
            1,
            1,
            f"front matter opened with '{fence}' on line 1 never closes",
            f"add a closing '{fence}' line after the last front-matter line",
        )
