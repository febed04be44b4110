"""The rule registry: conventions every check module keeps, lookups, and selection by prefix."""

from __future__ import annotations

import pkgutil
import types
from pathlib import Path

import pytest

import postkit.checks
from postkit.checks import (
    RULES,
    CheckContext,
    Rule,
    UnknownRuleError,
    check_texts,
    get_rule,
    load_schema,
    select_rules,
    split_example_files,
)
from postkit.checks.registry import CHECK_MODULES, _build_registry
from postkit.config import DEFAULT_CONFIG
from postkit.errors import ConfigError
from postkit.problems import Severity
from postkit.validate import ValidateJob, check_file

FILE = ["PK100"]
FRONT_MATTER = ["PK101", "PK102", "PK103", "PK104", "PK105", "PK106", "PK107", "PK108", "PK109"]
CONTENT = [f"PK{n}" for n in range(201, 222)]
ARCHIVE = ["PK301", "PK302", "PK303"]
ALL = FILE + FRONT_MATTER + CONTENT + ARCHIVE


def codes(rules: list[Rule]) -> list[str]:
    return [rule.code for rule in rules]


def test_registry_holds_every_family_in_code_order() -> None:
    assert list(RULES) == ALL
    assert all(rule.scope == "archive" for code, rule in RULES.items() if code.startswith("PK3"))
    assert all(rule.scope == "post" for code, rule in RULES.items() if code[:3] in ("PK1", "PK2") and code != "PK100")
    assert RULES["PK100"].scope == "file"


def test_every_check_module_in_the_package_is_registered() -> None:
    on_disk = {info.name for info in pkgutil.iter_modules(postkit.checks.__path__) if info.name.startswith("pk")}
    registered = {module.__name__.rsplit(".", 1)[1] for module in CHECK_MODULES}
    assert on_disk == registered


@pytest.mark.parametrize("code", list(RULES))
def test_module_file_name_matches_code_and_name(code: str) -> None:
    rule = RULES[code]
    module = next(module for module in CHECK_MODULES if code == module.CODE)
    assert module.__name__.rsplit(".", 1)[1] == f"{code.lower()}_{rule.name.replace('-', '_')}"


@pytest.mark.parametrize("code", list(RULES))
def test_rule_metadata_is_complete(code: str) -> None:
    rule = RULES[code]
    assert rule.summary and "\n" not in rule.summary
    assert rule.description and "example::" not in rule.description
    assert rule.failing_example.strip() and rule.passing_example.strip()
    families = {"1": "front matter", "2": "content", "3": "archive"}
    assert rule.family == ("file" if code == "PK100" else families[code[2]])


@pytest.mark.parametrize("code", [code for code, rule in RULES.items() if rule.scope != "file"])
def test_docstring_examples_do_what_they_say(code: str) -> None:
    """`postkit rules PKxxx` shows these examples, so they must stay true."""
    rule = RULES[code]
    context = CheckContext(schema=load_schema("jekyll"))
    failing = check_texts(split_example_files(rule.failing_example), [rule], context)
    passing = check_texts(split_example_files(rule.passing_example), list(RULES.values()), context)
    assert [problem.code for problem in failing] and {problem.code for problem in failing} == {code}
    assert passing == []


def test_tab_example_keeps_its_tab() -> None:
    assert "\n\t- news\n" in get_rule("PK104").failing_example


def test_bom_example_keeps_its_bom() -> None:
    assert get_rule("PK103").failing_example.startswith("\ufeff---\n")


def test_get_rule_ignores_case_and_spaces() -> None:
    assert get_rule(" pk105 ").name == "yaml11-boolean"


def test_unknown_code_is_a_config_error_and_a_key_error_listing_codes() -> None:
    with pytest.raises(UnknownRuleError) as raised:
        get_rule("PK999")
    assert isinstance(raised.value, ConfigError)
    assert isinstance(raised.value, KeyError)
    assert str(raised.value) == f"unknown rule 'PK999'; known rules: {', '.join(RULES)}"


def test_select_nothing_selects_everything() -> None:
    assert codes(select_rules()) == ALL


def test_select_by_family_prefix() -> None:
    assert codes(select_rules(["PK1"])) == FILE + FRONT_MATTER
    assert codes(select_rules(["pk2"])) == CONTENT
    assert codes(select_rules(["pk3"])) == ARCHIVE


def test_ignore_by_prefix() -> None:
    assert codes(select_rules(ignore=["PK10", "PK2"])) == ["PK301", "PK302", "PK303"]
    assert codes(select_rules(["PK1"], ["PK105", "PK109"])) == [
        c for c in FILE + FRONT_MATTER if c not in ("PK105", "PK109")
    ]


def test_longer_prefix_wins_and_ignore_wins_a_tie() -> None:
    assert codes(select_rules(["PK105"], ["PK1"])) == ["PK105"]
    assert codes(select_rules(["PK1"], ["PK1"])) == []
    assert codes(select_rules(["PK"], ["PK3", "PK2", "PK100", "PK101"])) == FRONT_MATTER[1:]


@pytest.mark.parametrize(
    ("select", "ignore", "named"),
    [
        (["PK4"], [], "'PK4'"),
        ([], ["E501"], "'E501'"),
        (["PK1", "PK199"], ["PK3"], "'PK199'"),
        ([""], [], "''"),
    ],
)
def test_unknown_prefix_is_an_error_listing_the_codes(select: list[str], ignore: list[str], named: str) -> None:
    with pytest.raises(UnknownRuleError) as raised:
        select_rules(select, ignore)
    message = str(raised.value)
    assert message.startswith(f"no rule matches {named}; known rules: PK100, PK101")
    assert message.endswith("PK303")


def _module(**attributes: object) -> types.ModuleType:
    module = types.ModuleType("postkit.checks.pk299_fake")
    module.__doc__ = "Fake.\n\nFailing example::\n\n    a\n\nPassing example::\n\n    b\n"
    defaults: dict[str, object] = {
        "CODE": "PK299",
        "NAME": "fake-rule",
        "SUMMARY": "a fake rule",
        "SEVERITY": Severity.WARNING,
        "check": lambda post, context: iter(()),
    }
    for key, value in {**defaults, **attributes}.items():
        setattr(module, key, value)
    return module


def test_registry_can_hold_a_content_rule() -> None:
    rule = Rule.from_module(_module())
    assert (rule.code, rule.family, rule.scope, rule.post_check is not None) == ("PK299", "content", "post", True)
    assert rule.failing_example == "a\n" and rule.passing_example == "b\n"
    assert list(_build_registry([*CHECK_MODULES, _module()])) == [*FILE, *FRONT_MATTER, *CONTENT, "PK299", *ARCHIVE]


@pytest.mark.parametrize(
    ("attributes", "complaint"),
    [
        ({"CODE": "PK1234"}, "is not PK followed by three digits"),
        ({"CODE": "PK401"}, "is not PK followed by three digits"),
        ({"NAME": "Fake_Rule"}, "is not kebab-case"),
        ({"SUMMARY": "two\nlines"}, "summary must be one line"),
        ({"SEVERITY": "warning"}, "SEVERITY must be a Severity"),
        ({"SCOPE": "archive"}, "does not fit the code's family"),
        ({"SCOPE": "file"}, "file rules take the family's code 00"),
        ({"__doc__": "No examples."}, "needs a 'Failing example::' and a 'Passing example::'"),
    ],
)
def test_a_module_breaking_the_conventions_is_refused(attributes: dict[str, object], complaint: str) -> None:
    with pytest.raises(ValueError, match="postkit.checks.pk299_fake: .*" + complaint):
        Rule.from_module(_module(**attributes))


def test_a_code_used_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="code PK299 is already used by fake-rule"):
        _build_registry([_module(), _module(NAME="other-rule")])


def test_split_example_files() -> None:
    assert split_example_files("---\na: 1\n---\n") == [("example.md", "---\na: 1\n---\n")]
    assert split_example_files("==> a.md <==\none\n==> b/c.md <==\ntwo\n") == [("a.md", "one\n"), ("b/c.md", "two\n")]


def test_file_rule_examples_do_what_they_say(tmp_path: Path) -> None:
    """PK100's failing example is text saved as GB18030; validate cannot read it, and reads it as UTF-8."""
    rule = get_rule("PK100")
    failing, passing = tmp_path / "failing.md", tmp_path / "passing.md"
    failing.write_bytes(rule.failing_example.encode("gb18030"))
    passing.write_bytes(rule.passing_example.encode("utf-8"))
    job = ValidateJob.from_config(DEFAULT_CONFIG)
    context = job.context()
    [problem] = check_file(str(failing), job, context, job.rules).problems
    assert (problem.code, problem.line, problem.column) == ("PK100", 1, 1)
    assert "pass --encoding gb18030" in problem.message
    assert check_file(str(passing), job, context, job.rules).problems == ()
    assert rule.post_check is None and rule.archive_check is None


def test_every_kind_the_rule_packs_name_has_a_content_rule() -> None:
    """What `postkit clean` removes, `postkit validate` reports: one rule per `! kind:` of the packs."""
    import importlib.resources
    import re

    from postkit.checks import pk202_promo_link
    from postkit.checks.registry import CHECK_MODULES

    packs = importlib.resources.files("postkit.rules") / "packs"
    texts = [entry.read_text(encoding="utf-8") for entry in packs.iterdir() if entry.name.endswith(".txt")]
    texts += [entry.read_text(encoding="utf-8") for entry in (packs / "sites").iterdir()]
    kinds = {match for text in texts for match in re.findall(r"^!\s*kind:\s*([\w-]+)\s*$", text, re.MULTILINE)}
    covered = {getattr(module, "KIND", None) for module in CHECK_MODULES}
    covered |= {"ad-slot", "tracking-pixel", *pk202_promo_link.PROMO_KINDS}
    assert kinds - covered == set()
    assert {"share-bar", "related-posts", "comments", "like-widget", "newsletter"} <= kinds


@pytest.mark.parametrize("code", [code for code in RULES if "PK210" <= code <= "PK221"])
def test_clean_removes_what_each_cruft_rule_reports(code: str) -> None:
    """The failing example fails its rule; once `postkit clean` has run on it, it passes."""
    from postkit import clean_text
    from postkit.validate import validate_text

    example = RULES[code].failing_example
    assert code in {problem.code for problem in validate_text(example, "example.md")}
    cleaned = clean_text(example, path="example.md").text
    assert [problem.code for problem in validate_text(cleaned, "example.md")] == []
