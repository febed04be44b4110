"""The source site's byline block left in the body.

Site rules name the block where the source site printed author and date above the article
(Drupal's ``submitted``); the front matter holds them already, so the body repeats them. They
apply only when the post's source URL is on that site.

An element the rule packs list under ``! kind: byline`` is reported where ``postkit clean``
would remove it; one element is one problem, however many of its wrappers match.

Failing example (the post's source URL is on pao-pao.net)::

    ---
    title: Flood warning
    from: https://www.pao-pao.net/article/1
    ---
    <p>The river rose overnight.</p>
    <div class="submitted">Submitted by editor on 2020-01-01</div>

Passing example::

    ---
    title: Flood warning
    from: https://www.pao-pao.net/article/1
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

CODE = "PK217"
NAME = "byline"
SUMMARY = "the source site's byline block left in the body"
SEVERITY = Severity.WARNING
KIND = "byline"
NOUN = "byline block"


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    yield from kind_findings(context.body(post), KIND, NOUN)
