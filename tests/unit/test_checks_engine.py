"""The check engine: reading posts for checks, running post and archive rules, summaries."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from postkit.checks import (
    CheckContext,
    Finding,
    Position,
    PostSummary,
    check_archive,
    check_post,
    check_text,
    check_texts,
    get_rule,
    load_schema,
    read_post_for_check,
    select_rules,
    split_for_check,
    summarize,
)
from postkit.errors import PostError
from postkit.post import split_post
from postkit.problems import Severity

JEKYLL = CheckContext(schema=load_schema("jekyll"))


def test_split_for_check_keeps_a_post_whose_front_matter_never_closes() -> None:
    post = split_for_check("\ufeff---\ntitle: x\nbody\n", "a.md")
    assert (post.bom, post.front_matter, post.body, post.format) == ("\ufeff", "", "---\ntitle: x\nbody\n", None)
    assert split_for_check("---\ntitle: x\n---\nbody\n") == split_post("---\ntitle: x\n---\nbody\n")


def test_read_post_for_check(tmp_path: Path) -> None:
    good, unclosed = tmp_path / "good.md", tmp_path / "unclosed.md"
    good.write_bytes(b"---\ntitle: x\n---\nbody\n")
    unclosed.write_bytes(b"\xef\xbb\xbf---\ntitle: x\n")
    assert read_post_for_check(str(good)).front_matter == "---\ntitle: x\n---\n"
    problems = check_post(read_post_for_check(str(unclosed)), select_rules(), JEKYLL)
    assert [(p.line, p.column, p.code) for p in problems] == [(1, 1, "PK102"), (1, 1, "PK103")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"---\ntitle: \xff\n---\n", "is not UTF-8"),
        (None, "cannot be read"),
    ],
)
def test_read_post_for_check_raises_for_files_no_rule_can_point_into(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "post.md"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(PostError, match=message):
        read_post_for_check(str(path))


def test_check_post_builds_sorted_problems_with_code_severity_and_hint() -> None:
    problems = check_text("---\ntitle: NO\ntitle: yes\n---\nText.\n", "p.md", select_rules(), JEKYLL)
    assert [(p.path, p.line, p.column, p.code, p.severity) for p in problems] == [
        ("p.md", 2, 8, "PK105", Severity.WARNING),
        ("p.md", 3, 1, "PK106", Severity.ERROR),
        ("p.md", 3, 8, "PK105", Severity.WARNING),
        ("p.md", 3, 8, "PK109", Severity.ERROR),  # the schema sees the value that won, the last one
    ]
    assert problems[1].hint == "remove one of the keys or merge their values"


def test_check_post_runs_only_the_rules_it_is_given() -> None:
    text = "---\ntitle: NO\n---\n"
    assert [p.code for p in check_text(text, "p.md", [get_rule("PK105")], JEKYLL)] == ["PK105"]
    assert check_text(text, "p.md", select_rules(["PK3"]), JEKYLL) == []


def test_no_schema_means_no_schema_problems() -> None:
    assert check_text("---\ndate: 2021-13-01\n---\nText.\n", "p.md", select_rules(), CheckContext()) == []


def test_summarize_takes_values_as_written_with_their_positions() -> None:
    post = split_post('---\ntitle: " Spaced "\ndate: 2021-08-10 10:00:00 +0800\nfrom: https://e.com/1\n---\n', "a.md")
    assert summarize(post, JEKYLL) == PostSummary(
        "a.md",
        " Spaced ",
        "2021-08-10 10:00:00 +0800",
        "https://e.com/1",
        Position(2, 8),
        Position(3, 7),
        Position(4, 7),
    )


def test_summarize_with_another_source_key_and_missing_or_odd_values() -> None:
    post = split_post("---\ntitle: 1984\nsource: https://e.com/1\nfrom: https://e.com/2\n---\n", "a.md")
    context = CheckContext(source_url_key="source")
    assert summarize(post, context) == PostSummary("a.md", source_url="https://e.com/1", source_url_at=Position(3, 9))
    assert summarize(split_post("---\n- a\n---\n", "b.md"), context) == PostSummary("b.md")


def test_summarize_toml() -> None:
    post = split_post('+++\ntitle = "T"\ndate = 2021-08-10T10:00:00+08:00\n+++\n', "a.md")
    summary = summarize(post, CheckContext())
    assert (summary.title, summary.date, summary.date_at) == ("T", "2021-08-10T10:00:00+08:00", Position(3, 8))


def test_archive_problems_do_not_depend_on_the_order_files_come_in() -> None:
    one = PostSummary("b.md", "T", "2021-08-10", "https://e.com/1", Position(2, 8), Position(3, 7), Position(4, 7))
    two = PostSummary(
        "a.md", "T", "2021-08-10T09:00:00Z", "https://e.com/1", Position(2, 8), Position(3, 7), Position(5, 7)
    )
    forward, backward = check_archive([one, two], select_rules()), check_archive([two, one], select_rules())
    assert forward == backward
    assert [(p.path, p.line, p.column, p.code, p.message) for p in forward] == [
        ("b.md", 2, 8, "PK302", "same title and date as a.md: 'T' on 2021-08-10"),
        ("b.md", 4, 7, "PK301", "source URL https://e.com/1 is also the source of a.md"),
    ]


def test_archive_rules_skip_posts_without_the_values_they_compare() -> None:
    summaries = [PostSummary("2021-08-10-a.md"), PostSummary("2021-08-10-b.md", title="T", date="August")]
    assert check_archive(summaries, select_rules()) == []
    assert check_archive([], select_rules()) == []


def test_check_texts_runs_post_and_archive_rules_as_one_run() -> None:
    files = [("2021-08-10-a.md", "---\ntitle: A\ndate: 2021-08-11\n---\nA.\n"), ("b.md", "---\ntitle: [A\n---\nB.\n")]
    assert [(p.path, p.code) for p in check_texts(files, select_rules(), JEKYLL)] == [
        ("2021-08-10-a.md", "PK303"),
        ("b.md", "PK101"),
    ]


def test_a_finding_at_a_position() -> None:
    assert Finding.at(Position(3, 4), "m", "h", "p.md") == Finding(3, 4, "m", "h", "p.md")


YAMLISH = st.lists(
    st.sampled_from([*"ab: -[]{}&*!|>'\"#\t\n\r,?%@`~=.\ufeff\u2028\x85\x0b", "no", "<<", "---"]), max_size=40
).map("".join)


@given(front=YAMLISH, fence=st.sampled_from(["---", "+++"]), body=st.text(max_size=20))
@example(front="a: &a [*a]", fence="---", body="")
@example(front="\t- x", fence="---", body="")
@example(front='title = "x\n', fence="+++", body="")
def test_any_front_matter_gives_problems_inside_the_file_and_never_a_crash(front: str, fence: str, body: str) -> None:
    text = f"{fence}\n{front}\n{fence}\n{body}"
    lines = text.split("\n")
    for problem in check_text(text, "p.md", select_rules(), JEKYLL):
        assert 1 <= problem.line <= len(lines)
        assert 1 <= problem.column <= len(lines[problem.line - 1]) + 1
        assert problem.message
