"""Edge cases of clean_text whose right output is a property rather than fixed bytes."""

from __future__ import annotations

import pytest

from postkit import clean_text, split_post


@pytest.mark.parametrize("source", ["<hr>\n<p>Text after a rule.</p>\n", "<p><hr>Text after a rule.</p>\n"])
def test_hr_first_in_post_without_front_matter(source: str) -> None:
    out = clean_text(source).text
    assert split_post(out).front_matter == ""
    assert clean_text(out).text == out
    assert "Text after a rule." in out


@pytest.mark.parametrize(
    "source",
    [
        "---\ntitle: x\n---\n<hr><p>After the front matter.</p>\n",
        "Intro.\n\n<p>One.</p><hr><p>Two.</p>\n",
    ],
)
def test_hr_after_front_matter_or_text_is_a_rule(source: str) -> None:
    out = clean_text(source).text
    post = split_post(out)
    assert post.front_matter == split_post(source).front_matter
    # written `* * *`, never `---`, which on a post's first line would open front matter
    assert "\n* * *\n" in "\n" + post.body
    assert clean_text(out).text == out


def _rendered_emphasis(markdown: str) -> tuple[list[str], str]:
    """What a CommonMark renderer shows as bold or italic, and the text it shows as plain."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(markdown)
    marked, plain = [], []
    for token in tokens:
        depth = 0
        for child in token.children or ():
            if child.type in ("strong_open", "em_open"):
                depth += 1
                marked.append("")
            elif child.type in ("strong_close", "em_close"):
                depth -= 1
            elif child.type == "text":
                if depth:
                    marked[-1] += child.content
                else:
                    plain.append(child.content)
    return marked, "".join(plain)


@pytest.mark.parametrize(
    ("html", "emphasised"),
    [
        ("word<b>word [1]</b>word", "word [1"),  # `]` moves out with its backslash
        ("<b>[1] first</b>word", "[1] first"),  # it can open at the start of a line: nothing moves
        ("x<b>(see)</b>word", "see"),
        ("中文<b>“不要”</b>然后", "不要"),
        ("a<b>x.</b><a href='https://e.org'>link</a>", "x."),  # the run closes before `[`: `.` stays in
        ("<strong>《意见》强调“前沿阵地”</strong>。", "《意见》强调“前沿阵地”"),
        ("a <i>quoted 'text'</i>b", "quoted 'text"),
    ],
)
def test_emphasis_next_to_punctuation_renders_as_emphasis(html: str, emphasised: str) -> None:
    out = split_post(clean_text(f"<p>{html}</p>\n").text).body
    marked, plain = _rendered_emphasis(out)
    assert marked == [emphasised], out
    assert "*" not in plain, out


@pytest.mark.parametrize(
    "html",
    [
        "<b>see <img src='https://e.org/a.jpg' alt='a'></b>word",
    ],
)
def test_emphasis_that_cannot_be_written_keeps_its_words_without_stray_markers(html: str) -> None:
    result = clean_text(f"<p>{html}</p>\n")
    out = split_post(result.text).body
    assert "*" not in out
    assert result.lost == ()
    assert clean_text(result.text).text == result.text


def _rendered(markdown: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").render(split_post(markdown).body)


@pytest.mark.parametrize(
    ("html", "rendered"),
    [
        # emphasis nested at the edge where two runs touch lets go (`*aa****bb***` and its kin read
        # wrong in CommonMark), the words and the outer emphasis stay
        (
            "<p><em>aa</em><strong><em>bb</em></strong><em>, cc</em></p>",
            "<p><em>aa</em><strong>bb</strong>, <em>cc</em></p>",
        ),
        ("<p><b>word<i>word</i></b><i>word</i></p>", "<p><strong>wordword</strong><em>word</em></p>"),
        ("<p><i>a</i><b><i>b</i>c</b></p>", "<p><em>a</em><strong>bc</strong></p>"),
        # a link at the edge of emphasis before a letter takes its own copy of the markers
        (
            "<p>x<b>see <a href='https://e.org/'>link</a></b>word</p>",
            '<p>x<strong>see</strong> <a href="https://e.org/"><strong>link</strong></a>word</p>',
        ),
        (
            "<p>中<strong>而<a href='https://x.org/'>冲动的人们。</a></strong>这就是</p>",
            '<p>中<strong>而</strong><a href="https://x.org/"><strong>冲动的人们。</strong></a>这就是</p>',
        ),
        # bold runs that touch join across a hard break too
        ("<div><b>word</b><span><b>word <br> word</b></span></div>", "<p><strong>wordword <br />\nword</strong></p>"),
        # a hard break at the end of a link goes after it
        (
            '<p>word<a href="https://e.org/p">word <br></a>word</p>',
            '<p>word<a href="https://e.org/p">word</a> <br />\nword</p>',
        ),
        # a paragraph holding a block ends where the block starts, as in a browser
        (
            "<div>a<p><figure><img src='https://e.org/a.jpg' alt='a'><figcaption>c</figcaption></figure>b</p>d</div>",
            '<p>a</p>\n<p><img src="https://e.org/a.jpg" alt="a" /></p>\n<p>c</p>\n<p>b</p>\n<p>d</p>',
        ),
        # bold runs touching through wrappers join, however many
        (
            "<p><span><strong>a</strong></span><span><strong>b</strong></span><span><strong>c</strong></span>d</p>",
            "<p><strong>abc</strong>d</p>",
        ),
        # emphasis around blocks nested two deep is pushed into the innermost blocks
        (
            "<strong><div><p>one</p><p>two</p></div></strong>",
            "<p><strong>one</strong></p>\n<p><strong>two</strong></p>",
        ),
        ('<a href="https://x.org/"><div><h2>Card</h2></div></a>', '<h2><a href="https://x.org/">Card</a></h2>'),
        # a hard break at the end of emphasis goes after the closing marker, not before it
        ("<p>a <strong>bold<br/></strong>next</p>", "<p>a <strong>bold</strong><br />\nnext</p>"),
        ("<p>x<b><br>y</b></p>", "<p>x<br />\n<strong>y</strong></p>"),
        ("<p>x<b><br>“y”</b>z</p>", "<p>x<br />\n“<strong>y</strong>”z</p>"),
        # an opening parenthesis at the end of emphasis moves out
        ("<p><em>see (</em>x)</p>", "<p><em>see</em> (x)</p>"),
    ],
)
def test_emphasis_edges_render_as_the_source_shows(html: str, rendered: str) -> None:
    result = clean_text(html + "\n")
    assert _rendered(result.text).strip() == rendered
    assert result.lost == ()


@pytest.mark.parametrize(
    ("source", "rendered"),
    [
        # text after a tag was never at a line start; with the tag gone it must not become a list or heading
        ("<span>1. mintUpdate</span>\n", "<p>1. mintUpdate</p>"),
        ("<span>## x</span>\n", "<p>## x</p>"),
        ("- <span>1. x</span>\n", "<ul>\n<li>1. x</li>\n</ul>"),
        ("> <font>#one</font><br /> <font># two</font>\n", "<blockquote>\n<p>#one<br />\n# two</p>\n</blockquote>"),
        # inside a line a marker means nothing and is left alone
        ("x <span>- y</span>\n", "<p>x - y</p>"),
    ],
)
def test_kept_text_that_lands_at_a_line_start_keeps_its_meaning(source: str, rendered: str) -> None:
    result = clean_text(source)
    assert _rendered(result.text).strip() == rendered
    assert clean_text(result.text).text == result.text


@pytest.mark.parametrize(
    ("html", "rendered"),
    [
        ("<pre>a<br>b</pre>", "<pre><code>a\nb\n</code></pre>"),
        ("<p><code>a <br>b</code></p>", "<p><code>a  b</code></p>"),
        ("<p>word<code><br></code>word</p>", "<p>word<br />\nword</p>"),  # a break at a code span's edge leaves it
        ("<p>word<b><code>a</code></b><code>b</code></p>", "<p>word<code>ab</code></p>"),
        ("<p>word<b>word<br></b># not</p>", "<p>word<strong>word</strong><br />\n# not</p>"),
    ],
)
def test_line_breaks_in_code_and_before_markers(html: str, rendered: str) -> None:
    result = clean_text(html + "\n")
    assert _rendered(result.text).strip() == rendered
    assert result.lost == ()


@pytest.mark.parametrize(
    ("iframe", "markdown"),
    [
        # a player's stock title says nothing: the link shows the video's page
        (
            '<iframe title="youtube iframe" src="https://www.youtube.com/embed/Cvkm3ggXzBE?rel=0&start=42"></iframe>',
            "<https://www.youtube.com/watch?v=Cvkm3ggXzBE&t=42s>",
        ),
        (
            '<iframe title="Interview with the mayor" src="https://player.vimeo.com/video/12345?autoplay=1"></iframe>',
            "[Interview with the mayor](https://vimeo.com/12345)",
        ),
        # a private Vimeo video needs its hash: the player URL stays
        (
            '<iframe src="https://player.vimeo.com/video/12345?h=abc"></iframe>',
            "<https://player.vimeo.com/video/12345?h=abc>",
        ),
    ],
)
def test_video_embeds_link_to_the_videos_page(iframe: str, markdown: str) -> None:
    assert clean_text(iframe + "\n").text == markdown + "\n"


@pytest.mark.parametrize(
    ("html", "markdown"),
    [
        # a picture that opens a block, then its caption: a line break between them
        (
            '<p><img src="https://e.org/a.jpg"><small>Commuters at dawn.</small></p>',
            "![](https://e.org/a.jpg)\\\nCommuters at dawn.",
        ),
        (
            '<p><a href="https://e.org/big.jpg"><img src="https://e.org/a.jpg"></a>Caption here</p>',
            "[![](https://e.org/a.jpg)](https://e.org/big.jpg)\\\nCaption here",
        ),
        # an icon is inline on purpose, and so is an image inside a sentence
        ('<p><img src="https://e.org/s.gif" width="15" height="15"> Great!</p>', "![](https://e.org/s.gif) Great!"),
        ('<p>Text <img src="https://e.org/c.jpg"> more</p>', "Text ![](https://e.org/c.jpg) more"),
        # the space between a bold link and the text after it stays
        (
            '<p><strong><a href="https://e.org/">Ltd.</a> </strong>(Hong Kong)</p>',
            "**[Ltd.](https://e.org/)** (Hong Kong)",
        ),
        # blocks that convert to nothing, one after another, leave one blank line
        (
            '<p>x</p>\n\n<p>&nbsp;</p>\n\n<p><a href="http://e.org/a.png"><br /> </a></p>\n\n'
            '<div class="sharedaddy">Share</div>\n\n\n\n[1]: http://e.org/',
            "x\n\n[1]: http://e.org/",
        ),
    ],
)
def test_layout_of_images_spaces_and_removed_blocks(html: str, markdown: str) -> None:
    result = clean_text(html + "\n")
    assert result.text == markdown + "\n"
    assert result.lost == ()


# An icon font draws its glyphs from the private use area (`<span class="icon">\ue000</span>`);
# postkit marks kept Markdown with characters from there too, and must not take one for the other.
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>Call <span class='icon'>\ue000</span> us</p>\n", "Call \ue000 us\n"),
        ("<pre>a \ue000 b\ue003 c</pre>\n", "```\na \ue000 b\ue003 c\n```\n"),
        ("<p><code>a \ue000 b</code></p>\n", "`a \ue000 b`\n"),
        ("Text `kept` and <code>\ue000 <b>x</b></code> \ue000 <b>k</b>\n", "Text `kept` and `\ue000 x` \ue000 **k**\n"),
    ],
)
def test_private_use_characters_of_the_page_stay_as_they_are(source: str, expected: str) -> None:
    result = clean_text("---\ntitle: x\n---\n" + source)
    assert result.lost == ()
    assert split_post(result.text).body == expected
    assert clean_text(result.text).text == result.text
