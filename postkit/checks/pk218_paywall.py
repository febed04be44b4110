"""A paywall or login barrier left in the body.

Site rules name the barrier a site drew over the article for readers without a subscription;
it tells the archive's reader to log in to a site that is not there. Site rules apply only when
the post's source URL is on that site.

An element the rule packs list under ``! kind: paywall`` is reported where ``postkit clean``
would remove it; one element is one problem, however many of its wrappers match.

Failing example (the post's source URL is on nei.st)::

    ---
    title: Flood warning
    from: https://nei.st/articles/1
    ---
    <p>The river rose overnight.</p>
    <div class="BarrierFailsafe__fullBarrier___2bFWd">Subscribe to keep reading</div>

Passing example::

    ---
    title: Flood warning
    from: https://nei.st/articles/1
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

CODE = "PK218"
NAME = "paywall"
SUMMARY = "a paywall or login barrier left in the body"
SEVERITY = Severity.ERROR
KIND = "paywall"
NOUN = "paywall"


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    yield from kind_findings(context.body(post), KIND, NOUN)
