"""The postkit command line: parse options, call the core, hand results to a reporter. Nothing else."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from postkit import __version__
from postkit.errors import ConfigError, PostError, PostkitError
from postkit.pipeline import CleanOptions, CleanResult, clean_post, convert_html_document
from postkit.pipeline.sanitize import SANITIZERS
from postkit.post import decode, split_post

if TYPE_CHECKING:
    from rich.console import Console

    from postkit.clean import FileOutcome, Mode
    from postkit.files import CleanCache

app = typer.Typer(
    name="postkit",
    help="Clean, validate and convert archived Markdown posts full of scraped HTML.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"postkit {__version__}")
        raise typer.Exit(0)


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Clean, validate and convert archived Markdown posts full of scraped HTML."""


SanitizerOpt = Annotated[str | None, typer.Option("--sanitizer", help="Sanitizer backend: nh3 (default) or bleach.")]
RulesOpt = Annotated[list[Path] | None, typer.Option("--rules", help="Extra rule pack (adblock syntax); repeatable.")]
EncodingOpt = Annotated[str | None, typer.Option("--encoding", help="Read input in this encoding (default: UTF-8).")]
SourceKeyOpt = Annotated[str | None, typer.Option("--source-url-key",
                                                  help="Front-matter key holding the post's source URL.")]


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"postkit: {message}", err=True)
    return typer.Exit(code)


@app.command()
def convert(
    source: Annotated[str, typer.Argument(help="A post (.md) or page (.html) to convert, or - for stdin.",
                                          metavar="FILE|-")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here instead of stdout.")] = None,
    body_only: Annotated[bool, typer.Option("--body-only", help="Write the body without front matter.")] = False,
    sanitizer: SanitizerOpt = None,
    rules: RulesOpt = None,
    encoding: EncodingOpt = None,
    source_url_key: SourceKeyOpt = None,
) -> None:
    """Convert one post to clean Markdown on stdout (or -o FILE)."""
    options = _clean_options(Path(source).parent if source != "-" else Path.cwd(), sanitizer=sanitizer,
                             rules=rules, source_url_key=source_url_key)
    name = "<stdin>" if source == "-" else source
    try:
        data = sys.stdin.buffer.read() if source == "-" else _read_bytes(source)
        bom, text, used = decode(data, name, encoding)
        if source.lower().endswith((".html", ".htm")):
            result = convert_html_document(text, options, path=name)
        else:
            result = clean_post(split_post(bom + text, path=name, encoding=used), options)
    except PostkitError as exc:
        raise _fail(str(exc)) from None
    for lost in result.lost:
        typer.echo(f"postkit: {name}:{lost.line}: warning: text lost in conversion: {lost.text}", err=True)
    out = _converted_text(result, body_only)
    if output is None:
        sys.stdout.write(out)
        sys.stdout.flush()
        return
    try:
        output.write_bytes(out.encode(result.post.encoding if result.post else "utf-8"))
    except OSError as exc:
        raise _fail(f"{output}: cannot be written: {exc.strerror or exc}") from None


def _read_bytes(source: str) -> bytes:
    try:
        with open(source, "rb") as handle:
            return handle.read()
    except IsADirectoryError:
        raise PostError(source, "is a folder; convert takes one file (use `postkit clean` for folders)") from None
    except FileNotFoundError:
        raise PostError(source, "does not exist") from None
    except OSError as exc:
        raise PostError(source, f"cannot be read: {exc.strerror or exc}") from None


def _converted_text(result: CleanResult, body_only: bool) -> str:
    if body_only and result.post is not None:
        return result.post.body.lstrip("\r\n")
    return result.text


def _clean_options(where: Path, *, sanitizer: str | None, rules: list[Path] | None,
                   source_url_key: str | None) -> CleanOptions:
    base = CleanOptions()
    if sanitizer is not None and sanitizer not in SANITIZERS:
        raise ConfigError(f"unknown sanitizer '{sanitizer}'; choose one of: {', '.join(SANITIZERS)}")
    return CleanOptions(
        source_url_key=source_url_key or base.source_url_key,
        sanitizer=sanitizer or base.sanitizer,
        rule_files=tuple(str(r) for r in rules or ()),
    )


OutputFormat = Annotated[str, typer.Option("--format", help="Report as: table (rich, on stderr) or json (stdout).")]


@app.command()
def clean(
    paths: Annotated[list[Path], typer.Argument(help="Posts and folders to clean (folders recursively).")],
    check: Annotated[bool, typer.Option("--check", help="Write nothing; exit 1 if any file would change.")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Write nothing; print a unified diff of each change.")] = False,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", help="Worker processes (default: all cores; 1 runs "
                                                                  "in this process).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Name every file and what it became.")] = False,
    output_format: OutputFormat = "table",
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the cache of clean files.")]
    = False,
    force: Annotated[bool, typer.Option("--force", help="Write files even when verify finds text would be lost.")]
    = False,
    include: Annotated[list[str] | None, typer.Option("--include", help="File name glob to clean; repeatable.")]
    = None,
    exclude: Annotated[list[str] | None, typer.Option("--exclude", help="Path glob to skip; repeatable.")] = None,
    config_file: Annotated[Path | None, typer.Option("--config", help="Use this postkit.toml or pyproject.toml.")]
    = None,
    sanitizer: SanitizerOpt = None,
    rules: RulesOpt = None,
    encoding: EncodingOpt = None,
    source_url_key: SourceKeyOpt = None,
) -> None:
    """Clean posts in place: strip cruft, turn embedded HTML into Markdown, keep every word."""
    from postkit.clean import Mode, RunSummary, Status, job_from_config, run_clean
    from postkit.config import load_config
    from postkit.files import CleanCache, discover, remove_stale_temp_files
    from postkit.report.cleaning import render_summary, write_json

    if check and diff:
        raise typer.BadParameter("--check and --diff do not go together; pick one")
    if output_format not in ("table", "json"):
        raise typer.BadParameter(f"unknown format '{output_format}'; choose table or json")
    mode = Mode.CHECK if check else Mode.DIFF if diff else Mode.WRITE
    config = load_config(paths, config_file, {
        "sanitizer": sanitizer, "rules": [str(r) for r in rules] if rules else None, "encoding": encoding,
        "source-url-key": source_url_key, "include": include, "exclude": exclude, "jobs": jobs,
    })
    err = _console(stderr=True)
    out = _console(stderr=False)
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise typer.BadParameter(f"{path}: does not exist", param_hint="PATHS")
    failures: list[str] = []
    files = list(discover(paths, config.include, config.exclude, on_error=lambda e: failures.append(str(e))))
    remove_stale_temp_files({f.parent for f in files})
    cache = CleanCache(config.fingerprint()) if config.cache and not no_cache else None
    known = _load_cache(cache, err)
    job = job_from_config(config, mode, force=force, known_clean=known, roots=paths)
    summary = RunSummary()
    new_clean: list[str] = []
    with _progress(err, len(files), enabled=not quiet and output_format == "table") as advance:
        for outcome in run_clean(files, job, config.jobs):
            summary.add(outcome)
            new_clean.extend(outcome.clean_hashes)
            if outcome.diff:
                _print_diff(out, outcome.diff)
            if output_format == "table" and not quiet:
                _echo_outcome(err, outcome, mode, verbose)
            elif outcome.status is Status.FAILED and quiet:
                err.print(f"error: {outcome.path}: {outcome.message}", markup=False, highlight=False)
            advance()
    for message in failures:
        summary.problems.append(_discovery_failure(message))
        summary.statuses[Status.FAILED.value] += 1
    if cache is not None and new_clean:
        _save_cache(cache, new_clean, err)
    if output_format == "json":
        write_json(sys.stdout, summary, mode)
    elif not quiet:
        render_summary(err, summary, mode)
    raise typer.Exit(summary.exit_code(mode))


def _console(*, stderr: bool) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def _echo_outcome(console: Console, outcome: FileOutcome, mode: Mode, verbose: bool) -> None:
    from postkit.clean import Mode, Status

    if outcome.status is Status.CHANGED:
        verb = "cleaned" if mode is Mode.WRITE else "would clean"
        console.print(f"{verb} {outcome.path}", markup=False, highlight=False, soft_wrap=True)
    elif outcome.status is Status.FAILED:
        console.print(f"error: {outcome.path}: {outcome.message}", style="red", markup=False, highlight=False,
                      soft_wrap=True)
    elif outcome.status is Status.LOST_TEXT:
        console.print(f"skipped {outcome.path}:{outcome.line}: {outcome.message} (use --force to write it)",
                      style="yellow", markup=False, highlight=False, soft_wrap=True)
    elif verbose:
        console.print(f"{outcome.status.value} {outcome.path}", markup=False, highlight=False, soft_wrap=True)


def _print_diff(console: Console, diff: str) -> None:
    from rich.text import Text

    if not console.is_terminal or console.no_color:
        sys.stdout.write(diff)
        sys.stdout.flush()
        return
    for line in diff.splitlines():
        style = ("bold" if line.startswith(("+++", "---")) else "green" if line.startswith("+")
                 else "red" if line.startswith("-") else "cyan" if line.startswith("@@") else "")
        console.print(Text(line, style=style), soft_wrap=True)


@contextlib.contextmanager
def _progress(console: Console, total: int, *, enabled: bool) -> Iterator[Callable[[], None]]:
    """A progress bar on stderr while more than a handful of files are cleaned on a terminal."""
    if not enabled or total <= 8 or not console.is_terminal:
        yield lambda: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("cleaning"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("clean", total=total)
        yield lambda: progress.advance(task)


def _load_cache(cache: CleanCache | None, console: Console) -> frozenset[str]:
    if cache is None:
        return frozenset()
    try:
        return cache.load()
    except PostkitError as exc:
        console.print(f"warning: cache not read: {exc}", markup=False)
        return frozenset()


def _save_cache(cache: CleanCache, hashes: list[str], console: Console) -> None:
    try:
        cache.add(hashes)
    except PostkitError as exc:
        console.print(f"warning: cache not written: {exc}", markup=False)


def _discovery_failure(message: str) -> FileOutcome:
    from postkit.clean import FileOutcome, Status

    path, _, reason = message.partition(": ")
    return FileOutcome(path, Status.FAILED, reason or message)


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code: 0 fine, 1 problems or failures, 2 usage or config errors."""
    try:
        app(args=argv, prog_name="postkit")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except ConfigError as exc:
        typer.echo(f"postkit: {exc}", err=True)
        return 2
    return 0
