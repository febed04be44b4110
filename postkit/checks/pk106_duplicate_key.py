"""A key that appears twice in the same YAML mapping.

PyYAML silently keeps the last value, so the first one is lost without a word; other readers
keep the first or refuse the file. Keys count as the same when a safe loader makes the same
value of them (``yes`` and ``true`` are one boolean key). The second key is reported, with the
line of the first.

Failing example::

    ---
    title: First title
    date: 2021-08-10
    title: Second title
    ---

Passing example::

    ---
    title: First title
    date: 2021-08-10
    ---
    Text of the post.
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from postkit.checks.base import Finding
from postkit.checks.context import CheckContext
from postkit.checks.frontmatter import MERGE_TAG, scalar_identity
from postkit.post import SourcePost
from postkit.problems import Severity

CODE = "PK106"
NAME = "duplicate-key"
SUMMARY = "a key that appears twice in one YAML mapping (the last one silently wins)"
SEVERITY = Severity.ERROR


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    front_matter = context.front_matter(post)
    for node in front_matter.nodes():
        if not isinstance(node, yaml.MappingNode):
            continue
        seen: dict[tuple[str, object], yaml.Node] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == MERGE_TAG:
                continue
            first = seen.setdefault(scalar_identity(key_node), key_node)
            if first is key_node:
                continue
            first_line = front_matter.mark_position(first.start_mark).line
            yield Finding.at(
                front_matter.mark_position(key_node.start_mark),
                f"duplicate key '{key_node.value}' (first on line {first_line}); "
                "YAML readers keep only one of the values",
                "remove one of the keys or merge their values",
            )
