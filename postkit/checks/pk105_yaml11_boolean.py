"""Unquoted words that YAML 1.1 reads as booleans.

PyYAML and Jekyll read unquoted ``yes``, ``no``, ``on`` and ``off`` (in any of their cases) as
true or false, so ``answer: no`` holds the boolean false and a country code ``NO`` vanishes.
``y`` and ``n`` stay text there but are booleans to other YAML 1.1 readers. Keys are checked
too. Quote the word to keep it as text; write ``true`` or ``false`` for a boolean.

Failing example::

    ---
    title: Is it on?
    comments: no
    ---

Passing example::

    ---
    title: Is it on?
    comments: false
    ---
    Text of the post.
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from postkit.checks.base import Finding
from postkit.checks.context import CheckContext
from postkit.checks.frontmatter import BOOL_TAG, STR_TAG, is_plain
from postkit.post import SourcePost
from postkit.problems import Severity

CODE = "PK105"
NAME = "yaml11-boolean"
SUMMARY = "unquoted yes/no/on/off/y/n that YAML 1.1 readers turn into booleans"
SEVERITY = Severity.WARNING

_TRUE = frozenset({"y", "Y", "yes", "Yes", "YES", "on", "On", "ON"})
_FALSE = frozenset({"n", "N", "no", "No", "NO", "off", "Off", "OFF"})
_ONLY_SOME_READERS = frozenset({"y", "Y", "n", "N"})


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    front_matter = context.front_matter(post)
    for node in front_matter.nodes():
        if not isinstance(node, yaml.ScalarNode) or not is_plain(node):
            continue
        word = node.value
        if node.tag == BOOL_TAG and word in _TRUE | _FALSE:
            readers = "YAML 1.1 readers such as PyYAML and Jekyll"
        elif node.tag == STR_TAG and word in _ONLY_SOME_READERS:
            readers = "some YAML 1.1 readers (PyYAML and Jekyll keep it as text)"
        else:
            continue
        meaning = "true" if word in _TRUE else "false"
        yield Finding.at(
            front_matter.mark_position(node.start_mark),
            f"'{word}' is read as the boolean {meaning} by {readers}",
            f'write {meaning} for a boolean, or quote it ("{word}") to keep it as text',
        )
