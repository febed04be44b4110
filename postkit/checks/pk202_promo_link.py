"""A promotion or subscription offer left in the body.

Links the rule packs name as promotions (``links.txt``: subscription offers such as Zaobao's
``subscribe.sph.com.sg/promotions/`` banners, FeedBurner "flare" links) and elements they name
as promos or newsletter boxes (``! kind: promo``, ``! kind: newsletter``: RFI's
``o-self-promo``, Mailchimp sign-up forms) belong to the site, not to the article. Markdown
links to a promotion are found as well as HTML ones.

Failing example::

    ---
    title: Flood warning
    ---
    The river rose overnight. [Subscribe now](https://subscribe.sph.com.sg/promotions/zb/)

Passing example::

    ---
    title: Flood warning
    ---
    The river rose overnight. [Read the report](https://example.com/report)
"""

from __future__ import annotations

from collections.abc import Iterator

from postkit.checks.base import Finding
from postkit.checks.content import cruft_finding, shown_url
from postkit.checks.context import CheckContext
from postkit.post import SourcePost
from postkit.problems import Severity

CODE = "PK202"
NAME = "promo-link"
SUMMARY = "a promotion or subscription link or box left in the body"
SEVERITY = Severity.ERROR

PROMO_KINDS = {"promo-link": "promotion link", "promo": "promotion", "newsletter": "newsletter sign-up"}


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    body = context.body(post)
    for part in body.parts:
        for cruft in part.cruft:
            label = PROMO_KINDS.get(cruft.kind)
            if label is None:
                continue
            yield cruft_finding(part, cruft, label, "delete the link; `postkit clean` removes it with what it wraps")
    for start, end in body.markdown_urls_where(lambda url: context.rules.links.match(url) is not None):
        url = body.text[start:end]
        rule = context.rules.links.match(url)
        if rule is not None:
            yield Finding.at(
                body.position(start),
                f"promotion link to {shown_url(url)} (rule {rule.origin}: {rule.pattern})",
                "delete the link",
            )
