"""A relative URL in a link or image.

A post archived from another site keeps the relative URLs of its pages: ``/images/a.jpg``
meant the source site, but on the archive it points at the archive's own host, where nothing
is. With the post's source URL in the front matter (``source-url-key``, ``from`` by default)
the message shows what the URL should be, and ``postkit clean`` makes it absolute; without
it, nothing says which site was meant. Protocol-relative URLs (``//host/a.jpg``) break outside
a browser. HTML ``href``/``src``/``poster`` and Markdown links and images are checked;
fragments (``#notes``) and template expressions (``{{ site.url }}``) are not URLs to resolve.

Failing example::

    ---
    title: Flood warning
    from: https://example.com/news/flood
    ---
    ![The river](/images/river.jpg)

Passing example::

    ---
    title: Flood warning
    from: https://example.com/news/flood
    ---
    ![The river](https://example.com/images/river.jpg)
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urljoin

from postkit.checks.base import Finding, Position
from postkit.checks.content import URL_ATTRIBUTES, excerpt, relative_kind
from postkit.checks.context import CheckContext
from postkit.post import SourcePost
from postkit.problems import Severity

CODE = "PK206"
NAME = "relative-url"
SUMMARY = "a relative URL in a link or image, which breaks away from the source site"
SEVERITY = Severity.WARNING


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    body = context.body(post)
    key = context.source_url_key
    for part in body.parts:
        for element in part.named(*URL_ATTRIBUTES):
            for attribute in URL_ATTRIBUTES[element.tag]:
                value = element.get(attribute)
                if isinstance(value, str) and relative_kind(value) and not part.removed_by_clean(element):
                    yield _finding(part.position(element, attribute), value, body.base, key, html=True)
    for start, end in body.markdown_urls:
        url = body.text[start:end]
        if relative_kind(url):
            yield _finding(body.position(start), url, body.base, key, html=False)


def _finding(position: Position, url: str, base: str | None, key: str, *, html: bool) -> Finding:
    """``postkit clean`` makes URLs in HTML absolute; Markdown links it leaves as written."""
    kind = relative_kind(url)
    shown = excerpt(url.strip())
    if base is None:
        fixer = " so `postkit clean` can" if html else ""
        return Finding.at(position, f"{kind} URL {shown}: nothing says which site it belongs to "
                                    f"(no '{key}' source URL in the front matter)",
                          f"write the full URL, or add the post's original address as '{key}:'{fixer}")
    try:
        resolved = urljoin(base, url.strip())
    except ValueError:
        resolved = ""
    if not resolved or resolved == url.strip():
        return Finding.at(position, f"{kind} URL {shown} cannot be resolved against the source URL {excerpt(base)}",
                          "write the full URL")
    return Finding.at(position, f"{kind} URL {shown}; on the source site it is {excerpt(resolved)}",
                      "write the full URL; `postkit clean` does" if html else "write the full URL")
