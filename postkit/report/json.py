"""The machine format: one JSON document with the totals and every problem in position order."""

from __future__ import annotations

import json

from postkit.report.base import Reporter, Summary

# Bump when a key is renamed or removed; adding keys keeps the version.
JSON_FORMAT_VERSION = 1


class JsonReporter(Reporter):
    name = "json"

    def finish(self, summary: Summary) -> None:
        document = {
            "version": JSON_FORMAT_VERSION,
            "files_checked": summary.files_checked,
            "summary": {"errors": summary.errors, "warnings": summary.warnings},
            "problems": [problem.to_dict() for problem in sorted(self.problems)],
        }
        # ASCII-only escapes keep the document valid whatever encoding the stream has.
        self.stream.write(json.dumps(document, indent=2) + "\n")
