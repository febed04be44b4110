"""The post postkit was started from, cleaned as issue 2's "done when" asks (skips without ../shared/corpus)."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup
from markdown_it import MarkdownIt
from markdown_it.token import Token

from postkit import clean_text, split_post

FOUNDING = "nodenews__waimei/2021-08-10-蔡奇主持北京防疫会议  要求严防死守坚决阻断传播.md"
PHOTO = (
    "https://www.zaobao.com/s3/files/styles/article_large_full/public/2021-08/file7h0n9ihu5iev5uybagr.jpg?itok=GcVWnWyI"
)
CAPTION = "人来人往的北京地铁站。（法新社档案照）"  # noqa: RUF001 - the caption as published


def tokens(markdown: str) -> list[Token]:
    flat: list[Token] = []

    def walk(items: list[Token]) -> None:
        for token in items:
            flat.append(token)
            walk(token.children or [])

    walk(MarkdownIt("commonmark").parse(markdown))
    return flat


def test_founding_post(corpus_dir: Path) -> None:
    source = (corpus_dir / FOUNDING).read_bytes().decode("utf-8")
    result = clean_text(source, path=FOUNDING)
    out = result.text
    before, after = split_post(source), split_post(out)

    assert after.front_matter == before.front_matter
    assert after.bom == before.bom == ""
    assert after.body.startswith("<!--1628592840000-->\n")

    for cruft in ("dfp-ad", "innity", "subscribe.sph", "utm_", "freemium_images", "<section", "<div", "<img"):
        assert cruft not in out, cruft

    flat = tokens(after.body)
    raw = [
        t.content for t in flat if t.type in ("html_block", "html_inline") and not t.content.strip().startswith("<!--")
    ]
    assert raw == []

    images = [t for t in flat if t.type == "image"]
    assert [t.attrGet("src") for t in images] == [PHOTO]

    # the text a paragraph shows, image alt text aside
    paragraphs = ["".join(c.content for c in t.children or [] if c.type == "text") for t in flat if t.type == "inline"]
    assert paragraphs.count(CAPTION) == 1
    assert sum(CAPTION in p for p in paragraphs) == 1

    html = before.body[before.body.index("<div>") :]
    texts = [p.get_text() for p in BeautifulSoup(html, "lxml").find_all("p")]
    assert len(texts) == 7
    for text in texts:
        assert text in paragraphs, text[:20]

    assert result.lost == ()
    assert {r.kind for r in result.removals} <= {"ad-slot", "promo-link"}
    assert clean_text(out, path=FOUNDING).text == out
