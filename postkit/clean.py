"""Cleaning files in place: the core of ``postkit clean``; safe to run in worker processes, nothing printed.

``clean_paths`` is a whole run (discovery, cache, workers, totals), as ``validate_paths`` is
for validate; the CLI only renders what it yields. ``clean_file`` reads a post, runs the
pipeline and, in write mode, replaces the file atomically. It never raises for a bad post:
every outcome, failures included, comes back as a ``FileOutcome`` so that one bad file never
stops a run.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import os
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from postkit.config import Config
from postkit.errors import PostError, PostkitError
from postkit.files import (
    CleanCache,
    StagedWrite,
    content_hash,
    discover_posts,
    flush_writes,
    remove_own_temp_files,
    remove_stale_temp_files,
    resolve_roots,
    stage_write,
    sync_folders,
)
from postkit.page import (
    is_html_page,
    page_front_matter,
    protect_local_resources,
    read_page_metadata,
    restore_local_resources,
    unwrap_wayback,
)
from postkit.pipeline import CleanOptions, CleanResult, clean_post, convert_html_document
from postkit.pipeline.report import LostText, Removal
from postkit.post import decode, read_bytes, split_post
from postkit.site_urls import site_urls_from_config

# What `postkit convert -` calls the page it reads from standard input.
STDIN_NAME = "<stdin>"


class Mode(str, enum.Enum):
    WRITE = "write"
    CHECK = "check"
    DIFF = "diff"


class Status(str, enum.Enum):
    CHANGED = "changed"  # written, or would be with --check/--diff
    UNCHANGED = "unchanged"
    CACHED = "cached"  # known clean from an earlier run: not even parsed
    LOST_TEXT = "lost-text"  # verify found text the output would lose: not written
    FAILED = "failed"


@dataclass(frozen=True)
class CleanJob:
    """Everything a worker needs to clean a file; picklable."""

    options: CleanOptions
    mode: Mode = Mode.WRITE
    force: bool = False
    encoding: str | None = None
    max_file_size: int | None = None
    roots: tuple[str, ...] = ()
    known_clean: frozenset[str] = frozenset()
    explain: bool = False
    color_diff: bool = False
    # content hashes are wanted: a cache reads them and keeps the new ones (without one, no
    # file's bytes are hashed)
    hashes: bool = True

    @cached_property
    def allowed_roots(self) -> list[Path] | None:
        """The folders writes must stay under (symlinks included), None when none were given."""
        return [Path(root) for root in self.roots] or None

    @cached_property
    def resolved_roots(self) -> list[Path | None] | None:
        """Their real paths, resolved once per job in each process: the allowed area is the one
        the run started with, and no file resolves them again."""
        return resolve_roots(self.allowed_roots) if self.allowed_roots is not None else None


@dataclass(frozen=True)
class FileOutcome:
    path: str
    status: Status
    message: str = ""
    line: int = 0
    counts: tuple[tuple[str, int], ...] = ()
    lost: tuple[LostText, ...] = ()
    diff: str = ""
    clean_hashes: tuple[str, ...] = ()  # content hashes now known clean, for the cache
    removals: tuple[Removal, ...] = field(default=(), compare=False)


def job_from_config(
    config: Config,
    mode: Mode,
    *,
    force: bool = False,
    known_clean: frozenset[str] = frozenset(),
    roots: Iterable[Path] = (),
    explain: bool = False,
    hashes: bool = True,
) -> CleanJob:
    return CleanJob(
        options=options_from_config(config),
        mode=mode,
        force=force,
        encoding=config.encoding,
        max_file_size=config.max_file_size,
        roots=tuple(str(r) for r in roots),
        known_clean=known_clean,
        explain=explain,
        hashes=hashes,
    )


def markdown_for(config: Config) -> str:
    """The dialect to write: the configured one; with "auto", the schema's generator decides
    (jekyll: kramdown, hugo: goldmark), else each post's shape (see ``markdown_dialect``)."""
    if config.markdown != "auto":
        return config.markdown
    return {"jekyll": "kramdown", "hugo": "goldmark"}.get(str(config.schema), "auto")


def options_from_config(config: Config) -> CleanOptions:
    return CleanOptions(
        source_url_key=config.source_url_key,
        sanitizer=config.sanitizer,
        converter=config.converter,
        markdown=markdown_for(config),
        rule_files=tuple(str(p) for p in config.rules),
        allow_data_images=config.allow_data_images,
        site=site_urls_from_config(config),
    )


def clean_file(path: Path, job: CleanJob) -> FileOutcome:
    """Clean one file as the job says; every failure is an outcome, never an exception."""
    step = _clean_unwritten(path, job)
    return _commit(step) if isinstance(step, _PendingWrite) else step


def clean_files(paths: Sequence[Path], job: CleanJob) -> list[FileOutcome]:
    """``clean_file`` over a batch, outcomes in the order of ``paths``.

    In write mode each file's new content goes to a temporary file beside it as it is cleaned
    (``stage_files``); at the batch's end the filesystem is asked to write them all at once
    (``flush_writes``), then each is fsynced and renamed over its file as ``atomic_write`` does:
    one disk flush for the batch instead of one per file, the same guarantee per file. If the
    batch stops early (Ctrl-C, or the parent stopping a worker), the temporary files not yet
    renamed are removed and their originals are as they were.
    """
    return list(_cleaned(paths, job))


def _cleaned(paths: Sequence[Path], job: CleanJob) -> Iterator[FileOutcome]:
    """``clean_files``' outcomes one by one, each given once its file is written: stopped early,
    every file written has been reported and every file reported is written."""
    steps: list[FileOutcome | _PendingWrite] = []
    try:
        yield from _stage(paths, job, steps)
        yield from _commit_in_order(steps)
    except BaseException:
        _discard_staged(steps, paths)
        raise


def stage_files(
    paths: Sequence[Path], job: CleanJob, on_written: Callable[[FileOutcome], object]
) -> list[FileOutcome | _PendingWrite]:
    """Clean a batch and stage its writes: the outcomes, and the writes (in write mode) that
    ``_commit_in_order`` then flushes and renames. A file written before the batch's end (met
    twice, or past the open-file limit) is given to ``on_written`` as soon as it is written. If
    staging stops early, the temporary files are removed."""
    steps: list[FileOutcome | _PendingWrite] = []
    try:
        for outcome in _stage(paths, job, steps):
            on_written(outcome)
    except BaseException:
        _discard_staged(steps, paths)
        raise
    return steps


def _stage(paths: Sequence[Path], job: CleanJob, steps: list[FileOutcome | _PendingWrite]) -> Iterator[FileOutcome]:
    """Clean the paths in order, adding their outcomes and staged writes to ``steps``.

    A file that changed after it was read is not replaced (a failure: run again). A file met
    again through another path (a symlink), or a write past what the open-file limit lets a
    batch keep staged, is cleaned after what is staged so far is written, as one by one: the
    outcomes so far are given as their files are written, and ``steps`` starts again.
    """
    staged: set[tuple[int, int] | None] = set()
    most = _most_staged()
    for path in paths:
        step = _clean_unwritten(path, job)
        if isinstance(step, _PendingWrite) and (step.staged.identity() in staged or len(staged) >= most):
            step.staged.discard()
            yield from _commit_in_order(steps)
            steps.clear()
            staged.clear()
            step = _clean_unwritten(path, job)  # from what the file now holds
        if isinstance(step, _PendingWrite):
            staged.add(step.staged.identity())
        steps.append(step)


def _discard_staged(steps: list[FileOutcome | _PendingWrite], paths: Sequence[Path]) -> None:
    """Remove the temporary files of a batch that stopped: those recorded, and any this process
    made in the batch's folders (one caught between creating its file and recording it)."""
    _discard_pending(steps)
    remove_own_temp_files(_temp_folders(paths))


def _discard_pending(steps: list[FileOutcome | _PendingWrite]) -> None:
    """Remove the temporary files of the writes among ``steps`` not yet committed."""
    for step in steps:
        if isinstance(step, _PendingWrite):
            step.staged.discard()


def _temp_folders(paths: Sequence[Path]) -> set[Path]:
    """Where the temporary files of these posts are made: beside each post, and beside the file a
    symlinked post leads to."""
    return {Path(os.path.realpath(p)).parent for p in paths} | {p.parent for p in paths}


def _commit_in_order(steps: list[FileOutcome | _PendingWrite]) -> Iterator[FileOutcome]:
    """Flush the staged writes among ``steps``, then give each step's outcome in order: a staged
    one once its file is renamed (it replaces the step), so a run stopped between two renames
    has reported exactly the files it wrote."""
    flush_writes([step.staged for step in steps if isinstance(step, _PendingWrite)])
    for index, step in enumerate(steps):
        if isinstance(step, _PendingWrite):
            step = steps[index] = _commit(step)
        yield step


def _most_staged() -> int:
    """Files a batch keeps staged (each holds a descriptor open): 32, fewer under a low open-file limit."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):
        return _STAGED_AT_MOST
    if soft == resource.RLIM_INFINITY:
        return _STAGED_AT_MOST
    return max(1, min(_STAGED_AT_MOST, soft // 8))


_STAGED_AT_MOST = 32


@dataclass(frozen=True)
class _PendingWrite:
    """A cleaned post staged in its temporary file, and its outcome once renamed over the file."""

    staged: StagedWrite
    outcome: FileOutcome


def _commit(pending: _PendingWrite) -> FileOutcome:
    try:
        # the folder is synced once at the run's end (CleanRun), not after every file
        pending.staged.commit()
    except PostkitError as exc:
        return _failure(pending.outcome.path, exc)
    return pending.outcome


def _clean_unwritten(path: Path, job: CleanJob) -> FileOutcome | _PendingWrite:
    """The outcome of cleaning one file, or, in write mode, the write that outcome waits for."""
    name = str(path)
    try:
        read_as = _stat(path) if job.mode is Mode.WRITE else None
        data = _read(path, job.max_file_size)
        digest = content_hash(data) if job.hashes else ""
        if digest in job.known_clean and not job.explain:
            return FileOutcome(name, Status.CACHED)
        result = clean_bytes(data, name, job)
    except PostkitError as exc:
        return _failure(name, exc)
    except RecursionError:
        return FileOutcome(name, Status.FAILED, "HTML nested too deeply to convert")
    except MemoryError:
        return FileOutcome(name, Status.FAILED, "too large to convert in memory; lower max-file-size")
    counts = tuple(sorted(result.counts().items()))
    removals = result.removals if job.explain else ()
    if not result.changed:
        hashes = (digest,) if job.hashes else ()
        return FileOutcome(name, Status.UNCHANGED, counts=counts, clean_hashes=hashes, removals=removals)
    if result.lost and not job.force:
        first = result.lost[0]
        return FileOutcome(
            name,
            Status.LOST_TEXT,
            f"would lose text: {first.text}",
            line=first.line,
            counts=counts,
            lost=result.lost,
            removals=removals,
        )
    encoding = result.post.encoding if result.post is not None else "utf-8"
    try:
        new = result.text.encode(encoding)
    except UnicodeEncodeError as exc:
        return FileOutcome(name, Status.FAILED, f"cleaned text cannot be written back as {encoding}: {exc.reason}")
    diff = unified_diff(result.original, result.text, name) if job.mode is Mode.DIFF else ""
    outcome = FileOutcome(
        name,
        Status.CHANGED,
        counts=counts,
        lost=result.lost,
        diff=diff,
        clean_hashes=(content_hash(new),) if job.mode is Mode.WRITE and job.hashes else (),
        removals=removals,
    )
    if job.mode is not Mode.WRITE:
        return outcome
    try:
        staged = stage_write(
            path, new, allowed_roots=job.allowed_roots, expected=read_as, resolved_roots=job.resolved_roots
        )
    except PostkitError as exc:
        return _failure(name, exc)
    return _PendingWrite(staged, outcome)


def clean_bytes(data: bytes, name: str, job: CleanJob) -> CleanResult:
    """Clean a post (or convert an HTML page) given as bytes; PostError for a post that cannot be read.

    Front matter that validate calls unreadable (bad syntax, an unsafe tag, an alias bomb) is
    refused here with the same message, before any cleaning.
    """
    bom, text, encoding = decode(data, name, job.encoding)
    if name.lower().endswith((".html", ".htm")) or (name == STDIN_NAME and is_html_page(text)):
        return convert_page(bom + text, job.options, name)
    post = split_post(text, path=name, bom=bom, encoding=encoding)
    _ = post.metadata  # one front-matter reader for clean and validate: refuse what validate refuses
    return clean_post(post, job.options, details=job.explain)


def convert_page(html: str, options: CleanOptions, name: str) -> CleanResult:
    """A saved web page as a post: the Wayback Machine's wrapping undone, files saved beside the
    page kept relative, and front matter (title without the site's name, date, source URL) read
    from the page, the same from a file as from stdin."""
    page = unwrap_wayback(html)
    metadata = read_page_metadata(page)
    protected, local_files = protect_local_resources(page)
    result = convert_html_document(protected, options, path=name)
    body = restore_local_resources(result.post.body if result.post is not None else result.text, local_files)
    text = page_front_matter(metadata, options.source_url_key) + body
    return dataclasses.replace(result, original=html, text=text, post=split_post(text, path=name))


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError:
        return None  # reading it will say what is wrong


def _read(path: Path, max_size: int | None) -> bytes:
    return read_bytes(str(path), max_size, missing="vanished before it could be read")


def _failure(name: str, exc: PostkitError) -> FileOutcome:
    line = getattr(exc, "line", None) or 0
    message = getattr(exc, "message", None) or str(exc)
    return FileOutcome(name, Status.FAILED, str(message), line=int(line))


def unified_diff(old: str, new: str, name: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"{name}\t(original)",
        tofile=f"{name}\t(cleaned)",
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


@dataclass
class RunSummary:
    """Totals of a run, built from outcomes as they stream in; holds failures, not every file."""

    seen: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[FileOutcome] = field(default_factory=list)
    changed_paths: list[str] = field(default_factory=list)

    def add(self, outcome: FileOutcome) -> None:
        self.seen += 1
        self.statuses[outcome.status.value] += 1
        self.counts.update(dict(outcome.counts))
        if outcome.status in (Status.FAILED, Status.LOST_TEXT):
            self.problems.append(outcome)
        elif outcome.status is Status.CHANGED:
            self.changed_paths.append(outcome.path)

    @property
    def failed(self) -> int:
        return self.statuses[Status.FAILED.value]

    @property
    def changed(self) -> int:
        return self.statuses[Status.CHANGED.value]

    def exit_code(self, mode: Mode, *, check: bool = False) -> int:
        """1 for a failure or a file that would lose text; 1 for a change with ``--check`` (also with
        ``--diff``, as black does); else 0."""
        if self.failed or self.statuses[Status.LOST_TEXT.value]:
            return 1
        if (mode is Mode.CHECK or check) and self.changed:
            return 1
        return 0


@dataclass
class CleanRun:
    """One clean run over files: iterate it (once) for outcomes as files finish, then read its totals.

    Iterating also adds the files found clean to the cache at the end; ``warnings`` holds what
    went wrong with the cache, for the caller to show.
    """

    files: list[Path]
    job: CleanJob
    jobs: int
    check: bool = False
    cache: CleanCache | None = None
    discovery_failures: list[FileOutcome] = field(default_factory=list)
    summary: RunSummary = field(default_factory=RunSummary)
    warnings: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[FileOutcome]:
        new_clean: list[str] = []
        finished = False
        try:
            for outcome in run_clean(self.files, self.job, self.jobs):
                self.summary.add(outcome)
                new_clean.extend(outcome.clean_hashes)
                yield outcome
            finished = True
        finally:
            if self.job.mode is Mode.WRITE:
                # stopped early, files of a batch may be written whose outcomes were never taken
                sync_folders(self.summary.changed_paths if finished else self.files)
        for failure in self.discovery_failures:
            self.summary.add(failure)
            self.summary.seen -= 1  # a folder that could not be listed is not a file seen
            yield failure
        if self.cache is not None and new_clean:
            try:
                self.cache.add(new_clean)
            except PostkitError as exc:
                self.warnings.append(f"cache not written: {exc}")

    def exit_code(self) -> int:
        return self.summary.exit_code(self.job.mode, check=self.check)


def clean_paths(
    paths: Sequence[Path],
    config: Config,
    mode: Mode = Mode.WRITE,
    *,
    check: bool = False,
    force: bool = False,
    use_cache: bool = True,
) -> CleanRun:
    """A clean run over the posts under ``paths`` as ``config`` says; iterate it for the outcomes.

    ``check`` with ``Mode.DIFF`` makes a change fail the run, as ``black --check --diff`` does.
    Raises PostError for a path that does not exist, before any file is touched. A folder that
    cannot be listed is a failed outcome of the run.
    """
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise PostError(str(path), "does not exist")
    failures: list[FileOutcome] = []

    def unlistable(error: PostError) -> None:
        failures.append(FileOutcome(error.path, Status.FAILED, error.message))

    files = list(discover_posts(paths, config, on_error=unlistable))
    remove_stale_temp_files({f.parent for f in files})
    cache = CleanCache(config.fingerprint(), root=config.project_root) if config.cache and use_cache else None
    warnings: list[str] = []
    known: frozenset[str] = frozenset()
    if cache is not None:
        try:
            known = cache.load()
        except PostkitError as exc:
            warnings.append(f"cache not read: {exc}")
    job = job_from_config(config, mode, force=force, known_clean=known, roots=paths, hashes=cache is not None)
    return CleanRun(
        files=files, job=job, jobs=config.jobs, check=check, cache=cache, discovery_failures=failures, warnings=warnings
    )


def run_clean(paths: Iterable[Path], job: CleanJob, jobs: int) -> Iterator[FileOutcome]:
    """Clean every path, in worker processes when jobs != 1; outcomes stream back as batches finish.

    Paths are drawn from ``paths`` only as batches are handed out, so an iterator of any length
    keeps memory flat. With workers, a worker cleans a batch and stages its writes, and this
    process commits them (``_commit_batches``).
    """
    from postkit.workers import batches, chunk_size

    workers = jobs if jobs > 0 else (os.cpu_count() or 1)
    # a batch (one disk flush, clean_files) is what the pool would hand a worker at a time
    path_batches = batches(paths, chunk_size(paths, workers))
    if workers == 1:
        for batch in path_batches:
            yield from _cleaned(batch, job)
        return
    yield from _commit_batches(path_batches, job, workers)


def _commit_batches(batches: Iterator[list[Path]], job: CleanJob, workers: int) -> Iterator[FileOutcome]:
    """Batches staged by worker processes and committed here, as each comes back.

    Waiting for the disk (a batch's flush, fsyncs and renames) takes a worker off its core; done
    here, the workers go on cleaning meanwhile: over 10,000 posts each worker had waited about
    1.1 s of a 21 s run. If the run stops early, the writes staged and not committed are removed:
    those of a batch being committed, and those of batches handed out and not yet back, once
    the workers have stopped.
    """
    from postkit.workers import parallel_map

    handed_out: dict[int, list[Path]] = {}

    def numbered() -> Iterator[tuple[int, list[Path]]]:
        for number, batch in enumerate(batches):
            handed_out[number] = batch  # before the worker can have it
            yield number, batch

    # each batch's staged writes, and the outcome of any file a worker reported as written early
    staged: Generator[tuple[int, list[FileOutcome | _PendingWrite]] | FileOutcome, None, None] = parallel_map(
        _stage_in_worker, numbered(), workers, _set_job, (job,), chunksize=1
    )
    steps: list[FileOutcome | _PendingWrite] = []
    finished = False
    try:
        for message in staged:
            if isinstance(message, FileOutcome):  # a file its worker wrote before its batch's end
                yield message
                continue
            number, steps = message
            del handed_out[number]
            yield from _commit_in_order(steps)
        finished = True
    finally:
        if not finished:
            staged.close()  # stops the workers before what they left is removed
            _discard_pending(steps)
            left = [path for batch in handed_out.values() for path in batch]
            remove_stale_temp_files(_temp_folders(left))


_JOB: CleanJob | None = None


def _set_job(job: CleanJob) -> None:
    global _JOB
    _JOB = job


def _stage_in_worker(batch: tuple[int, Sequence[Path]]) -> tuple[int, list[FileOutcome | _PendingWrite]]:
    """A numbered batch cleaned and staged, its temporary files closed for the parent to commit.
    The outcome of a file written before the batch's end goes to the parent at once."""
    from postkit.workers import report

    assert _JOB is not None, "worker started without a job"
    number, paths = batch
    steps = stage_files(paths, _JOB, on_written=report)
    for step in steps:
        if isinstance(step, _PendingWrite):
            step.staged.release()
    return number, steps
