"""clean: clean_file's outcomes one by one, the run summary's exit codes, the diff and run_clean."""

from __future__ import annotations

import dataclasses
import errno
import os
import pickle
import re
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

import postkit.clean
from postkit.clean import (
    CleanJob,
    FileOutcome,
    Mode,
    RunSummary,
    Status,
    clean_file,
    clean_files,
    job_from_config,
    run_clean,
    unified_diff,
)
from postkit.config import load_config
from postkit.errors import PostError
from postkit.files import TEMP_MARKER, StagedWrite, content_hash
from postkit.pipeline import CleanOptions, CleanResult, LostText
from postkit.site_urls import SiteUrls

DIRTY = """\
---
title: "A news post"
from: https://www.zaobao.com/x
---
<p>First paragraph.</p>
<section id="imu"><div id="dfp-ad-imu1"></div></section>
<p>Second paragraph, <a href="/y?utm_source=rss&amp;id=2">linked</a>.</p>
"""
DIRTY_CLEANED = """\
---
title: "A news post"
from: https://www.zaobao.com/x
---
First paragraph.

Second paragraph, [linked](https://www.zaobao.com/y?id=2).
"""
CLEAN = "---\ntitle: Clean\n---\nAlready *clean*.\n"
WRITE = CleanJob(options=CleanOptions())


def post(tmp_path: Path, text: str, name: str = "post.md") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


# --- Mode and Status ---------------------------------------------------------------------------------


def test_modes_and_statuses_are_the_words_reports_use() -> None:
    assert [m.value for m in Mode] == ["write", "check", "diff"]
    assert Mode("check") is Mode.CHECK
    assert [s.value for s in Status] == ["changed", "unchanged", "cached", "lost-text", "failed"]
    assert Status("lost-text") is Status.LOST_TEXT
    assert Status.CACHED == "cached"  # a str enum: JSON and Counter keys take it as is


# --- clean_file ---------------------------------------------------------------------------------------


def test_write_mode_replaces_a_dirty_file_and_knows_the_new_hash(tmp_path: Path) -> None:
    path = post(tmp_path, DIRTY)
    outcome = clean_file(path, WRITE)
    assert outcome.status is Status.CHANGED
    assert outcome.path == str(path)
    assert path.read_text(encoding="utf-8") == DIRTY_CLEANED
    assert outcome.clean_hashes == (content_hash(DIRTY_CLEANED.encode()),)
    assert dict(outcome.counts) == {"ad-slot": 1, "html-span": 1, "tracking-param": 1, "url-absolute": 1}
    assert outcome.diff == ""
    assert outcome.removals == ()  # kept only when explaining
    assert [p.name for p in tmp_path.iterdir()] == ["post.md"]


@pytest.mark.parametrize("mode", [Mode.CHECK, Mode.DIFF])
def test_check_and_diff_modes_never_write(tmp_path: Path, mode: Mode) -> None:
    path = post(tmp_path, DIRTY)
    outcome = clean_file(path, CleanJob(options=CleanOptions(), mode=mode))
    assert outcome.status is Status.CHANGED
    assert path.read_bytes() == DIRTY.encode()
    assert outcome.clean_hashes == ()  # nothing was written, so nothing new is known clean
    expected_diff = unified_diff(DIRTY, DIRTY_CLEANED, str(path)) if mode is Mode.DIFF else ""
    assert outcome.diff == expected_diff


def test_an_unchanged_file_is_not_written_and_its_hash_is_known_clean(tmp_path: Path) -> None:
    path = post(tmp_path, CLEAN)
    os.utime(path, (1_000_000_000, 1_000_000_000))
    outcome = clean_file(path, WRITE)
    assert outcome == FileOutcome(str(path), Status.UNCHANGED, clean_hashes=(content_hash(CLEAN.encode()),))
    assert path.stat().st_mtime_ns == 1_000_000_000 * 10**9


def test_a_known_clean_file_is_cached_without_cleaning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = post(tmp_path, DIRTY)  # the cache says clean: it is trusted, not re-checked

    def never(*args: object) -> CleanResult:
        raise AssertionError("a cached file was cleaned")

    monkeypatch.setattr(postkit.clean, "clean_bytes", never)
    job = dataclasses.replace(WRITE, known_clean=frozenset({content_hash(DIRTY.encode())}))
    assert clean_file(path, job) == FileOutcome(str(path), Status.CACHED)
    assert path.read_bytes() == DIRTY.encode()


def test_explain_looks_past_the_cache_and_keeps_removals(tmp_path: Path) -> None:
    path = post(tmp_path, DIRTY)
    job = CleanJob(
        options=CleanOptions(), mode=Mode.CHECK, explain=True, known_clean=frozenset({content_hash(DIRTY.encode())})
    )
    outcome = clean_file(path, job)
    assert outcome.status is Status.CHANGED
    assert [r.kind for r in outcome.removals] == ["ad-slot"]


def test_an_html_page_becomes_a_post(tmp_path: Path) -> None:
    path = post(tmp_path, "<html><head><title>Saved</title></head><body><p>Body text.</p></body></html>\n", "page.html")
    outcome = clean_file(path, WRITE)
    assert outcome.status is Status.CHANGED
    assert path.read_text(encoding="utf-8") == '---\ntitle: "Saved"\n---\nBody text.\n'


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "gone.md", "vanished before it could be read"),
        (lambda d: (d / "x.md").mkdir() or d / "x.md", "is a folder"),
        (
            lambda d: (d / "b.md").write_bytes(b"GIF89a\x00\x01") and d / "b.md",
            "holds NUL bytes; it looks like a binary file, not a post",
        ),
        (
            lambda d: (d / "g.md").write_bytes("<p>中文</p>\n".encode("gb18030")) and d / "g.md",
            "is not UTF-8 (byte 0xd6 at offset 3); it looks like gb18030, pass --encoding gb18030",
        ),
        (
            lambda d: (d / "u.md").write_bytes("\ufefftext".encode("utf-16")) and d / "u.md",
            "is UTF-16 (it starts with a UTF-16 byte-order mark); pass --encoding utf-16",
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_a_failure_not_an_exception(tmp_path: Path, make: object, message: str) -> None:
    assert callable(make)
    path = make(tmp_path)
    outcome = clean_file(path, WRITE)
    assert outcome == FileOutcome(str(path), Status.FAILED, message)


def test_a_file_over_the_size_limit_is_a_failure(tmp_path: Path) -> None:
    path = post(tmp_path, DIRTY)
    outcome = clean_file(path, dataclasses.replace(WRITE, max_file_size=100))
    assert outcome.status is Status.FAILED
    assert outcome.message == "is larger than max-file-size (100 bytes); raise the limit to clean it"
    assert path.read_bytes() == DIRTY.encode()
    assert clean_file(path, dataclasses.replace(WRITE, max_file_size=len(DIRTY))).status is Status.CHANGED


def test_a_file_that_grew_after_its_size_was_read_is_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from postkit import post as post_module

    path = post(tmp_path, DIRTY + "<p>" + "more words " * 20_000 + "</p>\n")  # past one step of reading
    real_fstat = os.fstat
    monkeypatch.setattr(post_module.os, "fstat", lambda fd: os.stat_result((*real_fstat(fd)[:6], 10, 0, 0, 0)))
    assert post_module.read_bytes(str(path), 10_000_000) == path.read_bytes()
    with pytest.raises(PostError, match=r"is larger than max-file-size \(100,000 bytes\)"):
        post_module.read_bytes(str(path), 100_000)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_file_that_never_ends_is_read_only_to_the_size_limit() -> None:
    from postkit.post import read_bytes

    with pytest.raises(PostError, match=r"/dev/zero: is larger than max-file-size \(1,000,000 bytes\)"):
        read_bytes("/dev/zero", 1_000_000)


def test_a_read_only_file_is_a_failure_and_kept(tmp_path: Path) -> None:
    path = post(tmp_path, DIRTY)
    path.chmod(0o444)
    outcome = clean_file(path, WRITE)
    assert outcome.status is Status.FAILED
    assert outcome.message == "not written: the file is read-only; make it writable to clean it"
    assert path.read_bytes() == DIRTY.encode()


def test_a_post_in_another_encoding_is_written_back_in_it(tmp_path: Path) -> None:
    path = tmp_path / "gb.md"
    path.write_bytes("<p>中文正文。</p>\n".encode("gb18030"))
    outcome = clean_file(path, dataclasses.replace(WRITE, encoding="gb18030"))
    assert outcome.status is Status.CHANGED
    assert path.read_bytes() == "中文正文。\n".encode("gb18030")
    assert outcome.clean_hashes == (content_hash("中文正文。\n".encode("gb18030")),)


def test_text_the_encoding_cannot_hold_is_a_failure(tmp_path: Path) -> None:
    path = tmp_path / "latin.md"
    path.write_bytes("<p>Caf\xe9 &mdash; open</p>\n".encode("latin-1"))
    outcome = clean_file(path, dataclasses.replace(WRITE, encoding="latin-1"))
    assert outcome.status is Status.FAILED
    assert outcome.message.startswith("cleaned text cannot be written back as latin-1: ")
    assert path.read_bytes() == "<p>Caf\xe9 &mdash; open</p>\n".encode("latin-1")


def losing(text: str = "Second paragraph, linked.") -> object:
    real = postkit.clean.clean_bytes

    def clean_bytes(data: bytes, name: str, job: CleanJob) -> CleanResult:
        return dataclasses.replace(real(data, name, job), lost=(LostText(7, text), LostText(9, "more")))

    return clean_bytes


def test_lost_text_keeps_the_file_and_names_the_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No input the pipeline loses text on is known any more; the verify result is injected.
    monkeypatch.setattr(postkit.clean, "clean_bytes", losing())
    path = post(tmp_path, DIRTY)
    outcome = clean_file(path, WRITE)
    assert outcome.status is Status.LOST_TEXT
    assert (outcome.line, outcome.message) == (7, "would lose text: Second paragraph, linked.")
    assert outcome.lost == (LostText(7, "Second paragraph, linked."), LostText(9, "more"))
    assert outcome.clean_hashes == ()
    assert path.read_bytes() == DIRTY.encode()


def test_force_writes_despite_lost_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postkit.clean, "clean_bytes", losing())
    path = post(tmp_path, DIRTY)
    outcome = clean_file(path, dataclasses.replace(WRITE, force=True))
    assert outcome.status is Status.CHANGED
    assert len(outcome.lost) == 2  # still carried, for a report to show
    assert path.read_text(encoding="utf-8") == DIRTY_CLEANED


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (RecursionError, "HTML nested too deeply to convert"),
        (MemoryError, "too large to convert in memory; lower max-file-size"),
    ],
)
def test_converter_exhaustion_is_a_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: type[BaseException], message: str
) -> None:
    def exhausted(*args: object) -> CleanResult:
        raise error

    monkeypatch.setattr(postkit.clean, "clean_bytes", exhausted)
    path = post(tmp_path, DIRTY)
    assert clean_file(path, WRITE) == FileOutcome(str(path), Status.FAILED, message)


def test_a_parse_error_carries_its_line(tmp_path: Path) -> None:
    path = post(tmp_path, "---\ntitle: [unclosed\n---\n<p>x</p>\n")
    outcome = clean_file(path, WRITE)
    assert outcome.status is Status.FAILED
    assert outcome.line == 3
    assert outcome.message.startswith("front matter is not valid YAML: ")
    assert path.read_bytes() == b"---\ntitle: [unclosed\n---\n<p>x</p>\n"


def test_job_from_config_carries_the_settings(tmp_path: Path) -> None:
    rules = tmp_path / "rules.txt"
    rules.write_text("##.promo\n", encoding="utf-8")
    config = load_config([tmp_path], None, {"encoding": "gb18030", "rules": [str(rules)], "sanitizer": "bleach"})
    job = job_from_config(config, Mode.CHECK, force=True, known_clean=frozenset({"a" * 32}), roots=[tmp_path])
    assert job.mode is Mode.CHECK
    assert job.force is True
    assert job.encoding == "gb18030"
    assert job.max_file_size == 10_485_760
    assert job.roots == (str(tmp_path),)
    assert job.known_clean == frozenset({"a" * 32})
    assert job.options == CleanOptions(
        source_url_key="from",
        sanitizer="bleach",
        rule_files=(str(rules),),
        markdown="kramdown",  # the default jekyll schema: Jekyll renders with kramdown
        site=SiteUrls(static_roots=(config.project_root,)),
    )  # the root serves files


# --- unified_diff -------------------------------------------------------------------------------------


def test_unified_diff_names_both_sides_and_marks_lines_without_newline() -> None:
    diff = unified_diff("keep\nold", "keep\nnew", "p.md")
    assert diff == (
        "--- p.md\t(original)\n"
        "+++ p.md\t(cleaned)\n"
        "@@ -1,2 +1,2 @@\n"
        " keep\n"
        "-old\n"
        "\\ No newline at end of file\n"
        "+new\n"
        "\\ No newline at end of file\n"
    )


def test_unified_diff_marks_only_the_side_that_lacks_the_newline() -> None:
    diff = unified_diff("a\nb\n", "a\nb", "p.md")
    assert diff.endswith("-b\n+b\n\\ No newline at end of file\n")
    assert diff.count("No newline") == 1


def apply_patch(old: str, diff: str) -> str:
    """Apply a unified diff of one file the way patch does: hunk by hunk, checking every old line."""
    source = old.splitlines(keepends=True)
    out: list[str] = []
    cursor = 0
    lines = diff.splitlines(keepends=True)[2:]
    for i, line in enumerate(lines):
        hunk = re.match(r"@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@", line)
        if hunk:
            start = int(hunk.group(1)) - 1
            out.extend(source[cursor:start])
            cursor = start
        elif line.startswith("\\"):
            out[-1] = out[-1].removesuffix("\n") if lines[i - 1][0] in " +" else out[-1]
        elif line[0] in " -":
            assert source[cursor].rstrip("\n") == line[1:].rstrip("\n"), (cursor, line)
            cursor += 1
            if line[0] == " ":
                out.append(line[1:])
        else:
            out.append(line[1:])
    out.extend(source[cursor:])
    return "".join(out)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (DIRTY, DIRTY_CLEANED),
        ("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n", "a\nB\nc\nd\ne\nf\ng\nh\nI\nj"),
        ("one\ntwo", "one\ntwo\n"),
    ],
)
def test_unified_diff_applies_back_to_the_cleaned_text(old: str, new: str) -> None:
    diff = unified_diff(old, new, "p.md")
    assert diff.count("No newline") == (not old.endswith("\n")) + (not new.endswith("\n"))
    assert apply_patch(old, diff) == new
    assert unified_diff(old, old, "p.md") == ""


# --- RunSummary ---------------------------------------------------------------------------------------


def summary_of(*statuses: Status) -> RunSummary:
    summary = RunSummary()
    for i, status in enumerate(statuses):
        summary.add(FileOutcome(f"{i}.md", status, counts=(("ad-slot", 1),) if status is Status.CHANGED else ()))
    return summary


@pytest.mark.parametrize(
    ("statuses", "write", "check", "diff"),
    [
        ((), 0, 0, 0),
        ((Status.UNCHANGED, Status.CACHED), 0, 0, 0),
        ((Status.CHANGED, Status.UNCHANGED), 0, 1, 0),
        ((Status.FAILED,), 1, 1, 1),
        ((Status.LOST_TEXT, Status.CACHED), 1, 1, 1),
        ((Status.CHANGED, Status.FAILED), 1, 1, 1),
    ],
)
def test_exit_code_by_mode(statuses: tuple[Status, ...], write: int, check: int, diff: int) -> None:
    summary = summary_of(*statuses)
    assert (summary.exit_code(Mode.WRITE), summary.exit_code(Mode.CHECK), summary.exit_code(Mode.DIFF)) == (
        write,
        check,
        diff,
    )


def test_summary_counts_and_keeps_only_what_it_must() -> None:
    summary = summary_of(
        Status.CHANGED, Status.UNCHANGED, Status.CACHED, Status.FAILED, Status.LOST_TEXT, Status.CHANGED
    )
    assert summary.seen == 6
    assert summary.statuses == Counter({"changed": 2, "unchanged": 1, "cached": 1, "failed": 1, "lost-text": 1})
    assert (summary.changed, summary.failed) == (2, 1)
    assert summary.counts == Counter({"ad-slot": 2})
    assert summary.changed_paths == ["0.md", "5.md"]
    assert [(o.path, o.status) for o in summary.problems] == [("3.md", Status.FAILED), ("4.md", Status.LOST_TEXT)]


# --- run_clean ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("jobs", [1, 2])
def test_run_clean_gives_one_outcome_per_file(tmp_path: Path, jobs: int) -> None:
    paths = [post(tmp_path, DIRTY.replace("First", f"Number {i}"), f"{i}.md") for i in range(10)]
    paths.append(post(tmp_path, CLEAN, "clean.md"))
    paths.append(post(tmp_path, "a\x00", "bin.md"))
    outcomes = list(run_clean(iter(paths), WRITE, jobs))
    assert sorted(o.path for o in outcomes) == sorted(str(p) for p in paths)
    assert Counter(o.status for o in outcomes) == Counter({Status.CHANGED: 10, Status.UNCHANGED: 1, Status.FAILED: 1})
    assert (tmp_path / "3.md").read_text(encoding="utf-8") == DIRTY_CLEANED.replace("First", "Number 3")
    assert not [p for p in tmp_path.iterdir() if TEMP_MARKER in p.name]


def test_a_worker_stages_a_batch_that_the_parent_commits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = [post(tmp_path, DIRTY.replace("First", f"Number {i}"), f"{i}.md") for i in range(3)]
    paths.append(post(tmp_path, CLEAN, "clean.md"))
    monkeypatch.setattr(postkit.clean, "_JOB", WRITE)
    number, steps = postkit.clean._stage_in_worker((7, paths))
    assert number == 7
    staged = [step.staged for step in steps if isinstance(step, postkit.clean._PendingWrite)]
    # closed in the worker, kept on disk, the originals untouched until the parent commits
    assert [write.descriptor for write in staged] == [-1, -1, -1]
    assert all(write.temp.exists() for write in staged)
    assert [p.read_text(encoding="utf-8") for p in paths[:3]] == [
        DIRTY.replace("First", f"Number {i}") for i in range(3)
    ]
    received = pickle.loads(pickle.dumps(steps))  # as the pool carries them to the parent
    assert [o.path for o in postkit.clean._commit_in_order(received)] == [str(p) for p in paths]
    assert [o.status for o in received] == [Status.CHANGED] * 3 + [Status.UNCHANGED]
    assert [p.read_text(encoding="utf-8") for p in paths[:3]] == [
        DIRTY_CLEANED.replace("First", f"Number {i}") for i in range(3)
    ]
    assert not [p for p in tmp_path.iterdir() if TEMP_MARKER in p.name]


@pytest.mark.parametrize("stop_at", [3, 10])
def test_a_run_with_workers_interrupted_while_committing_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop_at: int
) -> None:
    real_commit = postkit.clean._commit_in_order
    batches: list[int] = []

    def staged_files() -> int:
        return len([p for p in tmp_path.iterdir() if TEMP_MARKER in p.name])

    def interrupted(steps: list[object]) -> Iterator[object]:
        batches.append(len(steps))
        if len(batches) == stop_at:
            # At the third batch, first let the workers stage all they are handed (eight batches in
            # flight, this one among them) and wait idle: what they staged is the parent's to remove.
            deadline = time.monotonic() + 20
            while stop_at == 3 and staged_files() < 16 * 8 and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.2)
            raise KeyboardInterrupt
        yield from real_commit(steps)  # type: ignore[arg-type]

    monkeypatch.setattr(postkit.clean, "_commit_in_order", interrupted)
    originals = [DIRTY.replace("First", f"Number {i}") for i in range(160)]
    paths = [post(tmp_path, text, f"{i}.md") for i, text in enumerate(originals)]  # ten batches of 16
    with pytest.raises(KeyboardInterrupt):
        for _ in run_clean(iter(paths), WRITE, 2):
            pass
    # staged by the workers and not committed: being committed, or never taken back; all removed
    assert staged_files() == 0
    texts = [p.read_text(encoding="utf-8") for p in paths]
    cleaned = [i for i, text in enumerate(texts) if text != originals[i]]
    assert len(cleaned) == 16 * (stop_at - 1)  # the batches committed, whichever they were
    assert all(texts[i] == DIRTY_CLEANED.replace("First", f"Number {i}") for i in cleaned)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_run_stopped_between_two_renames_has_reported_exactly_the_files_it_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    real_replace = os.replace

    def replace(source: str, target: str) -> None:
        if Path(target).name == "21.md":  # the sixth file of the second batch (16 a batch)
            raise KeyboardInterrupt
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    originals = [DIRTY.replace("First", f"Number {i}") for i in range(40)]
    paths = [post(tmp_path, text, f"{i:02d}.md") for i, text in enumerate(originals)]
    reported: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        reported.extend(Path(outcome.path).name for outcome in run_clean(iter(paths), WRITE, workers))
    written = [i for i, (p, text) in enumerate(zip(paths, originals, strict=True)) if p.read_text("utf-8") != text]
    # of the batch being renamed, its first five; of the others (in whatever order the workers
    # gave them back), whole batches or nothing
    assert [i for i in written if 16 <= i < 32] == [16, 17, 18, 19, 20]
    for i in written:
        if not 16 <= i < 32:
            assert set(range(i // 16 * 16, min(i // 16 * 16 + 16, 40))) <= set(written)
    assert sorted(reported) == [f"{i:02d}.md" for i in written]  # each file written, and only those, reported
    assert not [p for p in tmp_path.iterdir() if TEMP_MARKER in p.name]


# --- clean_files: a batch staged in temporary files, flushed once, then renamed file by file ----------


def test_clean_files_gives_outcomes_in_order_once_every_file_is_written(tmp_path: Path) -> None:
    paths = [post(tmp_path, DIRTY.replace("First", f"Number {i}"), f"{i}.md") for i in range(5)]
    paths.insert(2, post(tmp_path, CLEAN, "clean.md"))
    outcomes = clean_files(paths, WRITE)
    assert [o.path for o in outcomes] == [str(p) for p in paths]
    assert [o.status for o in outcomes] == [Status.CHANGED] * 2 + [Status.UNCHANGED] + [Status.CHANGED] * 3
    for i in range(5):
        written = (tmp_path / f"{i}.md").read_bytes()
        assert written.decode("utf-8") == DIRTY_CLEANED.replace("First", f"Number {i}")
    assert outcomes[0].clean_hashes == (content_hash((tmp_path / "0.md").read_bytes()),)
    assert (tmp_path / "clean.md").read_text(encoding="utf-8") == CLEAN
    assert not [p for p in tmp_path.iterdir() if TEMP_MARKER in p.name]


def test_a_batch_is_flushed_once_then_every_file_fsynced_before_the_first_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_flush, real_fsync, real_replace = postkit.clean.flush_writes, os.fsync, os.replace

    def flush(staged: list[StagedWrite]) -> None:
        events.append(f"flush {len(staged)}")
        real_flush(staged)

    def fsync(descriptor: int) -> None:
        events.append("fsync")
        real_fsync(descriptor)

    def replace(source: str, target: str) -> None:
        events.append(f"rename {Path(target).name}")
        real_replace(source, target)

    monkeypatch.setattr(postkit.clean, "flush_writes", flush)
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    paths = [post(tmp_path, DIRTY.replace("First", f"Number {i}"), f"{i}.md") for i in range(3)]
    paths.insert(1, post(tmp_path, CLEAN, "clean.md"))
    clean_files(paths, WRITE)
    # nothing is renamed before every file of the batch is cleaned and staged
    assert events == ["flush 3", "fsync", "fsync", "fsync", "rename 0.md", "rename 1.md", "rename 2.md"]


def _interrupt_cleaning(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Ctrl-C as the file ``name`` is being cleaned."""
    real_clean = postkit.clean.clean_bytes

    def interrupted(data: bytes, path: str, job: CleanJob) -> CleanResult:
        if Path(path).name == name:
            raise KeyboardInterrupt
        return real_clean(data, path, job)

    monkeypatch.setattr(postkit.clean, "clean_bytes", interrupted)


def test_an_interrupted_batch_leaves_every_original_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _interrupt_cleaning(monkeypatch, "2.md")
    paths = [post(tmp_path, DIRTY.replace("First", f"Number {i}"), f"{i}.md") for i in range(4)]
    with pytest.raises(KeyboardInterrupt):
        clean_files(paths, WRITE)
    assert [p.read_text(encoding="utf-8") for p in paths] == [DIRTY.replace("First", f"Number {i}") for i in range(4)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0.md", "1.md", "2.md", "3.md"]


def test_an_interrupt_while_renaming_keeps_what_is_renamed_and_removes_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_replace = os.replace

    def replace(source: str, target: str) -> None:
        if Path(target).name == "1.md":
            raise KeyboardInterrupt
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    paths = [post(tmp_path, DIRTY.replace("First", f"Number {i}"), f"{i}.md") for i in range(3)]
    with pytest.raises(KeyboardInterrupt):
        clean_files(paths, WRITE)
    assert paths[0].read_text(encoding="utf-8") == DIRTY_CLEANED.replace("First", "Number 0")
    assert [p.read_text(encoding="utf-8") for p in paths[1:]] == [DIRTY.replace("First", f"Number {i}") for i in (1, 2)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0.md", "1.md", "2.md"]


@pytest.mark.skipif(
    os.name == "nt" or (hasattr(os, "geteuid") and os.geteuid() == 0), reason="needs POSIX modes as non-root"
)
def test_a_file_that_cannot_be_written_fails_alone_in_its_batch(tmp_path: Path) -> None:
    paths = [post(tmp_path, DIRTY.replace("First", f"Number {i}"), f"{i}.md") for i in range(3)]
    paths[1].chmod(0o444)
    outcomes = clean_files(paths, WRITE)
    assert [o.status for o in outcomes] == [Status.CHANGED, Status.FAILED, Status.CHANGED]
    assert "read-only" in outcomes[1].message
    assert paths[1].read_text(encoding="utf-8") == DIRTY.replace("First", "Number 1")
    assert paths[2].read_text(encoding="utf-8") == DIRTY_CLEANED.replace("First", "Number 2")


def test_a_failed_fsync_in_a_batch_is_that_files_outcome(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_fsync = os.fsync
    calls: list[int] = []

    def fsync(descriptor: int) -> None:
        calls.append(descriptor)
        if len(calls) == 2:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    paths = [post(tmp_path, DIRTY.replace("First", f"Number {i}"), f"{i}.md") for i in range(3)]
    outcomes = clean_files(paths, WRITE)
    assert [o.status for o in outcomes] == [Status.CHANGED, Status.FAILED, Status.CHANGED]
    assert outcomes[1].message == f"not written: {os.strerror(errno.EIO)}; the original is unchanged"
    assert outcomes[1].clean_hashes == ()
    assert paths[1].read_text(encoding="utf-8") == DIRTY.replace("First", "Number 1")
    assert paths[2].read_text(encoding="utf-8") == DIRTY_CLEANED.replace("First", "Number 2")
    assert not [p for p in tmp_path.iterdir() if TEMP_MARKER in p.name]


@pytest.mark.parametrize("mode", [Mode.CHECK, Mode.DIFF])
def test_clean_files_without_write_mode_leaves_every_file(tmp_path: Path, mode: Mode) -> None:
    paths = [post(tmp_path, DIRTY.replace("First", f"Number {i}"), f"{i}.md") for i in range(3)]
    outcomes = clean_files(paths, CleanJob(options=CleanOptions(), mode=mode))
    assert [o.status for o in outcomes] == [Status.CHANGED] * 3
    assert all(o.clean_hashes == () for o in outcomes)
    assert [bool(o.diff) for o in outcomes] == [mode is Mode.DIFF] * 3
    assert [p.read_text(encoding="utf-8") for p in paths] == [DIRTY.replace("First", f"Number {i}") for i in range(3)]


def test_run_clean_draws_paths_only_as_batches_are_handed_out(tmp_path: Path) -> None:
    drawn: list[Path] = []
    paths = [post(tmp_path, CLEAN, f"{i}.md") for i in range(100)]

    def source() -> Iterator[Path]:
        for path in paths:
            drawn.append(path)
            yield path

    outcomes = run_clean(source(), WRITE, 1)
    first_batch = [next(outcomes) for _ in range(16)]
    assert len(drawn) == 16  # one batch of an iterator of unknown length, not all 100
    assert [o.path for o in first_batch] == [str(p) for p in paths[:16]]
    assert len(list(outcomes)) == 84
    assert len(drawn) == 100


def test_a_file_edited_while_its_batch_is_cleaned_keeps_the_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [post(tmp_path, DIRTY.replace("First", f"Number {i}"), f"{i}.md") for i in range(3)]
    real_read = postkit.clean._read

    def read_and_meanwhile_edit_the_first(path: Path, max_size: int | None) -> bytes:
        if path.name == "2.md":  # the first file is cleaned and staged by now, not yet renamed
            paths[0].write_text("the user's edit, made during the run\n", encoding="utf-8")
        return real_read(path, max_size)

    monkeypatch.setattr(postkit.clean, "_read", read_and_meanwhile_edit_the_first)
    outcomes = clean_files(paths, WRITE)
    assert [o.status for o in outcomes] == [Status.FAILED, Status.CHANGED, Status.CHANGED]
    assert outcomes[0].message == "not written: it changed while it was cleaned; run again to clean it"
    assert paths[0].read_text(encoding="utf-8") == "the user's edit, made during the run\n"
    assert not [p for p in tmp_path.iterdir() if TEMP_MARKER in p.name]


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="POSIX symlinks")
def test_one_file_met_twice_in_a_batch_is_cleaned_as_one_by_one(tmp_path: Path) -> None:
    real = post(tmp_path, DIRTY, "real.md")
    (tmp_path / "a.md").symlink_to(real)
    (tmp_path / "b.md").symlink_to(real)
    job = dataclasses.replace(WRITE, roots=(str(tmp_path),))
    outcomes = clean_files([tmp_path / "a.md", tmp_path / "b.md", real], job)
    assert [o.status for o in outcomes] == [Status.CHANGED, Status.UNCHANGED, Status.UNCHANGED]
    assert real.read_text(encoding="utf-8") == DIRTY_CLEANED


def test_a_low_open_file_limit_commits_the_batch_in_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    flushed: list[int] = []
    real_flush = postkit.clean.flush_writes

    def flush(staged: list[StagedWrite]) -> None:
        flushed.append(len(staged))
        real_flush(staged)

    monkeypatch.setattr(postkit.clean, "flush_writes", flush)
    monkeypatch.setattr(postkit.clean, "_most_staged", lambda: 2)
    paths = [post(tmp_path, DIRTY.replace("First", f"Number {i}"), f"{i}.md") for i in range(5)]
    outcomes = clean_files(paths, WRITE)
    assert [o.status for o in outcomes] == [Status.CHANGED] * 5
    assert flushed == [2, 2, 1]
    assert [p.read_text(encoding="utf-8") for p in paths] == [
        DIRTY_CLEANED.replace("First", f"Number {i}") for i in range(5)
    ]


def test_a_run_stopped_after_a_part_of_its_batch_was_written_has_reported_that_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _interrupt_cleaning(monkeypatch, "3.md")
    monkeypatch.setattr(postkit.clean, "_most_staged", lambda: 2)  # the first two are written first
    originals = [DIRTY.replace("First", f"Number {i}") for i in range(5)]
    paths = [post(tmp_path, text, f"{i}.md") for i, text in enumerate(originals)]
    reported: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        reported.extend(Path(outcome.path).name for outcome in run_clean(iter(paths), WRITE, 1))
    written = [p.name for p, text in zip(paths, originals, strict=True) if p.read_text(encoding="utf-8") != text]
    assert written == ["0.md", "1.md"]  # the third was staged when the fourth stopped the run
    assert reported == written
    assert not [p for p in tmp_path.iterdir() if TEMP_MARKER in p.name]


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_a_worker_killed_mid_run_stops_the_run_with_an_error_and_damages_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from faults import kill_the_worker_cleaning

    from postkit.errors import PostkitError

    kill_the_worker_cleaning(monkeypatch, "9.md")
    originals = [DIRTY.replace("First", f"Number {i}") for i in range(24)]
    paths = [post(tmp_path, text, f"{i}.md") for i, text in enumerate(originals)]
    reported: list[str] = []
    with pytest.raises(PostkitError, match=r"a worker process stopped \(killed by SIGKILL\)"):
        reported.extend(Path(outcome.path).name for outcome in run_clean(iter(paths), WRITE, 2))
    cleaned = [DIRTY_CLEANED.replace("First", f"Number {i}") for i in range(24)]
    texts = [p.read_text(encoding="utf-8") for p in paths]
    assert all(text in (original, done) for text, original, done in zip(texts, originals, cleaned, strict=True))
    written = [p.name for p, text, original in zip(paths, texts, originals, strict=True) if text != original]
    assert sorted(reported) == sorted(written)
    assert "9.md" not in written
    assert not [p for p in tmp_path.iterdir() if TEMP_MARKER in p.name]


def test_with_workers_a_file_written_before_its_batch_ends_is_reported_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    real_clean = postkit.clean.clean_bytes

    def slow_on_three(data: bytes, path: str, job: CleanJob) -> CleanResult:
        if Path(path).name == "3.md":
            time.sleep(120)  # the run is stopped while its worker is here
        return real_clean(data, path, job)

    monkeypatch.setattr(postkit.clean, "clean_bytes", slow_on_three)  # the forked workers inherit it
    monkeypatch.setattr(postkit.clean, "_most_staged", lambda: 2)  # the first two are written first
    originals = [DIRTY.replace("First", f"Number {i}") for i in range(5)]
    paths = [post(tmp_path, text, f"{i}.md") for i, text in enumerate(originals)]
    outcomes = run_clean(iter(paths), WRITE, 2)  # one batch of five, in one worker
    reported: list[str] = []
    reader = threading.Thread(target=lambda: reported.extend(Path(next(outcomes).path).name for _ in range(2)))
    reader.start()
    reader.join(60)
    assert not reader.is_alive(), "the files written early were reported only at the batch's end"
    outcomes.close()  # stops the worker, sleeping over 3.md
    written = [p.name for p, text in zip(paths, originals, strict=True) if p.read_text(encoding="utf-8") != text]
    assert written == ["0.md", "1.md"]
    assert reported == written
    assert not [p for p in tmp_path.iterdir() if TEMP_MARKER in p.name]


def test_at_most_a_few_files_stay_staged_under_a_low_open_file_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    resource = pytest.importorskip("resource")
    monkeypatch.setattr(resource, "getrlimit", lambda kind: (30, 30))
    assert postkit.clean._most_staged() == 3
    monkeypatch.setattr(resource, "getrlimit", lambda kind: (4096, 4096))
    assert postkit.clean._most_staged() == 32


def test_a_temporary_file_made_but_not_yet_recorded_is_removed_on_interrupt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_stage = postkit.clean.stage_write

    def stage_then_interrupted(path: Path, *args: object, **kwargs: object) -> StagedWrite:
        real_stage(path, *args, **kwargs)  # type: ignore[arg-type]
        if path.name == "1.md":
            raise SystemExit(143)  # as a worker the parent stops with SIGTERM
        return real_stage(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(postkit.clean, "stage_write", stage_then_interrupted)
    paths = [post(tmp_path, DIRTY.replace("First", f"Number {i}"), f"{i}.md") for i in range(3)]
    with pytest.raises(SystemExit):
        clean_files(paths, WRITE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0.md", "1.md", "2.md"]
    assert [p.read_text(encoding="utf-8") for p in paths] == [DIRTY.replace("First", f"Number {i}") for i in range(3)]


def test_a_run_resolves_its_allowed_folders_once_not_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from postkit import files

    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "linked").symlink_to(real, target_is_directory=True)
    paths = [post(real, DIRTY.replace("First", f"Number {i}"), f"{i}.md") for i in range(3)]
    resolved: list[list[Path]] = []
    real_resolve = files.resolve_roots

    def counting(roots: list[Path]) -> list[Path | None]:
        resolved.append(list(roots))
        return real_resolve(roots)

    monkeypatch.setattr(postkit.clean, "resolve_roots", counting)
    job = dataclasses.replace(WRITE, roots=(str(tmp_path / "linked"),))
    outcomes = clean_files(paths, job)
    assert [o.status for o in outcomes] == [Status.CHANGED] * 3
    assert resolved == [[tmp_path / "linked"]]
    assert job.resolved_roots == [real.resolve()]
    # the allowed area is the one the run started with: a file outside it is still refused
    outside = post(tmp_path, DIRTY, "outside.md")
    (real / "escape.md").symlink_to(outside)
    escaped = clean_files([real / "escape.md"], job)
    assert escaped[0].status is Status.FAILED
    assert "outside the given paths" in escaped[0].message
    assert outside.read_text(encoding="utf-8") == DIRTY
