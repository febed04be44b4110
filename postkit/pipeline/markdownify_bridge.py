"""The bridge from the pipeline's lxml tree to the bs4 tree markdownify walks: temporary, for markdownify only.

The tree stages work on lxml; markdownify (``tree_to_markdown``) needs a bs4 tree. Until the
lxml-native renderer replaces it, the final tree is serialized once and parsed once more by bs4
here. Delete this module with markdownify.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from bs4 import BeautifulSoup, Tag, XMLParsedAsHTMLWarning

from postkit.pipeline.html import inner_html

if TYPE_CHECKING:
    from lxml.html import HtmlElement


def to_bs4_for_markdownify(tree: HtmlElement) -> BeautifulSoup:
    """The final lxml tree as the bs4 tree markdownify needs: serialized once and parsed by bs4.

    libxml2 writes the tree and libxml2 (under bs4) reads it back, so the shape survives even
    where libxml2's idea of an element differs from HTML5's (it nests what follows a ``<source>``
    inside it, which the HTML5 form of ``serialize_html`` would not write).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)  # text that looks like XML is HTML here
        return FastSoup(inner_html(tree), "lxml", element_classes={Tag: FastTag})


class _FastFind:
    """Fast paths for the lookups markdownify makes by tag name, for Tag and the document alike.

    bs4's general matcher builds a filter object per call; finding by plain names is a walk
    with a set lookup. Anything but a plain name lookup goes to bs4 unchanged.
    """

    descendants: Any
    parent: Any

    def find_all(
        self,
        name: Any = None,
        attrs: Any = None,
        recursive: bool = True,
        string: Any = None,
        limit: Any = None,
        **kwargs: Any,
    ) -> Any:
        names = None if name is True else _plain_names(name)
        present = _present_attrs(attrs, kwargs)  # `href=True`: the attribute is there, whatever its value
        if (names is None and name is not True) or present is None or not recursive or string is not None or limit:
            general: Any = super().find_all  # type: ignore[misc]
            return general(name, attrs, recursive, string, limit, **kwargs)
        return [
            node
            for node in self.descendants
            if isinstance(node, Tag)
            and (names is None or node.name in names)
            and all(key in node.attrs for key in present)
        ]

    def find_parent(self, name: Any = None, attrs: Any = None, **kwargs: Any) -> Any:
        names = _plain_names(name)
        if names is None or attrs or kwargs:
            general: Any = super().find_parent  # type: ignore[misc]
            return general(name, attrs, **kwargs)
        node = self.parent
        while node is not None:
            if node.name in names:
                return node
            node = node.parent
        return None


class FastTag(_FastFind, Tag):
    """bs4's Tag with the fast name lookups."""


class FastSoup(_FastFind, BeautifulSoup):
    """The document itself with the fast name lookups (markdownify's helpers search from the root)."""


def _present_attrs(attrs: Any, kwargs: dict[str, Any]) -> tuple[str, ...] | None:
    """The attribute names a lookup asks to be present (``href=True``), or None for any other filter."""
    wanted = {**(attrs if isinstance(attrs, dict) else {}), **kwargs}
    if (attrs and not isinstance(attrs, dict)) or any(value is not True for value in wanted.values()):
        return None
    if "class_" in wanted:
        return None
    return tuple(wanted)


def _plain_names(name: Any) -> frozenset[str] | None:
    if isinstance(name, str):
        return frozenset((name,))
    if isinstance(name, (tuple, list, set, frozenset)) and all(isinstance(n, str) for n in name):
        return frozenset(name)
    return None
