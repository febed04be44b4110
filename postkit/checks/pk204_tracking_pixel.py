"""A tracking pixel left in the body.

An image that only counts readers: one whose URL the pixel pack names (``pixels.txt``:
FeedBurner ``/~r/``, WordPress stats, Google Analytics, Quantcast, Scorecard) or one drawn at
1 by 1 (or 0 by 0) pixels. Readers never see it; loading it reports them to a third party.
Markdown images are checked against the same patterns.

Failing example::

    ---
    title: Flood warning
    ---
    The river rose overnight.<img src="https://feeds.feedburner.com/~r/example/~4/abc" height="1" width="1"/>

Passing example::

    ---
    title: Flood warning
    ---
    The river rose overnight.
"""

from __future__ import annotations

from collections.abc import Iterator

from postkit.checks.base import Finding
from postkit.checks.content import shown_url
from postkit.checks.context import CheckContext
from postkit.post import SourcePost
from postkit.problems import Severity

CODE = "PK204"
NAME = "tracking-pixel"
SUMMARY = "a tracking pixel (a 1x1 or known counter image) left in the body"
SEVERITY = Severity.WARNING

_HINT = "delete the image; `postkit clean` removes it"


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    body = context.body(post)
    for part in body.parts:
        for cruft in part.cruft:
            if cruft.kind != "tracking-pixel":
                continue
            src = str(cruft.element.get("src") or "")
            what = f"tracking pixel {shown_url(src)}" if src else "tracking pixel <img> without src"
            yield Finding.at(part.position(cruft.element), f"{what} (rule {cruft.rule})", _HINT)
    for start, end in body.markdown_urls_where(lambda url: context.rules.pixels.match(url) is not None):
        url = body.text[start:end]
        rule = context.rules.pixels.match(url)
        if rule is not None and body.is_markdown_image(start):
            yield Finding.at(
                body.position(start),
                f"tracking pixel {shown_url(url)} (rule {rule.origin}: {rule.pattern})",
                "delete the image",
            )
