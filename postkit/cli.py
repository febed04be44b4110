"""The postkit command line: parse options, call the core, hand results to a reporter. Nothing else."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO, TypeVar, cast

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

from postkit import __version__
from postkit.errors import ConfigError, PostError, PostkitError
from postkit.pipeline import CleanResult
from postkit.post import read_bytes

if TYPE_CHECKING:
    from rich.console import Console

    from postkit.checks import Rule
    from postkit.clean import FileOutcome, Mode


def _no_type(ctx: object) -> None:
    return None


class _PostkitCommand(TyperCommand):
    """A command whose ``--help`` shows metavars (``PATH``, ``N``, ``GLOB``), never Python types (``<bool>``)."""

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            option.metavar = ""  # a flag takes no value
        return option

    def format_help(self, ctx: Any, formatter: Any) -> None:
        for param in self.params:
            if isinstance(param, TyperArgument) and param.metavar:
                # Typer shows an argument's Python type (<list[Path]>) beside its metavar; the metavar says it all.
                param.__dict__["display_type_rich"] = _no_type
        super().format_help(ctx, formatter)


class _PostkitGroup(TyperGroup):
    """The app's command group: ``NO_COLOR`` turns colour off in ``--help`` and usage errors too."""

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option

    def main(self, *args: Any, **kwargs: Any) -> Any:
        from typer import rich_utils

        saved = rich_utils.COLOR_SYSTEM
        if os.environ.get("NO_COLOR"):
            rich_utils.COLOR_SYSTEM = None
        try:
            return super().main(*args, **kwargs)
        finally:
            rich_utils.COLOR_SYSTEM = saved


app = typer.Typer(
    name="postkit",
    cls=_PostkitGroup,
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
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, metavar="", help="Show the version and exit.")
    ] = False,
) -> None:
    """Clean, validate and convert archived Markdown posts full of scraped HTML."""


SanitizerOpt = Annotated[
    str | None, typer.Option("--sanitizer", metavar="NAME", help="Sanitizer backend: nh3 (default) or bleach.")
]
ConverterOpt = Annotated[
    str | None,
    typer.Option("--converter", metavar="NAME", help="HTML to Markdown converter: postkit (default) or markdownify."),
]
MarkdownOpt = Annotated[
    str | None,
    typer.Option(
        "--markdown",
        metavar="DIALECT",
        help="Renderer to write for: auto (default: kramdown for the jekyll "
        "schema, goldmark for hugo), commonmark, kramdown or goldmark.",
    ),
]
RulesOpt = Annotated[
    list[Path] | None, typer.Option("--rules", metavar="FILE", help="Extra rule pack (adblock syntax); repeatable.")
]
EncodingOpt = Annotated[
    str | None, typer.Option("--encoding", metavar="NAME", help="Read input in this encoding (default: UTF-8).")
]
SourceKeyOpt = Annotated[
    str | None, typer.Option("--source-url-key", metavar="KEY", help="Front-matter key holding the post's source URL.")
]
ForceExcludeOpt = Annotated[
    bool | None,
    typer.Option(
        "--force-exclude/--no-force-exclude",
        metavar="",
        help="Apply excludes and .gitignore to files named on the command line too (as pre-commit passes them).",
    ),
]
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", metavar="FILE", help="Use this postkit.toml or pyproject.toml.")
]
JobsOpt = Annotated[
    str | None,
    typer.Option(
        "--jobs", "-j", metavar="N", help="Worker processes, 1 or more (default: all cores; 1 runs in this process)."
    ),
]
IncludeOpt = Annotated[
    list[str] | None, typer.Option("--include", metavar="GLOB", help="File name glob to take; repeatable.")
]
ExcludeOpt = Annotated[
    list[str] | None, typer.Option("--exclude", metavar="GLOB", help="Path glob to skip; repeatable.")
]


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


def _jobs(value: str | None) -> int | None:
    """``--jobs N`` as a number of worker processes; a usage error (exit 2) for anything else."""
    if value is None:
        return None
    text = value.strip()
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(
            f"--jobs takes a whole number of worker processes, 1 or more, not {value!r} (leave it out to use all cores)"
        )
    return int(text)


def _require_file(source: str, command: str) -> Path:
    """The path of the one file a command takes; a usage error (exit 2) naming it if it is missing or a folder."""
    path = Path(source)
    if not path.exists() and not path.is_symlink():
        raise _fail(f"{source}: does not exist", 2)
    if path.is_dir():
        alternative = {
            "convert": "`postkit clean` converts the posts of a folder in place",
            "explain": "`postkit clean --diff` shows what cleaning changes in every post of a folder",
        }
        raise _fail(f"{source}: is a folder; {command} takes one file ({alternative[command]})", 2)
    return path


def _cleaning_settings(
    sanitizer: str | None,
    converter: str | None,
    markdown: str | None,
    rules: list[Path] | None,
    encoding: str | None,
    source_url_key: str | None,
) -> dict[str, object]:
    """The command-line options every cleaning command shares, as config keys (None: not given)."""
    return {
        "sanitizer": sanitizer,
        "converter": converter,
        "markdown": markdown,
        "rules": _rule_paths(rules),
        "encoding": encoding,
        "source-url-key": source_url_key,
    }


def _rule_paths(rules: list[Path] | None) -> list[str] | None:
    return [str(r) for r in rules] if rules else None


@app.command(cls=_PostkitCommand)
@_config_errors_are_usage_errors
def convert(
    source: Annotated[
        str, typer.Argument(help="A post (.md) or page (.html) to convert, or - for stdin.", metavar="FILE|-")
    ],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", metavar="FILE", help="Write here instead of stdout.")
    ] = None,
    body_only: Annotated[
        bool, typer.Option("--body-only", metavar="", help="Write the body without front matter.")
    ] = False,
    sanitizer: SanitizerOpt = None,
    converter: ConverterOpt = None,
    markdown: MarkdownOpt = None,
    rules: RulesOpt = None,
    encoding: EncodingOpt = None,
    source_url_key: SourceKeyOpt = None,
    config_file: ConfigOpt = None,
) -> None:
    """Convert one post or saved page to clean Markdown on stdout (or -o FILE); exit 1 if text would be lost."""
    from postkit.clean import STDIN_NAME, Mode, clean_bytes, job_from_config
    from postkit.config import load_config

    from_stdin = source == "-"
    path = None if from_stdin else _require_file(source, "convert")
    config = load_config(
        [] if path is None else [path],
        config_file,
        {
            **_cleaning_settings(sanitizer, converter, markdown, rules, encoding, source_url_key),
        },
    )
    job = job_from_config(config, Mode.CHECK)
    name = STDIN_NAME if from_stdin else source
    try:
        data = sys.stdin.buffer.read() if from_stdin else _read_bytes(source)
        result = clean_bytes(data, name, job)
    except PostkitError as exc:
        raise _fail(str(exc)) from None
    out = _converted_text(result, body_only)
    if output is None:
        sys.stdout.write(out)
        sys.stdout.flush()
    else:
        try:
            output.write_bytes(out.encode(result.post.encoding if result.post else "utf-8"))
        except OSError as exc:
            raise _fail(f"{output}: cannot be written: {exc.strerror or exc}") from None
    for lost in result.lost:
        typer.echo(f"postkit: {name}:{lost.line}: error: text lost in conversion: {lost.text}", err=True)
    if result.lost:
        raise typer.Exit(1)


def _read_bytes(source: str) -> bytes:
    return read_bytes(source, folder="is a folder; convert takes one file (use `postkit clean` for folders)")


def _converted_text(result: CleanResult, body_only: bool) -> str:
    if body_only and result.post is not None:
        return result.post.body.lstrip("\r\n")
    return result.text


OutputFormat = Annotated[
    str, typer.Option("--format", metavar="FORMAT", help="Report as: table (rich, on stderr) or json (stdout).")
]


@app.command(cls=_PostkitCommand)
@_config_errors_are_usage_errors
def clean(
    paths: Annotated[
        list[Path], typer.Argument(metavar="PATH", help="Posts and folders to clean (folders recursively).")
    ],
    check: Annotated[
        bool, typer.Option("--check", metavar="", help="Write nothing; exit 1 if any file would change.")
    ] = False,
    diff: Annotated[
        bool,
        typer.Option(
            "--diff",
            metavar="",
            help="Write nothing; print a unified diff of each change (with --check: exit 1 if any file would change).",
        ),
    ] = False,
    jobs: JobsOpt = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", metavar="", help="Print only files that failed or were skipped, and why.")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", metavar="", help="Name every file and what it became.")
    ] = False,
    output_format: OutputFormat = "table",
    no_cache: Annotated[
        bool, typer.Option("--no-cache", metavar="", help="Neither read nor write the cache of clean files.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", metavar="", help="Write files even when verify finds text would be lost.")
    ] = False,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
    force_exclude: ForceExcludeOpt = None,
    config_file: ConfigOpt = None,
    sanitizer: SanitizerOpt = None,
    converter: ConverterOpt = None,
    markdown: MarkdownOpt = None,
    rules: RulesOpt = None,
    encoding: EncodingOpt = None,
    source_url_key: SourceKeyOpt = None,
) -> None:
    """Clean posts in place: strip cruft, turn embedded HTML into Markdown, keep every word."""
    from postkit.clean import Mode, Status, clean_paths
    from postkit.config import load_config
    from postkit.report.cleaning import render_summary, write_json

    if output_format not in ("table", "json"):
        raise _fail(f"unknown format {output_format!r}; choose table or json", 2)
    mode = Mode.DIFF if diff else Mode.CHECK if check else Mode.WRITE
    config = load_config(
        paths,
        config_file,
        {
            **_cleaning_settings(sanitizer, converter, markdown, rules, encoding, source_url_key),
            "include": include,
            "exclude": exclude,
            "jobs": _jobs(jobs),
            "force-exclude": force_exclude,
        },
    )
    err = _console(stderr=True)
    out = _console(stderr=False)
    try:
        run = clean_paths(paths, config, mode, check=check, force=force, use_cache=not no_cache)
    except PostError as exc:
        raise _fail(str(exc), 2) from None
    _print_warnings(err, run.warnings)
    shown = len(run.warnings)
    line = _Lines(err)
    with _progress(err, len(run.files), "cleaning", enabled=not quiet and output_format == "table") as advance:
        try:
            for outcome in run:
                if outcome.diff:
                    _print_diff(out, outcome.diff)
                if output_format == "table" and not quiet:
                    _echo_outcome(line, outcome, mode, verbose)
                elif quiet and outcome.status in (Status.FAILED, Status.LOST_TEXT):
                    _echo_outcome(line, outcome, mode, verbose=False)
                advance()
        except PostkitError as exc:  # a worker process died: the run cannot go on
            raise _fail(f"error: {exc}; the run stopped, and every file is either cleaned or as it was") from None
    _print_warnings(err, run.warnings[shown:])
    if output_format == "json":
        write_json(sys.stdout, run.summary, mode)
    elif not quiet:
        render_summary(err, run.summary, mode)
    raise typer.Exit(run.exit_code())


def _print_warnings(console: Console, warnings: list[str]) -> None:
    for warning in warnings:
        console.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)


def _console(*, stderr: bool) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


class _Lines:
    """One line per file on a console: through rich on a terminal (styled, beside the progress
    bar), written straight to the stream elsewhere, control characters taken out as rich does.
    A 10,000-file run printed through rich cost the parent a quarter of a core."""

    def __init__(self, console: Console) -> None:
        from rich.control import strip_control_codes

        self.console = console
        self.terminal = console.is_terminal  # asked once: rich asks isatty on every print
        self.plain = strip_control_codes

    def __call__(self, text: str, style: str | None = None) -> None:
        if self.terminal:
            self.console.print(text, style=style, markup=False, highlight=False, soft_wrap=True)
        else:
            self.console.file.write(self.plain(text).expandtabs(8) + "\n")


def _echo_outcome(line: _Lines, outcome: FileOutcome, mode: Mode, verbose: bool) -> None:
    from postkit.clean import Mode, Status

    if outcome.status is Status.CHANGED:
        verb = "cleaned" if mode is Mode.WRITE else "would clean"
        line(f"{verb} {outcome.path}")
        for lost in outcome.lost:  # written anyway with --force: say what went
            line(f"warning: {outcome.path}:{lost.line}: text lost (--force): {lost.text}", style="yellow")
    elif outcome.status is Status.FAILED:
        place = f"{outcome.path}:{outcome.line}" if outcome.line else outcome.path
        line(f"error: {place}: {outcome.message}", style="red")
    elif outcome.status is Status.LOST_TEXT:
        line(f"skipped {outcome.path}:{outcome.line}: {outcome.message} (use --force to write it)", style="yellow")
    elif verbose:
        line(f"{outcome.status.value} {outcome.path}")


def _print_diff(console: Console, diff: str) -> None:
    from rich.text import Text

    if not console.is_terminal or console.no_color:
        sys.stdout.write(diff)
        sys.stdout.flush()
        return
    for line in diff.splitlines():
        style = (
            "bold"
            if line.startswith(("+++", "---"))
            else "green"
            if line.startswith("+")
            else "red"
            if line.startswith("-")
            else "cyan"
            if line.startswith("@@")
            else ""
        )
        console.print(Text(line, style=style), soft_wrap=True)


@contextlib.contextmanager
def _progress(console: Console, total: int, label: str, *, enabled: bool) -> Iterator[Callable[[], None]]:
    """A progress bar on stderr while more than a handful of files are worked on, on a terminal only."""
    if not enabled or total <= 8 or not console.is_terminal:
        yield lambda: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console, transient=True
    ) as progress:
        task = progress.add_task(label, total=total)
        yield lambda: progress.advance(task)


@app.command(cls=_PostkitCommand)
@_config_errors_are_usage_errors
def explain(
    source: Annotated[str, typer.Argument(metavar="FILE", help="The post to explain.")],
    output_format: Annotated[str, typer.Option("--format", metavar="FORMAT", help="table (rich) or json.")] = "table",
    sanitizer: SanitizerOpt = None,
    converter: ConverterOpt = None,
    markdown: MarkdownOpt = None,
    rules: RulesOpt = None,
    encoding: EncodingOpt = None,
    source_url_key: SourceKeyOpt = None,
    config_file: ConfigOpt = None,
) -> None:
    """Show what cleaning would remove from a post, rule by rule; writes nothing."""
    from postkit.clean import Mode, clean_bytes, job_from_config
    from postkit.config import load_config
    from postkit.report.cleaning import render_explain, write_explain_json

    if output_format not in ("table", "json"):
        raise _fail(f"unknown format {output_format!r}; choose table or json", 2)
    path = _require_file(source, "explain")
    config = load_config(
        [path],
        config_file,
        {
            **_cleaning_settings(sanitizer, converter, markdown, rules, encoding, source_url_key),
        },
    )
    job = job_from_config(config, Mode.CHECK, explain=True)
    try:
        result = clean_bytes(_read_bytes(source), source, job)
    except PostkitError as exc:
        raise _fail(str(exc)) from None
    if output_format == "json":
        write_explain_json(sys.stdout, result)
    else:
        render_explain(_console(stderr=False), result)


@app.command(cls=_PostkitCommand)
def validate(
    paths: Annotated[
        list[Path], typer.Argument(metavar="PATH", help="Posts and folders to check (folders recursively).")
    ],
    schema: Annotated[
        str | None,
        typer.Option(
            "--schema",
            metavar="NAME|FILE",
            help="Front-matter schema: jekyll (default), hugo, none, or a .json/.yaml JSON Schema file.",
        ),
    ] = None,
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help="auto (github in GitHub Actions, table on a terminal, else "
            "concise), table, concise, json, github or sarif.",
        ),
    ] = "auto",
    select: Annotated[
        list[str] | None,
        typer.Option(
            "--select",
            metavar="CODES",
            help="Only these rules, by code prefix (PK1,PK205); comma-separated, repeatable.",
        ),
    ] = None,
    ignore: Annotated[
        list[str] | None,
        typer.Option(
            "--ignore", metavar="CODES", help="Skip these rules, by code prefix; comma-separated, repeatable."
        ),
    ] = None,
    strict: Annotated[
        bool | None, typer.Option("--strict/--no-strict", metavar="", help="Fail (exit 1) on warnings too.")
    ] = None,
    config_file: ConfigOpt = None,
    source_url_key: SourceKeyOpt = None,
    jobs: JobsOpt = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write the report to this file.")
    ] = None,
    rules: RulesOpt = None,
    encoding: EncodingOpt = None,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
    force_exclude: ForceExcludeOpt = None,
) -> None:
    """Check posts' front matter and content and report problems; never writes a post."""
    from postkit.config import load_config
    from postkit.report import REPORTER_BY_NAME, resolve_format
    from postkit.validate import rule_infos, validate_paths

    try:
        config = load_config(
            paths,
            config_file,
            {
                "schema": schema,
                "select": _codes(select),
                "ignore": _codes(ignore),
                "strict": strict,
                "source-url-key": source_url_key,
                "jobs": _jobs(jobs),
                "rules": _rule_paths(rules),
                "encoding": encoding,
                "include": include,
                "exclude": exclude,
                "force-exclude": force_exclude,
            },
        )
        run = validate_paths(paths, config)
    except (ConfigError, PostError) as exc:
        raise _fail(str(exc), 2) from None
    with _report_stream(output) as stream:
        is_terminal = output is None and stream.isatty()
        try:
            name = resolve_format(output_format, os.environ, is_terminal)
        except ConfigError as exc:
            raise _fail(str(exc), 2) from None
        reporter = REPORTER_BY_NAME[name](
            stream, rules=rule_infos(), color=output is None and _wants_color(stream, os.environ)
        )
        # The bar shares the terminal with the report only when the report waits for the end.
        writes_as_it_goes = name in ("concise", "github") and is_terminal
        reporter.start()
        with _progress(_console(stderr=True), len(run.files), "checking", enabled=not writes_as_it_goes) as advance:
            run.on_file = advance
            try:
                for problem in run:
                    reporter.problem(problem)
            except ConfigError as exc:  # a schema $ref that cannot be resolved shows only when used
                raise _fail(str(exc), 2) from None
            except PostkitError as exc:  # a worker process died: the run cannot go on
                raise _fail(f"error: {exc}; the run stopped before every file was checked") from None
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


@app.command(name="rules", cls=_PostkitCommand)
def list_rules(
    code: Annotated[
        str | None, typer.Argument(metavar="[CODE]", help="A rule code (PK101) to explain, or a prefix (PK2) to list.")
    ] = None,
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
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from postkit.report.console import report_console
    from postkit.report.table import SEVERITY_STYLE

    console = report_console(sys.stdout, color=_wants_color(sys.stdout, os.environ))
    table = Table(box=box.SIMPLE_HEAD, show_edge=False)
    table.add_column("Code", style="cyan", no_wrap=True)
    table.add_column("Name", no_wrap=True)
    table.add_column("Severity", no_wrap=True)
    table.add_column("Summary")
    for rule in chosen:
        table.add_row(
            Text(rule.code),
            Text(rule.name),
            Text(rule.severity.value, style=SEVERITY_STYLE[rule.severity]),
            Text(rule.summary),
        )
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
