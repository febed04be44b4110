"""postkit.page: a saved page's title, date and source URL; the Wayback Machine's wrapping undone."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from postkit.cli import app
from postkit.page import (
    PageMetadata,
    is_html_page,
    page_front_matter,
    protect_local_resources,
    read_page_metadata,
    restore_local_resources,
    title_without_site,
    unwrap_wayback,
)

WAYBACK = Path(__file__).parents[1] / "cases" / "pages" / "wayback-flood.html"
EXPECTED_FRONT = """\
---
title: "Flood warning for the river"
date: "2021-08-10T04:47:59+00:00"
from: "https://news.example.com/2021/08/10/flood/"
---
"""


@pytest.mark.parametrize(
    ("title", "site", "expected"),
    [
        ("Flood warning | The Daily Example", "The Daily Example", "Flood warning"),
        ("The Daily Example - Flood warning", "The Daily Example", "Flood warning"),
        ("Flood warning \u2013 Daily", None, "Flood warning"),  # an en dash
        ("Flood warning for the river | News", None, "Flood warning for the river"),
        ("A - B", None, "A - B"),  # no part is clearly the site's name
        ("Just a title", None, "Just a title"),
        ("  Spaced \n title  ", None, "Spaced title"),
        ("The Daily Example", "The Daily Example", "The Daily Example"),
    ],
)
def test_title_without_the_site_suffix(title: str, site: str | None, expected: str) -> None:
    assert title_without_site(title, site) == expected


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<meta property="article:published_time" content="2021-08-10T04:47:59Z">', "2021-08-10T04:47:59Z"),
        ("", None),
    ],
)
def test_date_from_the_meta_tag(head: str, expected: str | None) -> None:
    page = f"<html><head><title>T</title>{head}</head><body><p>x</p></body></html>"
    assert read_page_metadata(page).date == expected


def test_date_from_the_articles_time_element_before_the_pages() -> None:
    page = (
        '<html><body><aside><time datetime="2020-01-01">old</time></aside>'
        '<article><time datetime="2021-08-10">10 Aug</time><p>x</p></article></body></html>'
    )
    assert read_page_metadata(page).date == "2021-08-10"


def test_source_url_from_canonical_else_og_url() -> None:
    assert (
        read_page_metadata(
            '<html><head><meta property="og:url" content="https://a.example/x"></head><body></body></html>'
        ).source_url
        == "https://a.example/x"
    )


def test_wayback_wrapping_is_undone() -> None:
    page = unwrap_wayback(WAYBACK.read_text(encoding="utf-8"))
    assert "wm-ipp" not in page and "Wayback Machine" not in page and "_static/" not in page
    assert "web.archive.org" not in page
    assert 'href="https://news.example.com/2021/08/09/rain/"' in page
    assert 'src="https://news.example.com/img/map.png"' in page


def test_a_page_not_from_the_wayback_machine_is_unchanged() -> None:
    page = '<html><body><a href="/web/page">web</a></body></html>'
    assert unwrap_wayback(page) == page


def test_local_resources_survive_as_relative_references() -> None:
    page = '<p><img src="./My page_files/a.jpg"><img src="other_files/b (1).png"><img src="/c.png"></p>'
    protected, originals = protect_local_resources(page)
    assert originals == ("./My page_files/a.jpg", "other_files/b (1).png")
    assert "_files" not in protected and 'src="/c.png"' in protected
    markdown = protected.replace('<p><img src="', "![](").replace('">', ") ")
    restored = restore_local_resources(markdown, originals)
    assert "./My%20page_files/a.jpg" in restored and "other_files/b%20%281%29.png" in restored


def test_front_matter_holds_only_what_the_page_says() -> None:
    assert page_front_matter(PageMetadata(), "from") == ""
    assert page_front_matter(PageMetadata(title='Say "hi"'), "source") == '---\ntitle: "Say \\"hi\\""\n---\n'


def test_is_html_page() -> None:
    assert is_html_page("\n  <!DOCTYPE html><html>")
    assert is_html_page("<HTML><body>")
    assert not is_html_page("---\ntitle: x\n---\n<p>x</p>")


# --- through the command --------------------------------------------------------------------


def test_convert_gives_one_post_from_a_file_and_from_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    page = tmp_path / "flood.html"
    page.write_bytes(WAYBACK.read_bytes())
    from_file = CliRunner().invoke(app, ["convert", "flood.html"], catch_exceptions=False)
    from_stdin = CliRunner().invoke(
        app, ["convert", "-"], input=WAYBACK.read_text(encoding="utf-8"), catch_exceptions=False
    )
    assert (from_file.exit_code, from_file.stderr) == (0, "")
    assert (from_stdin.exit_code, from_stdin.stderr) == (0, "")
    assert from_file.stdout == from_stdin.stdout
    out = from_file.stdout
    assert out.startswith(EXPECTED_FRONT)
    assert "Wayback" not in out and "captures" not in out and "archive.org" not in out
    assert "![The river](./Flood%20warning_files/river.jpg)" in out
    assert "http:/" not in out.replace("http://", "").replace("https://", "") and "https:/n" not in out
    assert "[Yesterday's rain](https://news.example.com/2021/08/09/rain/)" in out
    assert "Copyright The Daily Example" not in out  # page chrome around the article


def test_the_converted_page_is_clean_already() -> None:
    from postkit import clean_text
    from postkit.clean import Mode, clean_bytes, job_from_config
    from postkit.config import DEFAULT_CONFIG

    converted = clean_bytes(WAYBACK.read_bytes(), "flood.html", job_from_config(DEFAULT_CONFIG, Mode.CHECK)).text
    assert clean_text(converted, path="flood.md").text == converted


@settings(max_examples=200, deadline=None)
@given(st.text(), st.one_of(st.none(), st.text()))
def test_title_without_site_keeps_some_title(title: str, site: str | None) -> None:
    result = title_without_site(title, site)
    if title.split():
        assert result.strip()
        assert result in " ".join(title.split())


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('<a href="./x_files/ y.png"> web.archive.org/web/2021/https://e.c/'))))
def test_wayback_unwrap_is_idempotent_and_local_files_round_trip(html: str) -> None:
    once = unwrap_wayback(html)
    assert unwrap_wayback(once) == once
    protected, originals = protect_local_resources(html)
    assert restore_local_resources(protected, originals).count("_files/") >= len(originals)
