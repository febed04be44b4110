"""One HTML fragment through the tree stages, in order, on one lxml tree.

parse -> strip (rule packs, main article, title) -> repair (lazy images, proxies, emails, URLs,
duplicates, tracking, captions, embeds, layout tables) -> strip inert -> join CJK line breaks ->
[the tree's visible text, for verify] -> sanitize (policy on the tree, nh3/bleach as the proof)
-> render Markdown -> verify. The tree is parsed once; the sanitizer's output is parsed again
only when it changed something (never on the corpus' clean fragments).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from postkit.errors import ConfigError
from postkit.pipeline.html import inner_html, parse_fragment, serialize_html, visible_text
from postkit.pipeline.options import CleanOptions
from postkit.pipeline.render import render_markdown
from postkit.pipeline.repair import (
    absolutize_urls,
    decode_protected_emails,
    drop_duplicate_images,
    drop_tracking_params,
    host_of,
    join_segment_breaks,
    link_empty_embeds,
    resolve_lazy_images,
    unwrap_image_proxies,
    unwrap_layout_tables,
    wrap_loose_captions,
)
from postkit.pipeline.report import FragmentReport, Removal
from postkit.pipeline.sanitize import Policy, Sanitizer, enforce_policy, make_sanitizer
from postkit.pipeline.strip import drop_title_heading, keep_main_article, strip_cruft, strip_inert
from postkit.pipeline.verify import lost_text, markdown_visible_text
from postkit.rules import RuleBook, load_rulebook

if TYPE_CHECKING:
    from lxml.html import HtmlElement


@dataclass(frozen=True)
class _Tools:
    rules: RuleBook
    policy: Policy
    sanitize: Sanitizer


@lru_cache(maxsize=8)
def _tools(options: CleanOptions) -> _Tools:
    rules = load_rulebook(options.rule_files)
    policy = Policy(allow_data_images=options.allow_data_images)
    return _Tools(rules=rules, policy=policy, sanitize=make_sanitizer(options.sanitizer, policy))


def convert_fragment(
    html: str,
    *,
    base: str | None,
    options: CleanOptions,
    line: int = 1,
    title: str | None = None,
    inline: bool = False,
    locator: Callable[[HtmlElement], Callable[[HtmlElement], tuple[int, int]]] | None = None,
    references: bool = True,
    excerpts: bool = True,
) -> tuple[str, FragmentReport]:
    """One HTML fragment through strip, repair, sanitize, convert and verify.

    ``references``: the post may define link references, so a `[` in text is always escaped.
    ``excerpts``: cruft removed is recorded with its excerpt and size (see ``remove_cruft``).
    """
    tools = _tools(options)
    report = FragmentReport(excerpts=excerpts)
    tree = parse_fragment(html)
    # lxml makes a Python object for an element whenever code reaches it and none is alive, and
    # frees it when the code lets go; held here, each element's is made once, not once per pass
    elements_alive = list(tree.iter())
    if locator is not None:
        report.locate = locator(tree)
    host = host_of(base)
    strip_cruft(tree, tools.rules, host, report)
    keep_main_article(tree, tools.rules, report)
    drop_title_heading(tree, title, report)
    resolve_lazy_images(tree, report)
    unwrap_image_proxies(tree, report)
    decode_protected_emails(tree, report)
    absolutize_urls(tree, base, report, options.site)
    drop_duplicate_images(tree, report)
    drop_tracking_params(tree, tools.rules, report)
    wrap_loose_captions(tree)
    link_empty_embeds(tree)
    unwrap_layout_tables(tree)
    strip_inert(tree, report, tools.policy.tags)
    join_segment_breaks(tree)
    expected = visible_text(tree)
    sanitized = _sanitized_tree(tree, tools)
    markdown, shown = _convert(sanitized, inline=inline, options=options, references=references)
    report.lost.extend(lost_text(expected, shown, line))
    del elements_alive
    if report.removals and line > 1 and locator is None:
        report.removals[:] = [Removal(r.kind, r.rule, r.excerpt, r.chars, line) for r in report.removals]
    return markdown, report


CONVERTERS = ("postkit", "markdownify")


def _convert(tree: HtmlElement, *, inline: bool, options: CleanOptions, references: bool = True) -> tuple[str, str]:
    """The Markdown for a sanitized tree and the text it shows, by the configured converter."""
    if options.converter == "markdownify":
        # markdownify works on BeautifulSoup trees only: the one re-parse, for this converter alone
        from postkit.pipeline.markdownify_bridge import to_bs4_for_markdownify
        from postkit.pipeline.markdownify_converter import tree_to_markdown

        markdown = tree_to_markdown(to_bs4_for_markdownify(tree), inline=inline)
        return markdown, markdown_visible_text(markdown)
    if options.converter != "postkit":
        raise ConfigError(f"unknown converter {options.converter!r}; expected one of {', '.join(CONVERTERS)}")
    dialect = "commonmark" if options.markdown == "auto" else options.markdown
    return render_markdown(tree, inline=inline, dialect=dialect, references=references)


def _sanitized_tree(tree: HtmlElement, tools: _Tools) -> HtmlElement:
    """The tree after the sanitizer, parsed again only when the sanitizer changed something.

    The policy is enforced on the tree first; the sanitizer then runs once on its serialization
    as the proof. When it gives back exactly what it was given, the tree already holds nothing
    the policy forbids, and it is converted as it is.
    """
    enforce_policy(tree, tools.policy)
    serialized = serialize_html(tree)
    sanitized = tools.sanitize(serialized if serialized is not None else _serialize(tree))
    if sanitized == serialized:
        return tree
    return parse_fragment(sanitized)


def _serialize(tree: HtmlElement) -> str:
    """The tree's content in the general form (``inner_html``), for trees ``serialize_html`` has no spelling for."""
    return inner_html(tree)
