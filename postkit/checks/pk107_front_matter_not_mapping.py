"""YAML front matter that is not a mapping of keys to values.

Front matter is read as ``key: value`` lines. A list (``- title``) or a lone value parses as
YAML but gives a generator no keys at all, so the post has no title, date or layout.

Failing example::

    ---
    - title: A list item, not a key
    ---

Passing example::

    ---
    title: A key and its value
    ---
    Text of the post.
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from postkit.checks.base import Finding
from postkit.checks.context import CheckContext
from postkit.post import SourcePost
from postkit.problems import Severity

CODE = "PK107"
NAME = "front-matter-not-mapping"
SUMMARY = "YAML front matter that is a list or a single value, not key: value pairs"
SEVERITY = Severity.ERROR


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    front_matter = context.front_matter(post)
    root = front_matter.root
    if front_matter.format != "yaml" or root is None or isinstance(root, yaml.MappingNode):
        return
    kind = "a list" if isinstance(root, yaml.SequenceNode) else "a single value"
    yield Finding.at(
        front_matter.mark_position(root.start_mark),
        f"front matter is {kind}, not a mapping of keys to values",
        "write the front matter as 'key: value' lines",
    )
