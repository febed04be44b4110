"""SourcePost: a post's exact bytes split into front matter and body, read and written losslessly."""

from __future__ import annotations

import codecs
import io
import os
import re
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from postkit.errors import PostError

BOM = "\ufeff"
# Encodings worth naming when a file is not UTF-8; old Chinese archives use the first two.
_GUESSES = ("gb18030", "big5", "shift_jis", "euc-kr", "cp1252")
_FENCES = {"---": "yaml", "+++": "toml"}
_CLOSE_LINE = {"yaml": re.compile(r"(?:---|\.\.\.)[ \t]*\r?$"), "toml": re.compile(r"\+\+\+[ \t]*\r?$")}


@dataclass(frozen=True)
class SourcePost:
    """A post as it is on disk.

    ``front_matter`` is the exact text from the opening fence to the end of the closing fence
    line (newline included), ``body`` everything after it; ``bom + front_matter + body`` is the
    decoded file, so writing an unchanged post gives back the same bytes.
    """

    path: str
    front_matter: str
    body: str
    format: str | None = None
    bom: str = ""
    encoding: str = "utf-8"

    @property
    def text(self) -> str:
        return self.bom + self.front_matter + self.body

    @property
    def body_start_line(self) -> int:
        """1-based line of the file on which the body starts."""
        return self.front_matter.count("\n") + 1

    @property
    def front_matter_inner(self) -> str:
        """The front matter between its fences, without them."""
        if not self.front_matter:
            return ""
        first_end = self.front_matter.find("\n") + 1
        closing = self.front_matter.rstrip("\n").rfind("\n") + 1
        return self.front_matter[first_end:closing] if closing > first_end else ""

    @cached_property
    def metadata(self) -> dict[str, Any]:
        """The front matter parsed with a safe loader; an empty mapping without front matter."""
        return parse_front_matter(self)

    def with_body(self, body: str) -> SourcePost:
        return replace(self, body=body)

    def to_bytes(self) -> bytes:
        return self.text.encode(self.encoding)

    def source_url(self, key: str) -> str | None:
        value = self.metadata.get(key)
        return value if isinstance(value, str) and value.strip() else None


def decode(data: bytes, path: str, encoding: str | None = None) -> tuple[str, str, str]:
    """Decode file bytes; returns (bom, text, encoding). Raises PostError naming a likely encoding."""
    if encoding:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise PostError(path, f"cannot be read as {encoding}: {exc}") from None
        bom = BOM if text.startswith(BOM) else ""
        return bom, text[len(bom) :], encoding
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise PostError(path, "is UTF-16 (it starts with a UTF-16 byte-order mark); pass --encoding utf-16")
    if b"\x00" in data[:8192]:
        raise PostError(path, "holds NUL bytes; it looks like a binary file, not a post")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        guess = next((name for name in _GUESSES if _decodes(data, name)), None)
        hint = f"; it looks like {guess}, pass --encoding {guess}" if guess else ""
        raise PostError(path, f"is not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}){hint}") from None
    bom = BOM if text.startswith(BOM) else ""
    return bom, text[len(bom) :], "utf-8"


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def split_post(text: str, path: str = "<text>", bom: str = "", encoding: str = "utf-8") -> SourcePost:
    """Split decoded text into front matter and body without changing a byte."""
    if text.startswith(BOM):
        bom, text = bom + BOM, text[1:]
    first_end = text.find("\n")
    first_line = (text if first_end < 0 else text[:first_end]).rstrip("\r").rstrip(" \t")
    fmt = _FENCES.get(first_line)
    if fmt is None or first_end < 0:
        return SourcePost(path=path, front_matter="", body=text, bom=bom, encoding=encoding)
    closing = _CLOSE_LINE[fmt]
    pos = first_end + 1
    while pos <= len(text):
        end = text.find("\n", pos)
        line = text[pos:] if end < 0 else text[pos:end]
        if closing.fullmatch(line):
            stop = len(text) if end < 0 else end + 1
            return SourcePost(
                path=path, front_matter=text[:stop], body=text[stop:], format=fmt, bom=bom, encoding=encoding
            )
        if end < 0:
            break
        pos = end + 1
    raise PostError(
        path,
        f"front matter opened with '{first_line}' on line 1 never closes; add a closing '{first_line}' line",
        line=1,
        column=1,
    )


def read_bytes(
    path: str, max_size: int | None = None, *, missing: str = "does not exist", folder: str = "is a folder"
) -> bytes:
    """A file's bytes, at most max_size; every failure is a PostError that names the file and the reason."""
    try:
        with open(path, "rb", buffering=0) as handle:
            data = handle.readall() if max_size is None else _read_at_most(handle, max_size + 1)
    except FileNotFoundError:
        raise PostError(path, missing) from None
    except IsADirectoryError:
        raise PostError(path, folder) from None
    except OSError as exc:
        raise PostError(path, f"cannot be read: {exc.strerror or exc}") from None
    if max_size is not None and len(data) > max_size:
        raise PostError(path, f"is larger than max-file-size ({max_size:,} bytes); raise the limit to clean it")
    return data


def _read_at_most(handle: io.FileIO, limit: int) -> bytes:
    """Up to ``limit`` bytes, in reads sized by what the file holds: asking for ``limit`` at once
    makes Python allocate it whole (a 10 MB buffer mapped and unmapped for every post)."""
    chunks: list[bytes] = []
    total = 0
    want = min(limit, os.fstat(handle.fileno()).st_size + 1)
    while total < limit:
        chunk = handle.read(max(1, min(want, limit - total)))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        want = _READ_MORE  # it grew since: go on in steps
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


_READ_MORE = 1 << 16


def read_post(path: str, encoding: str | None = None, max_size: int | None = None) -> SourcePost:
    """Read a post file; every failure is a PostError that names the file."""
    data = read_bytes(
        path, max_size, missing="cannot be read: No such file or directory", folder="cannot be read: Is a directory"
    )
    bom, text, used = decode(data, path, encoding)
    return split_post(text, path=path, bom=bom, encoding=used)


def parse_front_matter(post: SourcePost) -> dict[str, Any]:
    """The front matter's values, read by the one reader clean and validate share.

    ``checks.frontmatter.read_front_matter`` reads it (PyYAML's C loader where installed), so a
    post whose front matter validate reports as unreadable (PK101/PK108: bad syntax, an unsafe
    tag, an alias bomb) or not a mapping (PK107) is refused here with the same message and
    place. Values are JSON types; dates and times stay the strings they were written as.
    """
    if post.format is None:
        return {}
    from postkit.checks.frontmatter import read_front_matter

    front_matter = read_front_matter(post)
    if front_matter.errors:
        first = min(front_matter.errors, key=lambda finding: (finding.line, finding.column))
        raise PostError(post.path, first.message, line=first.line, column=first.column)
    data = front_matter.data
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        position = front_matter.locate(())
        raise PostError(
            post.path,
            f"front matter is {kind}, not a mapping of keys to values",
            line=position.line,
            column=position.column,
        )
    return data
