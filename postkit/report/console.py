"""The rich Console every human report is written with: width from the terminal or ``COLUMNS``, text never cut."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TextIO

from rich.console import Console

# Output that is not a terminal (a file, a pipe, a test) gets this width unless COLUMNS says
# otherwise, so it does not depend on rich's guess about a terminal that is not there.
PIPE_WIDTH = 120
PIPE_HEIGHT = 25


def pipe_width(env: Mapping[str, str]) -> int:
    """``COLUMNS`` when it holds a width of at least 20, else :data:`PIPE_WIDTH`."""
    value = env.get("COLUMNS", "").strip()
    if value.isdigit() and int(value) >= 20:
        return int(value)
    return PIPE_WIDTH


def report_console(stream: TextIO, *, color: bool, env: Mapping[str, str] | None = None) -> Console:
    """A Console on ``stream`` that treats all text as data: no markup, emoji codes or highlighting."""
    environ = os.environ if env is None else env
    # rich ignores a width given without a height when TERM is "dumb", so pin both.
    width, height = (None, None) if stream.isatty() else (pipe_width(environ), PIPE_HEIGHT)
    return Console(
        file=stream,
        force_terminal=color,
        no_color=not color,
        # The styles used are all among the 16 standard colours; naming the system keeps a
        # requested colour on even where rich's detection would turn it off.
        color_system="standard" if color else None,
        width=width,
        height=height,
        markup=False,
        emoji=False,
        highlight=False,
        force_jupyter=False,
    )
