"""Exit codes, flags and help the same way in every command (issue #11): through Typer's CliRunner,
exit code, stdout and stderr asserted apart."""

from __future__ import annotations

import dataclasses
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

import postkit.clean
from postkit.clean import CleanJob
from postkit.cli import _progress, app
from postkit.pipeline import CleanResult, LostText

AD_POST = """\
---
title: An archived news post
from: https://www.zaobao.com/x
---
<p>First paragraph of the story.</p>
<section id="imu"><div id="dfp-ad-imu1"></div></section>
"""
CLEAN_POST = "---\ntitle: Clean\n---\nA clean post.\n"
LONG_URL = "https://example.com/" + "a-very-long-segment/" * 12 + "story?utm_source=rss&id=3"


@pytest.fixture(autouse=True)
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = tmp_path / "site"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("POSTKIT_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("NO_COLOR", "FORCE_COLOR", "GITHUB_ACTIONS", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)
    return work


def invoke(*args: str, env: dict[str, str | None] | None = None, stdin: str | None = None) -> Result:
    return CliRunner().invoke(app, list(args), catch_exceptions=False, env=env, input=stdin)


def write(path: str, text: str) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


# --- a missing path exits 2 in every command, naming it -------------------------------------


@pytest.mark.parametrize("command", ["clean", "validate", "convert", "explain"])
def test_a_missing_path_exits_2_naming_it(command: str) -> None:
    result = invoke(command, "posts/nope.md")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "postkit: posts/nope.md: does not exist\n"


@pytest.mark.parametrize("command", ["clean", "validate"])
def test_a_missing_path_among_real_ones_exits_2_and_nothing_is_written(command: str) -> None:
    post = write("posts/ad.md", AD_POST)
    result = invoke(command, "posts", "gone")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "postkit: gone: does not exist\n"
    assert post.read_text(encoding="utf-8") == AD_POST


def test_convert_of_a_folder_names_clean() -> None:
    Path("posts").mkdir()
    result = invoke("convert", "posts")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("postkit: posts: is a folder; convert takes one file (`postkit clean`")


# --- convert exits 1 when its output loses text ------------------------------------------------


def _lose_a_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    real = postkit.clean.clean_bytes

    def losing(data: bytes, name: str, job: CleanJob) -> CleanResult:
        return dataclasses.replace(real(data, name, job), lost=(LostText(line=5, text="First paragraph"),))

    monkeypatch.setattr(postkit.clean, "clean_bytes", losing)


def test_convert_exits_1_when_the_output_loses_text(monkeypatch: pytest.MonkeyPatch) -> None:
    write("ad.md", AD_POST)
    _lose_a_sentence(monkeypatch)
    result = invoke("convert", "ad.md")
    assert result.exit_code == 1
    assert result.stdout.startswith("---\ntitle: An archived news post\n")
    assert result.stderr == "postkit: ad.md:5: error: text lost in conversion: First paragraph\n"


def test_convert_exits_0_when_nothing_is_lost() -> None:
    write("ad.md", AD_POST)
    result = invoke("convert", "ad.md")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.endswith("First paragraph of the story.\n")


# --- -q still says why a file was skipped or failed ---------------------------------------------


def test_quiet_names_skipped_and_failed_files_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    write("posts/ad.md", AD_POST)
    write("posts/bin.md", "a\x00b\n")
    write("posts/clean.md", CLEAN_POST)
    _lose_a_sentence(monkeypatch)
    result = invoke("clean", "posts", "-q", "--jobs", "1")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert sorted(result.stderr.splitlines()) == [
        "error: posts/bin.md: holds NUL bytes; it looks like a binary file, not a post",
        "skipped posts/ad.md:5: would lose text: First paragraph (use --force to write it)",
    ]


def test_quiet_prints_nothing_for_a_run_that_went_well() -> None:
    write("posts/ad.md", AD_POST)
    result = invoke("clean", "posts", "-q")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


# --- --jobs: postkit's own message --------------------------------------------------------------


@pytest.mark.parametrize("command", ["clean", "validate"])
@pytest.mark.parametrize("value", ["0", "x", "-1", "1.5", ""])
def test_jobs_must_be_a_positive_whole_number(command: str, value: str) -> None:
    write("posts/a.md", CLEAN_POST)
    result = invoke(command, "posts", "--jobs", value)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"postkit: --jobs takes a whole number of worker processes, 1 or more, not {value!r} "
        "(leave it out to use all cores)\n"
    )
    assert "pydantic" not in result.stderr and "Input should be" not in result.stderr


def test_jobs_one_runs() -> None:
    write("posts/a.md", CLEAN_POST)
    assert invoke("validate", "posts", "-j", "1").exit_code == 0


# --- help: metavars, not Python types; NO_COLOR --------------------------------------------------


@pytest.mark.parametrize("command", ["clean", "validate", "convert", "explain", "rules"])
def test_help_shows_metavars_not_python_types(command: str) -> None:
    result = invoke(command, "--help", env={"COLUMNS": "160"})
    assert result.exit_code == 0
    assert not re.search(r"<(bool|int|str|Path|list\[[^>]*\])>", result.stdout), result.stdout


def test_clean_help_names_its_values() -> None:
    text = invoke("clean", "--help", env={"COLUMNS": "160"}).stdout
    assert re.search(r"Usage: postkit clean \[OPTIONS\] \{PATH\}\.\.\.", text)
    assert re.search(r"--jobs\s+-j\s+N\s", text)
    assert re.search(r"--include\s+GLOB\s", text)
    assert re.search(r"--config\s+FILE\s", text)
    assert re.search(r"\*\s+PATH\s+Posts and folders", text)


def test_top_level_help_shows_no_types() -> None:
    text = invoke("--help", env={"COLUMNS": "160"}).stdout
    assert "<bool>" not in text
    assert "--version" in text


def _help_in_a_process(env: dict[str, str]) -> str:
    clean_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "GITHUB_ACTIONS")}
    finished = subprocess.run(
        [sys.executable, "-m", "postkit", "clean", "--help"],
        capture_output=True,
        text=True,
        env={**clean_env, **env},
        check=True,
    )
    return finished.stdout


def test_no_color_also_covers_help() -> None:
    assert "\x1b[" in _help_in_a_process({"FORCE_COLOR": "1"})  # the test can fail: colour is there without it
    assert "\x1b[" not in _help_in_a_process({"FORCE_COLOR": "1", "NO_COLOR": "1"})


# --- concise format and never a cut path or URL ----------------------------------------------------


def test_concise_is_one_line_per_problem_with_whole_urls() -> None:
    folder = "posts/" + "a-long-folder-name/" * 6
    write(folder + "2021-01-01-a.md", f"---\ntitle: A\n---\nRead [it]({LONG_URL}).\n")
    result = invoke("validate", "posts", "--format", "concise", env={"COLUMNS": "60"})
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"{folder}2021-01-01-a.md:4:11: PK203 link carries the tracking parameter utm_source: {LONG_URL}",
        "Checked 1 file: 0 errors, 1 warning",
    ]
    assert "…" not in result.stdout


@pytest.mark.parametrize("name", ["table", "concise", "github", "json", "sarif"])
def test_no_format_cuts_a_url_or_a_path(name: str) -> None:
    folder = "posts/" + "a-long-folder-name/" * 6
    write(folder + "2021-01-01-a.md", f"---\ntitle: A\n---\nRead [it]({LONG_URL}).\n")
    result = invoke("validate", "posts", "--format", name, env={"COLUMNS": "80"})
    assert "…" not in result.stdout
    if name == "table":  # folded across the message cell's lines: every piece is there, in order
        cells = "".join(line.split("│")[4].strip() for line in result.stdout.splitlines() if line.startswith("│"))
        assert LONG_URL in cells
        return
    flat = re.sub(r"[\s│]+", "", result.stdout).replace("%2F", "/")
    assert re.sub(r"\s+", "", LONG_URL).replace("&", "") in flat.replace("&", "").replace("\\u0026", "")
    assert (folder + "2021-01-01-a.md").replace("/", "") in flat.replace("/", "")


def test_the_table_honours_columns_when_piped() -> None:
    write("posts/2021-01-01-a.md", f"---\ntitle: A\n---\nRead [it]({LONG_URL}).\n")
    narrow = invoke("validate", "posts", "--format", "table", env={"COLUMNS": "70"}).stdout
    wide = invoke("validate", "posts", "--format", "table", env={"COLUMNS": "200"}).stdout
    assert max(len(line) for line in narrow.splitlines()) <= 70
    assert max(len(line) for line in wide.splitlines()) > 120


def test_clean_tables_never_cut_a_path(monkeypatch: pytest.MonkeyPatch) -> None:
    folder = "posts/" + "a-long-folder-name/" * 5
    write(folder + "bin.md", "a\x00b\n")
    result = invoke("clean", "posts", "--jobs", "1", env={"COLUMNS": "60"})
    assert result.exit_code == 1
    assert "…" not in result.stderr
    assert f"error: {folder}bin.md: holds NUL bytes" in result.stderr


# --- progress on a terminal only ------------------------------------------------------------------


def test_the_progress_bar_draws_on_a_terminal_and_not_elsewhere() -> None:
    terminal = io.StringIO()
    with _progress(Console(file=terminal, force_terminal=True, width=80), 20, "checking", enabled=True) as advance:
        for _ in range(20):
            advance()
    assert "checking" in terminal.getvalue()
    piped = io.StringIO()
    with _progress(Console(file=piped, force_terminal=False), 20, "checking", enabled=True) as advance:
        advance()
    assert piped.getvalue() == ""


def test_validate_reports_each_file_checked_to_the_caller() -> None:
    from postkit.config import load_config
    from postkit.validate import validate_paths

    for i in range(3):
        write(f"posts/2021-01-0{i + 1}-p.md", f"---\ntitle: P{i}\n---\nText {i}.\n")
    run = validate_paths([Path("posts")], load_config([Path("posts")]))
    seen: list[int] = []
    run.on_file = lambda: seen.append(1)
    assert list(run) == []
    assert len(seen) == 3


# --- convert honours the config file ----------------------------------------------------------------


def test_convert_reads_the_config_file() -> None:
    write("postkit.toml", 'source-url-key = "origin"\n')
    write("posts/a.md", '---\ntitle: A\norigin: https://news.example.com/a/\n---\n<p><a href="/b">B</a></p>\n')
    result = invoke("convert", "posts/a.md")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.endswith("[B](https://news.example.com/b)\n")


def test_convert_refuses_a_bad_config_file_with_exit_2() -> None:
    write("postkit.toml", 'sanitizer = "nope"\n')
    write("posts/a.md", "---\ntitle: A\n---\n<p>x</p>\n")
    result = invoke("convert", "posts/a.md")
    assert (result.exit_code, result.stdout) == (2, "")
    assert "'sanitizer' must be one of nh3, bleach, not 'nope'" in result.stderr
    assert "postkit.toml" in result.stderr
