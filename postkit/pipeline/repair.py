"""Repair stage: real image URLs for lazy images, absolute URLs, no tracking parameters, figure shapes."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

from lxml import etree

from postkit.pipeline.html import (
    all_text,
    ancestor,
    elements,
    first,
    is_under,
    new_element,
    parse_fragment,
    remove_children,
    remove_keep_tail,
    replace_keep_tail,
    set_attribute,
    text_pieces,
    unwrap,
    visible_text,
)
from postkit.pipeline.report import FragmentReport
from postkit.rules import RuleBook, classes
from postkit.rules.sites import embeds
from postkit.site_urls import NO_SITE, SiteUrls

if TYPE_CHECKING:
    from lxml.html import HtmlElement

    from postkit.pipeline.html import Node

LAZY_ATTRS = ("data-lazy-src", "data-src", "data-original", "data-orig-file", "data-url")
SRCSET_ATTRS = ("data-lazy-srcset", "data-srcset", "srcset")
# ASCII letters in any case (URLs are ASCII where it matters here)
_PLACEHOLDER_START = re.compile(r"data:|about:blank", re.IGNORECASE | re.ASCII)
_PLACEHOLDER_FILE = re.compile(
    r"(?:blank|spacer|pixel|transparent|lazy[_-]?placeholder|grey|gray)\.(?:gif|png|svg)(?:\?|$)",
    re.IGNORECASE | re.ASCII,
)


def is_placeholder_src(url: str) -> bool:
    """Whether an image URL is a lazy loader's stand-in: a data: URL, about:blank, or a blank,
    spacer or placeholder picture. The file pattern is searched only in a URL that names such a
    file type: searched case-blind, it tries nearly every position of a long URL."""
    if _PLACEHOLDER_START.match(url):
        return True
    lowered = url.lower()
    if ".gif" not in lowered and ".png" not in lowered and ".svg" not in lowered:
        return False
    return _PLACEHOLDER_FILE.search(url) is not None


URL_ATTRS = {
    "a": ("href",),
    "img": ("src",),
    "iframe": ("src",),
    "video": ("src", "poster"),
    "source": ("src",),
    "audio": ("src",),
}
_CANDIDATE = re.compile(r"\s*(\S+?)(?:\s+(\d+(?:\.\d+)?)([wx]))?\s*(?:,|$)")


def resolve_lazy_images(root: HtmlElement, report: FragmentReport) -> None:
    """Give every image the real URL its lazy loader hid, once.

    A lazy image carries a placeholder in ``src`` and the real URL in ``data-*`` attributes, a
    ``srcset`` or a ``<noscript>`` copy right after it. The copy is dropped when the image was
    repaired, and unwrapped when it is the only copy.
    """
    for image in elements(root, "img"):
        if not is_under(image, root):
            continue  # the noscript copy of an image repaired just before
        src = (image.get("src") or "").strip()
        real = lazy_url(image)
        placeholder = not src or is_placeholder_src(src)
        fallback = _noscript_copy(image)
        if real is None and placeholder and fallback is not None:
            real = fallback.get("src") or None
        if real:
            real = _drop_query_param(real, "is-pending-load")  # Jetpack's lazy-load marker
        if real and real != src:
            set_attribute(image, "src", real)
            report.repairs["lazy-image"] += 1
        elif placeholder and not real:
            continue
        attributes = image.attrib
        for attr in _LOADER_ATTRS.intersection(attributes):
            del attributes[attr]
        if fallback is not None and fallback.getparent() is not None:
            noscript = ancestor(fallback, "noscript")
            if noscript is not None:
                remove_keep_tail(noscript)
    for frame in elements(root, "iframe", "video", "audio"):
        if not (frame.get("src") or "").strip():
            lazy = next(((frame.get(a) or "").strip() for a in LAZY_ATTRS if (frame.get(a) or "").strip()), "")
            if lazy:
                set_attribute(frame, "src", lazy)
                report.repairs["lazy-image"] += 1
    for noscript in elements(root, "noscript"):
        if is_under(noscript, root) and first(noscript, "img") is not None:
            # A noscript image with no lazy twin before it is the only copy of that image.
            unwrap(noscript)


# What a lazy loader reads, taken off an image once it holds its real URL.
_LOADER_ATTRS = frozenset({*LAZY_ATTRS, *SRCSET_ATTRS, "sizes", "data-sizes", "loading"})


def lazy_url(image: HtmlElement) -> str | None:
    for attr in LAZY_ATTRS:
        value = (image.get(attr) or "").strip()
        if value and not is_placeholder_src(value):
            return value
    for attr in SRCSET_ATTRS:
        value = (image.get(attr) or "").strip()
        best = largest_candidate(value) if value else None
        if best and attr != "srcset":
            return best
        if best and attr == "srcset":
            src = image.get("src") or ""
            if not src or is_placeholder_src(src):
                return best
    return None


def _drop_query_param(url: str, name: str) -> str:
    if name not in url:
        return url  # not in its query either: not split
    parts = _split(url)
    if parts is None or name not in parts.query:
        return url
    kept = [p for p in parts.query.split("&") if p.split("=", 1)[0] != name]
    return urlunsplit(parts._replace(query="&".join(kept)))


def largest_candidate(srcset: str) -> str | None:
    """The URL of the widest (or densest) candidate in a srcset."""
    best: tuple[float, str] | None = None
    for match in _CANDIDATE.finditer(srcset):
        url = match.group(1)
        if not url or url.startswith("data:"):
            continue
        size = float(match.group(2)) if match.group(2) else 1.0
        if best is None or size > best[0]:
            best = (size, url)
    return best[1] if best else None


def _noscript_copy(image: HtmlElement) -> HtmlElement | None:
    sibling = next_element_past_blanks(image)
    if sibling is None or sibling.tag != "noscript":
        return None
    copy = first(sibling, "img")
    text = single_string(sibling)
    if copy is None and text:
        # a <noscript> whose image was written as escaped text
        copy = first(parse_fragment(text), "img")
        if copy is not None:
            remove_children(sibling)
            copy.tail = None
            sibling.append(copy)
    return copy


def next_element_past_blanks(element: HtmlElement) -> HtmlElement | None:
    """The element right after this one when only blank text and blank comments stand between them."""
    node: Node = element
    while True:
        if (tail := node.tail) and tail.strip():
            return None
        following: Node | None = node.getnext()
        if following is None:
            return None
        if isinstance(following.tag, str):
            return following
        if following.text and following.text.strip():
            return None  # a comment that says something
        node = following


def _previous_element_past_blanks(element: HtmlElement) -> HtmlElement | None:
    """The element right before this one when only blank text and blank comments stand between them."""
    node: Node = element
    while True:
        preceding: Node | None = node.getprevious()
        text = preceding.tail if preceding is not None else None
        if text and text.strip():
            return None
        if preceding is None:
            return None
        if isinstance(preceding.tag, str):
            return preceding
        if preceding.text and preceding.text.strip():
            return None
        node = preceding


def single_string(element: HtmlElement) -> str | None:
    """The element's text when that is all it holds, looking through a lone child (bs4's ``.string``)."""
    while True:
        if not len(element):
            return element.text
        if len(element) > 1 or element.text or element[0].tail or not isinstance(element[0].tag, str):
            return None
        element = element[0]


def unwrap_image_proxies(root: HtmlElement, report: FragmentReport) -> None:
    """Replace image-proxy URLs (images.weserv.nl, Jetpack Photon i0-i3.wp.com) with the image's own URL,
    in image sources and in links to the full-size image alike."""
    for element in elements(root, "img", "a"):
        attr = "src" if element.tag == "img" else "href"
        value = element.get(attr)
        real = proxied_url(value) if value else None
        if real is not None:
            set_attribute(element, attr, real)
            report.repairs["proxy-url"] += 1


@lru_cache(maxsize=64)
def host_of(url: str | None) -> str | None:
    """The lower-case host of a URL, or None (no URL, no host, or one urlsplit refuses).

    Kept for the last URLs asked about: every fragment of a post asks with the post's own."""
    parts = _split(url) if url else None
    return (parts.hostname or "").lower() or None if parts is not None else None


def _split(url: str) -> SplitResult | None:
    """urlsplit, or None for a URL it refuses (a broken IPv6 host, say): such a URL is left as it is."""
    try:
        return urlsplit(url)
    except ValueError:
        return None


def proxied_url(url: str) -> str | None:
    """The image's own URL behind an image proxy's (the proxies are data: ``rules/data/embeds.toml``).

    urlsplit lowers the host and drops tabs and newlines first; a URL that holds no proxy's
    host pattern that way cannot have a proxy's host, and is not split.
    """
    # most URLs hold no tab or newline: translating them is the costly part of the look
    as_split = url.translate(_TABS_AND_NEWLINES) if "\t" in url or "\n" in url or "\r" in url else url
    if embeds().proxy_hosts_anywhere.search(as_split.lower()) is None:
        return None
    return _proxied_url(url)


_TABS_AND_NEWLINES = str.maketrans("", "", "\t\r\n")


def _proxied_url(url: str) -> str | None:
    parts = _split(url)
    if parts is None:
        return None
    host = parts.hostname or ""
    for proxy in embeds().image_proxies:
        real = proxy.real_url(host, parts.path, parts.query)
        if real is not None:
            return real
    return None


def absolutize_urls(root: HtmlElement, base: str | None, report: FragmentReport, site: SiteUrls = NO_SITE) -> None:
    """Make relative and protocol-relative URLs absolute against the post's source URL.

    A root-relative URL the site being built serves (``site``: its ``base-url`` or a file under
    its static folders) stays as written, and a URL is never rewritten half way: ``SiteUrls.resolve``
    decides, the same answer validate's PK206 gives.
    """
    for element in elements(root, *URL_ATTRS):  # one walk for every tag
        for attr in URL_ATTRS[element.tag]:
            value = element.get(attr)
            if value is None or not value.strip():
                continue
            resolved = site.resolve(value, base)
            if resolved is None:
                continue
            set_attribute(element, attr, resolved)
            report.repairs["url-absolute"] += 1


def drop_tracking_params(root: HtmlElement, rules: RuleBook, report: FragmentReport) -> None:
    """Remove tracking query parameters from links, keeping every other byte of the URL."""
    for link in elements(root, "a"):
        href = link.get("href")
        if href is None:
            continue
        cleaned, dropped = strip_tracking(href, rules)
        if dropped:
            set_attribute(link, "href", cleaned)
            report.repairs["tracking-param"] += dropped


def strip_tracking(url: str, rules: RuleBook, *, markdown: bool = False) -> tuple[str, int]:
    """The URL without its tracking parameters, and how many went; each parameter kept keeps the
    separator written before it. ``markdown``: a destination as written (``query_parameters``)."""
    if "?" not in url:
        return url, 0  # no query (most links): not split
    parts = _split(url)
    if parts is None or not parts.query:
        return url, 0
    pieces = query_parameters(parts.query, markdown=markdown)
    kept = [(sep, p) for sep, p in pieces if not rules.is_tracking_param(unquote(p.split("=", 1)[0]))]
    if len(kept) == len(pieces):
        return url, 0
    query = "".join(p if i == 0 else sep + p for i, (sep, p) in enumerate(kept))
    return urlunsplit(parts._replace(query=query)), len(pieces) - len(kept)


def query_parameters(query: str, *, markdown: bool = False) -> list[tuple[str, str]]:
    """A query's parameters as written, each with the separator before it (the first has none).

    ``markdown``: the query of a Markdown destination as written, where `&amp;` stands for the
    `&` between two parameters (a renderer decodes it) and separates them too.
    """
    separator = _MARKDOWN_SEPARATOR if markdown else _SEPARATOR
    return list(zip(["", *separator.findall(query)], separator.split(query), strict=True))


_SEPARATOR = re.compile("&")
_MARKDOWN_SEPARATOR = re.compile("&(?:amp;|AMP;)?")


def wrap_loose_captions(root: HtmlElement) -> None:
    """Zaobao puts <figcaption> right after a div.figure-media, outside any <figure>: make it one."""
    for caption in elements(root, "figcaption"):
        if ancestor(caption, "figure") is not None:
            continue
        previous = _previous_element_past_blanks(caption)
        if previous is not None and first(previous, "img") is not None:
            figure = new_element("figure")
            previous.addprevious(figure)
            # what stood between the two (blank text, blank comments) now follows the figure
            figure.tail, previous.tail = previous.tail, None
            figure.append(previous)
            remove_keep_tail(caption)
            figure.append(caption)


_EMAIL = re.compile(r"[^@\s<>\"'()\[\]\\,;:]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_CLOUDFLARE_EMAIL = re.compile(r"/cdn-cgi/l/email-protection#(?P<code>(?:[0-9a-fA-F]{2})+)$")


def decode_protected_emails(root: HtmlElement, report: FragmentReport) -> None:
    """Put back the addresses Cloudflare's email obfuscation hid behind a script.

    Its pages show ``[email protected]`` linked to ``/cdn-cgi/l/email-protection#<hex>`` (or a
    ``data-cfemail`` span) until the script runs; the hex is the address XORed with its first byte.
    Without the script the archive keeps only the placeholder, so the address is decoded.
    """
    for element in _WITH_CFEMAIL(root):
        address = _cloudflare_decode(element.get("data-cfemail", ""), strict=False)
        if address is None:
            continue
        if element.tag == "a" and _EMAIL.fullmatch(address):
            remove_children(element)
            element.text = address
            set_attribute(element, "href", "mailto:" + address)
        else:
            replace_keep_tail(element, address)
        report.repairs["email-decoded"] += 1
    for link in elements(root, "a"):
        match = _CLOUDFLARE_EMAIL.search(link.get("href") or "")
        address = _cloudflare_decode(match["code"]) if match else None
        if address is not None:
            set_attribute(link, "href", "mailto:" + address)
            report.repairs["email-decoded"] += 1


# The elements carrying Cloudflare's hex, found by libxml2: most pages have none.
_WITH_CFEMAIL = etree.XPath("descendant::*[@data-cfemail]")


def _cloudflare_decode(code: str, *, strict: bool = True) -> str | None:
    """The text behind Cloudflare's hex: an address, or (``strict=False``) any text with an '@' that
    its script took for one (`curl -F "image=@…"` in a code sample)."""
    try:
        data = bytes.fromhex(code)
    except ValueError:
        return None
    if len(data) < 2:
        return None
    address = bytes(byte ^ data[0] for byte in data[1:]).decode("utf-8", "replace")
    if strict:
        return address if _EMAIL.fullmatch(address) else None  # bytes that only looked like one: left alone
    return address if "@" in address and address.isprintable() and not set(address) & set("<>") else None


def link_empty_embeds(root: HtmlElement) -> None:
    """An embed blockquote with no text of its own becomes a link to what it embeds.

    `<blockquote class="twitter-tweet"><a href="…/status/1"></a></blockquote>` shows nothing
    without Twitter's script, and the empty-wrapper pass would drop it, tweet URL and all.
    """
    for quote in elements(root, "blockquote"):
        if not embeds().embed_quotes.intersection(classes(quote)) or visible_text(quote).strip():
            continue
        if first(quote, "img", "iframe", "video") is not None:
            continue
        urls = [
            href
            for a in quote.iterdescendants("a")
            if (href := a.get("href")) is not None and href.startswith(("https://", "http://"))
        ]
        if not urls:
            continue
        paragraph = new_element("p")
        paragraph.append(new_element("a", {"href": urls[-1]}, urls[-1]))  # the embed's own permalink comes last
        replace_keep_tail(quote, paragraph)


def join_segment_breaks(root: HtmlElement) -> None:
    """Remove line breaks of pretty-printed HTML between CJK characters instead of making them spaces.

    This is CSS Text's segment break rule: a break between two wide characters (or a wide
    character and punctuation) vanishes; elsewhere it is a space.
    """
    text = all_text(root)
    if "\n" not in text:
        return  # no break at all (half the fragments: inline HTML, pages written on one line)
    if _SURELY_WIDE.search(text) is None and not any(map(is_wide, set(text) - _SURELY_NARROW)):
        return  # every break that vanishes has a wide character on one side
    pieces = text_pieces(root, _KEEP_BREAKS)
    # Joining only takes out white space, so the non-space characters around each text are the
    # same before and after: those after it are found in one pass from the end, those before it
    # on the way.
    after = _next_chars([text for _, text, _ in pieces])
    last = ""  # the last non-space character of the texts so far
    for (node, text, is_tail), following in zip(pieces, after, strict=True):
        stripped = text.strip()
        previous = last
        if stripped:
            last = stripped[-1]
        if "\n" not in text:
            continue
        if not stripped:
            if not (previous and following and _joins(previous, following)):
                continue
            new = ""
        else:
            new = _INNER_BREAK.sub(_join, text) if "\n" in stripped else text
            # white space at an edge, with a break in it, between characters that join
            lead = len(text) - len(text.lstrip())
            if lead and previous and "\n" in text[:lead] and _joins(previous, stripped[0]):
                new = new.lstrip()
            trail = lead + len(stripped)
            if trail < len(text) and following and "\n" in text[trail:] and _joins(stripped[-1], following):
                new = new.rstrip()
            if new == text:
                continue
        if is_tail:
            node.tail = new or None
        else:
            node.text = new or None


def _next_chars(texts: list[str]) -> list[str]:
    """For each text, the first non-space character of the texts after it, across texts of white
    space alone; "" where there is none."""
    following: list[str] = []
    char = ""
    for text in reversed(texts):
        following.append(char)
        stripped = text.lstrip()
        if stripped:
            char = stripped[0]
    following.reverse()
    return following


_KEEP_BREAKS = frozenset({"pre", "code", "script", "style", "textarea"})


_INNER_BREAK = re.compile(r"(\S)([ \t]*\n\s*)(\S)")


def _join(match: re.Match[str]) -> str:
    a, gap, b = match.group(1), match.group(2), match.group(3)
    return a + b if _joins(a, b) else a + gap + b


# Characters East Asian Width calls wide or fullwidth in every Unicode version: CJK ideographs,
# kana, Hangul syllables, fullwidth forms. A Chinese page is found wide at its first one instead
# of by asking unicodedata about each of its distinct characters.
_SURELY_WIDE = re.compile("[\u4e00-\u9fff\u3040-\u30ff\uac00-\ud7a3\uff01-\uff60]")


def is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


# Characters of Latin scripts and general punctuation (curly quotes, dashes) that are not wide: a page's
# characters less these are the few worth asking unicodedata about.
_SURELY_NARROW = frozenset(char for char in map(chr, (*range(0x0378), *range(0x2000, 0x2070))) if not is_wide(char))


def _is_punct(char: str) -> bool:
    return unicodedata.category(char).startswith("P")


@lru_cache(maxsize=4096)
def _joins(a: str, b: str) -> bool:
    return (is_wide(a) and (is_wide(b) or _is_punct(b))) or (is_wide(b) and _is_punct(a))


# What a GFM cell cannot hold: a cell with one of these inside is page layout, not data.
_CELL_STRUCTURE = ("table", "ul", "ol", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6")
# One of these may wrap a cell's inline content (WordPress puts <p> in data cells); two are layout.
_CELL_PARAGRAPHS = ("p", "div")


def unwrap_layout_tables(root: HtmlElement) -> None:
    """Turn tables used for layout into their cells' content, one block per cell; data tables stay.

    A GFM table holds one line of inline text per cell. A table is layout when it has a single
    column, a single row without header cells (an avatar cell beside a text cell), or a cell
    holding structure (lists, quotes, headings, other tables, more than one paragraph): as a pipe
    table it would run every paragraph of a cell into one line. A data cell whose content is
    wrapped in one paragraph loses the wrapper instead.
    """
    for table in elements(root, "table"):
        if not is_under(table, root):
            continue
        cells = [cell for cell in elements(table, "td", "th") if ancestor(cell, "table") is table]
        if not is_layout_table(table, cells):
            for cell in cells:
                _unwrap_lone_paragraph(cell)
            continue
        blocks = [_content_as_block(cell) for cell in cells]
        caption = first(table, "caption")
        if caption is not None and ancestor(caption, "table") is table:
            blocks.insert(0, _content_as_block(caption))
        if blocks:
            replace_keep_tail(table, *blocks)
        else:
            remove_keep_tail(table)


def is_layout_table(table: HtmlElement, cells: list[HtmlElement]) -> bool:
    """True for a table that arranges blocks on the page rather than holding rows of data."""
    rows = [row for row in elements(table, "tr") if ancestor(row, "table") is table]
    widths = [sum(1 for cell in row if cell.tag in ("td", "th")) for row in rows]
    if all(width <= 1 for width in widths):
        return True
    if len(rows) == 1 and not any(cell.tag == "th" for cell in cells):
        return True
    for cell in cells:
        if first(cell, *_CELL_STRUCTURE) is not None:
            return True
        if sum(1 for _ in cell.iterdescendants(*_CELL_PARAGRAPHS)) > 1:
            return True
    return False


def _unwrap_lone_paragraph(cell: HtmlElement) -> None:
    """``<td><p>text</p></td>`` becomes ``<td>text</td>``: the paragraph only wrapped the cell's line."""
    children = list(cell)
    if (
        len(children) == 1
        and children[0].tag in _CELL_PARAGRAPHS
        and not (cell.text or "").strip()
        and not (children[0].tail or "").strip()
    ):
        unwrap(children[0])


def _content_as_block(element: HtmlElement) -> HtmlElement:
    """A new <div> holding what the element held (moved, not copied)."""
    block = new_element("div")
    block.text, element.text = element.text, None
    block.extend(list(element))
    return block


def drop_duplicate_images(root: HtmlElement, report: FragmentReport) -> None:
    """Remove a standalone image that shows again an image the fragment already showed.

    Responsive pages carry one copy for wide screens and one for narrow ones (Medium's
    u-xs-hide / u-xs-show); once the copies hold the same URL, the reader wants it once.
    An image inside running text (an emoticon repeated in a sentence) is not touched.
    """
    seen: set[str] = set()
    for image in elements(root, "img"):
        src = image.get("src") or ""
        if not src or not is_under(image, root):
            continue
        parent = image.getparent()
        standalone = parent is None or not _has_text_beside(parent)
        if src in seen and standalone:
            remove_keep_tail(image)
            report.repairs["duplicate-image"] += 1
        elif standalone:
            seen.add(src)


def _has_text_beside(parent: HtmlElement) -> bool:
    """Text among the element's children: its own text, text after a child, a comment that says something."""
    if (text := parent.text) and text.strip():
        return True
    return any(
        ((tail := child.tail) and tail.strip()) or (not isinstance(child.tag, str) and (child.text or "").strip())
        for child in parent
    )
