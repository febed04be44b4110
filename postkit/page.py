"""A saved web page as a post: its metadata (title, date, source URL), and the Wayback Machine's wrapping undone.

Pure functions on text, called by ``clean.clean_bytes`` around the pipeline's
``convert_html_document``: ``unwrap_wayback`` before it (the archive's banner, scripts and
``web.archive.org/web/<time>/`` URL prefixes go), ``protect_local_resources`` before it and
``restore_local_resources`` after it (files saved beside the page, ``./Title_files/a.jpg``,
stay relative instead of being joined to the source URL), and ``page_front_matter`` for the
front matter, the same whether the page came from a file or from stdin.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import quote

import lxml.html

# The Wayback Machine's own insertions into an archived page.
_TOOLBAR = re.compile(
    r"<!--\s*BEGIN WAYBACK TOOLBAR INSERT\s*-->.*?<!--\s*END WAYBACK TOOLBAR INSERT\s*-->", re.DOTALL | re.IGNORECASE
)
_REWRITE_JS = re.compile(
    r"<script[^>]*(?:archive\.org/includes/|/_static/js/)[^>]*>\s*</script>"
    r"|<link[^>]*/_static/css/[^>]*>"
    r"|<script[^>]*>[^<]*(?:archive_analytics|__wm\.)[^<]*</script>"
    r"|<!--\s*End Wayback Rewrite JS Include\s*-->",
    re.IGNORECASE,
)
_TRAILER = re.compile(r"<!--\s*FILE ARCHIVED ON .*?-->", re.DOTALL | re.IGNORECASE)
# An archived URL: https://web.archive.org/web/20210811000000im_/https://example.com/a.png, or the
# same root-relative (/web/20210811000000/https://...), as the archive rewrites every link.
_ARCHIVED_PREFIX = re.compile(
    r"(?:(?:https?:)?//(?:web\.)?archive\.org)?/web/\d{1,14}(?:[a-z]{2}_)?/(?=https?:|//)", re.IGNORECASE
)
# Files saved beside the page by a browser's "save page, complete": ./Title_files/a.jpg, Title_files/a.jpg.
_LOCAL_RESOURCE = re.compile(
    r"""(\s(?:src|href|poster)\s*=\s*)(["'])((?:\./)?[^"'/:?#]+_files/[^"']*)\2""", re.IGNORECASE
)
_LOCAL_PLACEHOLDER = "https://local-file.postkit.invalid/"
_PLACEHOLDER_URL = re.compile(re.escape(_LOCAL_PLACEHOLDER) + r"(\d+)")
# What sites put between an article's title and their own name in <title>: a bar, an en or em
# dash, a hyphen, a double colon, a guillemet, a middle dot, a full-width bar, an underscore.
_TITLE_SEPARATORS = (" | ", " \u2013 ", " \u2014 ", " - ", " :: ", " \u00bb ", " \u00b7 ", "\uff5c", " _ ")


@dataclass(frozen=True)
class PageMetadata:
    """What a saved page says about its article: each field None when the page does not say."""

    title: str | None = None
    date: str | None = None
    source_url: str | None = None


def is_html_page(text: str) -> bool:
    """True for a whole HTML document (``<!DOCTYPE html>`` or ``<html>`` first), as stdin may bring one."""
    start = text.lstrip("\ufeff \t\r\n")[:15].lower()
    return start.startswith(("<!doctype html", "<html"))


def unwrap_wayback(html: str) -> str:
    """The page as the site served it: the archive's toolbar, scripts and URL prefixes removed.

    A page that was not saved from the Wayback Machine comes back unchanged.
    """
    if "archive.org" not in html and "/web/" not in html:
        return html
    html = _TOOLBAR.sub("", html)
    html = _REWRITE_JS.sub("", html)
    html = _TRAILER.sub("", html)
    return _ARCHIVED_PREFIX.sub("", html)


def protect_local_resources(html: str) -> tuple[str, tuple[str, ...]]:
    """Replace references to files saved beside the page with placeholders no URL repair touches.

    Returns the new HTML and the original references, in placeholder order, for
    :func:`restore_local_resources`.
    """
    originals: list[str] = []

    def placeholder(match: re.Match[str]) -> str:
        originals.append(match.group(3))
        return f"{match.group(1)}{match.group(2)}{_LOCAL_PLACEHOLDER}{len(originals) - 1}{match.group(2)}"

    return _LOCAL_RESOURCE.sub(placeholder, html), tuple(originals)


def restore_local_resources(markdown: str, originals: tuple[str, ...]) -> str:
    """Put the saved files' relative references back where :func:`protect_local_resources` left placeholders."""
    if not originals:
        return markdown

    def original(match: re.Match[str]) -> str:
        index = int(match.group(1))
        # A Markdown destination holds no spaces or parentheses unescaped: percent-encode what needs it.
        return quote(originals[index], safe="/._-~%!$&'*+,;=:@") if index < len(originals) else match.group(0)

    return _PLACEHOLDER_URL.sub(original, markdown)


def read_page_metadata(html: str) -> PageMetadata:
    """Title without the site's name, publication date and source URL of a saved page."""
    try:
        tree = lxml.html.document_fromstring(html.encode("utf-8"))
    except (ValueError, lxml.etree.ParserError):
        return PageMetadata()
    site_name = _meta(tree, "og:site_name")
    raw_title = _first_text(tree, "//title") or _meta(tree, "og:title")
    title = title_without_site(raw_title, site_name) if raw_title else None
    return PageMetadata(title=title or None, date=_published(tree), source_url=_source_url(tree))


def title_without_site(title: str, site_name: str | None = None) -> str:
    """``"Flood warning | The Daily Example"`` -> ``"Flood warning"``.

    The site's name (``og:site_name``) is removed from either end with its separator; without
    it, the last part after a separator goes when it is shorter than the rest, as site names
    are. A title with no separator is kept whole.
    """
    text = " ".join(title.split())
    if site_name:
        name = " ".join(site_name.split())
        for separator in _TITLE_SEPARATORS:
            if text.endswith(separator + name):
                return text[: -len(separator + name)].strip()
            if text.startswith(name + separator):
                return text[len(name + separator) :].strip()
        if text == name:
            return text
    for separator in _TITLE_SEPARATORS:
        head, found, tail = text.rpartition(separator)
        if found and head.strip() and len(tail) < len(head):
            return head.strip()
    return text


def page_front_matter(metadata: PageMetadata, source_url_key: str) -> str:
    """YAML front matter for a converted page: title, date and source URL, each only when known."""
    lines = []
    if metadata.title:
        lines.append(f"title: {json.dumps(metadata.title, ensure_ascii=False)}")
    if metadata.date:
        lines.append(f"date: {json.dumps(metadata.date, ensure_ascii=False)}")
    if metadata.source_url:
        lines.append(f"{source_url_key}: {json.dumps(metadata.source_url, ensure_ascii=False)}")
    return "---\n" + "".join(line + "\n" for line in lines) + "---\n" if lines else ""


def _meta(tree: lxml.html.HtmlElement, name: str) -> str | None:
    for element in tree.iter("meta"):
        if name in (element.get("property"), element.get("name"), element.get("itemprop")):
            content = (element.get("content") or "").strip()
            if content:
                return content
    return None


def _first_text(tree: lxml.html.HtmlElement, path: str) -> str | None:
    for element in tree.xpath(path):
        text = " ".join(element.text_content().split())
        if text:
            return text
    return None


def _published(tree: lxml.html.HtmlElement) -> str | None:
    """``article:published_time``, else the first ``<time datetime>`` of the article, else of the page."""
    meta = _meta(tree, "article:published_time") or _meta(tree, "datePublished")
    if meta:
        return meta
    for path in ("//article//time[@datetime]", "//main//time[@datetime]", "//time[@datetime]"):
        for element in tree.xpath(path):
            value = (element.get("datetime") or "").strip()
            if value:
                return value
    return None


def _source_url(tree: lxml.html.HtmlElement) -> str | None:
    for element in tree.iter("link"):
        if "canonical" in (element.get("rel") or "").lower().split() and (element.get("href") or "").strip():
            return (element.get("href") or "").strip()
    return _meta(tree, "og:url")
