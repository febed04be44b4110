"""The source site's page chrome (column headers, banners) left in the body.

Site rules name the parts of the page around the article (the column title block of
allnow.com); scraped with the article, they sit above its first paragraph. Site rules apply
only when the post's source URL is on that site.

An element the rule packs list under ``! kind: page-chrome`` is reported where ``postkit clean``
would remove it; one element is one problem, however many of its wrappers match.

Failing example (the post's source URL is on allnow.com)::

    ---
    title: Flood warning
    from: https://www.allnow.com/post/1
    ---
    <p>The river rose overnight.</p>
    <div class="column-wrap"><a href="/columns/world">World column</a></div>

Passing example::

    ---
    title: Flood warning
    from: https://www.allnow.com/post/1
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

CODE = "PK220"
NAME = "page-chrome"
SUMMARY = "the source site's page chrome (column headers, banners) left in the body"
SEVERITY = Severity.WARNING
KIND = "page-chrome"
NOUN = "page chrome"


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    yield from kind_findings(context.body(post), KIND, NOUN)
