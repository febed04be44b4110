"""Problem reporters by name: table, concise, json, github and sarif, and how ``--format auto`` picks one."""

from __future__ import annotations

from collections.abc import Mapping

from postkit.errors import ConfigError
from postkit.report.base import Reporter, RuleInfo, Summary
from postkit.report.concise import ConciseReporter
from postkit.report.github import GithubReporter
from postkit.report.json import JsonReporter
from postkit.report.sarif import SarifReporter
from postkit.report.table import TableReporter

__all__ = [
    "REPORTER_BY_NAME",
    "ConciseReporter",
    "GithubReporter",
    "JsonReporter",
    "Reporter",
    "RuleInfo",
    "SarifReporter",
    "Summary",
    "TableReporter",
    "resolve_format",
]

REPORTER_BY_NAME: dict[str, type[Reporter]] = {
    reporter.name: reporter
    for reporter in (TableReporter, ConciseReporter, JsonReporter, GithubReporter, SarifReporter)
}

AUTO = "auto"


def resolve_format(name: str, env: Mapping[str, str], is_terminal: bool) -> str:
    """The reporter name for ``--format NAME``.

    ``auto`` is github inside GitHub Actions, the table on a terminal, and the one-line
    ``concise`` format when the output is a pipe or a file (as ruff and yamllint do).
    """
    if name == AUTO:
        if env.get("GITHUB_ACTIONS") == "true":
            return "github"
        return "table" if is_terminal else "concise"
    if name not in REPORTER_BY_NAME:
        valid = ", ".join([AUTO, *sorted(REPORTER_BY_NAME)])
        raise ConfigError(f"unknown report format {name!r}; expected one of: {valid}")
    return name
