"""`postkit validate` on real archived posts (skips without ../shared/corpus).

A sample of every tenth post of each archive keeps the run to a few seconds. The counts pin
what the rules find in that fixed data; the findings were read and are true of the posts (see
the commit that added the content rules). Every content finding must point at what it names.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from postkit.cli import app
from postkit.config import DEFAULT_CONFIG
from postkit.problems import Problem
from postkit.validate import validate_paths

URL_IN_MESSAGE = {
    "PK202": re.compile(r"link to (\S+) \(rule"),
    "PK203": re.compile(r"tracking parameters? [^:]+: (\S+)$"),
    "PK206": re.compile(r"URL (\S+?)(?:; on|: nothing| cannot)"),
}
FOUNDING = "nodenews__waimei/2021-08-10-蔡奇主持北京防疫会议  要求严防死守坚决阻断传播.md"


# The archives whose findings were read and pinned; a folder added to the corpus later gets its
# own counts once read, so it never moves these.
PINNED_FOLDERS = ("NodeBE4__oped2", "SathyaBhat__sathyasays.com", "nodenews__waimei", "zhouxiang93123__waimei")


def sample(corpus: Path) -> list[Path]:
    return [path for folder in PINNED_FOLDERS for path in sorted((corpus / folder).glob("*.md"))[::10]]


def test_counts_by_rule_on_a_sample(corpus_dir: Path) -> None:
    run = validate_paths(sample(corpus_dir), dataclasses.replace(DEFAULT_CONFIG, jobs=2))
    problems = list(run)
    assert Counter(problem.code for problem in problems) == {
        "PK109": 3,
        "PK201": 56,
        "PK202": 19,
        "PK203": 7,
        "PK205": 3,
        "PK206": 55,
        "PK207": 160,
        "PK303": 5,
        # the cruft kinds clean removes, each a content rule since issue #11
        "PK210": 67,
        "PK212": 55,
        "PK213": 14,
        "PK214": 23,
        "PK215": 9,
        "PK216": 3,
        "PK217": 14,
        "PK218": 2,
        "PK220": 4,
    }
    assert run.files_checked == 162
    for problem in problems:
        assert_points_at_what_it_names(problem)


def assert_points_at_what_it_names(problem: Problem) -> None:
    lines = Path(problem.path).read_text(encoding="utf-8").split("\n")
    assert 1 <= problem.line <= len(lines)
    text = lines[problem.line - 1][problem.column - 1 :]
    element_rules = ("PK201", "PK205", "PK207", *(f"PK{n}" for n in range(210, 222)))
    if problem.code in element_rules or (problem.code == "PK202" and "link to" not in problem.message):
        named = re.search(r"<([a-z0-9]+)", problem.message)
        assert text.startswith(f"<{named.group(1)}" if named and problem.code != "PK205" else "<"), problem
    elif problem.code in URL_IN_MESSAGE:
        url = URL_IN_MESSAGE[problem.code].search(problem.message)
        assert url is not None, problem
        assert html.unescape(text).startswith(url.group(1).rstrip("…")[:40]), problem


def test_the_founding_post_through_the_cli(corpus_dir: Path) -> None:
    result = CliRunner().invoke(
        app, ["validate", str(corpus_dir / FOUNDING), "--format", "json", "--jobs", "1"], catch_exceptions=False
    )
    assert result.exit_code == 1
    found = [(p["line"], p["column"], p["code"]) for p in json.loads(result.stdout)["problems"]]
    # the ad slots and the two subscription promos of the post, on its one long line of HTML
    assert found == [
        (14, 1, "PK207"),
        (15, 745, "PK201"),
        (15, 1233, "PK201"),
        (15, 1264, "PK201"),
        (15, 1334, "PK202"),
        (15, 1867, "PK202"),
    ]
