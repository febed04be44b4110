"""The cleaning pipeline: find the HTML in a post's body and turn each span into clean Markdown.

Each HTML span is parsed once into a tree that the strip and repair stages change in place;
the sanitizer gets its serialization (the one re-parse, see ``sanitize``), and the converter
and verify stages work on the sanitized tree. ``clean_text`` is the whole of ``postkit convert``
as a pure function on text.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from html import unescape
from urllib.parse import unquote

from bs4 import BeautifulSoup, NavigableString

from postkit.pipeline.html import parse_fragment, serialize_html, visible_text
from postkit.pipeline.repair import (
    absolutize_urls,
    decode_protected_emails,
    drop_duplicate_images,
    drop_tracking_params,
    host_of,
    join_segment_breaks,
    link_empty_embeds,
    resolve_lazy_images,
    strip_tracking,
    unwrap_image_proxies,
    unwrap_layout_tables,
    wrap_loose_captions,
)
from postkit.pipeline.report import FragmentReport, LostText, Removal
from postkit.pipeline.safety import secure_markdown
from postkit.pipeline.sanitize import Policy, Sanitizer, enforce_policy, make_sanitizer
from postkit.pipeline.strip import drop_title_heading, keep_main_article, strip_cruft, strip_inert
from postkit.pipeline.to_markdown import escape_first_line_start, escape_line_starts, tree_to_markdown
from postkit.pipeline.verify import lost_text
from postkit.post import SourcePost, split_post
from postkit.rules import RuleBook, load_rulebook
from postkit.segments import (
    LINK_DESTINATION,
    PLACEHOLDER_RE,
    HtmlSpan,
    code_regions,
    find_html,
    markdown_link_urls,
    normalize_newlines,
)

__all__ = ["CleanOptions", "CleanResult", "LostText", "Removal", "clean_post", "clean_text", "convert_html_document"]


@dataclass(frozen=True)
class CleanOptions:
    """What changes how a post is cleaned; the cache key is built from these."""

    source_url_key: str = "from"
    sanitizer: str = "nh3"
    rule_files: tuple[str, ...] = ()
    allow_data_images: bool = False


@dataclass(frozen=True)
class CleanResult:
    """A cleaned post and an account of what cleaning did to it."""

    path: str
    original: str
    text: str
    removals: tuple[Removal, ...] = ()
    repairs: tuple[tuple[str, int], ...] = ()
    lost: tuple[LostText, ...] = ()
    html_spans: int = 0
    post: SourcePost | None = field(default=None, compare=False, repr=False)

    @property
    def changed(self) -> bool:
        return self.text != self.original

    def counts(self) -> Counter[str]:
        """Removals by kind, repairs by kind and converted HTML spans, for summaries."""
        counts: Counter[str] = Counter(r.kind for r in self.removals)
        counts.update(dict(self.repairs))
        if self.html_spans:
            counts["html-span"] += self.html_spans
        return counts


@dataclass(frozen=True)
class _Tools:
    rules: RuleBook
    policy: Policy
    sanitize: Sanitizer


@lru_cache(maxsize=8)
def _tools(options: CleanOptions) -> _Tools:
    rules = load_rulebook(options.rule_files)
    policy = Policy(allow_data_images=options.allow_data_images)
    return _Tools(rules=rules, policy=policy, sanitize=make_sanitizer(options.sanitizer, policy))


def convert_fragment(html: str, *, base: str | None, options: CleanOptions, line: int = 1,
                     title: str | None = None, inline: bool = False) -> tuple[str, FragmentReport]:
    """One HTML fragment through strip, repair, sanitize, convert and verify."""
    tools = _tools(options)
    report = FragmentReport()
    tree = parse_fragment(html)
    host = host_of(base)
    strip_cruft(tree, tools.rules, host, report)
    keep_main_article(tree, tools.rules, report)
    drop_title_heading(tree, title, report)
    resolve_lazy_images(tree, report)
    unwrap_image_proxies(tree, report)
    decode_protected_emails(tree, report)
    absolutize_urls(tree, base, report)
    drop_duplicate_images(tree, report)
    drop_tracking_params(tree, tools.rules, report)
    wrap_loose_captions(tree)
    link_empty_embeds(tree)
    unwrap_layout_tables(tree)
    strip_inert(tree, report, tools.policy.tags)
    join_segment_breaks(tree)
    expected = visible_text(tree)
    markdown = tree_to_markdown(_sanitized_tree(tree, tools), inline=inline)
    report.lost.extend(lost_text(expected, markdown, line))
    if report.removals and line > 1:
        report.removals[:] = [Removal(r.kind, r.rule, r.excerpt, r.chars, line) for r in report.removals]
    return markdown, report


def _sanitized_tree(tree: BeautifulSoup, tools: _Tools) -> BeautifulSoup:
    """The tree after the sanitizer, parsed again only when the sanitizer changed something.

    The policy is enforced on the tree first; the sanitizer then runs once on its serialization
    as the proof. When it gives back exactly what it was given, the tree already holds nothing
    the policy forbids, and it is converted as it is.
    """
    enforce_policy(tree, tools.policy)
    serialized = serialize_html(tree)
    sanitized = tools.sanitize(serialized if serialized is not None else _serialize(tree))
    if sanitized == serialized:
        _as_parsed(tree)
        return tree
    return parse_fragment(sanitized)


def _as_parsed(tree: BeautifulSoup) -> None:
    """Text as a fresh parse would hold it: no empty strings, neighbours joined (unwrapping leaves both)."""
    for node in [node for node in tree.descendants if type(node) is NavigableString and not node]:
        node.extract()
    tree.smooth()


def _serialize(tree: BeautifulSoup) -> str:
    body = tree.body
    return body.decode_contents() if body is not None else tree.decode()


def clean_post(post: SourcePost, options: CleanOptions | None = None) -> CleanResult:
    """Clean a post's body; the front matter is kept byte for byte."""
    options = options or CleanOptions()
    base = post.source_url(options.source_url_key) if post.format else None
    title = post.metadata.get("title") if post.format else None
    body, report, spans = clean_body(post.body, base=base, options=options, first_line=post.body_start_line,
                                     title=title if isinstance(title, str) else None)
    cleaned = post.with_body(body)
    return CleanResult(
        path=post.path,
        original=post.text,
        text=cleaned.text,
        removals=tuple(report.removals),
        repairs=tuple(sorted(report.repairs.items())),
        lost=tuple(report.lost),
        html_spans=spans,
        post=cleaned,
    )


def clean_text(text: str, options: CleanOptions | None = None, path: str = "<text>") -> CleanResult:
    """Clean a whole post given as text (front matter and body): the Python face of ``postkit convert``."""
    return clean_post(split_post(text, path=path), options)


convert_text = clean_text


def clean_body(body: str, *, base: str | None, options: CleanOptions, first_line: int = 1,
               title: str | None = None) -> tuple[str, FragmentReport, int]:
    """Convert every HTML span of a Markdown body; Markdown outside the spans is not touched."""
    # a NUL is U+FFFD to every Markdown reader; as such it cannot hide inside a tag from this search
    normalized = normalize_newlines(body).replace("\0", "\ufffd")
    spans = find_html(normalized)
    total = FragmentReport()
    tools = _tools(options)
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
    for span in spans:
        if span.literal:
            pieces.append(normalized[cursor:span.start])
            pieces.append("\\" + span.html)
            cursor = span.end
            continue
        if not span.block and _LONE_BREAK.fullmatch(span.html):
            # a <br> inside a paragraph: a hard break, and the Markdown after it must not start a block
            pieces.append(normalized[cursor:span.start].rstrip(" ") + "\\\n")
            rest = normalized[span.end:]
            skipped = len(rest) - len(rest.lstrip(" "))
            marker = _LINE_START_MARK.match(rest, skipped)
            cursor = span.end + skipped
            if marker:
                pieces.append("\\" if not marker.group(0)[0].isdigit() else "")
            continue
        markdown, report = convert_fragment(span.html, base=base, options=options, line=span.line + first_line - 1,
                                            title=title if span.block else None, inline=not span.block)
        total.removals.extend(report.removals)
        total.repairs.update(report.repairs)
        total.lost.extend(report.lost)
        before = normalized[cursor:span.start]
        pieces.append(before)
        pieces.append(_place(span, markdown, before, normalized[span.end:]))
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
        if _escaped(text, match.start()):
            continue
        if code is None:
            code = code_regions(text)
        if any(start <= match.start() < end for start, end in code):
            continue
        pieces.append(text[cursor:match.start()])
        pieces.append(char)
        cursor = match.end()
        count += 1
    pieces.append(text[cursor:])
    return "".join(pieces), count


def _escaped(text: str, at: int) -> bool:
    """Whether the character at ``at`` follows an odd run of backslashes (looks back only that far)."""
    start = at
    while start and text[start - 1] == "\\":
        start -= 1
    return (at - start) % 2 == 1


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
        cleaned, count = strip_tracking(text[start:end], rules)
        if count:
            pieces.extend((text[cursor:start], cleaned))
            cursor = end
            dropped += count
    pieces.append(text[cursor:])
    return "".join(pieces), dropped


_SCHEME_HINT = re.compile(r"script|data|&#|&colon", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f]+")
_UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "mocha:")
_UNSAFE_AUTOLINK = re.compile(r"(?<!\\)<(?=[a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^\s<>]*>)")


def is_unsafe_url(url: str, *, allow_data_images: bool = False) -> bool:
    """True for a link target that runs code or hides a document: javascript:, vbscript:, data: ...

    Entities and percent-escapes are decoded and whitespace and control characters dropped first,
    as browsers do (`jav&#x09;ascript:`, `JaVaScRiPt:`).
    """
    decoded = _CONTROL.sub("", unescape(unquote(unescape(url)))).lower()
    if allow_data_images and re.match(r"data:image/(?:png|gif|jpeg|webp);", decoded):
        return False
    return decoded.startswith(_UNSAFE_SCHEMES)


def neutralize_unsafe_links(text: str, *, allow_data_images: bool = False) -> tuple[str, int]:
    """Point Markdown links and reference definitions that would run code at '#', and escape such autolinks.

    Markdown written by hand outside any HTML is otherwise kept as it is; this is the one
    exception, so that nothing postkit writes can run script in a renderer that trusts links.
    """
    if not _SCHEME_HINT.search(text):
        return text, 0
    candidates = (m.group(2) or m.group(4) or "" for m in LINK_DESTINATION.finditer(text))
    if not any(is_unsafe_url(url, allow_data_images=allow_data_images) for url in candidates) and not any(
            is_unsafe_url(text[m.end():text.find(">", m.end())]) for m in _UNSAFE_AUTOLINK.finditer(text)):
        return text, 0  # a cheap look at every link-shaped destination first; code is told apart below
    pieces: list[str] = []
    cursor = count = 0
    for start, end in markdown_link_urls(text):
        if is_unsafe_url(text[start:end], allow_data_images=allow_data_images):
            pieces.extend((text[cursor:start], "#"))
            cursor = end
            count += 1
    pieces.append(text[cursor:])
    text = "".join(pieces)
    for match in reversed(list(_UNSAFE_AUTOLINK.finditer(text))):
        target = text[match.end():text.find(">", match.end())]
        if is_unsafe_url(target):
            text = text[:match.start()] + "\\" + text[match.start():]
            count += 1
    return text, count


# A well-formed comment as HTML5 reads it: not opened as `<!-->` or `<!--->`, no `--!>` inside.
_SAFE_COMMENT = re.compile(r"<!--(?!-?>)(?:(?!--!?>).)*-->", re.DOTALL)
# `<` before a letter, `/`, `?`, or an entity or escape a lenient renderer may decode into one (`<!` below)
_TAG_START = re.compile(r"(?<!\\)<(?=[A-Za-z/?&\\])")
# CommonMark's autolinks; an email's local part without `/`, `=` or quotes, which would let a tag
# (`<script/href="mailto:a@b.c">`) pass for one
_AUTOLINK = re.compile(r"<[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>"
                       r"|<[A-Za-z0-9.!#$%&'*+?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                       r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*>")
_ROUNDS = 8


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


def _may_hold_html(text: str) -> bool:
    """A cheap first look: is there a '<' that is not escaped, a well-formed comment or an autolink?"""
    for match in re.finditer(r"(?<!\\)<", text):
        if not (_SAFE_COMMENT.match(text, match.start()) or _AUTOLINK.match(text, match.start())):
            return True
    return False


def _leftover_html_starts(text: str) -> set[int]:
    starts: set[int] = set()
    for span in find_html(text):
        chunk = text[span.start:span.end]
        if span.block and not span.kept and _SAFE_COMMENT.sub("", chunk).strip() == "":
            continue
        for match in re.finditer(r"<(?=[A-Za-z/!?])", chunk):
            inside_comment = any(c.start() < match.start() < c.end() for c in _SAFE_COMMENT.finditer(chunk))
            if not inside_comment and not _SAFE_COMMENT.match(chunk, match.start()):
                starts.add(span.start + match.start())
    code = code_regions(text)
    autolinks = [(m.start(), m.end()) for m in _AUTOLINK.finditer(text)]
    for match in _TAG_START.finditer(text):
        # any `<` before a letter, outside code and autolinks: browsers and kramdown run
        # <mglyph/onerror=..> as well as <img ..>, and a renderer may decode <script&gt;
        if not any(a <= match.start() < b for a, b in code + autolinks):
            starts.add(match.start())
    for match in re.finditer(r"(?<!\\)<!(?!--(?!-?>))", text):
        if not any(a <= match.start() < b for a, b in code):
            starts.add(match.start())  # CDATA, a doctype, a comment opened as `<!-->`
    for match in re.finditer(r"(?<!\\)<!--(?!-?>)", text):
        comment = _SAFE_COMMENT.match(text, match.start())
        if comment is None and not any(a <= match.start() < b for a, b in code):
            starts.add(match.start())
    return starts


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
    lead = "" if not before.strip("\n") or before.endswith("\n\n") else (
        "\n" if before.endswith("\n") else "\n\n")
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
        line_start = markdown.rfind("\n", 0, match.start()) + 1
        preceding = markdown[line_start:match.start()]
        if line_start == 0:
            preceding = before.rsplit("\n", 1)[-1] + preceding
        return escape_first_line_start(kept) if _CONTAINER_PREFIX.fullmatch(preceding) else kept

    return PLACEHOLDER_RE.sub(put, markdown)


# What may stand before a paragraph's first character on its line: blockquote and list markers.
_CONTAINER_PREFIX = re.compile(r"(?:[ \t]*(?:>|[-+*](?=[ \t])|\d{1,9}[.)](?=[ \t])))*[ \t]*")


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
_LINE_START_MARK = re.compile(r"#{1,6}(?=[ \t]|$)|>|[-+*](?=[ \t]|$)|=+[ \t]*$|-+[ \t]*$", re.MULTILINE)
_EDGE_SPACE_END = re.compile(r"\s(?:</[^>]+>)+$")
_EDGE_SPACE_START = re.compile(r"^(?:<[^/!][^>]*>)+\s")


# A block that converted to nothing leaves this mark; the blank lines around it are merged after.
_REMOVED_BLOCK = "\ue002"
_AROUND_REMOVED = re.compile("\n*\ue002(?:\n*\ue002)*\n*")  # consecutive removed blocks merge as one


def _tidy_blank_lines(text: str) -> str:
    def merge(match: re.Match[str]) -> str:
        start, end = match.start(), match.end()
        if start == 0:
            return ""
        if end == len(text):
            return "\n" if match.group(0).endswith("\n") else ""
        return "\n\n"

    return _AROUND_REMOVED.sub(merge, text)


def _restore_line_endings(original: str, new: str) -> str:
    crlf = original.count("\r\n")
    if crlf and crlf * 2 > original.count("\n"):
        new = new.replace("\n", "\r\n")
    ends_with_newline = original.endswith(("\n", "\r"))
    if ends_with_newline and not new.endswith("\n") and new:
        new += "\r\n" if crlf and crlf * 2 > original.count("\n") else "\n"
    elif not ends_with_newline:
        new = new.rstrip("\r\n")
    return new


def convert_html_document(html: str, options: CleanOptions | None = None, path: str = "<html>") -> CleanResult:
    """Convert a saved page or fragment into a Markdown post with a title and source URL when it names them."""
    options = options or CleanOptions()
    head = BeautifulSoup(html, "lxml")
    title_tag = head.find("title")
    title = title_tag.get_text().strip() if title_tag is not None else ""
    canonical = head.find("link", rel="canonical", href=True)
    base = str(canonical["href"]) if canonical is not None else None
    markdown, report = convert_fragment(html, base=base, options=options)
    front = ""
    if title or base:
        lines = ["---"]
        if title:
            lines.append(f"title: {json.dumps(title, ensure_ascii=False)}")
        if base:
            lines.append(f"{options.source_url_key}: {json.dumps(base, ensure_ascii=False)}")
        lines.append("---")
        front = "\n".join(lines) + "\n"
    text = front + markdown + "\n"
    return CleanResult(
        path=path,
        original=html,
        text=text,
        removals=tuple(report.removals),
        repairs=tuple(sorted(report.repairs.items())),
        lost=tuple(report.lost),
        html_spans=1,
        post=split_post(text, path=path),
    )
