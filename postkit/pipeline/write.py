"""The one writer of a body: converted HTML spans spliced into the Markdown around them.

Markdown outside the HTML spans is kept as it was written. This module alone knows where a
converted span lands: at a line start, inside a blockquote or list item, between blank lines,
or inside a paragraph; after splicing, the Markdown-level passes run once over the whole body
(tracking parameters in Markdown links, entities written as characters, the output safety pass).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from html import unescape
from typing import TYPE_CHECKING

from postkit.body import Body, HtmlPart
from postkit.pipeline.fragment import _tools, convert_fragment
from postkit.pipeline.markdown_text import (
    CONTAINER_PREFIX,
    escape_line_start,
    escape_line_starts,
    is_escaped,
    one_line,
)
from postkit.pipeline.options import CleanOptions
from postkit.pipeline.repair import strip_tracking
from postkit.pipeline.report import FragmentReport
from postkit.pipeline.safety import secure_markdown
from postkit.rules import RuleBook
from postkit.segments import (
    ANY_PLACEHOLDER_RE,
    HtmlSpan,
    code_regions,
    markdown_link_urls,
)

if TYPE_CHECKING:
    from lxml.html import HtmlElement


def clean_body(
    body: str,
    *,
    base: str | None,
    options: CleanOptions,
    first_line: int = 1,
    title: str | None = None,
    details: bool = True,
) -> tuple[str, FragmentReport, int]:
    """Convert every HTML span of a Markdown body; Markdown outside the spans is not touched.

    ``details`` places each removal where validate and explain place its element (line and
    column) and keeps the excerpt and size of the cruft removed; without it a removal carries
    its fragment's first line only, which is cheaper.
    """
    # a NUL is U+FFFD to every Markdown reader; as such it cannot hide inside a tag from this search
    tools = _tools(options)
    model = Body.read(body.replace("\0", "\ufffd"), first_line, tools.rules, base)
    normalized = model.text
    spans = model.spans
    total = FragmentReport()
    if not spans:
        cleaned, dropped = drop_markdown_tracking(normalized, tools.rules)
        cleaned, decoded = decode_entities(cleaned)
        cleaned, secured = secure_markdown(cleaned, allow_data_images=options.allow_data_images)
        if not dropped and not secured and not decoded:
            return body, total, 0
        total.repairs.update(secured)
        for kind, count in (("tracking-param", dropped), ("entity-decoded", decoded)):
            if count:
                total.repairs[kind] += count
        return _restore_line_endings(body, cleaned), total, 0
    pieces: list[str] = []
    cursor = 0
    index = 0
    references = "]:" in normalized  # a definition may make any [label] a link: keep every [ escaped
    while index < len(spans):
        span = spans[index]
        index += 1
        if span.literal:
            pieces.append(normalized[cursor : span.start])
            pieces.append("\\" + span.html)
            cursor = span.end
            continue
        if not span.block and _LONE_BREAK.fullmatch(span.html):
            first = index - 1
            index = _breaks_end(spans, first, normalized)
            cursor = _place_breaks(pieces, normalized, cursor, span, spans[index - 1], index - first)
            continue
        breaks_line = not span.block and _breaks_the_line(span, normalized)
        markdown, report = convert_fragment(
            span.html,
            base=base,
            options=options,
            line=span.line + first_line - 1,
            title=title if span.block else None,
            inline=not span.block and not breaks_line,
            locator=_locator(span, model) if details else None,
            excerpts=details,
            references=references,
        )
        total.removals.extend(report.removals)
        total.repairs.update(report.repairs)
        total.lost.extend(report.lost)
        before = normalized[cursor : span.start]
        if breaks_line:
            # its blocks stand below the line's text, as a browser shows them
            before = before.rstrip(" \t")
            pieces.append(before)
            line_start = normalized.rfind("\n", 0, span.start) + 1
            lead = "\n\n" if normalized[line_start : span.start].strip() and markdown.strip() else ""
            pieces.append(lead + _put_back_kept(span, markdown, "") if span.kept else lead + markdown)
        else:
            pieces.append(before)
            pieces.append(_place(span, markdown, before, normalized[span.end :]))
        cursor = span.end
    pieces.append(normalized[cursor:])
    result = _tidy_blank_lines("".join(pieces))
    result, dropped = drop_markdown_tracking(result, tools.rules)
    if dropped:
        total.repairs["tracking-param"] += dropped
    result, decoded = decode_entities(result)
    if decoded:
        total.repairs["entity-decoded"] += decoded
    result, secured = secure_markdown(result, allow_data_images=options.allow_data_images)
    total.repairs.update(secured)
    result = _restore_line_endings(body, result)
    return result, total, len(spans)


_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _breaks_end(spans: list[HtmlSpan], index: int, text: str) -> int:
    """The index after a run of lone `<br>` spans that only white space separates."""
    end = index + 1
    while (
        end < len(spans)
        and not spans[end].block
        and _LONE_BREAK.fullmatch(spans[end].html)
        and not text[spans[end - 1].end : spans[end].start].strip()
    ):
        end += 1
    return end


def _place_breaks(pieces: list[str], text: str, cursor: int, first: HtmlSpan, last: HtmlSpan, count: int) -> int:
    """Write a run of `<br>` inside a paragraph; returns where the Markdown after it resumes.

    One break is a hard break at the end of the line before it; two or more end the paragraph
    (`<br><br>` is how such exports separate paragraphs); breaks at the start or end of a
    paragraph show nothing and are dropped (a backslash there would show). The text after a
    break starts a line: a block marker there is escaped, it was never one in the HTML.
    """
    before = text[cursor : first.start]
    rest = text[last.end :]
    kept_so_far = "".join(pieces[-3:]) + before
    at_start = not kept_so_far.strip() or kept_so_far.rstrip(" ").endswith("\n\n")
    at_end = not rest.strip() or _BLANK_LINE_NEXT.match(rest) is not None
    if at_start or at_end:
        pieces.append(before.rstrip(" ") if at_end else before)
        return last.end
    spaces = len(rest) - len(rest.lstrip(" "))
    joined = before.rstrip(" \n")
    if rest[spaces : spaces + 1] == "\n":  # the Markdown goes on on the next line of the source
        next_line = rest[spaces + 1 :].split("\n", 1)[0].lstrip(" ")
        if escape_line_start(next_line) != next_line:
            pieces.append(joined)  # a block starts there: the paragraph, and its break, end
        else:
            pieces.append(joined + ("\n" if count > 1 else "\\"))
        return last.end + spaces
    pieces.append(joined + ("\n\n" if count > 1 else "\\\n"))
    line = rest[spaces:].split("\n", 1)[0]
    escaped = escape_line_start(line)
    if escaped == line:
        return last.end + spaces
    # escaping inserts one backslash: the marker before it is written here, the rest stays
    at = next(i for i, (a, b) in enumerate(zip(line, escaped, strict=False)) if a != b)
    pieces.append(line[:at] + "\\")
    return last.end + spaces + at


_BLANK_LINE_NEXT = re.compile(r"[ \t]*\n[ \t]*(?:\n|$)")


def _locator(span: HtmlSpan, model: Body) -> Callable[[HtmlElement], Callable[[HtmlElement], tuple[int, int]]]:
    """How removals in a span's tree are placed in the file: as validate places the same element."""
    return lambda tree: HtmlPart(span, tree, model).locate


def decode_entities(text: str) -> tuple[str, int]:
    """Write HTML entities of the Markdown as the characters they stand for, outside code.

    WordPress exports are full of `we&#8217;ll` and `&#8211;`: the same text to a reader, noise
    to a writer. Only entities for letters, digits and non-ASCII visible characters are written
    out; `&amp;`, `&lt;`, `&nbsp;` and other syntax, spaces and invisible characters stay, as does
    an escaped `\\&#8217;` and anything in code.
    """
    if "&" not in text:
        return text, 0
    code: list[tuple[int, int]] | None = None
    pieces: list[str] = []
    cursor = count = 0
    for match in _ENTITY.finditer(text):
        char = unescape(match.group(0))
        if len(char) != 1 or not _plain_visible(char):
            continue
        if is_escaped(text, match.start()):
            continue
        if _may_be_code_at(text, match.start()):
            if code is None:
                code = code_regions(text)
            if any(start <= match.start() < end for start, end in code):
                continue
        pieces.append(text[cursor : match.start()])
        pieces.append(char)
        cursor = match.end()
        count += 1
    pieces.append(text[cursor:])
    return "".join(pieces), count


def _may_be_code_at(text: str, position: int) -> bool:
    """Whether the character at ``position`` may stand in code, from a look around it instead of a
    parse: a code span needs a backtick in its paragraph, a fenced block a fence before it, an
    indented block four columns of indent on its line (a tab or four spaces, inside its
    container's prefix too). Where none is there it is surely not in code; else the parse decides."""
    if text.find("```", 0, position) >= 0 or text.find("~~~", 0, position) >= 0:
        return True
    line_start = text.rfind("\n", 0, position) + 1
    prefix = CONTAINER_PREFIX.match(text, line_start, position).group()  # type: ignore[union-attr]  # matches "" at least
    if "    " in prefix or "\t" in prefix:
        return True
    paragraph_start = text.rfind("\n\n", 0, position)
    paragraph_end = text.find("\n\n", position)
    return text.find("`", max(paragraph_start, 0), paragraph_end if paragraph_end >= 0 else len(text)) >= 0


def _plain_visible(char: str) -> bool:
    if char.isascii():
        return char.isalnum()
    return unicodedata.category(char)[0] not in "CZ"


def drop_markdown_tracking(text: str, rules: RuleBook) -> tuple[str, int]:
    """Drop tracking parameters from the URLs of Markdown links and reference definitions.

    Only the query of a URL that holds such a parameter changes; everything else stays as written.
    """
    if not rules.mentions_tracking_param(text):
        return text, 0
    pieces: list[str] = []
    cursor = dropped = 0
    for start, end in markdown_link_urls(text):
        cleaned, count = strip_tracking(text[start:end], rules, markdown=True)
        if count:
            pieces.extend((text[cursor:start], cleaned))
            cursor = end
            dropped += count
    pieces.append(text[cursor:])
    return "".join(pieces), dropped


# Elements a browser shows as blocks of their own, wherever they stand.
_BLOCK_START = re.compile(
    r"<(?:div|blockquote|p|ul|ol|dl|table|h[1-6]|pre|section|article|figure|hr)(?=[\s/>])", re.IGNORECASE
)


def _breaks_the_line(span: HtmlSpan, text: str) -> bool:
    """An inline span holding blocks (`<a>…</a><div><blockquote>…`) that ends a one-line paragraph
    outside any container: its blocks are written as blocks after the line's text. Inline, they
    were run into the line (`[link](u)Quoted text`) and the quote was lost."""
    if not _BLOCK_START.search(span.html):
        return False
    line_start = text.rfind("\n", 0, span.start) + 1
    line_end = text.find("\n", span.end)
    line_end = len(text) if line_end < 0 else line_end
    if text[span.end : line_end].strip():
        return False  # text after it on its line would start a paragraph of its own
    before_line = text[: max(0, line_start - 1)].rsplit("\n", 1)[-1]
    after_line = text[line_end + 1 :].split("\n", 1)[0]
    if before_line.strip() or after_line.strip():
        return False  # a paragraph of more lines: they could be a container's lazy lines
    prefix = CONTAINER_PREFIX.match(text, line_start)
    return prefix is None or not text[line_start : prefix.end()].strip()


def _place(span: HtmlSpan, markdown: str, before: str, after: str) -> str:
    if not span.block and "\n" in markdown:
        # a <br> inside a paragraph starts a line: what begins it must not become a heading or list
        markdown = escape_line_starts(markdown)
    if span.kept:
        markdown = _put_back_kept(span, markdown, before)
    if not span.block:
        markdown = re.sub(r"\n{2,}", " ", markdown)
        # Space at the inner edge of the span (`<b>word </b>next`) must stay between the words.
        if _EDGE_SPACE_END.search(span.html) and markdown and not markdown[-1].isspace() and after[:1].strip():
            markdown += " "
        if _EDGE_SPACE_START.match(span.html) and markdown and not markdown[0].isspace() and before[-1:].strip():
            markdown = " " + markdown
        return markdown
    if span.first_prefix or span.prefix:
        return _reprefix(markdown, span.first_prefix, span.prefix) if markdown else span.first_prefix.rstrip()
    if not markdown.strip():  # nothing, or only the space of a `<p>&nbsp;</p>`
        return _REMOVED_BLOCK
    lead = "" if not before.strip("\n") or before.endswith("\n\n") else ("\n" if before.endswith("\n") else "\n\n")
    trail = "" if not after.strip("\n") or after.startswith("\n\n") else ("\n" if after.startswith("\n") else "\n\n")
    return lead + markdown + trail


def _put_back_kept(span: HtmlSpan, markdown: str, before: str) -> str:
    """Put the Markdown kept between tags back in place of its placeholders.

    Kept text that followed a tag in the source (`<span>1. mintUpdate</span>`) was never at the
    start of a line; once the tag is gone it may be, and a block marker there would turn it into
    a list or heading: such a marker is escaped.
    """

    def put(match: re.Match[str]) -> str:
        kept = span.kept[int(match.group(1))]
        if match.group(0)[0] == "\ue003":
            # it sits in a code block, where the browser decoded its entities (`&#13;` too)
            return _CR.sub("\n", unescape(kept))
        if match.group(0)[0] == "\ue004":
            return one_line(unescape(kept))  # in a code span: one line, as the renderer wrote it
        line_start = markdown.rfind("\n", 0, match.start()) + 1
        preceding = markdown[line_start : match.start()]
        if line_start == 0:
            preceding = before.rsplit("\n", 1)[-1] + preceding
        return escape_line_start(kept) if CONTAINER_PREFIX.fullmatch(preceding) else kept

    return ANY_PLACEHOLDER_RE.sub(put, markdown)


_CR = re.compile("\r\n?")


def _reprefix(markdown: str, first_prefix: str, prefix: str) -> str:
    """Put a block back inside its blockquote or list item: the container's prefix on every line."""
    out = []
    for i, line in enumerate(markdown.split("\n")):
        if i == 0:
            out.append(first_prefix + line)
        else:
            out.append((prefix + line) if line else prefix.rstrip())
    return "\n".join(out)


_LONE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_EDGE_SPACE_END = re.compile(r"\s(?:</[^>]+>)+$")
_EDGE_SPACE_START = re.compile(r"^(?:<[^/!][^>]*>)+\s")


# A block that converted to nothing leaves this mark; the blank lines around it are merged after.
_REMOVED_BLOCK = "\ue002"
_AROUND_REMOVED = re.compile("\n*\ue002(?:\n*\ue002)*\n*")  # consecutive removed blocks merge as one


def _tidy_blank_lines(text: str) -> str:
    if _REMOVED_BLOCK not in text:
        return text  # the search would try every newline for the mark

    def merge(match: re.Match[str]) -> str:
        start, end = match.start(), match.end()
        if start == 0:
            return ""
        if end == len(text):
            return "\n" if match.group(0).endswith("\n") else ""
        return "\n\n"

    return _AROUND_REMOVED.sub(merge, text)


def _restore_line_endings(original: str, new: str) -> str:
    crlf = original.count("\r\n") if "\r" in original else 0
    if crlf and crlf * 2 > original.count("\n"):
        new = new.replace("\n", "\r\n")
    ends_with_newline = original.endswith(("\n", "\r"))
    if ends_with_newline and not new.endswith("\n") and new:
        new += "\r\n" if crlf and crlf * 2 > original.count("\n") else "\n"
    elif not ends_with_newline:
        new = new.rstrip("\r\n")
    return new
