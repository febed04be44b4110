"""Cost of a real-size filter list: cleaning with 20,000 extra element-hiding rules vs without.

    python benchmarks/rules_scale.py [--corpus ../shared/corpus] [--rules 20000] [--every 4]

Writes a synthetic list shaped like EasyList's cosmetic section (mostly `##.class` and `###id`,
some site-specific rules, attribute and combinator selectors, exceptions, and lines postkit
skips: network rules, scriptlets, procedural filters), then cleans every --every'th corpus
post in this process twice, without and with the list, and prints the time ratio. Loading
and indexing the list is timed on its own: it happens once per worker process.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from postkit.pipeline import CleanOptions, _tools, clean_post
from postkit.post import read_post
from postkit.rules import RuleSet, parse_hiding_pack


def synthetic_list(count: int, seed: int = 7) -> str:
    rng = random.Random(seed)

    def name() -> str:
        return (
            rng.choice(["ad", "ads", "banner", "sponsor", "promo", "box", "wrap", "unit", "slot", "top"])
            + rng.choice(["-", "_", ""])
            + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(6))
        )

    lines = ["[Adblock Plus 2.0]", "! Title: synthetic list for postkit's benchmark"]
    for i in range(count):
        roll = rng.random()
        if roll < 0.55:
            lines.append(f"##.{name()}")
        elif roll < 0.75:
            lines.append(f"###{name()}")
        elif roll < 0.85:
            lines.append(f"example{i}.com,another{i}.org##.{name()}")
        elif roll < 0.90:
            lines.append(f'##div[id^="{name()}"]')
        elif roll < 0.93:
            lines.append(f"##.{name()} > .{name()}")
        elif roll < 0.95:
            lines.append(f'##a[href*="{name()}.example"]')
        elif roll < 0.97:
            lines.append(f"example{i}.com#@#.{name()}")
        elif roll < 0.985:
            lines.append(f"||{name()}.example^$third-party")
        else:
            lines.append(f"example{i}.com##+js(set-constant, {name()}, true)")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=str(Path(__file__).resolve().parents[1].parent / "shared" / "corpus"))
    parser.add_argument("--rules", type=int, default=20_000)
    parser.add_argument("--every", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sources = sorted(p for p in Path(args.corpus).glob("*/*") if p.suffix in (".md", ".markdown"))
    posts = [read_post(str(p)) for p in sources[:: args.every]]
    if not posts:
        print(f"no posts under {args.corpus}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        pack = Path(scratch) / "synthetic-easylist.txt"
        pack.write_text(synthetic_list(args.rules), encoding="utf-8")
        started = time.perf_counter()
        ruleset = parse_hiding_pack(pack.read_text(encoding="utf-8"), origin=pack.name, into=RuleSet())
        parse_seconds = time.perf_counter() - started
        plain, listed = CleanOptions(), CleanOptions(rule_files=(str(pack),))
        started = time.perf_counter()
        _tools(listed)
        load_seconds = time.perf_counter() - started
        _tools(plain)
        timings: dict[str, list[float]] = {"without": [], "with": []}
        for _ in range(args.rounds):  # interleaved, so both see the same machine
            for label, options in (("without", plain), ("with", listed)):
                started = time.perf_counter()
                for post in posts:
                    clean_post(post, options)
                timings[label].append(time.perf_counter() - started)
    best = {label: min(values) for label, values in timings.items()}
    print(
        f"{len(posts)} posts, {args.rules} rule lines: {ruleset.count} hiding rules applied, "
        f"{ruleset.skipped} lines skipped, {sum(len(v) for v in ruleset.exceptions.values())} exceptions"
    )
    print(
        f"parsing and indexing the list: {parse_seconds:.2f}s (loading all packs: {load_seconds:.2f}s, "
        f"once per process)"
    )
    print("| run | best of rounds (s) | posts/s |")
    print("|---|---|---|")
    for label in ("without", "with"):
        print(f"| clean {label} the list | {best[label]:.2f} | {len(posts) / best[label]:.0f} |")
    print(f"\nratio with/without: {best['with'] / best['without']:.2f}x (target: under 2x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
