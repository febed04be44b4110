"""What `postkit clean` shows at the end of a run: a summary table, a problem table, or JSON."""

from __future__ import annotations

import json
from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from postkit.clean import FileOutcome, Mode, RunSummary, Status
from postkit.pipeline import CleanResult

# How the summary names each count, in the order it lists them.
COUNT_LABELS = {
    "ad-slot": "ad slots removed",
    "promo": "promos removed",
    "promo-link": "promo links removed",
    "share-bar": "share bars removed",
    "like-widget": "like widgets removed",
    "related-posts": "related-post lists removed",
    "comments": "comment threads removed",
    "newsletter": "newsletter boxes removed",
    "navigation": "navigation removed",
    "feed-footer": "feed footers removed",
    "notice": "reprint and donation notices removed",
    "credit": "embed credits removed",
    "page-chrome": "page chrome around the article removed",
    "tracking-pixel": "tracking pixels removed",
    "script": "scripts removed",
    "inert": "forms, styles and embeds removed",
    "lazy-image": "lazy images repaired",
    "proxy-url": "image proxy URLs unwrapped",
    "duplicate-image": "second copies of an image removed",
    "url-absolute": "URLs made absolute",
    "email-decoded": "email addresses hidden by Cloudflare decoded",
    "entity-decoded": "HTML entities written as characters",
    "tracking-param": "tracking parameters dropped",
    "unsafe-link": "links that would run code neutralized",
    "html-span": "HTML blocks converted",
}


def render_summary(console: Console, summary: RunSummary, mode: Mode) -> None:
    verb = {Mode.WRITE: "changed", Mode.CHECK: "would change", Mode.DIFF: "would change"}[mode]
    table = Table(title="postkit clean", show_header=False, title_justify="left")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("files seen", str(summary.seen))
    table.add_row(f"files {verb}", str(summary.changed))
    table.add_row(
        "files unchanged", str(summary.statuses[Status.UNCHANGED.value] + summary.statuses[Status.CACHED.value])
    )
    table.add_row("  of them known clean (cache)", str(summary.statuses[Status.CACHED.value]))
    table.add_row("files skipped (text would be lost)", str(summary.statuses[Status.LOST_TEXT.value]))
    table.add_row("files failed", str(summary.failed))
    extra = [k for k in summary.counts if k not in COUNT_LABELS]
    for key in [*COUNT_LABELS, *sorted(extra)]:
        if summary.counts.get(key):
            table.add_row(COUNT_LABELS.get(key, key), str(summary.counts[key]))
    console.print(table)
    if summary.problems:
        problems = Table(title="Files not cleaned", title_justify="left")
        problems.add_column("path", overflow="fold")  # a path is folded onto more lines, never cut
        problems.add_column("line", justify="right", no_wrap=True)
        problems.add_column("reason", overflow="fold")
        for outcome in sorted(summary.problems, key=lambda o: o.path):
            problems.add_row(
                Text(outcome.path, overflow="fold"), str(outcome.line or ""), Text(outcome.message, overflow="fold")
            )
        console.print(problems)


def write_json(stream: TextIO, summary: RunSummary, mode: Mode) -> None:
    document = {
        "version": 1,
        "mode": mode.value,
        "files_seen": summary.seen,
        "statuses": dict(sorted(summary.statuses.items())),
        "counts": dict(sorted(summary.counts.items())),
        "changed": sorted(summary.changed_paths),
        "problems": [_problem(o) for o in sorted(summary.problems, key=lambda o: o.path)],
    }
    stream.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def render_explain(console: Console, result: CleanResult) -> None:
    """Each element cleaning removes from one post: the rule, what it held and how much."""
    table = Table(title=Text(f"What cleaning removes from {result.path}", overflow="fold"), title_justify="left")
    table.add_column("line:col", justify="right")
    table.add_column("kind")
    table.add_column("rule", overflow="fold")
    table.add_column("text it held", overflow="fold")
    table.add_column("chars", justify="right")
    for removal in result.removals:
        table.add_row(
            f"{removal.line}:{removal.column}",
            removal.kind,
            Text(removal.rule),
            Text(removal.excerpt or "(no text)"),
            str(removal.chars),
        )
    if result.removals:
        console.print(table)
    else:
        console.print(f"{result.path}: cleaning removes nothing", markup=False, soft_wrap=True)
    repairs = ", ".join(f"{COUNT_LABELS.get(k, k)}: {v}" for k, v in result.repairs)
    if repairs:
        console.print(f"repairs: {repairs}", markup=False)
    for lost in result.lost:
        console.print(f"line {lost.line}: text that would be lost: {lost.text}", style="red", markup=False)


def write_explain_json(stream: TextIO, result: CleanResult) -> None:
    document = {
        "version": 1,
        "path": result.path,
        "changed": result.changed,
        "removals": [
            {"line": r.line, "column": r.column, "kind": r.kind, "rule": r.rule, "excerpt": r.excerpt, "chars": r.chars}
            for r in result.removals
        ],
        "repairs": dict(result.repairs),
        "lost": [{"line": lost.line, "text": lost.text} for lost in result.lost],
    }
    stream.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def _problem(outcome: FileOutcome) -> dict[str, object]:
    return {
        "path": outcome.path,
        "status": outcome.status.value,
        "line": outcome.line,
        "message": outcome.message,
        "lost": [lost.text for lost in outcome.lost],
    }
