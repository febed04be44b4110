"""Sanitize stage: one allow-list policy behind one seam, applied by nh3 (default) or bleach.

bleach is end-of-life (6.4.0 was announced as its last release), so it is an optional extra
(``pip install postkit[bleach]``) kept for users who need its exact behaviour; both backends get
the same policy and run the same tests. The seam takes and returns serialized HTML because
both libraries parse their input themselves: this is the one re-parse of a fragment in the
pipeline, forced by the sanitizer libraries.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from postkit.errors import ConfigError
from postkit.pipeline.html import elements, inner_html, parse_fragment, remove_keep_tail

if TYPE_CHECKING:
    from lxml.html import HtmlElement

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "address",
        "article",
        "aside",
        "b",
        "blockquote",
        "br",
        "caption",
        "cite",
        "code",
        "dd",
        "del",
        "details",
        "dfn",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "i",
        "iframe",
        "img",
        "ins",
        "kbd",
        "li",
        "main",
        "mark",
        "nav",
        "ol",
        "p",
        "picture",
        "pre",
        "q",
        "s",
        "samp",
        "section",
        "small",
        "source",
        "span",
        "strike",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "time",
        "tr",
        "u",
        "ul",
        "var",
        "video",
        "audio",
    }
)
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "title"}),
    "img": frozenset({"src", "alt", "title", "width", "height"}),
    "iframe": frozenset({"src", "title"}),
    "video": frozenset({"src", "poster", "title"}),
    "audio": frozenset({"src", "title"}),
    "source": frozenset({"src", "type"}),
    "td": frozenset({"colspan", "rowspan", "align"}),
    "th": frozenset({"colspan", "rowspan", "align"}),
    "ol": frozenset({"start"}),
    "code": frozenset({"class"}),
    "pre": frozenset({"class"}),
}
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
# Removed with their content: their text is code or styling, never article words.
CONTENT_FREE_TAGS = frozenset({"script", "style"})


@dataclass(frozen=True)
class Policy:
    tags: frozenset[str] = ALLOWED_TAGS
    attributes: tuple[tuple[str, frozenset[str]], ...] = tuple(sorted(ALLOWED_ATTRIBUTES.items()))
    schemes: frozenset[str] = ALLOWED_SCHEMES
    allow_data_images: bool = False

    def attribute_map(self) -> dict[str, set[str]]:
        return {tag: set(attrs) for tag, attrs in self.attributes}


Sanitizer = Callable[[str], str]


def nh3_sanitizer(policy: Policy) -> Sanitizer:
    import nh3

    schemes = set(policy.schemes) | ({"data"} if policy.allow_data_images else set())

    def keep_attribute(tag: str, attribute: str, value: str) -> str | None:
        # data: URLs only ever as an image source, and only when the policy allows them
        if value.strip().lower().startswith("data:") and not (tag == "img" and attribute == "src"):
            return None
        return value

    cleaner = nh3.Cleaner(
        tags=set(policy.tags),
        clean_content_tags=set(CONTENT_FREE_TAGS),
        attributes=policy.attribute_map(),
        attribute_filter=keep_attribute if policy.allow_data_images else None,
        url_schemes=schemes,
        strip_comments=True,
        link_rel=None,
    )
    return cleaner.clean


def bleach_sanitizer(policy: Policy) -> Sanitizer:
    try:
        import bleach
    except ImportError:
        raise ConfigError("sanitizer 'bleach' needs the bleach extra: pip install 'postkit[bleach]'") from None

    protocols = set(policy.schemes) | ({"data"} if policy.allow_data_images else set())
    attributes = policy.attribute_map()

    def keep_attribute(tag: str, name: str, value: str) -> bool:
        if name not in attributes.get(tag, set()):
            return False
        return not (value.strip().lower().startswith("data:") and not (tag == "img" and name == "src"))

    cleaner = bleach.Cleaner(
        tags=set(policy.tags),
        attributes=keep_attribute,
        protocols=protocols,
        strip=True,
        strip_comments=True,
    )

    def clean(html: str) -> str:
        # bleach's strip=True keeps the text of <script> and <style>; the policy says their content goes.
        return cleaner.clean(_drop_content_free(html))

    return clean


def _drop_content_free(html: str) -> str:
    if "<script" not in html.lower() and "<style" not in html.lower():
        return html
    tree = parse_fragment(html)
    for element in elements(tree, *CONTENT_FREE_TAGS):
        remove_keep_tail(element)
    return inner_html(tree)


# Attributes a sanitizer reads as URLs; only their scheme is checked here.
URL_ATTRIBUTES = frozenset({"href", "src", "poster", "cite"})
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_URL_EDGE = "".join(map(chr, range(0x21)))


def enforce_policy(tree: HtmlElement, policy: Policy) -> None:
    """Drop the attributes the policy does not allow, on the pipeline's own tree.

    Only what every backend certainly drops is dropped here (an attribute not on the list, a
    URL whose scheme is not allowed), so the backend's own result stays what it was; a tree
    that keeps the policy comes back from the sanitizer unchanged, which the pipeline checks.
    """
    allowed, schemes = _lookups(policy)
    for element in elements(tree):
        attributes = element.attrib
        if not attributes:
            continue
        keep = allowed.get(element.tag, _NONE)
        if not keep.issuperset(attributes):
            # rebuilt, not deleted one by one: lxml reads a name like `{x}y` as namespaced and
            # cannot delete it by that name
            kept = [(name, value) for name, value in attributes.items() if name in keep]
            attributes.clear()
            for name, value in kept:
                attributes[name] = value
        for name in URL_ATTRIBUTES.intersection(attributes):
            url = attributes[name].strip(_URL_EDGE)
            scheme = _SCHEME.match(url.replace("\t", "").replace("\n", "").replace("\r", ""))
            if scheme is None:
                continue
            lowered = scheme.group(1).lower()
            if lowered not in schemes or (lowered == "data" and not (element.tag == "img" and name == "src")):
                del attributes[name]


_NONE: frozenset[str] = frozenset()


@lru_cache(maxsize=8)
def _lookups(policy: Policy) -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """The policy's attributes by tag and its URL schemes, as ``enforce_policy`` asks for them."""
    return dict(policy.attributes), policy.schemes | ({"data"} if policy.allow_data_images else _NONE)


SANITIZERS: dict[str, Callable[[Policy], Sanitizer]] = {"nh3": nh3_sanitizer, "bleach": bleach_sanitizer}


def make_sanitizer(name: str, policy: Policy | None = None) -> Sanitizer:
    try:
        factory = SANITIZERS[name]
    except KeyError:
        raise ConfigError(f"unknown sanitizer '{name}'; choose one of: {', '.join(SANITIZERS)}") from None
    return factory(policy or Policy())
