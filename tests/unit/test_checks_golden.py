"""Golden cases for the checks: tests/cases/checks/<code>-<pass|fail>-<name>.md beside .problems.json.

Every rule runs (with the jekyll schema) on every case, so an expected file lists all problems
a case has, not only those of the rule it is named after. A case that holds ``==> path <==``
lines is several files checked as one run (archive rules), and its problems carry their path.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from postkit.checks import (
    RULES,
    CheckContext,
    check_post,
    check_texts,
    load_schema,
    read_post_for_check,
    select_rules,
    split_example_files,
)
from postkit.errors import PostError
from postkit.problems import Problem
from postkit.validate import unreadable_problem

CASES = Path(__file__).resolve().parent.parent / "cases" / "checks"
CASE_NAME = re.compile(r"(PK\d{3})-(pass|fail)-[a-z0-9-]+")
MARKDOWN_CASES = sorted(CASES.glob("*.md"))


def run_case(case: Path) -> list[dict[str, object]]:
    rules = select_rules()
    context = CheckContext(schema=load_schema("jekyll"))
    text = case.read_bytes().decode("utf-8", errors="replace")  # a PK100 case is not UTF-8
    files = split_example_files(text, default_path=case.name)
    if len(files) == 1 and files[0][0] == case.name:
        # one post: read from disk as validate reads it (byte-order mark, line ends and all)
        try:
            problems = check_post(read_post_for_check(str(case)), rules, context)
        except PostError as exc:  # PK100: a file no rule can read
            problems = [unreadable_problem(exc, str(case))]
        return [_as_dict(problem, with_path=False) for problem in problems]
    return [_as_dict(problem, with_path=True) for problem in check_texts(files, rules, context)]


def _as_dict(problem: Problem, with_path: bool) -> dict[str, object]:
    record: dict[str, object] = {"path": problem.path} if with_path else {}
    record.update(
        line=problem.line,
        column=problem.column,
        code=problem.code,
        severity=problem.severity.value,
        message=problem.message,
    )
    return record


def test_cases_exist() -> None:
    assert len(MARKDOWN_CASES) >= 2 * len(RULES)


@pytest.mark.parametrize("case", MARKDOWN_CASES, ids=lambda case: case.stem)
def test_case(case: Path) -> None:
    expected_file = case.with_suffix(".problems.json")
    assert expected_file.exists(), f"{case.name} has no expected file {expected_file.name}"
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    actual = run_case(case)
    assert actual == expected

    match = CASE_NAME.fullmatch(case.stem)
    assert match, f"{case.name} is not named <code>-<pass|fail>-<name>.md"
    code, kind = match.groups()
    codes = {problem["code"] for problem in actual}
    if kind == "fail":
        assert code in codes, f"{case.name} is a failing case but {code} found nothing"
    else:
        assert code not in codes, f"{case.name} is a passing case but {code} found something"


def test_every_expected_file_has_a_case() -> None:
    orphans = [
        path.name
        for path in CASES.glob("*.problems.json")
        if not path.with_name(path.name.replace(".problems.json", ".md")).exists()
    ]
    assert orphans == []


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_rule_has_a_failing_and_a_passing_case(code: str) -> None:
    names = (CASE_NAME.fullmatch(case.stem) for case in MARKDOWN_CASES)
    kinds = {name.group(2) for name in names if name and name.group(1) == code}
    assert kinds == {"pass", "fail"}
