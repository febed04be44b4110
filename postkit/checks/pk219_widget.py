"""A widget of the source site (a zoom icon, a button) left in the body.

Site rules name small interface pieces the site drew into the article (the zoom icon over
images on rfa.org); they do nothing outside the live page. Site rules apply only when the
post's source URL is on that site.

An element the rule packs list under ``! kind: widget`` is reported where ``postkit clean``
would remove it; one element is one problem, however many of its wrappers match.

Failing example (the post's source URL is on rfa.org)::

    ---
    title: Flood warning
    from: https://www.rfa.org/mandarin/1.html
    ---
    <p>The river rose overnight.</p>
    <div id="zoomattribute"><img src="https://www.rfa.org/zoom.png" alt="zoom"></div>

Passing example::

    ---
    title: Flood warning
    from: https://www.rfa.org/mandarin/1.html
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

CODE = "PK219"
NAME = "widget"
SUMMARY = "a widget of the source site (a zoom icon, a button) left in the body"
SEVERITY = Severity.WARNING
KIND = "widget"
NOUN = "widget"


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    yield from kind_findings(context.body(post), KIND, NOUN)
