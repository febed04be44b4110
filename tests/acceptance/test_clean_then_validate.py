"""What clean writes, validate finds clean: no cruft rule fires on the output of any example."""

from __future__ import annotations

from pathlib import Path

import pytest

from postkit import clean_text
from postkit.checks import CheckContext, check_text, select_rules

ROOT = Path(__file__).parents[2]
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.md") if p.name != "README.md")
# the body rules for what clean removes or repairs: ad slots, promo links, tracking parameters and
# pixels, lazy images, raw HTML, and every cruft kind of the rule packs (PK210 and up)
CRUFT_RULES = ["PK201", "PK202", "PK203", "PK204", "PK205", "PK207", "PK21", "PK22"]


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_validate_finds_no_cruft_in_cleans_output(example: Path) -> None:
    text = example.read_bytes().decode("utf-8")
    rules = select_rules(CRUFT_RULES)
    before = check_text(text, example.name, rules, CheckContext())
    cleaned = clean_text(text, path=example.name)
    after = check_text(cleaned.text, example.name, rules, CheckContext())
    assert [f"{p.code} {p.message}" for p in after] == []
    if cleaned.changed:  # and the examples that clean changes had something for validate to find
        assert before or example.name == "broken-html.md"
