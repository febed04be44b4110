"""Known XSS vectors through the whole pipeline: the Markdown postkit writes must hold nothing executable.

Every vector in ``xss_vectors.txt`` goes through ``clean_text`` (the Python face of ``postkit convert``)
as an HTML block of its own and inline in a Markdown paragraph, with each sanitizer backend. The
output body is then read three ways, and none may show anything executable:

* as markdown-it tokens (CommonMark, raw HTML on), with link validation switched off so that a
  ``javascript:`` link a stricter renderer would refuse still counts: raw HTML tokens and every
  link and image destination;
* as the HTML markdown-it renders from it, parsed with lxml (elements, handlers, URL attributes);
* block by block as HTML straight from the Markdown text, code, escapes and entities taken out:
  what a lenient renderer (kramdown reads ``<img src=a alt=""id=x>`` as an image, CommonMark as
  text) or a browser would make of tag-like text left in the Markdown.

Raw HTML other than comments counts too: postkit converts all the HTML it finds, so none should
be left (comments are read the way an HTML5 tokenizer ends them, not as ``<!--.*?-->``).

A URL counts as dangerous when, after HTML-entity decoding, removing whitespace and control
characters and lowercasing, it starts with ``javascript:``, ``vbscript:``, ``data:`` (images from
``data:`` only when the config allows them, off by default), ``livescript:`` or ``mocha:``.

Vectors the pipeline does not block yet are listed in ``xss_known_failures.txt`` and marked
``xfail(strict=True)``: the day one is fixed, its line there has to go.
"""

from __future__ import annotations

import html
import importlib.util
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import lxml.html
import pytest
from lxml import etree
from markdown_it import MarkdownIt
from markdown_it.token import Token

from postkit import CleanOptions, clean_text, split_post

HERE = Path(__file__).parent
VECTORS_FILE = HERE / "xss_vectors.txt"
KNOWN_FAILURES_FILE = HERE / "xss_known_failures.txt"

HAS_BLEACH = importlib.util.find_spec("bleach") is not None
BACKENDS = ("nh3", "bleach")
PLACEMENTS = ("block", "inline")
# The default config, and the config that allows data: images (``allow_data_images``).
CONFIGS = ("default", "data-images")

FRONT_MATTER = '---\ntitle: "XSS vector"\nfrom: https://blog.example/2021/08/post/\n---\n'

# --- reading the data files -------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"%%(NL|CR|TAB|NUL|FF|U\+([0-9A-Fa-f]{4,6}))%%")
_NAMED = {"NL": "\n", "CR": "\r", "TAB": "\t", "NUL": "\x00", "FF": "\x0c"}


def decode_vector(line: str) -> str:
    """A data-file line as the vector it stands for (placeholders replaced)."""
    return _PLACEHOLDER.sub(lambda m: chr(int(m.group(2), 16)) if m.group(2) else _NAMED[m.group(1)], line)


def read_lines(path: Path) -> list[tuple[int, str]]:
    """The non-comment, non-blank lines of a data file with their line numbers."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").split("\n")
    return [(number, line) for number, line in enumerate(lines, 1) if line.strip() and not line.startswith("#")]


@dataclass(frozen=True)
class Vector:
    line: int
    source: str  # as written in the data file

    @property
    def html(self) -> str:
        return decode_vector(self.source)


VECTORS = [Vector(number, line) for number, line in read_lines(VECTORS_FILE)]


def known_failures() -> dict[tuple[str, str, str, str], str]:
    """(vector as written, backend, placement, config) -> reason, read from ``xss_known_failures.txt``.

    Tab-separated: ``@name<TAB>text`` defines a reason, ``backend<TAB>placement<TAB>vector<TAB>@name``
    lists a failure. ``*`` as backend or placement stands for all of them; a placement ending in
    ``+data-images`` is one with data: images allowed. A failure listed for the default config
    is expected with data: images allowed too, unless that config has its own entry.
    """
    reasons: dict[str, str] = {}
    entries: list[tuple[str, str, str, str, str]] = []
    for number, line in read_lines(KNOWN_FAILURES_FILE):
        parts = line.split("\t")
        if line.startswith("@"):
            reasons[parts[0][1:]] = parts[-1]
            continue
        if len(parts) != 4 or not parts[3].startswith("@"):
            raise ValueError(f"{KNOWN_FAILURES_FILE.name}:{number}: want backend, placement, vector, @reason")
        backend, placement, source, reason = parts
        placement, _, config = placement.partition("+")
        config = config or "default"
        if backend not in (*BACKENDS, "*") or placement not in (*PLACEMENTS, "*") or config not in CONFIGS:
            raise ValueError(f"{KNOWN_FAILURES_FILE.name}:{number}: unknown backend, placement or config")
        entries.append((backend, placement, config, source, reason[1:]))
    found: dict[tuple[str, str, str, str], str] = {}
    for backend, placement, config, source, name in sorted(entries, key=lambda e: e[2] != "default"):
        if name not in reasons:
            raise ValueError(f"{KNOWN_FAILURES_FILE.name}: reason @{name} is not defined")
        for b in BACKENDS if backend == "*" else (backend,):
            for p in PLACEMENTS if placement == "*" else (placement,):
                for c in CONFIGS if config == "default" else (config,):
                    found[(source, b, p, c)] = f"{name}: {reasons[name]}"
    return found


KNOWN_FAILURES = known_failures()


def post_for(vector: str, placement: str) -> str:
    if placement == "block":
        return f"{FRONT_MATTER}\n{vector}\n"
    return f"{FRONT_MATTER}\nText <span>{vector}</span> more\n"


# --- what counts as forbidden in the output ---------------------------------------------------

_DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "mocha:")
_URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "xlink:href",
        "background",
        "poster",
        "data",
        "code",
        "codebase",
        "lowsrc",
        "dynsrc",
        "cite",
        "ping",
        "manifest",
        "longdesc",
        "usemap",
        "profile",
        "classid",
        "archive",
        "icon",
        "srcset",
        "imagesrcset",
        "data-src",
        "data-lazy-src",
        "data-srcset",
    }
)
# Elements that execute, embed, redirect or submit: never in postkit's output.
FORBIDDEN_ELEMENTS = frozenset(
    {
        "script",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "base",
        "meta",
        "form",
        "link",
        "style",
        "svg",
        "math",
        "isindex",
        "button",
        "input",
        "textarea",
        "select",
        "keygen",
        "template",
        "noscript",
        "xmp",
        "plaintext",
        "noembed",
        "noframes",
        "param",
        "portal",
    }
)
# An HTML5 tag name ends at whitespace, "/" or ">" (a NUL becomes part of the name).
_FORBIDDEN_TAG = re.compile(r"<(" + "|".join(sorted(FORBIDDEN_ELEMENTS)) + r")(?=[\t\n\f\r />]|$)", re.IGNORECASE)
_OPEN_TAG = re.compile(r"<[A-Za-z][^\t\n\f\r />]*(?:[\t\n\f\r /]+[^>]*)?>?")
# Attributes are separated by whitespace or "/", and one may follow a quoted value directly.
_HANDLER = re.compile(r"[\t\n\f\r /\"']on[a-z0-9_-]+[\t\n\f\r ]*=", re.IGNORECASE)
_TAG_START = re.compile(r"<[A-Za-z/!?]")
_CSS_DANGER = re.compile(
    r"expression\s*\(|javascript\s*:|vbscript\s*:|@import|-moz-binding|behavior\s*:", re.IGNORECASE
)
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f-\x9f]")


def scheme_text(url: str) -> str:
    """A URL the way a browser reads its scheme: entities decoded, whitespace and controls gone, lowercase."""
    return _CONTROL_OR_SPACE.sub("", html.unescape(url)).lower()


def dangerous_url(url: str, *, image: bool, allow_data_images: bool = False) -> bool:
    text = scheme_text(url)
    if allow_data_images and image and text.startswith("data:image/"):
        return False
    return text.startswith(_DANGEROUS_SCHEMES)


_COMMENT_END = re.compile(r"--!?>")


def strip_comments(markup: str) -> str:
    """Take out comments and bogus comments where an HTML5 tokenizer ends them.

    ``<!-->`` and ``<!--->`` are complete (empty) comments and ``--!>`` ends one, so a regex
    ``<!--.*?-->`` would call ``<!--><script>…</script>-->`` one harmless comment, which a browser
    runs. ``<!…>`` (CDATA outside SVG and MathML, a doctype) and ``<?…>`` end at the first ``>``.
    A comment that never ends runs to the end of the text.
    """
    out: list[str] = []
    cursor = 0
    while True:
        match = re.compile(r"<[!?]").search(markup, cursor)
        if match is None:
            out.append(markup[cursor:])
            return "".join(out)
        start = match.start()
        out.append(markup[cursor:start])
        if markup.startswith("<!--", start):
            inner = start + 4
            abrupt = re.match(r"-?>", markup[inner:])
            end = inner + abrupt.end() if abrupt is not None else None
            if end is None:
                close = _COMMENT_END.search(markup, inner)
                end = close.end() if close is not None else None
        else:
            close_at = markup.find(">", start)
            end = close_at + 1 if close_at >= 0 else None
        if end is None:
            return "".join(out)
        cursor = end


def raw_markup_problems(markup: str, where: str) -> Iterator[str]:
    """Executable things in raw HTML, read conservatively (comments do not count)."""
    visible = strip_comments(markup)
    tag = _FORBIDDEN_TAG.search(visible)
    if tag is not None:
        yield f"{where}: <{tag.group(1).lower()}>: {markup!r}"
    for match in _OPEN_TAG.finditer(visible):
        if _HANDLER.search(match.group(0)):
            yield f"{where}: event handler: {markup!r}"
            break


def dom_problems(markup: str, where: str, *, allow_data_images: bool = False) -> Iterator[str]:
    """Parse HTML with lxml (error-tolerant like a browser) and look at every element and attribute."""
    if not _TAG_START.search(markup):
        return
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions
        name = element.tag.lower()
        if name in FORBIDDEN_ELEMENTS:
            yield f"{where}: <{name}> element"
        for attribute, value in element.attrib.items():
            attribute = attribute.lower()
            if attribute.startswith("on"):
                yield f"{where}: <{name} {attribute}=…> handler"
            elif attribute == "srcdoc":
                yield f"{where}: <{name} srcdoc=…>"
            elif attribute == "style" and _CSS_DANGER.search(html.unescape(value)):
                yield f"{where}: <{name} style={value!r}>"
            elif attribute in _URL_ATTRIBUTES:
                urls = [part.strip().split(" ")[0] for part in value.split(",")] if "srcset" in attribute else [value]
                image = name == "img" and attribute == "src"
                if any(dangerous_url(url, image=image, allow_data_images=allow_data_images) for url in urls):
                    yield f"{where}: <{name} {attribute}={value!r}>"


def _permissive() -> MarkdownIt:
    """CommonMark with raw HTML, following links whatever their scheme, escapes kept as their own tokens.

    markdown-it's own link check would render a ``javascript:`` link as text and hide it from the
    token stream; other Markdown renderers have no such check, so here every link is a link.
    Without ``text_join`` a backslash escape or entity stays a ``text_special`` token, which tells
    escaped ``\\<img`` (text everywhere) from bare ``<img`` text (HTML to a lenient renderer).
    """
    md = MarkdownIt("commonmark")
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    md.disable("text_join")
    return md


PERMISSIVE = _permissive()
STANDARD = MarkdownIt("commonmark")


def flat(tokens: Iterable[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from flat(token.children)


def tag_like_texts(tokens: list[Token]) -> Iterator[str]:
    """Each block of the body as a lenient renderer or a browser sees it: text and raw HTML as they stand.

    CommonMark reads ``<img src=x alt=""onerror=alert(1)>`` or ``<svg/onload=…>`` as text;
    kramdown and browsers read them as tags. Code, escapes and entities are opaque here (they
    are text to every renderer), link syntax becomes a space, emphasis keeps its markers. Blocks
    are read one by one: no renderer makes one tag out of two paragraphs.
    """
    for token in tokens:
        if token.type == "html_block":
            yield token.content
        elif token.type == "inline":
            parts: list[str] = []
            for child in token.children or []:
                if child.type in ("text", "html_inline"):
                    parts.append(child.content)
                elif child.type in ("text_special", "code_inline"):
                    parts.append("x" * max(1, len(child.content)))
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append("\n")
                elif child.type.startswith(("em_", "strong_")):
                    parts.append(child.markup)
                else:
                    parts.append(" ")
            yield "".join(parts)


def problems(output: str, *, allow_data_images: bool = False) -> list[str]:
    """Everything executable in a post postkit wrote: an empty list means the post is safe."""
    body = split_post(output).body
    found: list[str] = []
    tokens = PERMISSIVE.parse(body)
    for token in flat(tokens):
        if token.type in ("html_block", "html_inline"):
            found.extend(raw_markup_problems(token.content, f"raw HTML ({token.type})"))
        elif token.type in ("link_open", "image"):
            attribute = "href" if token.type == "link_open" else "src"
            url = str(token.attrGet(attribute) or "")
            if dangerous_url(url, image=token.type == "image", allow_data_images=allow_data_images):
                found.append(f"markdown {token.type.replace('_open', '')} to {url!r}")
    found.extend(dom_problems(PERMISSIVE.render(body), "rendered HTML", allow_data_images=allow_data_images))
    for block in tag_like_texts(tokens):
        found.extend(dom_problems(block, "tag-like Markdown text", allow_data_images=allow_data_images))
    found.extend(f"raw HTML other than a comment: {markup!r}" for markup in raw_html(body))
    return list(dict.fromkeys(found))


def raw_html(body: str) -> list[str]:
    """The raw HTML markdown-it finds in a body, comments and bogus comments left out.

    postkit converts every piece of HTML it finds to Markdown, so none should be left.
    """
    return [
        token.content
        for token in flat(STANDARD.parse(body))
        if token.type in ("html_block", "html_inline") and _TAG_START.search(strip_comments(token.content))
    ]


# --- running the vectors ------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    output: str
    problems: tuple[str, ...]
    error: str = ""

    @property
    def blocked(self) -> bool:
        return not self.problems and not self.error


@cache
def outcome(source: str, backend: str, placement: str, config: str = "default") -> Outcome:
    """One vector (as written in the data file) through ``clean_text``; exceptions are caught and kept."""
    post = post_for(decode_vector(source), placement)
    data_images = config == "data-images"
    try:
        output = clean_text(post, CleanOptions(sanitizer=backend, allow_data_images=data_images)).text
    except Exception as exc:  # the test reports any exception: none may escape
        return Outcome("", (), f"{type(exc).__name__}: {exc}")
    return Outcome(output, tuple(problems(output, allow_data_images=data_images)))


def backend_param(backend: str) -> object:
    marks = [pytest.mark.skipif(not HAS_BLEACH, reason="bleach is not installed")] if backend == "bleach" else []
    return pytest.param(backend, marks=marks, id=backend)


def vector_params() -> list[object]:
    params = []
    for config in CONFIGS:
        for backend in BACKENDS:
            for placement in PLACEMENTS:
                for vector in VECTORS:
                    marks = []
                    if backend == "bleach" and not HAS_BLEACH:
                        marks.append(pytest.mark.skip(reason="bleach is not installed"))
                    reason = KNOWN_FAILURES.get((vector.source, backend, placement, config))
                    if reason is not None:
                        marks.append(pytest.mark.xfail(strict=True, reason=reason))
                    suffix = "" if config == "default" else f"+{config}"
                    params.append(
                        pytest.param(
                            vector,
                            backend,
                            placement,
                            config,
                            marks=marks,
                            id=f"{backend}-{placement}{suffix}-L{vector.line}",
                        )
                    )
    return params


def describe(vector: Vector, backend: str, placement: str, config: str, result: Outcome) -> str:
    return (
        f"xss_vectors.txt:{vector.line} {vector.source!r} ({backend}, {placement}, {config} config)\n"
        f"error: {result.error or '-'}\nproblems:\n  " + "\n  ".join(result.problems) + f"\noutput:\n{result.output}"
    )


def test_vector_file_is_big_enough_and_has_no_duplicates() -> None:
    sources = [vector.source for vector in VECTORS]
    assert len(sources) >= 150
    duplicates = sorted({s for s in sources if sources.count(s) > 1})
    assert not duplicates, duplicates
    blank_line = re.compile(r"\n[ \t]*\n")
    assert not [vector.source for vector in VECTORS if blank_line.search(vector.html)]


def test_known_failures_name_real_vectors() -> None:
    sources = {vector.source for vector in VECTORS}
    stale = sorted({source for source, *_ in KNOWN_FAILURES if source not in sources})
    assert not stale, f"{KNOWN_FAILURES_FILE.name} lists vectors that are not in {VECTORS_FILE.name}: {stale}"


@pytest.mark.parametrize(("vector", "backend", "placement", "config"), vector_params())
def test_vector_is_blocked(vector: Vector, backend: str, placement: str, config: str) -> None:
    result = outcome(vector.source, backend, placement, config)
    assert not result.error, describe(vector, backend, placement, config, result)
    assert not result.problems, describe(vector, backend, placement, config, result)


@pytest.mark.parametrize("backend", [backend_param(b) for b in BACKENDS])
def test_front_matter_is_kept_for_every_vector(backend: str) -> None:
    for vector in VECTORS:
        for placement in PLACEMENTS:
            result = outcome(vector.source, backend, placement)
            if not result.error:
                assert result.output.startswith(FRONT_MATTER), (vector.source, placement, result.output)


DATA_IMAGE_POST = post_for('<img src="data:image/png;base64,iVBORw0KGgo=" alt="dot">', "block")


def test_data_image_dropped_by_default() -> None:
    out = clean_text(DATA_IMAGE_POST).text
    assert "data:" not in out
    assert problems(out) == []


def test_data_image_kept_when_configured() -> None:
    allowed = clean_text(DATA_IMAGE_POST, CleanOptions(allow_data_images=True)).text
    assert "](data:image/png;base64,iVBORw0KGgo=)" in allowed
    assert problems(allowed, allow_data_images=True) == []
    assert problems(allowed) != []


@pytest.mark.parametrize("backend", [backend_param(b) for b in BACKENDS])
def test_tally(backend: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Print vectors tried and blocked for the backend; the misses must be exactly the known failures."""
    lines = []
    for config in CONFIGS:
        blocked = dict.fromkeys(PLACEMENTS, 0)
        blocked_everywhere = 0
        missed = set()
        for vector in VECTORS:
            results = {placement: outcome(vector.source, backend, placement, config) for placement in PLACEMENTS}
            for placement, result in results.items():
                blocked[placement] += result.blocked
                if not result.blocked:
                    missed.add((vector.source, placement))
            blocked_everywhere += all(result.blocked for result in results.values())
        lines.append(
            f"[xss {backend}, {config} config] vectors tried: {len(VECTORS)}, blocked in both placements: "
            f"{blocked_everywhere} (as an HTML block: {blocked['block']}, inline in a paragraph: "
            f"{blocked['inline']})"
        )
        assert missed == {(s, p) for (s, b, p, c) in KNOWN_FAILURES if b == backend and c == config}, config
    with capsys.disabled():
        print("\n" + "\n".join(lines))


# --- the checks themselves must catch what they are meant to catch ------------------------------

UNSAFE_OUTPUTS = [
    "<script>alert(1)</script>",
    "x <img src=x onerror=alert(1)> y",
    "<svg/onload=alert(1)>",
    "[x](javascript:alert(1))",
    "[x]( JaVa&#x09;ScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "![x](vbscript:msgbox(1))",
    "![x](data:image/svg+xml;base64,PHN2Zz4=)",
    "[x](data:text/html,x)",
    "<javascript:alert(1)>",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "<iframe src=https://ok.example/></iframe>",
    "<object data=x></object>",
    "<embed src=x>",
    "<base href=https://evil.example/>",
    '<meta http-equiv="refresh" content="0">',
    "<form><button>x</button></form>",
    "<!--><script>alert(1)</script>-->",
    "<!-- --!><img src=x onerror=alert(1)> -->",
    'x <img src=x alt=""onerror=alert(1)>',
    '<a href="javascript:alert(1)">x</a>',
    '<p style="x:expression(alert(1))">x</p>',
    "<![CDATA[x]]><img src=x onerror=alert(1)>",
    "Text </script> more",
    "x <svg/onload=alert(1)> y",
    '[x](https://ok.example/ "a\n\n[y](javascript:alert(1))")',
    "```\n```\n<script>alert(1)</script>\n```",
]
SAFE_OUTPUTS = [
    "Plain text with [a link](https://example.com/) and ![an image](https://example.com/a.png).",
    r"\<script>alert(1)\</script> and \[x\](javascript:alert(1))",
    "`<script>alert(1)</script>` in code",
    "```html\n<img src=x onerror=alert(1)>\n```",
    "<!--more-->",
    "<!--<script>alert(1)</script>-->",
    "Text about javascript: it is a language, and data: is a word.",
    "[x](https://example.com/javascript:alert(1))",
    "<https://example.com/a>",
    r"x \<svg/onload=alert(1)> y",
    "x &lt;img src=x onerror=alert(1)&gt; y",
    # outside SVG and MathML a CDATA section is a bogus comment that ends at the first ">"
    "<![CDATA[<img src=x onerror=alert(1)>]]>",
]


@pytest.mark.parametrize("text", UNSAFE_OUTPUTS)
def test_checks_catch_unsafe_output(text: str) -> None:
    assert problems(FRONT_MATTER + text + "\n")


@pytest.mark.parametrize("text", SAFE_OUTPUTS)
def test_checks_pass_safe_output(text: str) -> None:
    assert problems(FRONT_MATTER + text + "\n") == []


def test_strip_comments_follows_html5() -> None:
    assert strip_comments("a<!-- x -->b") == "ab"
    assert strip_comments("<!--><script>") == "<script>"
    assert strip_comments("<!---><img>-->") == "<img>-->"
    assert strip_comments("<!-- --!><img> -->") == "<img> -->"
    assert strip_comments("<!---->x") == "x"
    assert strip_comments("a<!-- never closed <script>") == "a"
    assert strip_comments("<![CDATA[<b>]]>x") == "]]>x"
    assert strip_comments("<?xml x?><b>") == "<b>"
