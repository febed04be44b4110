"""The core of `postkit validate`: jobs from config, per-file ignores, reading failures, runs and exit codes."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest

from postkit import validate as validate_module
from postkit.checks import RULES
from postkit.config import DEFAULT_CONFIG, Config, load_config
from postkit.errors import ConfigError, PostError
from postkit.problems import Problem, Severity
from postkit.report import Summary
from postkit.validate import (
    FileIgnores,
    ValidateJob,
    ValidationRun,
    check_file,
    rule_infos,
    validate_paths,
    validate_text,
)

POST = "---\ntitle: T\ndate: 2021-08-10\n---\nText with <b>HTML</b>.\n"


def config(**changes: object) -> Config:
    return dataclasses.replace(DEFAULT_CONFIG, **changes)


def problem(path: str, code: str, severity: Severity = Severity.ERROR) -> Problem:
    return Problem(path, 1, 1, code, severity, "m")


# --- per-file ignores ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "root", "ignored"),
    [
        ("posts/_index.md", None, True),  # the file name matches
        ("/site/posts/drafts/a.md", "/site", True),  # relative to the config folder
        ("posts/drafts/deep/a.md", None, True),  # '*' crosses folders
        ("posts/a.md", None, False),
        ("/elsewhere/drafts/a.md", "/site", False),  # outside the config folder: only the forms as given
    ],
)
def test_file_ignores_match_the_path_its_relative_form_or_its_name(path: str, root: str | None, ignored: bool) -> None:
    ignores = FileIgnores((("_index.md", ("PK208",)), ("posts/drafts/*", ("pk2",)), ("drafts/*", ("PK2",))), root)
    kept = ignores.keep([problem(path, "PK208"), problem(path, "PK109")])
    assert [p.code for p in kept] == (["PK109"] if ignored else ["PK208", "PK109"])


def test_no_file_ignores_keep_everything() -> None:
    problems = [problem("a.md", "PK201")]
    assert FileIgnores().keep(problems) == problems
    assert FileIgnores().prefixes_for("a.md") == ()


# --- jobs ------------------------------------------------------------------------------------------


def test_job_from_config_selects_codes_and_keeps_settings() -> None:
    job = ValidateJob.from_config(
        config(
            select=("PK2",),
            ignore=("PK207",),
            schema="hugo",
            source_url_key="src",
            encoding="gb18030",
            max_file_size=10,
        )
    )
    assert job.codes == (
        "PK201",
        "PK202",
        "PK203",
        "PK204",
        "PK205",
        "PK206",
        "PK208",
        "PK209",
        *(f"PK{n}" for n in range(210, 222)),
    )
    assert (job.schema, job.source_url_key, job.encoding, job.max_file_size) == ("hugo", "src", "gb18030", 10)
    assert [rule.code for rule in job.rules] == list(job.codes)
    context = job.context()
    assert context.schema is not None and context.schema.name == "hugo"
    assert context.source_url_key == "src"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"select": ("PK9",)}, "no rule matches 'PK9'"),
        ({"per_file_ignores": (("a/*", ("PK2", "XX1")),)}, "per-file-ignores for 'a/*': no rule matches 'XX1'"),
        ({"per_file_ignores": (("a/*", ("",)),)}, "per-file-ignores for 'a/*': no rule matches ''"),
    ],
)
def test_job_from_config_refuses_unknown_codes(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        ValidateJob.from_config(config(**changes))


def test_a_rule_pack_that_cannot_be_read_fails_before_any_file(tmp_path: Path) -> None:
    pack = tmp_path / "pack.txt"
    pack.write_bytes(b"##.ad\xff\n")
    with pytest.raises(ConfigError, match="cannot read rule pack"):
        ValidateJob.from_config(config(rules=(pack,)))
    # without content rules the packs are not needed
    assert ValidateJob.from_config(config(rules=(pack,), select=("PK1",))).codes[0] == "PK100"


def test_rule_infos_describe_every_registered_rule() -> None:
    infos = rule_infos()
    assert list(infos) == list(RULES)
    assert (infos["PK201"].name, infos["PK201"].severity) == ("ad-slot", Severity.ERROR)


# --- one file ----------------------------------------------------------------------------------------


def test_check_file_gives_problems_and_a_summary(tmp_path: Path) -> None:
    path = tmp_path / "2021-08-10-a.md"
    path.write_text(POST, encoding="utf-8")
    job = ValidateJob.from_config(DEFAULT_CONFIG)
    result = check_file(str(path), job, job.context(), job.rules)
    assert [(p.line, p.column, p.code) for p in result.problems] == [(5, 11, "PK207")]
    assert result.summary is not None and (result.summary.title, result.summary.date) == ("T", "2021-08-10")


@pytest.mark.parametrize(
    ("content", "changes", "message", "hint"),
    [
        (
            b"---\ntitle: \xff\n---\n",
            {},
            "is not UTF-8 (byte 0xff at offset 11); it looks like cp1252",
            "convert the file to UTF-8, or pass the --encoding",
        ),
        (
            "---\ntitle: é\n---\n".encode(),
            {"encoding": "ascii"},
            "cannot be read as ascii",
            "convert the file to UTF-8, or set encoding",
        ),
        (b"\x00\x01binary", {}, "holds NUL bytes", "check that the file exists and can be read"),
        (POST.encode(), {"max_file_size": 10}, "is larger than max-file-size (10 bytes)", "raise max-file-size"),
    ],
)
def test_a_file_that_cannot_be_read_is_pk100(
    tmp_path: Path, content: bytes, changes: dict[str, object], message: str, hint: str
) -> None:
    path = tmp_path / "a.md"
    path.write_bytes(content)
    job = ValidateJob.from_config(config(**changes))
    result = check_file(str(path), job, job.context(), job.rules)
    [found] = result.problems
    assert (found.path, found.line, found.column, found.code, found.severity) == (
        str(path),
        1,
        1,
        "PK100",
        Severity.ERROR,
    )
    assert message in found.message
    assert found.hint.startswith(hint)
    assert result.summary is None


def test_a_file_gone_before_it_is_read_is_pk100_and_can_be_ignored(tmp_path: Path) -> None:
    gone = str(tmp_path / "gone.md")
    job = ValidateJob.from_config(DEFAULT_CONFIG)
    [found] = check_file(gone, job, job.context(), job.rules).problems
    assert found.code == "PK100" and found.message.startswith("cannot be read: ")
    quiet = ValidateJob.from_config(config(ignore=("PK100",)))
    assert check_file(gone, quiet, quiet.context(), quiet.rules).problems == ()


def test_an_os_error_while_reading_is_pk100(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(path: str, encoding: str | None = None, max_size: int | None = None) -> None:
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(validate_module, "read_post_for_check", fail)
    job = ValidateJob.from_config(DEFAULT_CONFIG)
    [found] = check_file("locked.md", job, job.context(), job.rules).problems
    assert (found.path, found.code, found.message) == ("locked.md", "PK100", "cannot be read: Permission denied")


def test_validate_text_runs_post_and_archive_rules_with_the_config() -> None:
    text = "---\ntitle: T\ndate: 2021-08-11\n---\n<div class='adsbygoogle'></div>Text.\n"
    found = validate_text(text, "2021-08-10-a.md")
    assert [(p.line, p.column, p.code) for p in found] == [(3, 7, "PK303"), (5, 1, "PK201"), (5, 1, "PK207")]
    ignoring = config(per_file_ignores=(("*-a.md", ("PK2",)),), schema="none")
    assert [p.code for p in validate_text(text, "2021-08-10-a.md", ignoring)] == ["PK303"]


# --- runs ------------------------------------------------------------------------------------------


def write_posts(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        day = f"2021-{8 + number // 28:02d}-{number % 28 + 1:02d}"
        (folder / f"{day}-post.md").write_text(
            POST.replace("2021-08-10", day).replace("title: T", f"title: T{number}"), encoding="utf-8"
        )


def test_a_run_streams_problems_in_file_order_and_counts_them(tmp_path: Path) -> None:
    write_posts(tmp_path / "posts", 3)
    (tmp_path / "posts" / "2021-09-01-dup.md").write_text(
        POST.replace("2021-08-10", "2021-08-01").replace("title: T", "title: T0"), encoding="utf-8"
    )
    run = validate_paths([tmp_path / "posts"], config(jobs=1))
    problems = list(run)
    assert [(Path(p.path).name, p.code) for p in problems] == [
        ("2021-08-01-post.md", "PK207"),
        ("2021-08-02-post.md", "PK207"),
        ("2021-08-03-post.md", "PK207"),
        ("2021-09-01-dup.md", "PK207"),
        ("2021-09-01-dup.md", "PK302"),
        ("2021-09-01-dup.md", "PK303"),  # archive rules come last
    ]
    assert run.summary() == Summary(files_checked=4, errors=0, warnings=6)
    assert (run.exit_code(strict=False), run.exit_code(strict=True)) == (0, 1)


def test_exit_code_is_1_with_errors_whatever_strict_says() -> None:
    run = ValidationRun(files=[], job=ValidateJob.from_config(DEFAULT_CONFIG), errors=1)
    assert (run.exit_code(strict=False), run.exit_code(strict=True)) == (1, 1)
    clean = ValidationRun(files=[], job=ValidateJob.from_config(DEFAULT_CONFIG))
    assert (clean.exit_code(strict=False), clean.exit_code(strict=True)) == (0, 0)


def test_workers_give_the_same_problems_in_the_same_order(tmp_path: Path) -> None:
    write_posts(tmp_path / "posts", 40)
    one = list(validate_paths([tmp_path / "posts"], config(jobs=1)))
    two = list(validate_paths([tmp_path / "posts"], config(jobs=2)))
    assert one == two and len(one) == 40


def test_a_missing_path_raises_before_anything_is_checked(tmp_path: Path) -> None:
    with pytest.raises(PostError, match="does not exist"):
        validate_paths([tmp_path / "nope.md"], DEFAULT_CONFIG)


def test_a_folder_that_cannot_be_listed_is_pk100(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def discover_posts(
        paths: Iterable[Path], config: object, *, on_error: Callable[[PostError], None]
    ) -> Iterator[Path]:
        on_error(PostError(str(tmp_path / "locked"), "cannot be read: Permission denied"))
        return iter(())

    monkeypatch.setattr(validate_module, "discover_posts", discover_posts)
    run = validate_paths([tmp_path], DEFAULT_CONFIG)
    assert [(p.path, p.code, p.message) for p in run] == [
        (str(tmp_path / "locked"), "PK100", "cannot be read: Permission denied")
    ]
    assert run.errors == 1
    quiet = validate_paths([tmp_path], config(ignore=("PK100",)))
    assert list(quiet) == []


def test_config_found_from_the_paths_gives_per_file_ignores_their_root(tmp_path: Path) -> None:
    (tmp_path / "postkit.toml").write_text('[per-file-ignores]\n"posts/*" = ["PK207"]\n', encoding="utf-8")
    write_posts(tmp_path / "posts", 1)
    loaded = load_config([tmp_path / "posts"])
    assert ValidateJob.from_config(loaded).ignores.root == os.fspath(tmp_path)
    assert list(validate_paths([tmp_path / "posts"], loaded)) == []
