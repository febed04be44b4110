"""TOML front matter (between ``+++`` fences) that cannot be read.

Hugo reads ``+++`` front matter as TOML. A syntax error, a key given twice or a bare string
stops the build; the problem points at the line and column the TOML reader names.

Failing example::

    +++
    title = An unquoted title
    +++

Passing example::

    +++
    title = "A quoted title"
    +++
    Text of the post.
"""

from __future__ import annotations

from collections.abc import Iterator

from postkit.checks.base import Finding
from postkit.checks.context import CheckContext
from postkit.post import SourcePost
from postkit.problems import Severity

CODE = "PK108"
NAME = "toml-invalid"
SUMMARY = "TOML front matter (+++) that cannot be read"
SEVERITY = Severity.ERROR


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    front_matter = context.front_matter(post)
    if front_matter.format == "toml":
        yield from front_matter.errors
