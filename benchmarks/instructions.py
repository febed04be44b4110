"""Instructions `postkit clean` executes per post, counted by valgrind: a figure the machine's load does not move.

    python benchmarks/instructions.py [--corpus ../shared/corpus] [--every 8] [TREE ...]

On a shared machine the time of the same run varies by 10-20%, more than most single changes
save. The number of instructions the same work executes (cachegrind's "I refs") varies by well
under 0.1%, so two versions of postkit can be compared in one run, even side by side with other
work. For each TREE (a checkout of postkit; default: this one), every k-th corpus post is
cleaned in memory twice (``clean_bytes``, nothing written) under ``valgrind --tool=cachegrind
--cache-sim=no``, and once more with a single tiny post for the fixed cost of starting Python and
importing postkit, which is taken off. Prints millions of instructions per post cleaned and each
tree's ratio to the first. Instructions are not time: a system call or a cache miss costs more
than its count says, so a speed claim still needs clean_speed.py; this tells which of two
versions does less work. Needs valgrind (Debian's ``valgrind``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

_ROUNDS = 2
_TINY_POST = "---\ntitle: t\n---\n<p>a</p>\n"


def clean_sample(tree: str, listing: str) -> None:
    """Run inside valgrind: clean the posts named in ``listing`` (one path per line) _ROUNDS times."""
    sys.path.insert(0, tree)
    import postkit

    if not postkit.__file__ or not Path(postkit.__file__).resolve().is_relative_to(Path(tree).resolve()):
        raise SystemExit(f"postkit imported from {postkit.__file__}, not from {tree}")
    from postkit.clean import CleanJob, clean_bytes
    from postkit.errors import PostkitError
    from postkit.pipeline import CleanOptions

    job = CleanJob(options=CleanOptions())
    posts = [(path, Path(path).read_bytes()) for path in Path(listing).read_text(encoding="utf-8").splitlines()]
    for _ in range(_ROUNDS):
        for name, data in posts:
            # a post clean refuses costs what it costs, the same in every tree
            with contextlib.suppress(PostkitError):
                clean_bytes(data, name, job)


def instructions(tree: Path, listing: Path) -> int:
    """cachegrind's total instruction count of clean_sample over the listed posts."""
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--clean-sample",
        str(tree),
        str(listing),
    ]
    result = subprocess.run(command, capture_output=True, text=True, cwd=tempfile.gettempdir(), check=False)
    found = re.search(r"I\s+refs:\s+([\d,]+)", result.stderr)
    if result.returncode != 0 or found is None:
        raise SystemExit(f"valgrind failed for {tree}:\n{result.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trees", nargs="*", help="postkit checkouts to compare (default: this one)")
    parser.add_argument("--corpus", default=str(Path(__file__).resolve().parents[1].parent / "shared" / "corpus"))
    parser.add_argument("--every", type=int, default=8, help="take every k-th post of the corpus (default 8)")
    parser.add_argument("--clean-sample", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.clean_sample:
        clean_sample(*args.clean_sample)
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    trees = [Path(tree).resolve() for tree in args.trees] or [Path(__file__).resolve().parents[1]]
    sources = sorted(p for p in Path(args.corpus).glob("*/*") if p.suffix in (".md", ".markdown"))[:: args.every]
    if not sources:
        raise SystemExit(f"no posts under {args.corpus}")
    with tempfile.TemporaryDirectory(prefix="postkit-instructions-") as scratch:
        sample, tiny_post, tiny = Path(scratch, "sample.txt"), Path(scratch, "tiny.md"), Path(scratch, "tiny.txt")
        sample.write_text("\n".join(map(str, sources)), encoding="utf-8")
        tiny_post.write_text(_TINY_POST, encoding="utf-8")
        tiny.write_text(str(tiny_post), encoding="utf-8")
        jobs = [(tree, listing) for tree in trees for listing in (sample, tiny)]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            counts = list(pool.map(lambda job: instructions(*job), jobs))
    cleaned = len(sources) * _ROUNDS
    print(f"{len(sources)} posts (every {args.every}th of {args.corpus}), each cleaned {_ROUNDS} times in memory\n")
    print("| tree | M instructions per post | vs first |\n|---|---|---|")
    first = None
    for index, tree in enumerate(trees):
        whole, fixed = counts[2 * index], counts[2 * index + 1]
        per_post = (whole - fixed) / cleaned / 1e6
        first = first or per_post
        print(f"| {tree} | {per_post:.2f} | {per_post / first:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
