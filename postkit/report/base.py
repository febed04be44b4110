"""The reporter contract every output format follows, and the records a reporter is handed."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar, TextIO

from postkit.problems import Problem, Severity


def _installed_version() -> str:
    try:
        return importlib.metadata.version("postkit")
    except importlib.metadata.PackageNotFoundError:
        # Running from a source tree that was never installed: still report something honest.
        return "0+unknown"


def _installed_homepage() -> str:
    """``Homepage`` from ``[project.urls]`` in the installed metadata, or "" when there is none."""
    try:
        entries = importlib.metadata.metadata("postkit").get_all("Project-URL") or []
    except importlib.metadata.PackageNotFoundError:
        return ""
    for entry in entries:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "homepage":
            return url.strip()
    return ""


POSTKIT_VERSION = _installed_version()
POSTKIT_HOMEPAGE = _installed_homepage()


@dataclass(frozen=True)
class RuleInfo:
    """What a reporter may say about a problem code beyond the problem itself."""

    code: str
    name: str
    summary: str
    severity: Severity
    help_uri: str = ""


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


@dataclass(frozen=True)
class Summary:
    """The totals of one run, counted by the caller after any filtering."""

    files_checked: int
    errors: int
    warnings: int

    @classmethod
    def from_problems(cls, files_checked: int, problems: Iterable[Problem]) -> Summary:
        severities = [problem.severity for problem in problems]
        return cls(
            files_checked=files_checked,
            errors=severities.count(Severity.ERROR),
            warnings=severities.count(Severity.WARNING),
        )

    def describe(self) -> str:
        """One plain sentence, e.g. ``Checked 12 files: 3 errors, 1 warning``."""
        checked = f"Checked {_plural(self.files_checked, 'file')}"
        if self.errors == 0 and self.warnings == 0:
            return f"{checked}: no problems"
        return f"{checked}: {_plural(self.errors, 'error')}, {_plural(self.warnings, 'warning')}"


def message_with_hint(problem: Problem) -> str:
    """The message, and the fix hint on its own line, for formats with a single text field."""
    if problem.hint:
        return f"{problem.message}\nhint: {problem.hint}"
    return problem.message


class Reporter:
    """Receives problems one by one and renders them to one stream.

    The caller calls ``start()`` once, ``problem()`` for each finding in any order, then
    ``finish()`` once. Reporters write only to ``stream``; they never print, exit or close it.
    The default ``problem()`` collects findings so document formats can write them at finish.
    """

    name: ClassVar[str]

    def __init__(
        self,
        stream: TextIO,
        *,
        rules: Mapping[str, RuleInfo] | None = None,
        color: bool = False,
        tool_version: str = POSTKIT_VERSION,
    ) -> None:
        self.stream = stream
        self.rules: Mapping[str, RuleInfo] = rules if rules is not None else {}
        self.color = color
        self.tool_version = tool_version
        self.problems: list[Problem] = []

    def start(self) -> None:
        """Called once before any problem; most formats have nothing to write yet."""

    def problem(self, problem: Problem) -> None:
        self.problems.append(problem)

    def finish(self, summary: Summary) -> None:
        """Called once after the last problem; every format writes at least its summary here."""
        raise NotImplementedError
