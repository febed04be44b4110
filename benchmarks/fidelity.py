"""Fidelity of `postkit clean` over a corpus of real posts, per source site and in total.

    python benchmarks/fidelity.py [CORPUS] [--json OUT] [--show N]

CORPUS defaults to ../shared/corpus; each sub-folder is a site. Posts are cleaned in memory
(the files are never written). For every post it checks: no crash; verify found no lost text;
no HTML tags left outside comments and code; no ad/promo/tracking/script markers left; images
and links kept (none shown more often than in the source article); headings, list items, block
quotes, tables and runs of emphasis kept (counted as a reader sees them: in the source article's
Markdown with its HTML blanked and in its HTML tree, and in what a CommonMark renderer makes of the
output); cleaning the output again changes nothing; the front matter is byte-identical; and what
share of the body's text the strip stage removed (flagged above half, comments and related posts aside).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import sys
import time
import traceback
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from markdown_it import MarkdownIt

from postkit.pipeline import CleanOptions, _tools, clean_post
from postkit.pipeline.html import (
    elements,
    first,
    new_element,
    parse_fragment,
    plain_text,
    visible_text,
)
from postkit.pipeline.markdown_text import escape_url as markdown_url
from postkit.pipeline.repair import (
    absolutize_urls,
    decode_protected_emails,
    drop_tracking_params,
    join_segment_breaks,
    resolve_lazy_images,
    unwrap_image_proxies,
    unwrap_layout_tables,
)
from postkit.pipeline.report import FragmentReport
from postkit.pipeline.strip import find_cruft, find_main_article, remove_cruft
from postkit.pipeline.verify import markdown_visible_text
from postkit.post import read_post
from postkit.segments import PLACEHOLDER_RE, HtmlSpan, code_regions, find_html, normalize_newlines

if TYPE_CHECKING:
    from lxml.html import HtmlElement

MARKERS = re.compile(
    r"utm_[a-z]+=|dfp-ad|adslot|innity-in-post|sharedaddy|jp-relatedposts|o-self-promo|subscribe\.sph\.com\.sg"
    r"|feeds\.feedburner\.com/~|<script|\]\(\s*javascript:|medium\.com/_/stat|moreArticle|service-links|获取更多RSS",
    re.IGNORECASE,
)
_MD = MarkdownIt("commonmark").enable("table")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*")
_HTML_TAG = re.compile(r"<(/?)((?:[^<>\"']|\"[^\"]*\"|'[^']*')*)>")


def leftover_tags(markdown: str) -> list[str]:
    """HTML tags a CommonMark renderer would pass through, outside comments and code."""
    found: list[str] = []
    for token in _MD.parse(markdown):
        if token.type == "html_block" and _TAG.search(_COMMENT.sub("", token.content)):
            found.append(token.content.strip()[:80])
        found.extend(
            child.content[:80]
            for child in token.children or ()
            if child.type == "html_inline" and not child.content.startswith("<!--")
        )
    return found


def without_code(markdown: str) -> str:
    """The Markdown with its code blocks and code spans blanked: markup shown as code (`<script>`
    in a sentence about Ember) is content, not cruft."""
    chars = list(markdown)
    for start, end in code_regions(markdown):
        chars[start:end] = [" " if char != "\n" else char for char in chars[start:end]]
    return "".join(chars)


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


# Structures counted on both sides: HTML elements in the source article, markdown-it tokens in Markdown.
# Each is counted as a reader sees it: an element with nothing visible in it is no structure.
STRUCTURES = {
    "headings": (("h1", "h2", "h3", "h4", "h5", "h6"), "heading_open"),
    "list-items": (("li",), "list_item_open"),
    "quotes": (("blockquote",), "blockquote_open"),
    "tables": (("table",), "table_open"),
    "emphasis": (("b", "strong", "i", "em"), "strong_open"),  # in word characters: see emphasized_chars
}
EMPHASIS_KIND = {"b": "strong", "strong": "strong", "i": "em", "em": "em"}
# Removals that are not the article's text: counted apart in the removed share that is flagged.
NOT_ARTICLE = ("comments", "related-posts")
ARTICLE_REMOVED = "article-removed>50%"
# A post whose output still holds more than this share of its text in cruft the rules know is flagged.
CRUFT_LEFT_FLAG = 0.01


def cruft_left(markdown: str, host: str | None) -> Counter[str]:
    """Characters of the output that the rules would still remove, by the rules' kind.

    The output is rendered (CommonMark) and read back as HTML, so what a rule can still see in
    it is text and links: chrome-text lines and labels, :has-text() rules, promo links, pixels.
    """
    rules = _tools(CleanOptions()).rules
    tree = parse_fragment(_MD.render(markdown))
    left: Counter[str] = Counter()
    for cruft in find_cruft(tree, rules, host):
        left[cruft.kind] += len("".join(visible_text(cruft.element).split()))
    return left


def markdown_structures(markdown: str) -> Counter[str]:
    """Counts of each structure a CommonMark (+ tables) renderer finds in Markdown, HTML blocks aside."""
    counts: Counter[str] = Counter()

    heading = [False]

    def walk(tokens: list) -> None:  # type: ignore[type-arg]
        depth = 0  # inside bold or italic: emphasis is counted in word characters, as in the source
        for token in tokens:
            for name, (_, token_types) in STRUCTURES.items():
                if name != "emphasis" and token.type == token_types:
                    counts[name] += 1
            if token.type in ("heading_open", "heading_close"):
                heading[0] = token.type == "heading_open"  # a heading's emphasis is not counted: see emphasized_chars
            elif heading[0]:
                pass
            elif token.type in ("strong_open", "em_open"):
                depth += 1
            elif token.type in ("strong_close", "em_close"):
                depth -= 1
            elif depth and token.type in ("text", "code_inline"):
                counts["emphasis"] += _word_chars(token.content)
            if token.children:
                walk(token.children)

    walk(_MD.parse(markdown))
    return counts


def blank_html(body: str, spans: list[HtmlSpan]) -> str:
    """The body (LF newlines) with the HTML of its spans blanked, so markdown-it counts only Markdown.

    What markdown-it would read as Markdown inside HTML (`# comment` in a pretty-printed <pre>) is
    not counted: the HTML's structures are counted from its tree. A block span becomes spaces,
    its lines and container markers (`> `) kept. An inline span keeps the Markdown between its
    tags (its placeholders: not in the tree), and each tag becomes a bare `<xxx>` of its length,
    so Markdown emphasis around it (`**<font>su root</font>**`) still opens and closes.
    """
    chars = list(body)
    for span in spans:
        if span.block and not span.kept:
            quotes = span.prefix.count(">")
            pos = span.start
            for n, line in enumerate(body[span.start : span.end].split("\n")):
                marker = re.match("(?: {0,3}> ?)" * quotes, line)
                keep = len(span.first_prefix) if n == 0 else marker.end() if marker else 0
                chars[pos + keep : pos + len(line)] = " " * (len(line) - keep)
                pos += len(line) + 1
            continue
        pos = span.start
        for i, part in enumerate(PLACEHOLDER_RE.split(span.html)):
            if i % 2:  # a placeholder: the kept Markdown stays
                pos += len(span.kept[int(part)])
                continue
            for tag in _HTML_TAG.finditer(part):
                inner = range(pos + tag.start() + 1 + len(tag.group(1)), pos + tag.end() - 1)
                chars[inner.start : inner.stop] = ["\n" if chars[j] == "\n" else "x" for j in inner]
            pos += len(part)
    return "".join(chars)


def _shows(element: HtmlElement) -> bool:
    """The element holds text a reader sees (not only spaces, zero-width or control characters), or an image."""
    return (
        any(not char.isspace() and unicodedata.category(char) not in ("Cc", "Cf") for char in visible_text(element))
        or first(element, "img") is not None
    )


def _word_chars(text: str) -> int:
    """Letters, marks and digits: what emphasis is measured in (punctuation alone makes none)."""
    return sum(1 for char in text if unicodedata.category(char)[0] in "LMN")


_NOT_COUNTED = ("pre", "code", "h1", "h2", "h3", "h4", "h5", "h6")
# A backslash escape: what the converter adds where text would otherwise be read as syntax.
ESCAPE = re.compile(r"\\[!-/:-@\[-`{-~]")


def emphasized_chars(root: HtmlElement, kept: list[str]) -> int:
    """Word characters inside bold or italic, outermost emphasis only, code aside.

    Counted in characters, not runs: `<b>a</b><b>b</b>` and `**ab**`, or bold split around a link,
    hold the same emphasized words. ``kept`` is the Markdown the tree's placeholders stand for.
    """
    total = 0
    for element in elements(root, *EMPHASIS_KIND):
        # a heading is emphasis already: `<h3><b>T</b></h3>` is `### T`, and its bold is not counted
        if any(parent.tag in EMPHASIS_KIND or parent.tag in _NOT_COUNTED for parent in element.iterancestors()):
            continue
        total += _word_chars(PLACEHOLDER_RE.sub(lambda m: kept[int(m.group(1))], visible_text(element)))
    return total


def html_structures(root: HtmlElement, kept: list[str]) -> Counter[str]:
    """Counts of each structure a reader sees in an HTML tree that clean's layout-table and segment-break
    steps went over (see check); ``kept`` is the Markdown its placeholders stand for."""
    counts: Counter[str] = Counter()
    for name, (tags, _) in STRUCTURES.items():
        if name == "emphasis":
            counts[name] += emphasized_chars(root, kept)
        elif name == "tables":
            counts[name] += len(elements(root, *tags))
        else:
            counts[name] += sum(1 for element in elements(root, *tags) if _shows(element))
    return counts


# What the posts are cleaned with; --converter sets it (for the worker processes too: they fork).
OPTIONS = CleanOptions()


def check(path: str) -> dict[str, object]:
    row: dict[str, object] = {"path": path, "site": Path(path).parent.name}
    try:
        post = read_post(path)
        result = clean_post(post, OPTIONS)
        again = clean_post(result.post, OPTIONS) if result.post is not None else None
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
    row["escapes_added"] = max(0, len(ESCAPE.findall(body_out)) - len(ESCAPE.findall(post.body)))
    images, links = markdown_urls(body_out)
    row["images_out"] = len(images)
    row["links_out"] = len(links)
    # What the source article holds: the image and link URLs of its HTML once lazy loaders,
    # proxies, relative URLs and tracking parameters are resolved, outside what a rule removes
    # (cruft, page chrome around a main article). Each must appear in the output.
    source_chars = len("".join(markdown_visible_text(post.body).split()))
    article_images: Counter[str] = Counter()  # how often each shows
    article_links: set[str] = set()
    body = normalize_newlines(post.body)
    spans = find_html(body)
    markdown_part = blank_html(body, spans)
    source_structures = markdown_structures(markdown_part)
    base = post.source_url("from") if post.format else None
    rules = _tools(CleanOptions()).rules
    for span in spans:
        tree = parse_fragment(span.html)
        report = FragmentReport()
        remove_cruft(tree, rules, (urlsplit(base).hostname or "") if base else None)  # as strip_cruft does
        main = find_main_article(tree, rules)
        root = main[1] if main else tree
        resolve_lazy_images(tree, report)
        unwrap_image_proxies(tree, report)
        decode_protected_emails(tree, report)
        absolutize_urls(tree, base, report)
        drop_tracking_params(tree, rules, report)
        for image in elements(root, "img"):  # what a stage removed is no longer under root
            src = image.get("src") or ""
            if src.startswith(("http://", "https://")):
                article_images[src] += 1
        for link in elements(root, "a"):
            href = link.get("href") or ""
            if href.startswith(("http://", "https://")) and plain_text(link).strip():
                article_links.add(href)
        if root is not tree:  # held in a wrapper, so an article that is a layout table is unwrapped in place
            wrapper = new_element("div")
            root.addprevious(wrapper)
            wrapper.tail, root.tail = root.tail, None
            wrapper.append(root)
            root = wrapper
        # as clean does: layout tables become their cells' blocks; line breaks between CJK characters vanish
        unwrap_layout_tables(tree)
        join_segment_breaks(tree)
        source_structures.update(html_structures(root, span.kept))
    # compared as markdown-it normalizes link targets (percent-encoding non-ASCII and the like)
    out_images, out_links = Counter(images), set(links)
    normal = {u: _MD.normalizeLink(markdown_url(u)) for u in article_images.keys() | article_links}
    source_images = Counter(markdown_urls(markdown_part)[0])  # the article's Markdown images and its HTML's
    for url, times in article_images.items():
        source_images[normal[url]] += times
    row["article_images"] = len(article_images)
    row["images_missing"] = sorted(u for u in article_images if out_images[normal[u]] == 0)
    # twice: the output shows an image more often than the source article does
    row["images_twice"] = sorted(u for u in article_images if out_images[normal[u]] > source_images[normal[u]])
    row["article_links"] = len(article_links)
    row["links_missing"] = sorted(u for u in article_links if normal[u] not in out_links)
    out_structures = markdown_structures(body_out)
    title_headings = sum(1 for r in result.removals if r.kind == "title")  # the heading that repeats the title
    source_structures["headings"] -= title_headings
    row["structures"] = {name: [out_structures[name], source_structures[name]] for name in STRUCTURES}
    removed_chars: Counter[str] = Counter()
    for removal in result.removals:
        removed_chars[removal.kind] += removal.chars
    article_removed = sum(chars for kind, chars in removed_chars.items() if kind not in NOT_ARTICLE)
    row["removed_share"] = sum(removed_chars.values()) / source_chars if source_chars else 0.0
    row["article_removed_share"] = article_removed / source_chars if source_chars else 0.0  # comments etc. aside
    row["removals"] = dict(Counter(r.kind for r in result.removals))
    row["removed_chars"] = dict(removed_chars)
    left = cruft_left(body_out, (urlsplit(base).hostname or "") if base else None)
    row["source_chars"] = source_chars
    row["cruft_left"] = dict(left)
    row["cruft_left_share"] = sum(left.values()) / source_chars if source_chars else 0.0
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "corpus", nargs="?", default=str(Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus")
    )
    parser.add_argument("--json", help="write every post's row here")
    parser.add_argument("--show", type=int, default=3, help="examples to print per failing check")
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--converter", default="postkit", help="postkit (default) or markdownify")
    args = parser.parse_args()
    corpus = Path(args.corpus)
    paths = sorted(str(p) for p in corpus.glob("*/*") if p.suffix in (".md", ".markdown", ".html"))
    if not paths:
        print(f"no posts under {corpus}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    global OPTIONS
    OPTIONS = CleanOptions(converter=args.converter)
    with multiprocessing.Pool(args.jobs or None) as pool:
        rows = pool.map(check, paths, chunksize=8)
    elapsed = time.perf_counter() - started
    by_site: dict[str, Counter[str]] = defaultdict(Counter)
    examples: dict[str, list[str]] = defaultdict(list)
    removed_kinds: Counter[str] = Counter()
    removed_chars: Counter[str] = Counter()
    left_chars: Counter[str] = Counter()  # cruft left in the outputs, by kind
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
        removed_chars.update(row["removed_chars"])  # type: ignore[arg-type]
        for key, failed in (
            ("lost-text", bool(row["lost"])),
            ("html-left", bool(row["tags"])),
            ("markers-left", bool(row["markers"])),
            ("not-idempotent", not row["idempotent"]),
            ("front-matter-changed", not row["front_matter_kept"]),
        ):
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
        for structure, (kept, source) in row["structures"].items():  # type: ignore[attr-defined]
            stats[f"{structure}-out"] += kept
            stats[f"{structure}-source"] += source
            if kept != source:
                examples[f"{structure}-differ"].append(f"{name}: out {kept}, source {source}")
        stats["changed"] += bool(row["changed"])
        stats["escapes-added"] += int(row["escapes_added"])  # type: ignore[call-overload]
        stats["source-chars"] += int(row["source_chars"])  # type: ignore[call-overload]
        stats["removed-chars"] += sum(row["removed_chars"].values())  # type: ignore[attr-defined]
        stats["cruft-left-chars"] += sum(row["cruft_left"].values())  # type: ignore[attr-defined]
        left_chars.update(row["cruft_left"])  # type: ignore[arg-type]
        if float(row["cruft_left_share"]) > CRUFT_LEFT_FLAG:  # type: ignore[arg-type]
            stats["cruft-left>1%"] += 1
            examples["cruft-left>1%"].append(f"{name}: {row['cruft_left']}")
        share = float(row["removed_share"])  # type: ignore[arg-type]
        stats["removed-share-x1000"] += int(share * 1000)
        article_share = float(row["article_removed_share"])  # type: ignore[arg-type]
        if article_share > 0.5:
            stats[ARTICLE_REMOVED] += 1
            examples[ARTICLE_REMOVED].append(f"{name}: {article_share:.0%} ({share:.0%} with comments, related)")
    columns = [
        "posts",
        "crashes",
        "lost-text",
        "html-left",
        "markers-left",
        "not-idempotent",
        "front-matter-changed",
        ARTICLE_REMOVED,
        "article-images",
        "images-missing",
        "images-twice",
        "article-links",
        "links-missing",
    ]
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
    print("\n| site | backslash escapes added per post | posts with none |\n|---|---|---|")
    for site in [*sorted(by_site), "**total**"]:
        stats = total if site == "**total**" else by_site[site]
        without = sum(
            1 for row in rows if (site == "**total**" or row["site"] == site) and not row.get("escapes_added")
        )
        print(f"| {site} | {stats['escapes-added'] / max(1, stats['posts']):.2f} | {without} |")
    labels = {"emphasis": "emphasized characters"}
    print("\n| site | " + " | ".join(f"{labels.get(name, name)} out/source" for name in STRUCTURES) + " |")
    print("|---" * (len(STRUCTURES) + 1) + "|")
    for site in [*sorted(by_site), "**total**"]:
        stats = total if site == "**total**" else by_site[site]
        cells = [
            f"{stats[name + '-out']:,}/{stats[name + '-source']:,}"
            + (f" ({stats[name + '-out'] / stats[name + '-source']:.1%})" if stats[name + "-source"] else "")
            for name in STRUCTURES
        ]
        print(f"| {site} | " + " | ".join(cells) + " |")
    print("\n| site | posts | text removed | cruft left | posts with cruft left >1% |")
    print("|---|---|---|---|---|")
    for site in [*sorted(by_site), "**total**"]:
        stats = total if site == "**total**" else by_site[site]
        chars = max(1, stats["source-chars"])
        print(
            f"| {site} | {stats['posts']} | {stats['removed-chars'] / chars:.2%} | "
            f"{stats['cruft-left-chars'] / chars:.3%} | {stats['cruft-left>1%']} "
            f"({stats['cruft-left>1%'] / max(1, stats['posts']):.1%}) |"
        )
    print(f"cruft left by kind (chars the rules would still remove from the outputs): {dict(left_chars.most_common())}")
    print(f"\n{len(rows)} posts in {elapsed:.1f}s; removed by kind: {dict(sorted(removed_kinds.items()))}")
    all_removed = max(1, sum(removed_chars.values()))
    shares = [f"{kind} {removed_chars[kind] / all_removed:.1%}" for kind in NOT_ARTICLE]
    other = sum(chars for kind, chars in removed_chars.items() if kind not in NOT_ARTICLE)
    print(
        f"removed text: {sum(removed_chars.values()):,} chars, of them {', '.join(shares)}, "
        f"other kinds {other / all_removed:.1%}; by kind: {dict(removed_chars.most_common())}"
    )
    print(
        f"{ARTICLE_REMOVED}: posts where removals other than {' and '.join(NOT_ARTICLE)} took over half "
        "the body's text; mean removed counts every kind"
    )
    for key, items in sorted(examples.items()):
        print(f"\n{key} ({len(items)}):")
        for item in items[: args.show]:
            print("  ", item)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    failed = sum(
        total[c]
        for c in (
            "crashes",
            "lost-text",
            "html-left",
            "markers-left",
            "not-idempotent",
            "front-matter-changed",
            "images-missing",
            "images-twice",
            "links-missing",
        )
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
