"""Strip stage: remove cruft elements matched by the rule packs, then what is never content."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from lxml import etree

from postkit.pipeline.html import (
    BLOCK_LEVEL,
    INVISIBLE,
    NOT_TEXT,
    all_text,
    elements,
    first,
    is_under,
    new_element,
    plain_text,
    remove_children,
    remove_keep_tail,
    unwrap,
    visible_text,
)
from postkit.pipeline.report import FragmentReport, Removal, excerpt
from postkit.rules import DocumentKeys, RuleBook, any_of

if TYPE_CHECKING:
    from lxml.html import HtmlElement

# Removed with everything inside, after repair has taken image URLs out of <noscript>.
NEVER_CONTENT = (
    "script",
    "style",
    "noscript",
    "template",
    "head",
    "title",
    "link",
    "meta",
    "object",
    "embed",
    "form",
    "svg",
    "math",
    "button",
    "input",
    "select",
    "textarea",
)
# Kept even when empty: they show something or hold a table together.
_MEDIA = frozenset({"img", "iframe", "video", "audio", "source", "hr", "br", "td", "th", "tr", "table", "picture"})
# A generic rule may not remove an element holding more than this share of the fragment's text.
ARTICLE_SHARE = 0.6
MIN_TEXT_FOR_GUARD = 200
# The article must hold at least this share of a page's text to stand for the page.
MAIN_SHARE = 0.3


@dataclass(frozen=True)
class Cruft:
    """An element a hiding rule, promo-link or pixel pattern says is not content."""

    element: HtmlElement
    kind: str
    rule: str


def find_cruft(
    root: HtmlElement, rules: RuleBook, host: str | None, guarded: list[HtmlElement] | None = None
) -> list[Cruft]:
    """The outermost cruft elements in document order, as the strip stage removes them.

    A generic rule that would take most of a post (more than ARTICLE_SHARE of its text) is
    matching the article itself and is ignored (and the element added to ``guarded`` when given);
    an element inside cruft is not listed again.
    """
    # the fragment's text length, read only if a guard needs it (most fragments match no generic rule)
    total = _TextLength(root)
    found: dict[HtmlElement, Cruft] = {}
    for element, rule in rules.hiding.matches(root, host):
        if found and any(parent in found for parent in element.iterancestors()):
            continue  # inside cruft already found: it goes with it
        if rule.include or total() < MIN_TEXT_FOR_GUARD or _text_at_most(element, ARTICLE_SHARE * total()):
            found[element] = Cruft(element, rule.kind, f"{rule.origin}: {rule.name}")
        elif guarded is not None:
            guarded.append(element)
    for link in elements(root, "a"):
        href = link.get("href")
        hit = rules.links.match(href) if href is not None else None
        if hit is not None:
            found.setdefault(link, Cruft(link, hit.kind, f"{hit.origin}: {hit.pattern}"))
    for element, kind, named in find_chrome_text(root, total):
        found.setdefault(element, Cruft(element, kind, named))
    for image in elements(root, "img"):
        src = image.get("src") or ""
        pixel = rules.pixels.match(src) if src else None
        if pixel is not None:
            found.setdefault(image, Cruft(image, pixel.kind, f"{pixel.origin}: {pixel.pattern}"))
        elif is_pixel_sized(image):
            found.setdefault(image, Cruft(image, "tracking-pixel", "builtin: 1x1 image"))
    if len(found) < 2:
        return list(found.values())  # nothing to order, nothing inside another
    return [
        cruft
        for element in elements(root)
        if (cruft := found.get(element)) is not None and not any(parent in found for parent in element.iterancestors())
    ]


class _TextLength:
    """``text_length(root)``, counted on the first call only (a closure under ``functools.cache``
    cost more to make than most fragments cost to strip)."""

    __slots__ = ("length", "root")

    def __init__(self, root: HtmlElement) -> None:
        self.root = root
        self.length = -1

    def __call__(self) -> int:
        if self.length < 0:
            self.length = text_length(self.root)
        return self.length


def strip_cruft(root: HtmlElement, rules: RuleBook, host: str | None, report: FragmentReport) -> None:
    """Remove elements matched by element-hiding rules, chrome text, promo links and tracking pixels."""
    for cruft in remove_cruft(root, rules, host, report.locate, excerpts=report.excerpts):
        report.removals.append(cruft.removal)
    unwrap_caption_shortcodes(root, report)


def remove_cruft(
    root: HtmlElement,
    rules: RuleBook,
    host: str | None,
    locate: Callable[[HtmlElement], tuple[int, int]] | None = None,
    *,
    excerpts: bool = True,
) -> list[RemovedCruft]:
    """Remove what ``find_cruft`` finds, and what it finds again once that is gone.

    A wrapper the article guard kept because its cruft was most of the text (a thread of spam
    comments) is matched again after its items went; the second pass runs only then. Without
    ``excerpts`` the records hold no excerpt and no size: reading the text of every sidebar
    removed is work only explain shows.
    """
    removed: list[RemovedCruft] = []
    for _ in range(2):
        guarded: list[HtmlElement] = []
        found = find_cruft(root, rules, host, guarded)
        for cruft in found:
            separator = _drop_orphan_separator(cruft.element)
            text = visible_text(cruft.element) + separator if excerpts else ""
            removal = _removal(cruft.element, cruft.kind, cruft.rule, text, locate)
            removed.append(RemovedCruft(cruft, removal))
            remove_keep_tail(cruft.element)
        if not found or not any(is_under(element, root) for element in guarded):
            break
    return removed


@dataclass(frozen=True)
class RemovedCruft:
    """Cruft taken out of the tree, with the record the report keeps of it."""

    cruft: Cruft
    removal: Removal


# WordPress's [caption] shortcode, left as text when an export did not run it.
_CAPTION_OPEN = re.compile(r"\s*\[caption\b[^\]]*\]\s*")
_CAPTION_CLOSE = re.compile(r"\s*\[/caption\]\s*$")


def unwrap_caption_shortcodes(root: HtmlElement, report: FragmentReport) -> None:
    """``<p>[caption id=…]<img> Caption text[/caption]</p>`` becomes a figure with its caption.

    The shortcode's brackets are markup WordPress would have run, never words of the article;
    only a block that opens with the shortcode and an image (or a link around one) and ends with
    its closing tag is taken.
    """
    if "[caption" not in all_text(root):
        return  # most fragments: no block's text can open the shortcode
    for block in elements(root, "p", "div"):
        opening = _CAPTION_OPEN.match(block.text or "")
        if opening is None or opening.end() != len(block.text or ""):
            continue
        children = list(block)
        if not children:
            continue
        media = children[0]
        if not (media.tag == "img" or (media.tag == "a" and first(media, "img") is not None)):
            continue
        last = children[-1]
        closing = _CAPTION_CLOSE.search(last.tail or "")
        if closing is None:
            continue
        last.tail = (last.tail or "")[: closing.start()]
        shortcodes = opening.group().strip() + "[/caption]"
        report.removals.append(
            _removal(block, "shortcode", "builtin: WordPress [caption] shortcode", shortcodes, report.locate)
        )
        figure = new_element("figure")
        caption = new_element("figcaption")
        caption.text, media.tail = (media.tail or "").lstrip() or None, None
        caption.extend(children[1:])
        figure.append(media)
        if caption.text or len(caption):
            figure.append(caption)
        figure.tail = block.tail
        parent = block.getparent()
        if parent is not None:
            parent.replace(block, figure)


def text_length(root: HtmlElement) -> int:
    """Non-space characters of visible text (as ``visible_text`` reads it, newlines aside).

    Counted from the text libxml2 joins (``all_text``), less the text inside invisible elements: this
    runs for every element a rule matches, and walking the tree in Python each time is what it saves.
    """
    if root.tag in NOT_TEXT:
        return 0
    total = _non_space(all_text(root))
    for element in root.iterdescendants(*INVISIBLE):
        if not any(parent.tag in INVISIBLE for parent in _ancestors_below(element, root)):
            total -= _non_space(all_text(element))  # its tail is outside it, and not in its text
    return total


def _text_at_most(element: HtmlElement, limit: float) -> bool:
    """``text_length(element) <= limit``, answered from the length of all its text when that is
    within the limit already (it counts every character ``text_length`` counts, and more)."""
    return len(all_text(element)) <= limit or text_length(element) <= limit


def _non_space(text: str) -> int:
    return len("".join(text.split()))


def _ancestors_below(element: HtmlElement, root: HtmlElement) -> Iterator[HtmlElement]:
    for parent in element.iterancestors():
        if parent is root:
            return
        yield parent


def find_main_article(root: HtmlElement, rules: RuleBook) -> tuple[str, HtmlElement] | None:
    """The one element holding the article of a whole scraped page, with the selector that found it.

    None when no main-article selector matches exactly one element holding at least MAIN_SHARE
    of the page's text, or when the match is the whole fragment already.
    """
    body = _body(root)
    keys = DocumentKeys(body)
    candidates = [(s, c) for s, c in rules.main_article if keys.could_match(s)]
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


def _widen_to_media(body: HtmlElement, article: HtmlElement, kept: int) -> HtmlElement:
    """Take in the article's wrappers while they add its lead image or embed and little text.

    Drupal keeps the lead image in a field beside the body field; WordPress themes put the
    featured image beside the entry content.
    """
    current = article
    while (parent := current.getparent()) is not None and parent is not body and parent.tag not in ("html", "body"):
        media = parent.iterdescendants("img", "iframe", "video")
        media_outside = any(current not in node.iterancestors() for node in media)
        if not media_outside or text_length(parent) > _WIDEN_TEXT * max(kept, 1):
            break
        current = parent
    return current


# A paragraph outside the article with this many characters of text not in links is prose.
_PROSE_CHARS = 20
_CHROME = ("header", "footer", "nav", "aside", "form")


def _prose_outside(body: HtmlElement, article: HtmlElement) -> bool:
    """True when a paragraph of prose (not a list of links) stands outside the article and outside
    the page's header, footer, navigation and sidebars."""
    for block in elements(body, "p", "blockquote", "pre"):
        if block is article or article in block.iterancestors() or block in article.iterancestors():
            continue
        if any(parent.tag in _CHROME for parent in block.iterancestors()):
            continue
        links = sum(text_length(a) for a in block.iterdescendants("a"))
        if text_length(block) - links >= _PROSE_CHARS:
            return True
    return False


def keep_main_article(root: HtmlElement, rules: RuleBook, report: FragmentReport) -> None:
    """When a whole page has one clear main article, keep the article and drop the rest of the page."""
    main = find_main_article(root, rules)
    if main is None:
        return
    selector, article = main
    body = _body(root)
    outside = _text_outside(body, article)
    remove_keep_tail(article)
    remove_children(body)
    body.append(article)
    chars = len("".join(outside.split()))
    if chars:
        report.removals.append(
            Removal(
                kind="page-chrome", rule=f"main-article.txt: outside {selector}", excerpt=excerpt(outside), chars=chars
            )
        )


def _body(root: HtmlElement) -> HtmlElement:
    """The element holding the page: root itself, or its ``<body>`` when given the whole document."""
    body = root.find("body") if root.tag == "html" else None
    return body if body is not None else root


def has_chrome(body: HtmlElement, article: HtmlElement) -> bool:
    """True when anything but whitespace stands outside the article (images, links without text)."""
    for element in body.iterdescendants("img", "iframe", "video", "a"):
        if article not in element.iterancestors() and element is not article:
            return True
    return False


def _text_outside(body: HtmlElement, article: HtmlElement) -> str:
    """The visible text of the page outside the article."""
    parent = article.getparent()
    if parent is None:
        return " ".join(visible_text(body).split())
    marker = etree.Comment("")  # stands in the article's place; a comment adds no text
    marker.tail, article.tail = article.tail, None
    parent.replace(article, marker)
    text = visible_text(body)
    article.tail, marker.tail = marker.tail, None
    parent.replace(marker, article)
    return " ".join(text.split())


def drop_title_heading(root: HtmlElement, title: str | None, report: FragmentReport) -> None:
    """Remove the page's first heading when it only repeats the post's front-matter title."""
    if not title:
        return
    heading = first(root, "h1", "h2")
    if heading is None:
        return
    text = " ".join(plain_text(heading).split())
    wanted = " ".join(title.split())
    repeats = text and (text == wanted or (wanted.startswith(text) and _SITE_SUFFIX.fullmatch(wanted[len(text) :])))
    if repeats and text_length(root) > text_length(heading):  # a post that is only its title keeps it
        _remove(heading, "title", "builtin: heading repeats the front-matter title", text, report)


# What sites append to a page title: " - iYouPort", " | Site".
_SITE_SUFFIX = re.compile(r"\s*[-|\u2013\u2014:]\s*\S.{0,60}")


def strip_inert(root: HtmlElement, report: FragmentReport, keep: frozenset[str]) -> None:
    """Remove what is never content (scripts, styles, forms) and the empty wrappers cruft leaves.

    An <object> goes, but the fallback inside it (what a browser shows without the plugin, often
    a link to the embedded PDF) stays in its place.
    """
    for element in elements(root, "object"):
        if not is_under(element, root):
            continue
        for part in elements(element, "param", "embed"):
            remove_keep_tail(part)
        if visible_text(element).strip() or first(element, "img") is not None:
            unwrap(element)
    for element in elements(root, *NEVER_CONTENT):
        if not is_under(element, root):
            continue
        text = visible_text(element) if element.tag in ("form", "button", "select", "textarea") else ""
        kind = "script" if element.tag in ("script", "noscript", "template") else "inert"
        _remove(element, kind, f"builtin: <{element.tag}>", text, report)
    for comment in list(root.iterdescendants(etree.Comment, etree.ProcessingInstruction)):
        remove_keep_tail(comment)
    unwrap_unknown(root, keep)
    remove_empty_wrappers(root)
    if report.removals:
        _drop_trailing_rules(root)  # the rule or break that separated the article from cruft now gone


def unwrap_unknown(root: HtmlElement, keep: frozenset[str]) -> None:
    """Replace elements the sanitizer policy does not allow by their content.

    Sanitizers differ on unknown elements: nh3 drops ``<tspan>`` with its text, bleach keeps
    the text. Unwrapping them first keeps the words and makes both backends agree.
    """
    for element in elements(root):
        tag = element.tag
        if tag in keep or tag in ("html", "body") or not is_under(element, root):
            continue
        if tag in BLOCK_LEVEL:
            element.tag = "div"  # a block keeps its edges: its words must not run into the next block's
            element.attrib.clear()
        else:
            unwrap(element)


def remove_empty_wrappers(root: HtmlElement) -> None:
    """Remove elements with no text and no media inside, in one pass from the leaves up.

    White space is content where it separates words or stands in code: an element holding only
    white space (a highlighter's `<span> </span>` in `if<span> </span>(x)`) gives way to it.
    """
    has_content: set[HtmlElement] = set()
    for element in reversed(elements(root)):
        tag = element.tag
        if tag in _MEDIA or _holds_content(element, has_content):
            has_content.add(element)
        elif tag in ("html", "body"):
            continue
        elif _holds_space(element):
            unwrap(element)
        else:
            remove_keep_tail(element)


def _holds_space(element: HtmlElement) -> bool:
    return bool(element.text) or any(child.tail for child in element)


def _holds_content(element: HtmlElement, has_content: set[HtmlElement]) -> bool:
    """Text of its own, or a child already found to hold content (the text after a child is the element's)."""
    text = element.text
    if text and not text.isspace():
        return True
    return any(child in has_content or ((tail := child.tail) and not tail.isspace()) for child in element)


def _drop_trailing_rules(root: HtmlElement) -> None:
    """A fragment that ends in <br> or <hr> after its cruft went has nothing to separate."""
    body = _body(root)
    while True:
        last = _last_meaningful(body)
        if last is None or last.tag not in ("br", "hr"):
            return
        remove_keep_tail(last)


def _last_meaningful(node: HtmlElement) -> HtmlElement | None:
    """The element the fragment ends on, looking into the last element past blank text; None when
    text or media ends it."""
    for child in reversed(node):
        if (tail := child.tail) and tail.strip():
            return None
        if not isinstance(child.tag, str):
            if (text := child.text) and text.strip():
                return None
            continue
        if child.tag in ("br", "hr"):
            return child
        if child.tag in _MEDIA:
            return None
        return _last_meaningful(child)
    return None


def _remove(element: HtmlElement, kind: str, rule: str, text: str, report: FragmentReport) -> None:
    report.removals.append(_removal(element, kind, rule, text, report.locate))
    remove_keep_tail(element)


def _removal(
    element: HtmlElement, kind: str, rule: str, text: str, locate: Callable[[HtmlElement], tuple[int, int]] | None
) -> Removal:
    """The record of a removal, placed where validate and explain place the element (``locate``)."""
    if locate is not None:
        line, column = locate(element)
    else:
        line, column = (element.sourceline if isinstance(element.sourceline, int) else 1), 1
    return Removal(
        kind=kind, rule=rule, excerpt=excerpt(text), chars=len("".join(text.split())), line=line, column=column
    )


# A separator printed between links ("Podcast: <a>Play</a> | <a>Download</a>").
_SEPARATOR_AFTER = re.compile(r"^\s*[|\u00b7\u2022]\s*")
_SEPARATOR_BEFORE = re.compile(r"\s*[|\u00b7\u2022]\s*$")
_OPENS_A_RUN = (":", "\uff1a", "|", "\u00b7", "\u2022")


def _drop_orphan_separator(element: HtmlElement) -> str:
    """Drop the separator a removed link leaves with nothing on one side ("Podcast: | Download");
    returns what it dropped."""
    previous = element.getprevious()
    parent = element.getparent()
    before = (previous.tail if previous is not None else parent.text if parent is not None else None) or ""
    after = element.tail or ""
    if (found := _SEPARATOR_AFTER.match(after)) and (not before.strip() or before.rstrip().endswith(_OPENS_A_RUN)):
        element.tail = (" " if before.strip() else "") + after[found.end() :]
        return found.group()
    if before and (found := _SEPARATOR_BEFORE.search(before)) and not after.strip() and element.getnext() is None:
        trimmed = before[: found.start()]
        if previous is not None:
            previous.tail = trimmed
        elif parent is not None:
            parent.text = trimmed
        return found.group()
    return ""


def is_pixel_sized(image: HtmlElement) -> bool:
    width, height = image.get("width") or "", image.get("height") or ""
    return width.strip() in ("0", "1") and height.strip() in ("0", "1")


# Chrome text: cruft known by its words (postkit/rules/packs/chrome-text.txt).
CHROME_TEXT_PACK = "chrome-text.txt"
# Longer elements are never one chrome line or label: their text is not even read.
_CHROME_MAX_CHARS = 400
# Between two services of a bar: white space and the separators sites print.
_SEPARATORS = " \t\n\r\u00a0|\u00b7\u2022,/\u2013\u2014-:\uff1a"
_UNLINKED_CHARS = 24  # beside a related list item's link: a date or a comment count, not a sentence


@dataclass(frozen=True)
class ChromeText:
    """The phrases of the chrome-text pack, normalized (see ``chrome_key``)."""

    lines: dict[str, str] = field(default_factory=dict)  # whole text -> kind
    labels: dict[str, str] = field(default_factory=dict)  # label -> kind
    services: dict[str, tuple[str, ...]] = field(default_factory=dict)  # kind -> phrases, longest first
    service_labels: tuple[str, ...] = ()  # the labels whose kind has services: a bar may follow them on one line


def chrome_key(text: str) -> str:
    """Text as the pack matches it: case folded, white space collapsed, a trailing colon dropped."""
    return " ".join(text.split()).casefold().rstrip(":\uff1a").rstrip()


def parse_chrome_text(text: str) -> ChromeText:
    """Read a chrome-text pack: ``! kind:`` and ``! role:`` directives, then one phrase a line."""
    chrome = ChromeText()
    services: dict[str, set[str]] = {}
    kind, role = "chrome", "line"
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("!"):
            directive = re.fullmatch(r"!\s*(kind|role):\s*([\w-]+)\s*", line)
            if directive and directive.group(1) == "kind":
                kind = directive.group(2)
            elif directive:
                role = directive.group(2)
            continue
        if not line:
            continue
        key = chrome_key(line)
        if role == "label":
            chrome.labels[key] = kind
        elif role == "service":
            services.setdefault(kind, set()).add(key)
        else:
            chrome.lines[key] = kind
    for name, phrases in services.items():
        chrome.services[name] = tuple(sorted(phrases, key=len, reverse=True))
    return replace(chrome, service_labels=tuple(label for label, kind in chrome.labels.items() if kind in services))


@cache
def builtin_chrome_text() -> ChromeText:
    pack = resources.files("postkit.rules").joinpath("packs").joinpath(CHROME_TEXT_PACK)
    return parse_chrome_text(pack.read_text(encoding="utf-8"))


def find_chrome_text(root: HtmlElement, total: Callable[[], int]) -> Iterator[tuple[HtmlElement, str, str]]:
    """Elements the chrome-text pack names: whole chrome lines, and labels with the run they introduce.

    A run longer than ARTICLE_SHARE of the fragment's text (``total()``) is not taken (a post that
    is a list of links).
    """
    chrome = builtin_chrome_text()
    if not _may_hold_chrome(root, chrome):
        return
    taken: set[HtmlElement] = set()
    # Without invisible elements inside it, an element's own text is what a reader sees of it,
    # white space aside, so a key can only match when that text starts with a phrase of the pack:
    # looked at first, it spares reading the visible text of every short element. Only the
    # elements whose first text may open a phrase are gone through, unless invisible ones are
    # about (over the corpus, 720 fragments may hold chrome, of about 115 elements each).
    phrases = _phrases(chrome)
    holding_invisible = _holding_invisible(root)
    openers = _phrase_openers(root, phrases)
    for element in elements(root) if holding_invisible else openers:
        if element not in holding_invisible and (
            (opens := openers.get(element)) is None or not _opens_phrase(element, opens, phrases)
        ):
            continue
        if (
            element is root
            or element.tag in NOT_TEXT
            or not _has_text_within(element, _CHROME_MAX_CHARS)
            or any(parent in taken for parent in element.iterancestors())
        ):
            continue
        key = chrome_key(visible_text(element))
        found = _chrome_match(element, key, chrome)
        if found is None:
            continue
        kind, rule, run = found
        if total() >= MIN_TEXT_FOR_GUARD and sum(text_length(e) for e in run) > ARTICLE_SHARE * total():
            continue
        for part in run:
            taken.add(part)
            yield part, kind, f"{CHROME_TEXT_PACK}: {rule}"


def _opens_phrase(element: HtmlElement, opens: bool | None, phrases: _Phrases) -> bool:
    """Whether the element's text, without white space and case folded, starts with a phrase,
    given what its first piece of text told (``_phrase_openers``): yes, no (None), or only its
    whole text can tell (False: the piece is a proper start of a phrase)."""
    if opens is None:
        return False
    return opens or phrases.pattern.match("".join(all_text(element).split()).casefold()) is not None


def _phrase_openers(root: HtmlElement, phrases: _Phrases) -> dict[HtmlElement, bool]:
    """The elements under root (root too) whose first piece of text that is not all white space
    may open a phrase, in document order: True where the piece starts with one, False where it
    is a proper start of one (the text after it decides). One walk for all of them, each piece
    looked at once: a phrase longer than the piece can only match where the piece starts it.

    Elements wait from their start until a text comes; a text is the first of every element
    waiting, and an element that ends still waiting holds none.
    """
    found: dict[HtmlElement, bool] = {}
    waiting: list[HtmlElement] = []
    for event, node in etree.iterwalk(root, events=("start", "end", "comment", "pi")):
        if event == "start":
            waiting.append(node)
            text = node.text
        else:
            if event == "end" and waiting and waiting[-1] is node:
                waiting.pop()
            text = node.tail if node is not root else None
        if text and waiting and not text.isspace():
            opens = _piece_opens(text, phrases)
            if opens is not None:
                found.update(dict.fromkeys(waiting, opens))
            waiting.clear()
    return found


def _piece_opens(piece: str, phrases: _Phrases) -> bool | None:
    """What a first piece of text tells of a phrase at its start (see ``_phrase_openers``)."""
    if piece.lstrip()[0].casefold()[0] not in phrases.initials:
        return None
    start = "".join(piece.split()).casefold()
    if phrases.pattern.match(start) is not None:
        return True
    return False if start in phrases.starts else None


def _has_text_within(element: HtmlElement, limit: int) -> bool:
    """Whether the element holds text, and at most ``limit`` characters of it (each piece's outer
    white space aside): counted from the top, stopping once over."""
    left = limit - len((element.text or "").strip())
    stack = [iter(element)]
    while stack and left >= 0:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            continue
        left -= len((child.tail or "").strip())
        if isinstance(child.tag, str):
            left -= len((child.text or "").strip())
            stack.append(iter(child))
    return 0 <= left < limit


def _holding_invisible(root: HtmlElement) -> set[HtmlElement]:
    """The elements under root with an invisible element (a script, an iframe...) somewhere inside."""
    holding: set[HtmlElement] = set()
    for invisible in root.iterdescendants(*INVISIBLE):
        for parent in invisible.iterancestors():
            if parent is root or parent in holding:
                break
            holding.add(parent)
    return holding


def _may_hold_chrome(root: HtmlElement, chrome: ChromeText) -> bool:
    """A cheap first look: does any phrase of the pack stand in the fragment's text at all?

    Compared without white space, so text split over blocks (`<p>Share</p><p>this</p>`) is found.
    """
    text = "".join(all_text(root).split()).casefold()  # the same: no case folding makes or takes white space
    return _phrases(chrome).pattern.search(text) is not None


@dataclass(frozen=True)
class _Phrases:
    """A chrome-text pack's lines and labels, without white space: one search for any of them,
    their first characters, and every proper start of one."""

    pattern: re.Pattern[str]
    initials: frozenset[str]
    starts: frozenset[str]


_PHRASES: dict[int, _Phrases] = {}


def _phrases(chrome: ChromeText) -> _Phrases:
    """The pack's phrases as the look-ups need them, made once per pack."""
    key = id(chrome)
    if key not in _PHRASES:
        words = {"".join(phrase.split()) for phrase in (*chrome.lines, *chrome.labels)}
        _PHRASES[key] = _Phrases(
            pattern=any_of(sorted(words)),
            initials=frozenset(word[0] for word in words if word),
            starts=frozenset(word[:end] for word in words for end in range(1, len(word))),
        )
    return _PHRASES[key]


def _chrome_match(element: HtmlElement, key: str, chrome: ChromeText) -> tuple[str, str, list[HtmlElement]] | None:
    """(kind, rule, elements to remove) when the element is a chrome line, a label or a whole bar."""
    if key in chrome.lines:
        return chrome.lines[key], f"line {key!r}", [element]
    kind = chrome.labels.get(key)
    if kind is not None:
        phrases = chrome.services.get(kind)
        run = _service_run(element, phrases) if phrases else _link_list_after(element)
        if run:
            return kind, f"label {key!r}", [element, *run]
        return None
    if not key.startswith(chrome.service_labels):
        return None
    for label in chrome.service_labels:
        kind = chrome.labels[label]
        if key.startswith(label) and _services_in(key[len(label) :], chrome.services[kind]) >= 2:
            return kind, f"label {label!r} with services", [element]
    return None


def _services_in(text: str, phrases: tuple[str, ...]) -> int:
    """How many service phrases the text is made of, separators aside; 0 when anything else is in it."""
    count = 0
    rest = text.strip(_SEPARATORS)
    while rest:
        phrase = next((p for p in phrases if rest.startswith(p) and not rest[len(p) : len(p) + 1].isalnum()), None)
        if phrase is None:
            return 0
        count += 1
        rest = rest[len(phrase) :].lstrip(_SEPARATORS)
    return count


def _service_run(label: HtmlElement, phrases: tuple[str, ...]) -> list[HtmlElement]:
    """The siblings after the label made only of service names, while nothing else stands between;
    empty unless they name at least two services."""
    run: list[HtmlElement] = []
    count = 0
    sibling = label
    while (sibling.tail is None or not sibling.tail.strip(_SEPARATORS)) and (sibling := sibling.getnext()) is not None:
        if not isinstance(sibling.tag, str):
            continue
        if sibling.tag == "br":
            run.append(sibling)
            continue
        short = text_length(sibling) <= _CHROME_MAX_CHARS
        found = _services_in(chrome_key(visible_text(sibling)), phrases) if short else 0
        if not found:
            break
        count += found
        run.append(sibling)
    return run if count >= 2 else []


def _link_list_after(label: HtmlElement) -> list[HtmlElement]:
    """The list right after a related-posts label when each of its items is a link (a title and a date
    beside it at most)."""
    if label.tail and label.tail.strip():
        return []
    following = label.getnext()
    while following is not None and not isinstance(following.tag, str):
        following = following.getnext()
    if following is None or following.tag not in ("ul", "ol"):
        return []
    items = [item for item in following if item.tag == "li"]
    if not items:
        return []
    for item in items:
        linked = sum(text_length(link) for link in item.iterdescendants("a"))
        if linked == 0 or text_length(item) - linked > _UNLINKED_CHARS:
            return []
    return [following]
