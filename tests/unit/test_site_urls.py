"""postkit.site_urls: PK206 and clean's URL repair agree on whose a relative URL is (issue #11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from postkit.config import load_config
from postkit.site_urls import SiteUrls, site_urls_from_config
from postkit.validate import validate_text

SOURCE = "https://old.example.com/2019/05/post/"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "river photo.jpg").write_bytes(b"jpg")
    (tmp_path / "static" / "img").mkdir(parents=True)
    (tmp_path / "static" / "img" / "map.png").write_bytes(b"png")
    return tmp_path


def test_a_file_under_a_static_folder_belongs_to_the_site(site: Path) -> None:
    urls = SiteUrls(static_roots=(site, site / "static"))
    assert urls.owns("/images/river%20photo.jpg")
    assert urls.owns("/img/map.png?v=2#top")
    assert not urls.owns("/images/missing.jpg")
    assert not urls.owns("//cdn.example.com/images/river%20photo.jpg")
    assert not urls.owns("images/river%20photo.jpg")  # relative to the post, not to the site
    assert not urls.owns("/../" + site.name + "/images/river%20photo.jpg")  # never outside the folder


def test_a_base_url_claims_every_root_relative_url() -> None:
    urls = SiteUrls(base_url="https://blog.example.com/")
    assert urls.owns("/anything/at/all.png")
    assert not urls.owns("relative.png")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/images/river%20photo.jpg", None),  # the site's own file: left as written
        ("/images/missing.jpg", "https://old.example.com/images/missing.jpg"),
        ("next/", "https://old.example.com/2019/05/post/next/"),
        ("//cdn.example.com/a.png", "https://cdn.example.com/a.png"),
        ("#notes", None),
        ("mailto:a@example.com", None),
    ],
)
def test_resolve_says_what_clean_writes(site: Path, url: str, expected: str | None) -> None:
    assert SiteUrls(static_roots=(site,)).resolve(url, SOURCE) == expected


@pytest.mark.parametrize(
    "base",
    [
        "https://web.archive.org/web/2021/https://news.example.com/a/",  # joins to https:/news... : half a link
        "not a url",
        "",
        None,
    ],
)
def test_a_link_is_never_rewritten_half_way(base: str | None) -> None:
    resolved = SiteUrls().resolve("../../img/a.png", base)
    assert resolved is None or (resolved.startswith(("https://", "http://")) and "https:/n" not in resolved)


def test_from_config_keeps_existing_static_folders_under_the_project_root(site: Path) -> None:
    (site / "postkit.toml").write_text('static-folders = [".", "static", "gone"]\n', encoding="utf-8")
    urls = site_urls_from_config(load_config([site]))
    assert urls.static_roots == (site, site / "static")
    assert urls.base_url is None


# --- PK206 with the site's settings ---------------------------------------------------------


POST = f"---\ntitle: A\nfrom: {SOURCE}\n---\n![River](/images/river%20photo.jpg) ![Gone](/images/gone.jpg)\n"


def test_pk206_leaves_the_sites_own_files_alone(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(site)
    problems = [p for p in validate_text(POST, "post.md", load_config([site])) if p.code == "PK206"]
    assert [(p.line, p.column) for p in problems] == [(5, 45)]
    assert "https://old.example.com/images/gone.jpg" in problems[0].message


def test_pk206_with_a_base_url_reports_no_root_relative_url(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(site)
    (site / "postkit.toml").write_text('base-url = "https://blog.example.com/"\n', encoding="utf-8")
    assert [p for p in validate_text(POST, "post.md", load_config([site])) if p.code == "PK206"] == []


def test_pk206_hint_offers_base_url_when_nothing_names_a_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    problems = [
        p
        for p in validate_text("---\ntitle: A\n---\n![x](/img/x.png)\n", "post.md", load_config([tmp_path]))
        if p.code == "PK206"
    ]
    assert len(problems) == 1
    assert "set base-url in the config or put it under a static folder" in problems[0].hint


@pytest.mark.parametrize(
    ("url", "source"),
    [
        ("../../img/a.png", "https://web.archive.org/web/2021/https://news.example.com/a/"),
        ("img/a.png", "https://old.example.com/2019/05/post/"),
        ("//cdn.example.com/a.png", "http://old.example.com/"),
    ],
)
def test_pk206_shows_exactly_what_the_resolver_would_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, source: str
) -> None:
    monkeypatch.chdir(tmp_path)
    text = f"---\ntitle: A\nfrom: {source}\n---\n![x]({url})\n"
    problems = [p for p in validate_text(text, "post.md", load_config([tmp_path])) if p.code == "PK206"]
    assert len(problems) == 1
    resolved = SiteUrls().resolve(url, source)
    if resolved is None:
        assert "cannot be resolved against the source URL" in problems[0].message
    else:
        assert problems[0].message.endswith(f"on the source site it is {resolved}")
