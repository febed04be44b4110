"""The one exception family postkit raises; messages name the file, the place and the fix."""

from __future__ import annotations


class PostkitError(Exception):
    """Root of every error postkit raises on purpose."""


class PostError(PostkitError):
    """A post that cannot be read, decoded or parsed."""

    def __init__(self, path: str, message: str, line: int | None = None, column: int | None = None) -> None:
        self.path = path
        self.message = message
        self.line = line
        self.column = column
        place = path
        if line is not None:
            place += f":{line}"
            if column is not None:
                place += f":{column}"
        super().__init__(f"{place}: {message}")

    def __reduce__(self) -> tuple[type[PostError], tuple[str, str, int | None, int | None]]:
        # pickled across worker processes with its fields, not only its formatted text
        return (type(self), (self.path, self.message, self.line, self.column))


class ConfigError(PostkitError):
    """A configuration file or option with a wrong key or value."""
