"""Invariants of ``clean_text`` on generated posts: Markdown with inline and block HTML, odd front matter.

Run more examples with ``HYPOTHESIS_PROFILE=ci`` (see tests/conftest.py for the profiles).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import lxml.html
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from postkit import PostError, clean_text, split_post

# Text a scraped post holds: CJK and its punctuation, Latin, and every character Markdown cares about.
CJK = "中文报道继后多家媒体跟进不要然按语端点星，。、“”「」：（）！？"  # noqa: RUF001
LATIN = "abcdefg XYZ 0123456789"
MARKUP = "*_[]<>&#`\\|~!-+.=:;'\"/()"
TEXT_CHARS = CJK + LATIN + MARKUP + "  "

INLINE_TAGS = ("a", "b", "i", "em", "strong", "span", "code", "sup", "u", "s", "small", "font")
BLOCK_TAGS = ("p", "div", "section", "article", "blockquote", "h1", "h2", "h3", "h6", "li", "figcaption", "td")
CONTAINERS = ("ul", "ol", "figure", "table", "tr", "header", "footer", "aside")
EXECUTABLE_OR_INERT = ("script", "style", "noscript", "iframe", "svg", "form", "button", "template", "object")
URLS = (
    "https://example.com/a_b?id=1&utm_source=feed&q=x",
    "http://news.example.cn/2021/08/story.html?utm_medium=email",
    "//cdn.example.net/img/pic.jpg",
    "/relative/path.png",
    "pic-300x200.jpg",
    "#anchor",
    "javascript:alert(1)",
    " JaVaScRiPt:alert(document.cookie)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data:image/gif;base64,R0lGODlhAQABAAAAACw=",
    "https://images.weserv.nl/?url=example.org/p.jpg",
    "https://i0.wp.com/example.org/wp-content/uploads/p.jpg?resize=300%2C200",
    "https://subscribe.sph.com.sg/promotions/x/?utm_campaign=c",
    "http://feeds.feedburner.com/~r/Blog/~4/abc",
    "mailto:someone@example.com",
    "vbscript:msgbox(1)",
)
ATTRIBUTES = (
    "href",
    "src",
    "data-src",
    "data-lazy-src",
    "srcset",
    "data-srcset",
    "class",
    "id",
    "title",
    "alt",
    "width",
    "height",
    "style",
    "onclick",
    "onerror",
    "onmouseover",
    "target",
    "rel",
)
CLASSES = (
    "sharedaddy",
    "jp-relatedposts",
    "category-newsletters tag-related-news",
    "figure-media",
    "entry-content",
    "adsbygoogle",
    "social-embed",
    "comments-area",
    "lazyload",
    "",
)


def text(max_size: int = 12) -> st.SearchStrategy[str]:
    return st.text(st.sampled_from(TEXT_CHARS), max_size=max_size)


def html_text() -> st.SearchStrategy[str]:
    # Mostly properly escaped text, sometimes raw (scraped HTML has both).
    return st.one_of(text().map(lambda s: html.escape(s, quote=False)), text())


@st.composite
def attribute(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(ATTRIBUTES))
    if name in ("href", "src", "data-src", "data-lazy-src"):
        value = draw(st.sampled_from(URLS))
    elif name in ("srcset", "data-srcset"):
        value = ", ".join(
            f"{draw(st.sampled_from(URLS))} {w}w" for w in draw(st.lists(st.integers(1, 2000), min_size=1, max_size=3))
        )
    elif name == "class":
        value = draw(st.sampled_from(CLASSES))
    elif name in ("width", "height"):
        value = draw(st.sampled_from(("1", "0", "300", "")))
    elif name.startswith("on"):
        value = "steal(document.cookie)"
    else:
        # No backtick in attribute values: segments pairs it with a later one as a code span and
        # leaves the tags between raw (xfail case sanitize-backtick-in-attribute).
        value = draw(text(8)).replace("`", "")
    return f' {name}="{html.escape(value)}"'


@dataclass
class Element:
    name: str
    attrs: str
    children: list[Element | str]

    def render(self, pretty: bool, depth: int = 0) -> str:
        if self.name in ("img", "br", "hr"):
            return f"<{self.name}{self.attrs}>"
        if not pretty:
            inner = "".join(c if isinstance(c, str) else c.render(False) for c in self.children)
            return f"<{self.name}{self.attrs}>{inner}</{self.name}>"
        pad = " " * (depth + 1)
        lines = [f"<{self.name}{self.attrs}>"]
        lines.extend(pad + (c if isinstance(c, str) else c.render(True, depth + 1)) for c in self.children)
        lines.append(" " * depth + f"</{self.name}>")
        return "\n".join(lines)


def element_tree() -> st.SearchStrategy[Element | str]:
    void = st.builds(
        Element,
        st.sampled_from(("img", "img", "br", "hr")),
        st.lists(attribute(), max_size=4).map("".join),
        st.just([]),
    )
    leaves: st.SearchStrategy[Element | str] = st.one_of(html_text(), void)

    def extend(children: st.SearchStrategy[Element | str]) -> st.SearchStrategy[Element | str]:
        names = st.sampled_from(INLINE_TAGS + BLOCK_TAGS + CONTAINERS + EXECUTABLE_OR_INERT)
        return st.builds(Element, names, st.lists(attribute(), max_size=3).map("".join), st.lists(children, max_size=4))

    return st.recursive(leaves, extend, max_leaves=12)


@st.composite
def html_fragment(draw: st.DrawFn) -> str:
    root = draw(element_tree())
    if isinstance(root, str):
        return root
    return root.render(pretty=draw(st.booleans()))


@st.composite
def markdown_chunk(draw: st.DrawFn) -> str:
    words = draw(text())
    kind = draw(
        st.sampled_from(
            ("para", "heading", "list", "emphasis", "link", "inline-html", "html-block", "comment", "code", "quote")
        )
    )
    if kind == "heading":
        return "#" * draw(st.integers(1, 3)) + " " + words
    if kind == "list":
        return draw(st.sampled_from(("- ", "* ", "1. ", "  * "))) + words
    if kind == "emphasis":
        return f"{draw(text(4))} *{words.strip() or 'x'}* and **{draw(text(4)).strip() or 'y'}** {draw(text(4))}"
    if kind == "link":
        return f"[{words.strip() or 'link'}](https://example.com/{draw(st.integers(0, 99))}) <https://x.y>"
    if kind == "inline-html":
        return f"{words} {draw(html_fragment())} {draw(text())}"
    if kind == "html-block":
        return draw(html_fragment())
    if kind == "comment":
        return draw(st.sampled_from(("<!--1628592840000-->", "<!--more-->")))
    if kind == "code":
        return f"```html\n{draw(html_fragment())}\n```"
    if kind == "quote":
        return "> " + words
    return words


YAML_VALUES = {
    "layout": ("post",),
    "title": (
        '"蔡奇主持北京防疫会议  要求严防死守"',
        "'It''s quoted: yes'",
        "Howdy!",
        '"a: b # not a comment"',
        '"Tips &amp; How-To\'s"',
        '""',
    ),
    "date": (
        "2021-08-10T04:47:59.333Z",
        "2021-08-10",
        "2007-05-27T08:05:29+00:00",
        "2021-08-10 04:47:59",
        "'2021-13-01'",
    ),
    "author": ("联合早报", "Sathya", "~", "null"),
    "from": (
        "https://www.zaobao.com/realtime/china/story20210810-1180209",
        "http://www.rfi.fr//cn/中国/x",
        "//example.org/a/b",
        "''",
    ),
    "tags": ("[ 联合早报 ]", "[a, 'b c', \"d\"]", "[]", "\n  - blog\n  - '*buntu'\n  - X"),
    "categories": ("[ 联合早报 ]", '\n  - News\n  - "Tips &amp; How-To\'s"'),
    "draft": ("no", "off", "y", "false"),
    "time": ("10:00", "1:02:03"),
    "url": ("/2007/05/27/hello-world-2/",),
    "note": ("|\n  two lines\n  of text", ">-\n  folded\n  text", "&anchor value"),
}


@st.composite
def yaml_front_matter(draw: st.DrawFn) -> str:
    keys = draw(st.lists(st.sampled_from(sorted(YAML_VALUES)), unique=True, max_size=len(YAML_VALUES)))
    lines = [f"{key}: {draw(st.sampled_from(YAML_VALUES[key]))}".replace(": \n", ":\n") for key in keys]
    trailing_blank = draw(st.sampled_from(("", "\n")))
    return "---\n" + "".join(line + "\n" for line in lines) + trailing_blank + "---\n"


TOML_FRONT_MATTER = (
    '+++\ntitle = "Notes"\ndate = 2018-10-14T09:30:00+02:00\ntags = ["a", "b"]\n'
    'from = "https://notes.example.net/x/"\n+++\n'
)


@st.composite
def post(draw: st.DrawFn) -> str:
    front = draw(st.one_of(st.just(""), yaml_front_matter(), st.just(TOML_FRONT_MATTER)))
    chunks = draw(st.lists(markdown_chunk(), max_size=6))
    separators = draw(st.lists(st.sampled_from(("\n", "\n\n", "\n\n\n")), min_size=len(chunks), max_size=len(chunks)))
    body = "".join(chunk + sep for chunk, sep in zip(chunks, separators, strict=True))
    if draw(st.booleans()):
        body = body.rstrip("\n")
    if not front:
        # A body that starts with <hr> becomes "---" on line 1, which reads as an unclosed front matter
        # (xfail test_hr_first_in_post_without_front_matter); start such posts with a word.
        body = "Intro.\n\n" + body
    text = front + body
    if draw(st.integers(0, 3)) == 0:
        text = text.replace("\n", "\r\n")
    if draw(st.integers(0, 5)) == 0:
        text = "\ufeff" + text
    return text


# --- the invariants -------------------------------------------------------------------------------


@given(post())
def test_clean_text_never_raises(source: str) -> None:
    result = clean_text(source)
    assert isinstance(result.text, str)
    assert result.changed == (result.text != source)


@given(post())
def test_clean_is_idempotent(source: str) -> None:
    once = clean_text(source).text
    assert clean_text(once).text == once


@given(post())
def test_front_matter_bytes_are_kept(source: str) -> None:
    before = split_post(source)
    after = split_post(clean_text(source).text)
    assert after.bom == before.bom
    assert after.front_matter == before.front_matter


@given(yaml_front_matter(), st.sampled_from(("\n", "\r\n")), html_fragment())
def test_odd_yaml_front_matter_kept_byte_for_byte(front: str, newline: str, fragment: str) -> None:
    front = front.replace("\n", newline)
    source = front + fragment + newline
    out = clean_text(source).text
    assert out.startswith(front)
    assert split_post(out).front_matter == front


HOSTILE_YAML = (
    "date: 2021-13-01",
    "a: 1\na: 2",
    'x: !!python/object/apply:os.system ["echo"]',
    "bad: [open",
    "just text",
    "- a\n- b",
    "a: &x [1]\nb: *x",
    "\t tab: indented",
    "from: 12",
    "from: [a, b]",
)


@given(st.lists(st.one_of(st.sampled_from(HOSTILE_YAML), text(20)), max_size=3), html_fragment())
def test_any_front_matter_is_kept_or_refused_with_a_post_error(lines: list[str], fragment: str) -> None:
    # a line "---" or "..." would close the front matter early; anything else stays inside it
    inner = [line for line in "\n".join(lines).split("\n") if line.rstrip(" \t") not in ("---", "...")]
    front = "---\n" + "".join(line + "\n" for line in inner) + "---\n"
    try:
        out = clean_text(front + fragment + "\n", path="odd.md").text
    except PostError as exc:
        assert str(exc).startswith("odd.md:")
        return
    assert out.startswith(front)


_RENDERER = MarkdownIt("commonmark")
_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
_BAD_SCHEME = re.compile(r"^(?:javascript|vbscript|data):", re.IGNORECASE)


def _tokens(tokens: list[Token]) -> list[Token]:
    flat: list[Token] = []
    for token in tokens:
        flat.append(token)
        flat.extend(_tokens(token.children or []))
    return flat


def _url_scheme_text(url: str) -> str:
    # Browsers ignore whitespace and control characters inside a scheme.
    return re.sub(r"[\x00-\x20]", "", html.unescape(url))


@given(post())
def test_nothing_executable_comes_out(source: str) -> None:
    out = clean_text(source).text
    body = split_post(out).body
    for token in _tokens(_RENDERER.parse(body)):
        if token.type in ("html_block", "html_inline"):
            assert "<script" not in token.content.lower(), token.content
            assert _HANDLER.search(token.content) is None, token.content
        for attr in ("href", "src"):
            value = token.attrGet(attr)
            if isinstance(value, str) and not (attr == "src" and value.startswith("data:image/")):
                assert _BAD_SCHEME.match(_url_scheme_text(value)) is None, value
    rendered = _RENDERER.render(body)
    if rendered.strip():
        tree = lxml.html.fromstring(f"<div>{rendered}</div>")
        assert not tree.xpath("//script")
        for element in tree.iter():
            for name, value in element.attrib.items():
                assert not name.lower().startswith("on"), (name, value)
                if name in ("href", "src"):
                    assert not re.match(r"^(?:javascript|vbscript):", _url_scheme_text(value), re.IGNORECASE)


@given(st.lists(html_fragment(), min_size=1, max_size=3))
def test_html_only_bodies_leave_no_script_handler_or_javascript_link(fragments: list[str]) -> None:
    out = clean_text("---\ntitle: t\n---\n" + "\n\n".join(fragments) + "\n").text
    # Judge what a renderer makes of it: markup shown inside a code span is escaped text there.
    lowered = MarkdownIt("commonmark").render(out).lower()
    assert re.search(r"<script", lowered) is None
    assert re.search(r"(?<![\\w])on[a-z]+\s*=\s*[\"']", lowered) is None
    assert re.search(r"\]\(\s*<?\s*(?:javascript|vbscript):", out.lower()) is None
