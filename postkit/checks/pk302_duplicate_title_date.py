"""Two posts with the same title on the same day.

Titles are compared after trimming spaces, dates by the day they start with as written (the
time of day and time zone are ignored), so an article fetched twice on one day is found even
when the two copies differ in their time. The later file, in path order, is reported.

Failing example::

    ==> a/2021-08-10-morning.md <==
    ---
    title: Flood warning
    date: 2021-08-10 08:00:00 +0800
    ---

    ==> b/2021-08-10-evening.md <==
    ---
    title: Flood warning
    date: 2021-08-10 20:00:00 +0800
    ---

Passing example::

    ==> a/2021-08-10-warning.md <==
    ---
    title: Flood warning
    date: 2021-08-10
    ---
    Text of the post.

    ==> b/2021-08-11-warning.md <==
    ---
    title: Flood warning
    date: 2021-08-11
    ---
    Text of the post.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from postkit.checks.base import Finding, Position, PostSummary, format_date, leading_date
from postkit.problems import Severity

CODE = "PK302"
NAME = "duplicate-title-date"
SUMMARY = "two posts with the same title and the same date"
SEVERITY = Severity.WARNING
SCOPE = "archive"


def check(summaries: Sequence[PostSummary]) -> Iterator[Finding]:
    first_by_key: dict[tuple[str, tuple[int, int, int]], PostSummary] = {}
    for summary in summaries:
        title = (summary.title or "").strip()
        day = leading_date(summary.date) if summary.date else None
        if not title or day is None:
            continue
        first = first_by_key.setdefault((title, day), summary)
        if first is summary:
            continue
        yield Finding.at(
            summary.title_at or Position(1, 1),
            f"same title and date as {first.path}: '{title}' on {format_date(day)}",
            "keep one of the two posts, or give them different titles",
            path=summary.path,
        )
