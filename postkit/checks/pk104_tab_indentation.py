"""Tabs in the indentation of YAML front matter.

YAML allows only spaces for indentation. PyYAML stops with "found character '\\t' that cannot
start any token"; other readers guess. Each line whose leading whitespace holds a tab is
reported at the tab, also when the YAML does not parse, so the cause is named next to the
syntax error. Tabs inside quoted or block scalars that continue onto the line are content and
are not reported.

Failing example (the ``- news`` line is indented with a tab)::

    ---
    title: Tabs
    tags:
    \t- news
    ---

Passing example::

    ---
    title: Tabs
    tags:
      - news
    ---
    Text of the post.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from postkit.checks.base import Finding
from postkit.checks.context import CheckContext
from postkit.post import SourcePost
from postkit.problems import Severity

CODE = "PK104"
NAME = "tab-indentation"
SUMMARY = "tabs in the indentation of YAML front matter"
SEVERITY = Severity.ERROR

_INDENT = re.compile(r"[ \t]*")


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    front_matter = context.front_matter(post)
    if front_matter.format != "yaml" or "\t" not in front_matter.text:
        return
    inside_values = front_matter.continuation_lines() if front_matter.root is not None else set()
    for number, line in front_matter.lines():
        indent = _INDENT.match(line)
        tab = indent.group().find("\t") if indent else -1
        if tab >= 0 and number not in inside_values:
            yield Finding(
                number,
                tab + 1,
                "tab in the indentation of the front matter; YAML allows only spaces",
                "replace the tab with spaces",
            )
