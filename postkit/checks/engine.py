"""Running checks: every post rule on one post at a time, then archive rules over post summaries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from postkit.checks.base import Finding, PostSummary
from postkit.checks.context import CheckContext
from postkit.checks.registry import Rule
from postkit.errors import PostError
from postkit.post import BOM, SourcePost, decode, read_post, split_post
from postkit.problems import Problem


def split_for_check(text: str, path: str = "<text>", bom: str = "", encoding: str = "utf-8") -> SourcePost:
    """Split a post like ``split_post``, but keep a post whose front matter never closes.

    Such a post comes back unsplit (no front matter, the whole text as body) so that PK102 can
    report it and the other rules can still run, instead of the run stopping at an exception.
    """
    try:
        return split_post(text, path=path, bom=bom, encoding=encoding)
    except PostError:
        if text.startswith(BOM):
            bom, text = bom + BOM, text[1:]
        return SourcePost(path=path, front_matter="", body=text, bom=bom, encoding=encoding)


def read_post_for_check(path: str, encoding: str | None = None, max_size: int | None = None) -> SourcePost:
    """Read a post like ``read_post``; a front matter that never closes is kept for PK102.

    Raises PostError only for a file that cannot be read or decoded.
    """
    try:
        return read_post(path, encoding=encoding, max_size=max_size)
    except PostError as exc:
        if exc.line is None:
            raise  # unreadable, undecodable or too large: not a problem a rule can point at
    with open(path, "rb") as handle:
        bom, text, used = decode(handle.read(), path, encoding)
    return split_for_check(text, path=path, bom=bom, encoding=used)


def check_post(post: SourcePost, rules: Sequence[Rule], context: CheckContext) -> list[Problem]:
    """Problems the post rules among ``rules`` find in one post, sorted by position."""
    problems = [
        _problem(rule, finding, post.path)
        for rule in rules
        if rule.post_check is not None
        for finding in rule.post_check(post, context)
    ]
    problems.sort()
    return problems


def check_text(text: str, path: str, rules: Sequence[Rule], context: CheckContext) -> list[Problem]:
    """Check decoded text as one post; the pure core of ``postkit validate`` for one file."""
    return check_post(split_for_check(text, path=path), rules, context)


def check_texts(files: Iterable[tuple[str, str]], rules: Sequence[Rule], context: CheckContext) -> list[Problem]:
    """Check decoded (path, text) pairs as one run: post rules on each, then archive rules on all."""
    problems: list[Problem] = []
    summaries: list[PostSummary] = []
    for path, text in files:
        post = split_for_check(text, path=path)
        problems.extend(check_post(post, rules, context))
        summaries.append(summarize(post, context))
    problems.extend(check_archive(summaries, rules))
    problems.sort()
    return problems


def summarize(post: SourcePost, context: CheckContext) -> PostSummary:
    """The title, date and source URL of a post as written, with their positions, for archive rules."""
    front_matter = context.front_matter(post)
    data = front_matter.data if front_matter.is_mapping else {}

    def text_of(key: str) -> str | None:
        value = data.get(key)
        return value if isinstance(value, str) and value.strip() else None

    title, date, source_url = text_of("title"), text_of("date"), text_of(context.source_url_key)
    return PostSummary(
        path=post.path,
        title=title,
        date=date,
        source_url=source_url,
        title_at=front_matter.locate(("title",)) if title is not None else None,
        date_at=front_matter.locate(("date",)) if date is not None else None,
        source_url_at=front_matter.locate((context.source_url_key,)) if source_url is not None else None,
    )


def check_archive(summaries: Iterable[PostSummary], rules: Sequence[Rule]) -> list[Problem]:
    """Problems the archive rules among ``rules`` find across all posts of a run, sorted.

    Summaries are taken in path order, so which of two duplicates is reported does not depend
    on the order files were found in.
    """
    ordered = sorted(summaries, key=lambda summary: summary.path)
    problems = [
        _problem(rule, finding, "<archive>")
        for rule in rules
        if rule.archive_check is not None
        for finding in rule.archive_check(ordered)
    ]
    problems.sort()
    return problems


def _problem(rule: Rule, finding: Finding, path: str) -> Problem:
    return Problem(
        path=finding.path or path,
        line=finding.line,
        column=finding.column,
        code=rule.code,
        severity=rule.severity,
        message=finding.message,
        hint=finding.hint,
    )
