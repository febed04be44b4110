"""A related-posts list left in the body.

Lists of other posts the site suggested (Jetpack's ``jp-relatedposts``, YARPP, Contextual
Related Posts, Ghost's "read next") were chosen by the site's software when the page was
served; they are not the author's text and link to posts the archive may not hold.

An element the rule packs list under ``! kind: related-posts`` is reported where ``postkit clean``
would remove it; one element is one problem, however many of its wrappers match.

Failing example::

    ---
    title: Flood warning
    ---
    <p>The river rose overnight.</p>
    <div id="jp-relatedposts" class="jp-relatedposts"><h3>Related</h3><a href="/other">Other story</a></div>

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

CODE = "PK212"
NAME = "related-posts"
SUMMARY = "a related-posts list left in the body"
SEVERITY = Severity.ERROR
KIND = "related-posts"
NOUN = "related-posts list"


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    yield from kind_findings(context.body(post), KIND, NOUN)
