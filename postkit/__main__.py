"""`python -m postkit` and the console script: run the CLI and exit with its code."""

from __future__ import annotations

import sys


def main() -> None:
    from postkit.cli import run

    sys.exit(run())


if __name__ == "__main__":
    main()
