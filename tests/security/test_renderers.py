"""The renderer harness itself: each renderer reads a batch in order and the readers see what a reader sees."""

from __future__ import annotations

import pytest
from renderers import RENDERERS, RenderError, images, links, render_many, require, visible_text

DOCS = [
    '# Title\n\nSome *text* and [a link](https://example.com/a "t").\n',
    "![alt](https://example.com/i.png)\n\n> quoted\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\n",
]


@pytest.mark.parametrize("renderer", RENDERERS)
def test_renders_a_batch_in_order(renderer: str) -> None:
    require(renderer)
    out = render_many(DOCS, renderer)
    assert len(out) == 3
    assert visible_text(out[0]) == "Title Some text and a link."
    assert links(out[0]) == ["https://example.com/a"]
    assert images(out[1]) == ["https://example.com/i.png"]
    assert visible_text(out[1]) == "quoted"
    assert "<table" in out[2]


def test_kramdown_reads_attribute_lists() -> None:
    """The reason kramdown is in the harness: IALs write attributes that CommonMark renderers show as text."""
    require("kramdown")
    [html] = render_many(['# h\n{: title="x"}\n'], "kramdown")
    assert 'title="x"' in html


def test_goldmark_sets_aside_the_pages_hugo_refuses() -> None:
    require("goldmark")
    with pytest.raises(RenderError) as failed:
        render_many(["fine\n", "{{< no-such-shortcode >}}\n", "also fine\n"], "goldmark")
    assert set(failed.value.failures) == {1}
    assert [visible_text(h or "") for h in failed.value.partial] == ["fine", "", "also fine"]


def test_visible_text_leaves_out_scripts_styles_and_comments() -> None:
    assert visible_text("<p>a<!-- c --><script>x</script><style>y</style> b</p>") == "a b"
    assert visible_text("") == ""
