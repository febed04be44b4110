"""Speed of `postkit clean` against the loop a user would write by hand, in one run.

    python benchmarks/clean_speed.py [--corpus ../shared/corpus] [--posts 10000] [--jobs N]

Copies the corpus, replicated to --posts files, into scratch folders and times, side by side:
  1. postkit clean, cold (empty cache), in worker processes (--jobs, default all cores);
  2. postkit clean again over the cleaned folder (cache warm);
  3. postkit clean --jobs 1, cold, on a fresh copy: its CPU time per post (user + system);
  4. postkit validate over the cleaned folder;
  5. the baseline: one Python loop of python-frontmatter load, bleach clean, markdownify and
     python-frontmatter dump per file, written back (one process, as a user writes it).
Each runs as its own process; CPU time is that of the process and its children; peak memory is
the largest sum of resident memory of the process and its children, sampled every 20 ms.
Prints seconds, files per second, CPU ms per post and the ratios against the baseline.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


def replicate(corpus: Path, target: Path, count: int) -> int:
    sources = sorted(p for p in corpus.glob("*/*") if p.suffix in (".md", ".markdown"))
    if not sources:
        raise SystemExit(f"no posts under {corpus}")
    target.mkdir(parents=True)
    written = 0
    copy = 0
    while written < count:
        folder = target / f"copy{copy:02d}"
        folder.mkdir()
        for source in sources:
            if written >= count:
                break
            site = folder / source.parent.name
            site.mkdir(exist_ok=True)
            shutil.copyfile(source, site / source.name)
            written += 1
        copy += 1
    return written


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants, from /proc."""
    total = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    stack.extend(int(c) for c in children.read().split())
        except (OSError, ValueError):
            continue
    return total


_CHECKOUT = Path(__file__).resolve().parent.parent


def timed(command: list[str], env: dict[str, str]) -> tuple[float, int, int, float]:
    """Run a command; returns (seconds, peak tree RSS in bytes, exit code, CPU seconds of it and its children)."""
    cpu_before = _children_cpu()
    started = time.perf_counter()
    # from this checkout's root: `python -m postkit` then runs its postkit, not the installed one
    process = subprocess.Popen(command, env=env, cwd=_CHECKOUT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(process.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode not in (0, 1):
        sys.stderr.write(stderr.decode(errors="replace")[-2000:])
        raise SystemExit(f"{' '.join(command[:4])} ... exited {process.returncode}")
    return elapsed, peak, process.returncode, _children_cpu() - cpu_before


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def baseline(folder: Path) -> None:
    """What a user writes by hand: load, sanitize, convert, dump, for each file."""
    import bleach
    import frontmatter
    import markdownify

    tags = set(bleach.sanitizer.ALLOWED_TAGS) | {
        "p",
        "div",
        "img",
        "figure",
        "figcaption",
        "h1",
        "h2",
        "h3",
        "h4",
        "table",
        "tr",
        "td",
        "th",
        "br",
        "span",
    }
    attributes = {"a": ["href", "title"], "img": ["src", "alt", "title"]}
    for path in sorted(p for p in folder.rglob("*") if p.suffix in (".md", ".markdown")):
        post = frontmatter.load(path)
        html = bleach.clean(post.content, tags=tags, attributes=attributes, strip=True)
        post.content = markdownify.markdownify(html)
        path.write_text(frontmatter.dumps(post) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=str(Path(__file__).resolve().parents[1].parent / "shared" / "corpus"))
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=None, help="worker processes for the cold run (default: cores)")
    parser.add_argument("--run-baseline", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_baseline:
        baseline(Path(args.run_baseline))
        return 0
    corpus = Path(args.corpus)
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    with tempfile.TemporaryDirectory(prefix="postkit-bench-") as scratch:
        root = Path(scratch)
        ours, single, theirs = root / "postkit", root / "single", root / "baseline"
        count = replicate(corpus, ours, args.posts)
        replicate(corpus, single, args.posts)
        replicate(corpus, theirs, args.posts)
        env = dict(os.environ, POSTKIT_CACHE_DIR=str(root / "cache"), NO_COLOR="1")
        postkit = [sys.executable, "-m", "postkit"]
        base = timed([sys.executable, str(Path(__file__).resolve()), "--run-baseline", str(theirs)], env)
        cold = timed([*postkit, "clean", str(ours), "--quiet", *jobs], env)
        warm = timed([*postkit, "clean", str(ours), "--quiet", *jobs], env)
        one = timed([*postkit, "clean", str(single), "--quiet", "--jobs", "1", "--no-cache"], env)
        check = timed([*postkit, "validate", str(ours), "--format", "concise"], env)
    cores = os.cpu_count()
    print(f"{count} posts replicated from {corpus} ({cores} cores, cold and warm with --jobs {args.jobs or cores})\n")
    print("| run | seconds | files/s | vs baseline | CPU ms/post | CPU vs baseline | peak memory | exit |")
    print("|---|---|---|---|---|---|---|---|")
    base_rate, base_cpu = count / base[0], base[3] / count
    for name, (seconds, peak, code, cpu) in (
        ("postkit clean, cold", cold),
        ("postkit clean, warm cache", warm),
        ("postkit clean --jobs 1, cold", one),
        ("postkit validate", check),
        ("baseline loop (frontmatter+bleach+markdownify)", base),
    ):
        rate = count / seconds
        print(
            f"| {name} | {seconds:.1f} | {rate:.0f} | {rate / base_rate:.2f}x | {cpu / count * 1000:.2f} | "
            f"{cpu / count / base_cpu:.2f}x | {peak / 2**20:.0f} MB | {code} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
