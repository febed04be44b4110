"""The sanitizer as a proof: the pipeline keeps its own tree when the sanitizer gives its input back.

The policy is enforced on the tree, the tree is written as the HTML5 serializer writes it, and
the sanitizer runs once on that text. When the text comes back unchanged the tree is converted
as it is; otherwise the sanitizer's output is parsed again. Both ways must give the same
Markdown as always parsing the sanitizer's output did.
"""

from __future__ import annotations

from pathlib import Path

import nh3
import pytest

import postkit.pipeline.fragment as pipeline
from postkit import CleanOptions, clean_text
from postkit.pipeline.html import parse_fragment, serialize_html
from postkit.pipeline.sanitize import Policy, enforce_policy, make_sanitizer

ROOT = Path(__file__).parents[2]
SOURCES = sorted(
    [p for p in (ROOT / "tests" / "cases" / "pipeline").glob("*.md") if not p.name.endswith(".expected.md")]
    + sorted((ROOT / "examples").glob("*.md"))
)


def test_serialization_is_the_form_nh3_writes() -> None:
    tree = parse_fragment(
        '<p>a &amp; b &lt;c&gt;\u00a0d "q"<br/><img src="x.png?a=1&amp;b=2" alt="&quot;x&quot; <y>"></p>'
    )
    serialized = serialize_html(tree)
    assert serialized == (
        '<p>a &amp; b &lt;c&gt;&nbsp;d "q"<br><img src="x.png?a=1&amp;b=2" alt="&quot;x&quot; &lt;y&gt;"></p>'
    )
    assert nh3.clean(serialized, tags={"p", "br", "img"}, attributes={"img": {"src", "alt"}}) == serialized


def test_serialization_refuses_nodes_without_a_plain_spelling() -> None:
    assert serialize_html(parse_fragment("<p>a<!-- note -->b</p>")) is None


@pytest.mark.parametrize(
    ("html", "kept"),
    [
        ('<a href="https://x.org/a" onclick="go()" class="btn">x</a>', {"href": "https://x.org/a"}),
        ('<a href="JavaScript:alert(1)">x</a>', {}),
        ('<a href=" java\tscript:alert(1)">x</a>', {}),
        ('<a href="/relative/path">x</a>', {"href": "/relative/path"}),
        ('<a href="mailto:me@x.org" title="t">x</a>', {"href": "mailto:me@x.org", "title": "t"}),
        ('<img src="data:image/png;base64,AAAA" alt="a">', {"alt": "a"}),
    ],
)
def test_enforce_policy_drops_what_the_policy_forbids(html: str, kept: dict[str, str]) -> None:
    tree = parse_fragment(html)
    enforce_policy(tree, Policy())
    [element] = tree.iter("a", "img")
    assert dict(element.attrib) == kept


def test_data_images_stay_where_the_policy_allows_them() -> None:
    tree = parse_fragment('<img src="data:image/png;base64,AAAA"><a href="data:text/html,x">x</a>')
    enforce_policy(tree, Policy(allow_data_images=True))
    assert [dict(element.attrib) for element in tree.iter("img", "a")] == [{"src": "data:image/png;base64,AAAA"}, {}]


@pytest.mark.parametrize("sanitizer", ["nh3", "bleach"])
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_same_markdown_as_parsing_the_sanitizer_output(
    source: Path, sanitizer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = source.read_bytes().decode("utf-8")
    options = CleanOptions(sanitizer=sanitizer)
    kept_tree = clean_text(text, options).text

    sanitize = make_sanitizer(sanitizer)

    def always_reparse(tree: object, tools: object) -> object:
        enforce_policy(tree, Policy())  # type: ignore[arg-type]
        return parse_fragment(sanitize(pipeline._serialize(tree)))  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "_sanitized_tree", always_reparse)
    assert kept_tree == clean_text(text, options).text


def test_a_tree_the_sanitizer_changes_is_parsed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    parses: list[str] = []
    real = pipeline.parse_fragment
    monkeypatch.setattr(pipeline, "parse_fragment", lambda html: parses.append(html) or real(html))
    # html5ever drops the newline that opens a <pre>: the serialization does not come back as it went
    result = clean_text("<div><pre>\n\nline one\nline two</pre></div>\n")
    assert "line one\nline two" in result.text
    assert len(parses) == 2


def test_a_clean_tree_is_not_parsed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    parses: list[str] = []
    real = pipeline.parse_fragment
    monkeypatch.setattr(pipeline, "parse_fragment", lambda html: parses.append(html) or real(html))
    result = clean_text('<p>Some <strong>bold</strong> words and <a href="https://x.org/">a link</a>.</p>\n')
    assert result.text == "Some **bold** words and [a link](https://x.org/).\n"
    assert len(parses) == 1
