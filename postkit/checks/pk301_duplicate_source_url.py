"""Two posts archived from the same source URL.

The source URL is the front-matter key named by ``source-url-key`` (``from`` by default). Two
posts with the same URL (compared after trimming spaces) are the same article archived twice;
the later file, in path order, is reported with the path of the first.

Failing example::

    ==> 2021-08-10-first.md <==
    ---
    title: The article
    from: https://example.com/news/1
    ---

    ==> 2021-08-11-again.md <==
    ---
    title: The article, updated
    from: https://example.com/news/1
    ---

Passing example::

    ==> 2021-08-10-first.md <==
    ---
    title: The article
    from: https://example.com/news/1
    ---
    Text of the post.

    ==> 2021-08-11-other.md <==
    ---
    title: Another article
    from: https://example.com/news/2
    ---
    Text of the post.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from postkit.checks.base import Finding, Position, PostSummary
from postkit.problems import Severity

CODE = "PK301"
NAME = "duplicate-source-url"
SUMMARY = "two posts archived from the same source URL"
SEVERITY = Severity.ERROR
SCOPE = "archive"


def check(summaries: Sequence[PostSummary]) -> Iterator[Finding]:
    first_by_url: dict[str, PostSummary] = {}
    for summary in summaries:
        url = (summary.source_url or "").strip()
        if not url:
            continue
        first = first_by_url.setdefault(url, summary)
        if first is summary:
            continue
        yield Finding.at(
            summary.source_url_at or Position(1, 1),
            f"source URL {url} is also the source of {first.path}",
            "keep one of the two posts",
            path=summary.path,
        )
