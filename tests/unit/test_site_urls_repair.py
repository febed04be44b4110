"""clean's URL repair and validate's PK206 give one answer on whose a root-relative URL is."""

from __future__ import annotations

from pathlib import Path

from postkit import CleanOptions, clean_text
from postkit.checks import CheckContext, check_text, select_rules
from postkit.site_urls import SiteUrls

POST = (
    "---\ntitle: t\nfrom: https://old.example.org/2019/post.html\n---\n"
    '<p><img src="/images/a.png" alt="a"> <a href="/about/">about</a></p>\n'
)


def test_without_site_knowledge_root_relative_urls_go_to_the_source_site() -> None:
    out = clean_text(POST).text
    assert "](https://old.example.org/images/a.png)" in out
    assert "](https://old.example.org/about/)" in out


def test_urls_the_site_serves_stay_as_written(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.png").write_bytes(b"\x89PNG")
    out = clean_text(POST, CleanOptions(site=SiteUrls(static_roots=(tmp_path,)))).text
    assert "![a](/images/a.png)" in out  # the site hosts it
    assert "](https://old.example.org/about/)" in out  # no such file: the source's page


def test_a_base_url_makes_every_root_relative_url_the_sites(tmp_path: Path) -> None:
    out = clean_text(POST, CleanOptions(site=SiteUrls(base_url="https://blog.example.com/"))).text
    assert "![a](/images/a.png)" in out and "[about](/about/)" in out


def test_a_bad_source_url_rewrites_nothing_half_way() -> None:
    post = POST.replace("https://old.example.org/2019/post.html", "https:/old.example.org")
    out = clean_text(post).text
    assert "![a](/images/a.png)" in out and "https:/old" not in out.split("---", 2)[2]


def test_pk206_is_silent_exactly_where_clean_keeps_the_url(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.png").write_bytes(b"\x89PNG")
    site = SiteUrls(static_roots=(tmp_path,))
    unknown = check_text(POST, "p.md", select_rules(["PK206"]), CheckContext())
    known = check_text(POST, "p.md", select_rules(["PK206"]), CheckContext(options={"site": site}))
    assert len(unknown) == 2  # without site knowledge both are the dead source's: clean rewrites both
    assert [p.message.split(" URL ")[1].split(";")[0] for p in known] == ["/about/"]
    kept = clean_text(POST, CleanOptions(site=site)).text
    assert "(/images/a.png)" in kept and "(/about/)" not in kept
