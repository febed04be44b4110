"""The file side of a run: finding posts, writing them atomically, mapping over processes, the cache."""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import hashlib
import importlib.metadata
import os
import re
import secrets
import shutil
import stat
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import pathspec

from postkit.errors import PostError, PostkitError

if TYPE_CHECKING:
    from postkit.config import Config


TEMP_MARKER = ".postkit-tmp-"
CACHE_DIR_ENV = "POSTKIT_CACHE_DIR"
CACHE_FOLDER_NAME = ".postkit_cache"
# https://bford.info/cachedir/: backup and archiving tools skip a folder holding this file.
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by postkit.\n"
    "# For information about cache directory tags, see https://bford.info/cachedir/\n"
)
# Libraries whose upgrade can change what cleaning writes; their versions key the cache.
_OUTPUT_LIBRARIES = ("nh3", "bleach", "markdownify", "beautifulsoup4", "lxml", "markdown-it-py", "PyYAML")
_TEMP_NAME = re.compile(r"^\..+\.postkit-tmp-(?P<pid>\d+)-[0-9a-f]+$")
_HASH_LINE = re.compile(r"^[0-9a-f]{32}$")


# --- discovery -----------------------------------------------------------------------------------

GITIGNORE_FILE_NAME = ".gitignore"


class PathFilter:
    """Which paths discovery skips: exclude globs, the default excludes and ``.gitignore`` files.

    Globs are :mod:`fnmatch` patterns, as in ruff's ``exclude``: one without a ``/`` matches a
    file or folder name anywhere (``node_modules``, ``*.bak.md``); one with a ``/``, or starting
    with ``/`` or ``./``, matches the path relative to ``root``, the project root (``drafts/*``,
    ``/public``). A path outside ``root`` is matched relative to the folder being walked.

    With ``respect_gitignore``, the ``.gitignore`` files from the top of the git work tree (or
    from ``root`` outside a git repository) down to each folder apply as git applies them, a
    deeper file overriding a higher one, and so does ``.git/info/exclude``.
    """

    def __init__(self, root: Path, exclude: Sequence[str] = (), *, respect_gitignore: bool = False) -> None:
        self.root = Path(os.path.abspath(root))
        self.respect_gitignore = respect_gitignore
        self._names: list[str] = []
        self._paths: list[str] = []
        for raw in exclude:
            pattern = raw.strip()
            anchored = pattern.startswith(("/", "./"))
            pattern = pattern.removeprefix(".").lstrip("/") if anchored else pattern
            pattern = pattern.rstrip("/")
            if not pattern:
                continue
            (self._paths if anchored or "/" in pattern else self._names).append(pattern)
        self._name_matches = glob_matcher(tuple(self._names))
        self._path_matches = glob_matcher(tuple(self._paths))
        self._specs: dict[Path, pathspec.GitIgnoreSpec | None] = {}
        self._tops: dict[tuple[Path, Path | None], tuple[Path, pathspec.GitIgnoreSpec | None]] = {}
        self._chains: dict[
            tuple[str, Path | None],
            tuple[Path, pathspec.GitIgnoreSpec | None, list[tuple[Path, pathspec.GitIgnoreSpec]]],
        ] = {}

    def skips(self, path: Path, *, is_dir: bool, base: Path | None = None) -> bool:
        """Whether ``path`` itself is excluded; ``base`` is the folder to match against outside the root."""
        # strings, not Paths: this runs for every file found, and a Path costs more to make than the checks
        absolute = os.path.abspath(path)
        if self._name_matches(os.path.basename(absolute)):
            return True
        if self._paths:
            relative = _relative_to(absolute, self.root)
            if relative is None and base is not None:
                relative = _relative_to(absolute, os.path.abspath(base))
            if relative is not None and self._path_matches(relative):
                return True
        return self.respect_gitignore and self._ignored_by_git(absolute, is_dir, base)

    def skips_with_parents(self, path: Path, *, is_dir: bool) -> bool:
        """Whether ``path`` or a folder above it (up to the root) is excluded: ``--force-exclude``."""
        absolute = Path(os.path.abspath(path))
        if self.skips(absolute, is_dir=is_dir):
            return True
        if _relative_to(absolute, self.root) is None:
            return False  # the folders above a path outside the project are none of its business
        for parent in absolute.parents:
            if parent == self.root:
                return False
            if self.skips(parent, is_dir=True):
                return True
        return False

    def _ignored_by_git(self, path: str, is_dir: bool, base: Path | None) -> bool:
        top, info_exclude, specs = self._gitignores_for(os.path.dirname(path), base)
        suffix = "/" if is_dir else ""
        for folder, spec in specs:
            verdict = spec.check_file(f"{_relative_to(path, folder)}{suffix}").include
            if verdict is not None:
                return verdict
        if info_exclude is not None and (relative := _relative_to(path, top)) is not None:
            return bool(info_exclude.check_file(relative + suffix).include)
        return False

    def _gitignores_for(
        self, folder: str, base: Path | None
    ) -> tuple[Path, pathspec.GitIgnoreSpec | None, list[tuple[Path, pathspec.GitIgnoreSpec]]]:
        """The top, its .git/info/exclude, and the .gitignore files from ``folder`` (absolute) up to
        the top, deepest first: worked out once per folder, not per file."""
        key = (folder, base)
        if key not in self._chains:
            top, info_exclude = self._top_for(Path(folder), base)
            specs: list[tuple[Path, pathspec.GitIgnoreSpec]] = []
            current = Path(folder)
            while True:
                spec = self._spec_in(current)
                if spec is not None:
                    specs.append((current, spec))
                if current == top or current == current.parent:
                    break
                current = current.parent
            self._chains[key] = (top, info_exclude, specs)
        return self._chains[key]

    def _spec_in(self, folder: Path) -> pathspec.GitIgnoreSpec | None:
        if folder not in self._specs:
            self._specs[folder] = _read_gitignore(folder / GITIGNORE_FILE_NAME)
        return self._specs[folder]

    def _top_for(self, folder: Path, base: Path | None) -> tuple[Path, pathspec.GitIgnoreSpec | None]:
        """The folder whose .gitignore is the highest that applies, and its .git/info/exclude.

        That is the top of the git work tree; outside one, the project root, or outside that
        the folder being walked (a .gitignore above the project belongs to someone else).
        """
        key = (folder, base)
        if key not in self._tops:
            git_top = next(
                (candidate for candidate in (folder, *folder.parents) if os.path.lexists(candidate / ".git")), None
            )
            if git_top is not None:
                self._tops[key] = (git_top, _read_gitignore(_git_dir(git_top) / "info" / "exclude"))
            elif _relative_to(folder, self.root) is not None:
                self._tops[key] = (self.root, None)
            else:
                outside = Path(os.path.abspath(base)) if base is not None else folder
                self._tops[key] = (outside if _relative_to(folder, outside) is not None else folder, None)
        return self._tops[key]


@functools.lru_cache(maxsize=64)
def glob_matcher(patterns: tuple[str, ...]) -> Callable[[str], bool]:
    """Whether a name matches any of the :mod:`fnmatch` patterns, with one compiled search
    (``fnmatch.fnmatch`` asked once per pattern and file cost a tenth of a 10,000-file run)."""
    if not patterns:
        return lambda name: False
    regex = re.compile("|".join(fnmatch.translate(os.path.normcase(pattern)) for pattern in patterns))
    return lambda name: regex.match(os.path.normcase(name)) is not None


def _relative_to(path: str | Path, root: str | Path) -> str | None:
    """``path`` relative to ``root`` in POSIX style, or None when it lies outside; both absolute
    and normalized. Compared as strings: pathlib's ``relative_to`` cost a tenth of a
    10,000-file discovery."""
    text, top = str(path), str(root)
    if os.path.normcase(text) == os.path.normcase(top):
        return "."
    if text.startswith("//") != top.startswith("//"):
        return None  # POSIX keeps a leading `//` apart from `/`: pathlib calls them different roots
    if not top.endswith(os.sep):
        top += os.sep
    if not os.path.normcase(text).startswith(os.path.normcase(top)):
        return None
    relative = text[len(top) :]
    return relative.replace(os.sep, "/") if os.sep != "/" else relative


def _read_gitignore(path: Path) -> pathspec.GitIgnoreSpec | None:
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError:  # absent, a folder, unreadable: nothing ignored, as git does
        return None
    spec = pathspec.GitIgnoreSpec.from_lines(text.splitlines())
    return spec if len(spec) else None


def _git_dir(top: Path) -> Path:
    """The repository folder of a work tree; a linked worktree's ``.git`` file points at it."""
    dot_git = top / ".git"
    if dot_git.is_dir():
        return dot_git
    try:
        line = dot_git.read_text("utf-8", errors="replace").strip()
    except OSError:
        return dot_git
    if not line.startswith("gitdir:"):
        return dot_git
    git_dir = (top / line.removeprefix("gitdir:").strip()).resolve()
    try:  # a linked worktree keeps info/exclude in the common folder
        return (git_dir / (git_dir / "commondir").read_text("utf-8").strip()).resolve()
    except OSError:
        return git_dir


def discover(
    paths: Iterable[Path],
    include: Sequence[str],
    exclude: Sequence[str],
    *,
    root: Path | None = None,
    respect_gitignore: bool = False,
    force_exclude: bool = False,
    on_error: Callable[[PostError], None] | None = None,
) -> Iterator[Path]:
    """The files to process under ``paths``, each real file once, in a deterministic order.

    Folders are walked depth first with entries sorted by name; a file is taken when its name
    matches an ``include`` glob, and a file or folder is skipped when :class:`PathFilter` (the
    ``exclude`` globs against the path relative to ``root``, default the current folder, and
    with ``respect_gitignore`` the ``.gitignore`` files) says so. Hidden names (``.git`` among
    them) are skipped. Paths given directly are taken as they are, as ruff and black take
    them, unless ``force_exclude``: then a given file or folder that is excluded, or lies in an
    excluded folder, is skipped too. A symlink is followed only when its target lies inside one
    of the given paths; loops end.

    A path that does not exist raises :class:`PostError` before anything is yielded. A folder
    that cannot be read during the walk is passed to ``on_error`` and skipped; without
    ``on_error`` it raises.
    """
    given = list(paths)
    for path in given:
        if not os.path.lexists(path):
            raise PostError(str(path), "does not exist")
    path_filter = PathFilter(root if root is not None else Path.cwd(), exclude, respect_gitignore=respect_gitignore)
    roots = [_resolve(path) for path in given]
    allowed_roots = [root for root in roots if root is not None]
    seen_files: set[tuple[int, int]] = set()
    seen_folders: set[tuple[int, int]] = set()

    def report(error: PostError) -> None:
        if on_error is None:
            raise error
        on_error(error)

    for path in given:
        try:
            info = path.stat()
        except OSError as error:
            report(PostError(str(path), _reason(error)))
            continue
        is_dir = stat.S_ISDIR(info.st_mode)
        if force_exclude and path_filter.skips_with_parents(path, is_dir=is_dir):
            continue
        if is_dir:
            yield from _walk(path, info, include, path_filter, allowed_roots, seen_files, seen_folders, report)
        elif not stat.S_ISREG(info.st_mode):
            report(PostError(str(path), "is not a regular file"))
        elif _first_visit(info, seen_files):
            yield path


def discover_posts(
    paths: Iterable[Path], config: Config, *, on_error: Callable[[PostError], None] | None = None
) -> Iterator[Path]:
    """:func:`discover` with a configuration's settings: its excludes, default excludes, root and flags."""
    return discover(
        paths,
        config.include,
        (*config.default_exclude, *config.exclude),
        root=config.project_root,
        respect_gitignore=config.respect_gitignore,
        force_exclude=config.force_exclude,
        on_error=on_error,
    )


def _walk(
    root: Path,
    root_info: os.stat_result,
    include: Sequence[str],
    path_filter: PathFilter,
    allowed_roots: Sequence[Path],
    seen_files: set[tuple[int, int]],
    seen_folders: set[tuple[int, int]],
    report: Callable[[PostError], None],
) -> Iterator[Path]:
    # An explicit stack of sorted listings instead of recursion: deep trees cannot hit the
    # recursion limit, and only one listing per open level is held at a time.
    if not _first_visit(root_info, seen_folders):
        return
    included = glob_matcher(tuple(include))
    stack: list[Iterator[os.DirEntry[str]]] = []
    listing = _sorted_listing(root, report)
    if listing is not None:
        stack.append(listing)
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        info = _entry_stat(entry, allowed_roots)
        if info is None:
            continue
        is_dir = stat.S_ISDIR(info.st_mode)
        if not is_dir and not included(entry.name):
            continue
        if path_filter.skips(path, is_dir=is_dir, base=root):
            continue
        if is_dir:
            if _first_visit(info, seen_folders):
                listing = _sorted_listing(path, report)
                if listing is not None:
                    stack.append(listing)
        elif stat.S_ISREG(info.st_mode) and _first_visit(info, seen_files):
            yield path


def _sorted_listing(folder: Path, report: Callable[[PostError], None]) -> Iterator[os.DirEntry[str]] | None:
    try:
        with os.scandir(folder) as entries:
            return iter(sorted(entries, key=lambda entry: entry.name))
    except FileNotFoundError:
        return None  # vanished since it was listed: nothing left in it to process
    except OSError as error:
        report(PostError(str(folder), f"cannot list folder: {_reason(error)}"))
        return None


def _entry_stat(entry: os.DirEntry[str], allowed_roots: Sequence[Path]) -> os.stat_result | None:
    """The stat of what an entry stands for; None when it is gone or a symlink not to follow."""
    try:
        if entry.is_symlink():
            target = _resolve(Path(entry.path))
            if target is None or not _inside(target, allowed_roots):
                return None
            return target.stat()
        return entry.stat(follow_symlinks=False)
    except OSError:
        return None


def _first_visit(info: os.stat_result, seen: set[tuple[int, int]]) -> bool:
    key = (info.st_dev, info.st_ino)
    if key in seen:
        return False
    seen.add(key)
    return True


def _resolve(path: Path) -> Path | None:
    """The real path with every symlink followed; None when it is dangling or a loop."""
    try:
        return path.resolve(strict=True)
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop before Python 3.13
        return None


def _inside(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


# --- atomic write --------------------------------------------------------------------------------


def atomic_write(
    path: Path, data: bytes, allowed_roots: Sequence[Path] | None = None, *, sync_folder: bool = True
) -> None:
    """Replace ``path`` with ``data`` so that at any moment the file is wholly old or wholly new.

    The data goes to a temporary file in the same folder, is flushed and fsynced, takes the
    original's permission bits, and is renamed over the original; then the folder is fsynced,
    unless ``sync_folder`` is false: a run writing many files syncs each folder once at its end
    (``sync_folders``). Until then a power cut may undo the rename, never tear the file.
    On failure the temporary file is removed, the original is left as it was, and a
    :class:`PostError` names the file and the reason. A read-only file is not replaced.

    A symlink is written through only when ``allowed_roots`` is given and its target lies
    inside one of them; with ``allowed_roots`` the real location must lie inside them too.
    ``stage_write`` and ``StagedWrite.commit`` are the same in two steps.
    """
    staged = stage_write(path, data, allowed_roots)
    staged.commit()
    if sync_folder:
        _fsync_folder(staged.target.parent)


@dataclass
class StagedWrite:
    """A temporary file holding a file's new content, not yet synced nor renamed over the file.

    ``commit`` syncs and renames it; ``discard`` removes it. Until one of them runs, the
    original is untouched and an open descriptor is held.
    """

    path: Path  # as the caller named it, for messages
    target: Path  # what the rename replaces
    temp: Path
    descriptor: int  # -1 once closed
    mode: int | None = None  # permission bits still to give the temporary file (no fchmod here)
    expected: FileState | None = None  # the file as it was read: renamed over only if still so
    synced: bool = False  # fsync has run (``sync``); its error, if any, is in sync_error
    sync_error: OSError | None = None

    def sync(self) -> None:
        """fsync the data now; ``commit`` then reports its failure instead of running it again
        (after a failed fsync a second one may succeed with the data lost)."""
        if self.synced or self.descriptor < 0:
            return
        try:
            os.fsync(self.descriptor)
        except OSError as error:
            self.sync_error = error
        self.synced = True

    def commit(self) -> None:
        """fsync the data (unless ``sync`` did) and rename it over the target; PostError on
        failure. On any failure (Ctrl-C too) the temporary file is removed and the original is
        as it was."""
        try:
            try:
                self.reopen()
                if self.sync_error is not None:
                    raise self.sync_error
                if not self.synced:
                    os.fsync(self.descriptor)
            finally:
                self._close()
            if self.mode is not None:
                os.chmod(self.temp, self.mode)
            if self.expected is not None and not _same_file_state(self.expected, self.target):
                raise PostError(str(self.path), "not written: it changed while it was cleaned; run again to clean it")
            os.replace(self.temp, self.target)
        except BaseException as error:
            with contextlib.suppress(OSError):
                self.temp.unlink()
            if isinstance(error, OSError):
                raise PostError(str(self.path), f"not written: {_reason(error)}; the original is unchanged") from error
            raise

    def release(self) -> None:
        """Close the descriptor and keep the temporary file, for another process to commit (a
        worker stages, the parent commits): its fsync then opens the file again."""
        self._close()

    def reopen(self) -> None:
        """Open a released temporary file again for its fsync. A failure (the file is gone) is
        kept as the sync's error, which ``commit`` reports."""
        if self.descriptor >= 0 or self.synced:
            return
        flags = os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        try:
            self.descriptor = os.open(self.temp, flags)
        except OSError as error:
            self.sync_error = error
            self.synced = True

    def identity(self) -> tuple[int, int] | None:
        """(device, inode) of the file as it was read, when known."""
        return (self.expected.device, self.expected.inode) if self.expected is not None else None

    def discard(self) -> None:
        """Remove the temporary file (if a commit has not already renamed it)."""
        with contextlib.suppress(OSError):
            self._close()
        with contextlib.suppress(OSError):
            self.temp.unlink()

    def _close(self) -> None:
        # once only: the number may belong to another file after
        descriptor, self.descriptor = self.descriptor, -1
        if descriptor >= 0:
            os.close(descriptor)


class FileState(NamedTuple):
    """A file as it was read, which the commit checks it still is: small, as it travels from a
    worker to the parent with each staged write."""

    device: int
    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, info: os.stat_result) -> FileState:
        return cls(info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def _same_file_state(expected: FileState, target: Path) -> bool:
    try:
        return FileState.of(target.stat()) == expected
    except FileNotFoundError:
        return False


def stage_write(
    path: Path,
    data: bytes,
    allowed_roots: Sequence[Path] | None = None,
    *,
    expected: os.stat_result | None = None,
    resolved_roots: Sequence[Path | None] | None = None,
) -> StagedWrite:
    """The first step of ``atomic_write``: checks, and ``data`` in a temporary file beside the target.

    With ``expected`` (the file's stat when it was read), the commit refuses to replace a file
    that has changed since: a user's edit made while the file was cleaned is never overwritten.
    ``resolved_roots``: ``resolve_roots(allowed_roots)`` made once for a run, so each file does
    not resolve them again.
    """
    target = _write_target(path, allowed_roots, resolved_roots)
    try:
        original: os.stat_result | None = target.stat()
    except FileNotFoundError:
        original = None
    except OSError as error:
        raise PostError(str(path), f"not written: {_reason(error)}") from error
    # Checked by hand because replacing the file would bypass its permissions; the mode bits
    # count too, as os.access always says yes to root.
    if original is not None and (not os.access(target, os.W_OK) or not original.st_mode & 0o222):
        raise PostError(str(path), "not written: the file is read-only; make it writable to clean it")
    mode = stat.S_IMODE(original.st_mode) if original is not None else None
    temp, descriptor = _create_temp(path, target)
    staged = StagedWrite(path, target, temp, descriptor, expected=None if expected is None else FileState.of(expected))
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
        if mode is not None and hasattr(os, "fchmod"):
            os.fchmod(descriptor, mode)
        else:
            staged.mode = mode
    except BaseException as error:
        staged.discard()
        if isinstance(error, OSError):
            raise PostError(str(path), f"not written: {_reason(error)}; the original is unchanged") from error
        raise
    return staged


def flush_writes(staged: Sequence[StagedWrite]) -> None:
    """Have the filesystem write the data of all these staged files now, in one go, then fsync each.

    Only a speed-up for the fsync each file still gets (``StagedWrite.sync``; ``commit`` reports
    its error): on Linux one syncfs(2) writes every dirty page of the filesystem with one journal
    commit and one flush of the disk's cache, after which each file's fsync finds nothing left to
    write. The fsyncs all run before the first rename: on ext4, fsyncs taking turns with renames
    made a batch of 32 cost 1.6 times as long (each fsync waited for the journal to take the
    rename before it). Elsewhere, or if syncfs fails, the fsyncs do the writing. Released
    writes (staged by another process) are opened again first.
    """
    for write in staged:
        write.reopen()
    staged = [write for write in staged if write.descriptor >= 0]
    if len(staged) < 2:
        return
    if _SYNCFS is not None:
        with contextlib.suppress(OSError, ValueError):
            _SYNCFS(staged[0].descriptor)
    for write in staged:
        write.sync()


def _load_syncfs() -> Callable[[int], int] | None:
    # Python's os module has sync() but not syncfs(2): called from the C library when it has it
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        function: Callable[[int], int] = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    return function


_SYNCFS = _load_syncfs()


def sync_folders(paths: Iterable[str | Path]) -> None:
    """Make the renames of files written with ``sync_folder=False`` durable: each folder once.

    The folder is the real one the rename happened in: a symlinked file's target's, else the
    real path of the file's folder, found once per folder (not by resolving every file's path
    again, which cost the parent a serial tenth of a second per 10,000 files after the run).
    """
    real_folders: dict[str, str] = {}
    folders: set[str] = set()
    for path in paths:
        text = os.path.abspath(path)
        if os.path.islink(text):
            folders.add(os.path.dirname(os.path.realpath(text)))
            continue
        parent = os.path.dirname(text)
        if parent not in real_folders:
            real_folders[parent] = os.path.realpath(parent)
        folders.add(real_folders[parent])
    for folder in folders:
        _fsync_folder(Path(folder))


def resolve_roots(roots: Sequence[Path]) -> list[Path | None]:
    """The real paths of the folders writes are allowed under (None for one that does not resolve)."""
    return [_resolve(root) for root in roots]


def _write_target(
    path: Path, allowed_roots: Sequence[Path] | None, resolved_roots: Sequence[Path | None] | None = None
) -> Path:
    """The path to replace: ``path`` itself, or a symlink's target when that is allowed."""
    is_link = path.is_symlink()
    if allowed_roots is None:
        if is_link:
            raise PostError(str(path), "not written: it is a symlink and no folders were allowed for its target")
        return path
    roots = resolved_roots if resolved_roots is not None else resolve_roots(allowed_roots)
    real = _resolve(path) if is_link else _resolve(path.parent)
    if real is None:
        raise PostError(str(path), "not written: its symlink target or folder does not exist")
    if not is_link:
        real = real / path.name
    if not _inside(real, [root for root in roots if root is not None]):
        raise PostError(str(path), f"not written: it leads to {real}, outside the given paths")
    return real if is_link else path


def _create_temp(path: Path, target: Path) -> tuple[Path, int]:
    try:
        return _open_temp(target)
    except OSError as error:
        raise PostError(str(path), f"not written: {_reason(error)}; the original is unchanged") from error


def _open_temp(target: Path) -> tuple[Path, int]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    # Names are limited to 255 bytes; leave room for the marker, pid and random part.
    stem = target.name.encode("utf-8", "surrogateescape")[:200].decode("utf-8", "ignore")
    while True:
        temp = target.with_name(f".{stem}{TEMP_MARKER}{os.getpid()}-{secrets.token_hex(4)}")
        try:
            # 0o666 lets the umask decide a new file's permissions, as for any other new file
            return temp, os.open(temp, flags, 0o666)
        except FileExistsError:
            continue


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable. Not every platform can open a folder (Windows cannot);
    # the rename has happened either way, so a failure here is not an error.
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def remove_own_temp_files(folder_paths: Iterable[Path]) -> None:
    """Remove the temporary files this process made in these folders and has not renamed: after
    an interrupted batch, including one caught between creating a file and recording it."""
    mine = f"{TEMP_MARKER}{os.getpid()}-"
    for folder in folder_paths:
        with contextlib.suppress(OSError), os.scandir(folder) as entries:
            for entry in entries:
                if mine in entry.name:
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)


def remove_stale_temp_files(folder_paths: Iterable[Path], max_age_minutes: float = 60.0) -> int:
    """Remove temporary files a killed run left in ``folder_paths`` (not recursive); return how many.

    A temporary file is stale when the process named in it is no longer running, or when it is
    older than ``max_age_minutes`` (a process id may have been reused since).
    """
    removed = 0
    oldest = time.time() - max_age_minutes * 60
    for folder in folder_paths:
        try:
            with os.scandir(folder) as entries:
                candidates = [entry for entry in entries if TEMP_MARKER in entry.name]
        except OSError:
            continue
        for entry in candidates:
            match = _TEMP_NAME.match(entry.name)
            if match is None:
                continue
            try:
                info = entry.stat(follow_symlinks=False)
                if not stat.S_ISREG(info.st_mode):
                    continue
                if _process_alive(int(match["pid"])) and info.st_mtime >= oldest:
                    continue
                os.unlink(entry.path)
            except OSError:
                continue
            removed += 1
    return removed


def _process_alive(pid: int) -> bool:
    if sys.platform == "win32":
        return True  # os.kill(pid, 0) would terminate the process on Windows; go by age alone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by someone else
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """A killed worker nobody reaped (no init in a container) still answers kill(pid, 0); it is dead."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            # the state follows the command name, which is in parentheses and may hold spaces
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


# --- clean cache ---------------------------------------------------------------------------------


def content_hash(data: bytes) -> str:
    """The cache key of a file's bytes: blake2b with a 16-byte digest, in hex."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class CleanCache:
    """Content hashes of files known to be clean under one set of settings.

    One file per settings fingerprint and engine version (postkit and the libraries that shape
    its output), one hex hash a line, only ever appended to: concurrent runs append whole
    lines, and a line that is not a hash (a torn or corrupt write) is ignored when read.
    """

    def __init__(
        self, fingerprint: str, folder: Path | None = None, version: str | None = None, *, root: Path | None = None
    ) -> None:
        self.folder = folder if folder is not None else default_cache_folder(root)
        # The project root is part of the key, so projects sharing $POSTKIT_CACHE_DIR stay apart.
        place = os.path.abspath(root) if root is not None else ""
        key = f"{fingerprint}\n{version if version is not None else engine_version()}\n{place}"
        self.path = self.folder / f"clean-{hashlib.blake2b(key.encode(), digest_size=16).hexdigest()}.txt"

    def load(self) -> frozenset[str]:
        """The hashes known clean; empty when there is no cache file yet."""
        try:
            text = self.path.read_bytes().decode("ascii", errors="replace")
        except FileNotFoundError:
            return frozenset()
        except OSError as error:
            raise PostkitError(f"{self.path}: cannot read the cache: {_reason(error)}; use --no-cache") from error
        return frozenset(line for line in text.split("\n") if _HASH_LINE.match(line))

    def add(self, hashes: Iterable[str]) -> None:
        """Append ``hashes`` in one write, so lines from concurrent runs do not interleave."""
        lines = list(hashes)
        for value in lines:
            if not _HASH_LINE.match(value):
                raise ValueError(f"not a content hash: {value!r}")
        if not lines:
            return
        payload = ("\n".join(lines) + "\n").encode("ascii")
        try:
            _make_cache_folder(self.folder)
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
            try:
                # A leading newline ends a line a killed run may have left half written.
                view = memoryview(b"\n" + payload)
                while view:
                    view = view[os.write(descriptor, view) :]
            finally:
                os.close(descriptor)
        except OSError as error:
            raise PostkitError(f"{self.path}: cannot write the cache: {_reason(error)}; use --no-cache") from error

    def clear(self) -> None:
        """Forget every hash stored under these settings."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        except OSError as error:
            raise PostkitError(f"{self.path}: cannot remove the cache: {_reason(error)}") from error


def default_cache_folder(root: Path | None = None) -> Path:
    """``$POSTKIT_CACHE_DIR`` when set, else ``.postkit_cache/`` in the project root (default the current folder).

    Kept in the project as ruff keeps ``.ruff_cache/``: deleting the folder clears it, and no
    other project on the machine reads it.
    """
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override)
    return (root if root is not None else Path.cwd()) / CACHE_FOLDER_NAME


def remove_cache_folder(root: Path | None = None) -> Path | None:
    """Delete the cache folder of a project (or ``$POSTKIT_CACHE_DIR``); return it, or None if there was none.

    Only a folder postkit made (one holding its CACHEDIR.TAG) is deleted, so a mistyped
    variable cannot empty some other folder.
    """
    folder = default_cache_folder(root)
    tag = folder / "CACHEDIR.TAG"
    if not folder.is_dir():
        return None
    try:
        made_by_postkit = tag.read_bytes().startswith(_CACHEDIR_TAG.encode("ascii"))
    except OSError:
        made_by_postkit = False
    if not made_by_postkit:
        raise PostkitError(f"{folder}: not removed: it holds no postkit CACHEDIR.TAG, so postkit did not make it")
    try:
        shutil.rmtree(folder)
    except OSError as error:
        raise PostkitError(f"{folder}: cannot remove the cache: {_reason(error)}") from error
    return folder


def _make_cache_folder(folder: Path) -> None:
    """Create the cache folder marked as a cache (CACHEDIR.TAG) and as never to be committed."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in (("CACHEDIR.TAG", _CACHEDIR_TAG), (".gitignore", "# Created by postkit.\n*\n")):
        marker = folder / name
        if not marker.exists():
            with contextlib.suppress(FileExistsError), open(marker, "x", encoding="ascii") as stream:
                stream.write(content)


def engine_version() -> str:
    """postkit's version with those of the libraries that shape its output."""
    parts = [f"postkit={_distribution_version('postkit')}", f"python={sys.version_info[0]}.{sys.version_info[1]}"]
    parts.extend(f"{name}={_distribution_version(name)}" for name in _OUTPUT_LIBRARIES)
    return " ".join(parts)


def _distribution_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "absent"
