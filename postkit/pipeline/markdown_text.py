"""Text as Markdown: the escaping of words that came out of HTML, decided from where they land.

One function, ``write_text``, decides every escape the converter adds. It escapes what would
otherwise become syntax in the renderer of the dialect, and nothing else, so that the words
read the same in kramdown (Jekyll), goldmark (Hugo) and CommonMark renderers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from postkit.segments import PLACEHOLDER_RE

ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_ENTITY_AFTER_AMP = re.compile(r"#\d{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};")
# What makes a block at the start of a line: heading, quote, list item, thematic break, setext
# underline, fence, and kramdown's definition (`: `), end-of-block (`^`) and math (`$$`) lines.
_LINE_START = re.compile(
    r"(?P<hash>#{1,6})(?=[ \t]|$)"
    r"|(?P<quote>>)"
    r"|(?P<bullet>[-+*])(?=[ \t]|$)"
    r"|(?P<number>\d{1,9})(?P<delim>[.)])(?=[ \t]|$)"
    r"|(?P<rule>[-=_*])(?=[-=_* \t]*$)"
    r"|(?P<fence>~)(?=~~)"
)
_KRAMDOWN_LINE_START = re.compile(r"(?P<colon>:)(?=[ \t])|(?P<caret>\^)(?=[ \t]*$)")
_URL_UNSAFE = re.compile(r"[\s()<>]")
# What may stand before a block's first character on its line: blockquote and list markers.
CONTAINER_PREFIX = re.compile(r"(?:[ \t]*(?:>|[-+*](?=[ \t])|\d{1,9}[.)](?=[ \t])))*[ \t]*")


def is_escaped(text: str, at: int) -> bool:
    """Whether the character at ``at`` follows an odd run of backslashes (looks back only that far)."""
    start = at
    while start and text[start - 1] == "\\":
        start -= 1
    return (at - start) % 2 == 1


def is_punctuation(char: str) -> bool:
    """CommonMark's punctuation character: ASCII punctuation or Unicode P* and S* categories."""
    return char in ASCII_PUNCTUATION or (bool(char) and unicodedata.category(char)[0] in "PS")


def write_text(
    text: str,
    dialect: str,
    *,
    line_start: bool = False,
    in_link: bool = False,
    cell: bool = False,
    before: str = "",
    after: str = "",
    heading_end: bool = False,
    references: bool = True,
    lone: Mapping[str, tuple[int, int]] | None = None,
) -> str:
    """Text escaped for the place it lands in; placeholders of kept Markdown pass as they are.

    ``references``: the post may define link references (it has a `]:`), so any `[label]` could
    become a link and every `[` is escaped; without, only a `[` that could open something is.
    ``lone``: per emphasis character, the run (start, end in ``text``) left as it is: every other
    run of it in the paragraph is escaped, so this one has nothing to pair with.
    """
    if "\ue000" in text and PLACEHOLDER_RE.search(text):  # a lone U+E000 (an icon font's) is text
        pieces = []
        cursor = 0
        for match in PLACEHOLDER_RE.finditer(text):
            pieces.append(
                write_text(
                    text[cursor : match.start()],
                    dialect,
                    line_start=line_start and cursor == 0,
                    in_link=in_link,
                    cell=cell,
                    before=before,
                    after=match.group(0)[0],
                    references=references,
                )
            )
            pieces.append(match.group(0))
            cursor = match.end()
            before = "\ue001"
        pieces.append(
            write_text(
                text[cursor:],
                dialect,
                in_link=in_link,
                cell=cell,
                before=before,
                after=after,
                heading_end=heading_end,
                references=references,
            )
        )
        return "".join(pieces)
    escaped = _escape_inline(
        text, dialect, in_link=in_link, cell=cell, before=before, after=after, references=references, lone=lone
    )
    if line_start:
        escaped = escape_line_start(escaped, dialect, whole_line=not after)
    if heading_end:
        escaped = re.sub(r"(^|[ \t])(#+)$", r"\1\\\2", escaped)
    return escaped


def _escape_inline(
    text: str,
    dialect: str,
    *,
    in_link: bool,
    cell: bool,
    before: str,
    after: str,
    references: bool = True,
    lone: Mapping[str, tuple[int, int]] | None = None,
) -> str:
    """Each character that may be syntax, escaped or not from its neighbours; the rest as it is."""
    out: list[str] = []
    cursor = 0
    last = len(text) - 1
    for match in _SPECIAL.finditer(text):
        index = match.start()
        char = text[index]
        previous = text[index - 1] if index else before
        following = text[index + 1] if index < last else after
        out.append(text[cursor:index])
        run = lone.get(char) if lone else None
        if (char == "[" and not in_link and not references and _bracket_reads_as_text(text, index)) or (
            run is not None and run[0] <= index < run[1] and not in_link
        ):
            out.append(char)
        else:
            out.append(_escape_char(char, previous, following, text, index, dialect, in_link=in_link, cell=cell))
        cursor = index + 1
    if not cursor:
        return text
    out.append(text[cursor:])
    return "".join(out)


_SPECIAL = re.compile(r"[\\*_`\[\]<&~|${]")


def may_need_escapes(text: str) -> bool:
    """Whether any character of the text may be syntax in a line (``_escape_inline`` leaves a text
    without one as it is; only a block marker at a line's start is left to look at)."""
    return _SPECIAL.search(text) is not None


def _escape_char(
    char: str, previous: str, following: str, text: str, index: int, dialect: str, *, in_link: bool, cell: bool
) -> str:
    if char == "\\":
        return "\\\\" if (following in ASCII_PUNCTUATION or following in ("", "\n")) else char
    if char == "*":
        return char if _space(previous) and _space(following) and previous and following else "\\*"
    if char == "_":
        return char if previous.isalnum() and following.isalnum() else "\\_"
    if char in "`[":
        return "\\" + char
    if char == "]":
        return "\\]" if in_link else char
    if char == "<":
        return "\\<" if following.isalpha() or following in "/!?" else char
    if char == "&":
        return "&amp;" if _ENTITY_AFTER_AMP.match(text, index + 1) else char
    if char == "~":
        return "\\~" if dialect != "kramdown" and "~" in (previous, following) else char
    if char == "|":
        return "\\|"  # a line holding a pipe is a table row to kramdown, and in GFM tables
    if char == "$":
        return "\\$" if dialect == "kramdown" and "$" in (previous, following) else char
    if char == "{":
        return "\\{" if following == ":" else char
    return char


def _bracket_reads_as_text(text: str, index: int) -> bool:
    """Whether the `[` at ``index`` reads as text to every renderer when no reference is defined:
    its `]` comes later in the same text with no other `[` before it, and what follows that `]`
    (in the same text) opens no destination, label, definition or attribute list; footnotes
    (`[^1]`) and task boxes (`[ ]`, `[x]`) aside."""
    if text.startswith(("[^", "[ ]", "[x]", "[X]"), index):
        return False
    close = text.find("]", index + 1)
    if close < 0 or "[" in text[index + 1 : close] or close + 1 >= len(text):
        return False
    return text[close + 1] not in "([:{"


def one_line(text: str) -> str:
    """Code span text on one line, as the renderer writes it: each line break or tab a space, the
    spaces kept (no other escape is read inside a code span)."""
    return _LINE_BREAKS.sub(" ", text)


_LINE_BREAKS = re.compile("[\t\n\r\f]")


def _space(char: str) -> bool:
    return not char or char.isspace()


def escape_line_start(line: str, dialect: str = "commonmark", *, whole_line: bool = True) -> str:
    """Escape a block marker (`#`, `-`, `1.`, `>`, `---`) at the start of text that begins a line."""
    stripped = line.lstrip(" ")
    lead = line[: len(line) - len(stripped)]
    match = _LINE_START.match(stripped)
    if match is not None and (match.group("rule") is None or whole_line):
        if match.group("number") is not None:
            return lead + match.group("number") + "\\" + stripped[match.end("number") :]
        return lead + "\\" + stripped
    if dialect == "kramdown":
        match = _KRAMDOWN_LINE_START.match(stripped)
        if match is not None:
            return lead + "\\" + stripped
    return line


def escape_line_starts(markdown: str, dialect: str = "commonmark") -> str:
    """Escape block markers that begin the second and later lines of inline Markdown."""
    lines = markdown.split("\n")
    return "\n".join([lines[0], *(escape_line_start(line, dialect) for line in lines[1:])])


def escape_title(title: str) -> str:
    return title.replace("\\", "\\\\").replace('"', '\\"')


def escape_url(url: str) -> str:
    """A link destination that survives every renderer: spaces, parens and angle brackets percent-encoded."""
    return _URL_UNSAFE.sub(lambda m: f"%{ord(m.group(0)):02X}" if ord(m.group(0)) < 128 else "%20", url)
