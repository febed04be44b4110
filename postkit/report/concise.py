"""The one-line format: ``path:line:col: CODE message`` per problem, as ruff, yamllint and markdownlint print.

Each problem is written as it arrives, so ``grep``, editors' quickfix lists and a long run's
log all see it at once; nothing is ever cut or wrapped. The summary sentence ends the report.
"""

from __future__ import annotations

from postkit.problems import Problem
from postkit.report.base import Reporter, Summary


def concise_line(problem: Problem) -> str:
    """``posts/a.md:3:1: PK101 front matter is not valid YAML: ...``, on one line whatever the message holds."""
    message = " ".join(problem.message.split())
    return f"{problem.path}:{problem.line}:{problem.column}: {problem.code} {message}"


class ConciseReporter(Reporter):
    name = "concise"

    def problem(self, problem: Problem) -> None:
        self.stream.write(concise_line(problem) + "\n")

    def finish(self, summary: Summary) -> None:
        self.stream.write(summary.describe() + "\n")
