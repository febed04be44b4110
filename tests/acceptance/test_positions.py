"""clean, explain and validate place the same element at the same line and column."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from postkit import clean_text
from postkit.cli import app

ROOT = Path(__file__).parents[2]
# a one-line news fragment (every tag on one line) and a pretty-printed page (one tag a line)
POSTS = [
    ROOT / "examples" / name for name in ("2021-09-03-news-archive-zaobao.md", "2019-05-09-pretty-printed-page.md")
]
# the element rules (ad slots, share bars, related posts, comments...): found at the opening tag
_CONCISE = re.compile(r"^.*?:(\d+):(\d+): (PK201|PK21\d|PK22\d) .*\(rule (.+)\)$")


@pytest.mark.parametrize("source", POSTS, ids=[p.stem for p in POSTS])
def test_a_cruft_element_has_one_place(source: Path, tmp_path: Path) -> None:
    post = tmp_path / source.name
    post.write_bytes(source.read_bytes())
    runner = CliRunner()

    validated = runner.invoke(app, ["validate", str(post), "--format", "concise"], catch_exceptions=False)
    by_validate = {
        match.group(4): (int(match.group(1)), int(match.group(2)))
        for line in validated.stdout.splitlines()
        if (match := _CONCISE.match(line))
    }
    assert by_validate, validated.stdout  # the example holds ad slots

    explained = runner.invoke(app, ["explain", str(post), "--format", "json"], catch_exceptions=False)
    by_explain = {
        r["rule"]: (r["line"], r["column"])
        for r in json.loads(explained.stdout)["removals"]
        if r["rule"] in by_validate
    }

    cleaned = clean_text(post.read_text(encoding="utf-8"), path=str(post))
    by_clean = {r.rule: (r.line, r.column) for r in cleaned.removals if r.rule in by_validate}

    assert by_clean == by_explain == by_validate
    text = post.read_text(encoding="utf-8").split("\n")
    for line, column in by_clean.values():  # and the place is the element's opening tag
        assert text[line - 1][column - 1] == "<"
