"""Differential check and stage timings for a change of the pipeline's tree (issue #10).

    python benchmarks/port_check.py clean OUT [--corpus ../shared/corpus]
    python benchmarks/port_check.py compare BEFORE AFTER [--show N]
    python benchmarks/port_check.py stages [--corpus ../shared/corpus] [--posts 300]

``clean`` runs ``postkit.clean_text`` on every post (``*.md`` and ``*.markdown`` in the site
folders) under the corpus and writes each cleaned text to OUT under the same relative path, with
the account of what cleaning did (removals, repairs, lost text) beside it as ``<name>.report``
(a crash is written as a ``.crash`` file holding the traceback's last line). Run it once with the old code on the path
(``PYTHONPATH=/path/to/old/checkout``) and once with the new, then ``compare`` the two folders:
it counts identical, different and missing posts and prints a unified diff of the first N.

``stages`` cleans the first --posts posts in one process and times each stage that
``convert_fragment`` calls (time spent in a nested stage is counted once, in the inner one), in
the process's CPU time by default (``--clock cpu``): on a machine others share, wall time
(``--clock wall``) counts their work too. Best of --repeat runs.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
POST_SUFFIXES = (".md", ".markdown")
# What convert_fragment calls, by the names it calls them under in postkit.pipeline.
STAGES = (
    "parse_fragment",
    "strip_cruft",
    "keep_main_article",
    "drop_title_heading",
    "resolve_lazy_images",
    "unwrap_image_proxies",
    "decode_protected_emails",
    "absolutize_urls",
    "drop_duplicate_images",
    "drop_tracking_params",
    "wrap_loose_captions",
    "link_empty_embeds",
    "unwrap_layout_tables",
    "strip_inert",
    "join_segment_breaks",
    "visible_text",
    "enforce_policy",
    "serialize_html",
    "_sanitized_tree",
    "to_bs4_for_markdownify",
    "tree_to_markdown",
    "lost_text",
)


def corpus_posts(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.glob("*/**/*") if p.suffix in POST_SUFFIXES and p.is_file())


def clean_corpus(corpus: Path, out: Path) -> int:
    from postkit import clean_text

    count = 0
    for source in corpus_posts(corpus):
        relative = source.relative_to(corpus)
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        text = source.read_bytes().decode("utf-8", "surrogateescape")
        try:
            result = clean_text(text, path=str(relative))
        except Exception:  # a crash is a finding of the comparison, not the end of it
            target.with_name(target.name + ".crash").write_text(traceback.format_exc().splitlines()[-1] + "\n")
            continue
        target.write_bytes(result.text.encode("utf-8", "surrogateescape"))
        target.with_name(target.name + ".report").write_text(_report(result), encoding="utf-8")
        count += 1
    return count


def _report(result: Any) -> str:
    lines = [f"{kind} {count}" for kind, count in sorted(result.counts().items())]
    lines.extend(f"removal {r.line} {r.kind} {r.chars} {r.rule} | {r.excerpt}" for r in result.removals)
    lines.extend(f"lost {lost.line} {lost.text}" for lost in result.lost)
    return "\n".join(lines) + "\n"


def _files(root: Path) -> dict[Path, Path]:
    return {p.relative_to(root): p for p in root.rglob("*") if p.is_file()}


def compare(before: Path, after: Path, show: int) -> int:
    old, new = _files(before), _files(after)
    tally: dict[str, list[int]] = {"post": [0, 0], "report": [0, 0]}
    shown = 0
    for relative in sorted(old.keys() & new.keys()):
        a, b = old[relative].read_bytes(), new[relative].read_bytes()
        counts = tally["report" if relative.suffix in (".report", ".crash") else "post"]
        if a == b:
            counts[0] += 1
            continue
        counts[1] += 1
        print(f"DIFFERENT {relative}")
        if shown < show:
            shown += 1
            lines = difflib.unified_diff(
                a.decode("utf-8", "replace").splitlines(keepends=True),
                b.decode("utf-8", "replace").splitlines(keepends=True),
                str(before / relative),
                str(after / relative),
                n=1,
            )
            sys.stdout.writelines(line if line.endswith("\n") else line + "\n" for line in lines)
    only_old, only_new = sorted(old.keys() - new.keys()), sorted(new.keys() - old.keys())
    for relative in only_old:
        print(f"ONLY BEFORE {relative}")
    for relative in only_new:
        print(f"ONLY AFTER {relative}")
    for kind, (same, changed) in tally.items():
        print(f"{kind}s: identical {same}, different {changed}")
    print(f"only before {len(only_old)}, only after {len(only_new)}")
    return 0 if not tally["post"][1] and not tally["report"][1] and not only_old and not only_new else 1


class StageClock:
    """Exclusive time per stage: a stage called inside another is taken out of the outer one's time."""

    def __init__(self, clock: Callable[[], float] = time.process_time) -> None:
        self.clock = clock
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._inner: list[float] = []

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._inner.append(0.0)
            start = self.clock()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = self.clock() - start
                inner = self._inner.pop()
                if self._inner:
                    self._inner[-1] += elapsed
                self.seconds[name] = self.seconds.get(name, 0.0) + elapsed - inner
                self.calls[name] = self.calls.get(name, 0) + 1

        return timed


def _patched(clock: StageClock) -> Iterator[tuple[str, Callable[..., Any]]]:
    """Wrap the stages in postkit.pipeline; yields (name, original) for each one there."""
    import postkit.pipeline as pipeline

    for name in STAGES:
        function = getattr(pipeline, name, None)
        if callable(function):
            setattr(pipeline, name, clock.wrap(name, function))
            yield name, function


def _one_run(texts: list[str], clock_function: Callable[[], float]) -> tuple[float, StageClock, list[str]]:
    import postkit.pipeline as pipeline
    from postkit import clean_text

    clock = StageClock(clock_function)
    originals = list(_patched(clock))
    try:
        start = clock_function()
        for text in texts:
            clean_text(text)
        total = clock_function() - start
    finally:
        for name, function in originals:
            setattr(pipeline, name, function)
    return total, clock, [name for name, _ in originals]


def time_stages(corpus: Path, posts: int, clock_name: str, repeat: int) -> None:
    import postkit
    from postkit import clean_text

    sources = corpus_posts(corpus)[:posts]
    texts = [p.read_bytes().decode("utf-8", "surrogateescape") for p in sources]
    clean_text(texts[0])  # load the rule packs outside the clock
    clock_function = time.process_time if clock_name == "cpu" else time.perf_counter
    total, clock, present = min((_one_run(texts, clock_function) for _ in range(repeat)), key=lambda run: run[0])
    print(f"postkit from {Path(postkit.__file__).parent}")
    print(
        f"{len(texts)} posts, {total * 1000 / len(texts):.2f} ms/post in all (clean_text, {clock_name} time, "
        f"best of {repeat})"
    )
    print(f"{'stage':<26}{'ms/post':>9}{'calls':>8}")
    for name in present:
        if name in clock.seconds:
            print(f"{name:<26}{clock.seconds[name] * 1000 / len(texts):>9.3f}{clock.calls[name]:>8}")
    staged = sum(clock.seconds.values())
    print(f"{'(stages together)':<26}{staged * 1000 / len(texts):>9.3f}")
    print(f"{'(outside the stages)':<26}{(total - staged) * 1000 / len(texts):>9.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    clean = commands.add_parser("clean")
    clean.add_argument("out", type=Path)
    clean.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    diff = commands.add_parser("compare")
    diff.add_argument("before", type=Path)
    diff.add_argument("after", type=Path)
    diff.add_argument("--show", type=int, default=5)
    stages = commands.add_parser("stages")
    stages.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    stages.add_argument("--posts", type=int, default=300)
    stages.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    stages.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if args.command == "clean":
        print(f"cleaned {clean_corpus(args.corpus, args.out)} posts into {args.out}")
        return 0
    if args.command == "compare":
        return compare(args.before, args.after, args.show)
    time_stages(args.corpus, args.posts, args.clock, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
