"""A Jekyll-style file name whose date differs from the front-matter date.

Jekyll names posts ``YYYY-MM-DD-slug.md`` and lets a front-matter ``date`` override the file
name's date, so the two disagreeing means the post is filed, sorted or linked under another
day than it says. The comparison uses the date part of the value as written, in the value's
own time zone: ``2021-08-09T23:30:00-04:00`` is August 9, whatever day it is in UTC. A date
that does not start with ``YYYY-MM-DD`` is left to the schema rule.

Failing example::

    ==> _posts/2021-08-10-flood-warning.md <==
    ---
    title: Flood warning
    date: 2021-08-09T23:30:00-04:00
    ---

Passing example::

    ==> _posts/2021-08-10-flood-warning.md <==
    ---
    title: Flood warning
    date: 2021-08-10T03:30:00+00:00
    ---
    Text of the post.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence

from postkit.checks.base import Finding, Position, PostSummary, format_date, leading_date
from postkit.problems import Severity

CODE = "PK303"
NAME = "filename-date-mismatch"
SUMMARY = "a YYYY-MM-DD-slug file name whose date differs from the front-matter date"
SEVERITY = Severity.WARNING
SCOPE = "archive"

# Jekyll's own pattern for post file names: a date, a dash, a slug (maybe empty), an extension.
_DATED_NAME = re.compile(r"(\d{2,4})-(\d{1,2})-(\d{1,2})-[^/]*\.[^.]+")


def check(summaries: Sequence[PostSummary]) -> Iterator[Finding]:
    for summary in summaries:
        name = _DATED_NAME.fullmatch(os.path.basename(summary.path))
        written = leading_date(summary.date) if summary.date else None
        if not name or written is None:
            continue
        named = (int(name.group(1)), int(name.group(2)), int(name.group(3)))
        if named == written:
            continue
        yield Finding.at(
            summary.date_at or Position(1, 1),
            f"the file name says {format_date(named)} but the front-matter date "
            f"'{summary.date}' is {format_date(written)}",
            "rename the file or correct the date; Jekyll files the post under the front-matter date",
            path=summary.path,
        )
