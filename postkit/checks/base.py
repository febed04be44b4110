"""The small records checks exchange with the engine: positions, findings and post summaries."""

from __future__ import annotations

import re
from dataclasses import dataclass

from postkit.body import Position


@dataclass(frozen=True)
class Finding:
    """What a check yields: a place and a message; the engine adds the code and severity.

    ``path`` is left ``None`` by per-post checks (the post's own path is used); archive checks,
    which look at many files, name the file the finding belongs to.
    """

    line: int
    column: int
    message: str
    hint: str = ""
    path: str | None = None

    @classmethod
    def at(cls, position: Position, message: str, hint: str = "", path: str | None = None) -> Finding:
        return cls(position.line, position.column, message, hint, path)


@dataclass(frozen=True)
class PostSummary:
    """The little an archive check needs from one post, so a run never holds bodies in memory.

    Values are as written in the front matter (``date`` keeps its own text and time zone);
    each ``*_at`` is the position of the value, ``None`` when the value is missing.
    """

    path: str
    title: str | None = None
    date: str | None = None
    source_url: str | None = None
    title_at: Position | None = None
    date_at: Position | None = None
    source_url_at: Position | None = None


_LEADING_DATE = re.compile(r"\s*(-?\d{1,4})-(\d{1,2})-(\d{1,2})(?!\d)")


def leading_date(text: str) -> tuple[int, int, int] | None:
    """(year, month, day) of the date a value starts with, as written: no time zone conversion."""
    match = _LEADING_DATE.match(text)
    return (int(match.group(1)), int(match.group(2)), int(match.group(3))) if match else None


def format_date(date: tuple[int, int, int]) -> str:
    year, month, day = date
    return f"{year:04d}-{month:02d}-{day:02d}" if year >= 0 else f"-{-year:03d}-{month:02d}-{day:02d}"
