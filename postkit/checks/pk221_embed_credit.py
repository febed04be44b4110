"""An embed's "made with" credit link left in the body.

Embedded charts and maps add a credit link to the service that made them ("Made with
Infogram"); the chart itself is content and stays, the credit is the service's advertising.

An element the rule packs list under ``! kind: credit`` is reported where ``postkit clean``
would remove it; one element is one problem, however many of its wrappers match.

Failing example::

    ---
    title: Flood warning
    ---
    <p>The river rose overnight.</p>
    <a href="https://infogram.com/">Made with Infogram</a>

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

CODE = "PK221"
NAME = "embed-credit"
SUMMARY = 'an embed\'s "made with" credit link left in the body'
SEVERITY = Severity.WARNING
KIND = "credit"
NOUN = "embed credit"


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    yield from kind_findings(context.body(post), KIND, NOUN)
