"""Markdown written by hand keeps its bytes, except links that would run code: those point at '#'."""

from __future__ import annotations

import pytest

from postkit import clean_text
from postkit.pipeline import is_unsafe_url

FRONT = "---\ntitle: t\n---\n"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "jav&#x09;ascript:alert(1)",
        "&#106;avascript:alert(1)",
        " javascript:alert(1)",
        "java%0Ascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "javascript&colon;alert(1)",
    ],
)
def test_unsafe_targets(url: str) -> None:
    assert is_unsafe_url(url)


@pytest.mark.parametrize(
    "url",
    ["https://example.com/", "/relative/path", "#anchor", "mailto:a@example.com", "https://example.com/?q=javascript:"],
)
def test_safe_targets(url: str) -> None:
    assert not is_unsafe_url(url)


def test_links_images_definitions_and_autolinks_are_neutralized() -> None:
    source = (
        FRONT + "A [x](javascript:alert(1)) b ![i](data:text/html;base64,eA==) c <javascript:alert(1)> "
        "d [ok](https://e.com/a_(b)).\n\n[r]: vbscript:msgbox(1)\n"
    )
    result = clean_text(source)
    assert result.text == (
        FRONT + "A [x](#) b ![i](#) c \\<javascript:alert(1)> d [ok](https://e.com/a_(b)).\n\n[r]: #\n"
    )
    assert dict(result.repairs) == {"unsafe-link": 4}
    assert clean_text(result.text).text == result.text


def test_code_keeps_what_it_shows() -> None:
    source = FRONT + "Write `[x](javascript:void(0))` to do nothing.\n\n    [y](javascript:z)\n"
    assert clean_text(source).text == source
