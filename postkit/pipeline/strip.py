"""Strip stage: remove cruft elements matched by the rule packs, then what is never content."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from postkit.pipeline.html import BLOCK_LEVEL, visible_text
from postkit.pipeline.report import FragmentReport, Removal, excerpt
from postkit.rules import RuleBook, document_keys, selector_could_match

# Removed with everything inside, after repair has taken image URLs out of <noscript>.
NEVER_CONTENT = ("script", "style", "noscript", "template", "head", "title", "link", "meta", "object", "embed", "form",
                 "svg", "math",
                 "button", "input", "select", "textarea")
# Kept even when empty: they show something or hold a table together.
_MEDIA = ("img", "iframe", "video", "audio", "source", "hr", "br", "td", "th", "tr", "table", "picture")
# A generic rule may not remove an element holding more than this share of the fragment's text.
ARTICLE_SHARE = 0.6
MIN_TEXT_FOR_GUARD = 200
# The article must hold at least this share of a page's text to stand for the page.
MAIN_SHARE = 0.3


@dataclass(frozen=True)
class Cruft:
    """An element a hiding rule, promo-link or pixel pattern says is not content."""

    element: Tag
    kind: str
    rule: str


def find_cruft(root: BeautifulSoup, rules: RuleBook, host: str | None) -> list[Cruft]:
    """The outermost cruft elements in document order, as the strip stage removes them.

    A generic rule that would take most of a post (more than ARTICLE_SHARE of its text) is
    matching the article itself and is ignored; an element inside cruft is not listed again.
    """
    total = text_length(root)
    found: dict[int, Cruft] = {}
    for element, rule in rules.hiding.matches(root, host):
        if rule.include or total < MIN_TEXT_FOR_GUARD or text_length(element) <= ARTICLE_SHARE * total:
            found[id(element)] = Cruft(element, rule.kind, f"{rule.origin}: {rule.name}")
    for link in root.find_all("a", href=True):
        hit = rules.links.match(str(link["href"]))
        if hit is not None:
            found.setdefault(id(link), Cruft(link, hit.kind, f"{hit.origin}: {hit.pattern}"))
    for image in root.find_all("img"):
        src = str(image.get("src") or "")
        pixel = rules.pixels.match(src) if src else None
        if pixel is not None:
            found.setdefault(id(image), Cruft(image, pixel.kind, f"{pixel.origin}: {pixel.pattern}"))
        elif is_pixel_sized(image):
            found.setdefault(id(image), Cruft(image, "tracking-pixel", "builtin: 1x1 image"))
    return [cruft for element in root.find_all(True) if (cruft := found.get(id(element))) is not None
            and not any(id(parent) in found for parent in element.parents)]


def strip_cruft(root: BeautifulSoup, rules: RuleBook, host: str | None, report: FragmentReport) -> None:
    """Remove elements matched by element-hiding rules, promo links and tracking pixels."""
    for cruft in find_cruft(root, rules, host):
        _remove(cruft.element, cruft.kind, cruft.rule, visible_text(cruft.element), report)


def text_length(root: Tag) -> int:
    """Non-space characters of visible text."""
    return len("".join(visible_text(root).split()))


def find_main_article(root: BeautifulSoup, rules: RuleBook) -> tuple[str, Tag] | None:
    """The one element holding the article of a whole scraped page, with the selector that found it.

    None when no main-article selector matches exactly one element holding at least MAIN_SHARE
    of the page's text, or when the match is the whole fragment already.
    """
    body = root.body or root
    keys = document_keys(body)
    candidates = [(s, c) for s, c in rules.main_article if selector_could_match(s, keys)]
    if not candidates:
        return None
    total = text_length(body)
    if total == 0:
        return None
    for selector, compiled in candidates:
        found = compiled.select(body, limit=2)
        if len(found) != 1:
            continue
        kept = text_length(found[0])
        if kept < MAIN_SHARE * total:
            continue
        if kept == total and not has_chrome(body, found[0]):
            return None
        article = _widen_to_media(body, found[0], kept)
        if _prose_outside(body, article):
            return None  # not page chrome around an article: text a reader came for stands outside it
        return selector, article
    return None


# How much more text than the article a wrapper may hold to be taken in for its images.
_WIDEN_TEXT = 1.15


def _widen_to_media(body: Tag, article: Tag, kept: int) -> Tag:
    """Take in the article's wrappers while they add its lead image or embed and little text.

    Drupal keeps the lead image in a field beside the body field; WordPress themes put the
    featured image beside the entry content.
    """
    current = article
    while current.parent is not None and current.parent is not body and current.parent.name not in ("html", "body"):
        parent = current.parent
        media_outside = any(current not in node.parents for node in parent.find_all(("img", "iframe", "video")))
        if not media_outside or text_length(parent) > _WIDEN_TEXT * max(kept, 1):
            break
        current = parent
    return current


# A paragraph outside the article with this many characters of text not in links is prose.
_PROSE_CHARS = 20
_CHROME = ("header", "footer", "nav", "aside", "form")


def _prose_outside(body: Tag, article: Tag) -> bool:
    """True when a paragraph of prose (not a list of links) stands outside the article and outside
    the page's header, footer, navigation and sidebars."""
    for block in body.find_all(("p", "blockquote", "pre")):
        if block is article or article in block.parents or block in article.parents:
            continue
        if any(parent.name in _CHROME for parent in block.parents):
            continue
        text = "".join(visible_text(block).split())
        links = sum(len("".join(visible_text(a).split())) for a in block.find_all("a"))
        if len(text) - links >= _PROSE_CHARS:
            return True
    return False


def keep_main_article(root: BeautifulSoup, rules: RuleBook, report: FragmentReport) -> None:
    """When a whole page has one clear main article, keep the article and drop the rest of the page."""
    main = find_main_article(root, rules)
    if main is None:
        return
    selector, article = main
    body = root.body or root
    outside = _text_outside(body, article)
    body.clear()
    body.append(article.extract() if article.parent is not None else article)
    chars = len("".join(outside.split()))
    if chars:
        report.removals.append(Removal(kind="page-chrome", rule=f"main-article.txt: outside {selector}",
                                       excerpt=excerpt(outside), chars=chars))


def has_chrome(body: Tag, article: Tag) -> bool:
    """True when anything but whitespace stands outside the article (images, links without text)."""
    for element in body.find_all(("img", "iframe", "video", "a")):
        if article not in element.parents and element is not article:
            return True
    return False


def _text_outside(body: Tag, article: Tag) -> str:
    """The visible text of the page outside the article."""
    marker = body.new_string("")
    article.replace_with(marker)
    text = visible_text(body)
    marker.replace_with(article)
    return " ".join(text.split())


def drop_title_heading(root: BeautifulSoup, title: str | None, report: FragmentReport) -> None:
    """Remove the page's first heading when it only repeats the post's front-matter title."""
    if not title:
        return
    heading = root.find(("h1", "h2"))
    if not isinstance(heading, Tag):
        return
    text = " ".join(heading.get_text().split())
    wanted = " ".join(title.split())
    repeats = text and (text == wanted or (wanted.startswith(text) and _SITE_SUFFIX.fullmatch(wanted[len(text):])))
    if repeats and text_length(root) > text_length(heading):  # a post that is only its title keeps it
        _remove(heading, "title", "builtin: heading repeats the front-matter title", text, report)


# What sites append to a page title: " - iYouPort", " | Site".
_SITE_SUFFIX = re.compile(r"\s*[-|\u2013\u2014:]\s*\S.{0,60}")


def strip_inert(root: BeautifulSoup, report: FragmentReport, keep: frozenset[str]) -> None:
    """Remove what is never content (scripts, styles, forms) and the empty wrappers cruft leaves.

    An <object> goes, but the fallback inside it (what a browser shows without the plugin, often
    a link to the embedded PDF) stays in its place.
    """
    for element in root.find_all("object"):
        if _detached(element):
            continue
        for part in element.find_all(("param", "embed")):
            part.decompose()
        if visible_text(element).strip() or element.find("img") is not None:
            element.unwrap()
    for element in root.find_all(NEVER_CONTENT):
        if _detached(element):
            continue
        text = visible_text(element) if element.name in ("form", "button", "select", "textarea") else ""
        kind = "script" if element.name in ("script", "noscript", "template") else "inert"
        _remove(element, kind, f"builtin: <{element.name}>", text, report)
    for comment in root.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    unwrap_unknown(root, keep)
    remove_empty_wrappers(root)
    if report.removals:
        _drop_trailing_rules(root)  # the rule or break that separated the article from cruft now gone


def unwrap_unknown(root: BeautifulSoup, keep: frozenset[str]) -> None:
    """Replace elements the sanitizer policy does not allow by their content.

    Sanitizers differ on unknown elements: nh3 drops ``<tspan>`` with its text, bleach keeps
    the text. Unwrapping them first keeps the words and makes both backends agree.
    """
    for element in root.find_all(True):
        if element.name in keep or element.name in ("html", "body") or _detached(element):
            continue
        if element.name in BLOCK_LEVEL:
            element.name = "div"  # a block keeps its edges: its words must not run into the next block's
            element.attrs = {}
        else:
            element.unwrap()


def remove_empty_wrappers(root: Tag) -> None:
    """Remove elements with no text and no media inside, in one pass from the leaves up."""
    has_content: set[int] = set()
    for element in reversed(root.find_all(True)):
        if element.name in _MEDIA or any(
            (isinstance(child, Tag) and id(child) in has_content)
            or (type(child) is NavigableString and child.strip())
            for child in element.children
        ):
            has_content.add(id(element))
        elif element.name not in ("html", "body"):
            element.decompose()


def _drop_trailing_rules(root: BeautifulSoup) -> None:
    """A fragment that ends in <br> or <hr> after its cruft went has nothing to separate."""
    body = root.body or root
    while True:
        last = _last_meaningful(body)
        if last is None or last.name not in ("br", "hr"):
            return
        last.decompose()


def _last_meaningful(node: Tag) -> Tag | None:
    for child in reversed(list(node.children)):
        if isinstance(child, NavigableString):
            if child.strip():
                return None
            continue
        if isinstance(child, Tag):
            if child.name in ("br", "hr"):
                return child
            if child.name in _MEDIA:
                return None
            return _last_meaningful(child)
    return None


def _remove(element: Tag, kind: str, rule: str, text: str, report: FragmentReport) -> None:
    line = element.sourceline if isinstance(element.sourceline, int) else 1
    report.removals.append(
        Removal(kind=kind, rule=rule, excerpt=excerpt(text), chars=len("".join(text.split())), line=line)
    )
    element.decompose()


def _detached(element: Tag) -> bool:
    """True for an element inside one already removed (decompose leaves children marked)."""
    return bool(getattr(element, "decomposed", False)) or element.parent is None


def is_pixel_sized(image: Tag) -> bool:
    width, height = str(image.get("width") or ""), str(image.get("height") or "")
    return width.strip() in ("0", "1") and height.strip() in ("0", "1")
