"""GitHub Actions workflow commands, so problems show as annotations on the pull request.

Each problem is written as soon as it arrives (in the order the caller sends them), so a
long run shows progress in the log. ``finish`` writes the plain summary sentence, which the
log shows as an ordinary line; it is not a workflow command.
"""

from __future__ import annotations

from postkit.problems import Problem
from postkit.report.base import Reporter, Summary, message_with_hint

# The runner decodes these in the command's data (the text after "::") ...
_DATA_ESCAPES = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A"})
# ... and these as well in property values, where ":" and "," are separators.
_PROPERTY_ESCAPES = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A", ":": "%3A", ",": "%2C"})


def escape_data(text: str) -> str:
    return text.translate(_DATA_ESCAPES)


def escape_property(text: str) -> str:
    return text.translate(_PROPERTY_ESCAPES)


def workflow_command(problem: Problem) -> str:
    """``::error file=…,line=…,col=…,title=CODE::message`` for one problem."""
    properties = {
        "file": problem.path,
        "line": str(problem.line),
        "col": str(problem.column),
        "title": problem.code,
    }
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{problem.severity.value} {rendered}::{escape_data(message_with_hint(problem))}"


class GithubReporter(Reporter):
    name = "github"

    def problem(self, problem: Problem) -> None:
        self.stream.write(workflow_command(problem) + "\n")

    def finish(self, summary: Summary) -> None:
        self.stream.write(summary.describe() + "\n")
