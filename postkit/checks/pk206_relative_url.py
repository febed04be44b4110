"""A relative URL in a link or image.

A post archived from another site keeps the relative URLs of its pages: ``/images/a.jpg``
meant the source site, but on the archive it points at the archive's own host, where nothing
is. With the post's source URL in the front matter (``source-url-key``, ``from`` by default)
the message shows what the URL should be, and ``postkit clean`` makes it absolute; without
it, nothing says which site was meant. Protocol-relative URLs (``//host/a.jpg``) break outside
a browser. HTML ``href``/``src``/``poster`` and Markdown links and images are checked;
fragments (``#notes``) and template expressions (``{{ site.url }}``) are not URLs to resolve.

A root-relative URL that belongs to the site the posts are built into is not reported: the
configuration names that site (``base-url``), or the file exists under one of its static
folders (``static-folders``: the project root and ``static/`` by default, so a Jekyll site's
``/images/a.png`` or a Hugo site's ``static/images/a.png``). ``postkit clean`` leaves such a URL
as written, and never rewrites a link half way.

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

from postkit.checks.base import Finding, Position
from postkit.checks.content import URL_ATTRIBUTES, relative_kind, shown_url
from postkit.checks.context import CheckContext
from postkit.post import SourcePost
from postkit.problems import Severity
from postkit.site_urls import SiteUrls

CODE = "PK206"
NAME = "relative-url"
SUMMARY = "a relative URL in a link or image, which breaks away from the source site"
SEVERITY = Severity.WARNING


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    body = context.body(post)
    key = context.source_url_key
    site = context.options.get("site")
    site = site if isinstance(site, SiteUrls) else SiteUrls()
    for part in body.parts:
        for element in part.named(*URL_ATTRIBUTES):
            for attribute in URL_ATTRIBUTES[element.tag]:
                value = element.get(attribute)
                if (
                    isinstance(value, str)
                    and relative_kind(value)
                    and not site.owns(value)
                    and not part.removed_by_clean(element)
                ):
                    yield _finding(part.position(element, attribute), value, body.base, key, html=True)
    for start, end in body.markdown_urls_where(lambda url: bool(relative_kind(url)) and not site.owns(url)):
        url = body.text[start:end]
        if relative_kind(url) and not site.owns(url):
            yield _finding(body.position(start), url, body.base, key, html=False)


def _finding(position: Position, url: str, base: str | None, key: str, *, html: bool) -> Finding:
    """``postkit clean`` makes URLs in HTML absolute; Markdown links it leaves as written."""
    kind = relative_kind(url)
    shown = shown_url(url)
    if base is None:
        fixer = " so `postkit clean` can" if html else ""
        hint = f"write the full URL, or add the post's original address as '{key}:'{fixer}"
        if url.strip().startswith("/") and not url.strip().startswith("//"):
            hint += "; if this site serves the file, set base-url in the config or put it under a static folder"
        return Finding.at(
            position,
            f"{kind} URL {shown}: nothing says which site it belongs to (no '{key}' source URL in the front matter)",
            hint,
        )
    # What clean's URL repair would write (SiteUrls.resolve): a whole http(s) URL, or nothing.
    resolved = SiteUrls().resolve(url, base)
    if resolved is None:
        return Finding.at(
            position,
            f"{kind} URL {shown} cannot be resolved against the source URL {shown_url(base)}",
            "write the full URL",
        )
    return Finding.at(
        position,
        f"{kind} URL {shown}; on the source site it is {shown_url(resolved)}",
        "write the full URL; `postkit clean` does" if html else "write the full URL",
    )
