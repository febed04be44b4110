"""``clean_paths``: clean's whole run as a core function (issue #10 item 6); the CLI only renders it."""

from __future__ import annotations

from pathlib import Path

import pytest

from postkit.clean import Mode, Status, clean_paths
from postkit.config import load_config
from postkit.errors import PostError

AD_POST = """\
---
title: Ad
from: https://www.zaobao.com/x
---
<p>Story.</p><section id="imu"><div id="dfp-ad-imu1"></div></section>
"""
CLEAN_POST = "---\ntitle: Clean\n---\nA clean post.\n"


@pytest.fixture
def posts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POSTKIT_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "posts"
    folder.mkdir()
    (folder / "ad.md").write_text(AD_POST, encoding="utf-8")
    (folder / "clean.md").write_text(CLEAN_POST, encoding="utf-8")
    return folder


def test_a_write_run_cleans_files_and_counts_them(posts: Path) -> None:
    run = clean_paths([posts], load_config([posts], None, {"jobs": 1}))
    outcomes = {Path(o.path).name: o.status for o in run}
    assert outcomes == {"ad.md": Status.CHANGED, "clean.md": Status.UNCHANGED}
    assert (posts / "ad.md").read_text(encoding="utf-8").endswith("---\nStory.\n")
    assert run.summary.seen == 2 and run.summary.changed == 1
    assert run.exit_code() == 0


def test_check_and_diff_write_nothing_and_check_fails_the_run(posts: Path) -> None:
    config = load_config([posts], None, {"jobs": 1})
    diff_run = clean_paths([posts], config, Mode.DIFF, check=True, use_cache=False)
    diffs = [o.diff for o in diff_run if o.diff]
    assert len(diffs) == 1 and "+Story." in diffs[0]
    assert diff_run.exit_code() == 1
    plain_diff = clean_paths([posts], config, Mode.DIFF, use_cache=False)
    list(plain_diff)
    assert plain_diff.exit_code() == 0
    assert (posts / "ad.md").read_text(encoding="utf-8") == AD_POST


def test_a_second_run_knows_clean_files_from_the_project_cache(posts: Path) -> None:
    config = load_config([posts], None, {"jobs": 1})
    list(clean_paths([posts], config))
    second = clean_paths([posts], config)
    assert {o.status for o in second} == {Status.CACHED}
    assert second.warnings == []


def test_without_a_cache_no_file_is_hashed(posts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from postkit import clean

    hashed: list[bytes] = []
    real_hash = clean.content_hash
    monkeypatch.setattr(clean, "content_hash", lambda data: hashed.append(data) or real_hash(data))
    config = load_config([posts], None, {"jobs": 1})
    uncached = list(clean_paths([posts], config, use_cache=False))
    assert hashed == [] and {o.clean_hashes for o in uncached} == {()}
    assert {Path(o.path).name: o.status for o in uncached} == {"ad.md": Status.CHANGED, "clean.md": Status.UNCHANGED}
    (posts / "ad.md").write_text(AD_POST, encoding="utf-8")
    cached = list(clean_paths([posts], config))
    assert len(hashed) == 3  # each file as read, and the one written as written
    assert sorted(o.clean_hashes for o in cached) == sorted([(real_hash(data),) for data in hashed[1:]])


def test_a_missing_path_raises_before_anything_is_written(posts: Path) -> None:
    with pytest.raises(PostError) as raised:
        clean_paths([posts, posts / "gone.md"], load_config([posts]))
    assert str(raised.value) == f"{posts / 'gone.md'}: does not exist"
    assert (posts / "ad.md").read_text(encoding="utf-8") == AD_POST


def test_a_write_run_syncs_each_changed_folder_once_at_its_end(posts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from postkit import files

    (posts / "sub").mkdir()
    (posts / "sub" / "ad2.md").write_text(AD_POST, encoding="utf-8")
    (posts / "ad3.md").write_text(AD_POST, encoding="utf-8")
    synced: list[Path] = []
    monkeypatch.setattr(files, "_fsync_folder", synced.append)
    run = clean_paths([posts], load_config([posts], None, {"jobs": 1}), use_cache=False)
    iterator = iter(run)
    next(iterator)
    assert synced == []  # not after each file
    list(iterator)
    assert sorted(synced) == sorted([posts.resolve(), (posts / "sub").resolve()])
    assert run.summary.changed == 3


def test_the_folders_synced_are_the_real_ones_the_renames_happened_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from postkit import files

    real = tmp_path / "real"
    (real / "sub").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "linked").symlink_to(real)  # a folder reached through a symlink
    target = tmp_path / "elsewhere" / "target.md"
    (real / "link.md").symlink_to(target)  # a file that is a symlink: its target's folder changed
    synced: list[Path] = []
    monkeypatch.setattr(files, "_fsync_folder", synced.append)
    files.sync_folders([real / "a.md", tmp_path / "linked" / "b.md", str(real / "sub" / "c.md"), real / "link.md"])
    assert sorted(synced) == sorted([real.resolve(), (real / "sub").resolve(), (tmp_path / "elsewhere").resolve()])


def test_a_diff_run_syncs_nothing(posts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from postkit import files

    synced: list[Path] = []
    monkeypatch.setattr(files, "_fsync_folder", synced.append)
    list(clean_paths([posts], load_config([posts], None, {"jobs": 1}), Mode.DIFF, use_cache=False))
    assert synced == []
