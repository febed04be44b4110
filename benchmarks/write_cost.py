"""What writing a cleaned file back costs, postkit's atomic way against the loop's write in place.

    python benchmarks/write_cost.py [--corpus ../shared/corpus] [--posts 2000] [--batch 32]

Copies --posts corpus posts into two scratch folders, then writes each file's own bytes back
(plus a newline, so every file changes), timing CPU (user + system) and wall time per file:
  1. postkit's way, as `postkit clean` writes: `stage_write` (checks, a temporary file beside the
     post, the data written) for a batch of --batch files, `flush_writes` (one syncfs, then an
     fsync each), and each `commit` (the rename over the post), then the folders synced once;
  2. the loop's way: `Path.write_bytes`, which truncates the post and writes it in place.
Nothing is cleaned: this is the floor the disk sets under `postkit clean --jobs 1` on this
machine, where creating a file while others are being replaced can cost far more than alone.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's postkit

from postkit.files import flush_writes, resolve_roots, stage_write, sync_folders


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def copy_posts(corpus: Path, target: Path, count: int) -> list[Path]:
    sources = sorted(p for p in corpus.glob("*/*") if p.suffix in (".md", ".markdown"))[:count]
    if not sources:
        raise SystemExit(f"no posts under {corpus}")
    copies = []
    for index, source in enumerate(sources):
        folder = target / source.parent.name
        folder.mkdir(parents=True, exist_ok=True)
        copy = folder / f"{index:05d}{source.suffix}"
        shutil.copyfile(source, copy)
        copies.append(copy)
    return copies


def postkit_way(paths: list[Path], batch: int) -> tuple[float, float]:
    """CPU and wall seconds of writing every file back as `postkit clean` does."""
    roots = [paths[0].parent.parent]
    resolved = resolve_roots(roots)
    cpu, wall = _cpu(), time.perf_counter()
    for start in range(0, len(paths), batch):
        chunk = paths[start : start + batch]
        staged = [
            stage_write(path, path.read_bytes() + b"\n", roots, expected=path.stat(), resolved_roots=resolved)
            for path in chunk
        ]
        flush_writes(staged)
        for write in staged:
            write.commit()
    sync_folders(paths)
    return _cpu() - cpu, time.perf_counter() - wall


def loop_way(paths: list[Path]) -> tuple[float, float]:
    """CPU and wall seconds of writing every file back in place, as the hand-written loop does."""
    cpu, wall = _cpu(), time.perf_counter()
    for path in paths:
        path.write_bytes(path.read_bytes() + b"\n")
    return _cpu() - cpu, time.perf_counter() - wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=str(Path(__file__).resolve().parents[1].parent / "shared" / "corpus"))
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=32, help="files staged before one flush (clean's batch)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="postkit-write-") as scratch:
        root = Path(scratch)
        ours = copy_posts(Path(args.corpus), root / "postkit", args.posts)
        theirs = copy_posts(Path(args.corpus), root / "loop", args.posts)
        os.sync()  # the copies on disk first, so neither way pays for writing them back
        time.sleep(2)
        results = {"postkit (atomic: temp file, syncfs + fsync, rename)": postkit_way(ours, args.batch)}
        results["loop (write in place)"] = loop_way(theirs)
    count = len(ours)
    print(f"{count} posts written back\n")
    print("| way | CPU µs per file | wall µs per file |")
    print("|---|---|---|")
    for name, (cpu, wall) in results.items():
        print(f"| {name} | {cpu / count * 1e6:.0f} | {wall / count * 1e6:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
