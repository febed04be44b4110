"""The front-matter and archive rules over the shared corpus of real archived posts.

Skips when ../shared/corpus is absent (a fresh clone). The counts pin what the rules find in
that fixed data; each kind of finding was read and is a true problem of the source posts.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from postkit.checks import (
    CheckContext,
    PostSummary,
    check_archive,
    check_post,
    load_schema,
    read_post_for_check,
    select_rules,
    summarize,
)
from postkit.problems import Problem

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"

# The archives whose findings were read one by one and pinned below; folders added to the corpus
# later get their own counts once they are read, so a new folder never moves these.
PINNED_FOLDERS = ("NodeBE4__oped2", "SathyaBhat__sathyasays.com", "nodenews__waimei", "zhouxiang93123__waimei")

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not next to this checkout")


@pytest.fixture(scope="module")
def corpus_problems() -> list[Problem]:
    rules = select_rules(["PK1", "PK3"])
    context = CheckContext(schema=load_schema("jekyll"))
    problems: list[Problem] = []
    summaries: list[PostSummary] = []
    for path in sorted(path for folder in PINNED_FOLDERS for path in (CORPUS / folder).glob("*.md")):
        post = read_post_for_check(str(path))
        problems.extend(check_post(post, rules, context))
        summaries.append(summarize(post, context))
    problems.extend(check_archive(summaries, rules))
    return [
        Problem(str(Path(p.path).relative_to(CORPUS)), p.line, p.column, p.code, p.severity, p.message, p.hint)
        for p in problems
    ]


def test_counts_by_rule(corpus_problems: list[Problem]) -> None:
    assert Counter(problem.code for problem in corpus_problems) == {
        "PK105": 3,
        "PK109": 31,
        "PK301": 3,
        "PK302": 1,
        "PK303": 39,
    }


def test_wordpress_zero_dates_are_found(corpus_problems: list[Problem]) -> None:
    zero_dates = [p for p in corpus_problems if p.code == "PK109" and "'-001-11-30T00:00:00+00:00'" in p.message]
    assert len(zero_dates) == 6
    assert all(p.path.startswith("SathyaBhat__sathyasays.com/") and (p.line, p.column) == (5, 7) for p in zero_dates)


def test_version_number_tags_that_yaml_turns_into_numbers_are_found(corpus_problems: list[Problem]) -> None:
    assert any(p.message == "tags[0]: 8.10 (read as 8.1) is a number; expected a string" for p in corpus_problems)


def test_the_same_article_archived_twice_is_found(corpus_problems: list[Problem]) -> None:
    assert any(p.code == "PK301" and p.path == "zhouxiang93123__waimei/2019-09-18-印尼迁都.md" for p in corpus_problems)


def test_every_problem_points_inside_its_file(corpus_problems: list[Problem]) -> None:
    for problem in corpus_problems:
        lines = (CORPUS / problem.path).read_text(encoding="utf-8").split("\n")
        assert problem.line <= len(lines) and problem.column <= len(lines[problem.line - 1]) + 1
