"""The generated XSS suite, dynamically: every distinct rendered page loaded in headless Chromium, nothing may run.

The pages are those of ``test_xss_rendered`` (every vector, six placements, nh3 and bleach, four
renderers), each loaded once however many posts rendered to it. ``browser.run_pages`` hooks
``alert``/``confirm``/``prompt``/``print``/``open``, focuses and hovers every element and clicks
every link; a page whose hook never reported counts as a finding, so a harness that silently
stopped working cannot pass. The positive controls prove the hooks fire on pages that do run script.

Slow (a few minutes on 2 cores): marked ``browser``, deselected by default; run with
``python -m pytest -m browser``. Skips when Chromium is missing.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict

import pytest
from browser import Finding, chromium, run_pages
from renderers import RENDERERS, missing
from test_xss_rendered import cleaned, rendered

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", autouse=True)
def _needs_chromium() -> None:
    if chromium() is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")


CONTROLS = {
    "alert": '<img src="x" onerror="alert(1)">',
    "prompt": '<h1 onmouseover="prompt(1)">hover</h1>',
    "print": "<details open ontoggle=print()><summary>s</summary></details>",
    "javascript-link": '<a href="java&#9;script:confirm(1)">click</a>',
    "navigate": '<a href="data:text/html,x">click</a>',
    "javascript-form": '<form action="javascript:alert(1)"><button>go</button></form>',
    "reloaded": '<meta http-equiv="refresh" content="0;url=data:text/html,x">',
}


def test_hooks_fire_on_pages_that_run_script() -> None:
    pages = ["<p>Nothing runs here.</p>", *CONTROLS.values()]
    found = run_pages(pages)
    kinds = defaultdict(set)
    for finding in found:
        kinds[finding.page].add(finding.kind)
    assert 0 not in kinds, f"a safe page reported {kinds[0]}"
    for page, kind in enumerate(CONTROLS, 1):
        assert kind in kinds[page], f"control {kind!r} not caught: {kinds[page]}"


@pytest.mark.parametrize("renderer", RENDERERS)
def test_no_rendered_page_runs_anything(renderer: str) -> None:
    reason = missing(renderer)
    if reason:
        pytest.skip(reason)
    result = rendered(renderer)
    pages = list(dict.fromkeys(html for html in result.html if html is not None))
    findings = run_pages(pages)
    if os.environ.get("POSTKIT_XSS_FIGURES"):
        print(f"\n[browser {renderer}] pages loaded: {len(pages)}, findings: {len(findings)}")
    assert not findings, _describe(renderer, pages, findings)


def _describe(renderer: str, pages: list[str], findings: list[Finding]) -> str:
    posts_by_page: dict[str, list[str]] = defaultdict(list)
    result = rendered(renderer)
    html_of = dict(zip(result.bodies, result.html, strict=True))
    for item in cleaned():
        page = html_of.get(item.body)
        if page is not None:
            posts_by_page[page].append(f"{item.vector.family} {item.sanitizer}/{item.placement}: {item.vector.text!r}")
    kinds = Counter(f.kind for f in findings)
    lines = [f"{renderer}: {len(findings)} findings {dict(kinds)}"]
    for finding in findings[:30]:
        origin = posts_by_page[pages[finding.page]][:1] if 0 <= finding.page < len(pages) else []
        lines.append(f"{finding.kind} ({finding.detail}) in {pages[finding.page][:300]!r} from {origin}")
    return "\n".join(lines)
