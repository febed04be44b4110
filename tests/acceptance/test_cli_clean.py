"""`postkit clean` end to end through Typer's CliRunner: modes, exit codes, safety and the cache.

Every test runs in its own folder with ``POSTKIT_CACHE_DIR`` pointing into it, so no test reads or
writes the user's cache. Posts are given by relative path from that folder so that what the command
prints (and rich wraps in tables) stays short. stdout and stderr are asserted apart: reports go to
stderr, diffs and JSON to stdout.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from faults import kill_the_worker_cleaning
from typer.testing import CliRunner, Result

import postkit.clean
from postkit import clean_text
from postkit.clean import CleanJob, unified_diff
from postkit.cli import app, run
from postkit.files import TEMP_MARKER
from postkit.pipeline import CleanResult, LostText

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

AD_POST = """\
---
layout: post
title: "An archived news post"
date: 2021-09-03 10:00:00 +0800
from: https://www.zaobao.com/x
---
<p>First paragraph of the story.</p>
<section id="imu"><div id="dfp-ad-imu1"></div></section>
<p>Second paragraph, with <a href="/news/y?utm_source=rss">a link</a>.</p>
"""
AD_CLEANED = """\
---
layout: post
title: "An archived news post"
date: 2021-09-03 10:00:00 +0800
from: https://www.zaobao.com/x
---
First paragraph of the story.

Second paragraph, with [a link](https://www.zaobao.com/news/y).
"""
CLEAN_POST = """\
---
title: Already clean
---
A clean *Markdown* post.

- one
- two
"""
UTM_POST = """\
---
title: With a tracking link
---
Read [the story](https://example.com/story?utm_source=rss&id=3) now.
"""
UTM_CLEANED = UTM_POST.replace("utm_source=rss&", "")
PAGE = """\
<!DOCTYPE html>
<html><head><title>A saved page</title><link rel="canonical" href="https://example.org/saved/"></head>
<body><article><p>Saved text.</p></article></body></html>
"""
OLD = 1_000_000_000  # an mtime in 2001, far from any the run could set
# SGR parameters that set a color: 30-39/40-49 (incl. 38/48 extended), 90-97/100-107.
COLOR_SGR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;[0-9;]*)?m")


@pytest.fixture(autouse=True)
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh working folder, the cache inside the test's tmp folder, plain wide output."""
    work = tmp_path / "site"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("POSTKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("COLUMNS", "200")
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    return work


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, ["clean", *args], catch_exceptions=False, env=env)


def write(path: str | Path, text: str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def three_posts() -> dict[str, Path]:
    return {
        "ad": write("posts/ad.md", AD_POST),
        "utm": write("posts/utm.md", UTM_POST),
        "clean": write("posts/clean.md", CLEAN_POST),
    }


def snapshot(root: str | Path) -> dict[str, bytes]:
    """Every file under ``root`` (hidden ones too) by relative path, with its bytes."""
    root = Path(root)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def temp_files(root: str | Path) -> list[str]:
    return [p.name for p in Path(root).rglob("*") if TEMP_MARKER in p.name]


def table_count(stderr: str, label: str) -> int:
    match = re.search(rf"{re.escape(label)}\s*│\s*(\d+)\s*│", stderr)
    assert match, f"no {label!r} row in:\n{stderr}"
    return int(match.group(1))


def as_json(result: Result) -> dict[str, object]:
    document = json.loads(result.stdout)
    assert isinstance(document, dict)
    return document


# --- modes and exit codes ---------------------------------------------------------------------------


def test_default_rewrites_changed_files_and_leaves_the_others_alone() -> None:
    posts = three_posts()
    result = invoke("posts", "--jobs", "1")
    assert result.exit_code == 0
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert "cleaned posts/ad.md" in lines
    assert "cleaned posts/utm.md" in lines
    assert "posts/clean.md" not in result.stderr  # unchanged files are named only with --verbose
    assert table_count(result.stderr, "files seen") == 3
    assert table_count(result.stderr, "files changed") == 2
    assert table_count(result.stderr, "files unchanged") == 1
    assert table_count(result.stderr, "ad slots removed") == 1
    assert table_count(result.stderr, "tracking parameters dropped") == 2
    assert posts["ad"].read_text(encoding="utf-8") == AD_CLEANED
    assert posts["utm"].read_text(encoding="utf-8") == UTM_CLEANED
    assert posts["clean"].read_bytes() == CLEAN_POST.encode()


def test_check_writes_nothing_and_lists_the_files_that_would_change() -> None:
    three_posts()
    before = snapshot("posts")
    result = invoke("posts", "--check", "--jobs", "1")
    assert result.exit_code == 1
    assert result.stdout == ""
    would = sorted(line for line in result.stderr.splitlines() if line.startswith("would clean "))
    assert would == ["would clean posts/ad.md", "would clean posts/utm.md"]
    assert table_count(result.stderr, "files would change") == 2
    assert snapshot("posts") == before


def test_check_exits_0_when_everything_is_clean() -> None:
    write("posts/clean.md", CLEAN_POST)
    write("posts/ad.md", AD_CLEANED)
    result = invoke("posts", "--check", "--no-cache")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "would clean" not in result.stderr
    assert table_count(result.stderr, "files would change") == 0
    assert table_count(result.stderr, "files unchanged") == 2


def test_diff_prints_a_unified_diff_on_stdout_and_writes_nothing() -> None:
    write("posts/ad.md", AD_POST)
    write("posts/clean.md", CLEAN_POST)
    before = snapshot("posts")
    result = invoke("posts", "--diff", "--jobs", "1")
    assert result.exit_code == 0
    assert result.stdout == unified_diff(AD_POST, AD_CLEANED, "posts/ad.md")
    lines = result.stdout.splitlines()
    assert lines[:2] == ["--- posts/ad.md\t(original)", "+++ posts/ad.md\t(cleaned)"]
    assert '-<section id="imu"><div id="dfp-ad-imu1"></div></section>' in lines
    assert "+Second paragraph, with [a link](https://www.zaobao.com/news/y)." in lines
    assert "clean.md" not in result.stdout
    assert "\x1b" not in result.stdout  # not a terminal: no color
    assert table_count(result.stderr, "files would change") == 1
    assert snapshot("posts") == before


def test_check_and_diff_together_show_the_diff_fail_and_write_nothing() -> None:
    """The CI idiom of black: `--check --diff` prints each change and exits 1 when any file would change."""
    three_posts()
    before = snapshot("posts")
    result = invoke("posts", "--check", "--diff", "--jobs", "1")
    assert result.exit_code == 1
    assert "+Second paragraph, with [a link](https://www.zaobao.com/news/y)." in result.stdout.splitlines()
    assert "--- posts/ad.md\t(original)" in result.stdout.splitlines()
    assert "would clean posts/ad.md" in result.stderr
    assert snapshot("posts") == before


def test_check_and_diff_together_pass_when_nothing_would_change() -> None:
    write("posts/clean.md", CLEAN_POST)
    result = invoke("posts", "--check", "--diff")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert table_count(result.stderr, "files would change") == 0


def test_diff_alone_exits_0_like_black() -> None:
    three_posts()
    result = invoke("posts", "--diff")
    assert result.exit_code == 0
    assert "+++ posts/ad.md\t(cleaned)" in result.stdout


def test_a_missing_path_is_a_usage_error_and_nothing_is_written() -> None:
    posts = three_posts()
    result = invoke("posts", "nope.md")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "nope.md: does not exist" in result.stderr
    assert posts["ad"].read_bytes() == AD_POST.encode()


def test_an_unknown_format_is_a_usage_error() -> None:
    three_posts()
    result = invoke("posts", "--format", "yaml")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "unknown format 'yaml'" in result.stderr


def test_an_unknown_config_key_exits_2_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    posts = three_posts()
    Path("postkit.toml").write_text('exclude = ["drafts"]\ncolour = "always"\n', encoding="utf-8")
    code = run(["clean", "posts"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert "postkit.toml: unknown key 'colour'; valid keys: " in captured.err
    assert "exclude" in captured.err
    assert posts["ad"].read_bytes() == AD_POST.encode()


def test_an_unknown_config_key_is_a_usage_error_in_the_app() -> None:
    three_posts()
    Path("postkit.toml").write_text('colour = "always"\n', encoding="utf-8")
    result = invoke("posts")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "postkit.toml: unknown key 'colour'; valid keys: " in result.stderr


def test_json_format_prints_one_document_on_stdout() -> None:
    three_posts()
    write("posts/bin.md", "---\ntitle: x\n---\na\x00b\n")
    result = invoke("posts", "--format", "json", "--jobs", "1")
    assert result.exit_code == 1
    assert result.stderr == ""
    document = as_json(result)
    assert document["mode"] == "write"
    assert document["files_seen"] == 4
    assert document["statuses"] == {"changed": 2, "failed": 1, "unchanged": 1}
    assert document["changed"] == ["posts/ad.md", "posts/utm.md"]
    counts = document["counts"]
    assert isinstance(counts, dict)
    assert counts["ad-slot"] == 1
    assert counts["tracking-param"] == 2
    assert counts["url-absolute"] == 1
    assert document["problems"] == [
        {
            "path": "posts/bin.md",
            "status": "failed",
            "line": 0,
            "message": "holds NUL bytes; it looks like a binary file, not a post",
            "lost": [],
        }
    ]


def test_quiet_prints_nothing_on_success() -> None:
    posts = three_posts()
    result = invoke("posts", "--quiet")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == ""
    assert posts["ad"].read_text(encoding="utf-8") == AD_CLEANED


def test_quiet_still_names_failures() -> None:
    write("posts/ad.md", AD_POST)
    write("posts/bin.md", "a\x00b\n")
    result = invoke("posts", "--quiet", "--jobs", "1")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "error: posts/bin.md: holds NUL bytes; it looks like a binary file, not a post\n"


def test_verbose_names_unchanged_and_cached_files() -> None:
    three_posts()
    first = invoke("posts", "--verbose", "--jobs", "1")
    assert first.exit_code == 0
    assert first.stdout == ""
    assert "unchanged posts/clean.md" in first.stderr.splitlines()
    assert "cleaned posts/ad.md" in first.stderr.splitlines()
    second = invoke("posts", "--verbose", "--jobs", "1")
    assert second.exit_code == 0
    assert sorted(line for line in second.stderr.splitlines() if line.startswith("cached ")) == [
        "cached posts/ad.md",
        "cached posts/clean.md",
        "cached posts/utm.md",
    ]


def test_no_color_is_respected_on_a_terminal() -> None:
    """FORCE_COLOR makes rich treat the runner's streams as a terminal, so color would show."""
    write("posts/ad.md", AD_POST)
    write("posts/bin.md", "a\x00b\n")
    colored = invoke("posts", "--diff", "--jobs", "1", env={"FORCE_COLOR": "1"})
    assert colored.exit_code == 1
    assert COLOR_SGR.search(colored.stdout)  # the control: a colored diff and a red error line
    assert COLOR_SGR.search(colored.stderr)
    plain = invoke("posts", "--diff", "--jobs", "1", env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert plain.exit_code == 1
    assert plain.stdout == unified_diff(AD_POST, AD_CLEANED, "posts/ad.md")
    assert not COLOR_SGR.search(plain.stderr)
    assert "error: posts/bin.md: holds NUL bytes" in plain.stderr


@pytest.mark.parametrize("jobs", ["2", "3"])
def test_worker_processes_give_the_same_files_and_report_as_one_process(jobs: str) -> None:
    for root in ("one", "many"):
        for i in range(12):
            post = (
                AD_POST.replace("First paragraph", f"Paragraph {i}")
                if i % 3 == 0
                else UTM_POST.replace("id=3", f"id={i}")
                if i % 3 == 1
                else CLEAN_POST + f"\nPost {i}.\n"
            )
            write(f"{root}/sub{i % 2}/{i:02d}.md", post)
        write(f"{root}/page.html", PAGE)
        write(f"{root}/bin.md", "a\x00b\n")
    single = invoke("one", "--jobs", "1", "--format", "json", "--no-cache")
    multi = invoke("many", "--jobs", jobs, "--format", "json", "--no-cache")
    assert (single.exit_code, multi.exit_code) == (1, 1)
    assert (single.stderr, multi.stderr) == ("", "")
    assert snapshot("one") == snapshot("many")
    one, many = as_json(single), as_json(multi)
    assert json.loads(json.dumps(many).replace('"many/', '"one/')) == one
    assert one["statuses"] == {"changed": 9, "failed": 1, "unchanged": 4}
    assert snapshot("one")["sub0/00.md"] == clean_text(AD_POST.replace("First paragraph", "Paragraph 0")).text.encode()


def test_include_and_exclude_choose_the_files() -> None:
    for name in ("a.md", "b.markdown", "drafts/c.md", "sub/drafts/d.md", "notes.txt"):
        write(f"posts/{name}", AD_POST)
    write("posts/page.html", PAGE)
    before = snapshot("posts")
    result = invoke("posts", "--include", "*.md", "--exclude", "drafts", "--format", "json")
    assert result.exit_code == 0
    assert as_json(result)["changed"] == ["posts/a.md"]
    after = snapshot("posts")
    assert after["a.md"] == AD_CLEANED.encode()
    assert {k: v for k, v in after.items() if k != "a.md"} == {k: v for k, v in before.items() if k != "a.md"}


def test_default_include_and_the_exclude_config_key() -> None:
    for name in ("a.md", "b.markdown", "drafts/c.md", "notes.txt"):
        write(f"posts/{name}", AD_POST)
    write("posts/page.html", PAGE)
    Path("postkit.toml").write_text('exclude = ["drafts"]\n', encoding="utf-8")
    result = invoke("posts", "--format", "json", "--no-cache")
    assert result.exit_code == 0
    assert as_json(result)["changed"] == ["posts/a.md", "posts/b.markdown", "posts/page.html"]
    after = snapshot("posts")
    assert after["drafts/c.md"] == AD_POST.encode()
    assert after["notes.txt"] == AD_POST.encode()
    assert after["page.html"].decode().startswith('---\ntitle: "A saved page"\nfrom: "https://example.org/saved/"\n')


def test_hidden_folders_and_git_are_skipped() -> None:
    for name in (".hidden/a.md", ".git/b.md", "sub/.cache/c.md", ".d.md"):
        write(f"posts/{name}", AD_POST)
    write("posts/sub/visible.md", AD_POST)
    before = snapshot("posts")
    result = invoke("posts", "--format", "json")
    assert result.exit_code == 0
    document = as_json(result)
    assert document["files_seen"] == 1
    assert document["changed"] == ["posts/sub/visible.md"]
    after = snapshot("posts")
    assert after.pop("sub/visible.md") == AD_CLEANED.encode()
    before.pop("sub/visible.md")
    assert after == before


def test_examples_are_clean_after_one_run(tmp_path: Path) -> None:
    examples = tmp_path / "examples"
    shutil.copytree(EXAMPLES, examples)
    before = invoke(str(examples), "--check", "--no-cache")
    assert before.exit_code == 1  # the examples are dirty to start with
    cleaned = invoke(str(examples))
    assert cleaned.exit_code == 0, cleaned.stderr
    # --no-cache: the cache holds what the first run wrote, so only a fresh look proves it is clean.
    fresh = invoke(str(examples), "--check", "--no-cache")
    assert fresh.exit_code == 0, fresh.stderr
    assert "would clean" not in fresh.stderr
    cached = invoke(str(examples), "--check", "--format", "json")
    assert cached.exit_code == 0
    assert as_json(cached)["statuses"] == {"cached": len(list(EXAMPLES.glob("*.md")))}
    assert (examples / "clean-markdown.md").read_bytes() == (EXAMPLES / "clean-markdown.md").read_bytes()


# --- never lose anything ----------------------------------------------------------------------------


def test_unchanged_files_keep_their_mtime() -> None:
    posts = three_posts()
    for path in posts.values():
        os.utime(path, (OLD, OLD))
    first = invoke("posts", "--jobs", "1")
    assert first.exit_code == 0
    assert posts["clean"].stat().st_mtime_ns == OLD * 10**9
    assert posts["ad"].stat().st_mtime_ns != OLD * 10**9  # the control: a rewritten file does get a new one
    for path in posts.values():
        os.utime(path, (OLD, OLD))
    for extra in ((), ("--no-cache",)):  # known clean from the cache, and read and found clean
        again = invoke("posts", "--jobs", "1", *extra)
        assert again.exit_code == 0
        assert {name: p.stat().st_mtime_ns for name, p in posts.items()} == dict.fromkeys(posts, OLD * 10**9)


def test_a_rewritten_file_keeps_its_permissions_and_is_replaced_whole() -> None:
    post = write("posts/ad.md", AD_POST)
    script = write("posts/run.md", UTM_POST)
    post.chmod(0o640)
    script.chmod(0o755)
    inode = post.stat().st_ino
    result = invoke("posts", "--jobs", "1")
    assert result.exit_code == 0
    assert post.read_text(encoding="utf-8") == AD_CLEANED
    assert stat.S_IMODE(post.stat().st_mode) == 0o640
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
    assert post.stat().st_ino != inode  # renamed over, not written in place
    assert temp_files("posts") == []


def test_a_read_only_file_is_reported_not_replaced() -> None:
    posts = three_posts()
    posts["ad"].chmod(0o444)
    result = invoke("posts", "--jobs", "1")
    assert result.exit_code == 1
    assert posts["ad"].read_bytes() == AD_POST.encode()
    assert posts["utm"].read_text(encoding="utf-8") == UTM_CLEANED
    assert "error: posts/ad.md: not written: the file is read-only; make it writable to clean it" in result.stderr
    assert table_count(result.stderr, "files failed") == 1


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_files_that_cannot_be_read_are_reported_and_the_rest_cleaned(jobs: str) -> None:
    posts = three_posts()
    gb = Path("posts/gb.md")
    gb.write_bytes("---\ntitle: 中文\n---\n<p>中文正文。</p>\n".encode("gb18030"))
    binary = Path("posts/bin.md")
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    write("posts/x.md/inside.md", UTM_POST)  # a folder named like a post is walked, not read
    result = invoke("posts", "--jobs", jobs)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert posts["ad"].read_text(encoding="utf-8") == AD_CLEANED
    assert posts["utm"].read_text(encoding="utf-8") == UTM_CLEANED
    assert Path("posts/x.md/inside.md").read_text(encoding="utf-8") == UTM_CLEANED
    assert gb.read_bytes() == "---\ntitle: 中文\n---\n<p>中文正文。</p>\n".encode("gb18030")
    assert binary.read_bytes() == b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    assert table_count(result.stderr, "files failed") == 2
    assert table_count(result.stderr, "files changed") == 3
    problems = result.stderr[result.stderr.index("Files not cleaned") :]
    rows = [line for line in problems.splitlines() if line.startswith("│")]
    assert re.match(r"│ posts/bin\.md\s*│\s*│ holds NUL bytes; it looks like a binary file, not a post", rows[0])
    assert re.match(
        r"│ posts/gb\.md\s*│\s*│ is not UTF-8 \(byte 0x[0-9a-f]{2} at offset \d+\); it looks like gb18030, "
        r"pass --encoding gb18030",
        rows[1],
    )


def test_a_post_in_another_encoding_is_written_back_in_it() -> None:
    original = "---\ntitle: 中文\n---\n<p>中文正文。</p>\n"
    gb = Path("posts/gb.md")
    gb.parent.mkdir()
    gb.write_bytes(original.encode("gb18030"))
    result = invoke("posts", "--encoding", "gb18030")
    assert result.exit_code == 0
    assert gb.read_bytes() == clean_text(original).text.encode("gb18030")
    assert gb.read_bytes() == "---\ntitle: 中文\n---\n中文正文。\n".encode("gb18030")


def _lose_a_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make verify report lost text for every changed post.

    The pipeline no longer loses text on any input we could construct (the golden cases that did
    are fixed), so the lost text is injected at the seam clean_file calls: ``clean_bytes``.
    """
    real = postkit.clean.clean_bytes

    def losing(data: bytes, name: str, job: CleanJob) -> CleanResult:
        result = real(data, name, job)
        if not result.changed:
            return result
        return dataclasses.replace(result, lost=(LostText(line=9, text="Second paragraph, with a link."),))

    monkeypatch.setattr(postkit.clean, "clean_bytes", losing)


def test_a_post_that_would_lose_text_is_not_written(monkeypatch: pytest.MonkeyPatch) -> None:
    posts = three_posts()
    os.utime(posts["ad"], (OLD, OLD))
    _lose_a_sentence(monkeypatch)
    result = invoke("posts", "--jobs", "1")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert posts["ad"].read_bytes() == AD_POST.encode()
    assert posts["ad"].stat().st_mtime_ns == OLD * 10**9
    assert posts["utm"].read_bytes() == UTM_POST.encode()
    assert (
        "skipped posts/ad.md:9: would lose text: Second paragraph, with a link. (use --force to write it)"
        in result.stderr.splitlines()
    )
    assert table_count(result.stderr, "files skipped (text would be lost)") == 2
    assert re.search(r"│ posts/ad\.md\s*│\s*9 │ would lose text: Second paragraph, with a link\.", result.stderr)

    report = invoke("posts", "--jobs", "1", "--format", "json")
    assert report.exit_code == 1
    problems = as_json(report)["problems"]
    assert isinstance(problems, list)
    assert problems[0] == {
        "path": "posts/ad.md",
        "status": "lost-text",
        "line": 9,
        "message": "would lose text: Second paragraph, with a link.",
        "lost": ["Second paragraph, with a link."],
    }


def test_force_writes_a_post_that_would_lose_text(monkeypatch: pytest.MonkeyPatch) -> None:
    posts = three_posts()
    _lose_a_sentence(monkeypatch)
    result = invoke("posts", "--jobs", "1", "--force", "--format", "json")
    assert result.exit_code == 0
    assert as_json(result)["statuses"] == {"changed": 2, "unchanged": 1}
    assert posts["ad"].read_text(encoding="utf-8") == AD_CLEANED


def test_no_temporary_files_are_left_after_a_run() -> None:
    for i in range(30):
        write(f"posts/{i % 3}/{i}.md", AD_POST.replace("First", f"Post {i}, first"))
    result = invoke("posts", "--jobs", "2", "--quiet")
    assert result.exit_code == 0
    assert temp_files("posts") == []
    assert all(
        p.read_text(encoding="utf-8").endswith("[a link](https://www.zaobao.com/news/y).\n")
        for p in Path("posts").rglob("*.md")
    )


def test_stale_temporary_files_of_a_dead_run_are_removed() -> None:
    posts = three_posts()
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    dead = int(finished.stdout)
    stale = write(f"posts/.ad.md{TEMP_MARKER}{dead}-0badc0de", AD_CLEANED[:40])
    live = write(f"posts/.utm.md{TEMP_MARKER}{os.getpid()}-feedf00d", "half written")
    other = write("posts/.ad.md.postkit-tmp-notes", "not one of ours")
    result = invoke("posts", "--jobs", "1")
    assert result.exit_code == 0
    assert not stale.exists()
    assert live.exists()  # its process (this one) is still running and the file is fresh
    assert other.exists()
    assert posts["ad"].read_text(encoding="utf-8") == AD_CLEANED


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_a_zombie_runs_temporary_files_are_removed() -> None:
    posts = three_posts()
    pid = os.fork()
    if pid == 0:  # the child: exit at once and stay a zombie until this test reaps it
        os._exit(0)
    try:
        stat_file = Path(f"/proc/{pid}/stat")
        while stat_file.read_text().rsplit(")", 1)[1].split()[0] != "Z":
            pass
        stale = write(f"posts/.ad.md{TEMP_MARKER}{pid}-0badc0de", AD_CLEANED[:40])
        result = invoke("posts", "--jobs", "1")
        assert result.exit_code == 0
        assert posts["ad"].read_text(encoding="utf-8") == AD_CLEANED
        assert not stale.exists()
    finally:
        os.waitpid(pid, 0)


# --- the cache ---------------------------------------------------------------------------------------


def test_a_second_run_finds_files_in_the_cache(cache_dir: Path) -> None:
    three_posts()
    first = invoke("posts", "--format", "json")
    assert first.exit_code == 0
    assert as_json(first)["statuses"] == {"changed": 2, "unchanged": 1}
    assert [p.name for p in cache_dir.iterdir()] != []
    second = invoke("posts", "--format", "json")
    assert second.exit_code == 0
    assert as_json(second)["statuses"] == {"cached": 3}
    write("posts/clean.md", CLEAN_POST + "\nAn edit.\n")
    third = invoke("posts", "--format", "json")
    assert as_json(third)["statuses"] == {"cached": 2, "unchanged": 1}


def test_check_and_diff_do_not_cache_what_they_did_not_write(cache_dir: Path) -> None:
    three_posts()
    assert invoke("posts", "--check").exit_code == 1
    again = invoke("posts", "--check", "--format", "json")
    assert again.exit_code == 1
    assert as_json(again)["statuses"] == {"cached": 1, "changed": 2}


def test_no_cache_neither_reads_nor_writes_it(cache_dir: Path) -> None:
    three_posts()
    first = invoke("posts", "--no-cache", "--format", "json")
    assert first.exit_code == 0
    assert not cache_dir.exists() or list(cache_dir.iterdir()) == []
    assert invoke("posts").exit_code == 0  # fills the cache
    stored = snapshot(cache_dir)
    assert stored
    again = invoke("posts", "--no-cache", "--format", "json")
    assert as_json(again)["statuses"] == {"unchanged": 3}
    assert snapshot(cache_dir) == stored


def test_editing_a_rule_pack_invalidates_the_cache() -> None:
    three_posts()
    assert invoke("posts").exit_code == 0
    rules = write("rules.txt", "! kind: promo\n##.sponsor-box\n")
    assert as_json(invoke("posts", "--rules", "rules.txt", "--format", "json"))["statuses"] == {"unchanged": 3}
    warm = invoke("posts", "--rules", "rules.txt", "--format", "json")
    assert as_json(warm)["statuses"] == {"cached": 3}
    rules.write_text("! kind: promo\n##.sponsor-box\n##.partner-box\n", encoding="utf-8")
    edited = invoke("posts", "--rules", "rules.txt", "--format", "json")
    assert edited.exit_code == 0
    assert as_json(edited)["statuses"] == {"unchanged": 3}
    without = invoke("posts", "--format", "json")  # each set of settings keeps its own entries
    assert as_json(without)["statuses"] == {"cached": 3}


def test_a_corrupted_cache_file_does_not_break_the_run(cache_dir: Path) -> None:
    posts = three_posts()
    assert invoke("posts").exit_code == 0
    (cache_file,) = cache_dir.glob("clean-*.txt")
    cache_file.write_bytes(b"\x00\xff garbage\n0123456789abcdef\n" + b"z" * 32 + b"\n\x89PNG" * 50)
    write("posts/utm.md", UTM_POST)
    result = invoke("posts", "--format", "json")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert as_json(result)["statuses"] == {"changed": 1, "unchanged": 2}
    assert posts["utm"].read_text(encoding="utf-8") == UTM_CLEANED
    assert as_json(invoke("posts", "--format", "json"))["statuses"] == {"cached": 3}


def test_a_cache_that_cannot_be_read_is_a_warning(cache_dir: Path) -> None:
    three_posts()
    assert invoke("posts").exit_code == 0
    (cache_file,) = cache_dir.glob("clean-*.txt")
    cache_file.unlink()
    cache_file.mkdir()  # reading and appending both fail
    result = invoke("posts", "--format", "json")
    assert result.exit_code == 0
    assert as_json(result)["statuses"] == {"unchanged": 3}
    assert "warning: cache not read: " in result.stderr
    assert "warning: cache not written: " in result.stderr


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_a_worker_that_dies_stops_the_run_with_a_clear_error_and_damages_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kill_the_worker_cleaning(monkeypatch, "7.md")
    Path("posts").mkdir()
    for number in range(40):
        Path(f"posts/{number}.md").write_text(UTM_POST, encoding="utf-8")
    result = invoke("posts", "--jobs", "2", "--no-cache")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "postkit: error: a worker process stopped (killed by SIGKILL) before it returned its results; "
        "the run stopped, and every file is either cleaned or as it was"
    )
    texts = {path.name: path.read_text(encoding="utf-8") for path in Path("posts").iterdir()}
    assert len(texts) == 40  # no temporary file left beside them
    assert set(texts.values()) <= {UTM_POST, UTM_CLEANED}
    assert texts["7.md"] == UTM_POST
    reported = {
        line.removeprefix("cleaned posts/") for line in result.stderr.splitlines() if line.startswith("cleaned ")
    }
    assert reported == {name for name, text in texts.items() if text == UTM_CLEANED}
