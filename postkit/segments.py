"""Find the HTML inside a Markdown body with markdown-it-py, as spans to convert; the rest stays as is.

Block HTML comes from ``html_block`` tokens (with line maps). A pretty-printed page breaks into
several blocks at its blank lines, and CommonMark reads the indented lines after a blank as
code; kramdown and browsers read them as the same HTML. So a span runs on over whatever follows
while an element it opened is still open. Inline HTML comes from ``html_inline`` tokens: an
opening tag, its closing tag and the Markdown between them form one group, whose Markdown is
kept byte for byte through placeholders.

A closed HTML block followed (over blank lines) by an indented code block that is nothing but
pretty-printed markup, one tag per line, takes that block in too: broken WordPress exports indent
each paragraph's HTML deeper than the last, markup the page showed as HTML, never as code.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate

from markdown_it.token import Token

from postkit.markdown_parser import ReadingMarkdownIt, with_line_table

_PARSER = with_line_table(ReadingMarkdownIt("commonmark"))
# A tag's attributes as runs of plain characters between quoted values ("unrolled"): the same
# language as (?:[^>"']|"[^"]*"|'[^']*')*, read a run at a time instead of one alternation per character.
TAG_ATTRIBUTES = r"[^>\"']*(?:(?:\"[^\"]*\"|'[^']*')[^>\"']*)*"
_TAG = re.compile(rf"<(/?)([A-Za-z][A-Za-z0-9:-]*)\b({TAG_ATTRIBUTES})>")
_COMMENT_OR_RAW = re.compile(r"<!--.*?-->|<(script|style|pre|textarea)\b.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
)
# End tags HTML lets a writer leave out; an unclosed one keeps a span open only over indented lines.
_OPTIONAL_END = frozenset(
    {
        "p",
        "li",
        "dt",
        "dd",
        "tr",
        "td",
        "th",
        "thead",
        "tbody",
        "tfoot",
        "option",
        "rt",
        "rp",
        "colgroup",
        "caption",
        "html",
        "body",
        "head",
    }
)
_CODE_SPAN = re.compile(r"(`+)(?!`)(?:(?!\n[ \t]*\n).)+?(?<!`)\1(?!`)", re.DOTALL)  # never over a blank line
_ONLY_COMMENTS = re.compile(r"\s*(?:<!--.*?-->\s*)+", re.DOTALL)
# CommonMark's comment block runs to the end of its line: `<!--more--> Text` is a comment and text.
_COMMENT_THEN_TEXT = re.compile(r"\s*<!--.*?-->[^<]*", re.DOTALL)
PLACEHOLDER = "\ue000{}\ue001"
PLACEHOLDER_RE = re.compile("\ue000(\\d+)\ue001")
# any placeholder the renderer hands on: as written (``\ue000``), or put inside a code block
# (``\ue003``) or a code span (``\ue004``)
ANY_PLACEHOLDER_RE = re.compile("[\ue000\ue003\ue004](\\d+)\ue001")


@dataclass
class HtmlSpan:
    """HTML at body[start:end]; ``kept`` holds the Markdown its placeholders stand for.

    A block inside a blockquote or list item has its container ``prefix`` (``> ``, indentation)
    taken off every line of ``html``; the converted Markdown gets it back.
    """

    start: int
    end: int
    line: int
    block: bool
    html: str
    kept: list[str] = field(default_factory=list)
    first_prefix: str = ""
    prefix: str = ""
    literal: bool = False  # a tag-like word that is no HTML element (`<device>`): kept as text


# Element names of HTML (and the obsolete ones old pages still use). A lone `<device>` in prose
# is a placeholder the author wrote, not an element: it is escaped, not converted away.
HTML_ELEMENTS = frozenset(
    {
        "a",
        "abbr",
        "acronym",
        "address",
        "area",
        "article",
        "aside",
        "audio",
        "b",
        "base",
        "bdi",
        "bdo",
        "big",
        "blink",
        "blockquote",
        "body",
        "br",
        "button",
        "canvas",
        "caption",
        "center",
        "cite",
        "code",
        "col",
        "colgroup",
        "data",
        "datalist",
        "dd",
        "del",
        "details",
        "dfn",
        "dialog",
        "dir",
        "div",
        "dl",
        "dt",
        "em",
        "embed",
        "fieldset",
        "figcaption",
        "figure",
        "font",
        "footer",
        "form",
        "frame",
        "frameset",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "head",
        "header",
        "hgroup",
        "hr",
        "html",
        "i",
        "iframe",
        "img",
        "input",
        "ins",
        "kbd",
        "label",
        "legend",
        "li",
        "link",
        "main",
        "map",
        "mark",
        "marquee",
        "math",
        "menu",
        "meta",
        "meter",
        "nav",
        "nobr",
        "noembed",
        "noframes",
        "noscript",
        "object",
        "ol",
        "optgroup",
        "option",
        "output",
        "p",
        "param",
        "picture",
        "pre",
        "progress",
        "q",
        "rp",
        "rt",
        "ruby",
        "s",
        "samp",
        "script",
        "search",
        "section",
        "select",
        "slot",
        "small",
        "source",
        "span",
        "strike",
        "strong",
        "style",
        "sub",
        "summary",
        "sup",
        "svg",
        "table",
        "tbody",
        "td",
        "template",
        "textarea",
        "tfoot",
        "th",
        "thead",
        "time",
        "title",
        "tr",
        "track",
        "tt",
        "u",
        "ul",
        "var",
        "video",
        "wbr",
    }
)


def line_offsets(lines: list[str]) -> list[int]:
    """Where each of the lines (a text's ``split("\\n")``) starts in the text, and one past its end.

    Summed in C (``accumulate`` over ``map``): a body of a thousand lines is read several times a post.
    """
    return list(accumulate(map(_PLUS_ONE, map(len, lines)), initial=0))


_PLUS_ONE = (1).__add__


def normalize_newlines(body: str) -> str:
    """CRLF and lone CR as LF, the way markdown-it counts lines (it splits on LF only)."""
    if "\r" not in body:
        return body  # most bodies: one look instead of two searches
    return body.replace("\r\n", "\n").replace("\r", "\n")


def find_html(body: str, tokens: list[Token] | None = None) -> list[HtmlSpan]:
    """The HTML spans of a body whose newlines are LF, in order, not overlapping.

    ``tokens`` are markdown-it's CommonMark tokens for this body when the caller has them.
    """
    if tokens is None:
        tokens = _PARSER.parse(body)
    if len(tokens) == 1 and tokens[0].type == "html_block" and tokens[0].map:
        return _whole_body_block(body, tokens[0])
    return _read_blocks(body, tokens)


def _read_blocks(body: str, tokens: list[Token]) -> list[HtmlSpan]:
    """``find_html`` block by block."""
    lines = body.split("\n")
    offsets = line_offsets(lines)
    spans: list[HtmlSpan] = []
    covered_until = -1
    quotes = 0
    reach: list[int] | None = None
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "blockquote_open":
            quotes += 1
        elif token.type == "blockquote_close":
            quotes -= 1
        if token.type == "html_block" and token.map and token.map[0] >= covered_until:
            if _comments_only(token.content):
                i += 1
                continue
            first, last = token.map
            # what the block leaves open matters only if a later block reaches past it
            reach = reach or _reach(tokens)
            stack = OpenElements().feed(token.content) if reach[i + 1] > last else OpenElements()
            j = resume = i + 1
            # An element left open runs on over what follows, out of its container too (a <pre>
            # opened in a blockquote whose next lines lack the `>`): a browser reads it so. One
            # whose end tag may be left out (`<p>`) runs on only over indented lines, which a
            # pretty-printer indented as its content and CommonMark would read as code.
            while stack and j < len(tokens):
                nxt = tokens[j]
                if nxt.map and nxt.map[1] > last:
                    if not stack.required and nxt.type != "code_block":
                        j = resume
                        break
                    chunk = "\n".join(lines[max(last, nxt.map[0]) : nxt.map[1]])
                    stack.feed(chunk)
                    last = nxt.map[1]
                    resume = j + 1
                j += 1
            while j < len(tokens) and tokens[j].map is None and tokens[j].type.endswith("_close"):
                j += 1
            markup = _markup_shown_as_code(tokens, j, token)
            if markup is not None:
                last = markup[1]
                j += 1
            spans.append(_block_span(lines, offsets, first, last, token, quotes, markup))
            covered_until = last
            i = j
            continue
        if token.type == "inline" and token.map and token.map[0] >= covered_until and token.children:
            spans.extend(_inline_spans(token, body, offsets))
        i += 1
    return spans


def _whole_body_block(body: str, token: Token) -> list[HtmlSpan]:
    """The span of a body that is one HTML block (blank lines around it aside), as the loop of
    ``find_html`` finds it, without splitting the body into lines: nothing follows the block,
    so it runs on over nothing and holds no code block shown as markup."""
    if _comments_only(token.content):
        return []
    first = token.map[0]  # type: ignore[index]  # the caller checked it is there
    start = 0
    for _ in range(first):
        start = body.index("\n", start) + 1
    # outside any container the block's content is its lines as they stand: as long as the body's
    html = body[start : start + len(token.content)].rstrip("\n")
    return [HtmlSpan(start=start, end=start + len(html), line=first + 1, block=True, html=html)]


def _comments_only(block: str) -> bool:
    """An HTML block of comments alone (or a comment and the text after it on its line): no span."""
    return bool(_ONLY_COMMENTS.fullmatch(block) or _COMMENT_THEN_TEXT.fullmatch(block))


def _reach(tokens: list[Token]) -> list[int]:
    """For each index, the last line (``map[1]``) any token from there on reaches; -1 past the end."""
    reach = [-1] * (len(tokens) + 1)
    for index in range(len(tokens) - 1, -1, -1):
        mapped = tokens[index].map
        reach[index] = max(reach[index + 1], mapped[1]) if mapped else reach[index + 1]
    return reach


def _block_span(
    lines: list[str],
    offsets: list[int],
    first: int,
    last: int,
    token: Token,
    quotes: int,
    markup: tuple[int, int] | None = None,
) -> HtmlSpan:
    """The span of body lines ``first:last``; the lines ``markup`` (an indented code block read as HTML)
    lose the four columns that made them code, so their ``<pre>`` text is what a browser shows."""
    start = offsets[first]
    end = offsets[first] + len("\n".join(lines[first:last]))
    if token.level == 0:
        source = "\n".join(lines[first:last]).rstrip("\n")
        html = "\n".join(_dedent_markup(lines, first, last, markup)).rstrip("\n")
        return HtmlSpan(start=start, end=start + len(source), line=first + 1, block=True, html=html)
    # Inside containers: the first line's prefix is what stands before the block's own content.
    head = token.content.split("\n", 1)[0]
    source = lines[first]
    cut = source.find(head) if head else len(source)
    first_prefix = source[: cut if cut >= 0 else 0]
    quote_part = re.match(rf"(?: {{0,3}}> ?){{{quotes}}}", first_prefix)
    quoted = quote_part.group(0) if quote_part else ""
    prefix = quoted + " " * (len(first_prefix) - len(quoted))
    indent = len(prefix) - len(quoted)
    stripped = [lines[first][len(first_prefix) :]]
    stripped.extend(_strip_prefix(line, quotes, indent) for line in lines[first + 1 : last])
    html = "\n".join(_dedent_markup(stripped, first, last, markup, origin=first)).rstrip("\n")
    return HtmlSpan(
        start=start, end=end, line=first + 1, block=True, html=html, first_prefix=first_prefix, prefix=prefix
    )


def _dedent_markup(
    lines: list[str], first: int, last: int, markup: tuple[int, int] | None, origin: int = 0
) -> list[str]:
    """Body lines ``first:last`` (``lines[0]`` is body line ``origin``), the ``markup`` ones without
    the four columns of indentation that made them a code block: each stays the end of its body line."""
    picked = lines[first - origin : last - origin]
    if markup is None:
        return picked
    return [
        _drop_columns(line, 4) if markup[0] <= first + index < markup[1] else line for index, line in enumerate(picked)
    ]


def _drop_columns(line: str, width: int) -> str:
    column = cut = 0
    while cut < len(line) and column < width and line[cut] in " \t":
        column = column + 4 - column % 4 if line[cut] == "\t" else column + 1
        cut += 1
    return line[cut:]


# One tag alone on its line (surrounding spaces aside), as a pretty-printer writes markup.
_LONE_TAG = re.compile(r"[ \t]*" + _TAG.pattern + r"[ \t]*")


def _markup_shown_as_code(tokens: list[Token], j: int, block: Token) -> tuple[int, int] | None:
    """The lines of the indented code block at ``tokens[j]`` when it is markup to read as HTML, else None.

    It has to be the next token after the HTML ``block`` at the same level (so in the same
    container, with only blank lines between) and be pretty-printed markup (see
    ``_is_pretty_markup``). A code sample written after Markdown prose, or a one-line
    `<div>shown as code</div>`, stays code.
    """
    code = tokens[j] if j < len(tokens) else None
    if code is None or code.type != "code_block" or code.map is None or code.level != block.level:
        return None
    return (code.map[0], code.map[1]) if _is_pretty_markup(code.content) else None


def _is_pretty_markup(code: str) -> bool:
    """Is this (a dedented code block) markup pretty-printed one tag per line?

    Every non-blank line is one tag of an HTML element (start or end, attributes allowed), or text
    indented deeper than the line of the start tag that encloses it; the first opens an element, and
    every element opened is closed by the end. An end tag of an element not opened here closes one
    opened before the block (or is a stray closer), and is allowed.
    """
    filled = [line for line in code.split("\n") if line.strip()]
    if not filled or _lone_tag(filled[0])[0] != "open":
        return False
    opened: list[tuple[str, int]] = []  # element name, indentation of its start-tag line
    for line in filled:
        kind, name = _lone_tag(line)
        indent = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip(" "))
        if kind == "text" and (not opened or indent <= opened[-1][1]):
            return False  # text outside the markup's elements, or not indented under its tag
        if kind == "open":
            opened.append((name, indent))
        elif kind == "close":
            for depth in range(len(opened) - 1, -1, -1):
                if opened[depth][0] == name:
                    del opened[depth:]
                    break
    return not opened


def _lone_tag(line: str) -> tuple[str, str]:
    """("open" | "close" | "void", name) when the line is one tag of an HTML element, else ("text", "")."""
    tag = _LONE_TAG.fullmatch(line)
    name = tag.group(2).lower() if tag else ""
    if tag is None or name not in HTML_ELEMENTS:
        return "text", ""
    if tag.group(1):
        return "close", name
    if name in VOID or tag.group(3).rstrip().endswith("/"):
        return "void", name
    return "open", name


def _strip_prefix(line: str, quotes: int, indent: int) -> str:
    for _ in range(quotes):
        match = re.match(r" {0,3}> ?", line)
        if match is None:
            break
        line = line[match.end() :]
    spaces = len(line) - len(line.lstrip(" "))
    return line[min(spaces, indent) :]


_UNKNOWN = "?"  # an element left open before the HTML given, its name not known (see open_depth)


class OpenElements:
    """The elements still open after the HTML fed so far, outermost first (``names``).

    Only names of HTML elements count (`<ip-address>` in prose is no element); void and
    self-closed tags open nothing; an end tag closes the innermost open element of its name and
    every element opened inside it, as HTML's tree builder pops its stack (`</p>` closes a
    `<span>` left open in that p). A start tag closes nothing: a nested `<p>` stays inside the
    one before, the way the pretty-printers that indent old pages read it. An end tag with no
    open element of its name is ignored, unless elements of unknown names are open (``open_depth``'s
    ``depth``): then it closes the innermost of those, the optional-end ones aside.
    """

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names: list[str] = []
        self._counts: dict[str, int] = {}  # so an end tag needs no scan of a long stack
        self.required = 0  # how many open elements need their end tag (an unclosed <p> ends by itself)
        for name in names:
            self._push(name)

    def __bool__(self) -> bool:
        return bool(self.names)

    def _push(self, name: str) -> None:
        self.names.append(name)
        self._counts[name] = self._counts.get(name, 0) + 1
        self.required += name not in _OPTIONAL_END

    def _pop_to(self, target: str) -> None:
        names, counts = self.names, self._counts
        while True:
            name = names.pop()
            counts[name] -= 1
            self.required -= name not in _OPTIONAL_END
            if name == target:
                return

    def feed(self, html: str) -> OpenElements:
        counts = self._counts
        # every page's HTML passes here, tag by tag: the tags come as tuples (findall), the
        # common start tag is pushed in line
        for closing, tag, rest in _TAG.findall(_COMMENT_OR_RAW.sub("", html)):
            name = tag.lower()
            if name not in HTML_ELEMENTS or name in VOID:
                continue
            if not closing:
                if not rest.rstrip().endswith("/"):
                    self.names.append(name)
                    counts[name] = counts.get(name, 0) + 1
                    self.required += name not in _OPTIONAL_END
            elif counts.get(name):
                self._pop_to(name)
            elif counts.get(_UNKNOWN) and name not in _OPTIONAL_END:
                self._pop_to(_UNKNOWN)
        return self


def open_depth(html: str, depth: int = 0) -> int:
    """How many elements with required end tags are still open after this HTML, when ``depth``
    such elements (names not known) were open before it. See ``OpenElements``."""
    return OpenElements([_UNKNOWN] * depth).feed(html).required


@dataclass
class _TagToken:
    start: int
    end: int
    name: str
    kind: str  # open, close, void, comment


# Tags CommonMark leaves as text because they are malformed (`alt=""id="x"`, no space between
# attributes) but browsers and kramdown read as elements: found by name in the text around.
_LOOSE_TAG = re.compile(r"(?<!\\)<(/?)(img|a|br|span|b|i|em|strong|font|sup|sub|u|p|div)\b([^<>]*)>", re.IGNORECASE)


def _inline_tags(token: Token, body: str, offsets: list[int]) -> list[_TagToken]:
    assert token.map is not None and token.children is not None
    region_start = offsets[token.map[0]]
    region_end = min(offsets[token.map[1]], len(body))
    region = body[region_start:region_end]
    cursor = 0
    found: list[_TagToken] = []
    code: list[tuple[int, int]] = []
    for child in token.children:
        if child.type == "code_inline":
            # step over the code span by its backtick runs, so a tag-like text inside it is not taken
            opening = region.find(child.markup, cursor)
            if opening >= 0:
                closing = region.find(child.markup, opening + len(child.markup) + len(child.content))
                if closing >= 0:
                    code.append((opening, closing + len(child.markup)))
                    cursor = closing + len(child.markup)
            continue
        if child.type != "html_inline":
            continue
        pos = region.find(child.content, cursor)
        if pos < 0:
            continue
        cursor = pos + len(child.content)
        found.append(_classify(child.content, region_start + pos, region_start + cursor))
    taken = [(t.start - region_start, t.end - region_start) for t in found] + code
    found.extend(
        _classify(m.group(0), region_start + m.start(), region_start + m.end())
        for m in _LOOSE_TAG.finditer(region)
        if not any(a < m.end() and m.start() < b for a, b in taken)
    )
    found.sort(key=lambda t: t.start)
    return found


def _classify(content: str, start: int, end: int) -> _TagToken:
    match = _TAG.match(content) or _LOOSE_TAG.match(content)
    if content.startswith("<!--") or match is None:
        return _TagToken(start, end, "", "comment")
    name = match.group(2).lower()
    if match.group(1):
        kind = "close"
    elif name in VOID or match.group(3).rstrip().endswith("/"):
        kind = "void"
    else:
        kind = "open"
    return _TagToken(start, end, name, kind)


def _inline_spans(token: Token, body: str, offsets: list[int]) -> Iterator[HtmlSpan]:
    tags = [t for t in _inline_tags(token, body, offsets) if t.kind != "comment"]
    line = (token.map[0] if token.map else 0) + 1
    assert token.map is not None
    region_start = offsets[token.map[0]]
    region_end = min(offsets[token.map[1]], len(body))
    i = 0
    while i < len(tags):
        tag = tags[i]
        last = i
        if tag.kind == "open":
            depth = 0
            for j in range(i, len(tags)):
                if tags[j].name != tag.name:
                    continue
                if tags[j].kind == "open":
                    depth += 1
                elif tags[j].kind == "close":
                    depth -= 1
                    if depth == 0:
                        last = j
                        break
        group = tags[i : last + 1]
        start, end = tag.start, tags[last].end
        line_of = line + body.count("\n", offsets[line - 1], start)
        if len(group) == 1 and tag.kind in ("open", "void") and tag.name not in HTML_ELEMENTS:
            yield HtmlSpan(start=start, end=end, line=line_of, block=False, html=body[start:end], literal=True)
            i = last + 1
            continue
        html_parts: list[str] = []
        kept: list[str] = []
        pos = start
        for inner in group:
            if inner.start > pos:
                html_parts.append(_placeholder(body[pos : inner.start], kept))
            html_parts.append(body[inner.start : inner.end])
            pos = inner.end
        # HTML that is a whole top-level paragraph may hold blocks (<strong><p>..</p><p>..</p></strong>)
        whole = token.level == 1 and not body[region_start:start].strip() and not body[end:region_end].strip()
        yield HtmlSpan(start=start, end=end, line=line_of, block=whole, html="".join(html_parts), kept=kept)
        i = last + 1


def _placeholder(markdown: str, kept: list[str]) -> str:
    """Stand-in for Markdown between tags; its edge spaces stay HTML so emphasis markers can hug the words."""
    words = markdown.strip()
    if not words:
        return markdown
    kept.append(words)
    lead = markdown[: len(markdown) - len(markdown.lstrip())]
    trail = markdown[len(markdown.rstrip()) :]
    return lead + PLACEHOLDER.format(len(kept) - 1) + trail


# An inline link's destination, balanced parens; a reference definition's. Two patterns, not one
# alternation: a pattern that starts with a literal is searched for at C speed.
_INLINE_DESTINATION = re.compile(r"(\]\(\s*<?)((?:[^\s()<>]|\([^\s()<>]*\))+)")
_DEFINITION_DESTINATION = re.compile(r"^( {0,3}\[[^\]\n]+\]:[ \t]*<?)(\S+?)(?=>?(?:\s|$))", re.MULTILINE)


def code_regions(body: str, tokens: list[Token] | None = None) -> list[tuple[int, int]]:
    """Where code stands (fenced and indented blocks, code spans): what is there is shown, not run.

    Code spans are located from markdown-it's own tokens, paragraph by paragraph, by stepping
    over their backtick runs: a regex cannot know that a heading or blank line ends a span.
    ``tokens`` are markdown-it's for this body when the caller has parsed it already.
    """
    if tokens is None:
        tokens = _PARSER.parse(body)
    lines = body.split("\n")
    offsets = line_offsets(lines)
    regions = [
        (offsets[t.map[0]], offsets[min(t.map[1], len(lines))])
        for t in tokens
        if t.map and t.type in ("fence", "code_block")
    ]
    for token in tokens:
        if token.type != "inline" or not token.map or not token.children:
            continue
        start = offsets[token.map[0]]
        region = body[start : min(offsets[token.map[1]], len(body))]
        cursor = 0
        for child in token.children:
            if child.type != "code_inline":
                continue
            opening = region.find(child.markup, cursor)
            closing = (
                region.find(child.markup, opening + len(child.markup) + len(child.content)) if opening >= 0 else -1
            )
            if closing >= 0:
                regions.append((start + opening, start + closing + len(child.markup)))
                cursor = closing + len(child.markup)
    return regions


def markdown_link_urls(body: str, tokens: list[Token] | None = None) -> list[tuple[int, int]]:
    """Where the destinations of Markdown links and reference definitions stand, outside code."""
    if tokens is None:
        tokens = _PARSER.parse(body)
    lines = body.split("\n")
    offsets = line_offsets(lines)
    code = code_regions(body, tokens)
    code.extend(
        (offsets[t.map[0]], offsets[min(t.map[1], len(lines))]) for t in tokens if t.map and t.type == "html_block"
    )
    inside_code = Regions(code)
    return [(start, end) for start, end in link_url_lookalikes(body) if start not in inside_code]


class Regions:
    """Half-open ranges ``[start, end)``, merged, asked whether they hold an offset in log time."""

    def __init__(self, ranges: Iterable[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for start, end in sorted(ranges):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self._starts = [start for start, _ in merged]
        self._ends = [end for _, end in merged]

    def __contains__(self, offset: object) -> bool:
        if not isinstance(offset, int):
            return False
        index = bisect_right(self._starts, offset) - 1
        return index >= 0 and offset < self._ends[index]


def link_url_lookalikes(body: str) -> list[tuple[int, int]]:
    """Where a link or definition's destination seems to stand, by its look alone: code and
    HTML blocks included (``markdown_link_urls`` takes them out)."""
    # the matches one alternation of the two would find: left to right, none inside another
    found: list[tuple[int, int]] = []
    inline = _INLINE_DESTINATION.search(body)
    definition = _DEFINITION_DESTINATION.search(body) if "]:" in body else None
    while inline is not None or definition is not None:
        match = (
            inline if definition is None or (inline is not None and inline.start() < definition.start()) else definition
        )
        assert match is not None
        found.append(match.span(2))
        end = match.end()
        if inline is not None and inline.start() < end:
            inline = _INLINE_DESTINATION.search(body, end)
        if definition is not None and definition.start() < end:
            definition = _DEFINITION_DESTINATION.search(body, end)
    return found


def may_hold_html(body: str) -> bool:
    """False only when ``find_html`` finds nothing: no '<' that can open a tag, a comment or a
    declaration, an autolink aside (unless it also looks like a tag a browser would read), and a
    comment holding no '<' (`<!--more-->`, which find_html leaves as it is) aside."""
    if "<!--" in body:
        body = _PLAIN_COMMENT.sub("", body)
    for match in _MAY_OPEN.finditer(body):
        start = match.start()
        if not _AUTOLINK.match(body, start) or _LOOSE_TAG.match(body, start):
            return True
    return False


_MAY_OPEN = re.compile(r"<[A-Za-z/!?]")
# a comment on one line holding no "<", the rest of its line holding none but more such comments
# (`<!--more--><!--ad-->`): find_html leaves it alone
_PLAIN_COMMENT = re.compile(r"<!--(?!-?>)[^<\n]*?-->(?:[^<\n]|<!--(?!-?>)[^<\n]*?-->)*(?=\n|\Z)")
# CommonMark's absolute URI, as an autolink holds it (`<https://…>`)
AUTOLINK_URI = r"[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*"
_AUTOLINK = re.compile(f"<{AUTOLINK_URI}>")
