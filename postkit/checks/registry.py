"""The plain registry of checks: one module per rule, looked up by code, selected by code prefix."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Literal

from postkit.checks import (
    pk100_file_unreadable,
    pk101_yaml_invalid,
    pk102_front_matter_unclosed,
    pk103_bom_before_front_matter,
    pk104_tab_indentation,
    pk105_yaml11_boolean,
    pk106_duplicate_key,
    pk107_front_matter_not_mapping,
    pk108_toml_invalid,
    pk109_schema,
    pk201_ad_slot,
    pk202_promo_link,
    pk203_tracking_param,
    pk204_tracking_pixel,
    pk205_lazy_image,
    pk206_relative_url,
    pk207_raw_html,
    pk208_empty_body,
    pk209_hidden_comment,
    pk210_share_bar,
    pk211_like_widget,
    pk212_related_posts,
    pk213_comments,
    pk214_navigation,
    pk215_feed_footer,
    pk216_notice,
    pk217_byline,
    pk218_paywall,
    pk219_widget,
    pk220_page_chrome,
    pk221_embed_credit,
    pk301_duplicate_source_url,
    pk302_duplicate_title_date,
    pk303_filename_date_mismatch,
)
from postkit.checks.base import Finding, PostSummary
from postkit.checks.context import CheckContext
from postkit.errors import ConfigError
from postkit.post import SourcePost
from postkit.problems import Severity

PostCheck = Callable[[SourcePost, CheckContext], Iterator[Finding]]
ArchiveCheck = Callable[[Sequence[PostSummary]], Iterator[Finding]]
Scope = Literal["post", "archive", "file"]

# Families by the code's first digit; a code is never reused once its rule is retired.
FAMILIES = {"1": "front matter", "2": "content", "3": "archive"}
_CODE = re.compile(r"PK[1-9]\d\d")
_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_EXAMPLE = re.compile(r"^(Passing|Failing) example[^\n]*::\n\n((?:(?:[ \t]+[^\n]*)?\n)+)", re.MULTILINE)
# Examples and test cases that span several files separate them the way `head` does.
_FILE_HEADER = re.compile(r"^==> (.+?) <==\n", re.MULTILINE)


class UnknownRuleError(ConfigError, KeyError):
    """A rule code or code prefix that names no rule; the message lists the known codes."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class Rule:
    """One check and what ``postkit rules`` says about it.

    ``doc`` is the module docstring: what the rule finds and why, then a failing and a passing
    example as indented blocks. Post rules run on one post at a time; archive rules run once
    over the summaries of every post of a run; a file rule has no check, its problems come
    from reading the file (PK100: the file cannot be read).
    """

    code: str
    name: str
    summary: str
    severity: Severity
    doc: str
    post_check: PostCheck | None = None
    archive_check: ArchiveCheck | None = None

    @property
    def scope(self) -> Scope:
        if self.archive_check is not None:
            return "archive"
        return "post" if self.post_check is not None else "file"

    @property
    def family(self) -> str:
        return "file" if self.scope == "file" else FAMILIES[self.code[2]]

    @property
    def description(self) -> str:
        """The docstring without its examples."""
        match = _EXAMPLE.search(self.doc)
        return (self.doc[: match.start()] if match else self.doc).strip()

    @property
    def failing_example(self) -> str:
        return self._example("Failing")

    @property
    def passing_example(self) -> str:
        return self._example("Passing")

    def _example(self, kind: str) -> str:
        for match in _EXAMPLE.finditer(self.doc):
            if match.group(1) == kind:
                return textwrap.dedent(match.group(2)).strip("\n") + "\n"
        return ""

    @classmethod
    def from_module(cls, module: ModuleType) -> Rule:
        """Build a rule from a check module, refusing one that breaks the conventions."""
        code, name, summary = module.CODE, module.NAME, module.SUMMARY
        scope = getattr(module, "SCOPE", "post")
        doc = _module_doc(module)
        problems = []
        if not _CODE.fullmatch(code) or code[2] not in FAMILIES:
            problems.append(f"code {code!r} is not PK followed by three digits of a known family")
        if not _NAME.fullmatch(name):
            problems.append(f"name {name!r} is not kebab-case")
        if not summary or "\n" in summary:
            problems.append("summary must be one line")
        if not isinstance(module.SEVERITY, Severity):
            problems.append("SEVERITY must be a Severity")
        if scope not in ("post", "archive", "file") or (scope == "archive") != (code[2:3] == "3"):
            problems.append(f"scope {scope!r} does not fit the code's family (3xx rules are archive rules)")
        if scope == "file" and not code.endswith("00"):
            problems.append("file rules take the family's code 00 (PK100)")
        kinds = {match.group(1) for match in _EXAMPLE.finditer(doc)}
        if kinds != {"Passing", "Failing"}:
            problems.append("docstring needs a 'Failing example::' and a 'Passing example::' block")
        if problems:
            raise ValueError(f"{module.__name__}: " + "; ".join(problems))
        if scope == "archive":
            return cls(code, name, summary, module.SEVERITY, doc, archive_check=module.check)
        if scope == "file":
            return cls(code, name, summary, module.SEVERITY, doc)
        return cls(code, name, summary, module.SEVERITY, doc, post_check=module.check)


def split_example_files(text: str, default_path: str = "example.md") -> list[tuple[str, str]]:
    """(path, text) of each file in an example; ``==> path <==`` lines start the files."""
    parts = _FILE_HEADER.split(text)
    if len(parts) == 1:
        return [(default_path, text)]
    return list(zip(parts[1::2], parts[2::2], strict=True))


def _module_doc(module: ModuleType) -> str:
    """The docstring with its indentation removed; tabs kept (inspect.cleandoc would expand them)."""
    text = module.__doc__ or ""
    first, _, rest = text.partition("\n")
    return (first.strip() + "\n" + textwrap.dedent(rest)).strip() + "\n"


def _build_registry(modules: Sequence[ModuleType]) -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for module in modules:
        rule = Rule.from_module(module)
        if rule.code in rules:
            raise ValueError(f"{module.__name__}: code {rule.code} is already used by {rules[rule.code].name}")
        rules[rule.code] = rule
    return dict(sorted(rules.items()))


# Add a check by writing its module and listing it here.
CHECK_MODULES: tuple[ModuleType, ...] = (
    pk100_file_unreadable,
    pk101_yaml_invalid,
    pk102_front_matter_unclosed,
    pk103_bom_before_front_matter,
    pk104_tab_indentation,
    pk105_yaml11_boolean,
    pk106_duplicate_key,
    pk107_front_matter_not_mapping,
    pk108_toml_invalid,
    pk109_schema,
    pk201_ad_slot,
    pk202_promo_link,
    pk203_tracking_param,
    pk204_tracking_pixel,
    pk205_lazy_image,
    pk206_relative_url,
    pk207_raw_html,
    pk208_empty_body,
    pk209_hidden_comment,
    pk210_share_bar,
    pk211_like_widget,
    pk212_related_posts,
    pk213_comments,
    pk214_navigation,
    pk215_feed_footer,
    pk216_notice,
    pk217_byline,
    pk218_paywall,
    pk219_widget,
    pk220_page_chrome,
    pk221_embed_credit,
    pk301_duplicate_source_url,
    pk302_duplicate_title_date,
    pk303_filename_date_mismatch,
)

RULES: dict[str, Rule] = _build_registry(CHECK_MODULES)


def get_rule(code: str) -> Rule:
    """The rule with this code (any case); UnknownRuleError, a ConfigError and KeyError, otherwise."""
    rule = RULES.get(code.strip().upper())
    if rule is None:
        raise UnknownRuleError(f"unknown rule {code!r}; known rules: {', '.join(RULES)}")
    return rule


def select_rules(
    select: Sequence[str] = (), ignore: Sequence[str] = (), rules: dict[str, Rule] | None = None
) -> list[Rule]:
    """Rules chosen by code prefix, in code order.

    An empty ``select`` selects every rule. When a code matches prefixes in both lists the
    longer prefix wins, and ``ignore`` wins a tie, so ``--select PK1 --ignore PK105`` runs the
    front-matter rules but PK105, and ``--select PK105 --ignore PK1`` runs only PK105. A prefix
    that matches no rule is an UnknownRuleError listing the codes.
    """
    registry = RULES if rules is None else rules
    chosen = [_normalize(prefix) for prefix in select]
    dropped = [_normalize(prefix) for prefix in ignore]
    unknown = [
        prefix for prefix in (*chosen, *dropped) if not prefix or not any(code.startswith(prefix) for code in registry)
    ]
    if unknown:
        raise UnknownRuleError(
            f"no rule matches {', '.join(repr(prefix) for prefix in unknown)}; known rules: {', '.join(registry)}"
        )
    selected = []
    for code, rule in registry.items():
        select_length = _longest_match(code, chosen) if chosen else 0
        ignore_length = _longest_match(code, dropped)
        if select_length > ignore_length:
            selected.append(rule)
    return selected


def _normalize(prefix: str) -> str:
    return prefix.strip().upper()


def _longest_match(code: str, prefixes: Sequence[str]) -> int:
    """Length of the longest prefix matching code, -1 when none does."""
    return max((len(prefix) for prefix in prefixes if code.startswith(prefix)), default=-1)
