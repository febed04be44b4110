"""CSS Text's segment break rule in the repair stage: a break between wide characters vanishes."""

from __future__ import annotations

import pytest

from postkit.pipeline.html import inner_html, parse_fragment
from postkit.pipeline.repair import _SURELY_WIDE, is_wide, join_segment_breaks


def test_surely_wide_characters_are_wide_to_unicodedata() -> None:
    """The shortcut that finds a page wide at its first ideograph names only wide characters."""
    listed = [chr(code) for code in range(0x110000) if _SURELY_WIDE.match(chr(code))]
    assert len(listed) == 20992 + 192 + 11172 + 96
    assert all(is_wide(char) for char in listed)


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>中文\n报道</p>", "<p>中文报道</p>"),  # ideographs on both sides
        ("<p>中文\n<b>报道</b></p>", "<p>中文<b>报道</b></p>"),  # across an element edge
        ("<p>한국\n어</p>", "<p>한국어</p>"),  # Hangul syllables
        ("<p>ｆｕｌｌ\nｗｉｄｔｈ</p>", "<p>ｆｕｌｌｗｉｄｔｈ</p>"),  # fullwidth forms  # noqa: RUF001
        ("<p>\u2e80\n\u2e81</p>", "<p>\u2e80\u2e81</p>"),  # CJK radicals: wide to unicodedata, not in the shortcut
        ("<p>中文\nword</p>", "<p>中文\nword</p>"),  # a wide and a narrow letter: a space
        ("<p>word\nword</p>", "<p>word\nword</p>"),
        ("<pre>中文\n报道</pre>", "<pre>中文\n报道</pre>"),  # preformatted: kept
        # the characters on either side are the nearest ones past white space, across elements
        ("<p>中文\n  <b>报道</b>\n。</p>", "<p>中文<b>报道</b>。</p>"),
        ("<div>中文<span>\n</span>\n<span> \n</span>报道</div>", "<div>中文<span></span><span></span>报道</div>"),
        ("<p>中文<code>\nx</code>\n报道</p>", "<p>中文<code>\nx</code>报道</p>"),  # code's own text is not a side
        ("<p>中文\n,\nword\n中</p>", "<p>中文,\nword\n中</p>"),  # wide and punctuation join; narrow ones do not
        ("<p>“\n中文\n”</p>", "<p>“中文”</p>"),
        # a break at a text's edge is judged by that edge's character and the nearest one outside
        ("<p><b>word</b>\n中文</p>", "<p><b>word</b>\n中文</p>"),
        ("<p><b>中文</b>\nword中</p>", "<p><b>中文</b>\nword中</p>"),
        ("<p>中word\n<b>文</b></p>", "<p>中word\n<b>文</b></p>"),
        ("<p>中文</p>\n<p>\n报道\n</p>\nend", "<p>中文</p><p>报道\n</p>\nend"),
        ("<ul>\n<li>一</li>\n<li>二\n三 four\n五</li>\n</ul>", "<ul>\n<li>一</li><li>二三 four\n五</li>\n</ul>"),
    ],
)
def test_segment_breaks_between_wide_characters_vanish(html: str, expected: str) -> None:
    root = parse_fragment(html)
    join_segment_breaks(root)
    assert inner_html(root) == expected
