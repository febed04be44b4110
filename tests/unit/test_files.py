"""files: discovery, atomic writes, stale temp files, the clean cache and the process pool."""

from __future__ import annotations

import errno
import hashlib
import itertools
import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from postkit import files
from postkit.errors import PostError, PostkitError
from postkit.files import CleanCache, atomic_write, content_hash, discover, parallel_map, remove_stale_temp_files

INCLUDE = ("*.md", "*.markdown", "*.html")


def make(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {name}\n", encoding="utf-8")


def found(root: Path, paths: list[Path], exclude: tuple[str, ...] = ()) -> list[str]:
    """Discovered files relative to ``root``, POSIX style, in the order discovered."""
    return [path.relative_to(root).as_posix() for path in discover(paths, INCLUDE, exclude)]


# --- discover ------------------------------------------------------------------------------------


def test_discover_includes_skips_hidden_and_sorts(tmp_path: Path) -> None:
    make(
        tmp_path,
        "b.md",
        "a.md",
        "notes.txt",
        "sub/c.markdown",
        "sub/page.html",
        "sub/deeper/d.md",
        ".hidden/e.md",
        ".secret.md",
        ".git/f.md",
        "sub/.cache/g.md",
    )
    assert found(tmp_path, [tmp_path]) == ["a.md", "b.md", "sub/c.markdown", "sub/deeper/d.md", "sub/page.html"]


def test_discover_exclude_matches_relative_path_and_parts(tmp_path: Path) -> None:
    make(tmp_path, "a.md", "drafts/x.md", "sub/drafts/y.md", "sub/keep.md", "sub/page.html", "old/z.md")
    assert found(tmp_path, [tmp_path], exclude=("drafts",)) == ["a.md", "old/z.md", "sub/keep.md", "sub/page.html"]
    assert found(tmp_path, [tmp_path], exclude=("sub/*.html", "old/")) == [
        "a.md",
        "drafts/x.md",
        "sub/drafts/y.md",
        "sub/keep.md",
    ]


def test_discover_takes_given_files_as_they_are(tmp_path: Path) -> None:
    make(tmp_path, "notes.txt", "drafts/x.md", ".hidden.md")
    given = [tmp_path / "notes.txt", tmp_path / "drafts" / "x.md", tmp_path / ".hidden.md"]
    assert found(tmp_path, given, exclude=("drafts",)) == ["notes.txt", "drafts/x.md", ".hidden.md"]


def test_discover_yields_each_file_once(tmp_path: Path) -> None:
    make(tmp_path, "a.md", "sub/b.md")
    paths = [tmp_path / "sub" / "b.md", tmp_path, tmp_path / "sub"]
    assert found(tmp_path, paths) == ["sub/b.md", "a.md"]


def test_discover_follows_symlinks_only_inside_the_given_paths(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    make(root, "store/kept.md")
    make(outside, "secret.md", "folder/other.md")
    (root / "inside.md").symlink_to(root / "store" / "kept.md")
    (root / "out.md").symlink_to(outside / "secret.md")
    (root / "outdir").symlink_to(outside / "folder", target_is_directory=True)
    (root / "dangling.md").symlink_to(root / "gone.md")
    # store/ is excluded, so kept.md can only be reached through the symlink
    assert found(root, [root], exclude=("store",)) == ["inside.md"]


def test_discover_follows_folder_symlink_inside(tmp_path: Path) -> None:
    make(tmp_path, "real/a.md")
    (tmp_path / "alias").symlink_to(tmp_path / "real", target_is_directory=True)
    assert found(tmp_path, [tmp_path], exclude=("real",)) == ["alias/a.md"]


def test_discover_ends_on_symlink_loops(tmp_path: Path) -> None:
    make(tmp_path, "a.md", "sub/b.md")
    (tmp_path / "sub" / "up").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "self").symlink_to(tmp_path / "self")
    (tmp_path / "ping").symlink_to(tmp_path / "pong")
    (tmp_path / "pong").symlink_to(tmp_path / "ping")
    # islice bounds the test if the walk ever loops
    walked = list(itertools.islice(discover([tmp_path], INCLUDE, ()), 50))
    assert [path.relative_to(tmp_path).as_posix() for path in walked] == ["a.md", "sub/b.md"]


def test_discover_missing_path_raises_before_yielding(tmp_path: Path) -> None:
    make(tmp_path, "a.md")
    missing = tmp_path / "nope"
    walk = discover([tmp_path, missing], INCLUDE, ())
    with pytest.raises(PostError) as caught:
        next(walk)
    assert str(caught.value) == f"{missing}: does not exist"


def test_discover_reports_unreadable_folder_and_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(tmp_path, "a.md", "locked/b.md", "z/c.md")
    real_scandir = os.scandir

    def scandir(path: Path) -> object:
        if Path(path).name == "locked":
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    errors: list[PostError] = []
    walked = [p.relative_to(tmp_path).as_posix() for p in discover([tmp_path], INCLUDE, (), on_error=errors.append)]
    assert walked == ["a.md", "z/c.md"]
    assert [str(error) for error in errors] == [f"{tmp_path / 'locked'}: cannot list folder: Permission denied"]
    with pytest.raises(PostError, match="cannot list folder"):
        list(discover([tmp_path], INCLUDE, ()))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_discover_refuses_a_given_special_file(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.md"
    os.mkfifo(pipe)
    with pytest.raises(PostError, match="is not a regular file"):
        list(discover([pipe], INCLUDE, ()))
    assert list(discover([tmp_path], INCLUDE, ())) == []


# --- atomic_write --------------------------------------------------------------------------------


def listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def test_atomic_write_replaces_content_and_keeps_permissions(tmp_path: Path) -> None:
    post = tmp_path / "a.md"
    post.write_bytes(b"old\n")
    post.chmod(0o640)
    atomic_write(post, b"new\n")
    assert post.read_bytes() == b"new\n"
    assert post.stat().st_mode & 0o777 == 0o640
    assert listing(tmp_path) == ["a.md"]


def test_atomic_write_creates_a_new_file(tmp_path: Path) -> None:
    atomic_write(tmp_path / "new.md", b"x")
    assert (tmp_path / "new.md").read_bytes() == b"x"
    assert listing(tmp_path) == ["new.md"]


def test_atomic_write_uses_a_temp_file_in_the_same_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    post = tmp_path / "a.md"
    post.write_bytes(b"old")
    renames: list[tuple[str, str]] = []
    real_replace = os.replace

    def replace(source: str, destination: str) -> None:
        renames.append((os.fspath(source), os.fspath(destination)))
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", replace)
    atomic_write(post, b"new")
    [(source, destination)] = renames
    assert Path(destination) == post
    assert Path(source).parent == tmp_path
    assert re.fullmatch(rf"\.a\.md\.postkit-tmp-{os.getpid()}-[0-9a-f]+", Path(source).name)


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_atomic_write_failure_keeps_original(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str) -> None:
    post = tmp_path / "a.md"
    post.write_bytes(b"precious\n")

    def disk_full(*args: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, failing, disk_full)
    with pytest.raises(PostError) as caught:
        atomic_write(post, b"new\n" * 1000)
    assert caught.value.path == str(post)
    assert str(caught.value) == f"{post}: not written: No space left on device; the original is unchanged"
    assert post.read_bytes() == b"precious\n"
    assert listing(tmp_path) == ["a.md"]


def test_atomic_write_removes_temp_file_on_interrupt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    post = tmp_path / "a.md"
    post.write_bytes(b"old")

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(post, b"new")
    assert post.read_bytes() == b"old"
    assert listing(tmp_path) == ["a.md"]


def test_atomic_write_with_longest_file_name(tmp_path: Path) -> None:
    post = tmp_path / ("文" * 84 + ".md")  # 255 bytes in UTF-8, the usual limit
    post.write_bytes(b"old")
    atomic_write(post, b"new")
    assert post.read_bytes() == b"new"
    assert listing(tmp_path) == [post.name]


def test_atomic_write_refuses_read_only_file(tmp_path: Path) -> None:
    post = tmp_path / "a.md"
    post.write_bytes(b"old")
    post.chmod(0o444)
    with pytest.raises(PostError, match="not written: the file is read-only"):
        atomic_write(post, b"new")
    assert post.read_bytes() == b"old"
    assert listing(tmp_path) == ["a.md"]


def test_atomic_write_in_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(PostError, match=r"not written: No such file or directory"):
        atomic_write(tmp_path / "gone" / "a.md", b"x")


def test_atomic_write_through_symlink_inside_allowed_roots(tmp_path: Path) -> None:
    make(tmp_path, "real/a.md")
    link = tmp_path / "link.md"
    link.symlink_to(tmp_path / "real" / "a.md")
    atomic_write(link, b"new", allowed_roots=[tmp_path])
    assert link.is_symlink()
    assert (tmp_path / "real" / "a.md").read_bytes() == b"new"


def test_atomic_write_never_writes_through_symlink_to_outside(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    make(outside, "target.md")
    root.mkdir()
    link = root / "link.md"
    link.symlink_to(outside / "target.md")
    before = (outside / "target.md").read_bytes()
    with pytest.raises(PostError, match="outside the given paths"):
        atomic_write(link, b"evil", allowed_roots=[root])
    with pytest.raises(PostError, match="it is a symlink"):
        atomic_write(link, b"evil")
    assert (outside / "target.md").read_bytes() == before
    assert link.is_symlink()
    assert listing(root) == ["link.md"]
    assert listing(outside) == ["target.md"]


def test_atomic_write_refuses_path_under_symlinked_folder_to_outside(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    make(outside, "target.md")
    root.mkdir()
    (root / "dir").symlink_to(outside, target_is_directory=True)
    with pytest.raises(PostError, match="outside the given paths"):
        atomic_write(root / "dir" / "target.md", b"evil", allowed_roots=[root])
    assert (outside / "target.md").read_text(encoding="utf-8") == "# target.md\n"


# --- stale temp files ----------------------------------------------------------------------------


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_remove_stale_temp_files(tmp_path: Path) -> None:
    dead = tmp_path / f".a.md.postkit-tmp-{dead_pid()}-0a1b"
    live = tmp_path / f".b.md.postkit-tmp-{os.getpid()}-0a1b"
    old_live = tmp_path / f".c.md.postkit-tmp-{os.getpid()}-2c3d"
    unrelated = tmp_path / ".d.md.postkit-tmp-notapid"
    post = tmp_path / "a.md"
    for path in (dead, live, old_live, unrelated, post):
        path.write_bytes(b"x")
    two_hours_ago = time.time() - 2 * 3600
    os.utime(old_live, (two_hours_ago, two_hours_ago))
    assert remove_stale_temp_files([tmp_path, tmp_path / "missing"]) == 2
    assert listing(tmp_path) == sorted([live.name, unrelated.name, post.name])


# --- clean cache ---------------------------------------------------------------------------------


def test_content_hash_is_blake2b_16() -> None:
    assert content_hash(b"post") == hashlib.blake2b(b"post", digest_size=16).hexdigest()
    assert len(content_hash(b"")) == 32
    assert content_hash(b"a") != content_hash(b"b")


def test_cache_round_trip_and_keys(tmp_path: Path) -> None:
    first, second = content_hash(b"one"), content_hash(b"two")
    cache = CleanCache("fp1", folder=tmp_path, version="1.0")
    assert cache.load() == frozenset()
    cache.add([first])
    cache.add([second, first])
    cache.add([])
    assert CleanCache("fp1", folder=tmp_path, version="1.0").load() == {first, second}
    assert CleanCache("fp2", folder=tmp_path, version="1.0").load() == frozenset()
    assert CleanCache("fp1", folder=tmp_path, version="1.1").load() == frozenset()
    cache.clear()
    assert cache.load() == frozenset()
    cache.clear()  # clearing twice is fine


def test_cache_ignores_corrupt_and_truncated_lines(tmp_path: Path) -> None:
    good = content_hash(b"good")
    cache = CleanCache("fp", folder=tmp_path, version="1")
    cache.path.write_bytes(b"garbage\n\xff\xfe\x00\n" + good.encode() + b"\n" + content_hash(b"cut").encode()[:20])
    assert cache.load() == {good}
    later = content_hash(b"later")
    cache.add([later])  # must not be glued to the truncated line
    assert cache.load() == {good, later}


def test_cache_rejects_non_hashes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a content hash"):
        CleanCache("fp", folder=tmp_path, version="1").add(["posts/a.md"])


def test_cache_folder_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTKIT_CACHE_DIR", str(tmp_path / "cache"))
    cache = CleanCache("fp")
    cache.add([content_hash(b"x")])
    assert cache.path.parent == tmp_path / "cache"
    assert cache.path.is_file()


def test_cache_unwritable_is_a_postkit_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    cache = CleanCache("fp", folder=blocker / "cache", version="1")
    with pytest.raises(PostkitError, match="cannot write the cache"):
        cache.add([content_hash(b"x")])


def test_cache_key_includes_the_engine_version(tmp_path: Path) -> None:
    assert "postkit=" in files.engine_version()
    assert "nh3=" in files.engine_version()
    assert CleanCache("fp", folder=tmp_path).path == CleanCache("fp", folder=tmp_path).path


# --- parallel_map --------------------------------------------------------------------------------

_offset = 0


def set_offset(value: int) -> None:
    global _offset
    _offset = value


def square_plus_offset(number: int) -> int:
    return number * number + _offset


def worker_pid(_: int) -> int:
    return os.getpid()


def fail_on_seven(number: int) -> int:
    if number == 7:
        raise ValueError("seven is not allowed")
    return number


def fail_with_post_error(number: int) -> int:
    raise PostError(f"posts/{number}.md", "broken front matter", 2, 1)


@pytest.fixture(autouse=True)
def no_offset() -> Iterator[None]:
    # the in-process map runs the initializer here; keep it from leaking into other tests
    set_offset(0)
    yield
    set_offset(0)


@pytest.mark.parametrize("jobs", [1, 2])
def test_parallel_map_gives_every_result(jobs: int) -> None:
    results = parallel_map(square_plus_offset, range(200), jobs, initializer=set_offset, initargs=(1000,))
    assert Counter(results) == Counter(n * n + 1000 for n in range(200))


def test_parallel_map_same_multiset_in_process_and_in_pool() -> None:
    items = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]
    assert Counter(parallel_map(square_plus_offset, iter(items), 1)) == Counter(
        parallel_map(square_plus_offset, iter(items), 2)
    )


def test_parallel_map_uses_other_processes() -> None:
    assert os.getpid() in set(parallel_map(worker_pid, range(4), 1))
    pids = set(parallel_map(worker_pid, range(64), 2))
    assert os.getpid() not in pids
    assert 1 <= len(pids) <= 2


@pytest.mark.parametrize("jobs", [1, 2])
def test_parallel_map_raises_worker_errors(jobs: int) -> None:
    with pytest.raises(ValueError, match="seven is not allowed"):
        list(parallel_map(fail_on_seven, range(20), jobs))


def test_parallel_map_post_error_does_not_hang() -> None:
    with pytest.raises(PostkitError, match=r"posts/\d+\.md:2:1: broken front matter"):
        list(parallel_map(fail_with_post_error, range(4), 2))


def test_parallel_map_draws_items_only_as_results_are_taken() -> None:
    drawn = 0

    def items() -> Iterator[int]:
        nonlocal drawn
        for number in range(100_000):
            drawn += 1
            yield number

    results = parallel_map(square_plus_offset, items(), 2)
    next(results)
    time.sleep(0.5)  # time for a feeder without backpressure to run far ahead
    assert drawn < 1000
    started = time.monotonic()
    results.close()  # terminates the pool
    assert time.monotonic() - started < 10
