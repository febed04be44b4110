"""markdown-it, with its block state's line table built at C speed.

markdown-it's block state starts by measuring every line of the source: where it begins and
ends and how far it is indented. Its loop looks at each leading space in Python, and pretty-
printed HTML exports indent most lines deeply, so on such posts that table costs a third of
the whole parse. ``LineTableState`` builds the same table with ``str.split`` and
``str.lstrip``; the tests compare it field by field with markdown-it's own on the corpus'
shapes and on generated text. Its ``getLines`` cuts the content of an unindented block outside
quotes as one slice of the source instead of line by line. Before that, markdown-it's normalize
rule substitutes every newline with a regex; ``normalize`` does the same with ``str.replace``,
only where there is a carriage return or a NUL to replace. A source markdown-it would read as
one HTML block from its first line to its last (a pretty-printed page export without blank
lines) is told apart in one look and given that one token, without a line table at all.
"""

from __future__ import annotations

import re
from itertools import accumulate
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt
from markdown_it.parser_block import ParserBlock
from markdown_it.rules_block.html_block import HTML_SEQUENCES
from markdown_it.rules_block.state_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

if TYPE_CHECKING:
    from collections.abc import Callable

    from markdown_it.utils import EnvType

_TAB_STOP = 4


class LineTableState(StateBlock):
    """markdown-it's StateBlock, the line table (bMarks, eMarks, tShift, sCount, bsCount) made in bulk."""

    def __init__(self, src: str, md: MarkdownIt, env: EnvType, tokens: list[Token]) -> None:
        super().__init__("", md, env, tokens)  # every other field, for a source with no lines
        self.src = src
        lines = src.split("\n")
        if src.endswith("\n"):
            lines.pop()  # the empty text after the last newline is no line
        elif lines and not lines[-1].strip(" \t"):
            lines.pop()  # nor is a last line of only blanks without a newline (markdown-it drops it)
        lengths = [len(line) for line in lines]
        shifts = [length - len(line.lstrip(" \t")) for line, length in zip(lines, lengths, strict=True)]
        starts = list(accumulate((length + 1 for length in lengths), initial=0))
        starts[-1] = len(src)  # the closing sentinel stands at the end of the source
        self.bMarks = starts
        self.eMarks = [start + length for start, length in zip(starts[:-1], lengths, strict=True)] + [len(src)]
        self.tShift = [*shifts, 0]
        self.sCount = [*shifts, 0] if "\t" not in src else [*map(_indent_width, lines, shifts), 0]
        self.bsCount = [0] * len(starts)
        self.lineMax = len(lines)
        self._unshifted = starts[:]  # the line starts before any blockquote moves them

    def getLines(self, begin: int, end: int, indent: int, keepLastLF: bool) -> str:
        """markdown-it's own ``getLines``; lines that lose no indent and that no blockquote has
        moved (every paragraph and HTML block outside quotes and lists) are one slice of the source."""
        if indent == 0 and begin < end and self.bMarks[begin + 1 : end] == self._unshifted[begin + 1 : end]:
            return self.src[self.bMarks[begin] : self.eMarks[end - 1] + keepLastLF]
        return super().getLines(begin, end, indent, keepLastLF)


def _indent_width(line: str, shift: int) -> int:
    """Columns the line's leading blanks take, a tab going on to the next multiple of four."""
    width = 0
    for character in line[:shift]:
        width = width + _TAB_STOP - width % _TAB_STOP if character == "\t" else width + 1
    return width


class _LineTableBlocks(ParserBlock):
    """The block parser, starting from a LineTableState; its rules are the parser's own."""

    def parse(self, src: str, md: MarkdownIt, env: EnvType, outTokens: list[Token]) -> list[Token] | None:
        if not src:
            return None
        start, block = _without_blank_lines_around(src)
        if _one_html_block(block, md):
            first = src.count("\n", 0, start)
            token = Token("html_block", "", 0)
            token.block = True
            token.map = [first, first + block.count("\n") + (not block.endswith("\n"))]
            token.content = block
            outTokens.append(token)
            return outTokens
        state = LineTableState(src, md, env, outTokens)
        self.tokenize(state, state.line, state.lineMax)
        return state.tokens


# The block rules that may run before html_block on a line starting with `<` and turn it down,
# none of them taking it: CommonMark's own.
_BEFORE_HTML_BLOCK = frozenset({"code", "fence", "blockquote", "hr", "list", "reference"})
# A line no HTML block of the kinds that end at a blank line runs over: a blank one
_BLANK_LINE = re.compile(r"\n[ \t]*(?:\n|\Z)")
_LEADING_BLANK_LINES = re.compile(r"(?:[ \t]*\n)*")


def _without_blank_lines_around(src: str) -> tuple[int, str]:
    """Where the source's first line of text starts, and the source from there to the end of its
    last line of text: the blank lines before and after left out."""
    start = _LEADING_BLANK_LINES.match(src).end()  # type: ignore[union-attr]  # it matches nothing at least
    end = src.find("\n", len(src.rstrip(" \t\n")))
    return start, src[start : end + 1] if end >= 0 else src[start:]


def _one_html_block(src: str, md: MarkdownIt) -> bool:
    """Whether markdown-it would read the whole source as one HTML block, in one look at it.

    Pretty-printed page exports are that: their first line opens a block-level tag (or is a
    whole tag alone on its line), which starts an HTML block that ends only at a blank line,
    and they have none. markdown-it reads such a block line by line; the token is the same.
    """
    first_end = src.find("\n")
    first = src if first_end < 0 else src[:first_end]
    stripped = first.lstrip(" ")
    if not stripped.startswith("<") or len(first) - len(stripped) > 3 or not md.options.get("html"):
        return False
    if _BLANK_LINE.search(src[:-1] if src.endswith("\n") else src) is not None:
        return False
    rules = md.block.ruler.get_active_rules()
    if "html_block" not in rules or not _BEFORE_HTML_BLOCK.issuperset(rules[: rules.index("html_block")]):
        return False
    # the kind is the first whose opening matches, as html_block picks it; `^$` closes at a blank line
    kind = next((sequence for sequence in HTML_SEQUENCES if sequence[0].search(stripped)), None)
    return kind is not None and bool(kind[1].search(""))


def normalize(state: StateCore) -> None:
    """markdown-it's own normalize rule: CRLF and CR become LF, NUL becomes U+FFFD."""
    src = state.src
    if "\r" in src:
        src = src.replace("\r\n", "\n").replace("\r", "\n")
    if "\0" in src:
        src = src.replace("\0", "\ufffd")
    state.src = src


def with_line_table(md: MarkdownIt) -> MarkdownIt:
    """``md`` with its block parser building the line table in bulk and ``normalize`` for markdown-it's;
    the rules stay as configured."""
    blocks = _LineTableBlocks()
    blocks.ruler = md.block.ruler
    md.block = blocks
    md.core.ruler.at("normalize", normalize)
    return md


class ReadingMarkdownIt(MarkdownIt):
    """markdown-it for reading a body (its spans, code and link destinations), not for rendering it.

    A destination is kept as written (entities and escapes decoded), where markdown-it would
    percent-encode it and punycode its host for an href: a third of the inline parse of a post
    full of links. Whoever compares a destination with one of these passes it through this
    parser's ``normalizeLink`` too, so both sides stay alike.

    Its readers only look at inline HTML, code spans, links and images: a paragraph (or heading,
    or cell) with no `<`, backtick or `[` can hold none of them, and is not parsed inline (its
    token's children stay empty), which spares half the inline parse of a Markdown post.

    With ``html_only``, only paragraphs that hold a `<` are parsed inline: all that finding the
    HTML spans needs (a paragraph without one holds no inline HTML); ``read_the_rest`` parses the
    others later, for a reader of links or code spans, into the same tokens.
    """

    def __init__(self, config: str = "commonmark", *, html_only: bool = False) -> None:
        super().__init__(config)
        self.core.ruler.at("inline", inline_where_html if html_only else inline_where_read)

    def normalizeLink(self, url: str) -> str:
        return url


def _may_be_read(content: str) -> bool:
    """Whether inline content may hold what a reader looks for: inline HTML, code spans, links,
    images and autolinks, each of which needs a `<`, a backtick or a `[`."""
    return "<" in content or "`" in content or "[" in content


def _may_hold_html(content: str) -> bool:
    return "<" in content


def _parse_inline_where(state: StateCore, wanted: Callable[[str], bool]) -> None:
    """markdown-it's inline core rule for the inline tokens whose content ``wanted`` accepts; the
    other inline tokens keep empty children."""
    for token in state.tokens:
        if token.type == "inline":
            if token.children is None:
                token.children = []
            if wanted(token.content):
                state.md.inline.parse(token.content, state.md, state.env, token.children)


def inline_where_read(state: StateCore) -> None:
    """markdown-it's inline core rule, for the inline tokens that may hold what a reader looks for."""
    _parse_inline_where(state, _may_be_read)


def inline_where_html(state: StateCore) -> None:
    """``inline_where_read`` for the inline tokens that may hold inline HTML (a `<`) alone."""
    _parse_inline_where(state, _may_hold_html)


def read_the_rest(tokens: list[Token], md: MarkdownIt, env: EnvType) -> None:
    """Parse inline, after ``inline_where_html``, the tokens ``inline_where_read`` would have parsed
    too, then run the core rules that come after the inline one (text_join) over them: the
    tokens are then those of a reading parse. ``md`` and ``env`` are the parse's own."""
    rest = [
        token
        for token in tokens
        if token.type == "inline" and _may_be_read(token.content) and not _may_hold_html(token.content)
    ]
    for token in rest:
        token.children = []
        md.inline.parse(token.content, md, env, token.children)
    if rest:
        state = StateCore("", md, env, rest)
        names = md.core.ruler.get_active_rules()
        for rule in md.core.ruler.getRules("")[names.index("inline") + 1 :]:
            rule(state)
