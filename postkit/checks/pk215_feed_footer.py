"""A feed footer (FeedBurner flare and feed links) left in the body.

Posts saved from a feed reader carry the feed's footer: FeedBurner "flare" links, "subscribe
to this feed" lines and tracking links of the feed service, which has since shut down.

An element the rule packs list under ``! kind: feed-footer`` is reported where ``postkit clean``
would remove it; one element is one problem, however many of its wrappers match.

Failing example::

    ---
    title: Flood warning
    ---
    <p>The river rose overnight.</p>
    <div class="feedflare"><a href="http://feeds.feedburner.com/~ff/blog?a=1">Email this</a></div>

Passing example::

    ---
    title: Flood warning
    ---
    The river rose overnight.
"""

from __future__ import annotations

from collections.abc import Iterator

from postkit.checks.base import Finding
from postkit.checks.content import kind_findings
from postkit.checks.context import CheckContext
from postkit.post import SourcePost
from postkit.problems import Severity

CODE = "PK215"
NAME = "feed-footer"
SUMMARY = "a feed footer (FeedBurner flare and feed links) left in the body"
SEVERITY = Severity.ERROR
KIND = "feed-footer"
NOUN = "feed footer"


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    yield from kind_findings(context.body(post), KIND, NOUN)
