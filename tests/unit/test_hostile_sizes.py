"""Input shaped to exhaust the stack or the clock: deep nesting, unclosed tags, wide pages.

No timing assertions here (benchmarks measure time); each case must finish without an
exception and keep its words.
"""

from __future__ import annotations

import pytest
from lxml import etree

from postkit import clean_text
from postkit.pipeline.html import _FEW_TAGS, MAX_DEPTH, flatten_deep_nesting, parse_fragment

FRONT = "---\ntitle: deep\n---\n"


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000])
def test_deeply_nested_blocks_keep_their_text(depth: int) -> None:
    result = clean_text(FRONT + "<div>" * depth + "deep text" + "</div>" * depth + "\n")
    assert result.text == FRONT + "deep text\n"
    assert result.lost == ()


def test_deeply_nested_inline_html_in_a_paragraph() -> None:
    result = clean_text(FRONT + "before " + "<span>" * 900 + "inside" + "</span>" * 900 + " after\n")
    assert result.text == FRONT + "before inside after\n"


def test_unclosed_nested_tags_repeated() -> None:
    result = clean_text(FRONT + "<div><p><b><i>word " * 2_000 + "\n")
    assert result.text.count("word") == 2_000
    assert clean_text(result.text).text == result.text


def test_flattening_keeps_text_and_images_in_order() -> None:
    tree = parse_fragment("<div>" * 3 + "a<b>b<img src='x.png'>c</b>d" + "</div>" * 3)
    assert flatten_deep_nesting(tree, 4) == 1  # html, body, div, div: the second div is at the limit
    inner = list(tree.iter("div"))[1]
    assert inner.text == "ab"
    assert [(child.tag, child.get("src"), child.tail) for child in inner] == [("img", "x.png", "cd")]


@pytest.mark.parametrize(
    "open_one",
    ["<div>", "<b>", "<table><tr><td>", "<ul><li>", "<p>x<span>", "<dl><dd>", "<blockquote><p>", "<html><body><div>"],
)
def test_a_fragment_with_few_tags_is_not_deep_enough_to_flatten(open_one: str) -> None:
    # parse_fragment skips the flattening below _FEW_TAGS tags: the deepest nesting so few can
    # build (implied elements included) must stay short of the limit; a bound raised past it fails
    repeats = (_FEW_TAGS - 1) // open_one.count("<")
    html = "text " + open_one * repeats + "deep"
    assert html.count("<") < _FEW_TAGS
    tree = parse_fragment(html)
    deepest = max(len(list(element.iterancestors())) + 1 for element in tree.iter())
    assert deepest < MAX_DEPTH
    assert flatten_deep_nesting(tree, MAX_DEPTH) == 0
    assert "".join(tree.itertext()).endswith("deep")


def test_a_page_deeper_than_libxml2_builds_keeps_what_follows_the_deep_part() -> None:
    # libxml2 stops building a tree at 256 levels and drops the rest of the page
    deep = (
        "<!-- kept -->" + "<div>" * 300 + "deep <b>text</b><img src='x.png'><script>code()</script>"
        "<template><p>inert</p></template><!-- gone -->" + "</div>" * 300
    )
    tree = parse_fragment(deep + "<p>after</p>")
    assert "".join(tree.itertext()) == "deep textafter"
    assert [comment.text for comment in tree.iter(etree.Comment)] == [" kept "]  # past the limit only text stays
    assert [image.get("src") for image in tree.iter("img")] == ["x.png"]
    # html is at 1: what lies past the limit is the image, kept in the element at the limit
    assert [element.tag for element in tree.iter() if len(list(element.iterancestors())) >= MAX_DEPTH] == ["img"]


def test_many_siblings() -> None:
    result = clean_text(FRONT + "<div>" + "<p>w</p>" * 5_000 + "</div>\n")
    assert result.text.count("w\n") == 5_000
