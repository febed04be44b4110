"""The body as the content rules (PK2xx) see it: the one body model (``postkit.body``) and the
helpers the checks share to describe what they find.

The detectors are the cleaning pipeline's: the rule book's hiding rules, promo-link and pixel
patterns and tracking parameters say what is cruft, and the repair stage's lazy-image and URL
knowledge says what it would repair. Nothing here changes a tree; a check reports what
``postkit clean`` would do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from postkit.checks.base import Finding
from postkit.pipeline.repair import LAZY_ATTRS, SRCSET_ATTRS, URL_ATTRS, lazy_url, query_parameters
from postkit.pipeline.report import excerpt
from postkit.pipeline.strip import Cruft
from postkit.rules import RuleBook, classes

if TYPE_CHECKING:
    from lxml.html import HtmlElement
from postkit.body import (
    MEDIA,
    Body,
    HtmlPart,
    SourceTag,
    element_signature,
    source_tags,
    visible_strings,
)

__all__ = ["MEDIA", "Body", "HtmlPart", "SourceTag", "element_signature", "excerpt", "source_tags", "visible_strings"]

_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")
_TEMPLATE = ("{{", "{%")

# The repair stage's knowledge, under names that say what the content rules use it for.
LAZY_URL_ATTRIBUTES = (*LAZY_ATTRS, *SRCSET_ATTRS)
URL_ATTRIBUTES = URL_ATTRS
real_lazy_url = lazy_url


def describe(element: HtmlElement) -> str:
    """The opening tag a reader can search for: name, id and class, e.g. ``<div id="imu" class="ad">``."""
    parts = [element.tag]
    element_id = element.get("id")
    if element_id:
        parts.append(f'id="{element_id}"')
    tokens = classes(element)
    if tokens:
        parts.append(f'class="{excerpt(" ".join(tokens), 40)}"')
    return "<" + " ".join(parts) + ">"


def is_template(url: str) -> bool:
    """A Liquid or Go-template expression (``{{ site.url }}/a``): the site generator fills it in."""
    return any(mark in url for mark in _TEMPLATE)


def relative_kind(url: str) -> str | None:
    """``"relative"``, ``"protocol-relative"``, or None for an absolute URL, a fragment or a template."""
    value = url.strip()
    if not value or value.startswith("#") or _SCHEME.match(value) or is_template(value):
        return None
    return "protocol-relative" if value.startswith("//") else "relative"


def tracking_params(url: str, rules: RuleBook, *, markdown: bool = False) -> list[str]:
    """The names of the tracking parameters in a URL's query, in order, each once.

    ``markdown``: the URL is a Markdown destination as written (`&amp;` separates parameters).
    """
    if "?" not in url:
        return []
    try:
        query = urlsplit(url).query
    except ValueError:
        return []
    pieces = query_parameters(query, markdown=markdown)
    names = (unquote(piece.split("=", 1)[0]) for _, piece in pieces if piece)
    return list(dict.fromkeys(name for name in names if rules.is_tracking_param(name)))


# An element as its opening tag shows it: the name and the attributes with their values.
Signature = tuple[str, tuple[tuple[str, str], ...]]


# A data: URI longer than this is named by its size: it is an inline image, not an address to read.
_LONGEST_DATA_URI_SHOWN = 100


def shown_url(url: str) -> str:
    """A URL as a problem message shows it: whole, never cut with an ellipsis, so it can be searched for.

    Whitespace runs become one space; only a long ``data:`` URI, which is an inline file rather
    than an address, is named by its media type and size.
    """
    flat = " ".join(url.split())
    if flat[:5].lower() == "data:" and len(flat) > _LONGEST_DATA_URI_SHOWN:
        media = flat[5:].split(",", 1)[0].split(";", 1)[0] or "text/plain"
        return f"a data: URI ({media}, {len(flat)} characters)"
    return flat


def cruft_of_kind(body: Body, kind: str) -> Iterator[tuple[HtmlPart, Cruft]]:
    """Each outermost element of one ``! kind:`` the rule packs find in the body's HTML, with its part.

    The content rules for share bars, related posts, comment threads and the other kinds
    ``postkit clean`` removes are this search with their own kind, code and words.
    """
    for part in body.parts:
        for cruft in part.cruft:
            if cruft.kind == kind:
                yield part, cruft


def kind_findings(body: Body, kind: str, noun: str) -> Iterator[Finding]:
    """A finding for each element of one cruft kind (see ``cruft_finding``)."""
    for part, cruft in cruft_of_kind(body, kind):
        yield cruft_finding(part, cruft, noun)


def cruft_finding(
    part: HtmlPart, cruft: Cruft, noun: str, link_fix: str = "delete the link; `postkit clean` removes it"
) -> Finding:
    """The finding for one cruft element: at a link's href, else at the element's opening tag."""
    element = cruft.element
    href = element.get("href") if element.tag == "a" else None
    if isinstance(href, str):
        return Finding.at(part.position(element, "href"), f"{noun} to {shown_url(href)} (rule {cruft.rule})", link_fix)
    return Finding.at(
        part.position(element),
        f"{noun} {describe(element)} (rule {cruft.rule})",
        "delete the element; `postkit clean` removes it",
    )
