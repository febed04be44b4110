"""The human format: one rich table per file, then a one-line summary."""

from __future__ import annotations

import itertools

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from postkit.problems import Problem, Severity
from postkit.report.base import Reporter, Summary

# Output that is not a terminal (a file, a pipe, a test) gets a fixed width, so it does not
# depend on the COLUMNS of whoever ran the command.
PIPE_WIDTH = 120
PIPE_HEIGHT = 25

SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow"}


class TableReporter(Reporter):
    name = "table"

    def _console(self) -> Console:
        # rich ignores a width given without a height when TERM is "dumb", so pin both.
        width, height = (None, None) if self.stream.isatty() else (PIPE_WIDTH, PIPE_HEIGHT)
        return Console(
            file=self.stream,
            force_terminal=self.color,
            no_color=not self.color,
            # The styles below are all among the 16 standard colours; naming the system keeps
            # a requested colour on even where rich's detection would turn it off.
            color_system="standard" if self.color else None,
            width=width,
            height=height,
            # Problem text is data, never rich markup, emoji codes or something to highlight;
            # and output goes to the stream even inside Jupyter.
            markup=False,
            emoji=False,
            highlight=False,
            force_jupyter=False,
        )

    def _file_table(self, problems: list[Problem]) -> Table:
        with_hints = any(problem.hint for problem in problems)
        table = Table(box=box.SQUARE)
        table.add_column("Line:Col", justify="right", no_wrap=True)
        table.add_column("Code", no_wrap=True, style="cyan")
        table.add_column("Severity", no_wrap=True)
        table.add_column("Message")
        if with_hints:
            table.add_column("Hint", style="dim")
        for problem in problems:
            row = [
                Text(f"{problem.line}:{problem.column}"),
                Text(problem.code),
                Text(problem.severity.value, style=SEVERITY_STYLE[problem.severity]),
                Text(problem.message),
            ]
            if with_hints:
                row.append(Text(problem.hint))
            table.add_row(*row)
        return table

    def finish(self, summary: Summary) -> None:
        console = self._console()
        for path, group in itertools.groupby(sorted(self.problems), key=lambda problem: problem.path):
            console.print(Text(path, style="bold"))
            console.print(self._file_table(list(group)))
            console.print()
        style = "bold red" if summary.errors else ("yellow" if summary.warnings else "green")
        console.print(Text(summary.describe(), style=style))
