"""The body as content rules see it: finding elements back in the source, positions, and the helpers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from postkit.checks import CheckContext, check_text, select_rules
from postkit.checks.content import (
    Body,
    describe,
    relative_kind,
    source_tags,
    tracking_params,
)
from postkit.checks.pk209_hidden_comment import count_words
from postkit.pipeline.html import parse_fragment
from postkit.pipeline.repair import host_of
from postkit.rules import load_rulebook

RULES = load_rulebook()


def body(text: str, base: str | None = None, first_line: int = 1) -> Body:
    return Body.read(text, first_line, RULES, base)


def at(text: str, line: int, column: int) -> str:
    return text.split("\n")[line - 1][column - 1 :]


def test_source_tags_skip_comments_and_raw_text_and_keep_the_first_of_two_attributes() -> None:
    html = (
        '<!-- <img src="no.png"> --><script>var a = "<img src=x>";</script>'
        '<img SRC=one.png src="two.png" alt data-x=\'y\' title="a &amp; b"><p>'
    )
    tags = source_tags(html)
    assert [tag.name for tag in tags] == ["script", "img", "p"]
    image = tags[1]
    assert image.attributes == {
        "src": ("one.png", html.index("one.png")),
        "alt": ("", html.index("alt")),
        "data-x": ("y", html.index("y'")),
        "title": ("a & b", html.index("a &amp;")),
    }
    assert source_tags("<style>p {}") == [source_tags("<style>")[0]]  # an unclosed raw-text element ends the text


def test_an_element_is_found_by_its_attributes_among_look_alikes() -> None:
    text = '<div><img src="a.png"><p><img src="b.png"></p><img src="a.png" class="x"><img src="a.png"></div>'
    part = body(text).parts[0]
    images = list(part.tree.iter("img"))
    starts = [
        text.index('<img src="a.png">'),
        text.index('<img src="b.png">'),
        text.index('class="x">') - 17,
        text.rindex('<img src="a.png">'),
    ]
    assert [part.position(image).column for image in images] == [start + 1 for start in starts]
    assert part.position(images[3], "src").column == text.rindex("a.png") + 1
    assert part.position(images[3], "alt").column == starts[3] + 1  # no such attribute: the tag


def test_an_element_the_parser_changed_is_found_by_a_value_or_its_name() -> None:
    part = body('<p>x</p>\n<a href="https://e.com/&notit;" class="k">link</a>').parts[0]
    [link] = part.tree.iter("a")
    link.set("class", "changed")  # the signature no longer matches; the href still names the tag
    assert part.position(link) == (2, 1)
    link.attrib.clear()
    assert part.position(link).line == 2  # the first <a> of the span
    orphan = next(parse_fragment("<video></video>").iter("video"))
    assert part.position(orphan) == (1, 1)  # no such tag in the source: the span's start


def test_positions_inside_inline_spans_and_containers() -> None:
    text = (
        'Some *x* <span>with **bold\nacross** lines</span> then <a href="https://e.com/?utm_source=a">l</a>.\n'
        '\n> quoted <img src="//cdn.e.com/a.png">\n'
    )
    found = check_text(f"---\ntitle: T\n---\n{text}", "p.md", select_rules(["PK203", "PK206"]), CheckContext())
    full = f"---\ntitle: T\n---\n{text}"
    assert [(p.code, at(full, p.line, p.column)[:12]) for p in found] == [
        ("PK203", "https://e.co"),
        ("PK206", "//cdn.e.com/"),
    ]
    lines = full.split("\n")
    assert [(p.line, p.column) for p in found] == [(5, lines[4].index("https") + 1), (7, lines[6].index("//") + 1)]


def test_comments_outside_code_scripts_and_styles() -> None:
    text = (
        "<!-- one -->\n`<!-- code span -->`\n\n    <!-- indented code -->\n\n```\n<!-- fenced -->\n```\n"
        "<script><!-- document.write('<p>') --></script><!--two-->"
    )
    assert [(offset, inner) for offset, inner in body(text).comments()] == [
        (0, " one "),
        (text.index("<!--two"), "two"),
    ]
    assert list(body("no comments").comments()) == []


def test_markdown_images_are_told_from_links() -> None:
    text = "[a](https://e.com/1) ![b [c]](https://e.com/2) [![d](https://e.com/3)](https://e.com/4)"
    parsed = body(text)
    urls = [(text[start:end], parsed.is_markdown_image(start)) for start, end in parsed.markdown_urls]
    assert urls == [
        ("https://e.com/1", False),
        ("https://e.com/2", True),
        ("https://e.com/3", True),
        ("https://e.com/4", False),
    ]
    assert body("no links").markdown_urls == []


def test_cruft_is_reported_once_at_the_outermost_element() -> None:
    part = body('<div id="dfp-ad-x-wrapper"><div id="dfp-ad-x"></div></div><p>Text.</p>').parts[0]
    assert [(cruft.kind, cruft.element.get("id")) for cruft in part.cruft] == [("ad-slot", "dfp-ad-x-wrapper")]
    [inner] = part.tree.xpath("//*[@id='dfp-ad-x']")
    assert inner is not None and part.removed_by_clean(inner)
    assert not part.removed_by_clean(next(part.tree.iter("p")))


def test_page_chrome_around_the_main_article_counts_as_removed() -> None:
    article = "<p>" + "The river rose overnight. " * 10 + "</p>"
    page = f'<nav><a href="/home">Home</a></nav><div class="entry-content">{article}<a href="/x">x</a></div>'
    part = body(page).parts[0]
    links = list(part.tree.iter("a"))
    assert [part.removed_by_clean(link) for link in links] == [True, False]
    found = check_text(f"---\ntitle: T\n---\n{page}\n", "p.md", select_rules(["PK206"]), CheckContext())
    assert [p.message.split(":")[0] for p in found] == ["relative URL /x"]


def test_a_fragment_that_is_all_article_has_no_chrome() -> None:
    part = body("<article><p>Only the article.</p></article>").parts[0]
    assert part.main_article() is None
    assert body("<p></p>").parts[0].main_article() is None


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("/a.png", "relative"),
        ("a/b.html", "relative"),
        ("../x", "relative"),
        ("?page=2", "relative"),
        ("//cdn.e.com/a.png", "protocol-relative"),
        ("https://e.com/", None),
        ("mailto:a@e.com", None),
        ("#notes", None),
        ("", None),
        ("  ", None),
        ("{{ site.url }}/a", None),
        ("{% post_url x %}", None),
        ("data:image/png;base64,AA", None),
    ],
)
def test_relative_kind(url: str, kind: str | None) -> None:
    assert relative_kind(url) == kind


def test_tracking_params() -> None:
    assert tracking_params("https://e.com/?utm_source=a&id=1&UTM_Medium=b&utm_source=c&fbclid", RULES) == [
        "utm_source",
        "UTM_Medium",
        "fbclid",
    ]
    assert tracking_params("https://e.com/utm_source", RULES) == []
    assert tracking_params("http://[::1/?utm_source=a", RULES) == []  # a URL urlsplit refuses


def test_tracking_params_after_amp_entities_in_markdown_destinations() -> None:
    url = "https://e.com/?id=1&amp;utm_source=a&AMP;utm_medium=b&fbclid=c"
    assert tracking_params(url, RULES, markdown=True) == ["utm_source", "utm_medium", "fbclid"]
    assert tracking_params(url, RULES) == ["fbclid"]  # an href: `amp;utm_source` is the name there


def test_host_of() -> None:
    assert host_of("https://WWW.Zaobao.com.sg/a") == "www.zaobao.com.sg"
    assert host_of(None) is None and host_of("/relative") is None and host_of("http://[::1/") is None


def test_describe_names_the_tag_its_id_and_classes() -> None:
    div, span = parse_fragment('<div id="imu" class="a  b"></div><span></span>')
    assert describe(div) == '<div id="imu" class="a b">'
    assert describe(span) == "<span>"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("more", 1),
        (" /.content ", 1),
        ("the mayor said", 3),
        ("市长说大坝会守住。", 8),
        ("2021年 is", 3),
        ("—", 0),
    ],
)
def test_count_words(text: str, words: int) -> None:
    assert count_words(text) == words


@given(st.text(alphabet=st.sampled_from(list("<>/=\"' abimgsrc-!\n\t&;#x")), max_size=80))
def test_source_tags_never_crash_and_point_at_a_tag_start(html: str) -> None:
    for tag in source_tags(html):
        assert html[tag.start] == "<"
        for value, offset in tag.attributes.values():
            assert 0 <= offset <= len(html)
            assert value == "" or html[offset:].startswith(value[:1]) or "&" in html[offset : offset + len(value) + 8]


def test_positions_after_kept_markdown_inside_an_inline_group() -> None:
    text = 'A <span>**bold**\nand `code` <a href="https://e.com/?utm_source=a">l</a></span>.\n'
    full = f"---\ntitle: T\n---\n{text}"
    [found] = check_text(full, "p.md", select_rules(["PK203"]), CheckContext())
    assert (found.line, found.column) == (5, full.split("\n")[4].index("https") + 1)


@pytest.mark.parametrize(
    ("base", "message"),
    [
        (
            "www.example.com/news/a",
            "relative URL /a.png cannot be resolved against the source URL www.example.com/news/a",
        ),
        ("http://[::1/news", "relative URL /a.png cannot be resolved against the source URL http://[::1/news"),
    ],
)
def test_a_source_url_that_resolves_nothing_is_said_so(base: str, message: str) -> None:
    found = check_text(
        f"---\ntitle: T\nfrom: {base}\n---\n![A](/a.png)\n", "p.md", select_rules(["PK206"]), CheckContext()
    )
    assert [problem.message for problem in found] == [message]


def test_a_noscript_copy_after_whitespace_is_the_real_url() -> None:
    found = check_text(
        '---\ntitle: T\n---\n<p><img src="/blank.gif">\n  <noscript><img src="https://e.com/a.jpg"></noscript></p>\n',
        "p.md",
        select_rules(["PK205"]),
        CheckContext(),
    )
    assert [problem.message for problem in found] == [
        "lazy image: its src is the placeholder '/blank.gif'; the real URL is in the <noscript> copy after it: "
        "https://e.com/a.jpg"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<div><p> </p></div>\n", "the body has no visible text, only markup that shows nothing"),
        ("--- *\n", "the body has no words, only punctuation"),
        ("\n\n", "the post has no body"),
    ],
)
def test_empty_bodies_say_what_they_hold(text: str, message: str) -> None:
    found = check_text(f"---\ntitle: T\n---\n{text}", "p.md", select_rules(["PK208"]), CheckContext())
    assert [problem.message for problem in found] == [message]


def test_a_small_main_article_does_not_stand_for_the_page() -> None:
    page = '<div class="entry-content"><p>Short.</p></div><p>' + "Sidebar text that is long. " * 10 + "</p>"
    assert body(page).parts[0].main_article() is None


def test_a_bracket_without_its_pair_is_neither_link_nor_image() -> None:
    parsed = body("x](https://e.com/1)")
    assert parsed.markdown_urls == []
    assert parsed.is_markdown_image(3) is False


def test_parentheses_after_a_reference_link_are_no_destination() -> None:
    text = (
        "Get [the driver][2](for [old][3] cards) or [the site](example.com).\n\n"
        "[2]: ../drivers/\n[3]: https://e.com/old\n"
    )
    parsed = body(text)
    assert [text[start:end] for start, end in parsed.markdown_urls] == [
        "example.com",
        "../drivers/",
        "https://e.com/old",
    ]
    found = check_text(f"---\ntitle: T\n---\n{text}", "p.md", select_rules(["PK206"]), CheckContext())
    assert [problem.message.split(":")[0] for problem in found] == [
        "relative URL example.com",
        "relative URL ../drivers/",
    ]


HTMLISH = st.lists(
    st.sampled_from(
        [
            "<div>",
            "</div>",
            "<p>",
            "</p>",
            '<img src="/a.png">',
            '<img data-src="https://e.com/b.jpg">',
            '<a href="https://e.com/?utm_source=x">',
            "</a>",
            '<ins class="adsbygoogle"></ins>',
            "<!-- <p>x</p> -->",
            "<!--more-->",
            "> ",
            "- ",
            "    ",
            "```",
            "`",
            "[l](/r)",
            "![i](https://pixel.wp.com/g.gif)",
            "[r]: /ref",
            "text",
            "文字",
            " ",
            "\n",
            "\n\n",
            "\r\n",
            "\r",
            "<",
            ">",
            '"',
            "&amp;",
        ]
    ),
    max_size=30,
).map("".join)


@given(HTMLISH)
def test_any_body_gives_content_problems_inside_the_file_and_never_a_crash(text: str) -> None:
    full = f"---\ntitle: T\nfrom: https://e.com/a/b\n---\n{text}"
    lines = full.split("\n")  # postkit counts lines on LF only, as written
    for problem in check_text(full, "p.md", select_rules(["PK2"]), CheckContext()):
        assert 1 <= problem.line <= len(lines), problem
        assert 1 <= problem.column <= len(lines[problem.line - 1]) + 1, problem
        assert problem.message


def test_positions_count_lines_on_lf_only_whatever_the_line_ends() -> None:
    full = '---\r\ntitle: T\r\n---\r\nOld\rMac\r<ins class="adsbygoogle"></ins> [x](/r)\r\n<p>y</p>\r\n'
    found = check_text(full, "p.md", select_rules(["PK201", "PK206"]), CheckContext())
    lines = full.split("\n")
    assert [(p.code, p.line, lines[p.line - 1][p.column - 1 : p.column + 3]) for p in found] == [
        ("PK201", 4, "<ins"),
        ("PK206", 4, "/r)\r"),
    ]
