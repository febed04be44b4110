"""Three sites written as their generators write them pass `postkit validate` with the preset schemas (issue #11).

``sites/jekyll-import`` is a WordPress blog exported by jekyll-import (author as a mapping,
categories as a string or a list, dates with fractions and time zones, ``meta:`` tables);
``sites/jekyll`` a hand-written Jekyll site; ``sites/hugo`` a Hugo site (YAML and TOML front
matter, ``draft: "false"`` as a string, a taxonomy given as one string), checked with the
``hugo`` preset its ``postkit.toml`` names. Build output is added in the copy, where a run must
not look.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from postkit.cli import app

SITES = Path(__file__).parent / "sites"
BUILT = '<html><body><p>Built output, not a post</p><div class="sharedaddy">Share</div></body></html>\n'


@pytest.fixture
def copy_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    monkeypatch.setenv("POSTKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(SITES / name, target)
        monkeypatch.chdir(target)
        return target

    return copy


def validate_json(*args: str) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(app, ["validate", "--format", "json", *args], catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout), result.stderr


def codes(report: dict[str, Any]) -> list[str]:
    problems = report["problems"]
    return sorted({problem["code"] for problem in problems})


def test_a_jekyll_import_wordpress_export_passes(copy_site: Callable[[str], Path]) -> None:
    copy_site("jekyll-import")
    code, report, stderr = validate_json("_posts")
    assert (code, stderr) == (0, "")
    assert report["files_checked"] == 3
    assert report["summary"] == {"errors": 0, "warnings": 2}
    assert codes(report) == ["PK207"]  # the importer's HTML bodies: `postkit clean` converts them


def test_a_jekyll_site_passes_and_its_build_output_is_not_read(copy_site: Callable[[str], Path]) -> None:
    site = copy_site("jekyll")
    built = site / "_site" / "2021" / "08" / "10" / "welcome.html"
    built.parent.mkdir(parents=True)
    built.write_text(BUILT, encoding="utf-8")
    (site / "vendor" / "bundle").mkdir(parents=True)
    (site / "vendor" / "bundle" / "README.md").write_text("# a gem\n", encoding="utf-8")
    code, report, stderr = validate_json("_posts")
    assert (code, stderr) == (0, "")
    assert report["files_checked"] == 3
    assert report["summary"] == {"errors": 0, "warnings": 0}  # /assets/cover.png is the site's own file
    code, report, _ = validate_json(".")
    assert all("_site" not in p["path"] and "vendor" not in p["path"] for p in report["problems"])


def test_a_hugo_site_passes_with_the_preset_its_config_names(copy_site: Callable[[str], Path]) -> None:
    site = copy_site("hugo")
    built = site / "public" / "posts" / "hello" / "index.html"
    built.parent.mkdir(parents=True)
    built.write_text(BUILT, encoding="utf-8")
    code, report, stderr = validate_json("content")
    assert (code, stderr) == (0, "")
    assert report["files_checked"] == 4
    assert report["summary"] == {"errors": 0, "warnings": 1}
    assert codes(report) == ["PK208"]  # the home page's _index.md has no body of its own
    # /images/river.png in hello.md is static/images/river.png: the site's own, so no PK206
    code, report, _ = validate_json(".", "--select", "PK1")
    assert report["files_checked"] == 4  # public/ (Hugo's build output) is not read
