"""An image without a real ``src``: a lazy-loading placeholder, or no ``src`` at all.

Lazy-loading scripts put a placeholder in ``src`` (a ``data:`` GIF, ``blank.gif``,
``lazy_placeholder.png``) and the real URL in ``data-src``, ``data-lazy-src``,
``data-original``, a ``srcset`` or a ``<noscript>`` copy. Without the script, which an
archive never runs, readers see nothing. The message says where the real URL is, when it is
anywhere: ``postkit clean`` moves it into ``src``.

Failing example::

    ---
    title: Flood warning
    ---
    <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="https://example.com/river.jpg" alt="The river">

Passing example::

    ---
    title: Flood warning
    ---
    ![The river](https://example.com/river.jpg)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from postkit.checks.base import Finding
from postkit.checks.content import LAZY_URL_ATTRIBUTES, real_lazy_url, shown_url
from postkit.checks.context import CheckContext
from postkit.pipeline.html import first
from postkit.pipeline.repair import is_placeholder_src, next_element_past_blanks
from postkit.post import SourcePost
from postkit.problems import Severity

if TYPE_CHECKING:
    from lxml.html import HtmlElement

CODE = "PK205"
NAME = "lazy-image"
SUMMARY = "an image whose src is missing or a lazy-loading placeholder"
SEVERITY = Severity.ERROR


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    for part in context.body(post).parts:
        for image in part.named("img"):
            src = str(image.get("src") or "").strip()
            if (src and not is_placeholder_src(src)) or part.removed_by_clean(image):
                continue
            real, where = _real_url(image)
            if real:
                its = f"its src is the placeholder {shown_url(src)!r}" if src else "it has no src"
                yield Finding.at(
                    part.position(image),
                    f"lazy image: {its}; the real URL is in {where}: {shown_url(real)}",
                    "put the real URL in src; `postkit clean` does",
                )
            else:
                what = f"src is only the placeholder {shown_url(src)!r}" if src else "has no src"
                yield Finding.at(
                    part.position(image),
                    f"image {what} and no real URL anywhere",
                    "give the image its real URL in src, or delete it",
                )


def _real_url(image: HtmlElement) -> tuple[str | None, str]:
    """The URL the lazy loader would have shown, and which attribute or copy holds it."""
    url = real_lazy_url(image)
    if url:
        holder = next((name for name in LAZY_URL_ATTRIBUTES if url in str(image.get(name) or "")), "srcset")
        return url, holder
    copy = _noscript_copy(image)
    if copy is not None:
        return copy, "the <noscript> copy after it"
    return None, ""


def _noscript_copy(image: HtmlElement) -> str | None:
    sibling = next_element_past_blanks(image)
    if sibling is None or sibling.tag != "noscript":
        return None
    copy = first(sibling, "img")
    src = (copy.get("src") or "").strip() if copy is not None else ""
    return src if src and not is_placeholder_src(src) else None
