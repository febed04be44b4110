"""A share bar (buttons to share the post) left in the body.

Buttons and links that share the page on social networks (Jetpack's ``sharedaddy``, AddToAny,
Shareaholic, Ghost's ``gh-share``) were part of the page the post was scraped from, not of the
article; their links point at share endpoints that no longer work.

An element the rule packs list under ``! kind: share-bar`` is reported where ``postkit clean``
would remove it; one element is one problem, however many of its wrappers match.

Failing example::

    ---
    title: Flood warning
    ---
    <p>The river rose overnight.</p>
    <div class="sharedaddy"><a href="https://example.com/?share=twitter">Share on Twitter</a></div>

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

CODE = "PK210"
NAME = "share-bar"
SUMMARY = "a share bar (buttons to share the post) left in the body"
SEVERITY = Severity.ERROR
KIND = "share-bar"
NOUN = "share bar"


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    yield from kind_findings(context.body(post), KIND, NOUN)
