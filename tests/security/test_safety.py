"""secure_markdown, the last safety pass: each repair, at any depth, and safe Markdown left byte for byte."""

from __future__ import annotations

import html
import re
import urllib.parse
from collections import Counter
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postkit.pipeline import safety
from postkit.pipeline.safety import (
    _QUOTE_PREFIXES,
    UNSAFE_SCHEMES,
    _may_hold_attribute_syntax,
    _may_run,
    _undo_escapes,
    decode_url,
    is_unsafe_url,
    secure_markdown,
    unquote_runs,
)

UNSAFE = [
    ("[x](javascript:alert(1))", "[x](#)"),
    ('[x](JaVaScRiPt:alert(1) "t")', '[x](# "t")'),
    ("![x](vbscript:msgbox(1))", "![x](#)"),
    ("[x](<javascript:alert(1)>)", "[x](<#>)"),
    ("[x](javascript&#0000058;alert(1))", "[x](#)"),
    ("[x](java&Tab;script&colon;alert(1))", "[x](#)"),
    ("[x](java\tscript:alert(1))", "[x](#)"),  # kramdown links it; a browser drops the tab
    ("[x](%6Aavascript:alert(1))", "[x](#)"),
    ("[x](javascript\\:alert(1))", "[x](#)"),
    ("[x](\n  javascript:alert(1))", "[x](\n  #)"),
    ("[r]: javascript&#0000058;alert(1)\n", "[r]: #\n"),
    ("> [r]: da&Tab;ta:text/html,x\n>\n> [a][r]\n", "> [r]: #\n>\n> [a][r]\n"),
    ("- a\n\n  > [r]:\n  > livescript:x\n", "- a\n\n  > [r]:\n  > #\n"),
    ("> > 1. [x](mocha:x)\n", "> > 1. [x](#)\n"),
    ("text\n[r]: java script:alert(1)\n", "text\n[r]: #\n"),  # kramdown reads a definition here
    ("<javascript:alert(1)>", "\\<javascript:alert(1)>"),
    ("| a |\n|---|\n| [x](javascript:a) |\n", "| a |\n|---|\n| [x](#) |\n"),
]


@pytest.mark.parametrize(("markdown", "expected"), UNSAFE)
def test_executable_destinations_point_nowhere(markdown: str, expected: str) -> None:
    secured, repairs = secure_markdown(markdown)
    assert secured == expected
    assert repairs["unsafe-link"] >= 1
    assert secure_markdown(secured) == (secured, Counter())


KRAMDOWN = [
    (
        '# h\n{: tabindex="1" autofocus="" onfocus="alert(1)"}\n',
        '# h\n\\{: tabindex="1" autofocus="" onfocus="alert(1)"}\n',
    ),
    ("*x*{: onmouseover=alert(1)}", "*x*\\{: onmouseover=alert(1)}"),
    ('{:ref: onclick="a"}\n\npara\n{: ref}\n', '\\{:ref: onclick="a"}\n\npara\n{: ref}\n'),  # no ALD left to use
    ('para\n{: .c style="x:y"}', 'para\n\\{: .c style="x:y"}'),
    ("para\n{: .c data-src='javascript:x'}", "para\n\\{: .c data-src='javascript:x'}"),
    ("{::nomarkdown}x{:/}", "\\{::nomarkdown}x\\{:/}"),
    ('{::options parse_block_html="true" /}', '\\{::options parse_block_html="true" /}'),
    ("> - {::comment}hidden{:/comment}", "> - \\{::comment}hidden\\{:/comment}"),
    ("\\\\{: onclick='x'}", "\\\\\\{: onclick='x'}"),  # an escaped backslash does not escape the brace
]


@pytest.mark.parametrize(("markdown", "expected"), KRAMDOWN)
def test_kramdown_syntax_is_escaped(markdown: str, expected: str) -> None:
    secured, repairs = secure_markdown(markdown)
    assert secured == expected
    assert repairs["kramdown-syntax"] >= 1
    assert secure_markdown(secured) == (secured, Counter())


SAFE = [
    '# Title\n\nSome *text*, [a link](https://example.com/a_b "t") and ![i](/x.png).\n',
    "[r]: https://example.com/\n\n> - [quoted][r] <https://example.com> <me@example.com>\n",
    "```\n[x](javascript:alert(1)) {: onclick=x} <script>\n```\n",
    "Code `[x](javascript:a)` and `{:x}` and `<b>`.\n",
    "<!--more-->\n\nText (javascript: is a word here) and data: too.\n",
    "[x](#javascript:a) [y](/data:x) [z](http://a/javascript:b)\n",
    "Note\n{: .notice-info }\n\n[x](https://a.example/){:target=\"_blank\" rel='noopener'} *y*{:#id .c}\n",
    '{:quote: .pull title="Said"}\n\n> Quoted\n{: quote}\n',
    "# Title {#custom-id .c}\n\nSetext {#s}\n===\n\nA {placeholder} line\n{x}\n",
    "### Games finished this year: {#Games-finished-this-year:}\n",  # a real post's heading id
]


@pytest.mark.parametrize("markdown", SAFE)
def test_safe_markdown_is_kept_byte_for_byte(markdown: str) -> None:
    assert secure_markdown(markdown) == (markdown, Counter())


def test_data_images_only_when_allowed() -> None:
    image = "![i](data:image/png;base64,AAAA)"
    assert secure_markdown(image) == ("![i](#)", Counter({"unsafe-link": 1}))
    assert secure_markdown(image, allow_data_images=True) == (image, Counter())
    svg = "![i](data:image/svg+xml;base64,AAAA)"
    assert secure_markdown(svg, allow_data_images=True)[0] == "![i](#)"


def test_leftover_html_is_escaped_before_links_are_read() -> None:
    secured, repairs = secure_markdown('<a href="javascript:alert(1)">x</a> [y](javascript:b)')
    assert secured == '\\<a href="javascript:alert(1)">x\\</a> [y](#)'
    assert repairs == Counter({"html-escaped": 2, "unsafe-link": 1})


@pytest.mark.parametrize(
    "url",
    [
        "java\nscript:x",
        " \x01javascript:x",
        "&#x6A;avascript:x",
        "javascript&amp;colon;x",
        "vb&#115;cript:x",
        "&NewLine;javascript:x",
        "javas%09cript:x",
    ],
)
def test_decoding_reads_schemes_as_renderers_and_browsers_do(url: str) -> None:
    assert is_unsafe_url(url)


def test_decode_url_is_lowercase_without_controls() -> None:
    assert decode_url("JaVa\tScRiPt&#58;X") == "javascript:x"


def test_a_link_the_scan_misses_is_taken_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    """markdown-it's own reading is the proof: with the lenient scan blinded, the block's brackets are escaped."""
    from postkit.pipeline import safety

    monkeypatch.setattr(safety, "_destinations", lambda masked: iter(()))
    secured, repairs = secure_markdown("> Quote [x](javascript:alert(1)) `[a](b)`\n\n[r]: javascript:y\n")
    assert secured == "> Quote \\[x\\](javascript:alert(1)) `[a](b)`\n\n\\[r\\]: javascript:y\n"
    assert repairs["unsafe-link"] == 4


def test_a_fence_never_closed_is_not_code() -> None:
    """CommonMark reads the rest as code, kramdown renders the HTML after it: it is escaped."""
    secured, _ = secure_markdown("Text\n```\n<script>x</script>\n")
    assert secured == "Text\n```\n\\<script>x\\</script>\n"
    closed = "Text\n```\n<script>x</script>\n```\n\nText:\n> ```\n> <b>\n> ```\n"
    assert secure_markdown(closed) == (closed, Counter())
    # kramdown takes a fence after an empty item into the item, where it never closes
    after_item = '-  \n```\n \n\n<script title="\n```\n">\n'
    assert secure_markdown(after_item)[0] == '-  \n```\n \n\n\\<script title="\n```\n">\n'
    # ... and a `>` line before a fence outside the quote, as a lazy line
    after_quote = "> \n```\n<script>\n```\n"
    assert secure_markdown(after_quote)[0] == "> \n```\n\\<script>\n```\n"
    # ... and one after a paragraph line that kramdown reads as an empty list item
    after_marker = "Text\n1. \n```\n<script>\n```\n"
    assert secure_markdown(after_marker)[0] == "Text\n1. \n```\n\\<script>\n```\n"
    # kramdown reads no fence where the info string has two words
    two_words = 'Text\n```<b onclick="x">\n```\n'
    assert secure_markdown(two_words)[0] == 'Text\n```\\<b onclick="x">\n```\n'


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ('# Title {style="x" onload=y}', '# Title \\{style="x" onload=y}'),
        ("Title {#id .c onclick=x}\n===", "Title \\{#id .c onclick=x}\n==="),
        ("Paragraph\n{style=t}", "Paragraph\n\\{style=t}"),
    ],
)
def test_goldmark_attribute_lists_are_escaped(markdown: str, expected: str) -> None:
    assert secure_markdown(markdown) == (expected, Counter({"goldmark-attribute": 1}))
    assert secure_markdown("# Title with {braces} inside") == ("# Title with {braces} inside", Counter())


def test_indented_lines_after_a_list_are_not_code() -> None:
    """CommonMark ends an empty item at the blank line and reads indented code; kramdown reads the item's text."""
    secured, repairs = secure_markdown("-  \n\n     [x](java\tscript:x)\n")
    assert secured == "-  \n\n     [x](#)\n"
    assert repairs == Counter({"unsafe-link": 1})
    code = "Text\n\n    [x](javascript:x) <b>\n"
    assert secure_markdown(code) == (code, Counter())


def test_an_escaped_brace_after_a_lone_angle_bracket_escapes_it_too() -> None:
    secured, _ = secure_markdown('<{: onclick="x"}\n')
    assert secured == '\\<\\{: onclick="x"}\n'
    assert secure_markdown(secured) == (secured, Counter())


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        # an escaped backslash, then a live tag: the `<` is not escaped
        ("a \\\\<img src=x onerror=alert(1)> b\n", "a \\\\\\<img src=x onerror=alert(1)> b\n"),
        ("a \\\\<!doctype x> b\n", "a \\\\\\<!doctype x> b\n"),
        ("a \\\\\\<img src=x> b\n", "a \\\\\\<img src=x> b\n"),  # three: the `<` is escaped already
        ("x < y and 3<4\n", "x < y and 3<4\n"),  # no tag can start here
    ],
)
def test_a_tag_after_an_escaped_backslash_is_escaped(markdown: str, expected: str) -> None:
    assert secure_markdown(markdown)[0] == expected


def test_regions_hold_an_offset_as_any_of_their_ranges_would() -> None:
    from postkit.segments import Regions

    ranges = [(10, 20), (15, 30), (30, 31), (40, 40), (50, 60)]
    regions = Regions(ranges)
    for offset in range(0, 70):
        assert (offset in regions) == any(a <= offset < b for a, b in ranges), offset


# --- the cheap first look for schemes: the same answer as decoding the whole text -------------------

_NOISE = st.sampled_from(
    [
        *("\\", "&", "&amp;", "&Tab;", "%", "%25", "\t", "\n", " ", "\n> ", "\x01", "\x85", "\u0130", ";", "x", ":"),
        # percent-escapes of bytes 80-FF: a CJK character, C1 controls, half a character, K and İ
        *("%E4%B8%AD", "%C2%85", "%c2%80", "%C2", "%9f", "%E2%84%AA", "%C4%B0", "%ff"),
    ]
)


@st.composite
def _spelled_schemes(draw: st.DrawFn) -> str:
    """Text around an unsafe scheme (or one letter short of it) spelled the ways decode_url undoes."""
    scheme = draw(st.sampled_from(UNSAFE_SCHEMES))
    if draw(st.booleans()):
        scheme = scheme[:-2] + scheme[-1]  # a near miss
    pieces = [draw(st.lists(_NOISE, max_size=4).map("".join))]
    for char in scheme:
        spelling = draw(
            st.sampled_from(
                [
                    char,
                    char.upper(),
                    f"&#{ord(char)};",
                    f"&#x{ord(char):X};",
                    f"%{ord(char):02x}",
                    f"%25{ord(char):02X}",
                    f"&amp;#{ord(char)};",
                    "\\" + char,
                ]
            )
        )
        pieces.append(spelling + draw(st.lists(_NOISE, max_size=2).map("".join)))
    return "".join(pieces)


def _may_run_by_decoding(text: str) -> bool:
    """The definition ``_may_run`` stands for: the whole text decoded as a destination is."""
    decoded = decode_url(_QUOTE_PREFIXES.sub("\n", text))
    return any(scheme in decoded for scheme in UNSAFE_SCHEMES)


@given(_spelled_schemes() | st.lists(_NOISE, max_size=30).map("".join))
@settings(max_examples=3000)
def test_may_run_agrees_with_decoding_the_whole_text(text: str) -> None:
    assert _may_run(text) == _may_run_by_decoding(text)


def _undo_escapes_round_by_round(text: str) -> str:
    """What ``_undo_escapes`` stands for: each round all three steps on the whole text, while any
    of `\\`, `&` or `%` is left, until a round changes nothing."""
    for _ in range(8):
        if "\\" not in text and "&" not in text and "%" not in text:
            break
        decoded = urllib.parse.unquote(html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)))
        if decoded == text:
            break
        text = decoded
    return text


@given(_spelled_schemes() | st.lists(_NOISE, max_size=30).map("".join))
@settings(max_examples=3000)
def test_undoing_escapes_gives_what_whole_rounds_of_the_three_steps_give(text: str) -> None:
    assert _undo_escapes(text) == _undo_escapes_round_by_round(text)


_PERCENT_TEXT = st.lists(
    st.sampled_from(["%E4", "%B8%AD", "%e4%b8%ad", "%C2%85", "%F0%9F%98", "%80", "%zz", "%4", "%", "%25", "%41"])
    | st.text(max_size=3),
    max_size=12,
).map("".join)


@given(_PERCENT_TEXT)
@settings(max_examples=2000)
def test_unquoting_the_runs_of_escapes_gives_what_unquote_gives(text: str) -> None:
    assert unquote_runs(text) == urllib.parse.unquote(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain words, a [link](https://example.com/a?b=1&c=2%20d)", False),
        ("java\n> script:alert(1)", True),  # a quote prefix between the letters
        ("ja\x01va\tscr\x85ipt:", True),  # control characters dropped
        ("&amp;#106;avascript&#58;", True),  # decoded twice
        ("%256Aavascript:", True),  # percent-decoded twice
        ("javascript\\:x", True),  # an escaped colon
        ("javascrİpt:", False),  # İ lowercases to i and a combining dot
        ("[a](https://x.org/%E4%B8%AD%E6%96%87) javascr%E4ipt:", False),  # non-ASCII between the letters
        ("%E4%B8%AData:x", False),  # the escapes stand for 中: their hex letters spell no scheme
        ("%E4%B8%AD &#x64;ata:x", True),  # an entity beside them decodes all the same
        ("java%C2%85script:", True),  # a C1 control, dropped
        ("java%c2%80scr%E4%B8%ADipt: javascript%3A", True),
        ("mocha", False),
    ],
)
def test_may_run_reads_schemes_as_decode_url_does(text: str, expected: bool) -> None:
    assert _may_run(text) is expected
    assert _may_run_by_decoding(text) is expected


# --- the cheap first look for attribute syntax: the same result as reading every post ---------------

_ATTRIBUTE_PIECES = st.sampled_from(
    [
        "{",
        "}",
        "{:",
        "{::",
        "{: .notice}",
        "{#id}",
        "{onclick=x}",
        "{: style=x}",
        "{:ald: a=b}",
        "{{< figure >}}",
        "# ",
        "## ",
        "Title",
        "\n",
        "\n\n",
        "> ",
        "- ",
        "    ",
        "`",
        "```\n",
        " ",
        "x",
        "=",
        '"',
        "\\",
        ".cls",
        "#h",
    ]
)


@given(st.lists(_ATTRIBUTE_PIECES, max_size=25).map("".join))
@settings(max_examples=2000)
def test_skipping_the_parse_without_attribute_syntax_changes_nothing(text: str) -> None:
    with mock.patch.object(safety, "_may_hold_attribute_syntax", return_value=True):
        expected = secure_markdown(text)
    assert secure_markdown(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{{< figure src="a.png" >}}\n', False),  # a Hugo shortcode
        ("a {b} c\n", False),
        ("# Title {#custom-id}\n", False),  # harmless
        ("# Title {#id onclick=alert(1)}\n", True),
        ('text\n{: style="x"}\n', True),
        ("> {onclick=x}\n", True),
        ("{::nomarkdown}\n", True),
    ],
)
def test_attribute_syntax_is_seen_without_parsing(text: str, expected: bool) -> None:
    assert _may_hold_attribute_syntax(text) is expected


@pytest.mark.parametrize("after", ["", " {x}", "\n\n{{< figure >}}"])
def test_a_brace_does_not_change_which_links_are_repaired(after: str) -> None:
    """A '{' once sent every post to the full link reading; now only attribute syntax does. The
    destinations a browser would run are repaired either way; what only the link scan's masking
    joins into a scheme, across a list marker or a code span, is left either way: kramdown reads
    the first as a list item and links the second to `java `x` script:x`, which no browser reads
    as a scheme (the space stays)."""
    assert secure_markdown(f"> [d](java\n> script:x){after}\n")[0] == f"> [d](#){after}\n"
    assert secure_markdown(f"- a\n\n  [d](java\n  script:x){after}\n")[0] == f"- a\n\n  [d](#){after}\n"
    for harmless in ("[a](java\n- script:x)", "[b](java `x` script:x)"):
        assert secure_markdown(f"{harmless}{after}\n")[0] == f"{harmless}{after}\n"
