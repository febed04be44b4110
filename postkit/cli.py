"""The postkit command line: parse options, call the core, hand results to a reporter. Nothing else."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from postkit import __version__
from postkit.errors import ConfigError, PostError, PostkitError
from postkit.pipeline import CleanOptions, CleanResult, clean_post, convert_html_document
from postkit.pipeline.sanitize import SANITIZERS
from postkit.post import decode, split_post

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
