"""Broken and hostile files given to `postkit clean`: each is reported with the file and the reason,
left byte for byte as it was, and the run goes on with the other files (exit 1)."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from postkit.cli import app

GOOD = '---\ntitle: good\n---\n<div><p>Fine.</p><div class="sharedaddy">Share</div></div>\n'
GOOD_CLEANED = "---\ntitle: good\n---\nFine.\n"

BAD: dict[str, tuple[bytes, str]] = {
    "invalid-yaml.md": (b"---\ntitle: [unclosed\n---\n<p>x</p>\n", "not valid YAML"),
    "python-tag.md": (
        b"---\nx: !!python/object/apply:os.system [echo pwned]\n---\n<p>x</p>\n",
        "cannot be read by a safe YAML loader",
    ),
    "alias-bomb.md": (
        b"---\na: &a [x,x,x,x,x,x,x,x,x]\n"
        + b"".join(
            b"%c: &%c [" % (ord("b") + i, ord("b") + i) + b",".join([b"*%c" % (ord("a") + i)] * 9) + b"]\n"
            for i in range(12)
        )
        + b"---\n<p>x</p>\n",
        "alias",
    ),
    "unclosed.md": (b"---\ntitle: x\n<p>x</p>\n", "never closes"),
    "not-mapping.md": (b"---\n- a\n- b\n---\n<p>x</p>\n", "not a mapping"),
    "invalid-toml.md": (b"+++\ntitle = \n+++\n<p>x</p>\n", "not valid TOML"),
    "gb18030.md": ("---\ntitle: 中文\n---\n<p>中文内容</p>\n".encode("gb18030"), "gb18030"),
    "utf16.md": (codecs.BOM_UTF16_LE + "---\ntitle: x\n---\n<p>x</p>\n".encode("utf-16-le"), "UTF-16"),
    "binary.md": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "NUL"),
}


def run(*args: str) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(app, ["clean", "--format", "json", "--jobs", "1", *args], catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("POSTKIT_CACHE_DIR", str(tmp_path / "cache"))
    posts = tmp_path / "posts"
    posts.mkdir()
    for name, (data, _) in BAD.items():
        (posts / name).write_bytes(data)
    (posts / "good.md").write_text(GOOD, encoding="utf-8")
    return posts


def test_each_bad_file_is_reported_and_untouched_and_the_good_one_cleaned(folder: Path) -> None:
    code, report = run(str(folder))
    assert code == 1
    problems = {Path(str(p["path"])).name: str(p["message"]) for p in report["problems"]}  # type: ignore[union-attr]
    assert set(problems) == set(BAD)
    for name, (data, reason) in BAD.items():
        assert reason in problems[name], (name, problems[name])
        assert (folder / name).read_bytes() == data
    assert (folder / "good.md").read_text(encoding="utf-8") == GOOD_CLEANED


def test_a_named_encoding_reads_the_file_and_writes_it_back_in_that_encoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTKIT_CACHE_DIR", str(tmp_path / "cache"))
    post = tmp_path / "big5.md"
    post.write_bytes('---\ntitle: 繁體\n---\n<div><p>繁體中文</p><section id="imu"></section></div>\n'.encode("big5"))
    code, _ = run("--encoding", "big5", str(post))
    assert code == 0
    assert post.read_bytes() == "---\ntitle: 繁體\n---\n繁體中文\n".encode("big5")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("empty.md", b""),
        ("only-front-matter.md", b"---\ntitle: x\n---\n"),
        ("bom-crlf.md", b"\xef\xbb\xbf---\r\ntitle: x\r\n---\r\nPlain *Markdown*.\r\n"),
        ("mixed-endings.md", b"---\ntitle: x\n---\nline one\r\nline two\nline three\r"),
        ("no-final-newline.md", b"---\ntitle: x\n---\nNo newline at the end."),
    ],
)
def test_files_with_nothing_to_clean_are_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, data: bytes
) -> None:
    monkeypatch.setenv("POSTKIT_CACHE_DIR", str(tmp_path / "cache"))
    post = tmp_path / name
    post.write_bytes(data)
    before = post.stat().st_mtime_ns
    code, report = run(str(post))
    assert code == 0
    assert report["statuses"] == {"unchanged": 1}
    assert post.read_bytes() == data
    assert post.stat().st_mtime_ns == before


def test_crlf_post_with_html_keeps_crlf_and_bom(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTKIT_CACHE_DIR", str(tmp_path / "cache"))
    post = tmp_path / "crlf.md"
    post.write_bytes(b"\xef\xbb\xbf---\r\ntitle: x\r\n---\r\nIntro.\r\n\r\n<div><p>Body.</p></div>\r\n")
    code, _ = run(str(post))
    assert code == 0
    assert post.read_bytes() == b"\xef\xbb\xbf---\r\ntitle: x\r\n---\r\nIntro.\r\n\r\nBody.\r\n"


def test_too_large_file_is_refused_with_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTKIT_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "postkit.toml").write_text("max-file-size = 1000\n", encoding="utf-8")
    post = tmp_path / "big.md"
    data = ("---\ntitle: x\n---\n" + "<p>word</p>\n" * 200).encode()
    post.write_bytes(data)
    code, report = run(str(post))
    assert code == 1
    assert "larger than max-file-size (1,000 bytes)" in str(report["problems"])
    assert post.read_bytes() == data


def test_a_symlink_leading_outside_the_given_folder_is_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTKIT_CACHE_DIR", str(tmp_path / "cache"))
    outside = tmp_path / "outside.md"
    outside.write_text(GOOD, encoding="utf-8")
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "link.md").symlink_to(outside)
    (posts / "loop").symlink_to(posts)
    code, report = run(str(posts))
    assert code == 0
    assert report["files_seen"] == 0
    assert outside.read_text(encoding="utf-8") == GOOD
