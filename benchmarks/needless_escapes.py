"""Which of the backslash escapes `postkit clean` adds are needless, asked of the real renderers.

    python benchmarks/needless_escapes.py [CORPUS] [--renderers markdown-it,cmark-gfm,kramdown,goldmark]

fidelity.py counts the escapes clean adds (escapes in the output body less those in the source
body). This script tells the needed from the needless: for every post that gained escapes, each
escape of its output is taken out in turn and the post rendered again with every renderer given
(the harness the tests use, tests/renderers.py). An escape is needless when no renderer's HTML
changes without it. Per post, the needless escapes counted against clean are at most the escapes
it added (the source's own may be among the needless ones). Prints, per site: posts, escapes
added per post, needless among them per post, and the characters escaped needlessly.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from renderers import RenderError, available, render_many  # noqa: E402

from postkit import CleanOptions  # noqa: E402
from postkit.pipeline import clean_post  # noqa: E402
from postkit.post import split_post  # noqa: E402

# as fidelity.py counts them
ESCAPE = re.compile(r"\\[!-/:-@\[-`{-~]")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", default=str(ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--renderers", default=",".join(available()))
    args = parser.parse_args()
    renderers = [name for name in args.renderers.split(",") if name]
    if not renderers:
        raise SystemExit("no renderer available (markdown-it always is: is the test extra installed?)")
    paths = sorted(p for p in Path(args.corpus).glob("*/*") if p.suffix in (".md", ".markdown"))
    posts: list[_Post] = []
    totals: Counter[str] = Counter()
    for path in paths:
        post = split_post(path.read_bytes().decode("utf-8", "replace"), path=str(path))
        result = clean_post(post, CleanOptions(), details=False)
        body = result.post.body if result.post is not None else ""
        totals[path.parent.name] += 1
        escapes = [match.start() for match in ESCAPE.finditer(body)]
        added = max(0, len(escapes) - len(ESCAPE.findall(post.body)))
        if added:
            posts.append(_Post(path.parent.name, added, body, escapes))
    same = _Renderings(renderers, [item.body for item in posts])
    # 1. each escape alone: one that changes a rendering by itself is needed
    trials = [(n, i) for n, item in enumerate(posts) for i in range(len(item.escapes))]
    for (n, i), kept in zip(trials, same.check([(n, posts[n].without([i])) for n, i in trials]), strict=True):
        if kept:
            posts[n].candidates.append(i)
    # 2. all the post's candidates at once; where that changes a rendering (a pair `\*a\*`, each
    # harmless alone), one at a time on top of those already taken, in rounds over all posts
    together = same.check([(n, item.without(item.candidates)) for n, item in enumerate(posts)])
    for item, kept in zip(posts, together, strict=True):
        item.needless, item.pending = (set(item.candidates), []) if kept else (set(), list(item.candidates))
    while rounds := [(n, posts[n].pending.pop(0)) for n in range(len(posts)) if posts[n].pending]:
        checks = [(n, posts[n].without([*posts[n].needless, i])) for n, i in rounds]
        for (n, i), kept in zip(rounds, same.check(checks), strict=True):
            if kept:
                posts[n].needless.add(i)
    added_by_site: Counter[str] = Counter()
    needless_by_site: Counter[str] = Counter()
    chars: dict[str, Counter[str]] = defaultdict(Counter)
    for item in posts:
        added_by_site[item.site] += item.added
        needless_by_site[item.site] += min(item.added, len(item.needless))
        chars[item.site].update(item.body[item.escapes[i] + 1] for i in item.needless)
    print(
        f"renderers: {', '.join(renderers)}; needless: the escapes that can all be taken out together "
        "with no renderer showing the post differently"
    )
    print("\n| site | posts | escapes added per post | needless among them per post | needless, by character |")
    print("|---|---|---|---|---|")
    for site in [*sorted(totals), "**total**"]:
        if site == "**total**":
            count, added, needless = sum(totals.values()), sum(added_by_site.values()), sum(needless_by_site.values())
            escaped = sum(chars.values(), Counter())
        else:
            count, added, needless, escaped = totals[site], added_by_site[site], needless_by_site[site], chars[site]
        shown = ", ".join(f"`{char}` {n}" for char, n in escaped.most_common(6))
        print(f"| {site} | {count} | {added / max(1, count):.2f} | {needless / max(1, count):.2f} | {shown} |")
    return 0


@dataclass
class _Post:
    site: str
    added: int
    body: str
    escapes: list[int]  # where each backslash of an escape stands
    candidates: list[int] = field(default_factory=list)  # escapes harmless to take out alone
    needless: set[int] = field(default_factory=set)
    pending: list[int] = field(default_factory=list)

    def without(self, dropped: list[int] | set[int]) -> str:
        cut = sorted((self.escapes[i] for i in dropped), reverse=True)
        body = self.body
        for start in cut:
            body = body[:start] + body[start + 1 :]
        return body


class _Renderings:
    """The posts' outputs rendered once by every renderer; ``check`` tells which variants render the same."""

    def __init__(self, renderers: list[str], bodies: list[str]) -> None:
        self.renderers = renderers
        self.base = {name: _render(bodies, name) for name in renderers}

    def check(self, variants: list[tuple[int, str]]) -> list[bool]:
        html = {name: _render([text for _, text in variants], name) for name in self.renderers}
        return [
            all(
                html[name][n] == self.base[name][post]
                for name in self.renderers
                if html[name][n] is not None and self.base[name][post] is not None
            )
            for n, (post, _) in enumerate(variants)
        ]


def _render(documents: list[str], renderer: str) -> list[str | None]:
    """Each document's HTML; None where the renderer refused it (Hugo, a shortcode it lacks):
    that post is then compared by the other renderers alone."""
    try:
        return list(render_many(documents, renderer))
    except RenderError as error:
        return error.partial


if __name__ == "__main__":
    sys.exit(main())
