"""The last safety pass over the Markdown postkit writes: nothing in it may run in any renderer a site uses.

``secure_markdown`` reads the text as markdown-it does (with its link validation off, so that it
sees what cmark-gfm, kramdown and goldmark would link) and repairs three things, outside code:

* HTML left over after conversion is escaped (``\\<``), so no renderer or browser reads a tag;
* every link, image, autolink and reference definition whose destination, decoded the way
  renderers and browsers decode it, runs code or hides a document (``javascript:``,
  ``vbscript:``, ``data:``, ``livescript:``, ``mocha:``) points at ``#`` instead; an autolink is
  escaped. Destinations are found at any depth of blockquotes and list items and in the
  lenient shapes kramdown also reads (spaces or tabs inside ``(...)``, a definition after a
  paragraph line), and markdown-it's own tokens are checked again after the repair;
* syntax that writes raw HTML, options or attributes is escaped as ``\\{``, so every dialect
  shows the text as written and none acts on it: every kramdown extension (``{::nomarkdown}``,
  ``{::options ... /}``, ``{::comment}``...) and every kramdown IAL (``{: ...}``), ALD
  (``{:name: ...}``) or goldmark attribute list (``# Title {...}``) that sets anything beyond ids,
  classes and a few harmless attributes (``{: .notice}`` and ``{#custom-id}`` stay).

Markdown that holds none of these comes back byte for byte.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from functools import lru_cache
from html import unescape
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import unescapeAll
from markdown_it.token import Token

from postkit.markdown_parser import inline_where_read, with_line_table
from postkit.pipeline.markdown_text import CONTAINER_PREFIX, is_escaped
from postkit.segments import AUTOLINK_URI, Regions, code_regions, find_html, line_offsets

__all__ = ["HARMLESS_ATTRIBUTES", "UNSAFE_SCHEMES", "harmless_attribute_list", "is_unsafe_url", "secure_markdown"]

UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "mocha:")
_SAFE_DATA_IMAGE = re.compile(r"data:image/(?:png|gif|jpeg|webp);")
# Characters a browser's URL parser drops or trims (C0 controls, space, DEL) and C1 controls.
_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f]+")
_BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_ROUNDS = 8


class _LinkReader(MarkdownIt):
    """markdown-it reading every link: it refuses javascript: links itself; cmark-gfm, kramdown and goldmark do not.

    This pass reads links, images, autolinks, code spans and inline HTML, so like the body's
    reading parser it parses inline only the tokens that may hold one of them.
    """

    def __init__(self, config: str = "commonmark") -> None:
        super().__init__(config)
        self.core.ruler.at("inline", inline_where_read)

    def validateLink(self, url: str) -> bool:
        return True


_PARSER = with_line_table(_LinkReader("commonmark"))


@lru_cache(maxsize=4)
def _parse(text: str) -> tuple[list[Token], dict[str, Any]]:
    """markdown-it's tokens and env for a text, kept: the passes read one text more than once (never change them)."""
    env: dict[str, Any] = {}
    return _PARSER.parse(text, env), env


def decode_url(url: str) -> str:
    """A destination as a browser would finally read its scheme, decoded more eagerly than any one renderer.

    Backslash escapes, HTML entities (twice: kramdown keeps an entity it was given in the
    attribute, the browser then decodes it) and percent-escapes are undone until nothing
    changes; whitespace and control characters anywhere are dropped and letters lowercased.
    """
    return _CONTROL.sub("", _undo_escapes(url)).lower()


def _undo_escapes(text: str, unquote: Callable[[str], str] | None = None) -> str:
    """Backslash escapes, entities and percent-escapes undone, round after round, until nothing
    changes (at most _ROUNDS): a round runs only while something that may be one is left.

    ``unquote`` undoes the percent-escapes (default: ``unquote_runs``)."""
    unquote = unquote or unquote_runs
    for _ in range(_ROUNDS):
        if _MAY_UNDO.search(text) is None:
            break  # a round would change nothing: nothing left that a step decodes
        decoded = unquote(unescape(_BACKSLASH_ESCAPE.sub(r"\1", text)))
        if decoded == text:
            break
        text = decoded
    return text


# What a round may decode: a backslash escape, what ``html.unescape`` takes for a reference (its
# own pattern), a percent-escape. Text without any is left as it is by all three steps.
_MAY_UNDO = re.compile(
    _BACKSLASH_ESCAPE.pattern + r"|&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)|%[0-9a-fA-F]{2}"
)
# Written to start with its `%`, not as `(?:%XX)+`: re then skips to each `%` in C instead of trying
# the repeated group at every position of the text (on a Chinese page, 30 times as long).
_PERCENT_RUN = re.compile(r"%[0-9a-fA-F]{2}(?:%[0-9a-fA-F]{2})*")


def _unquote_for_schemes(text: str) -> str:
    """``unquote_runs`` as far as the look for schemes can tell: where no escape in the text
    stands for an ASCII byte or the lead byte of a C1 control (`%C2`), each run of escapes is
    one U+FFFD, written in C, instead of being decoded run by run (a CJK page's links).

    Such runs decode to characters above U+009F (or U+FFFD): none is a letter of a scheme, a
    control character, nor a character an entity or escape is made of, lower-cased included
    (U+0130 gives `i` and a combining dot, which stops a scheme; U+212A gives `k`, in no
    scheme). So they stop a scheme wherever they stand, as one U+FFFD does, round after round.
    """
    if "%" not in text:
        return text
    if _ASCII_OR_C1_ESCAPE.search(text) is None:
        return _PERCENT_RUN.sub("\ufffd", text)
    return unquote_runs(text)


_ASCII_OR_C1_ESCAPE = re.compile(r"%(?:[0-7][0-9a-fA-F]|[cC]2)")


def unquote_runs(text: str) -> str:
    """``urllib.parse.unquote(text)``, decoding only its runs of percent-escapes.

    The same string: unquote decodes each run of ASCII as UTF-8 bytes with replacement, and a
    literal ASCII character always ends a byte sequence and decodes as itself, so each run of
    escapes decodes alone as it does inside the whole. unquote walks every ASCII run of the
    text in Python; here a search in C finds the runs and each is decoded in C.
    """
    if "%" not in text:
        return text
    return _PERCENT_RUN.sub(_unquote_match, text)


def _unquote_match(match: re.Match[str]) -> str:
    # what unquote makes of a run of escapes: its bytes, read as UTF-8 with replacement
    return bytes.fromhex(match.group().replace("%", "")).decode("utf-8", "replace")


def is_unsafe_url(url: str, *, allow_data_images: bool = False) -> bool:
    """True for a destination that runs code or hides a document: javascript:, vbscript:, data: ...

    Decoded as ``decode_url`` does (`jav&#x09;ascript:`, `JaVaScRiPt:`, `javascript&#0000058;`,
    `da&Tab;ta:`, ` java\\nscript:`). ``allow_data_images`` lets raster ``data:image/`` URLs through.
    """
    decoded = decode_url(url)
    if allow_data_images and _SAFE_DATA_IMAGE.match(decoded):
        return False
    return decoded.startswith(UNSAFE_SCHEMES)


def secure_markdown(text: str, *, allow_data_images: bool = False) -> tuple[str, Counter[str]]:
    """The text with nothing executable left for any renderer, and the repairs made by kind.

    Kinds: ``html-escaped`` (a leftover tag escaped), ``unsafe-link`` (a destination pointed at
    ``#`` or an autolink escaped), ``kramdown-syntax`` (an IAL, ALD or extension escaped).
    Newlines are LF, as ``clean_body`` hands them over.
    """
    repairs: Counter[str] = Counter()
    text, escaped = escape_leftover_html(text)  # first: escaped HTML may hold link syntax
    if escaped:
        repairs["html-escaped"] += escaped
    if not _may_hold_syntax(text) or (not _may_hold_attribute_syntax(text) and not _may_run(text)):
        return text, repairs
    tokens, env = _parse(text)
    code = shared_code_regions(text, tokens)
    text, unsafe = _neutralize_links(text, tokens, env, code, allow_data_images)
    if unsafe:
        repairs["unsafe-link"] += unsafe
        tokens, env = _parse(text)
        code = shared_code_regions(text, tokens)
    text, attributes = _escape_attribute_syntax(text, tokens, code)
    if attributes:
        repairs.update(attributes)
        # an escape after `<` (`<\\{:`) makes what a lenient renderer may read as a tag
        text, escaped = escape_leftover_html(text)
        if escaped:
            repairs["html-escaped"] += escaped
    return text, repairs


def shared_code_regions(text: str, tokens: list[Token] | None = None) -> list[tuple[int, int]]:
    """Where every dialect reads code (``segments.code_regions``), less fences kramdown may read otherwise.

    CommonMark runs an unclosed fence to the end of its container, so whatever follows is code;
    kramdown reads no fence there and renders the HTML after it. And where a fence directly
    follows a list item's line, kramdown takes it into the item, where it may not close. A fence
    counts as code here only when it is closed, its info string is one word (kramdown reads no
    fence otherwise), and it opens at the start of the text or of its container, after a blank
    line of its own container, or after a paragraph or heading of its own container.
    """
    if tokens is None:
        tokens, _ = _parse(text)
    regions = code_regions(text, tokens)
    lines = text.split("\n")
    offsets = line_offsets(lines)
    untrusted = set()
    fence_shifted = False  # once kramdown pairs one fence line differently, it may pair every later one so
    for i, token in enumerate(tokens):
        if not token.map:
            continue
        if token.type == "fence" and (fence_shifted or not _robust_fence(token, tokens, lines)):
            fence_shifted = True
            untrusted.add((offsets[token.map[0]], offsets[min(token.map[1], len(lines))]))
        elif token.type == "code_block" and not _robust_indented_code(token, i, tokens, lines):
            untrusted.add((offsets[token.map[0]], offsets[min(token.map[1], len(lines))]))
    return [region for region in regions if region not in untrusted]


_KRAMDOWN_FENCE_INFO = re.compile(r"[ \t]*(?:\S+?(?:\?\S*)?)?[ \t]*")


def _quote_depth(line: str) -> int:
    prefix = CONTAINER_PREFIX.match(line)
    return prefix.group(0).count(">") if prefix else 0


def _robust_fence(fence: Token, tokens: list[Token], lines: list[str]) -> bool:
    assert fence.map is not None
    first, last = fence.map
    closing = CONTAINER_PREFIX.sub("", lines[last - 1], count=1).strip() if last - 1 > first else ""
    if not (closing.startswith(fence.markup) and set(closing) == {fence.markup[0]}):
        return False
    if not _KRAMDOWN_FENCE_INFO.fullmatch(fence.info):
        return False  # kramdown reads no fence where the info string has more than one word
    if _starts_cleanly(first, lines, tokens):
        return True
    previous = lines[first - 1]
    marker = CONTAINER_PREFIX.match(previous)
    plain_line = marker is None or not marker.group(0).strip(" \t>")  # `1. ` there may start a list to kramdown
    # after a paragraph or heading of its own container that itself starts cleanly
    return (
        plain_line
        and previous.count(">") == _quote_depth(lines[first])
        and any(
            t.type in ("paragraph_open", "heading_open")
            and t.map
            and t.map[1] == first
            and t.level == fence.level
            and _starts_cleanly(t.map[0], lines, tokens)
            for t in tokens
        )
    )


def _robust_indented_code(code: Token, index: int, tokens: list[Token], lines: list[str]) -> bool:
    """Indented code kramdown reads as code too: after a blank line of its container, not right after a list.

    kramdown reads indented lines after a list as the last item's content, and a list item
    whose marker is followed by five spaces (`1.     x`) as text.
    """
    assert code.map is not None
    first = code.map[0]
    if index and tokens[index - 1].type in ("bullet_list_close", "ordered_list_close"):
        return False
    if first == 0:
        return True
    previous = lines[first - 1]
    return not previous.strip(" \t>") and previous.count(">") == _quote_depth(lines[first])


def _starts_cleanly(first: int, lines: list[str], tokens: list[Token]) -> bool:
    """Whether a block at line ``first`` starts the text or its container, or follows a blank line of its container.

    A list marker alone is not a blank line, nor is a `>` line before a block outside that
    blockquote: kramdown takes the block in as a lazy line.
    """
    if first == 0:
        return True
    previous = lines[first - 1]
    if not previous.strip(" \t>") and previous.count(">") == _quote_depth(lines[first]):
        return True
    return any(t.type in ("blockquote_open", "list_item_open") and t.map and t.map[0] == first for t in tokens)


def _may_run(text: str) -> bool:
    """Whether any unsafe scheme could be read anywhere in the text: the whole text decoded the way
    ``decode_url`` decodes a destination (decoding is local, so a destination that decodes to
    ``javascript:`` leaves that word in the decoded whole). No markdown-it parse when it cannot.

    The same answer as ``any(scheme in decode_url(text))``, with less work on a whole post: the
    schemes are searched with control characters allowed between their letters instead of
    removing every space and newline of the text first.

    Its reach: quote prefixes are taken out, as a renderer takes them out of a destination that
    runs on over lines. The link scan below also blanks list markers and code spans, and so can
    join letters across them (`[a](java\n- script:x)`); no renderer does, and a browser keeps the
    space that is left, so such a text is not sent to it (a test pins both kinds).
    """
    # a destination may run on over lines inside a blockquote: its prefixes are not in it
    text = _undo_escapes(_QUOTE_PREFIXES.sub("\n", text), _unquote_for_schemes)
    return _SPREAD_SCHEME.search(text.lower()) is not None


# a bare newline is left as it is: only a prefix is replaced, and most lines have none
_QUOTE_PREFIXES = re.compile(r"\n[ \t>]+")
# An unsafe scheme in a text whose control characters ``decode_url`` has not dropped yet.
_SPREAD_SCHEME = re.compile(
    "|".join(f"{_CONTROL.pattern[:-1]}*".join(map(re.escape, scheme)) for scheme in UNSAFE_SCHEMES)
)


def _may_hold_syntax(text: str) -> bool:
    """A cheap first look for link, autolink, definition or kramdown syntax."""
    return "](" in text or "]:" in text or "<" in text or "{" in text


# --- links, images, autolinks and reference definitions -------------------------------------------

# A reference definition's opening, `[label]:`, the way kramdown and CommonMark both accept it.
_DEFINITION = re.compile(r"\[(?:[^\]\\\n]|\\.){1,999}\]:[ \t]*")
_AUTOLINK = re.compile(rf"(?<!\\)<({AUTOLINK_URI})>")
_TITLE_END = re.compile(r"""\s+(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\((?:[^()\\]|\\.)*\))\s*$""", re.DOTALL)


def _neutralize_links(
    text: str, tokens: list[Token], env: dict[str, Any], code: list[tuple[int, int]], allow_data_images: bool
) -> tuple[str, int]:
    """Point every executable destination at '#' and escape every executable autolink; the count of repairs."""
    masked = _mask(text, code)
    edits: dict[int, tuple[int, str]] = {}  # start -> (end, replacement)
    destinations = list(_destinations(masked))
    for start, end in destinations:
        # read without the container prefixes of its lines: kramdown keeps a newline inside it, browsers drop it
        if is_unsafe_url(masked[start:end], allow_data_images=allow_data_images):
            edits[start] = (end, "#")
    inside = {start - 1 for start, _ in destinations}  # `](<url>)`: a destination, not an autolink
    for match in _AUTOLINK.finditer(masked):
        if match.start() not in inside and is_unsafe_url(match.group(1), allow_data_images=allow_data_images):
            edits[match.start()] = (match.start(), "\\")
    text = _apply(text, edits)
    count = len(edits)
    # markdown-it's reading is the proof; a destination the scan above missed takes its block's links apart
    for _ in range(_ROUNDS):
        if count:
            tokens, env = _parse(text)
        lines = _unsafe_link_lines(tokens, env, allow_data_images)
        if not lines:
            break
        text, unlinked = _unlink_lines(text, lines, shared_code_regions(text, tokens))
        count += unlinked
    return text, count


def _mask(text: str, code: list[tuple[int, int]]) -> str:
    """The text with code and container prefixes blanked out, offsets kept: what links can be read from."""
    chars = list(text)
    for start, end in code:
        for i in range(start, min(end, len(chars))):
            if chars[i] != "\n":
                chars[i] = " "
    offset = 0
    for line in text.split("\n"):
        prefix = CONTAINER_PREFIX.match(line)
        if prefix:
            for i in range(offset, offset + prefix.end()):
                chars[i] = " "
        offset += len(line) + 1
    return "".join(chars)


def _destinations(masked: str) -> Iterator[tuple[int, int]]:
    """Where link destinations may stand: inside `](...)` and after `[label]:`, read leniently.

    kramdown takes everything up to the balancing `)` (spaces and tabs too) and a definition's
    whole line; CommonMark allows the destination on the next line. A trailing title is left out.
    """
    for match in re.finditer(r"(?<!\\)\]\(", masked):
        start = match.end()
        end = _balanced_end(masked, start)
        if end is not None:
            yield _without_title(masked, start, end)
    for match in _DEFINITION.finditer(masked):
        line_start = masked.rfind("\n", 0, match.start()) + 1
        if masked[line_start : match.start()].strip():
            continue  # not at the start of its line
        start = match.end()
        if masked.startswith("\n", start):  # the destination on the next line
            start += 1
            while start < len(masked) and masked[start] in " \t":
                start += 1
        end = masked.find("\n", start)
        end = len(masked) if end < 0 else end
        if end > start:
            yield _without_title(masked, start, end)


def _balanced_end(masked: str, start: int) -> int | None:
    """The offset of the `)` that closes a destination opened just before ``start``, if any."""
    depth = 0
    i = start
    blank = re.compile(r"\n[ \t]*\n")
    while i < len(masked):
        char = masked[i]
        if char == "\\":
            i += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                return i
            depth -= 1
        elif char == "\n" and blank.match(masked, i):
            return None
        i += 1
    return None


def _without_title(masked: str, start: int, end: int) -> tuple[int, int]:
    title = _TITLE_END.search(masked, start, end)
    if title:
        end = title.start()
    while start < end and masked[start] in " \t\n":
        start += 1
    while end > start and masked[end - 1] in " \t\n":
        end -= 1
    if masked.startswith("<", start) and masked[end - 1 : end] == ">":
        start, end = start + 1, end - 1
    return start, end


def _apply(text: str, edits: dict[int, tuple[int, str]]) -> str:
    pieces: list[str] = []
    cursor = 0
    for start in sorted(edits):
        end, replacement = edits[start]
        if start < cursor:
            continue
        pieces.extend((text[cursor:start], replacement))
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def _unsafe_link_lines(tokens: list[Token], env: dict[str, Any], allow_data_images: bool) -> list[tuple[int, int]]:
    """The line ranges of blocks markdown-it still reads an executable destination in."""
    ranges: list[tuple[int, int]] = []
    references = env.get("references")
    if isinstance(references, dict):
        for reference in references.values():
            where = reference.get("map")
            if where and is_unsafe_url(reference.get("href", ""), allow_data_images=allow_data_images):
                ranges.append((where[0], where[1]))
    for token in tokens:
        if token.type != "inline" or not token.map:
            continue
        for child in token.children or ():
            url = child.attrGet("href") if child.type == "link_open" else child.attrGet("src")
            if isinstance(url, str) and is_unsafe_url(url, allow_data_images=allow_data_images):
                ranges.append((token.map[0], token.map[1]))
                break
    return ranges


def _unlink_lines(text: str, ranges: list[tuple[int, int]], code: list[tuple[int, int]]) -> tuple[str, int]:
    """Escape every `[`, `]` and `<` on these lines outside code: no link can be read there any more."""
    offsets = line_offsets(text.split("\n"))
    inside_code = Regions(code)
    edits: dict[int, tuple[int, str]] = {}
    for first, last in ranges:
        for i in range(offsets[first], min(offsets[last], len(text))):
            if text[i] in "[]<" and not is_escaped(text, i) and i not in inside_code:
                edits[i] = (i, "\\")
    return _apply(text, edits), len(edits)


# --- kramdown and goldmark attribute syntax --------------------------------------------------------

# goldmark's attribute list at the end of a heading (`# Title {#id onclick=x}`), or alone on a
# line as a block attribute list where a site turns those on
_TRAILING_ATTRIBUTES = re.compile(r"\{([^{}\n]*)\}[ \t#]*$")
_ATTRIBUTE_LINE = re.compile(r"\{([^{}\n]*)\}[ \t]*$")
# kramdown's IAL `{: ...}` and ALD `{:name: ...}` on one line; `\}` may stand inside
_KRAMDOWN_LIST = re.compile(r"\{:(?:([A-Za-z][\w-]*):)?((?:\\\}|[^}\n])*)\}")
# Attributes that cannot run, load or style anything: an attribute list naming only these, ids,
# classes and ALD names is kept (`{: .notice-info}`, Hugo's `{#custom-id}`); any other is escaped.
HARMLESS_ATTRIBUTES = frozenset(
    {
        "class",
        "id",
        "title",
        "lang",
        "dir",
        "target",
        "rel",
        "width",
        "height",
        "align",
        "role",
        "start",
        "reversed",
        "loading",
        "colspan",
        "rowspan",
        "scope",
        "abbr",
        "headers",
        "hreflang",
        "translate",
        "aria-label",
        "aria-hidden",
    }
)
_ATTRIBUTE_ITEM = re.compile(r"""[ \t]*(?:[.#][^\s{}"'=<>`]+|([A-Za-z][\w-]*)(?:=("[^"\\]*"|'[^'\\]*'|[\w.%-]+))?)""")


def harmless_attribute_list(content: str) -> bool:
    """Whether an attribute list names only ids, classes, ALDs and attributes in ``HARMLESS_ATTRIBUTES``."""
    position = 0
    content = content.rstrip(" \t")
    while position < len(content):
        item = _ATTRIBUTE_ITEM.match(content, position)
        if item is None or item.end() == position:
            return False
        if item.group(2) is not None and item.group(1).lower() not in HARMLESS_ATTRIBUTES:
            return False
        position = item.end()
    return True


def _may_hold_attribute_syntax(text: str) -> bool:
    """Whether ``_escape_attribute_syntax`` may find anything to escape, without markdown-it's reading:
    a `{:`, or a line ending in an attribute list that sets more than harmless attributes, taken
    as a heading's and as a line's of its own. Hugo's shortcodes (`{{< figure >}}`) are neither."""
    if "{" not in text:
        return False
    if "{:" in text:
        return True
    for line in text.split("\n"):
        if "{" not in line:
            continue
        prefix = CONTAINER_PREFIX.match(line)
        for found in (_TRAILING_ATTRIBUTES.search(line), _ATTRIBUTE_LINE.match(line, prefix.end() if prefix else 0)):
            if found and not found.group(1).startswith(":") and not harmless_attribute_list(found.group(1)):
                return True
    return False


def _escape_attribute_syntax(text: str, tokens: list[Token], code: list[tuple[int, int]]) -> tuple[str, Counter[str]]:
    """Escape the `{` of syntax that writes attributes, raw HTML or options, outside code.

    Every kramdown extension (`{::nomarkdown}`, `{::options}`, `{::comment}`, `{:/}`) and every
    IAL, ALD or goldmark attribute list that sets more than ids, classes and harmless attributes
    is escaped: `\\{` is an escape in kramdown, goldmark and CommonMark alike, so every dialect
    shows the text as written and none acts on it.
    """
    edits: dict[int, tuple[int, str]] = {}
    repairs: Counter[str] = Counter()
    inside_code = Regions(code)

    def escape(at: int, kind: str) -> None:
        if at not in edits and not is_escaped(text, at) and at not in inside_code:
            edits[at] = (at, "\\")
            repairs[kind] += 1

    for match in re.finditer(r"\{:", text):
        listed = _KRAMDOWN_LIST.match(text, match.start())
        if text.startswith(("{::", "{:/"), match.start()) or (listed and not harmless_attribute_list(listed.group(2))):
            escape(match.start(), "kramdown-syntax")
    if "{" in text:
        offsets = line_offsets(text.split("\n"))
        heading_lines = {
            line
            for token in tokens
            if token.type == "heading_open" and token.map
            for line in range(token.map[0], token.map[1] - (token.markup in ("=", "-")))
        }
        for number, line in enumerate(text.split("\n")):
            if "{" not in line:
                continue
            prefix = CONTAINER_PREFIX.match(line)
            found = (
                _TRAILING_ATTRIBUTES.search(line)
                if number in heading_lines
                else (_ATTRIBUTE_LINE.match(line, prefix.end() if prefix else 0))
            )
            if found and not found.group(1).startswith(":") and not harmless_attribute_list(found.group(1)):
                escape(offsets[number] + found.start(), "goldmark-attribute")
    return _apply(text, edits), repairs


# --- HTML left in the Markdown ---------------------------------------------------------------------

# A well-formed comment as HTML5 reads it: not opened as `<!-->` or `<!--->`, no `--!>` inside.
_SAFE_COMMENT = re.compile(r"<!--(?!-?>)(?:(?!--!?>).)*-->", re.DOTALL)
# `<` before a letter, `/`, `?`, or an entity or escape a lenient renderer may decode into one (`<!` below).
# A letter is any Unicode letter, and `_` counts as one: kramdown starts a tag at `<_` and `<é`,
# and inside that tag a backslash no longer escapes (`<_>\<script>` runs the script).
_TAG_START = re.compile(r"<(?=[^\W\d]|[/?&\\])")
# `<` before anything a tag, a comment, CDATA or a doctype starts with (``_leftover_html_starts``)
_MAY_START_HTML = re.compile(r"<(?=[^\W\d]|[/?!&\\])")
_BANG = re.compile(r"<!(?!--(?!-?>))")
_COMMENT_OPEN = re.compile(r"<!--(?!-?>)")
# CommonMark's autolinks; an email's local part without `/`, `=` or quotes, which would let a tag
# (`<script/href="mailto:a@b.c">`) pass for one
_AUTOLINK_OR_EMAIL = re.compile(
    rf"<{AUTOLINK_URI}>"
    r"|<[A-Za-z0-9.!#$%&'*+?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*>"
)


def escape_leftover_html(text: str) -> tuple[str, int]:
    """Escape whatever HTML is still in the Markdown after conversion, so none reaches a renderer.

    Text on both sides of a removed element can join into a tag (`<scr` + `ipt>`); a tag
    CommonMark reads as text (`<script/src=..>`) is still one to a browser or kramdown. Every `<`
    that opens a tag, CDATA or a malformed comment outside code is escaped; a well-formed
    comment (timestamps, `<!--more-->`) is kept. Escaping can reveal the next piece of HTML,
    so the search runs again until none is left.
    """
    total = 0
    if not _may_hold_html(text):
        return text, 0
    for _ in range(_ROUNDS):
        positions = _leftover_html_starts(text)
        if not positions:
            break
        for position in sorted(positions, reverse=True):
            text = text[:position] + "\\" + text[position:]
        total += len(positions)
    return text, total


def _reading_tokens(text: str) -> list[Token] | None:
    """This pass's own tokens of the text (``_parse``, kept for the passes after) where the parser
    ``find_html`` reads with would give the same ones; None where it may not.

    The two parsers differ only in the links they refuse: markdown-it refuses a destination
    that starts with vbscript:, javascript:, file: or data: once its escapes and entities are
    decoded, and this pass refuses none. Where no such word follows a decoding of the whole
    text, no destination can be refused and every token is the same.
    """
    if _REFUSED_SCHEME.search(unescapeAll(text).lower()) is not None:
        return None
    tokens, _ = _parse(text)
    return tokens


_REFUSED_SCHEME = re.compile(r"(?:vbscript|javascript|file|data):")


def _may_hold_html(text: str) -> bool:
    """A cheap first look: is there a '<' that may open a tag and is not escaped, a well-formed
    comment or an autolink? (`\\\\<img` is a backslash, then a tag.)"""
    for match in _MAY_START_HTML.finditer(text):
        start = match.start()
        if not (is_escaped(text, start) or _SAFE_COMMENT.match(text, start) or _AUTOLINK_OR_EMAIL.match(text, start)):
            return True
    return False


def _unescaped(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """The pattern's matches that no odd run of backslashes escapes."""
    return (match for match in pattern.finditer(text) if not is_escaped(text, match.start()))


def _leftover_html_starts(text: str) -> set[int]:
    starts: set[int] = set()
    for span in find_html(text, _reading_tokens(text)):
        chunk = text[span.start : span.end]
        if span.block and not span.kept and _SAFE_COMMENT.sub("", chunk).strip() == "":
            continue
        comments = Regions((c.start() + 1, c.end()) for c in _SAFE_COMMENT.finditer(chunk))  # strictly inside one
        for match in re.finditer(r"<(?=[A-Za-z/!?])", chunk):
            if match.start() not in comments and not _SAFE_COMMENT.match(chunk, match.start()):
                starts.add(span.start + match.start())
    code_list = shared_code_regions(text)
    code = Regions(code_list)
    code_or_autolink = Regions([*code_list, *((m.start(), m.end()) for m in _AUTOLINK_OR_EMAIL.finditer(text))])
    for match in _unescaped(_TAG_START, text):
        # any `<` before a letter, outside code and autolinks: browsers and kramdown run
        # <mglyph/onerror=..> as well as <img ..>, and a renderer may decode <script&gt;
        if match.start() not in code_or_autolink:
            starts.add(match.start())
    for match in _unescaped(_BANG, text):
        if match.start() not in code:
            starts.add(match.start())  # CDATA, a doctype, a comment opened as `<!-->`
    for match in _unescaped(_COMMENT_OPEN, text):
        comment = _SAFE_COMMENT.match(text, match.start())
        if comment is None and match.start() not in code:
            starts.add(match.start())
    return starts
