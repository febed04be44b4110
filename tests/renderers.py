"""Render Markdown the way the sites postkit cleans for do: markdown-it, cmark-gfm, kramdown (Jekyll), goldmark (Hugo).

``render_many(markdowns, renderer)`` renders a whole batch with one renderer in one go: one
``ruby`` process for kramdown (kept for the session), one ``hugo`` build for goldmark, so a suite of hundreds of
documents costs a few process starts, not hundreds. ``visible_text``, ``links`` and ``images``
read the rendered HTML back with lxml.

kramdown is run as Jekyll 4 runs it: ``input: "GFM"`` (the ``kramdown-parser-gfm`` gem, Debian's
``ruby-kramdown-parser-gfm``) with Jekyll's default options; where that parser is missing the
plain ``kramdown`` input is used and ``kramdown_input()`` says so. A test that needs a renderer
asks ``require(renderer)``, which skips with the reason when it is not installed.
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import re
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import lxml.html
from lxml import etree
from markdown_it import MarkdownIt

RENDERERS = ("markdown-it", "cmark-gfm", "kramdown", "goldmark")


class RenderError(RuntimeError):
    """A renderer failed on some documents of a batch; ``failures`` maps their indices to its message."""

    def __init__(self, renderer: str, failures: dict[int, str], partial: list[str | None] | None = None) -> None:
        self.renderer = renderer
        self.failures = failures
        # the HTML of every document of the batch, None where the renderer failed
        self.partial = partial if partial is not None else [None] * (max(failures) + 1)
        first = next(iter(failures.items()))
        super().__init__(f"{renderer} failed on {len(failures)} document(s); first, #{first[0]}: {first[1][:500]}")


# --- which renderers this machine has ------------------------------------------------------------

_KRAMDOWN_PROBE = """
require "kramdown"
begin
  require "kramdown-parser-gfm"
  puts "GFM"
rescue LoadError
  puts "kramdown"
end
"""


@cache
def kramdown_input() -> str | None:
    """The kramdown input parser Jekyll's default would use here: "GFM", else "kramdown"; None without kramdown."""
    if shutil.which("ruby") is None:
        return None
    probe = subprocess.run(["ruby", "-e", _KRAMDOWN_PROBE], capture_output=True, text=True, check=False)
    return probe.stdout.strip() or None if probe.returncode == 0 else None


@cache
def missing(renderer: str) -> str | None:
    """Why ``renderer`` cannot run on this machine, or None when it can."""
    if renderer == "markdown-it":
        return None
    if renderer == "cmark-gfm":
        return None if importlib.util.find_spec("cmarkgfm") else "cmark-gfm needs the Python package cmarkgfm"
    if renderer == "kramdown":
        return None if kramdown_input() else "kramdown needs ruby and ruby-kramdown (apt-get install ruby-kramdown)"
    if renderer == "goldmark":
        return None if shutil.which("hugo") else "goldmark needs Hugo (apt-get install hugo)"
    raise ValueError(f"unknown renderer {renderer!r}; expected one of {', '.join(RENDERERS)}")


def available() -> list[str]:
    """The renderers this machine can run."""
    return [name for name in RENDERERS if missing(name) is None]


def require(renderer: str) -> None:
    """Skip the calling test when ``renderer`` is not installed, saying what to install."""
    import pytest

    reason = missing(renderer)
    if reason:
        pytest.skip(reason)


# --- rendering ----------------------------------------------------------------------------------


def render_many(markdowns: list[str], renderer: str) -> list[str]:
    """The HTML each Markdown document renders to with ``renderer``, in order; one process per batch.

    Raises ``RenderError`` naming the documents a renderer refused (a Hugo build that fails on a
    shortcode, a kramdown exception) after rendering all the others; its ``partial`` holds them.
    """
    reason = missing(renderer)
    if reason:
        raise RuntimeError(reason)
    if not markdowns:
        return []
    if renderer == "markdown-it":
        return [_markdown_it().render(text) for text in markdowns]
    if renderer == "cmark-gfm":
        return _render_cmark_gfm(markdowns)
    if renderer == "kramdown":
        return _render_kramdown(markdowns)
    return _render_goldmark(markdowns)


def render(markdown: str, renderer: str) -> str:
    """One document: ``render_many`` of a batch of one."""
    return render_many([markdown], renderer)[0]


@cache
def _markdown_it() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def _render_cmark_gfm(markdowns: list[str]) -> list[str]:
    import cmarkgfm
    from cmarkgfm.cmark import Options

    # github_flavored_markdown_to_html: table, strikethrough, autolink, tagfilter and tasklist
    return [cmarkgfm.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE) for text in markdowns]


# Jekyll 4's kramdown defaults (jekyll/configuration.rb), less the syntax highlighter, which only
# colours code and would need rouge.
_KRAMDOWN_SCRIPT = r"""
require "json"
require "kramdown"
input = ARGV[0]
require "kramdown-parser-gfm" if input == "GFM"
options = {
  input: input, auto_ids: true, toc_levels: (1..6).to_a, entity_output: "as_char",
  smart_quotes: "lsquo,rsquo,ldquo,rdquo", hard_wrap: false, footnote_nr: 1,
  show_warnings: false, syntax_highlighter: nil, math_engine: "mathjax",
}
# one batch per line: a JSON array of documents in, a JSON array of results out
while (line = $stdin.gets)
  out = JSON.parse(line).map do |text|
    begin
      { "html" => Kramdown::Document.new(text, options).to_html }
    rescue StandardError, SystemStackError => e
      { "error" => "#{e.class}: #{e.message}" }
    end
  end
  $stdout.puts(JSON.generate(out))
  $stdout.flush
end
"""
_kramdown_worker: subprocess.Popen[bytes] | None = None


def _kramdown_process() -> subprocess.Popen[bytes]:
    """One ruby process for the whole test session, started on first use and kept for every later batch."""
    global _kramdown_worker
    if _kramdown_worker is None or _kramdown_worker.poll() is not None:
        _kramdown_worker = subprocess.Popen(
            ["ruby", "-e", _KRAMDOWN_SCRIPT, str(kramdown_input())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        atexit.register(_stop, _kramdown_worker)
    return _kramdown_worker


def _stop(worker: subprocess.Popen[bytes]) -> None:
    worker.kill()
    worker.communicate()


def _render_kramdown(markdowns: list[str]) -> list[str]:
    worker = _kramdown_process()
    assert worker.stdin is not None and worker.stdout is not None
    # lone surrogates cannot travel as UTF-8; a real file could not hold them either
    worker.stdin.write(json.dumps([_utf8(text) for text in markdowns], ensure_ascii=False).encode() + b"\n")
    worker.stdin.flush()
    line = worker.stdout.readline()
    if not line:
        stderr = worker.stderr.read().decode(errors="replace") if worker.stderr else ""
        raise RenderError("kramdown", {0: f"ruby stopped: {stderr}"})
    results = json.loads(line)
    failures = {i: r["error"] for i, r in enumerate(results) if "error" in r}
    if failures:
        raise RenderError("kramdown", failures, [r.get("html") for r in results])
    return [r["html"] for r in results]


_HUGO_CONFIG = """\
baseURL = "http://site.invalid/"
disableKinds = ["home", "section", "taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
[markup.goldmark.renderer]
unsafe = true
"""
_HUGO_FILE = re.compile(r"d(\d{6})\.md")


def _render_goldmark(markdowns: list[str]) -> list[str]:
    """One ``hugo`` build of a throwaway site holding one page per document; each page is its ``.Content``."""
    with tempfile.TemporaryDirectory(prefix="postkit-hugo-") as tmp:
        site = Path(tmp)
        (site / "layouts" / "_default").mkdir(parents=True)
        (site / "layouts" / "_default" / "single.html").write_text("{{ .Content }}", encoding="utf-8")
        (site / "config.toml").write_text(_HUGO_CONFIG, encoding="utf-8")
        content = site / "content"
        content.mkdir()
        pending = set(range(len(markdowns)))
        for i in pending:
            # a front matter of Hugo's own, so that the document's first line is read as Markdown
            (content / f"d{i:06d}.md").write_text(f'---\ntitle: "d{i}"\n---\n{_utf8(markdowns[i])}', encoding="utf-8")
        failures: dict[int, str] = {}
        while True:
            done = subprocess.run(
                [
                    "hugo",
                    "--quiet",
                    "--source",
                    str(site),
                    "--destination",
                    str(site / "public"),
                    "--cacheDir",
                    str(site / "cache"),
                ],
                capture_output=True,
                text=True,
                check=False,
                env={**os.environ, "HUGO_ENV": "test"},
            )
            if done.returncode == 0:
                break
            # a page Hugo refuses (an unknown shortcode `{{< x >}}`) fails the build: set it aside, build again
            bad = {int(m.group(1)) for m in _HUGO_FILE.finditer(done.stderr)} & pending
            if not bad:
                raise RenderError("goldmark", {min(pending, default=0): done.stderr})
            for i in bad:
                failures[i] = done.stderr
                (content / f"d{i:06d}.md").unlink()
            pending -= bad
        rendered = [
            None if i in failures else (site / "public" / f"d{i:06d}" / "index.html").read_text("utf-8")
            for i in range(len(markdowns))
        ]
        if failures:
            raise RenderError("goldmark", failures, rendered)
        return [html for html in rendered if html is not None]


def _utf8(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")


# --- reading rendered HTML ----------------------------------------------------------------------

_INVISIBLE = frozenset({"script", "style", "template", "noscript", "head", "title"})


def _tree(html: str) -> lxml.html.HtmlElement | None:
    if not html.strip():
        return None
    try:
        return lxml.html.fragment_fromstring(html, create_parent="div")
    except etree.ParserError:
        return None


def visible_text(html: str) -> str:
    """The text a reader sees in rendered HTML: no tags, comments, scripts or styles; whitespace runs as one space."""
    root = _tree(html)
    if root is None:
        return ""
    parts: list[str] = []

    def walk(element: etree._Element) -> None:
        if isinstance(element.tag, str) and element.tag.lower() not in _INVISIBLE:
            parts.append(element.text or "")
            for child in element:
                walk(child)
        if element is not root:
            parts.append(element.tail or "")

    walk(root)
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def links(html: str) -> list[str]:
    """The ``href`` of every ``<a>`` in rendered HTML, in document order, as written."""
    root = _tree(html)
    return [] if root is None else [str(a.get("href")) for a in root.iter("a") if a.get("href") is not None]


def images(html: str) -> list[str]:
    """The ``src`` of every ``<img>`` in rendered HTML, in document order, as written."""
    root = _tree(html)
    return [] if root is None else [str(img.get("src")) for img in root.iter("img") if img.get("src") is not None]
