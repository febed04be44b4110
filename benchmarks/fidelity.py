"""Fidelity of `postkit clean` over a corpus of real posts, per source site and in total.

    python benchmarks/fidelity.py [CORPUS] [--json OUT] [--show N]

CORPUS defaults to ../shared/corpus; each sub-folder is a site. Posts are cleaned in memory
(the files are never written). For every post it checks: no crash; verify found no lost text;
no HTML tags left outside comments and code; no ad/promo/tracking/script markers left; images
and links kept; cleaning the output again changes nothing; the front matter is byte-identical;
and what share of the body's text the strip stage removed.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import sys
import time
import traceback
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

from markdown_it import MarkdownIt

from postkit.pipeline import CleanOptions, _tools, clean_post
from postkit.pipeline.html import parse_fragment
from postkit.pipeline.repair import absolutize_urls, drop_tracking_params, resolve_lazy_images, unwrap_image_proxies
from postkit.pipeline.report import FragmentReport
from postkit.pipeline.strip import find_cruft, find_main_article
from postkit.pipeline.to_markdown import markdown_url
from postkit.pipeline.verify import markdown_visible_text
from postkit.post import read_post
from postkit.segments import find_html, normalize_newlines

MARKERS = re.compile(
    r"utm_[a-z]+=|dfp-ad|adslot|innity-in-post|sharedaddy|jp-relatedposts|o-self-promo|subscribe\.sph\.com\.sg"
    r"|feeds\.feedburner\.com/~|<script|\]\(\s*javascript:|medium\.com/_/stat|moreArticle|service-links|获取更多RSS",
    re.IGNORECASE,
)
_MD = MarkdownIt("commonmark").enable("table")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*")


def leftover_tags(markdown: str) -> list[str]:
    """HTML tags a CommonMark renderer would pass through, outside comments and code."""
    found: list[str] = []
    for token in _MD.parse(markdown):
        if token.type == "html_block" and _TAG.search(_COMMENT.sub("", token.content)):
            found.append(token.content.strip()[:80])
        found.extend(child.content[:80] for child in token.children or ()
                     if child.type == "html_inline" and not child.content.startswith("<!--"))
    return found


def without_code(markdown: str) -> str:
    """The Markdown with its code blocks blanked: markup shown as code is content, not cruft."""
    lines = markdown.split("\n")
    for token in _MD.parse(markdown):
        if token.type in ("fence", "code_block") and token.map:
            for i in range(*token.map):
                lines[i] = ""
    return "\n".join(lines)


def markdown_urls(markdown: str) -> tuple[list[str], list[str]]:
    images: list[str] = []
    links: list[str] = []

    def walk(tokens: list) -> None:  # type: ignore[type-arg]
        for token in tokens:
            if token.type == "image":
                images.append(str(token.attrs.get("src", "")))
            elif token.type == "link_open":
                links.append(str(token.attrs.get("href", "")))
            if token.children:
                walk(token.children)

    walk(_MD.parse(markdown))
    return images, links


def check(path: str) -> dict[str, object]:
    row: dict[str, object] = {"path": path, "site": Path(path).parent.name}
    try:
        post = read_post(path)
        result = clean_post(post)
        again = clean_post(result.post) if result.post is not None else None
    except Exception as exc:  # the point of this script is to count crashes, whatever they are
        row["crash"] = f"{type(exc).__name__}: {exc}"
        row["trace"] = traceback.format_exc(limit=6)
        return row
    out = result.text
    body_out = result.post.body if result.post else ""
    row["lost"] = [lost.text for lost in result.lost]
    row["tags"] = leftover_tags(body_out)
    row["markers"] = sorted({m.group(0) for m in MARKERS.finditer(without_code(body_out))})
    row["idempotent"] = again is not None and again.text == out
    row["front_matter_kept"] = out.startswith(post.bom + post.front_matter)
    row["changed"] = result.changed
    images, links = markdown_urls(body_out)
    row["images_out"] = len(images)
    row["links_out"] = len(links)
    # What the source article holds: the image and link URLs of its HTML once lazy loaders,
    # proxies, relative URLs and tracking parameters are resolved, outside what a rule removes
    # (cruft, page chrome around a main article). Each must appear in the output.
    source_chars = len("".join(markdown_visible_text(post.body).split()))
    article_images: set[str] = set()
    article_links: set[str] = set()
    base = post.source_url("from") if post.format else None
    rules = _tools(CleanOptions()).rules
    for span in find_html(normalize_newlines(post.body)):
        tree = parse_fragment(span.html)
        report = FragmentReport()
        for cruft in find_cruft(tree, rules, (urlsplit(base).hostname or "") if base else None):
            cruft.element.decompose()
        main = find_main_article(tree, rules)
        root = main[1] if main else tree
        resolve_lazy_images(tree, report)
        unwrap_image_proxies(tree, report)
        absolutize_urls(tree, base, report)
        drop_tracking_params(tree, rules, report)
        for image in root.find_all("img"):
            src = str(image.get("src") or "")
            if src.startswith(("http://", "https://")) and not getattr(image, "decomposed", False):
                article_images.add(src)
        for link in root.find_all("a", href=True):
            href = str(link["href"])
            if href.startswith(("http://", "https://")) and link.get_text().strip():
                article_links.add(href)
    # compared as markdown-it normalizes link targets (percent-encoding non-ASCII and the like)
    out_images, out_links = Counter(images), set(links)
    normal = {u: _MD.normalizeLink(markdown_url(u)) for u in article_images | article_links}
    row["article_images"] = len(article_images)
    row["images_missing"] = sorted(u for u in article_images if out_images[normal[u]] == 0)
    row["images_twice"] = sorted(u for u in article_images if out_images[normal[u]] > 1)
    row["article_links"] = len(article_links)
    row["links_missing"] = sorted(u for u in article_links if normal[u] not in out_links)
    removed_chars = sum(r.chars for r in result.removals)
    row["removed_share"] = removed_chars / source_chars if source_chars else 0.0
    row["removals"] = dict(Counter(r.kind for r in result.removals))
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", default=str(Path(__file__).resolve().parents[1] / ".." / "shared"
                                                          / "corpus"))
    parser.add_argument("--json", help="write every post's row here")
    parser.add_argument("--show", type=int, default=3, help="examples to print per failing check")
    parser.add_argument("--jobs", type=int, default=0)
    args = parser.parse_args()
    corpus = Path(args.corpus)
    paths = sorted(str(p) for p in corpus.glob("*/*") if p.suffix in (".md", ".markdown", ".html"))
    if not paths:
        print(f"no posts under {corpus}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    with multiprocessing.Pool(args.jobs or None) as pool:
        rows = pool.map(check, paths, chunksize=8)
    elapsed = time.perf_counter() - started
    by_site: dict[str, Counter[str]] = defaultdict(Counter)
    examples: dict[str, list[str]] = defaultdict(list)
    removed_kinds: Counter[str] = Counter()
    for row in rows:
        site = str(row["site"])
        stats = by_site[site]
        stats["posts"] += 1
        name = Path(str(row["path"])).name
        if "crash" in row:
            stats["crashes"] += 1
            examples["crash"].append(f"{name}: {row['crash']}")
            continue
        removed_kinds.update(row["removals"])  # type: ignore[arg-type]
        for key, failed in (("lost-text", bool(row["lost"])), ("html-left", bool(row["tags"])),
                            ("markers-left", bool(row["markers"])), ("not-idempotent", not row["idempotent"]),
                            ("front-matter-changed", not row["front_matter_kept"])):
            if failed:
                stats[key] += 1
                detail = row["lost"] if key == "lost-text" else row["tags"] if key == "html-left" else row["markers"]
                examples[key].append(f"{name}: {detail if key not in ('not-idempotent',) else ''}"[:300])
        stats["article-images"] += int(row["article_images"])  # type: ignore[call-overload]
        stats["images-missing"] += len(row["images_missing"])  # type: ignore[arg-type]
        stats["images-twice"] += len(row["images_twice"])  # type: ignore[arg-type]
        stats["article-links"] += int(row["article_links"])  # type: ignore[call-overload]
        stats["links-missing"] += len(row["links_missing"])  # type: ignore[arg-type]
        for key in ("images_missing", "images_twice", "links_missing"):
            if row[key]:
                examples[key].append(f"{name}: {row[key][:2]}")
        stats["changed"] += bool(row["changed"])
        share = float(row["removed_share"])  # type: ignore[arg-type]
        stats["removed-share-x1000"] += int(share * 1000)
        if share > 0.5:
            stats["removed>50%"] += 1
            examples["removed>50%"].append(f"{name}: {share:.0%}")
    columns = ["posts", "crashes", "lost-text", "html-left", "markers-left", "not-idempotent",
               "front-matter-changed", "removed>50%", "article-images", "images-missing", "images-twice",
               "article-links", "links-missing"]
    total: Counter[str] = Counter()
    print("| site | " + " | ".join(columns) + " | mean removed |")
    print("|---" * (len(columns) + 2) + "|")
    for site in sorted(by_site):
        stats = by_site[site]
        total.update(stats)
        mean = stats["removed-share-x1000"] / 1000 / max(1, stats["posts"])
        print(f"| {site} | " + " | ".join(str(stats[c]) for c in columns) + f" | {mean:.1%} |")
    mean = total["removed-share-x1000"] / 1000 / max(1, total["posts"])
    print("| **total** | " + " | ".join(str(total[c]) for c in columns) + f" | {mean:.1%} |")
    print(f"\n{len(rows)} posts in {elapsed:.1f}s; removed by kind: {dict(sorted(removed_kinds.items()))}")
    for key, items in sorted(examples.items()):
        print(f"\n{key} ({len(items)}):")
        for item in items[: args.show]:
            print("  ", item)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    failed = sum(total[c] for c in ("crashes", "lost-text", "html-left", "markers-left", "not-idempotent",
                                    "front-matter-changed", "images-missing", "images-twice", "links-missing"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
