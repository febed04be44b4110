"""The core of ``postkit validate``: check files in worker processes, filter and count the problems.

Nothing here prints or exits. ``validate_paths`` streams problems file by file, in the order
the files were found, then the archive rules' problems; the run it returns counts them and
gives the exit code. ``validate_text`` is the same check on one post given as text.
"""

from __future__ import annotations

import fnmatch
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from postkit.checks import (
    RULES,
    CheckContext,
    PostSummary,
    Rule,
    check_archive,
    check_post,
    load_schema,
    read_post_for_check,
    select_rules,
    split_for_check,
    summarize,
)
from postkit.checks import pk100_file_unreadable as file_unreadable
from postkit.config import DEFAULT_CONFIG, Config
from postkit.errors import ConfigError, PostError
from postkit.files import discover_posts
from postkit.problems import Problem, Severity
from postkit.report import RuleInfo, Summary
from postkit.site_urls import SiteUrls, site_urls_from_config
from postkit.workers import parallel_map

# A worker process pays for its start and for loading the schema and rule packs; below this
# many files per worker, checking them in fewer processes is faster.
FILES_PER_WORKER = 16


@dataclass(frozen=True)
class FileIgnores:
    """``per-file-ignores``: code prefixes to drop for files whose path matches a glob.

    A glob matches the path relative to ``root`` (the project root: the config file's folder,
    else the current folder) or the file name, whatever path was given on the command line;
    a file outside the root is matched by the path as given. ``*`` also matches ``/``, so
    ``posts/*`` covers every folder below.
    """

    patterns: tuple[tuple[str, tuple[str, ...]], ...] = ()
    root: str | None = None

    def prefixes_for(self, path: str) -> tuple[str, ...]:
        if not self.patterns:
            return ()
        candidates = _path_forms(path, self.root)
        return tuple(
            prefix.strip().upper()
            for pattern, prefixes in self.patterns
            if any(fnmatch.fnmatch(candidate, pattern) for candidate in candidates)
            for prefix in prefixes
        )

    def keep(self, problems: Iterable[Problem]) -> list[Problem]:
        kept = []
        for problem in problems:
            prefixes = self.prefixes_for(problem.path)
            if not any(problem.code.startswith(prefix) for prefix in prefixes):
                kept.append(problem)
        return kept


def _path_forms(path: str, root: str | None) -> tuple[str, ...]:
    pure = PurePath(path)
    if root is not None:
        relative = os.path.relpath(os.path.abspath(path), root)
        if not relative.startswith(".."):
            return PurePath(relative).as_posix(), pure.name
    return pure.as_posix(), pure.name


@dataclass(frozen=True)
class ValidateJob:
    """What a worker needs to check files; small and picklable (no schema or rule objects)."""

    codes: tuple[str, ...]
    schema: str
    source_url_key: str
    rule_files: tuple[str, ...] = ()
    encoding: str | None = None
    max_file_size: int | None = None
    ignores: FileIgnores = FileIgnores()
    site: SiteUrls = field(default_factory=SiteUrls)

    @classmethod
    def from_config(cls, config: Config) -> ValidateJob:
        """The job a configuration describes; ConfigError for unknown codes in select, ignore or
        per-file-ignores, and for a schema or rule pack that cannot be used."""
        rules = select_rules(config.select, config.ignore)
        for pattern, prefixes in config.per_file_ignores:
            unknown = [
                prefix
                for prefix in prefixes
                if not prefix.strip() or not any(code.startswith(prefix.strip().upper()) for code in RULES)
            ]
            if unknown:
                raise ConfigError(
                    f"per-file-ignores for {pattern!r}: no rule matches "
                    f"{', '.join(repr(prefix) for prefix in unknown)}; known rules: {', '.join(RULES)}"
                )
        job = cls(
            codes=tuple(rule.code for rule in rules),
            schema=str(config.schema),
            source_url_key=config.source_url_key,
            rule_files=tuple(str(path) for path in config.rules),
            encoding=config.encoding,
            max_file_size=config.max_file_size,
            ignores=FileIgnores(config.per_file_ignores, str(config.project_root)),
            site=site_urls_from_config(config),
        )
        job.context()  # a schema or rule pack that cannot be used fails here, before any file is read
        return job

    @property
    def rules(self) -> list[Rule]:
        return [RULES[code] for code in self.codes]

    def context(self) -> CheckContext:
        context = CheckContext(
            schema=load_schema(self.schema),
            source_url_key=self.source_url_key,
            rule_files=self.rule_files,
            options={"site": self.site},
        )
        if any(code.startswith("PK2") for code in self.codes):
            _ = context.rules  # loads the rule packs
        return context


@dataclass(frozen=True)
class FileResult:
    """What checking one file gives back to the run: its problems and, for the archive rules, a summary."""

    path: str
    problems: tuple[Problem, ...]
    summary: PostSummary | None


def check_file(path: str, job: ValidateJob, context: CheckContext, rules: Sequence[Rule]) -> FileResult:
    """Read and check one file; a file that cannot be read is a PK100 problem, never an exception."""
    try:
        post = read_post_for_check(path, encoding=job.encoding, max_size=job.max_file_size)
    except (PostError, OSError) as exc:
        problems = [unreadable_problem(exc, path)] if "PK100" in job.codes else []
        return FileResult(path, tuple(job.ignores.keep(problems)), None)
    problems = job.ignores.keep(check_post(post, rules, context))
    return FileResult(path, tuple(problems), summarize(post, context))


def unreadable_problem(error: PostError | OSError, path: str) -> Problem:
    finding = file_unreadable.finding(error)
    return Problem(
        finding.path or path,
        finding.line,
        finding.column,
        file_unreadable.CODE,
        file_unreadable.SEVERITY,
        finding.message,
        finding.hint,
    )


def validate_text(text: str, path: str = "<text>", config: Config = DEFAULT_CONFIG) -> list[Problem]:
    """Check one post given as text, as ``postkit validate`` checks a file, archive rules included."""
    job = ValidateJob.from_config(config)
    context = job.context()
    rules = job.rules
    post = split_for_check(text, path=path)
    problems = check_post(post, rules, context) + check_archive([summarize(post, context)], rules)
    return sorted(job.ignores.keep(problems))


def _nothing() -> None:
    return None


@dataclass
class ValidationRun:
    """One run over files: iterate it (once) for problems as files finish, then read its totals."""

    files: list[str]
    job: ValidateJob
    jobs: int = 0
    discovery_problems: list[Problem] = field(default_factory=list)
    # Called once per file checked, e.g. to advance a progress bar; the core never draws one itself.
    on_file: Callable[[], None] = _nothing
    errors: int = 0
    warnings: int = 0

    @property
    def files_checked(self) -> int:
        return len(self.files)

    def __iter__(self) -> Iterator[Problem]:
        summaries: list[PostSummary] = []
        for problem in self.job.ignores.keep(self.discovery_problems):
            yield self._count(problem)
        for result in self._results():
            for problem in result.problems:
                yield self._count(problem)
            if result.summary is not None:
                summaries.append(result.summary)
            self.on_file()
        archive_rules = [rule for rule in self.job.rules if rule.scope == "archive"]
        if archive_rules:
            for problem in self.job.ignores.keep(check_archive(summaries, archive_rules)):
                yield self._count(problem)

    def _results(self) -> Iterator[FileResult]:
        """Results in the order the files were found, whatever order the workers finish in."""
        workers = self.jobs if self.jobs > 0 else (os.cpu_count() or 1)
        workers = max(1, min(workers, math.ceil(len(self.files) / FILES_PER_WORKER)))
        waiting: dict[int, FileResult] = {}
        next_index = 0
        for index, result in parallel_map(
            _check_in_worker, enumerate(self.files), workers, initializer=_start_worker, initargs=(self.job,)
        ):
            waiting[index] = result
            while next_index in waiting:
                yield waiting.pop(next_index)
                next_index += 1

    def _count(self, problem: Problem) -> Problem:
        if problem.severity is Severity.ERROR:
            self.errors += 1
        else:
            self.warnings += 1
        return problem

    def summary(self) -> Summary:
        return Summary(files_checked=self.files_checked, errors=self.errors, warnings=self.warnings)

    def exit_code(self, strict: bool) -> int:
        """0 without errors; 1 with errors, or with warnings when ``strict``."""
        return 1 if self.errors or (strict and self.warnings) else 0


def validate_paths(paths: Sequence[Path], config: Config) -> ValidationRun:
    """A run over the posts under ``paths`` as ``config`` says; iterate it for the problems.

    Raises ConfigError for a configuration that cannot be used and PostError for a path that
    does not exist, both before any file is checked. A folder that cannot be listed is a PK100
    problem of the run.
    """
    job = ValidateJob.from_config(config)
    discovery_problems: list[Problem] = []

    def unlistable(error: PostError) -> None:
        if "PK100" in job.codes:
            discovery_problems.append(unreadable_problem(error, error.path))

    files = [str(path) for path in discover_posts(paths, config, on_error=unlistable)]
    return ValidationRun(files=files, job=job, jobs=config.jobs, discovery_problems=discovery_problems)


def rule_infos() -> dict[str, RuleInfo]:
    """What the reporters may say about each rule, from the registry."""
    return {code: RuleInfo(code, rule.name, rule.summary, rule.severity) for code, rule in RULES.items()}


# --- worker side ------------------------------------------------------------------------------

_WORKER: tuple[ValidateJob, CheckContext, list[Rule]] | None = None


def _start_worker(job: ValidateJob) -> None:
    global _WORKER
    _WORKER = (job, job.context(), job.rules)


def _check_in_worker(item: tuple[int, str]) -> tuple[int, FileResult]:
    assert _WORKER is not None, "worker started without a job"
    job, context, rules = _WORKER
    index, path = item
    return index, check_file(path, job, context, rules)
