"""Shortcuts of the cleaning path held to the slower code they replace: the same answers, by property."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from lxml import etree

from postkit.pipeline.html import parse_fragment
from postkit.pipeline.report import FragmentReport
from postkit.pipeline.strip import find_main_article, unwrap_caption_shortcodes
from postkit.pipeline.verify import _tokens, lost_text
from postkit.pipeline.write import drop_markdown_tracking
from postkit.rules import (
    DocumentKeys,
    RuleBook,
    RuleSet,
    UrlRules,
    class_tokens,
    load_rulebook,
    parse_hiding_pack,
    parse_url_pack,
)
from postkit.segments import line_offsets

# --- main-article candidates: a selector is run only where the document offers its key -------------

CLASSES = st.sampled_from(["entry-content", "post", "node", "x\u00a0entry-content", "post-body", "a b"])
TAGS = st.sampled_from(["div", "article", "section", "p", "span"])
ELEMENT = st.builds(
    lambda tag, cls, ident, attr: (
        f'<{tag} class="{cls}" id="{ident}" {attr}>w</{tag}>' if cls else f"<{tag} {attr}>w</{tag}>"
    ),
    TAGS,
    st.one_of(st.none(), CLASSES),
    st.sampled_from(["main", "content", "x"]),
    st.sampled_from(["", "data-x=1", "role=main"]),
)
SELECTORS = [
    ".entry-content",
    ".node.view-mode-full",
    "article",
    "#main",
    "[data-x]",
    "[role=main]",
    "div > .post",
    "section",
    "a, b",
    "*",
]


def _every_key(root) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """The keys as they were gathered before ``DocumentKeys``: every element walked in Python."""
    keys: set[tuple[str, str]] = set()
    for element in root.iterdescendants():
        if not isinstance(element.tag, str):
            continue
        keys.add(("tag", element.tag))
        for name, value in element.attrib.items():
            keys.add(("attr", name))
            if name == "class":
                keys.update(("class", c) for c in value.split())
            elif name == "id":
                keys.add(("id", value))
    return keys


@given(st.lists(ELEMENT, max_size=6).map("".join), st.sampled_from(SELECTORS))
@example("<div><p>a</p></div>", "article")
@example('<p class="x&nbsp;entry-content">a</p>', ".entry-content")
def test_document_keys_answer_as_the_full_walk_did(html: str, selector: str) -> None:
    from postkit.rules import _index_key

    root = parse_fragment(html)
    kind, key = _index_key(selector)
    expected = kind == "anywhere" or (kind, key) in _every_key(root)
    assert DocumentKeys(root).could_match(selector) is expected


def test_a_document_without_the_key_skips_the_article_selector() -> None:
    page = "<div class='nav'>Home About</div><div class='post-content'><p>" + "word " * 80 + "</p></div>"
    found = find_main_article(parse_fragment(page), load_rulebook())
    assert found is not None and found[0] == ".post-content"
    assert find_main_article(parse_fragment(page.replace("post-content", "other")), load_rulebook()) is None


# --- tracking parameters: one search for the part of each pattern before its `*` ---------------------


def _book(params: tuple[str, ...]) -> RuleBook:
    return RuleBook(hiding=RuleSet(), links=UrlRules(), pixels=UrlRules(), tracking_params=params)


@given(
    st.lists(st.sampled_from(["utm_*", "fbclid", "mc_cid", "*ref", "UTM_X", "_hsenc"]), max_size=4).map(tuple),
    st.text(alphabet="?&=utmUTM_fbclidrefx/:.;AMP", max_size=40),
)
@example(("utm_*",), "?id=1&amp;utm_source=a")
def test_tracking_look_ahead_answers_as_the_substring_scan_did(params: tuple[str, ...], text: str) -> None:
    lowered = text.lower()
    marks = ("?", "&", "&amp;")
    expected = any(mark + pattern.split("*", 1)[0] in lowered for pattern in params for mark in marks)
    assert _book(params).mentions_tracking_param(text) is expected


# names written out: a name spelled with percent-escapes (`%75tm_a`) is not looked for, now or before
_QUERY_PART = st.sampled_from(["utm_source=a", "UTM_Medium=b", "fbclid=1", "x=1", "ref=2", "a=utm_x", "", "x%20y=1"])


@given(
    st.lists(st.sampled_from(["utm_*", "fbclid", "*ref", "UTM_X", "mc_cid"]), min_size=1, max_size=3).map(tuple),
    st.lists(
        st.tuples(
            st.sampled_from(["https://x.org/p", "https://x.org/utm_/p", "/a?"]),
            st.lists(_QUERY_PART, max_size=3),
            st.sampled_from(["", "#utm_source=a", "#x"]),
            st.sampled_from(["&", "&amp;", "&AMP;"]),
        ),
        max_size=3,
    ),
)
def test_the_tracking_look_ahead_never_hides_a_parameter_the_markdown_pass_drops(
    params: tuple[str, ...], links: list[tuple[str, list[str], str, str]]
) -> None:
    # a parameter's name starts the query or follows an `&`: looking only there misses none
    text = " ".join(
        f"[l{i}]({base}{'?' if query and '?' not in base else ''}{joint.join(query)}{fragment})"
        for i, (base, query, fragment, joint) in enumerate(links)
    )
    book = _book(params)
    _, dropped = drop_markdown_tracking(text, book)
    with mock.patch.object(RuleBook, "mentions_tracking_param", return_value=True):
        _, dropped_without_look = drop_markdown_tracking(text, book)
    assert dropped == dropped_without_look


def test_tracking_look_ahead_cases() -> None:
    assert _book(("utm_*",)).mentions_tracking_param("https://x.org/?UTM_source=a")
    assert not _book(("utm_*",)).mentions_tracking_param("https://x.org/?source=a")
    assert not _book(()).mentions_tracking_param("https://x.org/?utm_source=a")
    assert not _book(("UTM_X",)).mentions_tracking_param("?utm_x=1")  # patterns match lower-cased names


# --- verify: whole words shown in order need no token streams -------------------------------------

WORD = st.sampled_from(["if", "(x)", "中文", "不要", "**a**:", "word.", "https://v.org/1", "-", "A"])


@given(st.lists(WORD, max_size=8), st.lists(WORD, max_size=8), st.sampled_from([" ", "\n", "  "]))
def test_verify_reports_as_the_token_comparison_did(want: list[str], have: list[str], space: str) -> None:
    expected, shown = space.join(want), " ".join(have)
    tokens_in_order = _in_order(_tokens(expected), _tokens(shown))
    assert (lost_text(expected, shown) == []) is tokens_in_order


def _in_order(want: list[tuple[str, str]], have: list[tuple[str, str]]) -> bool:
    shown = iter(have)
    return all(token in shown for token in want)


def test_verify_cases() -> None:
    assert lost_text("see the video", "see the video https://v.org/1") == []  # an embed's link added
    assert lost_text("if (x)", "if(x)") != []  # a space lost: the code changed
    assert lost_text("**Patrick**: I", "**Patrick**:I") != []
    assert [lost.text for lost in lost_text("one two three", "one three")] == ["two"]


# --- line offsets summed in C ------------------------------------------------------------------------


@given(st.text(alphabet="ab\n\r ", max_size=30))
def test_line_offsets_are_the_running_sum_of_line_lengths(text: str) -> None:
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    assert line_offsets(lines) == offsets
    assert offsets[:-1] == [0, *(match.end() for match in re.finditer("\n", text))]


# --- [caption] shortcodes: fragments without the opening text are not walked ------------------------


@pytest.mark.parametrize(
    ("html", "figures"),
    [
        ('<p>[caption id="a"]<img src="x.png"> The cat[/caption]</p>', 1),
        ("<p>No shortcode <img src='x.png'> here</p>", 0),
        ('<p>text [caption id="a"]<img src="x.png"> The cat[/caption]</p>', 0),  # not at the block's start
        ('<div>[caption]<a href="/big.png"><img src="x.png"></a>Cat[/caption]</div>', 1),
    ],
)
def test_caption_shortcodes_become_figures(html: str, figures: int) -> None:
    root = parse_fragment(html)
    unwrap_caption_shortcodes(root, FragmentReport())
    assert len(root.findall(".//figure")) == figures
    assert "[caption" not in "".join(root.itertext()) or figures == 0


# --- find_html: a block's open elements are read only when a later block reaches past it ----------

LINES = st.sampled_from(
    [
        "<div>",
        "</div>",
        "<pre>",
        "</pre>",
        "<p>text",
        "</p>",
        "    indented <b>x</b>",
        "> <div>quoted",
        "> </div>",
        "- <span>item",
        "plain *words*",
        "",
        "<!-- note -->",
        "```",
        "<table><tr><td>a",
    ]
)


@given(st.lists(LINES, max_size=12).map("\n".join))
@example("<div>\n\n    code\n</div>")
@example("> <pre>\nx\n\n</pre>")
def test_find_html_finds_the_spans_it_found_reading_every_block(body: str) -> None:
    from postkit import segments

    tokens = segments._PARSER.parse(body)
    shortcut = segments.find_html(body, tokens)
    original = segments._reach
    segments._reach = lambda tokens: [len(body.split("\n")) + 1] * (len(tokens) + 1)  # every block read
    try:
        assert segments.find_html(body, tokens) == shortcut
    finally:
        segments._reach = original


PAGE_LINES = st.sampled_from(
    ["<div>", " <p>", "  text", "  a\0b", " </p>", "</div>", "</div>  ", "<!-- note -->", "<br/>", "", "  "]
)


@given(st.lists(PAGE_LINES, min_size=1, max_size=10).map("\n".join), st.booleans())
@example("\n<div>\n <p>\n  text\n </p>\n</div>\n\n", False)
@example("<!-- note -->", False)
def test_a_body_that_is_one_html_block_gets_the_span_reading_its_lines_found(body: str, newline: bool) -> None:
    from postkit import segments

    body += "\n" if newline else ""
    tokens = segments._PARSER.parse(body)
    assume(len(tokens) == 1 and tokens[0].type == "html_block")
    assert segments.find_html(body, tokens) == segments._read_blocks(body, tokens)


# --- the leftover-HTML pass reads HTML spans from its own tokens where both parsers agree -----------

PIECES = st.sampled_from(
    [
        "[a](javascript:x)",
        "[a](&#106;avascript:x)",
        "[a](java\\script:x)",
        "<javascript:alert(1)>",
        "[r]: JavaScript:x",
        "    <b>code?</b>",
        "[b](data:image/png;base64,x)",
        "[c](file:///etc)",
        "[d](https://x.org/?q=<b>)",
        "`<i>code</i>`",
        "<span>x</span>",
        "<div>",
        "</div>",
        "> <p>q",
        "text",
        "\n",
        "\n\n",
        "[e]: https://x.org",
        "[e]",
        "![i](vbscript:x)",
        "&lt;b&gt;",
    ]
)


@given(st.lists(PIECES, max_size=10).map("".join))
@example("[r]: javascript:x\n    <b>code?</b>")
@example("[a](https://x.org)\n<b>bold</b>")
def test_leftover_html_reads_the_spans_find_html_reads(text: str) -> None:
    from postkit.pipeline.safety import _reading_tokens
    from postkit.segments import find_html

    tokens = _reading_tokens(text)
    if tokens is not None:
        assert find_html(text, tokens) == find_html(text)


@pytest.mark.parametrize(
    ("text", "shared"),
    [
        ("[a](https://x.org) <b>x</b>", True),
        ("[a](javascript:x) <b>x</b>", False),
        ("[a](&#106;avascript:x)", False),
        ("[a](Java\\Script:x)", True),  # a backslash before a letter is no escape: nothing refused
        ("<DATA:text/html,x>", False),
    ],
)
def test_leftover_html_shares_tokens_only_where_no_link_may_be_refused(text: str, shared: bool) -> None:
    from postkit.pipeline.safety import _reading_tokens

    assert (_reading_tokens(text) is not None) is shared


SAFETY_PIECES = st.sampled_from(
    [
        "plain words",
        "`code <i>`",
        "{: onclick=x}",
        "{::nomarkdown}",
        "# heading {#id onclick=x}",
        "\n    indented [x](javascript:y)\n",
        "\n```\n<b>fenced</b>\n```\n",
        "![i](javascript:x)",
        '[t](https://x.org "title")',
        "\n- item <em>e</em>",
        "\\[not a link](javascript:x)",
        "java\nscript:",
        "`{::options}`",
        "`{: onclick=x}`",
    ]
)


@given(st.lists(st.one_of(PIECES, SAFETY_PIECES), max_size=12).map("".join))
@example("[a](javascript:x) plain\n\nmore text <b>x</b>")
@example("text\n\n[r]: javascript:x\n\n[r]")
@example("x `{::options}` y")  # braces in a code span stay: the span is found only if its token is read
@example("`{::nomarkdown}`\n\n<i>")
def test_the_safety_pass_writes_what_it_wrote_parsing_every_inline_token(text: str) -> None:
    from markdown_it.rules_core import inline

    from postkit.markdown_parser import with_line_table
    from postkit.pipeline import safety

    full = with_line_table(safety._LinkReader("commonmark"))
    full.core.ruler.at("inline", inline)
    shortcut = safety.secure_markdown(text)
    safety._parse.cache_clear()
    with mock.patch.object(safety, "_PARSER", full):
        wanted = safety.secure_markdown(text)
        safety._parse.cache_clear()
    assert shortcut == wanted


# --- image proxies: a URL is split only where a proxy's host may be in it ----------------------------

URL_PARTS = st.tuples(
    st.sampled_from(["https://", "http://", "//", "", "HTTPS://", "ftp://"]),
    st.sampled_from(["", "user:pw@", "a@"]),
    st.sampled_from(["i0.wp.com", "I2.WP.COM", "i4.wp.com", "images.weserv.nl", "wsrv.nl", "x.org", "i1.wp.com.evil"]),
    st.sampled_from(["", ":8080", "\t", "\n"]),
    st.sampled_from(["/example.org/a.png", "/?url=x.org/b.jpg", "/?url=", "/a", "", "/ex\tample.org/c.gif?w=3"]),
)


@given(URL_PARTS.map("".join))
@example("https://i0.wp\n.com/example.org/a.png")
@example("https://[::1/x")
def test_proxied_urls_are_found_as_splitting_every_url_found_them(url: str) -> None:
    from postkit.pipeline.repair import _proxied_url, proxied_url

    assert proxied_url(url) == _proxied_url(url)


# --- lazy images: a placeholder URL is recognised as the one pattern recognised it ----------------

PLACEHOLDER_URLS = st.lists(
    st.sampled_from(
        [
            *(
                "data:",
                "DATA:",
                "about:blank",
                "https://x.org/",
                "blank",
                "Spacer",
                "lazy_placeholder",
                "grey",
                "pixel",
            ),
            *(".gif", ".PNG", ".svg", ".jpg", "?w=1", "\n", "%E4%B8%AD", "B", "a"),
        ]
    ),
    max_size=6,
).map("".join)
ONE_PLACEHOLDER_PATTERN = re.compile(
    r"^(?:data:|about:blank)|(?:blank|spacer|pixel|transparent|lazy[_-]?placeholder|grey|gray)"
    r"\.(?:gif|png|svg)(?:\?|$)",
    re.IGNORECASE | re.ASCII,
)


@given(PLACEHOLDER_URLS)
@example("https://x.org/Spacer.GIF\n")
@example("https://x.org/blank.png?w=1")
@example("https://x.org/grey.svg")
def test_placeholder_urls_are_found_as_one_pattern_found_them(url: str) -> None:
    from postkit.pipeline.repair import is_placeholder_src

    assert is_placeholder_src(url) == (ONE_PLACEHOLDER_PATTERN.search(url) is not None)


# --- hiding rules: whether a class attribute has a rule filed under it is remembered per value ---------

FILED_CLASSES = st.lists(
    st.sampled_from(["share", "sharedaddy", "share-x", "ad", "adsbygoogle", "post", "entry", "x\u00a0share", "dt du"]),
    max_size=3,
).map(" ".join)


def _filed_fresh(rules: RuleSet, element) -> bool:  # type: ignore[no-untyped-def]
    rules._filing = None  # a new filing: nothing remembered
    return rules._filed(element)


@given(st.lists(FILED_CLASSES, min_size=1, max_size=6))
def test_remembered_class_filing_answers_as_reading_the_classes(values: list[str]) -> None:
    rules = RuleSet()
    for selector in (".share", ".adsbygoogle", "div.post", ".share-*", "[class^=entry]"):
        parse_hiding_pack(f"##{selector}", "test", rules)
    root = parse_fragment("".join(f'<div class="{value}">w</div>' for value in values * 2))
    expected = [_filed_fresh(rules, element) for element in root]
    rules._filing = None
    assert [rules._filed(element) for element in root] == expected
    assert rules._filing is not None and set(rules._filing.class_values) == {v for v in values if v}


def _filed_by_name(rules: RuleSet, element) -> bool:  # type: ignore[no-untyped-def]
    """The filing asked name by name: the class, the id, each filed attribute, each filed value."""
    filing = rules._filing
    assert filing is not None
    value = element.get("class")
    if value and (
        not filing.classes.isdisjoint(class_tokens(value))
        or (filing.class_prefix is not None and filing.class_prefix.search(value) is not None)
    ):
        return True
    value = element.get("id")
    if value is not None and (value in filing.ids or (filing.id_prefix is not None and filing.id_prefix.match(value))):
        return True
    if any(element.get(name) is not None for name in filing.attributes):
        return True
    return any((value := element.get(name)) and pattern.search(value) for name, pattern in filing.values.items())


FILED_ATTRIBUTES = st.dictionaries(
    st.sampled_from(["class", "id", "data-ad", "src", "href", "title", "data-x"]),
    st.sampled_from(
        ["", "share", "ad-slot", "adsbygoogle", "x", "https://ads.example/p.gif", "https://example.org/", "pub-1"]
    ),
    max_size=4,
)


@given(st.lists(FILED_ATTRIBUTES, min_size=1, max_size=5))
def test_filing_read_from_all_attributes_at_once_answers_as_asking_by_name(
    attribute_sets: list[dict[str, str]],
) -> None:
    rules = RuleSet()
    for selector in (
        ".share",
        ".adsbygoogle",
        "#ad-slot",
        "[id^=pub-]",
        "[data-ad]",
        'img[src*="ads.example"]',
        ".ad-*",
    ):
        parse_hiding_pack(f"##{selector}", "test", rules)
    root = parse_fragment("".join("<div></div>" for _ in attribute_sets))
    for element, attributes in zip(root, attribute_sets, strict=True):
        for name, value in attributes.items():
            element.set(name, value)
    answers = [rules._filed(element) for element in root]
    assert answers == [_filed_by_name(rules, element) for element in root]


@given(
    st.lists(
        st.sampled_from(["ads.", "ads.example", "example/p", "s.ex", "p.gif", "x", "e", "/", "."]), max_size=8
    ).map("".join)
)
@example("https://ads.exampl")
def test_a_filed_value_is_found_where_any_value_filed_under_the_attribute_occurs(value: str) -> None:
    rules = RuleSet()
    for selector in ('img[src*="ads.example"]', '[src$="p.gif"]', '[src^="s.ex"]', '[src="x"]', 'a[href*="example/p"]'):
        parse_hiding_pack(f"##{selector}", "test", rules)
    root = parse_fragment(f'<img src="{value}">')
    rules._filed(root[0])  # makes the filing
    filing = rules._filing
    assert filing is not None
    for attribute in ("src", "href"):
        expected = any(filed in value for filed in rules.attr_values[attribute])
        assert (filing.values[attribute].search(value) is not None) == expected


# --- the renderer: a paragraph of plain text with nothing to escape is written without _join --------

PLAIN = st.lists(
    st.sampled_from(
        ["# ", "- ", "1. ", "> ", "---", "+", "=", "word", "中文", " ", "\n", "\t", "*", "_", "[", "&", "\ue000"]
    ),
    max_size=8,
).map("".join)


@given(PLAIN, st.sampled_from(["commonmark", "kramdown", "goldmark"]), st.booleans(), st.booleans(), st.booleans())
@example("1. step", "commonmark", False, False, False)
@example("# not a heading", "kramdown", False, False, False)
def test_a_plain_paragraph_is_written_as_join_writes_it(
    text: str, dialect: str, heading: bool, cell: bool, inline: bool
) -> None:
    from postkit.pipeline import render

    fast = render.Context(dialect=dialect, inline=inline)
    slow = render.Context(dialect=dialect, inline=inline)
    collapsed = render._SPACE.sub(" ", text).strip(" ")
    written = render.write_run([(render.TEXT, text)], fast, heading=heading, cell=cell)
    items = [[render.TEXT, collapsed, ""]] if collapsed else []
    assert written == render._join(items, slow, heading=heading, cell=cell)
    assert fast.shown == slow.shown


# --- the emphasis writer: the untangling scan is skipped where no two asterisk markers touch ------


def _untangle_scanning(items: list[list[str]]) -> list[list[str]] | None:
    """``render._untangle`` as it was: the scan over every item, without the first look."""
    from postkit.pipeline import render

    index = 0
    while index < len(items):
        end = index
        while end < len(items) and items[end][0] in (render.OPEN, render.CLOSE) and items[end][1].startswith("*"):
            end += 1
        run = items[index:end]
        kinds = [item[0] for item in run]
        if (
            render.CLOSE in kinds
            and render.OPEN in kinds[kinds.index(render.CLOSE) :]
            and sum(len(item[1]) for item in run) >= 4
        ):
            first_close = index + kinds.index(render.CLOSE)
            last_open = index + len(kinds) - 1 - kinds[::-1].index(render.OPEN)
            nested_close = first_close + 1 < end and items[first_close + 1][0] == render.CLOSE
            victim = first_close if nested_close or last_open == index else last_open
            partner = int(items[victim][2])
            items[victim] = [render.TEXT, "", ""]
            items[partner] = [render.TEXT, "", ""]
            return render._repair_pairs(items)
        index = max(end, index + 1)
    return None


MARKERS = [("open", "*"), ("open", "**"), ("close", "*"), ("close", "**"), ("open", "["), ("close", "](u)")]
EMPHASIS_RUN = st.lists(st.sampled_from([*MARKERS, ("text", "a")]), max_size=10)


@given(EMPHASIS_RUN)
@example([("open", "**"), ("open", "*"), ("text", "a"), ("close", "**"), ("open", "*"), ("text", "a"), ("close", "*")])
def test_untangling_answers_as_the_full_scan_did(run: list[tuple[str, str]]) -> None:
    from postkit.pipeline import render

    paired = render._repair_pairs(render._pair(run))  # openers linked to closers, as the writer has them
    copy = [list(item) for item in paired]
    assert render._untangle(paired) == _untangle_scanning(copy)


# --- the article guard: an element whose whole text is within the limit needs no exact count --------

GUARD_PIECES = st.lists(
    st.sampled_from(["word ", "  ", "\n", "<script>var x = 1;</script>", "<iframe>frame</iframe>", "中文", "<b>b</b>"]),
    max_size=8,
).map("".join)


@given(GUARD_PIECES, st.integers(min_value=0, max_value=40))
def test_the_guard_answers_as_the_exact_text_length_does(html: str, limit: int) -> None:
    from postkit.pipeline.strip import _text_at_most, text_length

    root = parse_fragment(f"<div>{html}</div>")
    for element in root.iter():
        assert _text_at_most(element, limit) == (text_length(element) <= limit)


# --- the reading parser: inline tokens without `<`, backtick or `[` are not parsed inline ----------

READ_LINES = st.lists(
    st.sampled_from(
        [
            "plain *words* and _more_",
            "a <b>tag</b> inline",
            "code `x < y` here",
            "[link](http://x.org/a?b=1) and ![img](i.png)",
            "[ref]",
            "[ref]: http://ref.example/",
            "<http://auto.link>",
            "| a | b |",
            "# heading with `code`",
            "# heading",
            "> quoted [link](q)",
            "- item <em>e</em>",
            "- item",
            "    indented [x](y)",
            "",
            "text \\[not a link]",
            "&lt;entity&gt; &amp;",
        ]
    ),
    max_size=10,
).map("\n".join)
READ_TYPES = ("html_inline", "code_inline", "link_open", "image")


@given(READ_LINES)
def test_the_reading_parser_gives_what_its_readers_read_as_a_full_parse_does(body: str) -> None:
    from markdown_it.rules_core import inline

    from postkit.markdown_parser import ReadingMarkdownIt

    reading, full = ReadingMarkdownIt(), ReadingMarkdownIt()
    full.core.ruler.at("inline", inline)
    read_env: dict[str, object] = {}
    full_env: dict[str, object] = {}
    read_tokens, full_tokens = reading.parse(body, read_env), full.parse(body, full_env)
    assert [(t.type, t.map, t.content) for t in read_tokens] == [(t.type, t.map, t.content) for t in full_tokens]
    assert read_env == full_env  # the reference definitions
    for read, whole in zip(read_tokens, full_tokens, strict=True):
        wanted = [(c.type, c.content, c.markup, c.attrs) for c in whole.children or () if c.type in READ_TYPES]
        assert [(c.type, c.content, c.markup, c.attrs) for c in read.children or () if c.type in READ_TYPES] == wanted


def _token_tree(tokens):  # type: ignore[no-untyped-def]
    return [
        (t.type, t.map, t.content, [(c.type, c.content, c.markup, c.attrs) for c in t.children or ()]) for t in tokens
    ]


@given(READ_LINES)
def test_reading_the_html_first_and_the_rest_later_gives_the_reading_parse(body: str) -> None:
    from postkit.markdown_parser import ReadingMarkdownIt, read_the_rest

    reading, html_only = ReadingMarkdownIt(), ReadingMarkdownIt(html_only=True)
    reading_env: dict[str, object] = {}
    html_env: dict[str, object] = {}
    whole, first = reading.parse(body, reading_env), html_only.parse(body, html_env)
    for token, read in zip(first, whole, strict=True):  # the paragraphs with a `<` are read already
        if token.type == "inline" and "<" in token.content:
            assert _token_tree([token]) == _token_tree([read])
        elif token.type == "inline":
            assert token.children == []
    read_the_rest(first, reading, html_env)
    assert _token_tree(first) == _token_tree(whole)
    assert html_env == reading_env


# --- text_and_nodes: the walk libxml2 does, as the walk with a stack gave it ------------------------


def _text_and_nodes_by_stack(root, skipped):  # type: ignore[no-untyped-def]
    if root.text and isinstance(root.tag, str):
        yield root, root.text, False
    stack = [(child, False) for child in reversed(root)]
    while stack:
        node, done = stack.pop()
        if done:
            if node.tail:
                yield node, node.tail, True
            continue
        yield node, None, False
        stack.append((node, True))
        if not isinstance(node.tag, str) or node.tag in skipped:
            continue
        if node.text:
            yield node, node.text, False
        stack.extend((child, False) for child in reversed(node))


WALK_PIECES = st.lists(
    st.sampled_from(
        [
            *("a", " b ", "\n", "<p>", "</p>", "<b>", "</b>", "<pre>x<i>y</i>z</pre>", "<code>c</code>"),
            *("<!-- n -->", "<?php echo 1 ?>", "<script>s</script>", "<br>", "<img src=x>", "<span></span>"),
            "t<em>e</em>",
        ]
    ),
    max_size=14,
).map("".join)


@given(WALK_PIECES, st.sampled_from([frozenset(), frozenset({"pre", "code", "script"}), frozenset({"p", "b"})]))
def test_text_and_nodes_walks_as_the_stack_did(html: str, skipped: frozenset[str]) -> None:
    from postkit.pipeline.html import text_and_nodes, text_pieces

    root = parse_fragment(f"<div>{html}</div>")
    for start in (root, *root.iter(tag=etree.Element)):
        walked = list(text_and_nodes(start, skipped))
        assert walked == list(_text_and_nodes_by_stack(start, skipped))
        assert text_pieces(start, skipped) == [piece for piece in walked if piece[1]]


@given(st.text(alphabet=" \t\n\r\f\xa0a中", max_size=16))
def test_white_space_collapses_as_collapsing_every_run_did(text: str) -> None:
    from postkit.pipeline.render import _SPACE

    assert _SPACE.sub(" ", text) == re.sub(r"[ \t\n\r\f]+", " ", text)


def test_text_and_nodes_walks_a_deep_tree_without_recursion() -> None:
    from postkit.pipeline.html import text_and_nodes

    root = etree.Element("div")
    node = root
    for _ in range(5000):
        node = etree.SubElement(node, "span")
        node.tail = "t"
    node.text = "x"
    pieces = [text for _, text, _ in text_and_nodes(root, frozenset()) if text]
    assert pieces == ["x"] + ["t"] * 5000


# --- URL rules: one search for all the rules first, then the first rule that matches ---------------

NETWORK_PATTERNS = st.lists(
    st.sampled_from(
        [
            "||ads.example.com^",
            "||pixel.",
            "|http://track",
            "/1x1.gif",
            "*utm_*",
            "/banner/*/ad^",
            "promo|",
            "^",
            "||x.org/*?ref=",
            "subscribe",
            "*",
        ]
    ),
    max_size=6,
)
URLS = st.tuples(
    st.sampled_from(["https://", "http://", "HTTP://", "//", ""]),
    st.sampled_from(["ads.example.com", "a.pixel.net", "trackme.com", "x.org", "X.ORG", "example.org"]),
    st.sampled_from(["", "/1x1.gif", "/banner/9/ad", "/banner/9/adx", "/promo", "/?ref=rss", "/subscribe?utm_x=1"]),
).map("".join)


@given(NETWORK_PATTERNS, URLS)
@example(["||pixel.", "|http://track", "||ads.example.com^"], "https://ads.example.com/1x1.gif")  # the last host rule
def test_url_rules_answer_as_trying_each_rule_did(patterns: list[str], url: str) -> None:
    rules = UrlRules()
    for pattern in patterns:
        parse_url_pack(pattern, "test", into=rules)
    each = next((rule for rule in rules.rules if rule.regex.search(url)), None)
    assert rules.match(url) is each
    parse_url_pack("*", "test", into=rules)  # a rule added later, matching every URL, is searched for too
    after = rules.match(url)
    assert after is (each or rules.rules[-1])


# --- chrome text: an element is read whole only when its first piece of text may start a phrase -----

CHROME_PIECES = st.lists(
    st.sampled_from(
        [
            "Share",
            " this",
            "SHA",
            "re on",
            "\n  ",
            "Like this",
            "Related posts",
            "分享",
            "到",
            "Stra\u00dfe",
            "word",
            "<b>",
            "</b>",
            "<span>",
            "</span>",
            "<p>",
            "</p>",
            "<!-- Share -->",
            "<script>Share</script>",
            "<iframe>x</iframe>",
        ]
    ),
    max_size=12,
).map("".join)


@given(CHROME_PIECES, st.integers(min_value=0, max_value=30))
@example("<span>\n  </span><b>SHA</b>re on <!-- x -->this", 30)
@example("<!-- Share --> <b></b>Related posts", 12)
def test_chrome_candidates_are_those_reading_every_elements_text_found(html: str, limit: int) -> None:
    from postkit.pipeline.html import all_text
    from postkit.pipeline.strip import (
        _has_text_within,
        _opens_phrase,
        _phrase_openers,
        _phrases,
        builtin_chrome_text,
    )

    phrases = _phrases(builtin_chrome_text())
    root = parse_fragment(f"<div>{html}</div>")
    openers = _phrase_openers(root, phrases)

    def first_text(element) -> str | None:  # type: ignore[no-untyped-def]  # each element's own descent
        pieces = [element.text] + [
            piece
            for child in element
            for piece in (first_text(child) if isinstance(child.tag, str) else None, child.tail)
        ]
        return next((piece for piece in pieces if piece and not piece.isspace()), None)

    def size(element) -> int:  # type: ignore[no-untyped-def]  # as the sizes of every element were summed up
        total = len((element.text or "").strip())
        for child in element:
            total += (size(child) if isinstance(child.tag, str) else 0) + len((child.tail or "").strip())
        return total

    for element in root.iter(tag=etree.Element):
        whole = "".join(all_text(element).casefold().split())
        opens = phrases.pattern.match(whole) is not None
        assert _opens_phrase(element, openers.get(element), phrases) == opens
        if opens:  # found from its own first text, which starts the phrase or a part of it
            piece = "".join((first_text(element) or "").split()).casefold()
            assert openers[element] == (phrases.pattern.match(piece) is not None)
        assert _has_text_within(element, limit) == (0 < size(element) <= limit)


# --- body positions in a file with CR line ends: offsets mapped on demand, by the CRLFs before them --

CR_BODY = st.lists(st.sampled_from(["a", "\r\n", "\r", "\n", "<b>x</b>", "\r\r\n", "中"]), max_size=12).map("".join)


@given(CR_BODY)
def test_file_offsets_are_those_of_each_character_of_the_body_as_written(body: str) -> None:
    from postkit.body import Body

    model = Body.read(body, 1, load_rulebook(), None)
    # the mapping as it was made eagerly: the offset in the body of each character of the text
    expected = [i for i, char in enumerate(body) if not (char == "\r" and body[i + 1 : i + 2] == "\n")]
    expected.append(len(body))
    assert [model.file_offset(offset) for offset in range(len(model.text) + 1)] == expected


# --- references to control characters: one search instead of a test of every reference -----------

_NOT_XML_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_ANY_NUMERIC_REFERENCE = re.compile(r"&#(?:[xX]0*([0-9a-fA-F]{1,8})|0*([0-9]{1,8}))")


def _refers_by_testing_each_reference(html: str) -> bool:
    """Every numeric reference read (at most eight digits after the zeros) and its character tested."""
    for match in _ANY_NUMERIC_REFERENCE.finditer(html):
        hexadecimal, decimal = match.groups()
        code = int(hexadecimal, 16) if hexadecimal else int(decimal)
        if code < 0x110000 and _NOT_XML_CHARACTER.match(chr(code)):
            return True
    return False


REFERENCE_PIECES = st.lists(
    st.sampled_from(["&#", "&#x", "&#X", "0", "00", "1", "2", "3", "5", "6", "7", "8", "9", "a", "B", "d", "e", "F"])
    | st.sampled_from([";", " ", "&", "x", "13", "55296", "57343", "65534", "65535", "DFFF", "fffe", "110000"]),
    max_size=10,
).map("".join)


@given(REFERENCE_PIECES | st.integers(min_value=0, max_value=0x10FFFF).map(lambda code: f"&#{code};&#x{code:X}"))
@example("&#13;&#x0d;&#9;&#10;&#xA;")  # tab, line ends: not control characters to lxml
@example("&#000000000000001")  # zeros before it, any number of them
@example("&#x123456789")  # read as its first eight digits, past Unicode
@example("&#1234567891")
def test_a_reference_to_a_control_character_is_found_as_testing_each_reference_found_it(html: str) -> None:
    from postkit.pipeline.html import _refers_to_control_characters

    assert _refers_to_control_characters(html) == _refers_by_testing_each_reference(html)


def test_every_code_point_is_told_a_control_character_or_not_as_its_character_is() -> None:
    from postkit.pipeline.html import _refers_to_control_characters

    for code in [*range(0x10000), *range(0x10000, 0x110000, 0xFFF)]:
        expected = _NOT_XML_CHARACTER.match(chr(code)) is not None
        for html in (f"&#{code};", f"&#x{code:x}", f"&#X00{code:X};"):
            assert _refers_to_control_characters(html) == expected, html
