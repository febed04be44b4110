"""Convert stage: write Markdown for a cleaned lxml tree, one small function per element.

Elements are looked up in two tables, ``BLOCKS`` and ``INLINES``; an element in neither is a
transparent wrapper. Block renderers return Markdown blocks; inline renderers append *items* to
a run: text still to be escaped, markup written as it is, emphasis and link openers and closers,
hard breaks. A run becomes a paragraph in one place, ``write_run``, which is the only code that
trims whitespace, moves spaces and punctuation out of emphasis so its markers flank, and escapes
text, from the context each character ends up in (line start, inside link text, dialect).

Dialects: ``commonmark`` (markdown-it, cmark-gfm), ``goldmark`` (Hugo) and ``kramdown`` (Jekyll).
Where one form reads the same in all three it is used everywhere; the kramdown dialect differs
in hard breaks (two spaces: kramdown shows a backslash before a newline), pipes (kramdown makes
a table of any line holding one), ``$$`` (math) and strikethrough (kramdown has none).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from lxml.etree import _Element as Element

from postkit.pipeline.html import all_text
from postkit.pipeline.markdown_text import (
    escape_line_start,
    escape_title,
    escape_url,
    is_punctuation,
    may_need_escapes,
    one_line,
    write_text,
)
from postkit.rules.sites import embeds
from postkit.segments import PLACEHOLDER_RE

DIALECTS = ("commonmark", "goldmark", "kramdown")

# Run items: (kind, value). TEXT is escaped when written, MARK is written as it is; OPEN/CLOSE wrap
# emphasis or a link (value: the marker written; a link's CLOSE holds `](url)`); BREAK a hard break.
TEXT, MARK, OPEN, CLOSE, BREAK = "text", "mark", "open", "close", "break"
SHOWN = "shown"  # no output: the text a MARK beside it shows (a code span's code), for verify
Item = tuple[str, str]

# HTML's white space, each run of which shows as one space: only the runs that are not one space
# already are matched, so English text is not rebuilt at every word (the same result as `[ \t\n\r\f]+`)
_SPACE = re.compile(r"[\t\n\r\f][ \t\n\r\f]*| [ \t\n\r\f]+")
_HTML_SPACE = " \t\n\r\f"
_INNER_SPACE = " \t\n\r\f\u00a0"


@dataclass
class Context:
    """Where the renderer stands: the dialect, the emphasis open around it, what wraps blocks."""

    dialect: str = "commonmark"
    inline: bool = False  # the fragment sits inside a Markdown paragraph
    cell: bool = False  # inside a table cell: one line, no blocks
    in_link: bool = False
    open_marks: frozenset[str] = frozenset()
    # inline elements that held blocks (`<a><p>…</p></a>`): each paragraph inside gets them back
    wrappers: tuple[Element, ...] = ()
    shown: list[str] = field(default_factory=list)  # the text a reader will see, for verify
    references: bool = True  # the post may define link references: every `[` in text is escaped


def tree_to_markdown(root: Element, *, inline: bool = False, dialect: str = "commonmark") -> str:
    """The Markdown for a sanitized fragment (``inline``: it goes inside a Markdown paragraph)."""
    return render_markdown(root, inline=inline, dialect=dialect)[0]


def render_markdown(
    root: Element, *, inline: bool = False, dialect: str = "commonmark", references: bool = True
) -> tuple[str, str]:
    """The Markdown for a fragment and the text a reader sees in it (for the verify stage).

    ``references``: the post the fragment goes into may define link references (see write_text).
    """
    if dialect not in DIALECTS:
        raise ValueError(f"unknown Markdown dialect {dialect!r}; expected one of {', '.join(DIALECTS)}")
    context = Context(dialect=dialect, inline=inline, references=references)
    blocks = render_children(root, context)
    joiner = " " if inline else "\n\n"
    return joiner.join(blocks), "".join(context.shown)


# ---------------------------------------------------------------------------------------------
# blocks


def render_children(element: Element, context: Context) -> list[str]:
    """The blocks of an element's content: block children in their place, loose inline content
    between them gathered into paragraphs."""
    blocks: list[str] = []
    run: list[Item] = []

    def flush() -> None:
        if not run:
            return
        if len(run) == 1 and run[0][0] == TEXT and not context.wrappers and not run[0][1].strip(_HTML_SPACE):
            context.shown.append("\n")  # white space between blocks (a pretty-printer's): no paragraph
        else:
            blocks.extend(write_paragraphs(wrap_run(run, context), context))
        run.clear()

    add_text(run, element.text)
    for child in element:
        tag = child.tag
        if isinstance(tag, str):
            if is_block(child):
                flush()
                blocks.extend(render_block(child, context))
            else:
                render_inline(child, run, context)
        add_text(run, child.tail)
    flush()
    return [block for block in blocks if block]


def render_block(element: Element, context: Context) -> list[str]:
    renderer = BLOCKS.get(element.tag)
    if renderer is None:  # a container (div, section, an inline element holding blocks)
        if element.tag in INLINE_WRAPPERS:
            return render_children(element, _with(context, wrappers=(*context.wrappers, element)))
        return render_children(element, context)
    return renderer(element, context)


def is_block(element: Element) -> bool:
    """True for a block element, and for an inline one that holds a block (`<a><div>…</div></a>`)."""
    tag = element.tag
    if tag in BLOCK_WHEN_ALONE:
        return not _inside_text(element)
    if tag in BLOCK_TAGS:
        return True
    if tag in ("img", "br", "code") or not len(element):
        return False
    return any(isinstance(d.tag, str) and d.tag in BLOCK_TAGS for d in element.iterdescendants())


def _inside_text(element: Element) -> bool:
    """Whether an embed stands inside running text (then it is a link in the sentence)."""
    parent = element.getparent()
    if parent is None or parent.tag not in ("p", "span", "a", "li", "td", "th", "em", "strong", "b", "i"):
        return False
    siblings_text = (parent.text or "") + "".join((c.tail or "") for c in parent)
    return bool(siblings_text.strip())


def block_paragraph(element: Element, context: Context) -> list[str]:
    for child in element:
        if isinstance(child.tag, str) and is_block(child):
            return render_children(element, context)  # `<p>a<div>b</div>c</p>`: a browser ends the paragraph
    run: list[Item] = []
    render_inline_children(element, run, context)
    return write_paragraphs(wrap_run(run, context), context)


def block_heading(element: Element, context: Context) -> list[str]:
    run: list[Item] = []
    render_inline_children(element, run, context)
    run = [(TEXT, " ") if kind == BREAK else (kind, value) for kind, value in run]
    run = _drop_whole_emphasis(wrap_run(run, context))
    text = write_run(run, context, heading=True)
    if not text:
        return []
    if context.cell:
        return [text]
    level = int(str(element.tag)[1])
    return ["#" * level + " " + text]


def _drop_whole_emphasis(run: list[Item]) -> list[Item]:
    """`<h3><strong>Title</strong></h3>` is a heading: `### **Title**` says it twice."""
    content = [item for item in run if not (item[0] == TEXT and not item[1].strip())]
    if len(content) >= 2 and content[0][0] == OPEN and content[-1][0] == CLOSE and content[0][1].startswith(("*", "_")):
        depth = 0
        for index, item in enumerate(content):
            depth += 1 if item[0] == OPEN else -1 if item[0] == CLOSE else 0
            if depth == 0 and index < len(content) - 1:
                return run  # the emphasis closes before the end: it covers only part
        first, last = run.index(content[0]), len(run) - 1 - run[::-1].index(content[-1])
        return run[:first] + run[first + 1 : last] + run[last + 1 :]
    return run


def block_pre(element: Element, context: Context) -> list[str]:
    code = code_text(element).strip("\n")
    if not code.strip():
        return []
    context.shown.append(code + "\n")
    if context.inline or context.cell:
        return [code_span(" ".join(code.split()))]
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{code_language(element)}\n{code}\n{fence}"]


def code_language(element: Element) -> str:
    for candidate in (element, *element.iterchildren("code")):
        for name in (candidate.get("class") or "").split():
            if name.startswith(("language-", "lang-")):
                language = name.split("-", 1)[1]
                if re.fullmatch(r"[\w+#.-]+", language):
                    return language
    return ""


def code_text(element: Element) -> str:
    """The text of code as shown: every space kept, a <br> a newline, comments left out.

    Markdown kept between the tags of an inline span stands in the text as a placeholder; in
    code it is marked as code's (``\ue003``), so the writer puts it back with its entities decoded,
    as the browser showed them inside ``<code>`` (a code span would show `&lt;`).
    """
    parts: list[str] = []
    _code_text(element, parts)
    return PLACEHOLDER_RE.sub("\ue003\\1\ue001", "".join(parts))  # a lone U+E000 (an icon font's) is text


def _code_text(element: Element, parts: list[str]) -> None:
    if element.tag == "br":
        parts.append("\n")
    elif element.text and isinstance(element.tag, str):
        parts.append(element.text)
    for child in element:
        _code_text(child, parts)
        if child.tail:
            parts.append(child.tail)


def block_quote(element: Element, context: Context) -> list[str]:
    inner = render_children(element, context)
    if not inner:
        return []
    if context.inline or context.cell:
        return inner
    body = "\n\n".join(inner)
    return ["\n".join(("> " + line) if line else ">" for line in body.split("\n"))]


def block_list(element: Element, context: Context) -> list[str]:
    if context.inline or context.cell:
        return [item for li in element for item in render_children(li, context)]
    ordered = element.tag == "ol"
    start = element.get("start", "1")
    number = int(start) if start.isdigit() and len(start) < 10 else 1
    items: list[list[str]] = []
    for child in element:
        if not isinstance(child.tag, str):
            continue
        blocks = render_children(child, context) if child.tag == "li" else render_block(child, context)
        if blocks:
            items.append(blocks)
    loose_text = (element.text or "") + "".join(c.tail or "" for c in element)
    if loose_text.strip():  # text straight inside <ul> is shown after the items: it joins the last one
        run: list[Item] = []
        add_text(run, loose_text)
        if not items:
            items.append([])
        items[-1].extend(write_paragraphs(run, context))
    written: list[str] = []
    tight = all(
        len(blocks) == 1 or all(b.startswith(("- ", "1. ")) or _is_list(b) for b in blocks[1:]) for blocks in items
    )
    for index, blocks in enumerate(items):
        marker = f"{number + index}. " if ordered else "- "
        body = ("\n" if tight else "\n\n").join(blocks)
        indent = " " * len(marker)
        lines = body.split("\n")
        written.append(marker + lines[0] + "".join("\n" + (indent + line if line else "") for line in lines[1:]))
    return ["\n".join(written) if tight else "\n\n".join(written)] if written else []


def _is_list(block: str) -> bool:
    return bool(re.match(r"(?:[-*+]|\d{1,9}[.)]) ", block))


def block_rule(element: Element, context: Context) -> list[str]:
    # `* * *`, not `---`: at the top of a post `---` would open front matter
    return [] if context.inline or context.cell else ["* * *"]


def block_table(element: Element, context: Context) -> list[str]:
    rows = [row for row in element.iter("tr") if _owner_table(row) is element]
    if not rows:
        return render_children(element, context)
    blocks: list[str] = []
    caption = element.find("caption")
    if caption is not None:
        blocks.extend(block_paragraph(caption, context))  # shown above the table, written above it
    cell_context = _with(context, cell=True, inline=False, wrappers=())
    lines: list[list[str]] = []
    for row in rows:
        cells: list[str] = []
        for cell in row:
            if cell.tag not in ("td", "th"):
                continue
            run: list[Item] = []
            render_inline_children(cell, run, cell_context)
            text = write_run(wrap_run(run, cell_context), cell_context, cell=True)
            context.shown.append(" ")  # cells stand apart
            span = cell.get("colspan", "1")
            cells.extend([text] + [""] * (min(int(span), 1000) - 1 if span.isdigit() and int(span) > 1 else 0))
        if cells:
            lines.append(cells)
            context.shown.append("\n")
    if not lines:
        return blocks
    width = max(len(cells) for cells in lines)
    out = []
    for index, cells in enumerate(lines):
        cells = cells + [""] * (width - len(cells))
        out.append("| " + " | ".join(cells) + " |")
        if index == 0:
            out.append("|" + " --- |" * width)
    blocks.append("\n".join(out))
    return blocks


def _owner_table(element: Element) -> Element | None:
    for parent in element.iterancestors("table"):
        return parent
    return None


def block_embed(element: Element, context: Context) -> list[str]:
    run: list[Item] = []
    inline_embed(element, run, context)
    return write_paragraphs(run, context) if run else render_children(element, context)


BLOCKS: dict[str, Callable[[Element, Context], list[str]]] = {
    "p": block_paragraph,
    **{f"h{n}": block_heading for n in range(1, 7)},
    "pre": block_pre,
    "listing": block_pre,
    "xmp": block_pre,
    "blockquote": block_quote,
    "ul": block_list,
    "ol": block_list,
    "menu": block_list,
    "dir": block_list,
    "hr": block_rule,
    "table": block_table,
    "dt": block_paragraph,
    "dd": block_paragraph,
    "figcaption": block_paragraph,
    "caption": block_paragraph,
    "summary": block_paragraph,
    "legend": block_paragraph,
    "iframe": block_embed,
    "video": block_embed,
    "audio": block_embed,
}
# Containers: their content is blocks and paragraphs, they add nothing of their own.
_CONTAINERS = frozenset(
    {
        "div",
        "section",
        "article",
        "aside",
        "header",
        "footer",
        "main",
        "nav",
        "address",
        "center",
        "details",
        "dl",
        "figure",
        "fieldset",
        "hgroup",
        "body",
        "html",
        "li",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "td",
        "th",
        "search",
        "dialog",
        "form",
        "noscript",
        "frameset",
        "multicol",
    }
)
BLOCK_TAGS = frozenset(BLOCKS) | _CONTAINERS
# Embeds: a block of their own, unless they stand in running text.
BLOCK_WHEN_ALONE = frozenset({"iframe", "video", "audio"})
INLINE_WRAPPERS = frozenset({"a", "b", "strong", "i", "em", "s", "del", "strike"})


# ---------------------------------------------------------------------------------------------
# inline


def add_text(run: list[Item], text: str | None) -> None:
    if text:
        run.append((TEXT, text))


def render_inline(element: Element, run: list[Item], context: Context) -> None:
    renderer = INLINES.get(element.tag)
    if renderer is not None:
        renderer(element, run, context)
    elif element.tag in BLOCK_TAGS or element.tag in BLOCKS:
        # a block inside inline content (a table cell, a heading): its words, set apart by spaces
        run.append((TEXT, " "))
        render_inline_children(element, run, context)
        run.append((TEXT, " "))
    else:
        render_inline_children(element, run, context)


def render_inline_children(element: Element, run: list[Item], context: Context) -> None:
    add_text(run, element.text)
    for child in element:
        if isinstance(child.tag, str):
            render_inline(child, run, context)
        add_text(run, child.tail)


def inline_emphasis(marker: str, family: str) -> Callable[[Element, list[Item], Context], None]:
    def render_emphasis(element: Element, run: list[Item], context: Context) -> None:
        if family in context.open_marks or (context.cell and family == "code"):
            render_inline_children(element, run, context)
            return
        if family == "strike" and context.dialect == "kramdown":
            render_inline_children(element, run, context)  # kramdown has no strikethrough
            return
        inner = _with(context, open_marks=context.open_marks | {family})
        run.append((OPEN, marker))
        render_inline_children(element, run, inner)
        run.append((CLOSE, marker))

    return render_emphasis


def _with(context: Context, **changes: Any) -> Context:
    """The context with some fields changed; the shown text stays one list.

    ``dataclasses.replace`` without its checks: the renderer makes one for every inline element."""
    changed = object.__new__(Context)
    changed.__dict__ = {**context.__dict__, **changes}
    return changed


def inline_link(element: Element, run: list[Item], context: Context) -> None:
    href = (element.get("href") or "").strip()
    if not href or context.in_link:
        render_inline_children(element, run, context)
        return
    title = " ".join((element.get("title") or "").split())
    inner = _with(context, in_link=True)
    start = len(run)
    run.append((OPEN, "["))
    render_inline_children(element, run, inner)
    content = run[start + 1 :]
    text = "".join(value for kind, value in content if kind == TEXT)
    if title == " ".join(text.split()):
        title = ""
    title_part = f' "{escape_title(title)}"' if title else ""
    if (
        title_part == ""
        and all(kind == TEXT for kind, _ in content)
        and text.strip() == href
        and _AUTOLINKABLE.fullmatch(href)
    ):
        del run[start:]
        run.append((TEXT, text[: len(text) - len(text.lstrip())]))
        run.append((MARK, f"<{href}>"))  # `<https://x>`, not `[https://x](https://x)`
        run.append((SHOWN, href))
        run.append((TEXT, text[len(text.rstrip()) :]))
        return
    run.append((CLOSE, f"]({escape_url(href)}{title_part})"))


# A URL written as `<url>`: renderers show such a link's text with its %-escapes decoded, so only
# URLs without them, and without a backslash (which an autolink shows as it is), are written so.
_AUTOLINKABLE = re.compile(r"(?i)(?:https?|ftp)://[^\s<>`%\\]+")


def inline_image(element: Element, run: list[Item], context: Context) -> None:
    src = (element.get("src") or "").strip()
    if not src:
        return
    alt = " ".join((element.get("alt") or "").split())
    title = " ".join((element.get("title") or "").split())
    if title and (title == alt or title == _figure_caption(element)):
        title = ""
    title_part = f' "{escape_title(title)}"' if title else ""
    run.append((MARK, f"![{write_text(alt, context.dialect, in_link=True)}]({escape_url(src)}{title_part})"))
    if _leads_caption(element):
        run.append((BREAK, ""))


def _leads_caption(image: Element) -> bool:
    """An image that opens its block with text right after it (`<p><img><small>Caption</small></p>`):
    a picture as wide as the page with its caption under it, not one line. Icons stay inline."""
    if any(value.isdigit() and int(value) < 100 for value in (image.get("width", ""), image.get("height", ""))):
        return False
    lead = image
    parent = image.getparent()
    if parent is not None and parent.tag == "a" and not all_text(parent).strip():
        lead = parent
    block = lead.getparent()
    if block is None or block.tag not in BLOCK_TAGS:
        return False
    if (block.text or "").strip() or any(sibling is not lead for sibling in _before(lead)):
        return False
    after = lead.tail or ""
    if after.strip():
        return True
    following = lead.getnext()
    while following is not None and not isinstance(following.tag, str):
        following = following.getnext()
    return (
        following is not None
        and following.tag not in BLOCK_TAGS
        and following.tag not in ("br", "img")
        and bool(all_text(following).strip())
    )


def _before(element: Element) -> list[Element]:
    """The element children of the same parent before this one that show something."""
    return [
        sibling
        for sibling in element.itersiblings(preceding=True)
        if (isinstance(sibling.tag, str) and (sibling.tag in ("img", "iframe", "video") or all_text(sibling).strip()))
        or (sibling.tail or "").strip()
    ]


def _figure_caption(element: Element) -> str:
    for figure in element.iterancestors("figure"):
        caption = figure.find(".//figcaption")
        return " ".join(all_text(caption).split()) if caption is not None else ""
    return ""


def inline_break(element: Element, run: list[Item], context: Context) -> None:
    run.append((TEXT, " ") if context.cell else (BREAK, ""))


def inline_code(element: Element, run: list[Item], context: Context) -> None:
    """A code span; a link inside code becomes a link around its own code span."""
    pieces: list[tuple[str, Element | None]] = []
    _code_pieces(element, pieces)
    if not any(text.strip() for text, _ in pieces) and element.find(".//br") is not None:
        run.append((BREAK, ""))  # `<code><br></code>` holds no code: only the break shows
        return
    for text, link in pieces:
        # one line, its spaces kept; kept Markdown in it is marked as one-line code's (``\ue004``)
        flat = _KEPT_IN_CODE.sub("\ue004\\1\ue001", one_line(text))
        if not flat.strip():
            add_text(run, flat)
            continue
        lead, body, trail = flat[: len(flat) - len(flat.lstrip(" "))], flat.strip(" "), flat[len(flat.rstrip(" ")) :]
        add_text(run, lead)
        href = (link.get("href") or "").strip() if link is not None else ""
        if href and not context.in_link:
            run.extend([(OPEN, "["), (SHOWN, body), (MARK, code_span(body)), (CLOSE, f"]({escape_url(href)})")])
        else:
            if not lead and len(run) >= 2 and run[-2][0] == SHOWN and run[-1][0] == MARK and run[-1][1][:1] == "`":
                body = run[-2][1] + body  # code spans that touch read as one: they are written as one
                del run[-2:]
            run.extend([(SHOWN, body), (MARK, code_span(body))])
        add_text(run, trail)


# a placeholder as written, or as code_text marked it: in a code span it is marked as one-line code's
_KEPT_IN_CODE = re.compile("[\ue000\ue003](\\d+)\ue001")


def _code_pieces(element: Element, pieces: list[tuple[str, Element | None]]) -> None:
    """Runs of code text, each with the link it sits in (or None)."""
    current: list[str] = [element.text or ""]
    for child in element:
        if child.tag == "a":
            pieces.append(("".join(current), None))
            current = []
            pieces.append((code_text(child), child))
        elif child.tag == "br":
            current.append(" ")  # a code span holds one line: a break there is a space, never a backslash
        elif isinstance(child.tag, str):
            current.append(code_text(child))
        current.append(child.tail or "")
    pieces.append(("".join(current), None))


def code_span(code: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if code.startswith("`") or code.endswith("`") else ""
    return f"{ticks}{pad}{code}{pad}{ticks}"


def inline_embed(element: Element, run: list[Item], context: Context) -> None:
    """An iframe, video or audio: a link to what it plays (the watch page rather than the player)."""
    src = (element.get("src") or "").strip()
    if not src:
        source = next((s for s in element.iter("source") if (s.get("src") or "").strip()), None)
        src = (source.get("src") or "").strip() if source is not None else ""
    fallback: list[Item] = []
    if element.tag != "iframe":
        render_inline_children(element, fallback, context)
    if not src:
        run.extend(fallback)
        return
    src = player_page(src)
    title = " ".join((element.get("title") or "").split())
    fallback_text = " ".join("".join(v for k, v in fallback if k == TEXT).split())
    label = (title if title and not embeds().generic_title.fullmatch(title) else "") or fallback_text
    if not label:
        run.append(
            (MARK, f"<{src}>")
            if re.fullmatch(r"(?i)https?://[^\s<>`]+", src)
            else (MARK, f"[{write_text(src, context.dialect, in_link=True)}]({escape_url(src)})")
        )
        run.append((SHOWN, src))
        return
    run.append((OPEN, "["))
    run.append((TEXT, label))
    run.append((CLOSE, f"]({escape_url(src)})"))


def player_page(src: str) -> str:
    """The page of an embedded video (`youtube.com/embed/ID` → `youtube.com/watch?v=ID`), else src.

    The players are site knowledge: ``postkit/rules/data/embeds.toml``.
    """
    return embeds().page_of(src)


INLINES: dict[str, Callable[[Element, list[Item], Context], None]] = {
    "a": inline_link,
    "img": inline_image,
    "br": inline_break,
    "b": inline_emphasis("**", "strong"),
    "strong": inline_emphasis("**", "strong"),
    "i": inline_emphasis("*", "em"),
    "em": inline_emphasis("*", "em"),
    "s": inline_emphasis("~~", "strike"),
    "del": inline_emphasis("~~", "strike"),
    "strike": inline_emphasis("~~", "strike"),
    "code": inline_code,
    "kbd": inline_code,
    "samp": inline_code,
    "tt": inline_code,
    "iframe": inline_embed,
    "video": inline_embed,
    "audio": inline_embed,
}


def wrap_run(run: list[Item], context: Context) -> list[Item]:
    """Put back around a paragraph the inline elements that held its block (`<a><p>…</p></a>`)."""
    for wrapper in reversed(context.wrappers):
        outer: list[Item] = []
        renderer = INLINES.get(wrapper.tag)
        if renderer is None:
            continue
        shell = etree.Element(str(wrapper.tag), dict(wrapper.attrib))
        shell.text = "\ue010"
        renderer(shell, outer, _with(context, wrappers=()))
        at = next((i for i, (kind, value) in enumerate(outer) if value == "\ue010"), None)
        if at is None:
            continue
        run = outer[:at] + run + outer[at + 1 :]
    return run


# ---------------------------------------------------------------------------------------------
# writing a run


def write_paragraphs(run: list[Item], context: Context) -> list[str]:
    """A run as paragraphs: two or more breaks in a row (`<br><br>`) end a paragraph, and the
    emphasis and links open there close before it and open again after it."""
    if (BREAK, "") not in run:  # no break, one paragraph: most runs
        text = write_run(run, context)
        return [text] if text else []
    partner = _partners(run)
    paragraphs: list[list[Item]] = [[]]
    open_items: list[int] = []
    breaks = 0
    for index, item in enumerate(run):
        kind = item[0]
        if kind == BREAK:
            breaks += 1
            continue
        if breaks and kind == TEXT and not item[1].strip(" \t\n\r\f"):
            continue  # the newline between `<br>` and `<br>` in pretty-printed HTML
        if breaks:
            if breaks >= 2 and _has_content(paragraphs[-1]) and not context.cell:
                paragraphs[-1].extend(run[partner[i]] for i in reversed(open_items))
                paragraphs.append([run[i] for i in open_items])
            else:
                paragraphs[-1].append((BREAK, ""))
            breaks = 0
        if kind == OPEN and index in partner:
            open_items.append(index)
        elif kind == CLOSE and open_items and partner.get(index) == open_items[-1]:
            open_items.pop()
        paragraphs[-1].append(item)
    written = [text for paragraph in paragraphs if (text := write_run(paragraph, context))]
    if context.inline and written:
        return [" ".join(written)]
    return written


def _has_content(run: list[Item]) -> bool:
    return any((kind == TEXT and value.strip()) or kind == MARK for kind, value in run)


def _partners(run: list[Item]) -> dict[int, int]:
    """Opener index to closer index and back, for the pairs that close."""
    partner: dict[int, int] = {}
    stack: list[int] = []
    for index, (kind, _) in enumerate(run):
        if kind == OPEN:
            stack.append(index)
        elif kind == CLOSE and stack:
            opener = stack.pop()
            partner[opener] = index
            partner[index] = opener
    return partner


def write_run(run: list[Item], context: Context, *, heading: bool = False, cell: bool = False) -> str:
    """One paragraph: pair and place markers, trim and collapse spaces, escape text, join."""
    if len(run) == 1 and run[0][0] == TEXT:  # most paragraphs: text alone, nothing to pair or place
        text = _collapse(run[0][1]).strip(" ")
        if text and not heading and not cell and not may_need_escapes(text) and "\ue000" not in text:
            # nothing in it to escape but a block marker at its start: what _join writes for it
            context.shown.extend((text, "\n"))
            return escape_line_start(text, context.dialect)
        return _join([[TEXT, text, ""]] if text else [], context, heading=heading, cell=cell)
    items = _collapse_spaces(_pair(run))
    if any(item[0] == OPEN for item in items):
        # the texts are collapsed already: what is left is space met across items
        items = _collapse_spaces(_join_code_spans(_fix_markers(_repair_pairs(_lift_spaces(items)))), collapsed=True)
    else:
        items = _join_code_spans(items)
    return _join(items, context, heading=heading, cell=cell)


def _lift_spaces(items: list[list[str]]) -> list[list[str]]:
    """Spaces and breaks at the inner edges of emphasis and links go outside, in one pass:
    markers next to a space do not flank, and a space kept inside a link is lost to the words
    beside it (`[Hit Tail ](u)- A`). Openers and closers are re-paired by the caller."""
    out: list[list[str]] = []
    for item in items:
        kind = item[0]
        if kind in (TEXT, BREAK) and out and out[-1][0] == OPEN:
            start = len(out)
            while start and out[start - 1][0] == OPEN:
                start -= 1
            if kind == BREAK:
                out.insert(start, item)
                continue
            kept = item[1].lstrip(_INNER_SPACE)
            if kept != item[1]:
                out.insert(start, [TEXT, item[1][: len(item[1]) - len(kept)], ""])
                if not kept:
                    continue
                item = [TEXT, kept, ""]
        elif kind == CLOSE:
            moved: list[list[str]] = []
            while out and (out[-1][0] == BREAK or (out[-1][0] == TEXT and not out[-1][1].strip(_INNER_SPACE))):
                moved.insert(0, out.pop())
            if out and out[-1][0] == TEXT:
                kept = out[-1][1].rstrip(_INNER_SPACE)
                if kept != out[-1][1]:
                    moved.insert(0, [TEXT, out[-1][1][len(kept) :], ""])
                    out[-1] = [TEXT, kept, ""]
            out.append(item)
            out.extend(moved)
            continue
        out.append(item)
    return out


def _join_code_spans(items: list[list[str]]) -> list[list[str]]:
    """Code spans that came to touch (emphasis between them let go) are written as one."""
    out: list[list[str]] = []
    index = 0
    while index < len(items):
        item = items[index]
        if (
            item[0] == SHOWN
            and index + 1 < len(items)
            and _is_code(items[index + 1])
            and len(out) >= 2
            and _is_code(out[-1])
            and out[-2][0] == SHOWN
        ):
            joined = out[-2][1] + item[1]
            out[-2:] = [[SHOWN, joined, ""], [MARK, code_span(joined), ""]]
            index += 2
            continue
        out.append(item)
        index += 1
    return out if len(out) == len(items) else _repair_pairs(out)


def _is_code(item: list[str]) -> bool:
    return item[0] == MARK and item[1][:1] == "`"


def _pair(run: list[Item]) -> list[list[str]]:
    """Mutable items, each opener and closer with its partner's index; those that do not pair up
    become nothing."""
    items = [[kind, value, ""] for kind, value in run]
    stack: list[int] = []
    paired: set[int] = set()
    lone_closer = False
    for index, (kind, _, _) in enumerate(items):
        if kind == OPEN:
            stack.append(index)
        elif kind == CLOSE:
            if not stack:
                lone_closer = True
                continue
            opener = stack.pop()
            items[opener][2] = str(index)
            items[index][2] = str(opener)
            paired.update((opener, index))
    if not stack and not lone_closer:
        return items  # every marker paired: nothing to drop
    return _repair_pairs([item for index, item in enumerate(items) if item[0] not in (OPEN, CLOSE) or index in paired])


def _collapse_spaces(items: list[list[str]], *, collapsed: bool = False) -> list[list[str]]:
    """HTML's white space rule: runs of spaces are one; none at the start or end of a line.

    ``collapsed``: no text holds a run of spaces or any other white space than single spaces
    (the texts of an earlier pass, cut at spaces), so only what meets across items is left.
    The partners of the items given must be set (as ``_pair`` and ``_repair_pairs`` set them)."""
    out: list[list[str]] = []
    space_before = True  # at the start of the line
    for item in items:
        kind = item[0]
        if kind == TEXT:
            text = item[1] if collapsed else _collapse(item[1])
            if space_before:
                text = text.lstrip(" ")
            if text:
                space_before = text.endswith(" ")
                out.append([TEXT, text, ""])
            continue
        if kind == BREAK:
            space_before = True
        elif kind == MARK:
            space_before = False
        out.append(item)
    while out and out[-1][0] == BREAK:
        out.pop()
    emptied = _trim_end(out)
    while out and out[0][0] == BREAK:
        out.pop(0)
    # the partners of the items given still hold when none was dropped
    return _repair_pairs(out) if emptied or len(out) != len(items) else out


def _collapse(text: str) -> str:
    """Each run of HTML white space as one space; most texts have none but single spaces, and a
    few looks in C find that sooner than the pattern's search."""
    if "\n" in text or "  " in text or "\t" in text or "\r" in text or "\f" in text:
        return _SPACE.sub(" ", text)
    return text


def _trim_end(items: list[list[str]]) -> bool:
    """Trim the spaces that end the last line; whether a text was left empty."""
    emptied = False
    for item in reversed(items):
        if item[0] == TEXT:
            item[1] = item[1].rstrip(" ")
            if item[1]:
                break
            emptied = True
        elif item[0] in (MARK, BREAK):
            break
    return emptied


def _repair_pairs(items: list[list[str]]) -> list[list[str]]:
    """Re-link openers and closers by position after items were dropped."""
    items = [item for item in items if item[0] != TEXT or item[1]]
    stack: list[int] = []
    for index, item in enumerate(items):
        if item[0] == OPEN:
            stack.append(index)
        elif item[0] == CLOSE and stack:
            opener = stack.pop()
            items[opener][2] = str(index)
            item[2] = str(opener)
    return items


def _fix_markers(items: list[list[str]]) -> list[list[str]]:
    """Place emphasis and link markers where they read as such, or drop emphasis that cannot.

    Emphasis that touches the same emphasis merges with it (`**a****b**` is `**ab**`); spaces
    and breaks at the inner edges go outside; pairs around nothing go; edge punctuation moves
    out where CommonMark's flanking rules would otherwise leave the markers as text; emphasis
    that still cannot flank is dropped, its words kept.
    """
    if any(item[0] == OPEN and item[1] != "[" for item in items):  # links alone neither merge nor tangle
        items = _merge_touching(items)
        while (untangled := _untangle(items)) is not None:
            items = untangled
    changed = True
    while changed:
        changed = False
        for index, item in enumerate(items):
            if item[0] != OPEN:
                continue
            close = int(item[2])
            if _move_edges_out(items, index, close):
                changed = True
            elif _empty_between(items, index, close) or (item[1] != "[" and not _flanks(items, index, close)):
                items[index] = [TEXT, "", ""]
                items[close] = [TEXT, "", ""]
                changed = True
            if changed:
                items = _merge_touching(_repair_pairs(items))
                while (untangled := _untangle(items)) is not None:
                    items = untangled
                break
    return items


def _merge_touching(items: list[list[str]]) -> list[list[str]]:
    """`**a****b**`: a closer met at once by an opener of the same emphasis; both go, the runs join."""
    index = 0
    merged = False
    while index + 1 < len(items):
        item, following = items[index], items[index + 1]
        if item[0] == CLOSE and following[0] == OPEN and item[1] == following[1] and item[1] != "[":
            items[index] = [TEXT, "", ""]
            items[index + 1] = [TEXT, "", ""]
            merged = True
            index += 2
            continue
        index += 1
    return _repair_pairs(items) if merged else items


def _move_edges_out(items: list[list[str]], opener: int, closer: int) -> bool:
    """Move what stands at the inner edges of a pair outside it, one piece per call.

    Spaces (a no-break space too) and breaks always go out: markers next to a space do not
    flank, and a space kept inside a link would be lost to the words beside it. Punctuation at
    the edges of emphasis goes out on both sides when the markers would not flank as they are
    (`**“不要”**然后` is not bold; `“**不要**”然后` is).
    """
    first, last = opener + 1, closer - 1
    if first < closer and items[first][0] == BREAK:
        items.insert(opener, items.pop(first))
        return True
    if last > opener and items[last][0] == BREAK:
        items.insert(closer, items.pop(last))
        return True
    if first < closer and items[first][0] == TEXT:
        text = items[first][1]
        keep = text.lstrip(_INNER_SPACE)
        if keep != text:
            items[first][1] = keep
            items.insert(opener, [TEXT, text[: len(text) - len(keep)], ""])
            return True
    if last > opener and items[last][0] == TEXT:
        text = items[last][1]
        keep = text.rstrip(_INNER_SPACE)
        if keep != text:
            items[last][1] = keep
            items.insert(closer + 1, [TEXT, text[len(keep) :], ""])
            return True
    if items[opener][1] == "[" or _flanks(items, opener, closer):
        return False
    if _into_edge_link(items, opener, closer):
        return True
    moved = False
    if last > opener and items[last][0] == TEXT and (punct := _trailing_movable(items[last][1])):
        items[last][1] = items[last][1][: -len(punct)]
        items.insert(closer + 1, [TEXT, punct, ""])
        moved = True
    if first < closer and items[first][0] == TEXT and (punct := _leading_movable(items[first][1])):
        items[first][1] = items[first][1][len(punct) :]
        items.insert(opener, [TEXT, punct, ""])
        moved = True
    return moved


def _into_edge_link(items: list[list[str]], opener: int, closer: int) -> bool:
    """`x**see [link](u)**word` cannot close (`)` before a letter): the link at the edge takes its
    own copy of the emphasis, `x**see** [**link**](u)word`; the same at the start."""
    marker = items[opener][1]
    last, first = closer - 1, opener + 1
    if items[last][0] == CLOSE and items[last][1].startswith("](") and _char_after(items, closer).isalnum():
        link = int(items[last][2])
        if link > opener:
            items[:] = [
                *items[:link],
                [CLOSE, marker, ""],
                items[link],
                [OPEN, marker, ""],
                *items[link + 1 : last],
                [CLOSE, marker, ""],
                items[last],
                *items[closer + 1 :],
            ]
            items[:] = _repair_pairs(items)
            return True
    if items[first][0] == OPEN and items[first][1] == "[" and _char_before(items, opener).isalnum():
        end = int(items[first][2])
        if end < closer:
            items[:] = [
                *items[:opener],
                items[first],
                [OPEN, marker, ""],
                *items[first + 1 : end],
                [CLOSE, marker, ""],
                items[end],
                [OPEN, marker, ""],
                *items[end + 1 :],
            ]
            items[:] = _repair_pairs(items)
            return True
    return False


def _leading_movable(text: str) -> str:
    end = 0
    while end < len(text) and unicodedata.category(text[end]).startswith("P"):
        end += 1
    return text[:end]


def _trailing_movable(text: str) -> str:
    start = len(text)
    while start > 0 and unicodedata.category(text[start - 1]).startswith("P"):
        start -= 1
    return text[start:]


def _empty_between(items: list[list[str]], opener: int, closer: int) -> bool:
    return all(
        item[0] in (OPEN, CLOSE) or (item[0] == TEXT and not item[1].strip(_INNER_SPACE))
        for item in items[opener + 1 : closer]
    ) and not any(item[0] == MARK for item in items[opener + 1 : closer])


def _flanks(items: list[list[str]], opener: int, closer: int) -> bool:
    marker = items[opener][1]
    if marker == "[":
        return True
    # asterisk markers side by side are one delimiter run: what flanks it is outside them all
    first = _first_char(items, opener + 1, closer, skip_runs=True)
    last = _last_char(items, opener, closer, skip_runs=True)
    before = _char_before(items, opener, skip_runs=True)
    after = _char_after(items, closer, skip_runs=True)
    return _opens(before, first) and _closes(last, after)


def _untangle(items: list[list[str]]) -> list[list[str]] | None:
    """Closers and openers that touch in one run of four or more asterisks (`**a*b****c*`) read
    wrong; the emphasis nested at the touching edge lets go (`**ab***c*` reads right). Returns
    None when there is nothing to untangle."""
    markers = [index for index, item in enumerate(items) if item[0] in (OPEN, CLOSE) and item[1][:1] == "*"]
    if not any(b == a + 1 for a, b in itertools.pairwise(markers)):
        return None  # no two asterisk markers side by side: no run to read wrong
    index = 0
    while index < len(items):
        end = index
        while end < len(items) and items[end][0] in (OPEN, CLOSE) and items[end][1].startswith("*"):
            end += 1
        run = items[index:end]
        kinds = [item[0] for item in run]
        if CLOSE in kinds and OPEN in kinds[kinds.index(CLOSE) :] and sum(len(item[1]) for item in run) >= 4:
            first_close = index + kinds.index(CLOSE)
            last_open = index + len(kinds) - 1 - kinds[::-1].index(OPEN)
            nested_close = first_close + 1 < end and items[first_close + 1][0] == CLOSE
            victim = first_close if nested_close or last_open == index else last_open
            partner = int(items[victim][2])
            items[victim] = [TEXT, "", ""]
            items[partner] = [TEXT, "", ""]
            return _repair_pairs(items)
        index = max(end, index + 1)
    return None


def _opens(before: str, first: str) -> bool:
    """Whether a `*` run between ``before`` and ``first`` is left-flanking (CommonMark 6.2)."""
    if not first or first in _INNER_SPACE:
        return False
    return not is_punctuation(first) or not before or before in _INNER_SPACE or is_punctuation(before)


def _closes(last: str, after: str) -> bool:
    if not last or last in _INNER_SPACE:
        return False
    return not is_punctuation(last) or not after or after in _INNER_SPACE or is_punctuation(after)


def _shown_char(item: list[str], last: bool, skip_runs: bool = False) -> str:
    kind, value = item[0], item[1]
    if kind == SHOWN or (skip_runs and kind in (OPEN, CLOSE) and value.startswith("*")):
        return ""
    if kind == TEXT:
        return (value[-1] if last else value[0]) if value else ""
    if kind == BREAK:
        return " "
    if kind in (OPEN, CLOSE):
        return value[-1] if last else value[0]
    return value[-1] if last else value[0]


def _char_before(items: list[list[str]], index: int, skip_runs: bool = False) -> str:
    for item in reversed(items[:index]):
        char = _shown_char(item, last=True, skip_runs=skip_runs)
        if char:
            return char
    return ""


def _char_after(items: list[list[str]], index: int, skip_runs: bool = False) -> str:
    for item in items[index + 1 :]:
        char = _shown_char(item, last=False, skip_runs=skip_runs)
        if char:
            return char
    return ""


def _first_char(items: list[list[str]], start: int, end: int, skip_runs: bool = False) -> str:
    for item in items[start:end]:
        char = _shown_char(item, last=False, skip_runs=skip_runs)
        if char:
            return char
    return ""


def _last_char(items: list[list[str]], start: int, end: int, skip_runs: bool = False) -> str:
    for item in reversed(items[start + 1 : end]):
        char = _shown_char(item, last=True, skip_runs=skip_runs)
        if char:
            return char
    return ""


def _lone_runs(items: list[list[str]]) -> dict[int, dict[str, tuple[int, int]]]:
    """Per text item, the emphasis runs (`*`, `_`) to leave as written: for each character whose
    runs in the paragraph's text are all of one or two, the last; every other run of it is
    escaped, so the one left has nothing to pair with and is text however it flanks. kramdown
    finds emphasis inside one longer run (`*****`); a paragraph holding kept Markdown, or markup
    with the character in it, leaves every run escaped."""
    kept: dict[int, dict[str, tuple[int, int]]] = {}
    texts = [value for kind, value, _ in items if kind == TEXT]
    for char in "*_":
        if not any(char in value for value in texts):
            continue  # most paragraphs: the character is not in their text at all
        last: tuple[int, int, int] | None = None
        spoiled = False
        for index, (kind, value, _) in enumerate(items):
            if kind == TEXT:
                if "\ue000" in value:
                    return {}
                for match in _RUNS[char].finditer(value):
                    spoiled = match.end() - match.start() > 2
                    if spoiled:
                        break
                    last = (index, match.start(), match.end())
            elif kind in (MARK, OPEN, CLOSE) and char in value:
                spoiled = True
            if spoiled:
                break
        if last is not None and not spoiled:
            kept.setdefault(last[0], {})[char] = (last[1], last[2])
    return kept


_RUNS = {"*": re.compile(r"\*+"), "_": re.compile(r"_+")}


def _join(items: list[list[str]], context: Context, *, heading: bool, cell: bool) -> str:
    """Escape each text item from where it lands and join the paragraph."""
    out: list[str] = []
    line_start = not heading  # a heading's text follows its `#`s: `### 8. Step` is no list
    link_depth = 0
    lone = {} if context.inline else _lone_runs(items)
    hard_break = "\\\n"  # read alike by CommonMark renderers and kramdown's GFM input (Jekyll's default)
    for index, (kind, value, _) in enumerate(items):
        if kind == TEXT:
            following = _char_after(items, index) if index + 1 < len(items) else ""
            out.append(
                write_text(
                    value,
                    context.dialect,
                    line_start=line_start,
                    in_link=link_depth > 0,
                    cell=cell,
                    before=out[-1][-1:] if out else "",
                    after=following,
                    heading_end=heading and index == len(items) - 1,
                    references=context.references,
                    lone=lone.get(index),
                )
            )
            context.shown.append(value)
            line_start = False
        elif kind == SHOWN:
            context.shown.append(value)
        elif kind == BREAK:
            out.append(hard_break)
            context.shown.append("\n")
            line_start = True
        else:
            if kind == OPEN and value == "[":
                link_depth += 1
            elif kind == CLOSE and value.startswith("]"):
                link_depth -= 1
            if kind == MARK and cell:
                value = value.replace("|", "\\|")
            out.append(value)
            line_start = False
    context.shown.append("\n")
    return "".join(out)
