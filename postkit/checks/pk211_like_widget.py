"""A like widget left in the body.

Jetpack's "Like this" box and similar widgets show a count and a button that only worked on
the live site; archived, they are a line of dead text such as "Like Loading...".

An element the rule packs list under ``! kind: like-widget`` is reported where ``postkit clean``
would remove it; one element is one problem, however many of its wrappers match.

Failing example::

    ---
    title: Flood warning
    ---
    <p>The river rose overnight.</p>
    <div class="sd-like jetpack-likes-widget-wrapper">Like this: Loading...</div>

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

CODE = "PK211"
NAME = "like-widget"
SUMMARY = "a like widget left in the body"
SEVERITY = Severity.ERROR
KIND = "like-widget"
NOUN = "like widget"


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    yield from kind_findings(context.body(post), KIND, NOUN)
