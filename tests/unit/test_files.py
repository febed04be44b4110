"""files: discovery, atomic writes, stale temp files, the clean cache and the process pool."""

from __future__ import annotations

import errno
import hashlib
import itertools
import os
import pickle
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from postkit import files
from postkit.config import load_config
from postkit.errors import PostError, PostkitError
from postkit.files import (
    CleanCache,
    atomic_write,
    content_hash,
    discover,
    discover_posts,
    flush_writes,
    remove_cache_folder,
    remove_stale_temp_files,
    stage_write,
)

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


def test_exclude_globs_are_relative_to_the_root_whatever_the_argument(tmp_path: Path) -> None:
    make(tmp_path, "a.md", "drafts/x.md", "drafts/deep/y.md", "_posts/p.md", "_posts/drafts/q.md", "old.bak.md")
    exclude = ("drafts/*", "*.bak.md")

    def walk(*paths: Path, force: bool = False) -> list[str]:
        walked = discover(list(paths), INCLUDE, exclude, root=tmp_path, force_exclude=force)
        return [path.relative_to(tmp_path).as_posix() for path in walked]

    # drafts/* names drafts/ at the root, not _posts/drafts/; *.bak.md is a name anywhere
    assert walk(tmp_path) == ["_posts/drafts/q.md", "_posts/p.md", "a.md"]
    assert walk(tmp_path / "_posts") == ["_posts/drafts/q.md", "_posts/p.md"]
    assert walk(tmp_path / "drafts") == []
    # a file named on the command line is taken, unless force_exclude
    assert walk(tmp_path / "drafts" / "deep" / "y.md", tmp_path / "old.bak.md") == ["drafts/deep/y.md", "old.bak.md"]
    assert walk(tmp_path / "drafts" / "deep" / "y.md", tmp_path / "old.bak.md", tmp_path / "a.md", force=True) == [
        "a.md"
    ]
    assert walk(tmp_path / "drafts" / "deep", force=True) == []


def test_anchored_patterns_only_match_at_the_root(tmp_path: Path) -> None:
    make(tmp_path, "public/index.md", "resources/_gen/a.md", "content/resources/guide.md", "content/public/b.md")
    walked = discover([tmp_path], INCLUDE, ("/public", "./resources/"), root=tmp_path)
    assert [path.relative_to(tmp_path).as_posix() for path in walked] == [
        "content/public/b.md",
        "content/resources/guide.md",
    ]


def test_default_excludes_skip_build_output_and_dependencies(tmp_path: Path) -> None:
    make(
        tmp_path,
        "_posts/a.md",
        "_site/2021/a.md",
        "node_modules/pkg/README.md",
        "vendor/bundle/gems/x/README.md",
        "public/posts/a.md",
        "resources/_gen/b.md",
        "content/resources/guide.md",
        "theme/node_modules/y.md",
    )
    (tmp_path / "postkit.toml").write_text("", encoding="utf-8")
    config = load_config([tmp_path])
    assert config.project_root == tmp_path
    walked = [path.relative_to(tmp_path).as_posix() for path in discover_posts([tmp_path], config)]
    assert walked == ["_posts/a.md", "content/resources/guide.md"]
    # replacing the list walks everything that is not hidden
    (tmp_path / "postkit.toml").write_text('default-exclude = ["_site"]\n', encoding="utf-8")
    walked = [path.relative_to(tmp_path).as_posix() for path in discover_posts([tmp_path], load_config([tmp_path]))]
    assert "node_modules/pkg/README.md" in walked and "public/posts/a.md" in walked
    assert not any(name.startswith("_site/") for name in walked)


GITIGNORE_TREE = {
    ".gitignore": "*.tmp.md\n!keep.tmp.md\n/build/\ndocs/*.md\n!docs/index.md\nimportant.md\n",
    "sub/.gitignore": "secret.md\n!important.md\nnested/\n",
    ".git/info/exclude": "local-only.md\n",
}
GITIGNORE_FILES = (
    "a.md",
    "x.tmp.md",
    "keep.tmp.md",
    "build/b.md",
    "sub/build/c.md",
    "docs/d.md",
    "docs/index.md",
    "docs/deep/e.md",
    "important.md",
    "sub/important.md",
    "sub/secret.md",
    "sub/nested/f.md",
    "sub/other/nested/g.md",
    "local-only.md",
    "sub/local-only.md",
)


def _gitignore_repo(root: Path) -> None:
    subprocess.run(["git", "init", "-q", str(root)], check=True, capture_output=True)
    make(root, *GITIGNORE_FILES)
    for name, text in GITIGNORE_TREE.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git to compare with")
def test_gitignore_is_honoured_as_git_honours_it(tmp_path: Path) -> None:
    _gitignore_repo(tmp_path)
    listed = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard"], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    by_git = sorted(name for name in listed.stdout.splitlines() if name.endswith(".md"))
    walked = discover([tmp_path], INCLUDE, (), root=tmp_path, respect_gitignore=True)
    ours = sorted(path.relative_to(tmp_path).as_posix() for path in walked)
    assert ours == by_git
    # the values, so a git that changed its mind cannot make this pass vacuously
    assert ours == [
        "a.md",
        "docs/deep/e.md",
        "docs/index.md",
        "keep.tmp.md",
        "sub/build/c.md",
        "sub/important.md",
    ]
    # a subfolder as the argument sees the same rules, the root's .gitignore included
    walked_sub = discover([tmp_path / "sub"], INCLUDE, (), root=tmp_path, respect_gitignore=True)
    assert [path.relative_to(tmp_path).as_posix() for path in walked_sub] == ["sub/build/c.md", "sub/important.md"]
    # without respect_gitignore everything not hidden is walked
    assert len(list(discover([tmp_path], INCLUDE, (), root=tmp_path))) == len(GITIGNORE_FILES)


def test_gitignore_applies_to_named_files_only_with_force_exclude(tmp_path: Path) -> None:
    _gitignore_repo(tmp_path)
    named = [tmp_path / "x.tmp.md", tmp_path / "sub" / "nested" / "f.md", tmp_path / "a.md"]
    plain = discover(named, INCLUDE, (), root=tmp_path, respect_gitignore=True)
    assert [path.name for path in plain] == ["x.tmp.md", "f.md", "a.md"]
    forced = discover(named, INCLUDE, (), root=tmp_path, respect_gitignore=True, force_exclude=True)
    assert [path.name for path in forced] == ["a.md"]


def test_gitignore_outside_a_git_repository_starts_at_the_root(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.md\n", encoding="utf-8")  # above the project: not ours
    project = tmp_path / "project"
    make(project, "a.md", "skip.md", "sub/b.md")
    (project / ".gitignore").write_text("skip.md\n", encoding="utf-8")
    walked = discover([project], INCLUDE, (), root=project, respect_gitignore=True)
    assert [path.relative_to(project).as_posix() for path in walked] == ["a.md", "sub/b.md"]


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


def test_cache_lives_in_the_project_marked_as_a_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POSTKIT_CACHE_DIR", raising=False)
    cache = CleanCache("fp", version="1", root=tmp_path)
    assert cache.path.parent == tmp_path / ".postkit_cache"
    cache.add([content_hash(b"x")])
    folder = tmp_path / ".postkit_cache"
    assert (folder / "CACHEDIR.TAG").read_text("ascii").startswith("Signature: 8a477f597d28d172789f06886806bc55\n")
    assert (folder / ".gitignore").read_text("ascii").splitlines()[-1] == "*"
    assert CleanCache("fp", version="1", root=tmp_path).load() == {content_hash(b"x")}
    # another project never sees these hashes
    assert CleanCache("fp", version="1", root=tmp_path / "other").load() == frozenset()


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_cache_folder_is_never_committed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POSTKIT_CACHE_DIR", raising=False)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, capture_output=True)
    make(tmp_path, "post.md")
    CleanCache("fp", version="1", root=tmp_path).add([content_hash(b"x")])
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"], cwd=tmp_path, capture_output=True, text=True
    )
    assert status.stdout.splitlines() == ["?? post.md"]


def test_shared_cache_folder_is_keyed_by_project_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTKIT_CACHE_DIR", str(tmp_path / "shared"))
    one = CleanCache("fp", version="1", root=tmp_path / "one")
    two = CleanCache("fp", version="1", root=tmp_path / "two")
    assert one.folder == two.folder == tmp_path / "shared"
    one.add([content_hash(b"x")])
    assert one.load() == {content_hash(b"x")}
    assert two.load() == frozenset()


def test_remove_cache_folder_deletes_only_a_postkit_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POSTKIT_CACHE_DIR", raising=False)
    assert remove_cache_folder(tmp_path) is None
    CleanCache("fp", version="1", root=tmp_path).add([content_hash(b"x")])
    assert remove_cache_folder(tmp_path) == tmp_path / ".postkit_cache"
    assert not (tmp_path / ".postkit_cache").exists()
    monkeypatch.setenv("POSTKIT_CACHE_DIR", str(tmp_path / "mine"))
    make(tmp_path, "mine/notes.md")
    with pytest.raises(PostkitError, match=r"holds no postkit CACHEDIR\.TAG"):
        remove_cache_folder(tmp_path)
    assert (tmp_path / "mine" / "notes.md").is_file()


_ABSOLUTE = ["/", "//", "/a", "/a/b", "/a/bc", "/a/b/c", "/a/../b", "//a", "//a/b", "/ab", "/A/b", "/a/b c"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX paths")
@pytest.mark.parametrize("root", _ABSOLUTE)
def test_relative_to_agrees_with_pathlib_for_absolute_paths(root: str) -> None:
    from postkit.files import _relative_to

    for path in _ABSOLUTE:
        p, r = Path(path), Path(root)
        expected = "." if p == r else (p.relative_to(r).as_posix() if p.is_relative_to(r) else None)
        assert _relative_to(p, r) == expected, (path, root)


# --- stage_write, StagedWrite.commit and flush_writes: atomic_write in two steps --------------------


def test_a_staged_write_leaves_the_original_until_its_commit(tmp_path: Path) -> None:
    post = tmp_path / "a.md"
    post.write_bytes(b"old\n")
    post.chmod(0o640)
    staged = stage_write(post, b"new\n")
    assert post.read_bytes() == b"old\n"
    assert staged.temp.read_bytes() == b"new\n"
    assert staged.temp.parent == tmp_path
    staged.commit()
    assert post.read_bytes() == b"new\n"
    assert post.stat().st_mode & 0o777 == 0o640
    assert listing(tmp_path) == ["a.md"]


def test_a_discarded_staged_write_leaves_nothing(tmp_path: Path) -> None:
    post = tmp_path / "a.md"
    post.write_bytes(b"old\n")
    stage_write(post, b"new\n").discard()
    assert post.read_bytes() == b"old\n"
    assert listing(tmp_path) == ["a.md"]


def test_flush_writes_asks_the_filesystem_once_per_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def syncfs(descriptor: int) -> int:
        calls.append(descriptor)
        return 0

    monkeypatch.setattr(files, "_SYNCFS", syncfs)
    staged = [stage_write(tmp_path / f"{i}.md", b"x") for i in range(3)]
    flush_writes(staged)
    assert calls == [staged[0].descriptor]
    flush_writes(staged[:1])  # one file: its own fsync is the flush
    assert len(calls) == 1
    for write in staged:
        write.commit()
    assert listing(tmp_path) == ["0.md", "1.md", "2.md"]


def test_a_failing_flush_leaves_the_commits_to_fsync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(descriptor: int) -> int:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(files, "_SYNCFS", failing)
    staged = [stage_write(tmp_path / f"{i}.md", b"x") for i in range(2)]
    flush_writes(staged)
    for write in staged:
        write.commit()
    assert [(tmp_path / f"{i}.md").read_bytes() for i in range(2)] == [b"x", b"x"]


def recorded_fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The descriptors os.fsync is called with from now on (the calls still run)."""
    synced: list[int] = []
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        synced.append(descriptor)
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    return synced


def test_flush_writes_fsyncs_each_file_so_the_commits_only_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced = recorded_fsyncs(monkeypatch)
    staged = [stage_write(tmp_path / f"{i}.md", b"x") for i in range(3)]
    flush_writes(staged)
    assert synced == [write.descriptor for write in staged]
    for write in staged:
        write.commit()
    assert len(synced) == 3
    assert [(tmp_path / f"{i}.md").read_bytes() for i in range(3)] == [b"x"] * 3


def test_a_failed_fsync_in_the_flush_is_reported_by_that_commit_and_not_run_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(2):
        (tmp_path / f"{i}.md").write_bytes(b"old")
    staged = [stage_write(tmp_path / f"{i}.md", b"new") for i in range(2)]
    calls: list[int] = []
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        calls.append(descriptor)
        if descriptor == staged[0].descriptor:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    flush_writes(staged)
    # a second fsync could succeed after the first lost the data: the first error is the answer
    with pytest.raises(PostError, match=r"0\.md: not written: Input/output error; the original is unchanged"):
        staged[0].commit()
    staged[1].commit()
    assert len(calls) == 2
    assert [(tmp_path / f"{i}.md").read_bytes() for i in range(2)] == [b"old", b"new"]
    assert listing(tmp_path) == ["0.md", "1.md"]


def test_a_released_write_is_flushed_and_committed_by_another_holder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(3):
        (tmp_path / f"{i}.md").write_bytes(b"old")
    staged = [stage_write(tmp_path / f"{i}.md", b"new", expected=(tmp_path / f"{i}.md").stat()) for i in range(3)]
    for write in staged:
        write.release()
    assert [write.descriptor for write in staged] == [-1, -1, -1]
    received = pickle.loads(pickle.dumps(staged))  # a worker's writes, as the parent gets them
    synced = recorded_fsyncs(monkeypatch)
    flush_writes(received)
    assert len(synced) == 3 and all(descriptor >= 0 for descriptor in synced)  # opened again to be fsynced
    for write in received:
        write.commit()
    assert len(synced) == 3
    assert [(tmp_path / f"{i}.md").read_bytes() for i in range(3)] == [b"new"] * 3
    assert listing(tmp_path) == ["0.md", "1.md", "2.md"]


def test_a_released_write_whose_temporary_file_went_is_not_committed(tmp_path: Path) -> None:
    for i in range(2):
        (tmp_path / f"{i}.md").write_bytes(b"old")
    staged = [stage_write(tmp_path / f"{i}.md", b"new") for i in range(2)]
    for write in staged:
        write.release()
    staged[0].temp.unlink()
    flush_writes(staged)
    with pytest.raises(PostError, match=r"0\.md: not written: .*; the original is unchanged"):
        staged[0].commit()
    staged[1].commit()
    assert [(tmp_path / f"{i}.md").read_bytes() for i in range(2)] == [b"old", b"new"]
    # committed alone, without a flush first, it is opened again for its own fsync
    (tmp_path / "2.md").write_bytes(b"old")
    alone = stage_write(tmp_path / "2.md", b"new")
    alone.release()
    alone.commit()
    assert (tmp_path / "2.md").read_bytes() == b"new"
    assert listing(tmp_path) == ["0.md", "1.md", "2.md"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="syncfs(2) is Linux's")
def test_syncfs_is_found_on_linux() -> None:
    assert files._SYNCFS is not None


def test_remove_own_temp_files_takes_only_this_processs(tmp_path: Path) -> None:
    mine = tmp_path / f".a.md{files.TEMP_MARKER}{os.getpid()}-0a1b2c3d"
    other = tmp_path / f".a.md{files.TEMP_MARKER}{os.getpid() + 1}-0a1b2c3d"
    for path in (mine, other, tmp_path / "a.md"):
        path.write_bytes(b"x")
    files.remove_own_temp_files([tmp_path, tmp_path / "missing"])
    assert listing(tmp_path) == sorted(["a.md", other.name])
