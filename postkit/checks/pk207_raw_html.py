"""Raw HTML left in the body.

Markdown allows HTML, but HTML scraped with a post is page markup: wrappers, inline styles,
classes of a site that no longer exists. Feeds, Markdown renderers and the next theme show it
differently or not at all, and it hides the cruft the other content rules report. One problem
per post, at the first HTML, with the number of HTML spans; ``postkit clean`` converts them all
to Markdown. HTML comments are left to PK209, and HTML inside code is text, not HTML.

Failing example::

    ---
    title: Flood warning
    ---
    <p style="text-align: center;">The river rose <b>overnight</b>.</p>

Passing example::

    ---
    title: Flood warning
    ---
    The river rose **overnight**.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from postkit.checks.base import Finding
from postkit.checks.context import CheckContext
from postkit.post import SourcePost
from postkit.problems import Severity

CODE = "PK207"
NAME = "raw-html"
SUMMARY = "raw HTML left in the body"
SEVERITY = Severity.WARNING

_FIRST_TAG = re.compile(r"<([A-Za-z][A-Za-z0-9:-]*)")


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    parts = context.body(post).parts
    if not parts:
        return
    first = parts[0]
    tag = _FIRST_TAG.search(first.span.html)
    offset = tag.start() if tag else 0
    shown = f"<{tag.group(1).lower()}>" if tag else "HTML"
    more = len(parts) - 1
    where = f"{shown} here" + (f" and {more} more HTML span{'s' if more > 1 else ''}" if more else "")
    yield Finding.at(
        first.offset_position(offset),
        f"raw HTML left in the body: {where}",
        "convert it to Markdown; `postkit clean` does",
    )
