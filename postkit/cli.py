"""The postkit command line: parse options, call the core, hand results to a reporter. Nothing else."""

from __future__ import annotations

import contextlib
import functools
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO, TypeVar, cast

import typer

from postkit import __version__
from postkit.errors import ConfigError, PostError, PostkitError
from postkit.pipeline import CleanOptions, CleanResult, clean_post, convert_html_document
from postkit.pipeline.sanitize import SANITIZERS
from postkit.post import decode, read_bytes, split_post

if TYPE_CHECKING:
    from rich.console import Console

    from postkit.checks import Rule
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
ForceExcludeOpt = Annotated[bool | None, typer.Option("--force-exclude/--no-force-exclude",
                                                      help="Apply excludes and .gitignore to files named on the "
                                                           "command line too (as pre-commit passes them).")]


F = TypeVar("F", bound=Callable[..., None])


def _config_errors_are_usage_errors(command: F) -> F:
    """A ConfigError inside a command exits 2 with its message, in the app itself (CliRunner too)."""
    @functools.wraps(command)
    def wrapper(*args: object, **kwargs: object) -> None:
        try:
            command(*args, **kwargs)
        except ConfigError as exc:
            typer.echo(f"postkit: {exc}", err=True)
            raise typer.Exit(2) from None

    return cast(F, wrapper)


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"postkit: {message}", err=True)
    return typer.Exit(code)


@app.command()
@_config_errors_are_usage_errors
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
    return read_bytes(source, folder="is a folder; convert takes one file (use `postkit clean` for folders)")


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
@_config_errors_are_usage_errors
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
    force_exclude: ForceExcludeOpt = None,
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
    from postkit.files import CleanCache, discover_posts, remove_stale_temp_files
    from postkit.report.cleaning import render_summary, write_json

    if check and diff:
        raise typer.BadParameter("--check and --diff do not go together; pick one")
    if output_format not in ("table", "json"):
        raise typer.BadParameter(f"unknown format '{output_format}'; choose table or json")
    mode = Mode.CHECK if check else Mode.DIFF if diff else Mode.WRITE
    config = load_config(paths, config_file, {
        "sanitizer": sanitizer, "rules": [str(r) for r in rules] if rules else None, "encoding": encoding,
        "source-url-key": source_url_key, "include": include, "exclude": exclude, "jobs": jobs,
        "force-exclude": force_exclude,
    })
    err = _console(stderr=True)
    out = _console(stderr=False)
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise typer.BadParameter(f"{path}: does not exist", param_hint="PATHS")
    failures: list[str] = []
    files = list(discover_posts(paths, config, on_error=lambda e: failures.append(str(e))))
    remove_stale_temp_files({f.parent for f in files})
    cache = CleanCache(config.fingerprint(), root=config.project_root) if config.cache and not no_cache else None
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
        for lost in outcome.lost:  # written anyway with --force: say what went
            console.print(f"warning: {outcome.path}:{lost.line}: text lost (--force): {lost.text}", style="yellow",
                          markup=False, highlight=False, soft_wrap=True)
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


@app.command()
@_config_errors_are_usage_errors
def explain(
    source: Annotated[Path, typer.Argument(help="The post to explain.")],
    output_format: Annotated[str, typer.Option("--format", help="table (rich) or json.")] = "table",
    sanitizer: SanitizerOpt = None,
    rules: RulesOpt = None,
    encoding: EncodingOpt = None,
    source_url_key: SourceKeyOpt = None,
    config_file: Annotated[Path | None, typer.Option("--config", help="Use this postkit.toml or pyproject.toml.")]
    = None,
) -> None:
    """Show what cleaning would remove from a post, rule by rule; writes nothing."""
    from postkit.clean import Mode, clean_bytes, job_from_config
    from postkit.config import load_config
    from postkit.report.cleaning import render_explain, write_explain_json

    if output_format not in ("table", "json"):
        raise typer.BadParameter(f"unknown format '{output_format}'; choose table or json")
    config = load_config([source], config_file, {
        "sanitizer": sanitizer, "rules": [str(r) for r in rules] if rules else None, "encoding": encoding,
        "source-url-key": source_url_key,
    })
    job = job_from_config(config, Mode.CHECK, explain=True)
    try:
        result = clean_bytes(_read_bytes(str(source)), str(source), job)
    except PostkitError as exc:
        raise _fail(str(exc)) from None
    if output_format == "json":
        write_explain_json(sys.stdout, result)
    else:
        render_explain(_console(stderr=False), result)


@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Posts and folders to check (folders recursively).")],
    schema: Annotated[str | None, typer.Option("--schema", metavar="NAME|FILE",
                                               help="Front-matter schema: jekyll (default), hugo, none, or a "
                                                    ".json/.yaml JSON Schema file.")] = None,
    output_format: Annotated[str, typer.Option("--format", metavar="FORMAT",
                                               help="auto (github in GitHub Actions, else table), table, json, "
                                                    "github or sarif.")] = "auto",
    select: Annotated[list[str] | None, typer.Option("--select", metavar="CODES",
                                                     help="Only these rules, by code prefix (PK1,PK205); "
                                                          "comma-separated, repeatable.")] = None,
    ignore: Annotated[list[str] | None, typer.Option("--ignore", metavar="CODES",
                                                     help="Skip these rules, by code prefix; comma-separated, "
                                                          "repeatable.")] = None,
    strict: Annotated[bool | None, typer.Option("--strict/--no-strict",
                                                help="Fail (exit 1) on warnings too.")] = None,
    config_file: Annotated[Path | None, typer.Option("--config", help="Use this postkit.toml or pyproject.toml.")]
    = None,
    source_url_key: SourceKeyOpt = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", help="Worker processes (default: all cores; 1 runs "
                                                                  "in this process).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to this file.")] = None,
    rules: RulesOpt = None,
    encoding: EncodingOpt = None,
    include: Annotated[list[str] | None, typer.Option("--include", help="File name glob to check; repeatable.")]
    = None,
    exclude: Annotated[list[str] | None, typer.Option("--exclude", help="Path glob to skip; repeatable.")] = None,
    force_exclude: ForceExcludeOpt = None,
) -> None:
    """Check posts' front matter and content and report problems; never writes a post."""
    import os

    from postkit.config import load_config
    from postkit.report import REPORTER_BY_NAME, resolve_format
    from postkit.validate import rule_infos, validate_paths

    try:
        config = load_config(paths, config_file, {
            "schema": schema, "select": _codes(select), "ignore": _codes(ignore), "strict": strict,
            "source-url-key": source_url_key, "jobs": jobs, "rules": [str(r) for r in rules] if rules else None,
            "encoding": encoding, "include": include, "exclude": exclude, "force-exclude": force_exclude,
        })
        run = validate_paths(paths, config)
    except (ConfigError, PostError) as exc:
        raise _fail(str(exc), 2) from None
    with _report_stream(output) as stream:
        is_terminal = output is None and stream.isatty()
        try:
            name = resolve_format(output_format, os.environ, is_terminal)
        except ConfigError as exc:
            raise _fail(str(exc), 2) from None
        reporter = REPORTER_BY_NAME[name](stream, rules=rule_infos(), color=output is None and _wants_color(stream,
                                                                                                   os.environ))
        reporter.start()
        try:
            for problem in run:
                reporter.problem(problem)
        except ConfigError as exc:  # a schema $ref that cannot be resolved shows only when used
            raise _fail(str(exc), 2) from None
        reporter.finish(run.summary())
    raise typer.Exit(run.exit_code(config.strict))


def _wants_color(stream: TextIO, env: Mapping[str, str]) -> bool:
    """Color on a terminal, unless NO_COLOR is set to anything but the empty string (no-color.org)."""
    return stream.isatty() and not env.get("NO_COLOR")


def _codes(values: list[str] | None) -> list[str] | None:
    """Code prefixes from repeated, comma-separated options; None when the option was not given."""
    if values is None:
        return None
    return [code.strip() for value in values for code in value.split(",") if code.strip()]


@contextlib.contextmanager
def _report_stream(output: Path | None) -> Iterator[TextIO]:
    if output is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    try:
        stream = output.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise _fail(f"{output}: cannot be written: {exc.strerror or exc}", 2) from None
    with stream:
        yield stream


@app.command(name="rules")
def list_rules(
    code: Annotated[str | None, typer.Argument(metavar="[CODE]",
                                               help="A rule code (PK101) to explain, or a prefix (PK2) to list.")]
    = None,
) -> None:
    """List validate's rules, or explain one with a failing and a passing example."""
    from postkit.checks import RULES, get_rule, select_rules

    try:
        if code is None:
            chosen = list(RULES.values())
        elif re.fullmatch(r"PK\d{3}", code.strip().upper()):
            _explain_rule(get_rule(code))
            return
        else:
            chosen = select_rules([code])
    except ConfigError as exc:
        raise _fail(str(exc), 2) from None
    _print_rule_table(chosen)


def _print_rule_table(chosen: list[Rule]) -> None:
    import os

    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from postkit.report.table import PIPE_HEIGHT, PIPE_WIDTH, SEVERITY_STYLE

    terminal = sys.stdout.isatty()
    color = _wants_color(sys.stdout, os.environ)
    console = Console(file=sys.stdout, width=None if terminal else PIPE_WIDTH,
                      height=None if terminal else PIPE_HEIGHT, force_terminal=color, no_color=not color,
                      color_system="standard" if color else None, highlight=False, markup=False, emoji=False)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False)
    table.add_column("Code", style="cyan", no_wrap=True)
    table.add_column("Name", no_wrap=True)
    table.add_column("Severity", no_wrap=True)
    table.add_column("Summary")
    for rule in chosen:
        table.add_row(Text(rule.code), Text(rule.name), Text(rule.severity.value, style=SEVERITY_STYLE[rule.severity]),
                      Text(rule.summary))
    console.print(table)
    console.print()
    console.print(Text("`postkit rules CODE` explains one rule with its examples."))


def _explain_rule(rule: Rule) -> None:
    import textwrap

    lines = [f"{rule.code} {rule.name} ({rule.severity.value}, {rule.family} rule)", "", rule.description, ""]
    for label, example in (("Failing example", rule.failing_example), ("Passing example", rule.passing_example)):
        lines.extend([f"{label}:", "", textwrap.indent(example, "    ", lambda line: True).rstrip("\n"), ""])
    sys.stdout.write("\n".join(lines))
    sys.stdout.flush()


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
