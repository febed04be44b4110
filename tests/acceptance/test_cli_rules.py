"""`postkit rules` and the command list of `postkit --help`, through Typer's CliRunner."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner, Result

from postkit.checks import RULES, get_rule
from postkit.cli import app


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_rules_lists_every_rule_with_name_severity_and_summary() -> None:
    result = invoke("rules")
    assert (result.exit_code, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Code", "Name", "Severity", "Summary"]
    rows = [line.split(None, 3) for line in lines if re.match(r" PK\d{3} ", line)]
    assert [row[0] for row in rows] == list(RULES)
    for code, name, severity, summary in rows:
        rule = RULES[code]
        assert (name, severity) == (rule.name, rule.severity.value)
        assert rule.summary.startswith(summary.strip())  # a long summary wraps onto the next line
    assert lines[-1] == "`postkit rules CODE` explains one rule with its examples."


def test_rules_with_a_prefix_lists_that_family() -> None:
    result = invoke("rules", "PK2")
    assert result.exit_code == 0
    assert re.findall(r"^ (PK\d{3}) ", result.stdout, re.MULTILINE) == [code for code in RULES if code[2] == "2"]


def test_rules_code_explains_one_rule_with_its_examples() -> None:
    result = invoke("rules", "pk105")
    rule = get_rule("PK105")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        f"PK105 yaml11-boolean (warning, front matter rule)\n\n{rule.description}\n\n"
        "Failing example:\n\n"
        "    ---\n    title: Is it on?\n    comments: no\n    ---\n\n"
        "Passing example:\n\n"
        "    ---\n    title: Is it on?\n    comments: false\n    ---\n    Text of the post.\n"
    )


@pytest.mark.parametrize("code", list(RULES))
def test_every_rule_can_be_explained(code: str) -> None:
    result = invoke("rules", code)
    assert result.exit_code == 0
    assert result.stdout.startswith(f"{code} {RULES[code].name} (")
    assert "\nFailing example:\n\n    " in result.stdout and "\nPassing example:\n\n    " in result.stdout


def test_an_unknown_code_exits_2_listing_the_valid_codes() -> None:
    result = invoke("rules", "PK999")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"postkit: unknown rule 'PK999'; known rules: {', '.join(RULES)}\n"
    result = invoke("rules", "PK4")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"postkit: no rule matches 'PK4'; known rules: {', '.join(RULES)}\n"


def test_help_lists_the_commands_with_one_line_descriptions() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    commands = dict(re.findall(r"│ (convert|clean|validate|rules) +(\S.*?) *│", result.stdout))
    assert commands["validate"].startswith("Check posts' front matter and content")
    assert commands["rules"].startswith("List validate's rules, or explain one")
