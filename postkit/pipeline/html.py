"""Parsing an HTML fragment into the one lxml tree the stages share, reading its visible text, and
the few tree edits every stage needs (removing or unwrapping an element without losing text)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, cast

import lxml.html
from lxml import etree

if TYPE_CHECKING:
    from typing import TypeAlias

    from lxml.html import HtmlElement

    # an element or a comment of the tree; lxml gives both the element interface
    Node: TypeAlias = HtmlElement | etree._Comment

# Elements whose content is never shown as text.
# An iframe's content is fallback shown only where frames are not supported; it becomes a link.
INVISIBLE = frozenset({"script", "style", "noscript", "template", "head", "title", "iframe"})
# Elements whose content is never text of the page at all (code, styling, inert markup).
NOT_TEXT = frozenset({"script", "style", "template"})


# Deeper nesting than this is flattened: the converter and selector matching recurse per level,
# and no article needs more (a page nested deeper is broken or hostile).
MAX_DEPTH = 100


def parse_fragment(html: str) -> HtmlElement:
    """Parse a fragment with libxml2's HTML parser, error-tolerant like a browser, into its ``<body>``.

    The ``<body>`` element returned holds the whole fragment: what libxml2 files under ``<head>``
    (a leading ``<script>``, ``<style>`` or ``<link>``) and comments outside ``<html>`` are moved
    into it, in document order, so no stage misses them. Whitespace text is kept as written.
    A fragment that starts like XML (``<?xml ...>``) is still HTML here (libxml2 makes the
    declaration a comment). Elements nested deeper than MAX_DEPTH are unwrapped (their content
    kept), so no later stage can run out of stack on hostile input. Control characters other than
    tab and line ends become U+FFFD (a form feed, which is whitespace, a space), written or, where
    the parser decodes references, as one (`&#1;`): lxml refuses them in any text a stage sets,
    and libxml2 already makes a NUL U+FFFD.
    """
    if html.startswith("\ufeff"):
        html = html[1:]  # lxml reads a leading BOM as text
    html = _xml_safe(html)
    document = _parse_document(html)
    if document is None:
        # nothing but comments and spaces: libxml2 builds no tree, so give the fragment a body
        document = _parse_document("<body>" + html)
    if document is not None and _refers_to_control_characters(html):
        _replace_control_characters(document)
    body = _gather_body(document) if document is not None else lxml.html.Element("body")
    if html.count("<") < _FEW_TAGS:
        return body  # too few tags to nest anything MAX_DEPTH deep: nothing to flatten
    if _flatten(body, MAX_DEPTH)[1] >= _LIBXML2_MAX_DEPTH:
        # libxml2 stops building (and drops the rest of the page) at its depth limit; its parser
        # events have none, so the tree is built from them instead, flattened as it grows
        target = _FlatteningTarget(MAX_DEPTH)
        parser = etree.HTMLParser(target=target, recover=True)
        parser.feed(html)
        body = _gather_body(parser.close())
    return body


# Characters libxml2 parses but lxml refuses in any string written into a tree (control
# characters, noncharacters, lone surrogates): a stage that joins or sets text would fail on them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_stand_in(match: re.Match[str]) -> str:
    """A form feed is whitespace to HTML and becomes a space; anything else is U+FFFD, as a NUL is."""
    return " " if match.group(0) == "\x0c" else "\ufffd"


# A numeric character reference to one of them (`&#1;`, `&#x0B`): libxml2 decodes it where it
# decodes references (text and attribute values), and the tree then holds the character itself.
# Spelled out by number (zeros before it aside), so one search in C tells, not a Python test of
# every reference a page holds (WordPress writes each quote mark as one): a reference names
# one only when its digits end there, as reading at most eight digits, the way it was, found.
_CONTROL_REFERENCE = re.compile(
    r"&#(?:[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|[fF]{3}[eEfF]|[dD][89a-fA-F][0-9a-fA-F]{2})(?![0-9a-fA-F])"
    r"|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]|6553[45]|5529[6-9]|55[3-9][0-9]{2}|56[0-9]{3}|57[0-2][0-9]{2}"
    r"|573[0-3][0-9]|5734[0-3])(?![0-9]))"
)


def _refers_to_control_characters(html: str) -> bool:
    # no `"&#" in html` first: str's search for two characters reads each one in turn, re's
    # for its literal start skips ahead (half the time over the corpus's fragments)
    return _CONTROL_REFERENCE.search(html) is not None


def _xml_safe(text: str) -> str:
    """The text as lxml will hold it: what a reference decoded to, made what the raw character is made."""
    return _NOT_XML.sub(_xml_stand_in, text) if _NOT_XML.search(text) else text


def _replace_control_characters(document: HtmlElement) -> None:
    """What the parser decoded from such references, in texts, tails and attribute values, made
    what the raw characters are made before parsing: the tree is fixed, not the source, so a
    reference in a tag or a raw-text element reads as the parser read it."""
    for top in (*document.itersiblings(preceding=True), document, *document.itersiblings()):
        for node in top.iter():
            if node.text and (safe := _xml_safe(node.text)) != node.text:
                node.text = safe
            if node.tail and (safe := _xml_safe(node.tail)) != node.tail:
                node.tail = safe
            if isinstance(node.tag, str):
                for name, value in node.attrib.items():
                    if (safe := _xml_safe(value)) != value:
                        node.set(name, safe)


def _xml_safe_attributes(attributes: dict[str, str]) -> dict[str, str]:
    return {name: _xml_safe(value) for name, value in attributes.items()}


# libxml2 builds trees at most this deep (without XML_PARSE_HUGE, as bs4 ran it).
_LIBXML2_MAX_DEPTH = 256
# Each element below <body> opens at a `<` of the source; libxml2 adds only <html>, <head>, <body>
# and a <p> it implies at the top. A fragment with fewer `<` than this has no element MAX_DEPTH deep.
_FEW_TAGS = MAX_DEPTH - 8


class _FlatteningTarget:
    """Parser events to an lxml tree, flattened at ``limit`` while it is built: past the limit only
    text (outside scripts, styles and templates) and empty images, breaks and rules are kept."""

    def __init__(self, limit: int) -> None:
        self._builder = etree.TreeBuilder(parser=lxml.html.HTMLParser())
        self._limit = limit
        self._depth = 0
        self._not_text_from = 0  # depth of the script, style or template past the limit we are in
        self._outside: list[str] = []

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        self._depth += 1
        if self._depth <= self._limit:
            self._builder.start(tag, _xml_safe_attributes(attributes))
        elif self._not_text_from:
            return
        elif tag in _FLAT_KEEP:
            self._builder.start(tag, _xml_safe_attributes(attributes))
            self._builder.end(tag)
        elif tag in NOT_TEXT:
            self._not_text_from = self._depth

    def end(self, tag: str) -> None:
        if self._depth <= self._limit:
            self._builder.end(tag)
        elif self._not_text_from == self._depth:
            self._not_text_from = 0
        self._depth -= 1

    def data(self, text: str) -> None:
        if not self._not_text_from:
            self._builder.data(_xml_safe(text))

    def comment(self, text: str) -> None:
        text = _xml_safe(text)
        if not self._depth:
            self._outside.append(text)  # before <html>: the builder has no place for it yet
        elif self._depth < self._limit:
            self._builder.comment(text)

    def close(self) -> HtmlElement:
        root: HtmlElement = self._builder.close()
        for text in self._outside:
            root.addprevious(lxml.html.HtmlComment(text))
        return root


# Every element an HtmlElement, every comment an HtmlComment, chosen in C: lxml.html's own lookup
# (form and input classes) calls into Python for every element the stages touch.
_CLASSES = etree.ElementDefaultClassLookup(element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment)


def _parse_document(html: str) -> HtmlElement | None:
    # the feed interface is the one bs4's lxml builder used, so tree shapes stay what they were
    parser = etree.HTMLParser(recover=True)
    parser.set_element_class_lookup(_CLASSES)
    try:
        parser.feed(html)
        root: HtmlElement | None = parser.close()
    except etree.XMLSyntaxError:
        return None  # "Document is empty"
    return root


def _gather_body(document: HtmlElement) -> HtmlElement:
    body = document.find("body")
    if body is None:
        body = lxml.html.Element("body")
        document.append(body)
    leading: list[Node] = list(reversed(list(document.itersiblings(preceding=True))))
    head = document.find("head")
    if head is not None:  # libxml2 puts no text in a head: text starts the body
        leading.extend(head)
        document.remove(head)
    trailing = list(document.itersiblings())
    if leading:
        text, body.text = body.text, None
        for position, node in enumerate(leading):
            body.insert(position, node)
        last = leading[-1]
        last.tail = ((last.tail or "") + (text or "")) or None
    for node in trailing:
        node.tail = None
        body.append(node)
    return body


def flatten_deep_nesting(root: HtmlElement, limit: int) -> int:
    """Flatten what lies deeper than ``limit``, without recursion; returns how many subtrees were flattened.

    Depth counts from the document: ``<html>`` is at 1 and ``<body>`` at 2, wherever ``root`` is.
    An element at the limit keeps, in order, only the text and the images, breaks and rules of
    its whole subtree: every word stays, the nesting goes. Done per subtree in one pass, since
    unwrapping level by level costs quadratic time on pages nested thousands deep.
    """
    return _flatten(root, limit)[0]


@lru_cache(maxsize=8)
def _reaches(levels: int) -> etree.XPath:
    """An XPath that says whether any element stands ``levels`` below the context element."""
    return etree.XPath("boolean(" + "/".join(["*"] * levels) + ")")


def _flatten(root: HtmlElement, limit: int) -> tuple[int, int]:
    """Flatten at ``limit``; returns how many subtrees were flattened and the depth of the deepest element."""
    deepest = sum(1 for _ in root.iterancestors()) + 1
    if limit > deepest and not _reaches(limit - deepest)(root):
        return 0, limit - 1  # nothing that deep (libxml2 answers in C): the usual case
    depth: dict[HtmlElement, int] = {root: deepest}
    boundary: list[HtmlElement] = []
    for element in root.iterdescendants(etree.Element):
        level = depth[element.getparent()] + 1
        depth[element] = level
        if level > deepest:
            deepest = level
        if level == limit and next(element.iterdescendants(etree.Element), None) is not None:
            boundary.append(element)
    for element in boundary:
        pieces = list(_flat_pieces(element))
        remove_children(element)
        previous: HtmlElement | None = None
        for piece in pieces:
            if isinstance(piece, str):
                _append_text(element, previous, piece)
            else:
                remove_children(piece)
                piece.tail = None
                element.append(piece)
                previous = piece
    return len(boundary), deepest


_FLAT_KEEP = frozenset({"img", "br", "hr"})


def _flat_pieces(element: HtmlElement) -> Iterator[str | HtmlElement]:
    """The text (outside scripts, styles, templates and comments) and the images, breaks and rules
    under ``element``, in document order."""
    for node, text, _ in text_and_nodes(element, NOT_TEXT):
        if text is not None:
            yield text
        elif node.tag in _FLAT_KEEP:
            yield node


def text_and_nodes(root: HtmlElement, skipped: frozenset[str]) -> list[tuple[Node, str | None, bool]]:
    """Every node under root in document order, as ``(node, text, is_tail)``.

    An element or comment comes as ``(node, None, False)``; a piece of text as ``(owner, text, False)``
    for the text that starts the owner and ``(owner, text, True)`` for the text after it. The insides
    of the skipped elements and the text of comments are left out (a skipped element itself is
    given, and the text after it, which is outside it).
    """
    return _walk_text(root, skipped, with_nodes=True)


def text_pieces(root: HtmlElement, skipped: frozenset[str]) -> list[tuple[Node, str, bool]]:
    """The pieces of text ``text_and_nodes`` gives, as ``(owner, text, is_tail)``: the nodes left out."""
    # without the nodes, every text is a string
    return cast("list[tuple[Node, str, bool]]", _walk_text(root, skipped, with_nodes=False))


def _walk_text(root: HtmlElement, skipped: frozenset[str], *, with_nodes: bool) -> list[tuple[Node, str | None, bool]]:
    """``text_and_nodes``, or its texts alone, built as a list in one loop (no generator to resume per piece).

    libxml2 walks the tree (lxml's iterwalk: an element's start and end, a comment once);
    walked in Python with a stack, a Chinese page's text cost 1.6 times as much.
    """
    found: list[tuple[Node, str | None, bool]] = []
    add = found.append
    # each text read once: lxml makes a new string from the tree's UTF-8 at every read
    walker = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    for event, node in walker:
        if node is root:
            if event == "start" and isinstance(root.tag, str) and (text := root.text):
                add((root, text, False))
            continue
        if event == "end":
            if text := node.tail:
                add((node, text, True))
            continue
        if with_nodes:
            add((node, None, False))
        if event != "start":  # a comment or processing instruction: no end, no text of its own
            if text := node.tail:
                add((node, text, True))
        elif node.tag in skipped:
            walker.skip_subtree()
        elif text := node.text:
            add((node, text, False))
    return found


# Elements that start and end a line of text: their edges separate words.
BLOCK_LEVEL = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "caption",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
        "iframe",
        "video",
        "img",
    }
)


_ALL_TEXT = etree.XPath("string()", smart_strings=False)


def all_text(element: etree._Element) -> str:
    """Every piece of text under ``element``, comments aside (scripts included), without its tail.

    The same string as ``"".join(element.itertext())``, joined by libxml2 instead of one Python
    string per text node: about twice as fast on a pretty-printed page.
    """
    text: str = _ALL_TEXT(element)
    return text


def visible_text(root: HtmlElement) -> str:
    """The text a reader sees: text outside invisible elements and comments, a newline at block edges.

    Inline edges add nothing (``<b>K</b>onqueror`` is one word), block edges separate words: a
    block adds a newline before it and one after its last piece of text (blocks that end on the
    same piece add one newline between them; a block that ends on an element or inside an
    invisible one adds none). Recursive: the tree is flattened at MAX_DEPTH.
    """
    if root.tag in NOT_TEXT:
        return ""
    reader = _VisibleText()
    reader.read(root)
    return "".join(reader.parts)


class _VisibleText:
    """The walk of ``visible_text``: pieces are numbered so that blocks ending on the same one add one newline."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pieces = 0  # text pieces and comments met so far
        self.newline_after = 0  # the piece a closing newline was last written after

    def read(self, element: HtmlElement) -> int:
        """Write the content of ``element``; returns the number of its last piece, 0 when it ends otherwise."""
        last = 0
        if text := element.text:  # each text read once: lxml makes a new string at every read
            self.parts.append(text)
            self.pieces += 1
            last = self.pieces
        for child in element:
            tag = child.tag
            if not isinstance(tag, str):
                self.pieces += 1  # a comment: no text, but it can end a block
                last = self.pieces
            elif tag in INVISIBLE:
                last = 0
            elif tag in BLOCK_LEVEL:
                self.parts.append("\n")
                last = self.read(child)
                if last and last != self.newline_after:
                    self.parts.append("\n")
                    self.newline_after = last
            else:
                last = self.read(child)
            if tail := child.tail:
                self.parts.append(tail)
                self.pieces += 1
                last = self.pieces
        return last


def plain_text(root: HtmlElement) -> str:
    """All the text under root, without comments and the insides of scripts, styles and templates."""
    return "".join([text for _, text, _ in text_pieces(root, NOT_TEXT)])


def elements(root: HtmlElement, *tags: str) -> list[HtmlElement]:
    """The elements under root (not root itself), in document order, only those named when names are given.

    A list, so the caller may change the tree while it goes through them.
    """
    if tags:
        return list(root.iterdescendants(*tags))
    return list(root.iterdescendants(etree.Element))


def first(root: HtmlElement, *tags: str) -> HtmlElement | None:
    """The first element under root with one of the names, in document order."""
    return next(root.iterdescendants(*tags), None)


def ancestor(element: HtmlElement, *tags: str) -> HtmlElement | None:
    """The nearest ancestor with one of the names."""
    return next(element.iterancestors(*tags), None)


def is_under(element: Node, root: HtmlElement) -> bool:
    """True while ``element`` is still in root's tree (a removed element, or one inside it, is not)."""
    return any(parent is root for parent in element.iterancestors())


def _append_text(parent: HtmlElement, previous: Node | None, text: str) -> None:
    """Put text where it follows ``previous`` (or starts ``parent`` when there is none)."""
    if previous is None:
        parent.text = before + text if (before := parent.text) else text
    else:
        previous.tail = before + text if (before := previous.tail) else text


def remove_keep_tail(element: Node) -> None:
    """Remove an element (or comment) with everything inside it, keeping the text that follows it.

    lxml keeps the text after an element as the element's ``tail``; ``parent.remove`` alone
    would drop it with the element.
    """
    parent = element.getparent()
    if parent is None:
        return
    if tail := element.tail:  # read once: lxml makes a new string at every read
        _append_text(parent, element.getprevious(), tail)
        element.tail = None
    parent.remove(element)


def unwrap(element: HtmlElement) -> None:
    """Replace an element by its content: its text and children take its place, its tail follows them."""
    parent = element.getparent()
    if parent is None:
        return
    if text := element.text:
        _append_text(parent, element.getprevious(), text)
        element.text = None
    for child in list(element):
        element.addprevious(child)  # moves the child with its tail
    remove_keep_tail(element)


def replace_keep_tail(element: HtmlElement, *replacements: HtmlElement | str) -> None:
    """Put elements and text in the place of ``element``; the text after it stays after them."""
    parent = element.getparent()
    if parent is None:
        return
    previous = element.getprevious()
    for replacement in replacements:
        if isinstance(replacement, str):
            _append_text(parent, previous, replacement)
        else:
            replacement.tail = None
            element.addprevious(replacement)
            previous = replacement
    remove_keep_tail(element)


def remove_children(element: HtmlElement) -> None:
    """Empty an element (its text and children), keeping its attributes and tail."""
    element.text = None
    for child in list(element):
        element.remove(child)


def set_attribute(element: HtmlElement, name: str, value: str) -> None:
    """Set an attribute to a value made from text outside the tree (a decoded or joined URL): the
    characters lxml refuses become what ``parse_fragment`` makes of them."""
    element.set(name, _xml_safe(value))


def new_element(tag: str, attributes: dict[str, str] | None = None, text: str | None = None) -> HtmlElement:
    element: HtmlElement = lxml.html.Element(tag, attributes or {})
    if text is not None:
        element.text = text
    return element


# Elements with no end tag in HTML5 serialization.
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
)
# The elements libxml2's parser closes at once: any other may hold what follows it (libxml2 nests
# what follows a <source> or <embed> inside it), so it is written with its end tag.
_LIBXML2_VOID = frozenset(
    {"area", "base", "basefont", "br", "col", "frame", "hr", "img", "input", "isindex", "link", "meta", "param"}
)
# Elements whose text libxml2 reads as it stands, entities and tags included.
_RAW_TEXT = frozenset({"script", "style", "xmp", "iframe", "noembed", "noframes", "plaintext"})


def _escape_text(text: str) -> str:
    # a chain of replace calls: about four times faster than str.translate with a table
    return text.replace("&", "&amp;").replace("\u00a0", "&nbsp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attribute(value: str) -> str:
    return _escape_text(value).replace('"', "&quot;")


def serialize_html(root: HtmlElement) -> str | None:
    """The fragment under ``root`` (its content, not root's own tag) written as the HTML5
    serialization algorithm writes it.

    This is the form nh3 (html5ever) writes, so a fragment that already keeps the sanitizing
    policy comes back from nh3 unchanged; that equality is what lets the pipeline keep its own
    tree instead of parsing the sanitizer's output again. Returns None for a tree holding nodes
    that form has no plain spelling for (comments, processing instructions, text in scripts and
    styles), which the caller then serializes the general way.
    """
    return _write(root, html5=True)


def inner_html(root: HtmlElement) -> str:
    """The content of ``root`` written so that libxml2's parser reads back the same tree.

    For the general case (comments, scripts) and for handing the tree to another libxml2-based
    parser: void elements are libxml2's, raw text is written as it stands.
    """
    written = _write(root, html5=False)
    assert written is not None  # only the HTML5 form refuses nodes
    return written


def _write(root: HtmlElement, *, html5: bool) -> str | None:
    void = VOID if html5 else _LIBXML2_VOID
    parts: list[str] = []
    append = parts.append

    # The content of an element, by recursion: parse_fragment flattens what lies deeper than
    # MAX_DEPTH, so no tree the pipeline makes comes near Python's recursion limit.
    def write(element: HtmlElement) -> None:
        for node in element:
            tag = node.tag
            if not isinstance(tag, str):
                if html5 or not isinstance(node, etree._Comment):
                    raise _NoPlainForm
                append(f"<!--{node.text or ''}-->")
            else:
                attributes = node.attrib
                if attributes:
                    append(f"<{tag}" + "".join([f' {n}="{_escape_attribute(v)}"' for n, v in attributes.items()]) + ">")
                else:
                    append(f"<{tag}>")
                if tag not in void:
                    text = node.text
                    if html5 and tag in NOT_TEXT and (text or len(node)):
                        raise _NoPlainForm
                    if text:
                        append(text if not html5 and tag in _RAW_TEXT else _escape_text(text))
                    if len(node):
                        write(node)
                    append(f"</{tag}>")
            if tail := node.tail:  # read once: lxml makes a new string at every read
                append(_escape_text(tail))

    if root.text:
        append(root.text if not html5 and root.tag in _RAW_TEXT else _escape_text(root.text))
    try:
        write(root)
    except _NoPlainForm:
        return None if html5 else ""
    return "".join(parts)


class _NoPlainForm(Exception):
    """A node the serialization being written has no spelling for."""
