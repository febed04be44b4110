"""Repair stage: real image URLs for lazy images, absolute URLs, no tracking parameters, figure shapes."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import SplitResult, parse_qsl, unquote, urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup, NavigableString, Tag

from postkit.pipeline.html import visible_text, walk_outside
from postkit.pipeline.report import FragmentReport
from postkit.rules import RuleBook

LAZY_ATTRS = ("data-lazy-src", "data-src", "data-original", "data-orig-file", "data-url")
SRCSET_ATTRS = ("data-lazy-srcset", "data-srcset", "srcset")
PLACEHOLDER_SRC = re.compile(r"^(?:data:|about:blank)|(?:blank|spacer|pixel|transparent|lazy[_-]?placeholder|grey|gray)"
                          r"\.(?:gif|png|svg)(?:\?|$)", re.IGNORECASE)
URL_ATTRS = {"a": ("href",), "img": ("src",), "iframe": ("src",), "video": ("src", "poster"),
              "source": ("src",), "audio": ("src",)}
_CANDIDATE = re.compile(r"\s*(\S+?)(?:\s+(\d+(?:\.\d+)?)([wx]))?\s*(?:,|$)")


def resolve_lazy_images(root: BeautifulSoup, report: FragmentReport) -> None:
    """Give every image the real URL its lazy loader hid, once.

    A lazy image carries a placeholder in ``src`` and the real URL in ``data-*`` attributes, a
    ``srcset`` or a ``<noscript>`` copy right after it. The copy is dropped when the image was
    repaired, and unwrapped when it is the only copy.
    """
    for image in root.find_all("img"):
        if getattr(image, "decomposed", False):
            continue  # the noscript copy of an image repaired just before
        src = str(image.get("src") or "").strip()
        real = lazy_url(image)
        placeholder = not src or bool(PLACEHOLDER_SRC.search(src))
        fallback = _noscript_copy(image)
        if real is None and placeholder and fallback is not None:
            real = str(fallback.get("src") or "") or None
        if real:
            real = _drop_query_param(real, "is-pending-load")  # Jetpack's lazy-load marker
        if real and real != src:
            image["src"] = real
            report.repairs["lazy-image"] += 1
        elif placeholder and not real:
            continue
        for attr in (*LAZY_ATTRS, *SRCSET_ATTRS, "sizes", "data-sizes", "loading"):
            if attr in image.attrs:
                del image[attr]
        if fallback is not None and fallback.parent is not None:
            noscript = fallback.find_parent("noscript")
            if noscript is not None:
                noscript.decompose()
    for frame in root.find_all(("iframe", "video", "audio")):
        if not str(frame.get("src") or "").strip():
            lazy = next((str(frame[a]).strip() for a in LAZY_ATTRS if str(frame.get(a) or "").strip()), "")
            if lazy:
                frame["src"] = lazy
                report.repairs["lazy-image"] += 1
    for noscript in root.find_all("noscript"):
        if noscript.parent is None or getattr(noscript, "decomposed", False):
            continue
        images = noscript.find_all("img")
        if images:
            # A noscript image with no lazy twin before it is the only copy of that image.
            inner = BeautifulSoup(noscript.decode_contents(), "lxml") if not noscript.find(True) else None
            if inner is not None and inner.body is not None:
                noscript.replace_with(*list(inner.body.contents))
            else:
                noscript.unwrap()


def lazy_url(image: Tag) -> str | None:
    for attr in LAZY_ATTRS:
        value = str(image.get(attr) or "").strip()
        if value and not PLACEHOLDER_SRC.search(value):
            return value
    for attr in SRCSET_ATTRS:
        value = str(image.get(attr) or "").strip()
        best = largest_candidate(value) if value else None
        if best and attr != "srcset":
            return best
        if best and attr == "srcset":
            src = str(image.get("src") or "")
            if not src or PLACEHOLDER_SRC.search(src):
                return best
    return None


def _drop_query_param(url: str, name: str) -> str:
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


def _noscript_copy(image: Tag) -> Tag | None:
    sibling = image.next_sibling
    while isinstance(sibling, NavigableString) and not sibling.strip():
        sibling = sibling.next_sibling
    if isinstance(sibling, Tag) and sibling.name == "noscript":
        copy = sibling.find("img")
        if copy is None and sibling.string:
            parsed = BeautifulSoup(str(sibling.string), "lxml").find("img")
            copy = parsed if isinstance(parsed, Tag) else None
            if copy is not None:
                sibling.clear()
                sibling.append(copy)
        return copy if isinstance(copy, Tag) else None
    return None


def unwrap_image_proxies(root: BeautifulSoup, report: FragmentReport) -> None:
    """Replace image-proxy URLs (images.weserv.nl, Jetpack Photon i0-i3.wp.com) with the image's own URL,
    in image sources and in links to the full-size image alike."""
    for element, attr in [(img, "src") for img in root.find_all("img")] + [(a, "href") for a in root.find_all("a")]:
        value = element.get(attr)
        real = proxied_url(value) if isinstance(value, str) and value else None
        if real is not None:
            element[attr] = real
            report.repairs["proxy-url"] += 1


def host_of(url: str | None) -> str | None:
    """The lower-case host of a URL, or None (no URL, no host, or one urlsplit refuses)."""
    parts = _split(url) if url else None
    return (parts.hostname or "").lower() or None if parts is not None else None


def _split(url: str) -> SplitResult | None:
    """urlsplit, or None for a URL it refuses (a broken IPv6 host, say): such a URL is left as it is."""
    try:
        return urlsplit(url)
    except ValueError:
        return None


def proxied_url(url: str) -> str | None:
    parts = _split(url)
    if parts is None:
        return None
    host = parts.hostname or ""
    if host in ("images.weserv.nl", "wsrv.nl"):
        target = dict(parse_qsl(parts.query)).get("url")
        if target:
            return target if re.match(r"^[a-z][a-z0-9+.-]*://", target) else "https://" + target.lstrip("/")
    if re.fullmatch(r"i[0-3]\.wp\.com", host) and parts.path.count("/") >= 2:
        inner = parts.path.lstrip("/")
        return "https://" + unquote(inner) if "." in inner.split("/", 1)[0] else None
    return None


def absolutize_urls(root: BeautifulSoup, base: str | None, report: FragmentReport) -> None:
    """Make relative and protocol-relative URLs absolute against the post's source URL."""
    for name, attrs in URL_ATTRS.items():
        for element in root.find_all(name):
            for attr in attrs:
                value = element.get(attr)
                if not isinstance(value, str) or not value.strip():
                    continue
                stripped = value.strip()
                if stripped.startswith("#") or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", stripped):
                    continue
                if stripped.startswith("//"):
                    base_parts = _split(base) if base else None
                    scheme = base_parts.scheme if base_parts else "https"
                    element[attr] = f"{scheme or 'https'}:{stripped}"
                elif base:
                    try:
                        element[attr] = urljoin(base, stripped)
                    except ValueError:
                        continue
                else:
                    continue
                report.repairs["url-absolute"] += 1


def drop_tracking_params(root: BeautifulSoup, rules: RuleBook, report: FragmentReport) -> None:
    """Remove tracking query parameters from links, keeping every other byte of the URL."""
    for link in root.find_all("a", href=True):
        href = str(link["href"])
        cleaned, dropped = strip_tracking(href, rules)
        if dropped:
            link["href"] = cleaned
            report.repairs["tracking-param"] += dropped


def strip_tracking(url: str, rules: RuleBook) -> tuple[str, int]:
    parts = _split(url)
    if parts is None or not parts.query:
        return url, 0
    pieces = parts.query.split("&")
    kept = [p for p in pieces if not rules.is_tracking_param(unquote(p.split("=", 1)[0]))]
    if len(kept) == len(pieces):
        return url, 0
    return urlunsplit(parts._replace(query="&".join(kept))), len(pieces) - len(kept)


def wrap_loose_captions(root: BeautifulSoup) -> None:
    """Zaobao puts <figcaption> right after a div.figure-media, outside any <figure>: make it one."""
    for caption in root.find_all("figcaption"):
        if caption.find_parent("figure") is not None:
            continue
        previous = caption.previous_sibling
        while isinstance(previous, NavigableString) and not previous.strip():
            previous = previous.previous_sibling
        if isinstance(previous, Tag) and previous.find("img") is not None:
            figure = root.new_tag("figure")
            previous.insert_before(figure)
            figure.append(previous.extract())
            figure.append(caption.extract())


_EMAIL = re.compile(r"[^@\s<>\"'()\[\]\\,;:]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_CLOUDFLARE_EMAIL = re.compile(r"/cdn-cgi/l/email-protection#(?P<code>(?:[0-9a-fA-F]{2})+)$")


def decode_protected_emails(root: BeautifulSoup, report: FragmentReport) -> None:
    """Put back the addresses Cloudflare's email obfuscation hid behind a script.

    Its pages show ``[email protected]`` linked to ``/cdn-cgi/l/email-protection#<hex>`` (or a
    ``data-cfemail`` span) until the script runs; the hex is the address XORed with its first byte.
    Without the script the archive keeps only the placeholder, so the address is decoded.
    """
    for element in root.find_all(True, attrs={"data-cfemail": True}):
        address = _cloudflare_decode(str(element["data-cfemail"]), strict=False)
        if address is None:
            continue
        if element.name == "a" and _EMAIL.fullmatch(address):
            element.clear()
            element.append(address)
            element["href"] = "mailto:" + address
        else:
            element.replace_with(NavigableString(address))
        report.repairs["email-decoded"] += 1
    for link in root.find_all("a", href=True):
        match = _CLOUDFLARE_EMAIL.search(str(link["href"]))
        address = _cloudflare_decode(match["code"]) if match else None
        if address is not None:
            link["href"] = "mailto:" + address
            report.repairs["email-decoded"] += 1


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


# Blockquotes a site's script turns into an embed; without the script they may hold only a link.
_EMBED_QUOTES = frozenset({"twitter-tweet", "twitter-video", "instagram-media", "tiktok-embed", "reddit-card"})


def link_empty_embeds(root: BeautifulSoup) -> None:
    """An embed blockquote with no text of its own becomes a link to what it embeds.

    `<blockquote class="twitter-tweet"><a href="…/status/1"></a></blockquote>` shows nothing
    without Twitter's script, and the empty-wrapper pass would drop it, tweet URL and all.
    """
    for quote in root.find_all("blockquote"):
        if not _EMBED_QUOTES.intersection(quote.get("class") or ()) or visible_text(quote).strip():
            continue
        if quote.find(("img", "iframe", "video")) is not None:
            continue
        urls = [str(a["href"]) for a in quote.find_all("a", href=True)
                if str(a["href"]).startswith(("https://", "http://"))]
        if not urls:
            continue
        paragraph = root.new_tag("p")
        link = root.new_tag("a", attrs={"href": urls[-1]})  # the embed's own permalink comes last
        link.string = urls[-1]
        paragraph.append(link)
        quote.replace_with(paragraph)


def join_segment_breaks(root: BeautifulSoup) -> None:
    """Remove line breaks of pretty-printed HTML between CJK characters instead of making them spaces.

    This is CSS Text's segment break rule: a break between two wide characters (or a wide
    character and punctuation) vanishes; elsewhere it is a space.
    """
    nodes = _text_nodes_outside(root, frozenset({"pre", "code", "script", "style", "textarea"}))
    texts = [str(n) for n in nodes]
    for i, node in enumerate(nodes):
        text = texts[i]
        if "\n" not in text:
            continue
        before = _last_char(texts, i - 1)
        after = _first_char(texts, i + 1)
        new = _INNER_BREAK.sub(lambda m: _join(m), text)
        stripped = new.strip()
        if not stripped:
            if before and after and _joins(before, after):
                new = ""
        else:
            lead = new[: len(new) - len(new.lstrip())]
            trail = new[len(new.rstrip()):]
            if "\n" in lead and before and _joins(before, stripped[0]):
                new = new.lstrip()
            if "\n" in trail and after and _joins(stripped[-1], after):
                new = new.rstrip()
        if new != text:
            texts[i] = new
            node.replace_with(NavigableString(new))


def _text_nodes_outside(root: Tag, skipped: frozenset[str]) -> list[NavigableString]:
    """Text nodes in document order, leaving out those inside the skipped elements."""
    return [node for node in walk_outside(root, skipped) if type(node) is NavigableString]


_INNER_BREAK = re.compile(r"(\S)([ \t]*\n\s*)(\S)")


def _join(match: re.Match[str]) -> str:
    a, gap, b = match.group(1), match.group(2), match.group(3)
    return a + b if _joins(a, b) else a + gap + b


def _last_char(texts: list[str], i: int) -> str:
    """The last non-space character before text node i, across whitespace-only nodes."""
    while i >= 0:
        stripped = texts[i].rstrip()
        if stripped:
            return stripped[-1]
        i -= 1
    return ""


def _first_char(texts: list[str], i: int) -> str:
    while i < len(texts):
        stripped = texts[i].lstrip()
        if stripped:
            return stripped[0]
        i += 1
    return ""


def is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _is_punct(char: str) -> bool:
    return unicodedata.category(char).startswith("P")


def _joins(a: str, b: str) -> bool:
    return (is_wide(a) and (is_wide(b) or _is_punct(b))) or (is_wide(b) and _is_punct(a))


_CELL_BLOCKS = ("table", "ul", "ol", "p", "div", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6")


def unwrap_layout_tables(root: BeautifulSoup) -> None:
    """Turn tables used for layout into their cells' content, one block per cell.

    A GFM table holds one line of inline text per cell; a table whose cells hold blocks
    (paragraphs, lists, other tables) or that has a single column is page layout, and as a
    pipe table it would run every paragraph of a cell into one line.
    """
    for table in root.find_all("table"):
        if getattr(table, "decomposed", False) or table.parent is None:
            continue
        cells = table.find_all(("td", "th"))
        rows = table.find_all("tr")
        single_column = all(len(row.find_all(("td", "th"), recursive=False)) <= 1 for row in rows)
        if not (single_column or any(cell.find(_CELL_BLOCKS) is not None for cell in cells)):
            continue
        blocks = []
        for cell in cells:
            if cell.find_parent("table") is not table:
                continue
            block = root.new_tag("div")
            block.extend(list(cell.contents))
            blocks.append(block)
        caption = table.find("caption")
        if caption is not None and caption.find_parent("table") is table:
            block = root.new_tag("div")
            block.extend(list(caption.contents))
            blocks.insert(0, block)
        table.replace_with(*blocks) if blocks else table.decompose()


def drop_duplicate_images(root: BeautifulSoup, report: FragmentReport) -> None:
    """Remove a standalone image that shows again an image the fragment already showed.

    Responsive pages carry one copy for wide screens and one for narrow ones (Medium's
    u-xs-hide / u-xs-show); once the copies hold the same URL, the reader wants it once.
    An image inside running text (an emoticon repeated in a sentence) is not touched.
    """
    seen: set[str] = set()
    for image in root.find_all("img"):
        src = str(image.get("src") or "")
        if not src or getattr(image, "decomposed", False):
            continue
        standalone = not any(isinstance(node, NavigableString) and node.strip()
                             for node in (image.parent.children if image.parent is not None else ()))
        if src in seen and standalone:
            image.decompose()
            report.repairs["duplicate-image"] += 1
        elif standalone:
            seen.add(src)
