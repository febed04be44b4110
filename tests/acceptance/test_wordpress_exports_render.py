"""Broken WordPress exports render the same visible text before and after cleaning, in every real renderer.

A stray ``</ul>`` or ``</ol>``, the brackets of a ``[caption]`` shortcode, and the export's tags a
renderer shows inside a code block (pretty-printed markup CommonMark reads as indented code), all
shown as text, are the only things the output may drop.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from renderers import RENDERERS, render_many, require, visible_text

from postkit import clean_text, split_post

CASE_DIR = Path(__file__).parents[1] / "cases" / "pipeline"
CASES = sorted(
    p
    for p in CASE_DIR.glob("repair-wordpress-*.md")
    if not p.name.endswith(".expected.md") and not p.with_suffix(".xfail").exists()
)
_DROPPED = re.compile(r"</(?:ul|ol)>|\[caption\b[^\]]*\]|\[/caption\]")
_CODE_BLOCK = re.compile(r"<pre\b.*?</pre>", re.DOTALL)
_TAG_SHOWN = re.compile(r"&lt;/?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*?)?&gt;")


def words(html: str) -> list[str]:
    html = _CODE_BLOCK.sub(lambda block: _TAG_SHOWN.sub(" ", block.group(0)), html)
    return _DROPPED.sub(" ", visible_text(html)).split()


@pytest.mark.parametrize("renderer", RENDERERS)
def test_cleaning_keeps_what_the_source_renders(renderer: str) -> None:
    require(renderer)
    assert CASES
    sources = [case.read_text(encoding="utf-8") for case in CASES]
    bodies = [split_post(text).body for text in sources]
    cleaned = [split_post(clean_text(text).text).body for text in sources]
    rendered = render_many(bodies + cleaned, renderer)
    for case, before, after in zip(CASES, rendered[: len(CASES)], rendered[len(CASES) :], strict=True):
        assert words(after) == words(before), f"{case.name} with {renderer}"
