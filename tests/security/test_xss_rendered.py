"""Generated XSS vectors, cleaned with each sanitizer, rendered by every renderer a site uses, checked statically.

Every vector of ``xss_generated`` in each of its six placements goes through ``clean_text``
with nh3 and with bleach; each distinct cleaned body is rendered once per renderer
(markdown-it, cmark-gfm, kramdown as Jekyll runs it, goldmark through Hugo) in one batch, and the
HTML is read with lxml: no script-like, embedding, form or meta element, no ``on*`` attribute,
no ``srcdoc``, no executable URL in any URL attribute after decoding (``test_xss.dom_problems``).

A renderer that is not installed is skipped with the reason. The figures (vectors, posts,
findings by family) are written as JSON to the file ``POSTKIT_XSS_FIGURES`` names, if set.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from renderers import RENDERERS, RenderError, missing, render_many
from test_xss import HAS_BLEACH, dom_problems
from xss_generated import PLACEMENTS, SANITIZERS, Cleaned, clean_all, vectors


@cache
def cleaned() -> tuple[Cleaned, ...]:
    return tuple(clean_all(SANITIZERS if HAS_BLEACH else ("nh3",)))


@dataclass(frozen=True)
class Rendered:
    bodies: tuple[str, ...]  # distinct cleaned bodies, in order
    html: tuple[str | None, ...]  # what the renderer made of each; None where it refused the document
    errors: tuple[tuple[int, str], ...]


@cache
def rendered(renderer: str) -> Rendered:
    bodies = tuple(dict.fromkeys(c.body for c in cleaned()))
    try:
        html: list[str | None] = list(render_many(list(bodies), renderer))
        errors: dict[int, str] = {}
    except RenderError as failed:
        html, errors = failed.partial, failed.failures
    return Rendered(bodies, tuple(html), tuple(errors.items()))


# goldmark (and cmark-gfm) read `- [x]` as a task: a disabled checkbox, the one <input> a renderer writes itself
_TASK_BOX = re.compile(r'<input (?:checked="" )?disabled="" type="checkbox"> ?')


def findings(renderer: str) -> dict[str, list[str]]:
    """Each problem in a rendered page, by the family of the vector that led to it."""
    result = rendered(renderer)
    problems_by_body = {}
    for body, page in zip(result.bodies, result.html, strict=True):
        if page is not None:
            problems_by_body[body] = list(dom_problems(_TASK_BOX.sub("", page), renderer))
    found: dict[str, list[str]] = defaultdict(list)
    for item in cleaned():
        for problem in problems_by_body.get(item.body, ()):
            found[item.vector.family].append(
                f"{item.sanitizer}/{item.placement}: {item.vector.text!r} -> {item.body!r}: {problem}"
            )
    return found


@pytest.mark.parametrize("renderer", RENDERERS)
def test_nothing_executable_in_any_rendered_page(renderer: str) -> None:
    reason = missing(renderer)
    if reason:
        pytest.skip(reason)
    found = findings(renderer)
    _write_figures(renderer, found)
    summary = {family: len(items) for family, items in sorted(found.items())}
    examples = [items[0] for items in found.values()]
    assert not found, f"{renderer}: findings by family {summary}; first of each:\n" + "\n".join(examples[:40])


@pytest.mark.parametrize("renderer", RENDERERS)
def test_every_cleaned_post_renders(renderer: str) -> None:
    """A cleaned post must not break a site's build (a kramdown exception, a page Hugo refuses)."""
    reason = missing(renderer)
    if reason:
        pytest.skip(reason)
    result = rendered(renderer)
    errors = [(result.bodies[i], message[:300]) for i, message in result.errors]
    assert not errors, f"{renderer} refused {len(errors)} cleaned posts; first: {errors[:3]}"


def test_the_suite_is_as_large_as_it_says() -> None:
    """Well over a thousand vectors, in every family, each in six placements with each sanitizer."""
    families = Counter(v.family.split(":")[0] for v in vectors())
    assert len(vectors()) > 1000
    assert set(families) >= {
        "url",
        "reference",
        "kramdown",
        "goldmark",
        "handler",
        "svg-mathml",
        "document",
        "mutation",
        "joined",
    }
    assert len(cleaned()) == len(vectors()) * len(PLACEMENTS) * (len(SANITIZERS) if HAS_BLEACH else 1)


def _write_figures(renderer: str, found: dict[str, list[str]]) -> None:
    target = os.environ.get("POSTKIT_XSS_FIGURES")
    if not target:
        return
    path = Path(target)
    figures = json.loads(path.read_text()) if path.exists() else {}
    figures[renderer] = {
        "vectors": len(vectors()),
        "placements": len(PLACEMENTS),
        "cleaned_posts": len(cleaned()),
        "distinct_bodies": len(rendered(renderer).bodies),
        "findings": sum(map(len, found.values())),
        "findings_by_family": {family: len(items) for family, items in found.items()},
    }
    path.write_text(json.dumps(figures, indent=1))
