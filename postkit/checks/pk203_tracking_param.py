"""A link whose URL carries tracking parameters.

Query parameters such as ``utm_source``, ``fbclid`` or ``gclid`` (``tracking-params.txt``) only
tell a site where a click came from; the link works the same without them. Links in HTML
(``<a href>``) and Markdown links and reference definitions are checked; links inside cruft
that ``postkit clean`` removes (share bars, ad slots, promotions) are left to the rules that
report that cruft.

Failing example::

    ---
    title: Flood warning
    ---
    Read [the report](https://example.com/report?id=7&utm_source=rss&utm_medium=feed).

Passing example::

    ---
    title: Flood warning
    ---
    Read [the report](https://example.com/report?id=7).
"""

from __future__ import annotations

from collections.abc import Iterator

from postkit.checks.base import Finding, Position
from postkit.checks.content import shown_url, tracking_params
from postkit.checks.context import CheckContext
from postkit.post import SourcePost
from postkit.problems import Severity

CODE = "PK203"
NAME = "tracking-param"
SUMMARY = "a link whose URL carries tracking parameters (utm_*, fbclid, ...)"
SEVERITY = Severity.WARNING


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    body = context.body(post)
    rules = context.rules
    for part in body.parts:
        for link in part.named("a"):
            href = link.get("href")
            names = tracking_params(href, rules) if isinstance(href, str) else []
            if names and not part.removed_by_clean(link):
                yield _finding(part.position(link, "href"), str(href), names)
    for start, end in body.markdown_urls_where(lambda url: bool(tracking_params(url, rules, markdown=True))):
        url = body.text[start:end]
        names = tracking_params(url, rules, markdown=True)
        if names and rules.links.match(url) is None:
            yield _finding(body.position(start), url, names)


def _finding(position: Position, url: str, names: list[str]) -> Finding:
    noun, pronoun = ("parameter", "it") if len(names) == 1 else ("parameters", "them")
    return Finding.at(
        position,
        f"link carries the tracking {noun} {', '.join(names)}: {shown_url(url)}",
        f"remove {pronoun} from the URL; `postkit clean` drops {pronoun} and keeps the rest",
    )
