"""Golden cases for the cleaning pipeline: tests/cases/pipeline/<name>.md beside <name>.expected.md.

Every case is collected by glob. A case without an expected file fails. A case whose expected
output the pipeline does not produce yet carries a ``<name>.xfail`` sidecar holding the reason;
it is marked ``xfail(strict=True)``, so the day the pipeline gets it right the sidecar has to go.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from postkit import CleanOptions, clean_text, split_post

ROOT = Path(__file__).parents[2]
CASE_DIR = ROOT / "tests" / "cases" / "pipeline"
EXAMPLES = ROOT / "examples"
EXPECTED_SUFFIX = ".expected.md"
CASES = sorted(p for p in CASE_DIR.glob("*.md") if not p.name.endswith(EXPECTED_SUFFIX))
_RENDERER = MarkdownIt("commonmark")
_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}-")


def read(path: Path) -> str:
    """The file's text with every byte kept: BOM, CRLF and a missing final newline included."""
    return path.read_bytes().decode("utf-8")


def expected_path(case: Path) -> Path:
    return case.with_name(case.name[: -len(".md")] + EXPECTED_SUFFIX)


def sidecar(case: Path) -> Path:
    return case.with_suffix(".xfail")


def params(*, honour_xfail: bool) -> list[object]:
    out: list[object] = []
    for case in CASES:
        marks = []
        if honour_xfail and sidecar(case).exists():
            reason = sidecar(case).read_text(encoding="utf-8").strip()
            marks.append(pytest.mark.xfail(strict=True, reason=reason))
        out.append(pytest.param(case, id=case.stem, marks=marks))
    return out


def front_matter_of(text: str) -> str:
    post = split_post(text)
    return post.bom + post.front_matter


def walk(tokens: list[Token]) -> list[Token]:
    flat: list[Token] = []
    for token in tokens:
        flat.append(token)
        if token.children:
            flat.extend(walk(token.children))
    return flat


def raw_html(markdown: str) -> list[str]:
    """Raw HTML a CommonMark renderer would pass through, comments aside."""
    return [
        t.content
        for t in walk(_RENDERER.parse(markdown))
        if t.type in ("html_block", "html_inline") and not t.content.strip().startswith("<!--")
    ]


# --- the collection itself ------------------------------------------------------------------------


def test_there_are_cases_for_every_stage() -> None:
    stems = {case.stem for case in CASES}
    for prefix in ("strip-", "repair-", "sanitize-", "convert-", "markdown-", "line-endings-", "comments-", "example-"):
        assert any(stem.startswith(prefix) for stem in stems), f"no golden case named {prefix}*"


def test_no_orphan_expected_or_sidecar_files() -> None:
    stems = {case.stem for case in CASES}
    for path in CASE_DIR.iterdir():
        if path.name.endswith(EXPECTED_SUFFIX):
            assert path.name[: -len(EXPECTED_SUFFIX)] in stems, f"{path.name} has no case"
        elif path.suffix == ".xfail":
            assert path.stem in stems, f"{path.name} has no case"
            assert path.read_text(encoding="utf-8").strip(), f"{path.name} gives no reason"


def test_every_example_has_a_golden_case() -> None:
    examples = sorted(p for p in EXAMPLES.glob("*.md") if p.name != "README.md")
    assert len(examples) >= 6
    for example in examples:
        case = CASE_DIR / f"example-{_DATE_PREFIX.sub('', example.name)}"
        assert case.exists(), f"examples/{example.name} has no golden case {case.name}"
        assert case.read_bytes() == example.read_bytes(), f"{case.name} differs from examples/{example.name}"


# --- each case ------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", params(honour_xfail=True))
def test_case(case: Path) -> None:
    """The expected output, no lost text, idempotent, front matter (and BOM) byte for byte."""
    expected_file = expected_path(case)
    if not expected_file.exists():
        pytest.fail(f"{case.name} has no expected file {expected_file.name}")
    source = read(case)
    result = clean_text(source, path=case.name)
    assert result.text == read(expected_file)
    assert result.lost == ()
    assert clean_text(result.text, path=case.name).text == result.text
    front = front_matter_of(source)
    assert result.text.startswith(front)
    assert front_matter_of(result.text) == front


@pytest.mark.parametrize("case", params(honour_xfail=False))
def test_expected_file_is_clean(case: Path) -> None:
    """What the pipeline should produce is itself a fixed point and holds no raw HTML but comments."""
    expected_file = expected_path(case)
    if not expected_file.exists():
        pytest.fail(f"{case.name} has no expected file {expected_file.name}")
    expected = read(expected_file)
    assert raw_html(split_post(expected).body) == []
    assert front_matter_of(expected) == front_matter_of(read(case))


# --- properties of particular cases that a byte comparison does not make plain ---------------------


def test_clean_markdown_example_comes_out_byte_identical() -> None:
    source = read(CASE_DIR / "example-clean-markdown.md")
    result = clean_text(source)
    assert result.text == source
    assert not result.changed
    assert result.removals == ()
    assert result.html_spans == 0


def test_markdown_outside_html_is_untouched_but_for_entities() -> None:
    """Markdown syntax outside HTML stays as written; entities for visible characters are written out
    (`&#8211;` as an en dash), those for syntax (`&amp;`) stay."""
    source = read(CASE_DIR / "markdown-untouched-around-html.md")
    out = clean_text(source).text
    for kept in (
        "Keep *this* and __that__ and snake_case and 2*3 \u2013 as written &amp; untouched.",
        "A [reference link][ref] and an autolink <https://x.y> next to ",
        "  * an indented list item with _emphasis_ “quoted”",
        '[ref]: https://example.com/ref_page "Ref title"',
    ):
        assert kept in out
    assert "[an *inline* link](https://example.com/?id=9) and **bold HTML**." in out


@pytest.mark.parametrize(
    "html",
    [
        "<p>他说<strong>“不要”</strong>然后离开了。</p>\n",
        "<p><strong>按语：</strong>端点星计划的备份。</p>\n",  # noqa: RUF001
        "<p><b>「重要」</b>通知</p>\n",
    ],
)
def test_strong_next_to_cjk_punctuation_renders_as_bold(html: str) -> None:
    out = clean_text(html).text
    tokens = walk(_RENDERER.parse(out))
    types = [t.type for t in tokens]
    assert "strong_open" in types, out
    bold = "".join(
        t.content for t in tokens[types.index("strong_open") : types.index("strong_close")] if t.type == "text"
    )
    assert bold and bold in html


def test_cjk_emphasis_case_renders_every_emphasis() -> None:
    out = read(expected_path(CASE_DIR / "convert-cjk-strong-punctuation.md"))
    paragraphs = [t for t in _RENDERER.parse(split_post(out).body) if t.type == "inline"]
    assert len(paragraphs) == 3
    for paragraph in paragraphs:
        kinds = {child.type for child in paragraph.children or []}
        assert kinds & {"strong_open", "em_open"}, paragraph.content


def test_line_start_markers_from_html_stay_paragraphs() -> None:
    out = clean_text(read(CASE_DIR / "convert-line-start-escapes.md")).text
    types = {t.type for t in _RENDERER.parse(split_post(out).body)}
    assert types == {"paragraph_open", "paragraph_close", "inline"}


def test_figure_caption_appears_once() -> None:
    out = clean_text(read(CASE_DIR / "convert-figure-caption-once.md")).text
    assert out.count("A crowded street in the rain.") == 1
    assert out.count("Second caption") == 1
    assert out.count("![") == 2


def test_zaobao_loose_caption_once_and_image_absolute() -> None:
    out = clean_text(read(CASE_DIR / "convert-zaobao-loose-figcaption.md")).text
    url = "https://www.zaobao.com/s3/files/styles/article_large_full/public/2021-08/harbour.jpg?itok=Zz9"
    assert out.count(f"]({url})") == 1
    body_lines = split_post(out).body.split("\n")
    assert body_lines.count("港口的货柜船。（路透社）") == 1  # noqa: RUF001


def test_article_with_cruft_looking_classes_is_kept_whole() -> None:
    result = clean_text(read(CASE_DIR / "strip-article-category-classes-kept.md"))
    assert result.removals == ()
    assert "It is the article itself and must be kept in full." in result.text
    assert "newsletters, related news, comments and share." in result.text


def test_tracking_params_dropped_other_bytes_kept() -> None:
    out = clean_text(read(CASE_DIR / "repair-utm-params-dropped.md")).text
    assert "utm_" not in out and "fbclid" not in out
    assert "(https://shop.example.com/item?id=42&q=a%20b&empty=&flag)" in out
    assert "(https://example.com/page?Page=2#section-3)" in out
    assert "(https://example.com/only)" in out


def test_tracking_params_after_amp_entities_in_markdown_links_dropped_others_kept() -> None:
    # `&amp;` separates parameters in a Markdown destination: the one after it is a parameter
    # of its own, and one kept after a dropped one keeps its name (not `amp;Page`)
    out = clean_text(read(CASE_DIR / "repair-utm-params-markdown-amp.md")).text
    assert "utm_" not in out and "fbclid" not in out and "?amp;" not in out
    assert "(https://shop.example.com/item?id=42&amp;q=a%20b)" in out
    assert "(https://example.com/page?Page=2#top)" in out
    assert "[ref]: https://example.com/feed?lang=en" in out


def test_sanitize_cases_leave_nothing_executable() -> None:
    for name in ("sanitize-onclick.md", "sanitize-javascript-href.md", "sanitize-script-content.md"):
        out = clean_text(read(CASE_DIR / name)).text
        lowered = out.lower()
        assert "javascript:" not in lowered and "data:text" not in lowered
        assert re.search(r"\bon\w+\s*=", lowered) is None
        assert "<script" not in lowered and "script-body-must-go" not in lowered
        assert "color: red" not in lowered


@pytest.mark.parametrize("case", params(honour_xfail=False))
def test_bleach_backend_gives_the_same_output(case: Path) -> None:
    pytest.importorskip("bleach")
    source = read(case)
    assert clean_text(source, CleanOptions(sanitizer="bleach")).text == clean_text(source).text
