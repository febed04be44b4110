"""An ad slot left in the body.

An element the rule packs name as an ad slot (``! kind: ad-slot``: AdSense ``ins.adsbygoogle``,
DFP ``div-gpt-ad-*`` and ``dfp-ad-*`` slots, Zaobao's ``section#imu``, CNA's ``adslot_*``) is
part of the page the post was scraped from, not of the article. Site rules apply when the
post's source URL is on that site. One slot is one problem, however many of its wrappers match;
a generic rule that would take most of the post's text is taken to match the article and is
not reported, as ``postkit clean`` does not remove it either.

Failing example::

    ---
    title: Flood warning
    ---
    <p>The river rose overnight.</p><div class="adsbygoogle"></div>

Passing example::

    ---
    title: Flood warning
    ---
    The river rose overnight.
"""

from __future__ import annotations

from collections.abc import Iterator

from postkit.checks.base import Finding
from postkit.checks.content import describe
from postkit.checks.context import CheckContext
from postkit.post import SourcePost
from postkit.problems import Severity

CODE = "PK201"
NAME = "ad-slot"
SUMMARY = "an ad slot left in the body"
SEVERITY = Severity.ERROR


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    for part in context.body(post).parts:
        for cruft in part.cruft:
            if cruft.kind == "ad-slot":
                yield Finding.at(
                    part.position(cruft.element),
                    f"ad slot {describe(cruft.element)} (rule {cruft.rule})",
                    "delete the element; `postkit clean` removes it",
                )
