"""`postkit convert` end to end through Typer's CliRunner: exit code, stdout and stderr apart.

This Typer vendors click and its CliRunner always keeps stderr apart from stdout (there is no
``mix_stderr``); ``Result.stdout``/``stderr`` turn CRLF into LF, so exact bytes are read from
``stdout_bytes``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner, Result

from postkit import __version__
from postkit.cli import app, run

SITE_HTML = (
    '<div><p>First <b>HTML</b> paragraph with <a href="/world/story-0?utm_source=rss&amp;id=7">a link</a>.</p>'
    '<section id="imu"><div id="dfp-ad-imu1"></div></section>'
    '<div class="sharedaddy"><a href="https://news.example.com/?share=twitter">Share</a></div></div>'
)
POST = f"""\
---
layout: post
title: "A small archived post"
date: 2021-08-10T04:47:59.333Z
from: https://news.example.com/world/story-1
tags: [ 示例 ]
---
<!--1628592840000-->
Intro in *Markdown*.

{SITE_HTML}
"""
BODY = """\
<!--1628592840000-->
Intro in *Markdown*.

First **HTML** paragraph with [a link](https://news.example.com/world/story-0?id=7).
"""
FRONT = POST[: POST.index("<!--")]
CLEANED = FRONT + BODY

PAGE = """\
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>A saved page</title>
<link rel="canonical" href="https://example.org/2020/saved-page/"><script>var tracker = 1;</script></head>
<body><article><h2>Saved section</h2><p>Text with <a href="/about/?utm_source=x">a relative link</a>.</p>
<img src="/img/pic.jpg" alt="Pic"></article></body></html>
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str, stdin: str | bytes | None = None) -> Result:
    return runner.invoke(app, list(args), input=stdin, catch_exceptions=False)


@pytest.fixture
def post_file(tmp_path: Path) -> Path:
    path = tmp_path / "2021-08-10-post.md"
    path.write_text(POST, encoding="utf-8")
    return path


def test_file_to_stdout(runner: CliRunner, post_file: Path) -> None:
    result = invoke(runner, "convert", str(post_file))
    assert result.exit_code == 0
    assert result.stdout == CLEANED
    assert result.stderr == ""
    assert post_file.read_text(encoding="utf-8") == POST  # convert never writes its input


def test_stdin_dash(runner: CliRunner) -> None:
    result = invoke(runner, "convert", "-", stdin=POST.encode("utf-8"))
    assert result.exit_code == 0
    assert result.stdout == CLEANED
    assert result.stderr == ""


def test_output_file(runner: CliRunner, post_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "clean.md"
    out.parent.mkdir()
    result = invoke(runner, "convert", str(post_file), "-o", str(out))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == ""
    assert out.read_bytes() == CLEANED.encode("utf-8")


def test_output_file_keeps_crlf_bom_and_missing_final_newline(runner: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "crlf.md"
    source.write_bytes(b"\xef\xbb\xbf---\r\ntitle: x\r\n---\r\nText.\r\n\r\n<p>An <b>HTML</b> end.</p>")
    out = tmp_path / "crlf.out.md"
    result = invoke(runner, "convert", str(source), "--output", str(out))
    assert result.exit_code == 0
    assert (result.stdout, result.stderr) == ("", "")
    assert out.read_bytes() == b"\xef\xbb\xbf---\r\ntitle: x\r\n---\r\nText.\r\n\r\nAn **HTML** end."


def test_body_only(runner: CliRunner, post_file: Path) -> None:
    result = invoke(runner, "convert", "--body-only", str(post_file))
    assert result.exit_code == 0
    assert result.stdout == BODY
    assert "layout: post" not in result.stdout
    assert result.stderr == ""


def test_html_page_title_becomes_front_matter(runner: CliRunner, tmp_path: Path) -> None:
    page = tmp_path / "saved.html"
    page.write_text(PAGE, encoding="utf-8")
    result = invoke(runner, "convert", str(page))
    assert result.exit_code == 0
    assert result.stdout == (
        '---\ntitle: "A saved page"\nfrom: "https://example.org/2020/saved-page/"\n---\n'
        "## Saved section\n\n"
        "Text with [a relative link](https://example.org/about/).\n\n"
        "![Pic](https://example.org/img/pic.jpg)\n"
    )
    assert "tracker" not in result.stdout


def test_html_page_converts_without_warnings(runner: CliRunner, tmp_path: Path) -> None:
    page = tmp_path / "saved.html"
    page.write_text(PAGE, encoding="utf-8")
    result = invoke(runner, "convert", str(page))
    assert result.exit_code == 0
    assert result.stderr == ""


def test_missing_file_is_one_line_on_stderr(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-post.md"
    result = invoke(runner, "convert", str(missing))
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert str(missing) in lines[0]
    assert "Traceback" not in result.stderr


def test_folder_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    result = invoke(runner, "convert", str(tmp_path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert str(tmp_path) in result.stderr
    assert "folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_not_utf8_names_the_encoding(runner: CliRunner, tmp_path: Path) -> None:
    post = tmp_path / "gb.md"
    post.write_bytes("<p>中文正文</p>\n".encode("gb18030"))
    result = invoke(runner, "convert", str(post))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert str(post) in result.stderr and "--encoding gb18030" in result.stderr
    ok = invoke(runner, "convert", "--encoding", "gb18030", str(post))
    assert (ok.exit_code, ok.stdout, ok.stderr) == (0, "中文正文\n", "")


def test_bad_sanitizer_is_a_usage_error_in_the_app(runner: CliRunner, post_file: Path) -> None:
    result = invoke(runner, "convert", "--sanitizer", "nope", str(post_file))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "nope" in result.stderr


def test_bad_sanitizer_exits_2(post_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["convert", "--sanitizer", "nope", str(post_file)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1
    assert "'sanitizer' must be one of nh3, bleach, not 'nope'" in captured.err
    assert "nh3" in captured.err


def test_bleach_sanitizer_gives_the_same_post(runner: CliRunner, post_file: Path) -> None:
    pytest.importorskip("bleach")
    result = invoke(runner, "convert", "--sanitizer", "bleach", str(post_file))
    assert (result.exit_code, result.stdout, result.stderr) == (0, CLEANED, "")


def test_version(runner: CliRunner) -> None:
    result = invoke(runner, "--version")
    assert result.exit_code == 0
    assert result.stdout == f"postkit {__version__}\n"
    assert result.stderr == ""


def test_help_lists_commands_with_descriptions(runner: CliRunner) -> None:
    result = invoke(runner, "--help")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert "Usage: postkit" in result.stdout
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    commands = group.commands
    assert "convert" in commands
    for name, command in commands.items():
        summary = command.get_short_help_str(limit=40).split()[0]
        assert re.search(rf"\b{re.escape(name)}\s+{re.escape(summary)}", result.stdout), name


def test_convert_help_names_its_options(runner: CliRunner) -> None:
    result = invoke(runner, "convert", "--help")
    assert result.exit_code == 0
    for option in ("--output", "-o", "--body-only", "--sanitizer", "FILE|-"):
        assert option in result.stdout


def test_run_returns_the_exit_code(post_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["convert", str(post_file)]) == 0
    assert capsys.readouterr().out == CLEANED
    assert run(["convert", str(post_file.with_name("missing.md"))]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing.md" in err
