"""A comment thread or comment form left in the body.

Readers' comments and the form to leave one (WordPress ``#comments``, ``#respond``,
``comment-list``) belong to the page, not to the article: the form no longer posts anywhere and
the comments are other people's words under the author's name.

An element the rule packs list under ``! kind: comments`` is reported where ``postkit clean``
would remove it; one element is one problem, however many of its wrappers match.

Failing example::

    ---
    title: Flood warning
    ---
    <p>The river rose overnight.</p>
    <div id="comments" class="comments-area"><h2>3 comments</h2><p>Great post!</p></div>

Passing example::

    ---
    title: Flood warning
    ---
    The river rose overnight.
"""

from __future__ import annotations

from collections.abc import Iterator

from postkit.checks.base import Finding
from postkit.checks.content import kind_findings
from postkit.checks.context import CheckContext
from postkit.post import SourcePost
from postkit.problems import Severity

CODE = "PK213"
NAME = "comments"
SUMMARY = "a comment thread or comment form left in the body"
SEVERITY = Severity.ERROR
KIND = "comments"
NOUN = "comment thread or form"


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    yield from kind_findings(context.body(post), KIND, NOUN)
