"""What a cleaning run did to one post: removals, repairs, lost text."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

EXCERPT_CHARS = 80


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@dataclass(frozen=True)
class Removal:
    """One element the strip stage removed, attributed to the rule that matched it."""

    kind: str
    rule: str
    excerpt: str
    chars: int
    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class LostText:
    """Text of the input that the output does not have, found by the verify stage."""

    line: int
    text: str


@dataclass
class FragmentReport:
    removals: list[Removal] = field(default_factory=list)
    # where an element stands in the file (line, column), as validate and explain place it
    locate: Callable[[Any], tuple[int, int]] | None = field(default=None, repr=False)
    # each removal of cruft records its excerpt and size (what explain shows); a clean run shows none
    excerpts: bool = field(default=True, repr=False)
    repairs: Counter[str] = field(default_factory=Counter)
    lost: list[LostText] = field(default_factory=list)
