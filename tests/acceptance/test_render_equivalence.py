"""Clean Markdown renders to the same visible text as its source, in the renderer the site uses.

Every golden case and example is cleaned, and source and output are rendered with the real
renderers (tests/renderers.py):

- the output reads the same in markdown-it, goldmark and (for posts written for it) kramdown:
  no stray backslash, backtick, asterisk or pipe one of them reads as syntax and another shows;
- kramdown, which renders a source's HTML as a browser shows it, finds in the output all the
  source's text but what clean reported removing;
- every image the output shows was in the source (as a URL, a lazy or a proxied one).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from renderers import images, render_many, require, visible_text

from postkit import CleanOptions, clean_text, split_post
from postkit.pipeline import markdown_dialect

ROOT = Path(__file__).parents[2]
CASES = sorted(p for p in (ROOT / "tests" / "cases" / "pipeline").glob("*.md") if not p.name.endswith(".expected.md"))
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.md") if p.name != "README.md")
POSTS = CASES + EXAMPLES
TARGET = {"kramdown": "kramdown", "goldmark": "goldmark", "commonmark": "markdown-it"}
# Latin words and single other characters (CJK text has no spaces); typographic quotes as plain
# ones (kramdown's SmartyPants curls the quotes of Markdown text, not of HTML).
_WORD = re.compile(r"[A-Za-z0-9]+|\S")
_QUOTES = str.maketrans("\u2018\u2019\u201c\u201d", "''\"\"")


def words(text: str) -> list[str]:
    return _WORD.findall(text.translate(_QUOTES))


@cache
def cleaned(dialect: str = "auto") -> dict[Path, tuple[str, str, int, str]]:
    """Per post: source body, cleaned body, characters clean reported removing, the dialect written."""
    out = {}
    for path in POSTS:
        text = path.read_bytes().decode("utf-8")
        result = clean_text(text, CleanOptions(markdown=dialect))
        post = split_post(text)
        removed = sum(r.chars for r in result.removals)
        out[path] = (post.body, split_post(result.text).body, removed, markdown_dialect(post, dialect))
    return out


@cache
def rendered(renderer: str, dialect: str = "auto") -> dict[Path, tuple[str, str]]:
    posts = cleaned(dialect)
    paths = list(posts)
    html = render_many([posts[p][0] for p in paths] + [posts[p][1] for p in paths], renderer)
    return {path: (html[i], html[len(paths) + i]) for i, path in enumerate(paths)}


def unmatched(source: list[str], output: list[str]) -> tuple[list[str], list[str]]:
    """Output words the source does not show, and source words the output does not show.

    Counted as multisets: a renderer may place the text of mis-nested source HTML (a heading
    inside a link inside a paragraph) elsewhere than the clean output does.
    """
    have, want = Counter(output), Counter(source)
    extra = [word for word in output if have[word] > want[word]]
    skipped = list((want - have).elements())
    return extra, skipped


def ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


@pytest.mark.parametrize("dialect", ["commonmark", "kramdown"])
@pytest.mark.parametrize("path", POSTS, ids=ids(POSTS))
def test_renderers_agree_on_the_output(path: Path, dialect: str) -> None:
    """The output reads the same in every renderer it is written for: no escape, code span, pipe
    or underscore that one of them reads as syntax and another shows. Where the renderers read
    the source's own Markdown differently (kramdown's typographic dashes), the output may differ
    the same way, no more."""
    # a CommonMark hard break (a backslash) shows in kramdown: only the kramdown dialect's output,
    # written in forms every renderer reads alike, is held to kramdown too
    others = ["goldmark"] + (["kramdown"] if dialect == "kramdown" else [])
    require("markdown-it")
    reference_source, reference = (Counter(words(visible_text(h))) for h in rendered("markdown-it", dialect)[path])
    for renderer in others:
        require(renderer)
        source, output = (Counter(words(visible_text(h))) for h in rendered(renderer, dialect)[path])
        for extra, known in (
            (output - reference, source - reference_source),
            (reference - output, reference_source - source),
        ):
            assert not extra - known, f"{renderer} and markdown-it read the output differently: {dict(extra - known)}"


@pytest.mark.parametrize("path", POSTS, ids=ids(POSTS))
def test_output_keeps_what_kramdown_shows_of_the_source(path: Path) -> None:
    """kramdown renders a source's HTML as a browser shows it: the output shows all of that text
    but what clean reported removing (and tags kramdown shows as text, which clean drops)."""
    require("kramdown")
    _, _, removed, _ = cleaned()[path]
    source_html, output_html = rendered("kramdown")[path]
    source_text = _TAG_TEXT.sub("", visible_text(source_html)).replace("[email protected]", "")
    source, output = Counter(_chars(source_text)), Counter(_chars(visible_text(output_html)))
    skipped = source - output
    assert sum(skipped.values()) <= removed, (
        f"the output lacks {sum(skipped.values())} characters kramdown shows of the source; clean removed "
        f"{removed}: {''.join(sorted(skipped.elements()))[:200]}"
    )


_TAG_TEXT = re.compile(r"</?[A-Za-z][^<>]*>?")


def _chars(text: str) -> list[str]:
    return [char for char in text.translate(_QUOTES) if not char.isspace()]


@pytest.mark.parametrize("path", POSTS, ids=ids(POSTS))
def test_images_shown_come_from_the_source(path: Path) -> None:
    require("markdown-it")
    source_body, _, _, _ = cleaned()[path]
    _, output_html = rendered("markdown-it")[path]
    for url in images(output_html):
        tail = url.rsplit("/", 1)[-1].split("?")[0]
        assert tail in source_body, f"image {url} is not in the source"
