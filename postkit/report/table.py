"""The human format: one rich table per file, then a one-line summary; paths and URLs are never cut."""

from __future__ import annotations

import itertools

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from postkit.problems import Problem, Severity
from postkit.report.base import Reporter, Summary
from postkit.report.console import report_console

SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow"}


class TableReporter(Reporter):
    name = "table"

    def _console(self) -> Console:
        return report_console(self.stream, color=self.color)

    def _file_table(self, problems: list[Problem]) -> Table:
        with_hints = any(problem.hint for problem in problems)
        table = Table(box=box.SQUARE)
        table.add_column("Line:Col", justify="right", no_wrap=True)
        table.add_column("Code", no_wrap=True, style="cyan")
        table.add_column("Severity", no_wrap=True)
        table.add_column("Message", overflow="fold")
        if with_hints:
            table.add_column("Hint", style="dim", overflow="fold")
        for problem in problems:
            row = [
                Text(f"{problem.line}:{problem.column}"),
                Text(problem.code),
                Text(problem.severity.value, style=SEVERITY_STYLE[problem.severity]),
                Text(problem.message, overflow="fold"),
            ]
            if with_hints:
                row.append(Text(problem.hint, overflow="fold"))
            table.add_row(*row)
        return table

    def finish(self, summary: Summary) -> None:
        console = self._console()
        for path, group in itertools.groupby(sorted(self.problems), key=lambda problem: problem.path):
            console.print(Text(path, style="bold"), soft_wrap=True)  # a path is never wrapped or cut
            console.print(self._file_table(list(group)))
            console.print()
        style = "bold red" if summary.errors else ("yellow" if summary.warnings else "green")
        console.print(Text(summary.describe(), style=style))
