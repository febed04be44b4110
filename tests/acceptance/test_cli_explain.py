"""`postkit explain`: what cleaning removes from one post, rule by rule, without writing it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from postkit.cli import app

POST = """\
---
title: Ad slot and promo
from: https://www.zaobao.com/realtime/china/story1
---
<div><p>第一段。</p><section id="imu"><div id="dfp-ad-imu1"></div></section><p>第二段。</p>\
<a href="https://subscribe.sph.com.sg/promotions/x/?utm_source=zb"><img src="https://e.com/banner.jpg"></a>\
<div class="sharedaddy"><h3>Share this:</h3><a href="https://twitter.com/share">Twitter</a></div></div>
"""


@pytest.fixture
def post(tmp_path: Path) -> Path:
    path = tmp_path / "post.md"
    path.write_text(POST, encoding="utf-8")
    return path


def test_json_lists_each_removal_with_its_rule(post: Path) -> None:
    result = CliRunner().invoke(app, ["explain", str(post), "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert [(r["kind"], r["rule"]) for r in document["removals"]] == [
        ("ad-slot", "sites/zaobao.com.txt: zaobao.com,zaobao.com.sg##section#imu"),
        ("promo-link", "links.txt: ||subscribe.sph.com.sg/promotions/"),
        ("share-bar", "generic.txt: ##.sharedaddy"),
    ]
    assert document["removals"][2]["excerpt"] == "Share this: Twitter"
    assert document["removals"][2]["chars"] == len("Sharethis:Twitter")
    assert document["lost"] == []
    assert post.read_text(encoding="utf-8") == POST  # explain never writes


def test_table_names_rules_without_reading_them_as_markup(post: Path) -> None:
    result = CliRunner().invoke(app, ["explain", str(post)], catch_exceptions=False, env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "zaobao.com,zaobao.com.sg##section#imu" in result.stdout
    assert "generic.txt: ##.sharedaddy" in result.stdout
    assert "Share this: Twitter" in result.stdout


def test_clean_post_removes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "clean.md"
    path.write_text("---\ntitle: x\n---\nJust *Markdown*.\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["explain", str(path)], catch_exceptions=False)
    assert result.exit_code == 0
    assert "cleaning removes nothing" in result.stdout


def test_missing_file_exits_2_naming_it(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["explain", str(tmp_path / "nope.md")], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"postkit: {tmp_path / 'nope.md'}: does not exist\n"


def test_a_folder_names_the_command_for_folders(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["explain", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"postkit: {tmp_path}: is a folder; explain takes one file")
    assert "`postkit clean --diff`" in result.stderr
    assert "convert" not in result.stderr
