"""A reprint or donation notice of the source site left in the body.

Site rules name paragraphs the source site adds under every article (a copyright or reprint
notice, a donation appeal); they are about the site, not the article. They apply only when the
post's source URL is on that site.

An element the rule packs list under ``! kind: notice`` is reported where ``postkit clean``
would remove it; one element is one problem, however many of its wrappers match.

Failing example (the post's source URL is on dw.com)::

    ---
    title: Flood warning
    from: https://www.dw.com/zh/a-1
    ---
    <p>The river rose overnight.</p>
    <p>德国之声版权声明 本文所有内容受到著作权法保护</p>

Passing example::

    ---
    title: Flood warning
    from: https://www.dw.com/zh/a-1
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

CODE = "PK216"
NAME = "notice"
SUMMARY = "a reprint or donation notice of the source site left in the body"
SEVERITY = Severity.WARNING
KIND = "notice"
NOUN = "notice"


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    yield from kind_findings(context.body(post), KIND, NOUN)
