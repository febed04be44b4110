"""A file that cannot be read as text.

The file could not be opened (permissions, a folder that cannot be listed), is larger than
``max-file-size``, holds NUL bytes like a binary file, or is not UTF-8 (nor the ``encoding``
configured): old archives saved as GB18030, Big5 or Windows-1252 are the usual case, and the
message names the encoding the bytes look like. No other rule can look at such a file, so
this is an error; the run goes on with the other files.

Failing example (the file is saved as GB18030, not UTF-8)::

    ---
    title: 防疫会议
    ---

Passing example (the same text saved as UTF-8)::

    ---
    title: 防疫会议
    ---
    会议要求严防死守。
"""

from __future__ import annotations

from postkit.checks.base import Finding
from postkit.errors import PostError
from postkit.problems import Severity

CODE = "PK100"
NAME = "file-unreadable"
SUMMARY = "a file that cannot be read or decoded as text"
SEVERITY = Severity.ERROR
# Found while reading a file, before any post rule runs: the validate run reports it itself.
SCOPE = "file"


def finding(error: PostError | OSError) -> Finding:
    """The problem for a file the run could not read, at its start."""
    if isinstance(error, PostError):
        return Finding(1, 1, error.message, _hint(error.message), path=error.path)
    reason = error.strerror or str(error)
    return Finding(
        1,
        1,
        f"cannot be read: {reason}",
        "check that the file exists and can be read",
        path=str(error.filename) if error.filename else None,
    )


def _hint(message: str) -> str:
    if "max-file-size" in message:
        return "raise max-file-size in the configuration, or leave the file out with exclude"
    if "pass --encoding" in message:
        return "convert the file to UTF-8, or pass the --encoding the message names"
    if "UTF-8" in message or "cannot be read as" in message:
        return "convert the file to UTF-8, or set encoding in the configuration"
    return "check that the file exists and can be read"
