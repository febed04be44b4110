"""Parsing an HTML fragment into the one tree the stages share, and reading its visible text."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

from bs4 import BeautifulSoup, NavigableString, PageElement, Tag, XMLParsedAsHTMLWarning

# Elements whose content is never shown as text.
# An iframe's content is fallback shown only where frames are not supported; it becomes a link.
INVISIBLE = frozenset({"script", "style", "noscript", "template", "head", "title", "iframe"})


# Deeper nesting than this is flattened: the converter and selector matching recurse per level,
# and no article needs more (a page nested deeper is broken or hostile).
MAX_DEPTH = 100


class _FastFind:
    """Fast paths for the lookups the pipeline and markdownify make by tag name, for Tag and the
    document alike.

    bs4's general matcher builds a filter object per call; finding by plain names is a walk
    with a set lookup. Anything but a plain name lookup goes to bs4 unchanged.
    """

    descendants: Any
    parent: Any

    def find_all(self, name: Any = None, attrs: Any = None, recursive: bool = True,
                 string: Any = None, limit: Any = None, **kwargs: Any) -> Any:
        names = None if name is True else _plain_names(name)
        present = _present_attrs(attrs, kwargs)  # `href=True`: the attribute is there, whatever its value
        if (names is None and name is not True) or present is None or not recursive or string is not None or limit:
            general: Any = super().find_all  # type: ignore[misc]
            return general(name, attrs, recursive, string, limit, **kwargs)
        return [node for node in self.descendants if isinstance(node, Tag)
                and (names is None or node.name in names) and all(key in node.attrs for key in present)]

    def find_parent(self, name: Any = None, attrs: Any = None, **kwargs: Any) -> Any:
        names = _plain_names(name)
        if names is None or attrs or kwargs:
            general: Any = super().find_parent  # type: ignore[misc]
            return general(name, attrs, **kwargs)
        node = self.parent
        while node is not None:
            if node.name in names:
                return node
            node = node.parent
        return None


class FastTag(_FastFind, Tag):
    """bs4's Tag with the fast name lookups."""


class FastSoup(_FastFind, BeautifulSoup):
    """The document itself with the fast name lookups (most stages search from the root)."""


def _present_attrs(attrs: Any, kwargs: dict[str, Any]) -> tuple[str, ...] | None:
    """The attribute names a lookup asks to be present (``href=True``), or None for any other filter."""
    wanted = {**(attrs if isinstance(attrs, dict) else {}), **kwargs}
    if (attrs and not isinstance(attrs, dict)) or any(value is not True for value in wanted.values()):
        return None
    if "class_" in wanted:
        return None
    return tuple(wanted)


def _plain_names(name: Any) -> frozenset[str] | None:
    if isinstance(name, str):
        return frozenset((name,))
    if isinstance(name, (tuple, list, set, frozenset)) and all(isinstance(n, str) for n in name):
        return frozenset(name)
    return None


def parse_fragment(html: str) -> BeautifulSoup:
    """Parse a fragment with lxml (libxml2), the fastest parser bs4 offers, error-tolerant like a browser.

    Elements nested deeper than MAX_DEPTH are unwrapped (their content kept), so no later stage
    can run out of stack on hostile input.
    """
    with warnings.catch_warnings():
        # a fragment that starts like XML (<?xml ...>) is still HTML here, and parsed as such on purpose
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        tree = FastSoup(html, "lxml", element_classes={Tag: FastTag})
    flatten_deep_nesting(tree, MAX_DEPTH)
    return tree


def flatten_deep_nesting(root: Tag, limit: int) -> int:
    """Flatten what lies deeper than ``limit``, without recursion; returns how many subtrees were flattened.

    An element at the limit keeps, in order, only the text and the images, breaks and rules of
    its whole subtree: every word stays, the nesting goes. Done per subtree in one pass, since
    unwrapping level by level costs quadratic time on pages nested thousands deep.
    """
    depth: dict[int, int] = {id(root): 0}
    boundary: list[Tag] = []
    for element in root.find_all(True):
        parent = element.parent
        level = depth.get(id(parent), 0) + 1 if parent is not None else 1
        depth[id(element)] = level
        if level == limit and element.find(True) is not None:
            boundary.append(element)
    for element in boundary:
        kept = [node for node in element.descendants
                if (type(node) is NavigableString) or (isinstance(node, Tag) and node.name in _FLAT_KEEP)]
        for node in kept:
            node.extract()
            if isinstance(node, Tag):
                node.clear()
        element.clear()
        for node in kept:
            element.append(node)
    return len(boundary)


_FLAT_KEEP = frozenset({"img", "br", "hr"})


# Elements that start and end a line of text: their edges separate words.
BLOCK_LEVEL = frozenset({
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div", "dl", "dt", "figcaption",
    "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
    "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "iframe", "video", "img",
})


def walk_outside(root: Tag, skipped: frozenset[str]) -> Iterator[PageElement]:
    """Every node under root in document order, except the insides of the skipped elements
    (the skipped elements themselves are yielded, so a caller can see where they stand)."""
    skip_until: PageElement | None = None
    for node in root.descendants:
        if skip_until is not None:
            if node is skip_until:
                skip_until = None
            continue
        if isinstance(node, Tag) and node.name in skipped:
            last = node._last_descendant()
            if last is not None and last is not node:
                skip_until = last
        yield node


def visible_text(root: Tag) -> str:
    """The text a reader sees: text outside invisible elements and comments, a newline at block edges.

    Inline edges add nothing (``<b>K</b>onqueror`` is one word), block edges separate words.
    """
    parts: list[str] = []
    ends: set[int] = set()
    for node in walk_outside(root, INVISIBLE):
        if isinstance(node, Tag):
            if node.name in BLOCK_LEVEL and node.name not in INVISIBLE:
                parts.append("\n")
                last = node._last_descendant()
                if last is not None:
                    ends.add(id(last))
            continue
        if type(node) is NavigableString:
            parts.append(str(node))
        if id(node) in ends:
            parts.append("\n")
    return "".join(parts)




# Elements with no end tag in HTML5 serialization.
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                  "track", "wbr"})
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "\u00a0": "&nbsp;", "<": "&lt;", ">": "&gt;"})
_ATTRIBUTE_ESCAPES = str.maketrans({"&": "&amp;", "\u00a0": "&nbsp;", '"': "&quot;", "<": "&lt;", ">": "&gt;"})


def serialize_html(root: Tag) -> str | None:
    """The fragment under ``root`` (its body) written as the HTML5 serialization algorithm writes it.

    This is the form nh3 (html5ever) writes, so a fragment that already keeps the sanitizing
    policy comes back from nh3 unchanged; that equality is what lets the pipeline keep its own
    tree instead of parsing the sanitizer's output again. Returns None for a tree holding nodes
    that form has no plain spelling for (comments, doctypes, CDATA), which the caller then
    serializes the general way.
    """
    body = root.find("body") if isinstance(root, BeautifulSoup) else root
    parts: list[str] = []
    # end tags wait on the stack as text, written once the element's content is
    stack: list[PageElement | str] = list(reversed((body or root).contents))
    while stack:
        node = stack.pop()
        if isinstance(node, str) and not isinstance(node, NavigableString):
            parts.append(node)
        elif isinstance(node, Tag):
            attributes = "".join(f' {name}="{_attribute_text(value)}"' for name, value in node.attrs.items())
            parts.append(f"<{node.name}{attributes}>")
            if node.name not in VOID:
                stack.append(f"</{node.name}>")
                stack.extend(reversed(node.contents))
        elif type(node) is NavigableString:
            parts.append(node.translate(_TEXT_ESCAPES))
        else:
            return None
    return "".join(parts)


def _attribute_text(value: Any) -> str:
    return (" ".join(value) if isinstance(value, list) else str(value)).translate(_ATTRIBUTE_ESCAPES)
