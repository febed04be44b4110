"""Post navigation or screen-reader text left in the body.

"Previous post / next post" links, pagers and text meant only for screen readers on the
site's own pages (``screen-reader-text``, Drupal's ``element-invisible``) say nothing about the
article once it is archived.

An element the rule packs list under ``! kind: navigation`` is reported where ``postkit clean``
would remove it; one element is one problem, however many of its wrappers match.

Failing example::

    ---
    title: Flood warning
    ---
    <p>The river rose overnight.</p>
    <nav class="navigation post-navigation"><a href="/prev">Previous post</a></nav>

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

CODE = "PK214"
NAME = "navigation"
SUMMARY = "post navigation or screen-reader text left in the body"
SEVERITY = Severity.WARNING
KIND = "navigation"
NOUN = "navigation"


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    yield from kind_findings(context.body(post), KIND, NOUN)
