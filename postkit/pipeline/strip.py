"""Strip stage: remove cruft elements matched by the rule packs, then what is never content."""

from __future__ import annotations

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from postkit.pipeline.html import BLOCK_LEVEL, visible_text
from postkit.pipeline.report import FragmentReport, Removal, excerpt
from postkit.rules import RuleBook, document_keys, selector_could_match

# Removed with everything inside, after repair has taken image URLs out of <noscript>.
NEVER_CONTENT = ("script", "style", "noscript", "template", "link", "meta", "object", "embed", "form", "svg", "math",
                 "button", "input", "select", "textarea")
# Kept even when empty: they show something or hold a table together.
_MEDIA = ("img", "iframe", "video", "audio", "source", "hr", "br", "td", "th", "tr", "table", "picture")
# A generic rule may not remove an element holding more than this share of the fragment's text.
_ARTICLE_SHARE = 0.6
_MIN_TEXT_FOR_GUARD = 200


def strip_cruft(root: BeautifulSoup, rules: RuleBook, host: str | None, report: FragmentReport) -> None:
    """Remove elements matched by element-hiding rules, promo links and tracking pixels."""
    total = len("".join(visible_text(root).split()))
    for element, rule in list(rules.hiding.matches(root, host)):
        if element.parent is None or _detached(element):
            continue
        text = visible_text(element)
        chars = len("".join(text.split()))
        if not rule.include and total >= _MIN_TEXT_FOR_GUARD and chars > _ARTICLE_SHARE * total:
            # A generic rule that would take most of the post is matching the article itself.
            continue
        _remove(element, rule.kind, f"{rule.origin}: {rule.name}", text, report)
    for link in root.find_all("a", href=True):
        if _detached(link):
            continue
        hit = rules.links.match(str(link["href"]))
        if hit is not None:
            _remove(link, hit.kind, f"{hit.origin}: {hit.pattern}", visible_text(link), report)
    for image in root.find_all("img"):
        if _detached(image):
            continue
        src = str(image.get("src") or "")
        hit = rules.pixels.match(src) if src else None
        if hit is not None:
            _remove(image, hit.kind, f"{hit.origin}: {hit.pattern}", "", report)
        elif _is_pixel_sized(image):
            _remove(image, "tracking-pixel", "builtin: 1x1 image", "", report)


# The article must hold at least this share of a page's text to stand for the page.
_MAIN_SHARE = 0.3


def keep_main_article(root: BeautifulSoup, rules: RuleBook, report: FragmentReport) -> None:
    """When a whole page has one clear main article, keep the article and drop the rest of the page."""
    body = root.body or root
    keys = document_keys(body)
    candidates = [(s, c) for s, c in rules.main_article if selector_could_match(s, keys)]
    if not candidates:
        return
    total = len("".join(visible_text(body).split()))
    if total == 0:
        return
    for selector, compiled in candidates:
        found = compiled.select(body, limit=2)
        if len(found) != 1:
            continue
        article = found[0]
        kept = len("".join(visible_text(article).split()))
        if kept < _MAIN_SHARE * total:
            continue
        if kept == total and not _has_chrome(body, article):
            return  # the fragment is the article already
        outside = _text_outside(body, article)
        article = article.extract()
        body.clear()
        body.append(article)
        chars = len("".join(outside.split()))
        if chars:
            report.removals.append(Removal(kind="page-chrome", rule=f"main-article.txt: outside {selector}",
                                           excerpt=excerpt(outside), chars=chars))
        return


def _has_chrome(body: Tag, article: Tag) -> bool:
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


def strip_inert(root: BeautifulSoup, report: FragmentReport, keep: frozenset[str]) -> None:
    """Remove what is never content (scripts, styles, forms) and the empty wrappers cruft leaves."""
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
    _drop_trailing_rules(root)


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


def _is_pixel_sized(image: Tag) -> bool:
    width, height = str(image.get("width") or ""), str(image.get("height") or "")
    return width.strip() in ("0", "1") and height.strip() in ("0", "1")
