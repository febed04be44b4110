"""The body of a post, parsed once: its HTML spans and their trees, code, cruft and file positions.

One model for ``clean``, ``validate`` and ``explain``: ``find_html`` splits the body once,
``parse_fragment`` parses each span once, the rule book says what is cruft, and an element is
placed in the file by the same rule wherever it is reported, so the same ad slot has the same
line and column in all three.

lxml gives elements no source columns, so an element is found again in its span's source
text by its opening tag: same name, same attributes, same place among the tags that look
alike. HTML in archives is often one very long line, so the column is as exact as the line.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from markdown_it.common.utils import unescapeAll
from markdown_it.token import Token

from postkit.markdown_parser import ReadingMarkdownIt, read_the_rest, with_line_table
from postkit.pipeline.html import INVISIBLE, elements, parse_fragment
from postkit.pipeline.repair import host_of
from postkit.pipeline.strip import Cruft, find_cruft, find_main_article
from postkit.rules import RuleBook
from postkit.segments import (
    PLACEHOLDER_RE,
    TAG_ATTRIBUTES,
    HtmlSpan,
    find_html,
    line_offsets,
    link_url_lookalikes,
    markdown_link_urls,
    may_hold_html,
    normalize_newlines,
)

if TYPE_CHECKING:
    from lxml.html import HtmlElement

# Elements whose content is text to the HTML parser, not tags: their insides are skipped when
# looking for opening tags.
_RAW_TEXT = frozenset({"script", "style", "textarea", "title", "xmp"})
_SOURCE_TOKEN = re.compile(rf"<!--.*?(?:-->|\Z)|<([A-Za-z][A-Za-z0-9:-]*)({TAG_ATTRIBUTES})>", re.DOTALL)
_ATTRIBUTE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_COMMENT_OR_RAW = re.compile(r"<(script|style|textarea)\b.*?</\1\s*>|<!--(.*?)-->", re.DOTALL | re.IGNORECASE)
# CommonMark, as find_html reads the body; and its code spans (a run of backticks to the same run).
_MARKDOWN = with_line_table(ReadingMarkdownIt("commonmark"))
_MARKDOWN_HTML = with_line_table(ReadingMarkdownIt("commonmark", html_only=True))  # the same, for the spans
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
# Elements that show something without holding text: a body with one of them is not empty.
MEDIA = frozenset({"img", "picture", "video", "audio", "iframe", "embed", "object", "svg", "canvas"})


class Position(NamedTuple):
    """A 1-based line and column in a file."""

    line: int
    column: int


# An element or a source tag as compared: its name and its attributes, sorted.
Signature = tuple[str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class SourceTag:
    """One opening tag in a span's source: where it starts and where each attribute's value starts.

    Attributes are read from the tag's source text when asked for: most tags are never looked at.
    """

    start: int
    name: str
    raw: str = field(repr=False)  # the text after the name, up to `>`
    offset: int = field(repr=False)  # where ``raw`` starts in the span

    @property
    def attributes(self) -> dict[str, tuple[str, int]]:
        return _attributes(self.raw, self.offset)

    def signature(self) -> Signature:
        return self.name, tuple(sorted((name, _normal(value)) for name, (value, _) in self.attributes.items()))


def _normal(value: str) -> str:
    return " ".join(value.split())


def element_signature(element: HtmlElement) -> Signature:
    items = [(name, _normal(value)) for name, value in element.attrib.items()]
    return element.tag, tuple(sorted(items))


@lru_cache(maxsize=4096)
def _attributes(raw: str, offset: int) -> dict[str, tuple[str, int]]:
    """Each attribute of a tag's source text with its value and where the value starts (never changed by callers)."""
    attributes: dict[str, tuple[str, int]] = {}
    for attribute in _ATTRIBUTE.finditer(raw):
        key = attribute.group(1).lower()
        if key in attributes:
            continue  # the parser keeps the first of two same-named attributes
        group = next((index for index in (2, 3, 4) if attribute.group(index) is not None), None)
        if group is None:
            attributes[key] = ("", offset + attribute.start())
        else:
            attributes[key] = (html.unescape(attribute.group(group)), offset + attribute.start(group))
    return attributes


def source_tags(text: str) -> list[SourceTag]:
    """The opening tags of an HTML text, outside comments and raw-text elements, in order."""
    tags: list[SourceTag] = []
    position = 0
    while True:
        match = _SOURCE_TOKEN.search(text, position)
        if match is None:
            return tags
        position = match.end()
        if match.group(1) is None:
            continue  # a comment
        name = match.group(1).lower()
        tags.append(SourceTag(match.start(), name, match.group(2), match.start(2)))
        if name in _RAW_TEXT:
            end = re.compile(rf"</{name}\s*>", re.IGNORECASE).search(text, position)
            position = end.end() if end else len(text)


@dataclass
class HtmlPart:
    """One HTML span of the body, parsed once, with the cruft its rules find and a way back to the file."""

    span: HtmlSpan
    tree: HtmlElement
    body: Body
    _elements: list[HtmlElement] | None = field(default=None, repr=False)
    _tags: list[SourceTag] | None = field(default=None, repr=False)
    _tags_by_signature: dict[str, dict[Signature, list[SourceTag]]] = field(default_factory=dict, repr=False)
    _ranks: dict[str, dict[HtmlElement, tuple[Signature, int]]] = field(default_factory=dict, repr=False)
    _cruft: list[Cruft] | None = field(default=None, repr=False)
    _removed: set[HtmlElement] | None = field(default=None, repr=False)
    _text_total: int | None = field(default=None, repr=False)

    @property
    def elements(self) -> list[HtmlElement]:
        """Every element of the tree in document order, found once for all the rules."""
        if self._elements is None:
            self._elements = elements(self.tree)
        return self._elements

    def named(self, *names: str) -> Iterator[HtmlElement]:
        return (element for element in self.elements if element.tag in names)

    # --- positions ---------------------------------------------------------------------------

    def locate(self, element: HtmlElement) -> tuple[int, int]:
        """(line, column) of the element's opening tag. The first call takes the tree's elements as
        they stand (before the first removal), so look-alikes are counted among all of them even
        after stages removed some."""
        if self._elements is None:
            self._elements = elements(self.tree)
        line, column = self.position(element)
        return line, column

    def position(self, element: HtmlElement, attribute: str | None = None) -> Position:
        """Where the element's opening tag (or the value of one attribute of it) is in the file."""
        tag = self._source_tag(element)
        if tag is None:
            return self.offset_position(0)
        if attribute is not None and attribute in tag.attributes:
            return self.offset_position(tag.attributes[attribute][1])
        return self.offset_position(tag.start)

    def offset_position(self, offset: int) -> Position:
        """File position of an offset into ``span.html``."""
        return self.body.position(self._body_offset(offset))

    def _body_offset(self, offset: int) -> int:
        span = self.span
        if not span.block:
            # inline: the tags are the body's own text; each placeholder stands for kept Markdown
            body_offset, html_offset = span.start, 0
            for placeholder in PLACEHOLDER_RE.finditer(span.html):
                if offset < placeholder.start():
                    break
                body_offset += placeholder.start() - html_offset + len(span.kept[int(placeholder.group(1))])
                html_offset = placeholder.end()
            return body_offset + max(0, offset - html_offset)
        # block: each line of html is the end of a body line whose container prefix was taken off
        line_index = span.html.count("\n", 0, offset)
        column = offset - (span.html.rfind("\n", 0, offset) + 1)
        html_line = span.html.split("\n")[line_index]
        body_line = span.line - 1 + line_index
        source_line = self.body.line_text(body_line)
        return self.body.line_start(body_line) + (len(source_line) - len(html_line)) + column

    def _source_tag(self, element: HtmlElement) -> SourceTag | None:
        if self._tags is None:
            self._tags = source_tags(self.span.html)
        by_signature = self._tags_by_signature.get(element.tag)
        if by_signature is None:  # signatures of this name's tags only: most names are never asked for
            by_signature = {}
            for tag in self._tags:
                if tag.name == element.tag:
                    by_signature.setdefault(tag.signature(), []).append(tag)
            self._tags_by_signature[element.tag] = by_signature
        signature, rank = self._rank(element)
        alike = by_signature.get(signature)
        if alike:
            # the n-th element that looks like this one is the n-th such tag in the source
            return alike[min(rank, len(alike) - 1)]
        # the parser changed the attributes: the first tag of this name holding one of its values
        values = {value for _, value in signature[1] if value}
        for tag in self._tags:
            if tag.name == element.tag and any(_normal(v) in values for v, _ in tag.attributes.values()):
                return tag
        return next((tag for tag in self._tags if tag.name == element.tag), None)

    def _rank(self, element: HtmlElement) -> tuple[Signature, int]:
        """The element's signature and how many elements before it have the same one."""
        ranks = self._ranks.get(element.tag)
        if ranks is None:
            ranks = self._rank_all(element.tag)
        return ranks.get(element) or (element_signature(element), 0)

    def _rank_all(self, tag: str) -> dict[HtmlElement, tuple[Signature, int]]:
        ranks: dict[HtmlElement, tuple[Signature, int]] = {}
        seen: dict[Signature, int] = {}
        for other in self.named(tag):
            signature = element_signature(other)
            ranks[other] = (signature, seen.get(signature, 0))
            seen[signature] = seen.get(signature, 0) + 1
        self._ranks[tag] = ranks
        return ranks

    # --- cruft -------------------------------------------------------------------------------

    @property
    def cruft(self) -> list[Cruft]:
        """Outermost cruft elements, as the strip stage would remove them, in document order.

        An element inside one already found is left out: one ad slot is one finding, however
        many of its wrappers the rules match.
        """
        if self._cruft is None:
            self._cruft = self._find_cruft()
        return self._cruft

    def removed_by_clean(self, element: HtmlElement) -> bool:
        """True for an element ``postkit clean`` removes anyway: cruft, inside cruft, or page chrome
        around the main article of a whole scraped page. Content rules look at what clean keeps."""
        if self._removed is None:
            removed: set[HtmlElement] = set()
            for cruft in self.cruft:
                removed.add(cruft.element)
                removed.update(elements(cruft.element))
            article = self.main_article()
            if article is not None:
                kept = {article, *elements(article)}
                removed.update(node for node in self.elements if node not in kept)
            self._removed = removed
        return element in self._removed

    @property
    def text_length(self) -> int:
        """How many non-space characters of visible text the span holds."""
        if self._text_total is None:
            self._text_total = _text_length(self.tree)
        return self._text_total

    def main_article(self) -> HtmlElement | None:
        """The one element holding the article of a whole page, as the strip stage finds it."""
        found = find_main_article(self.tree, self.body.rules)
        return found[1] if found is not None else None

    def _find_cruft(self) -> list[Cruft]:
        return find_cruft(self.tree, self.body.rules, self.body.host)


def _text_length(root: HtmlElement) -> int:
    return sum(len("".join(text.split())) for text in visible_strings(root))


_CRLF = re.compile("\r\n")


def _line_starts_of(text: str) -> list[int]:
    return line_offsets(text.split("\n"))[:-1]


def visible_strings(root: HtmlElement, skip: set[int] | frozenset[int] = frozenset()) -> Iterator[str]:
    """The text nodes a reader sees, leaving out invisible elements, comments and the elements whose
    ``id()`` is in ``skip`` (the caller holds those elements, so their ids stay theirs)."""
    if root.text:
        yield root.text
    # the text after an element waits on the stack until the element's content is read
    stack: list[HtmlElement | str] = list(reversed(root))
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            yield node
            continue
        if node.tail:
            stack.append(node.tail)
        if isinstance(node.tag, str) and node.tag not in INVISIBLE and id(node) not in skip:
            if node.text:
                yield node.text
            stack.extend(reversed(node))


@dataclass
class Body:
    """A post's body with LF newlines, its HTML spans parsed, and how offsets map to file positions.

    ``text`` has CRLF and lone CR as LF, as ``find_html`` needs; positions are counted in the
    file as written, on LF only like every postkit position, so ``file_offset`` maps an offset
    of ``text`` back to the body as written when the two differ.
    """

    text: str
    first_line: int
    rules: RuleBook
    base: str | None
    _starts: list[int] | None = field(default=None, repr=False)
    _written: str | None = field(default=None, repr=False)  # the body as written, when it has a CR
    _crlf: list[int] | None = field(default=None, repr=False)  # offsets in ``text`` of the LFs that were CRLF
    _file_line_starts: list[int] = field(default_factory=list, repr=False)
    _parts: list[HtmlPart] | None = field(default=None, repr=False)
    _spans: list[HtmlSpan] | None = field(default=None, repr=False)
    _markdown_urls: list[tuple[int, int]] | None = field(default=None, repr=False)
    _lookalikes: list[tuple[int, int]] | None = field(default=None, repr=False)
    _parsed: tuple[list[Token], dict[str, Any]] | None = field(default=None, repr=False)
    _parsed_whole: bool = field(default=False, repr=False)  # every paragraph a reader may read is read inline

    @classmethod
    def read(cls, body: str, first_line: int, rules: RuleBook, base: str | None) -> Body:
        text = normalize_newlines(body)
        parsed = cls(text, first_line, rules, base)
        if "\r" in body:
            parsed._written = body  # its offsets are worked out when a position is first asked for
        return parsed

    def file_offset(self, offset: int) -> int:
        """The offset in the body as written of an offset into ``text`` (its end included): each
        CRLF before it, or ending at it, is one character more there."""
        if self._written is None:
            return offset
        if self._crlf is None:
            # a CRLF's LF stands in ``text`` as many characters earlier as CRLFs came before it
            self._crlf = [match.start() - index for index, match in enumerate(_CRLF.finditer(self._written))]
            self._file_line_starts = _line_starts_of(self._written)
        return offset + bisect.bisect_right(self._crlf, offset)

    @property
    def _line_starts(self) -> list[int]:
        """Where each line of ``text`` starts, found when a position is first asked for (clean asks none)."""
        if self._starts is None:
            self._starts = _line_starts_of(self.text)
        return self._starts

    @property
    def host(self) -> str | None:
        return host_of(self.base)

    @property
    def spans(self) -> list[HtmlSpan]:
        """The HTML spans of the body, found once (``clean`` converts them, the rules read them)."""
        if self._spans is None:
            # a body with no '<' that may open HTML has no spans: no parse for it (most cleaned posts)
            self._spans = find_html(self.text, self._markdown(whole=False)[0]) if may_hold_html(self.text) else []
        return self._spans

    @property
    def parts(self) -> list[HtmlPart]:
        if self._parts is None:
            self._parts = [HtmlPart(span, parse_fragment(span.html), self) for span in self.spans]
        return self._parts

    @property
    def markdown_urls(self) -> list[tuple[int, int]]:
        """(start, end) of each Markdown link and image destination, outside code and HTML blocks.

        ``markdown_link_urls`` finds destinations by their look; a CommonMark reading confirms
        them, so the ``(for ...)`` after a reference link ``[text][1](for ...)`` is no URL.
        """
        if self._markdown_urls is None:
            found = markdown_link_urls(self.text, self._markdown()[0]) if "](" in self.text or "]:" in self.text else []
            if found:
                real = self._destinations()
                found = [
                    (start, end)
                    for start, end in found
                    if _MARKDOWN.normalizeLink(unescapeAll(self.text[start:end])) in real
                ]
            self._markdown_urls = found
        return self._markdown_urls

    def markdown_urls_where(self, wanted: Callable[[str], bool]) -> list[tuple[int, int]]:
        """The ``markdown_urls`` whose URL ``wanted`` accepts. The CommonMark reading that confirms
        them runs only when something that looks like a destination is wanted."""
        if self._lookalikes is None:
            self._lookalikes = link_url_lookalikes(self.text)
        if self._markdown_urls is None and not any(wanted(self.text[start:end]) for start, end in self._lookalikes):
            return []
        return [(start, end) for start, end in self.markdown_urls if wanted(self.text[start:end])]

    def _destinations(self) -> set[str]:
        """Every link and image destination CommonMark reads in the body, as markdown-it normalizes it."""
        tokens, env = self._markdown()
        found = {str(reference.get("href", "")) for reference in env.get("references", {}).values()}
        for token in tokens:
            for child in token.children or ():
                if child.type in ("link_open", "image"):
                    found.add(str(child.attrs.get("href" if child.type == "link_open" else "src", "")))
        return found

    def _markdown(self, *, whole: bool = True) -> tuple[list[Token], dict[str, Any]]:
        """markdown-it's tokens and env for the body: one parse serves the spans, links and references.

        The spans need only the paragraphs that hold a `<` read inline (``whole=False``, all that
        clean asks for); the others are read inline when a reader of links first asks.
        """
        if self._parsed is None:
            env: dict[str, Any] = {}
            self._parsed = (_MARKDOWN_HTML.parse(self.text, env), env)
        if whole and not self._parsed_whole:
            read_the_rest(self._parsed[0], _MARKDOWN, self._parsed[1])
            self._parsed_whole = True
        return self._parsed

    def is_markdown_image(self, url_start: int) -> bool:
        """True when the destination at ``url_start`` belongs to ``![alt](url)`` rather than a link."""
        close = self.text.rfind("](", 0, url_start + 1)
        depth = 0
        for index in range(close, -1, -1):
            char = self.text[index]
            if char == "]":
                depth += 1
            elif char == "[":
                depth -= 1
                if depth == 0:
                    return index > 0 and self.text[index - 1] == "!"
        return False

    def position(self, offset: int) -> Position:
        """File position of an offset into ``text``."""
        starts = self._line_starts
        if self._written is not None:
            offset = self.file_offset(offset)
            starts = self._file_line_starts
        line = bisect.bisect_right(starts, offset) - 1
        return Position(self.first_line + line, offset - starts[line] + 1)

    def line_start(self, line_index: int) -> int:
        return self._line_starts[line_index]

    def line_text(self, line_index: int) -> str:
        start = self._line_starts[line_index]
        end = self.text.find("\n", start)
        return self.text[start:] if end < 0 else self.text[start:end]

    def comments(self, wanted: Callable[[str], bool] = lambda inner: True) -> Iterator[tuple[int, str]]:
        """(offset, inner text) of each ``wanted`` HTML comment outside code, scripts and styles.

        Telling where code is takes a CommonMark parse, so it is done only once a comment is wanted.
        """
        if "<!--" not in self.text:
            return
        code: list[tuple[int, int]] | None = None
        for match in _COMMENT_OR_RAW.finditer(self.text):
            if match.group(1) is not None or not wanted(match.group(2)):
                continue
            if code is None:
                code = self._code_regions()
            if not any(start <= match.start() < end for start, end in code):
                yield match.start(), match.group(2)

    def markdown_text(self) -> str:
        """The body outside its HTML spans and comments: the Markdown a reader sees as text."""
        pieces = []
        cursor = 0
        for part in self.parts:
            pieces.append(self.text[cursor : part.span.start])
            cursor = part.span.end
        pieces.append(self.text[cursor:])
        return _COMMENT_OR_RAW.sub("", "".join(pieces))

    def _code_regions(self) -> list[tuple[int, int]]:
        """Code blocks and code spans: a comment there is shown as text, it hides nothing."""
        regions = [
            (self._line_starts[token.map[0]], self._offset_of_line(token.map[1]))
            for token in self._markdown()[0]
            if token.map and token.type in ("fence", "code_block")
        ]
        regions.extend((match.start(), match.end()) for match in _CODE_SPAN.finditer(self.text))
        return regions

    def _offset_of_line(self, line_index: int) -> int:
        return self._line_starts[line_index] if line_index < len(self._line_starts) else len(self.text)
