"""The cleaning pipeline: a post's body, its HTML spans converted to clean Markdown.

A post's way through it, one module a stage:

- ``postkit.post``: front matter kept byte for byte, the body split off;
- ``postkit.segments``: the body's HTML spans, found with markdown-it;
- ``fragment``: each span through the tree stages on one lxml tree (``html`` parse, ``strip``,
  ``repair``, ``sanitize``), ``render`` writing Markdown, ``verify`` comparing texts;
- ``write``: the converted spans spliced into the Markdown, then the ``safety`` pass.

``clean_text`` is the whole of ``postkit convert`` as a pure function on text.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, replace

from postkit.pipeline.fragment import CONVERTERS, _tools, convert_fragment
from postkit.pipeline.options import CleanOptions
from postkit.pipeline.report import LostText, Removal
from postkit.pipeline.safety import is_unsafe_url
from postkit.pipeline.write import clean_body, decode_entities, drop_markdown_tracking
from postkit.post import SourcePost, split_post

__all__ = [
    "CONVERTERS",
    "CleanOptions",
    "CleanResult",
    "LostText",
    "Removal",
    "_tools",
    "clean_body",
    "clean_post",
    "clean_text",
    "convert_fragment",
    "convert_html_document",
    "decode_entities",
    "drop_markdown_tracking",
    "is_unsafe_url",
]


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


def clean_post(post: SourcePost, options: CleanOptions | None = None, *, details: bool = True) -> CleanResult:
    """Clean a post's body; the front matter is kept byte for byte.

    ``details=False`` leaves out what only a report of removals shows, for runs that show none:
    the exact line and column of each removal (each keeps its fragment's first line), and the
    excerpt and size of the cruft removed.
    """
    options = options or CleanOptions()
    base = post.source_url(options.source_url_key) if post.format else None
    title = post.metadata.get("title") if post.format else None
    options = replace(options, markdown=markdown_dialect(post, options.markdown))
    body, report, spans = clean_body(
        post.body,
        base=base,
        options=options,
        first_line=post.body_start_line,
        title=title if isinstance(title, str) else None,
        details=details,
    )
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


def markdown_dialect(post: SourcePost, configured: str) -> str:
    """The dialect to write for a post: the configured one, or read from the post's shape."""
    if configured != "auto":
        return configured
    if post.format == "toml":
        return "goldmark"  # TOML front matter is Hugo's
    if post.format == "yaml" and "layout" in post.metadata:
        return "kramdown"  # `layout:` is Jekyll's
    return "commonmark"


def clean_text(text: str, options: CleanOptions | None = None, path: str = "<text>") -> CleanResult:
    """Clean a whole post given as text (front matter and body): the Python face of ``postkit convert``."""
    return clean_post(split_post(text, path=path), options)


convert_text = clean_text


def convert_html_document(html: str, options: CleanOptions | None = None, path: str = "<html>") -> CleanResult:
    """Convert a saved page or fragment into a Markdown post with a title and source URL when it names them."""
    from bs4 import BeautifulSoup  # here, not at the top: every command but this one starts without it

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
