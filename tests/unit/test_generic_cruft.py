"""Generic cruft that no site pack names: Drupal threads, flattened share bars, chrome text, layout tables."""

from __future__ import annotations

import pytest

from postkit import clean_text
from postkit.pipeline.html import parse_fragment, visible_text
from postkit.pipeline.repair import unwrap_layout_tables
from postkit.pipeline.report import FragmentReport
from postkit.pipeline.strip import (
    builtin_chrome_text,
    chrome_key,
    find_cruft,
    parse_chrome_text,
    strip_cruft,
)
from postkit.rules import load_rulebook

RULES = load_rulebook()
ARTICLE = "<p>" + "The article itself, long enough to stand for the post. " * 3 + "</p>"


def stripped(html: str, host: str | None = None) -> str:
    tree = parse_fragment(html)
    strip_cruft(tree, RULES, host, FragmentReport())
    return " ".join(visible_text(tree).split())


def drupal_item(author: str) -> str:
    return (
        f'<div class="comment {author} clearfix"><p class="commenter-name">Name (not verified)</p>'
        '<p>Words of the comment.</p><ul class="links"><li class="comment-reply">'
        '<a href="/comment/reply/1/2">reply</a></li></ul></div>'
    )


@pytest.mark.parametrize("wrapper", ['<div id="comments">', '<div class="comment-wrapper">'])
def test_a_drupal_thread_goes_unless_every_item_is_by_the_node_author(wrapper: str) -> None:
    anonymous = ARTICLE + wrapper + "<h2>Comments</h2>" + drupal_item("comment-by-anonymous") * 2 + "</div>"
    mixed = (
        ARTICLE
        + wrapper
        + "<h2>Comments</h2>"
        + drupal_item("comment-by-node-author")
        + drupal_item("comment-by-anonymous")
        + "</div>"
    )
    conversation = ARTICLE + wrapper + "<h2>Comments</h2>" + drupal_item("comment-by-node-author") * 2 + "</div>"
    assert "Comments" not in stripped(anonymous)
    assert "Comments" not in stripped(mixed)
    assert stripped(conversation).count("Words of the comment.") == 2


def test_a_spam_thread_longer_than_the_article_goes_with_its_heading() -> None:
    """The article guard keeps the wrapper on the first pass; its items go, then the wrapper."""
    spam = "<p>" + "Buy cheap pills online without prescription today. " * 4 + "</p>"
    item = f'<div class="comment comment-by-anonymous">{spam}</div>'
    html = f'<p>A short article.</p><div class="comment-wrapper"><h2>评论</h2>{item * 3}</div>'
    assert stripped(html) == "A short article."


def test_chrome_keys_fold_case_space_and_the_trailing_colon() -> None:
    assert chrome_key("  Share\n THIS: ") == "share this"
    assert chrome_key("分享到\uff1a") == "分享到"


def test_the_pack_reads_kinds_roles_and_orders_services_longest_first() -> None:
    chrome = parse_chrome_text(
        "! kind: share-bar\n! role: label\nShare this\n! role: service\nX\nLike this\n"
        "! kind: player\n! role: line\nPodcast Player\n"
    )
    assert chrome.labels == {"share this": "share-bar"}
    assert chrome.services["share-bar"] == ("like this", "x")
    assert chrome.lines == {"podcast player": "player"}
    assert "blubrry podcast player" in builtin_chrome_text().lines


@pytest.mark.parametrize(
    ("html", "left"),
    [
        (
            "<p>Body.</p><h3>Share this:</h3><ul><li><a href='/?share=twitter'>Twitter</a></li>"
            "<li><a href='/?share=email'>Email</a></li></ul>",
            "Body.",
        ),
        ("<p>Body.</p><p><b>Share this:</b> <a href='#'>Reddit</a> | <a href='#'>Pocket</a></p>", "Body."),
        ("<p>Body.</p><div>Compartir esto:<br>Twitter<br>Facebook</div>", "Body."),
        # a sentence that says "share this" is article text; one service is not a bar
        ("<p>Please share this: it helps.</p>", "Please share this: it helps."),
        (
            "<p>Body.</p><h3>Share this:</h3><p>Twitter</p><p>The next section starts here.</p>",
            "Body. Share this: Twitter The next section starts here.",
        ),
    ],
)
def test_share_bars_without_their_wrapper_go_by_their_words(html: str, left: str) -> None:
    assert stripped(html) == left


def test_a_related_list_goes_with_its_heading_only_when_its_items_are_links() -> None:
    links = "<h4>Related posts</h4><ul><li><a href='/a'>One</a> (2013)</li><li><a href='/b'>Two</a></li></ul>"
    prose = "<h4>Related</h4><ul><li><a href='/a'>One</a> explains at length why the first design failed</li></ul>"
    assert stripped(ARTICLE + links) == " ".join(visible_text(parse_fragment(ARTICLE)).split())
    assert "explains at length" in stripped(ARTICLE + prose)


def test_chrome_text_is_attributed_to_its_pack() -> None:
    tree = parse_fragment("<p>Body text.</p><p>Blubrry Podcast Player</p>")
    [cruft] = find_cruft(tree, RULES, None)
    assert (cruft.kind, cruft.rule) == ("widget", "chrome-text.txt: line 'blubrry podcast player'")


def test_a_removed_link_takes_its_orphan_separator() -> None:
    html = (
        '<p>Podcast: <a class="powerpress_link_pinw" href="/ep.mp3">Play in new window</a> | '
        '<a href="/ep.mp3">Download</a></p>'
    )
    assert stripped(html) == "Podcast: Download"


def test_the_dw_notice_goes_in_either_script_on_any_host() -> None:
    for notice in (
        "德国之声版权声明\uff1a本文所有内容受到著作权法保护",
        "德國之聲版權聲明\uff1a本文所有內容受到著作權法保護",
    ):
        assert stripped(f"<p>正文。</p><p>© 2021年{notice}</p>", host="news.example.com") == "正文。"


def tables(html: str) -> list[str]:
    tree = parse_fragment(html)
    unwrap_layout_tables(tree)
    return [element.tag for element in tree.iter("table", "div")]


@pytest.mark.parametrize(
    ("html", "is_table"),
    [
        ("<table><tr><td><img src='a.jpg'></td><td>Jane writes here.</td></tr></table>", False),
        ("<table><tr><td>only</td></tr><tr><td>one column</td></tr></table>", False),
        ("<table><tr><th>a</th><th>b</th></tr><tr><td><p>1</p></td><td><p>2</p></td></tr></table>", True),
        ("<table><tr><td>a</td><td>b</td></tr><tr><td>1</td><td>2</td></tr></table>", True),
        ("<table><tr><td><p>x</p><p>y</p></td><td>b</td></tr><tr><td>1</td><td>2</td></tr></table>", False),
        ("<table><tr><th>a</th><th>b</th></tr><tr><td><ul><li>x</li></ul></td><td>2</td></tr></table>", False),
    ],
)
def test_layout_tables_become_blocks_and_data_tables_stay(html: str, is_table: bool) -> None:
    assert ("table" in tables(html)) is is_table


def test_a_data_cell_loses_its_lone_paragraph_wrapper() -> None:
    tree = parse_fragment("<table><tr><th><p>a</p></th><th>b</th></tr><tr><td><p>1</p></td><td>2</td></tr></table>")
    unwrap_layout_tables(tree)
    assert tree.find(".//p") is None
    assert [cell.text for cell in tree.iter("td", "th")] == ["a", "b", "1", "2"]


def test_entities_in_inline_code_of_a_markdown_paragraph_are_decoded() -> None:
    text = "---\ntitle: t\n---\nRun <code>&lt;?php echo $x; ?&gt;</code> and <code>a &amp;&amp; b</code>.\n"
    assert clean_text(text).text.endswith("Run `<?php echo $x; ?>` and `a && b`.\n")


def test_a_decoded_carriage_return_in_inline_code_is_a_space() -> None:
    # `&#13;` decoded inside a code span would end the line there for every renderer (and once
    # crashed the output safety pass, which reads LF-only text)
    text = 'Intro.\n\n<code><script/href="a&#13;b\tc"></script></code>'
    cleaned = clean_text(text).text
    assert cleaned == 'Intro.\n\n`<script/href="a b c">`'
    assert clean_text(cleaned).text == cleaned


def test_a_jetpack_share_list_without_its_wrapper_goes_but_a_list_with_other_items_stays() -> None:
    share = (
        '<ul><li class="share-twitter"><a href="?share=twitter">Tweet it</a></li>'
        '<li class="share-email"><a href="?share=email">Mail it</a></li><li class="share-end"></li></ul>'
    )
    mixed = '<ul><li class="share-twitter">Tweet it</li><li>A real item of the article</li></ul>'
    assert "Tweet it" not in stripped(ARTICLE + share)
    assert "A real item of the article" in stripped(ARTICLE + mixed)


@pytest.mark.parametrize(
    ("body", "kept"),
    [
        ("<p>Lorem ipsum <script>var x = '德国之声版权声明';</script> dolor.</p><p>Other.</p>", "Lorem ipsum dolor."),
        ("<p>德国之声<script>版权</script>声明 正文</p>", "德国之声声明 正文"),
        ("<p><template>德国之声版权声明</template>text</p>", "text"),
    ],
)
def test_a_text_rule_does_not_match_on_text_inside_scripts(body: str, kept: str) -> None:
    # the rule's words stand only in a script or template: the paragraph a reader sees is article
    result = clean_text(f"---\ntitle: t\n---\n{body}\n")
    assert kept in result.text
    assert not any("soup-contains" in removal.rule for removal in result.removals)


def test_a_text_rule_matches_the_text_a_reader_sees() -> None:
    result = clean_text("---\ntitle: t\n---\n<p>德国之声版权声明 本文版权所有</p><p>正文在此。</p>\n")
    assert result.text.endswith("---\n正文在此。\n")
    assert [removal.rule for removal in result.removals] == ['generic.txt: ##p:-soup-contains("德国之声版权声明")']


def test_a_run_without_details_records_removals_without_reading_their_text() -> None:
    from postkit.pipeline import clean_post
    from postkit.post import split_post

    share = '<div class="sharedaddy"><h3>Share this:</h3><a href="#">Twitter</a></div>'
    text = "---\ntitle: t\n---\n" + ARTICLE + share + "\n"
    shown = clean_post(split_post(text), details=True)
    quiet = clean_post(split_post(text), details=False)
    assert quiet.text == shown.text
    assert [(r.kind, r.rule) for r in quiet.removals] == [(r.kind, r.rule) for r in shown.removals] != []
    assert [(r.excerpt, r.chars) for r in shown.removals] == [("Share this: Twitter", 17)]
    assert [(r.excerpt, r.chars) for r in quiet.removals] == [("", 0)]
