"""Broken WordPress exports render the same visible text before and after cleaning, in every real renderer.

A stray ``</ul>`` or ``</ol>`` and the brackets of a ``[caption]`` shortcode, which a renderer shows
as text, are the only things the output may drop.
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


def words(html: str) -> list[str]:
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
