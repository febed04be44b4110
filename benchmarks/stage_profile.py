"""Where `postkit clean` spends its time, stage by stage, on one core.

    python benchmarks/stage_profile.py [--corpus ../shared/corpus] [--posts 300] [--repeat 3]

Every stage function is wrapped with a CPU-time counter (wherever a module imported it), the
posts are cleaned in memory (`clean_text`, nothing written) --repeat times, and the best run's
milliseconds per post are printed for each stage, with what is left as "other" (the writer's
own work, reading front matter, report records). Stages do not nest, so the rows add up.
Posts are every k-th of the corpus in name order, so the sample spans all sites. The postkit
profiled is the one of the checkout this script stands in, whichever one is installed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's postkit, not the installed one

# label, module, function: the stages of one post, in the order they run
STAGES = [
    ("front matter (read, YAML)", "postkit.post", "split_post"),
    ("parse the body (markdown-it)", "postkit.body", "Body._markdown"),
    ("find HTML spans in its tokens", "postkit.segments", "find_html"),
    ("parse fragment (lxml)", "postkit.pipeline.html", "parse_fragment"),
    ("strip: rule packs", "postkit.pipeline.strip", "strip_cruft"),
    ("strip: main article", "postkit.pipeline.strip", "keep_main_article"),
    ("strip: title heading", "postkit.pipeline.strip", "drop_title_heading"),
    ("repair: lazy images", "postkit.pipeline.repair", "resolve_lazy_images"),
    ("repair: image proxies", "postkit.pipeline.repair", "unwrap_image_proxies"),
    ("repair: protected emails", "postkit.pipeline.repair", "decode_protected_emails"),
    ("repair: absolute URLs", "postkit.pipeline.repair", "absolutize_urls"),
    ("repair: duplicate images", "postkit.pipeline.repair", "drop_duplicate_images"),
    ("repair: tracking params", "postkit.pipeline.repair", "drop_tracking_params"),
    ("repair: loose captions", "postkit.pipeline.repair", "wrap_loose_captions"),
    ("repair: empty embeds", "postkit.pipeline.repair", "link_empty_embeds"),
    ("repair: layout tables", "postkit.pipeline.repair", "unwrap_layout_tables"),
    ("strip: inert and empty", "postkit.pipeline.strip", "strip_inert"),
    ("repair: CJK line breaks", "postkit.pipeline.repair", "join_segment_breaks"),
    ("verify: tree's visible text", "postkit.pipeline.html", "visible_text"),
    ("sanitize: policy + nh3 proof", "postkit.pipeline.fragment", "_sanitized_tree"),
    ("render Markdown (element renderer)", "postkit.pipeline.render", "render_markdown"),
    ("verify: compare", "postkit.pipeline.verify", "lost_text"),
    ("Markdown passes: entities, tracking", "postkit.pipeline.write", "decode_entities"),
    ("Markdown passes: tracking links", "postkit.pipeline.write", "drop_markdown_tracking"),
    ("output safety pass", "postkit.pipeline.safety", "secure_markdown"),
]


def instrument() -> dict[str, float]:
    """Wrap every stage function where it is defined and wherever it was imported."""
    import importlib

    spent: dict[str, float] = defaultdict(float)
    depth = [0]
    for label, module_name, name in STAGES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        if "." in name:  # a method: wrapped on its class
            class_name, method = name.split(".")
            owner = getattr(module, class_name)
            setattr(owner, method, _timed(label, getattr(owner, method), spent, depth))
            continue
        original = getattr(module, name, None)
        if original is None:
            continue
        wrapper = _timed(label, original, spent, depth)
        for loaded in list(sys.modules.values()):
            if loaded is not None and getattr(loaded, "__name__", "").startswith("postkit"):
                for attribute, value in list(vars(loaded).items()):
                    if value is original:
                        setattr(loaded, attribute, wrapper)
    return spent


def _timed(label: str, function: Callable[..., Any], spent: dict[str, float], depth: list[int]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if depth[0]:  # inside another stage: counted there
            return function(*args, **kwargs)
        depth[0] += 1
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] += time.process_time() - started
            depth[0] -= 1

    return wrapper


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=str(Path(__file__).resolve().parents[1].parent / "shared" / "corpus"))
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--converter", default="postkit")
    parser.add_argument(
        "--details",
        action="store_true",
        help="place every removal to line and column with its excerpt, as `clean --explain` does",
    )
    args = parser.parse_args()
    import postkit.pipeline
    from postkit import CleanOptions
    from postkit.pipeline import clean_post
    from postkit.post import split_post

    def clean_text(text: str, options: CleanOptions) -> None:
        # as `postkit clean` runs it: removals are not shown, so not placed to the column
        clean_post(split_post(text), options, details=args.details)

    sources = sorted(p for p in Path(args.corpus).glob("*/*") if p.suffix in (".md", ".markdown"))
    step = max(1, len(sources) // args.posts)
    texts = [p.read_bytes().decode("utf-8", "replace") for p in sources[::step][: args.posts]]
    options = CleanOptions(converter=args.converter)
    for text in texts[:10]:
        clean_text(text, options)  # warm: rule packs compiled, imports done
    spent = instrument()
    assert postkit.pipeline
    best: dict[str, float] | None = None
    best_total = float("inf")
    for _ in range(args.repeat):
        spent.clear()
        started = time.process_time()
        for text in texts:
            clean_text(text, options)
        total = time.process_time() - started
        if total < best_total:
            best_total, best = total, dict(spent)
    assert best is not None
    per_post = 1000 / len(texts)
    print(
        f"{len(texts)} posts (mean {sum(map(len, texts)) / len(texts) / 1000:.1f} K chars), converter "
        f"{args.converter}, CPU ms per post, best of {args.repeat}\n"
    )
    print("| stage | ms/post |\n|---|---|")
    for label, _, _ in STAGES:
        if label in best:
            print(f"| {label} | {best[label] * per_post:.2f} |")
    print(f"| other (writer, reports) | {(best_total - sum(best.values())) * per_post:.2f} |")
    print(f"| **total** | **{best_total * per_post:.2f}** |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
