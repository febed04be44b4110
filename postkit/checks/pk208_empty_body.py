"""A post whose body has no text.

A body with no words a reader would see: nothing at all, only whitespace and comments, or
only markup that shows nothing, such as empty wrappers or cruft (a share bar, a related-posts
list) that ``postkit clean`` removes. An archived post like that lost its article when it was
scraped, or is a draft. An image, video or embedded frame counts as content, so a photo post
is not empty. Section pages that are only front matter by design (Hugo's ``_index.md``) can
be left out with ``per-file-ignores``.

Failing example::

    ---
    title: Flood warning
    ---
    <div class="sharedaddy"><h3>Share this:</h3></div>

Passing example::

    ---
    title: Flood warning
    ---
    The river rose overnight.
"""

from __future__ import annotations

from collections.abc import Iterator

from postkit.checks.base import Finding
from postkit.checks.content import MEDIA, Body, visible_strings
from postkit.checks.context import CheckContext
from postkit.post import SourcePost
from postkit.problems import Severity

CODE = "PK208"
NAME = "empty-body"
SUMMARY = "a post whose body has no visible text"
SEVERITY = Severity.WARNING


def check(post: SourcePost, context: CheckContext) -> Iterator[Finding]:
    body = context.body(post)
    if _has_content(body):
        return
    if not body.text.strip():
        # after the closing fence, where the text should start (line 1 of a file that is empty)
        yield Finding(max(1, body.first_line - 1), 1, "the post has no body", "add the post's text, or delete the post")
        return
    position = body.position(len(body.text) - len(body.text.lstrip()))
    kinds = sorted({cruft.kind for part in body.parts for cruft in part.cruft})
    if kinds:
        what = f"no visible text, only cruft ({', '.join(kinds)}) that `postkit clean` removes"
    elif body.parts:
        what = "no visible text, only markup that shows nothing"
    elif not body.markdown_text().strip():
        what = "no visible text, only HTML comments"
    else:
        what = "no words, only punctuation"
    yield Finding.at(
        position, f"the body has {what}", "add the post's text, or delete the post if its article was lost"
    )


def _has_content(body: Body) -> bool:
    if any(character.isalnum() for character in body.markdown_text()):
        return True
    for part in body.parts:
        skip = {id(cruft.element) for cruft in part.cruft}
        if any(character.isalnum() for text in visible_strings(part.tree, skip) for character in text):
            return True
        if any(not part.removed_by_clean(element) for element in part.named(*MEDIA)):
            return True
    return False
