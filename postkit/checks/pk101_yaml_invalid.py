"""YAML front matter that cannot be read.

A syntax error, a tag a safe loader refuses (``!!python/object``), a value its tag cannot hold
(``!!int abc``), aliases that expand past 10,000 values, or a control character YAML does not
allow. The problem points at the line and column where the YAML reader stopped, instead of a
traceback; Jekyll and Hugo stop the build or drop the post on the same text. A plain value
holding ``: `` is the usual cause in archived posts.

Failing example::

    ---
    title: Breaking: a colon in a plain value
    ---

Passing example::

    ---
    title: "Breaking: a colon in a quoted value"
    ---
    Text of the post.
"""

from __future__ import annotations

from collections.abc import Iterator

from postkit.checks.base import Finding
from postkit.checks.context import CheckContext
from postkit.post import SourcePost
from postkit.problems import Severity

CODE = "PK101"
NAME = "yaml-invalid"
SUMMARY = "YAML front matter that cannot be read (syntax error, unsafe tag, alias bomb)"
SEVERITY = Severity.ERROR


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    front_matter = context.front_matter(post)
    if front_matter.format == "yaml":
        yield from front_matter.errors
