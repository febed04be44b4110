"""SARIF 2.1.0, the format code-scanning services (GitHub code scanning among them) upload.

One log with one run is written at finish. Rules are listed for the codes that occur, sorted
by code, and each result points at its rule by id and index.
"""

from __future__ import annotations

import json
import urllib.parse
from pathlib import PurePath

from postkit.problems import Problem
from postkit.report.base import POSTKIT_HOMEPAGE, Reporter, Summary, message_with_hint

SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
# Relative paths are relative to the checked tree; a consumer maps this id to its checkout.
SOURCE_ROOT_ID = "%SRCROOT%"


def artifact_location(path: str) -> dict[str, str]:
    """A SARIF artifactLocation: a relative URI under %SRCROOT%, or a file URI if absolute."""
    pure = PurePath(path)
    if pure.is_absolute():
        return {"uri": pure.as_uri()}
    # A URI reference, not a file name: spaces, '%' and non-ASCII letters must be escaped.
    return {"uri": urllib.parse.quote(pure.as_posix(), safe="/"), "uriBaseId": SOURCE_ROOT_ID}


class SarifReporter(Reporter):
    name = "sarif"
    # Left out of the log when empty; comes from [project.urls] Homepage once that is set.
    information_uri = POSTKIT_HOMEPAGE

    def _rule_descriptor(self, code: str) -> dict[str, object]:
        info = self.rules.get(code)
        if info is None:
            # A code the caller gave no description for still needs an entry for ruleIndex.
            return {"id": code}
        descriptor: dict[str, object] = {
            "id": code,
            "name": info.name,
            "shortDescription": {"text": info.summary},
            "defaultConfiguration": {"level": info.severity.value},
        }
        if info.help_uri:
            descriptor["helpUri"] = info.help_uri
        return descriptor

    def _result(self, problem: Problem, rule_index: int) -> dict[str, object]:
        return {
            "ruleId": problem.code,
            "ruleIndex": rule_index,
            "level": problem.severity.value,
            "message": {"text": message_with_hint(problem)},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": artifact_location(problem.path),
                        "region": {"startLine": problem.line, "startColumn": problem.column},
                    }
                }
            ],
        }

    def finish(self, summary: Summary) -> None:
        problems = sorted(self.problems)
        codes = sorted({problem.code for problem in problems})
        rule_index = {code: index for index, code in enumerate(codes)}
        driver: dict[str, object] = {"name": "postkit", "version": self.tool_version}
        if self.information_uri:
            driver["informationUri"] = self.information_uri
        driver["rules"] = [self._rule_descriptor(code) for code in codes]
        log = {
            "$schema": SARIF_SCHEMA_URI,
            "version": SARIF_VERSION,
            "runs": [
                {
                    "tool": {"driver": driver},
                    # Columns count Python str characters, i.e. code points, not UTF-16 units.
                    "columnKind": "unicodeCodePoints",
                    "results": [self._result(problem, rule_index[problem.code]) for problem in problems],
                }
            ],
        }
        self.stream.write(json.dumps(log, indent=2) + "\n")
