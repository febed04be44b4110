"""Cruft rules as data: adblock element-hiding syntax for elements, network-style patterns for URLs.

A pack is a text file in the syntax of EasyList / uBlock Origin filter lists:

    ! kind: share-bar            (postkit directive: the kind of the rules below it)
    ##.sharedaddy                (every site)
    zaobao.com##section#imu      (one site and its subdomains)
    example.com#@#.related       (an exception: not on that site)

URL packs (promo links, tracking pixels) hold one network-style pattern a line: ``||host/path``
anchors at a host and its subdomains, ``|https://`` at the start, ``*`` is a wildcard and ``^`` a
separator. Tracking parameter packs hold one query parameter name a line, ``*`` as wildcard.
Text operators (uBO ``:has-text()``, ABP ``:-abp-contains()``, with ``#?#`` or ``##``) become
``:-soup-contains()`` (the name soupsieve gave it: case-sensitive text containment), ABP's
``:-abp-has()`` becomes ``:has()``. Selectors are compiled once to XPath with cssselect and run
by libxml2 on the pipeline's lxml tree. Lines a pack cannot apply (scriptlets, other procedural
filters, regex text arguments, network options) are counted in ``RuleSet.skipped`` and ignored,
never an error.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from cssselect import HTMLTranslator, SelectorError
from cssselect.parser import Attrib, Function
from cssselect.xpath import ExpressionError, XPathExpr
from lxml import etree

from postkit.errors import ConfigError

if TYPE_CHECKING:
    from lxml.html import HtmlElement

# `.a`, `#b`, `div.a`, `div#b`: matched by name lookup alone, without a selector engine.
_SIMPLE = re.compile(r"(?P<tag>[a-zA-Z][a-zA-Z0-9-]*)?(?P<sigil>[.#])(?P<name>-?[_a-zA-Z][\w-]*)")
# postkit's one extension to the syntax: `.share-*` / `#ad-*` match class or id tokens by prefix.
_TOKEN_PREFIX = re.compile(r"(?P<tag>[a-zA-Z][a-zA-Z0-9-]*)?(?P<sigil>[.#])(?P<name>-?[_a-zA-Z][\w-]*)\*")
_ATTR_PREFIX = re.compile(
    r"(?P<tag>[a-zA-Z][a-zA-Z0-9-]*)?\[(?P<attr>id|class)\^=(?P<q>[\"']?)(?P<value>[\w-]+)(?P=q)\]"
)
# `a[href*="doubleclick"]`, `[src^="https://ads."]`: matched by one regex per attribute over all values.
_ATTR_VALUE = re.compile(
    r"(?P<tag>[a-zA-Z][a-zA-Z0-9-]*)?\[(?P<attr>[\w-]+)\s*(?P<op>[*^$]?=)\s*(?P<q>[\"'])(?P<value>[^\"'\]]+)(?P=q)\]"
)
_COMBINATOR = re.compile(r"\s*[>+~]\s*|\s+")
_UNSUPPORTED_MARKERS = ("#$#", "#%#", "#@$#", "##+js(", "##^", "#$?#")
# Procedural operators with a CSS equivalent: text matches (uBO `:has-text`, ABP
# `:-abp-contains`) and ABP's `:-abp-has`. Regex arguments (`/.../`) have none and are skipped.
_TEXT_OPERATORS = (":has-text(", ":-abp-contains(")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_CONTAINS = re.compile(r':-soup-contains\(\s*("(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\')\s*\)')


def _unquote(quoted: str) -> str:
    return re.sub(r"\\(.)", r"\1", quoted[1:-1])


_KIND = re.compile(r"!\s*kind:\s*(?P<kind>[\w-]+)\s*$")


def any_of(words: Iterable[str]) -> re.Pattern[str]:
    """One pattern for any of the words, as a trie (`share(?:on|this)`): the same matches as the
    plain alternation, but at each position the regex engine follows one branch per letter
    instead of trying every word. Searching a long page for any of fifty phrases: a third of the time.

    Runs of letters without a branch are written as one literal, so the pattern nests only where
    words part or end; words that would nest it deeper than _MOST_NESTED (a user's pack with
    hundreds of phrases each one letter longer than the last) get the plain alternation, longest first.
    """
    words = set(words)
    if not words:
        return re.compile("")
    trie: _Trie = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    if _nesting(trie) > _MOST_NESTED:
        return re.compile("|".join(re.escape(word) for word in sorted(words, key=len, reverse=True)))
    return re.compile(_trie_pattern(trie))


_Trie = dict[str, "_Trie"]
_MOST_NESTED = 50


def _nesting(trie: _Trie) -> int:
    """How deep ``_trie_pattern`` nests groups (and recurses) for this trie."""
    deepest = 0
    stack = [(trie, 0)]
    while stack:
        node, depth = stack.pop()
        opens = len(node) > 1 or "" in node  # a branch or a word's end: a group of its own
        depth += opens
        deepest = max(deepest, depth)
        stack.extend((child, depth) for char, child in node.items() if char)
    return deepest


def _trie_pattern(node: _Trie) -> str:
    branches = []
    for char, child in sorted(node.items()):
        if not char:
            continue
        literal = char
        while len(child) == 1 and "" not in child:  # one way on: letters, no group
            ((following, child),) = child.items()
            literal += following
        branches.append(re.escape(literal) + _trie_pattern(child))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body  # a word ends here, or goes on (longest first)


# The tree helpers this module needs, kept here: postkit.pipeline imports the rules.
_ALL_TEXT = etree.XPath("string()", smart_strings=False)
_PLAIN_TEXT = etree.XPath(".//text()[not(ancestor::script or ancestor::style or ancestor::template)]")


def plain_text(root: HtmlElement) -> str:
    """All the text under root, without comments and the insides of scripts, styles and templates."""
    if next(root.iter("script", "style", "template"), None) is None:
        return _ALL_TEXT(root)  # most documents: the text libxml2 joins, no test per text node
    found: list[str] = _PLAIN_TEXT(root)
    return "".join(found)


_WITH_ATTRIBUTES = etree.XPath("descendant::*[@*]")


def elements(root: HtmlElement) -> list[HtmlElement]:
    return list(root.iterdescendants(etree.Element))


# HTML splits a class attribute on ASCII white space only: `a\u00a0b` is one class.
_ASCII_SPACES = " \t\n\f\r"
_CLASS_SEPARATOR = re.compile(f"[{_ASCII_SPACES}]+")


def class_tokens(value: str) -> list[str]:
    return [name for name in _CLASS_SEPARATOR.split(value) if name]


def classes(element: HtmlElement) -> list[str]:
    """The class tokens of an element, split on ASCII white space as HTML splits them (`a\u00a0b` is one class)."""
    value = element.get("class")
    return class_tokens(value) if value else []


# Attributes whose values HTML matches case-insensitively in selectors (as soupsieve did):
# https://html.spec.whatwg.org/multipage/semantics-other.html#case-sensitivity-of-selectors
_CASE_INSENSITIVE_ATTRIBUTES = frozenset(
    {
        "accept",
        "accept-charset",
        "align",
        "alink",
        "axis",
        "bgcolor",
        "charset",
        "checked",
        "clear",
        "codetype",
        "color",
        "compact",
        "declare",
        "defer",
        "dir",
        "direction",
        "disabled",
        "enctype",
        "face",
        "frame",
        "hreflang",
        "http-equiv",
        "lang",
        "language",
        "link",
        "media",
        "method",
        "multiple",
        "nohref",
        "noresize",
        "noshade",
        "nowrap",
        "readonly",
        "rel",
        "rev",
        "rules",
        "scope",
        "scrolling",
        "selected",
        "shape",
        "target",
        "text",
        "type",
        "valign",
        "valuetype",
        "vlink",
    }
)


class _Translator(HTMLTranslator):
    """cssselect's HTML translator with soupsieve's ``:-soup-contains()`` and HTML's case-insensitive
    attribute values (``[type="TEXT"]`` matches ``type="text"`` unless the selector says ``s``)."""

    def xpath_attrib(self, selector: Attrib) -> XPathExpr:
        html_case = selector.attrib.lower() in _CASE_INSENSITIVE_ATTRIBUTES
        if html_case and selector.flag is None and selector.value is not None:
            selector = Attrib(
                selector.selector, selector.namespace, selector.attrib, selector.operator, selector.value, flag="i"
            )
        return super().xpath_attrib(selector)

    def xpath__soup_contains_function(self, xpath: XPathExpr, function: Function) -> XPathExpr:
        """True when the element's text (all text under it, comments aside) holds the string, case-sensitively."""
        if function.argument_types() not in (["STRING"], ["IDENT"]):
            raise ExpressionError(f"Expected one string for :-soup-contains(), got {function.arguments!r}")
        return xpath.add_condition(f"contains(., {self.xpath_literal(str(function.arguments[0].value))})")


_TRANSLATOR = _Translator()
# what a selector that cannot be applied raises on the way to XPath
_SELECTOR_ERRORS = (SelectorError, etree.XPathError, ValueError, TypeError, NotImplementedError)


class Selector:
    """A CSS selector compiled once to XPath (cssselect), run on the lxml tree by libxml2."""

    __slots__ = ("_anywhere", "_below", "css")

    def __init__(self, css: str) -> None:
        self.css = css
        self._below = etree.XPath(_TRANSLATOR.css_to_xpath(css, prefix="descendant::"))
        self._anywhere = etree.XPath(_TRANSLATOR.css_to_xpath(css, prefix="descendant-or-self::"))

    def select(self, root: HtmlElement, limit: int = 0) -> list[HtmlElement]:
        """The elements under root that match, in document order (at most ``limit`` when given)."""
        found: list[HtmlElement] = self._below(root)
        return found[:limit] if limit else found

    def matching(self, root: HtmlElement) -> set[HtmlElement]:
        """Every element of root's whole document that matches: combinators see the whole tree."""
        found: list[HtmlElement] = self._anywhere(root.getroottree().getroot())
        return set(found)

    def match(self, element: HtmlElement) -> bool:
        """Whether one element matches (the whole document is searched: for tests and one-offs)."""
        return element in self.matching(element)

    def __repr__(self) -> str:
        return f"Selector({self.css!r})"


@dataclass(frozen=True)
class HidingRule:
    """One element-hiding rule with where it came from, for attribution."""

    selector: str
    kind: str
    origin: str
    include: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()

    def applies_to(self, host: str | None) -> bool:
        if self.include and not (host and _host_in(host, self.include)):
            return False
        return not (self.exclude and host and _host_in(host, self.exclude))

    @property
    def name(self) -> str:
        site = ",".join(sorted(self.include)) if self.include else ""
        return f"{site}##{self.selector}"


def _host_in(host: str, domains: Iterable[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


_Entry = tuple[str | None, Selector | None, HidingRule]
_CLASS_VALUES_KEPT = 20_000  # distinct class attributes remembered, a few MB at most
_LIVE_TAG_KEYS_KEPT = 1_000  # (host, excepted selectors) pairs whose live tag rules are remembered


@dataclass(frozen=True)
class _Filing:
    """What ``RuleSet._filed`` looks an element up in: the names and values rules are filed under."""

    classes: frozenset[str]
    class_prefix: re.Pattern[str] | None  # a class token starting with a filed prefix
    ids: frozenset[str]
    id_prefix: re.Pattern[str] | None
    attributes: frozenset[str]
    values: dict[str, re.Pattern[str]]  # per attribute, any value filed under it
    # class attribute -> whether a rule is filed under one of its classes: pages repeat a few values
    class_values: dict[str, bool] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, rules: RuleSet) -> _Filing:
        class_re, id_re = rules._prefix_patterns()
        return cls(
            classes=frozenset(rules.by_class),
            class_prefix=re.compile(f"(?<![^{_ASCII_SPACES}])(?:{class_re.pattern})") if class_re is not None else None,
            ids=frozenset(rules.by_id),
            id_prefix=id_re,
            attributes=frozenset(rules.by_attr),
            # whether any value occurs: a plain search, which re can skip ahead in, not the
            # lookahead that finds every one (about a seventh of the time on a long URL)
            values={attr: any_of(values) for attr, values in rules.attr_values.items()},
        )


@dataclass
class RuleSet:
    """All element-hiding rules of the loaded packs, indexed so a document pays for what it has.

    Every rule is filed under one key taken from the last compound of its selector (a class,
    an id, a class or id prefix, an attribute name or a tag name), the way adblock engines
    index cosmetic filters. An element is tested only against the rules filed under its own
    classes, id, attributes and tag; most rules are `.class` or `#id` and need no selector
    engine at all; the rest are compiled selectors, run once per document on the first element
    that could match and remembered for the others.
    """

    by_class: dict[str, list[_Entry]] = field(default_factory=dict)
    by_id: dict[str, list[_Entry]] = field(default_factory=dict)
    by_attr: dict[str, list[_Entry]] = field(default_factory=dict)
    by_tag: dict[str, list[_Entry]] = field(default_factory=dict)
    anywhere: list[_Entry] = field(default_factory=list)
    class_prefixes: dict[str, list[_Entry]] = field(default_factory=dict)
    id_prefixes: dict[str, list[_Entry]] = field(default_factory=dict)
    attr_values: dict[str, dict[str, list[tuple[str, _Entry]]]] = field(default_factory=dict)
    _attr_res: dict[str, re.Pattern[str]] | None = None
    _contained: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    exceptions: dict[str, list[HidingRule]] = field(default_factory=dict)
    skipped: int = 0
    count: int = 0
    _prefix_res: tuple[re.Pattern[str] | None, re.Pattern[str] | None] | None = None
    _excepted: dict[str | None, frozenset[str]] = field(default_factory=dict)
    # (host, excepted selectors) -> the tag-filed rules that apply, per tag: a few keys per run
    _live_by_tag: dict[tuple[str | None, frozenset[str]], list[tuple[str, list[_Entry]]]] = field(default_factory=dict)
    # text a rule's :-soup-contains() needs: a document without any of it skips the rule unmatched
    _needs_text: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _needed_re: re.Pattern[str] | None = None
    _filing: _Filing | None = None

    def add(self, rule: HidingRule) -> None:
        self._filing = None
        selector = rule.selector
        texts = [_unquote(m.group(1)) for m in _CONTAINS.finditer(selector)]
        if texts and ":not(" not in selector:
            self._needs_text[selector] = tuple(texts)
            self._needed_re = None
        for pattern, sigil_index in (
            (_SIMPLE, (self.by_class, self.by_id)),
            (_TOKEN_PREFIX, (self.class_prefixes, self.id_prefixes)),
        ):
            simple = pattern.fullmatch(selector)
            if simple:
                index = sigil_index[0] if simple["sigil"] == "." else sigil_index[1]
                tag = simple["tag"].lower() if simple["tag"] else None
                index.setdefault(simple["name"], []).append((tag, None, rule))
                self._prefix_res = None
                self.count += 1
                return
        try:
            compiled = Selector(selector)
        except _SELECTOR_ERRORS:
            self.skipped += 1
            return
        self.count += 1
        attr_prefix = _ATTR_PREFIX.fullmatch(selector)
        if attr_prefix:
            index = self.class_prefixes if attr_prefix["attr"] == "class" else self.id_prefixes
            tag = attr_prefix["tag"].lower() if attr_prefix["tag"] else None
            index.setdefault(attr_prefix["value"], []).append((tag, compiled, rule))
            self._prefix_res = None
            return
        attr_value = _ATTR_VALUE.fullmatch(selector)
        if attr_value:
            tag = attr_value["tag"].lower() if attr_value["tag"] else None
            by_value = self.attr_values.setdefault(attr_value["attr"].lower(), {})
            by_value.setdefault(attr_value["value"], []).append((attr_value["op"], (tag, compiled, rule)))
            self._attr_res = None
            return
        kind, key = _index_key(selector)
        entry: _Entry = (None, compiled, rule)
        if kind == "class":
            self.by_class.setdefault(key, []).append(entry)
        elif kind == "id":
            self.by_id.setdefault(key, []).append(entry)
        elif kind == "attr":
            self.by_attr.setdefault(key, []).append(entry)
        elif kind == "tag":
            self.by_tag.setdefault(key, []).append(entry)
        else:
            self.anywhere.append(entry)

    def _excepted_for(self, host: str | None) -> frozenset[str]:
        cached = self._excepted.get(host)
        if cached is None:
            cached = frozenset(sel for sel, rules in self.exceptions.items() if any(r.applies_to(host) for r in rules))
            self._excepted[host] = cached
        return cached

    def _attr_value_candidates(self, element: HtmlElement) -> list[_Entry]:
        """Rules of the `[attr op "value"]` kind whose value occurs in the element's attribute."""
        found: list[_Entry] = []
        for attr, pattern in self._value_patterns().items():
            value = element.get(attr)
            if not value:
                continue
            by_value = self.attr_values[attr]
            hits = {m.group(1) for m in pattern.finditer(value)}
            hits.update(inner for hit in list(hits) for inner in self._contained[attr][hit])
            for hit in hits:
                for op, entry in by_value.get(hit, ()):
                    if (
                        (op == "*=")
                        or (op == "^=" and value.startswith(hit))
                        or (op == "$=" and value.endswith(hit))
                        or (op == "=" and value == hit)
                    ):
                        found.append(entry)
        return found

    def _value_patterns(self) -> dict[str, re.Pattern[str]]:
        """Per attribute, one search for every rule value filed under it."""
        if self._attr_res is None:
            # A lookahead finds the longest rule value starting at every position; values inside
            # a found one are taken from _contained, so no overlapping value is missed.
            self._attr_res = {
                attr: re.compile("(?=(" + "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)) + "))")
                for attr, values in self.attr_values.items()
            }
            self._contained = {
                attr: {v: [w for w in values if w != v and w in v] for v in values}
                for attr, values in self.attr_values.items()
            }
        return self._attr_res

    def _any_needed_text(self) -> re.Pattern[str]:
        """One search for any text a text rule needs: most documents have none of it."""
        if self._needed_re is None:
            parts = {part for needed in self._needs_text.values() for part in needed}
            self._needed_re = any_of(parts)
        return self._needed_re

    def _prefix_patterns(self) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
        if self._prefix_res is None:

            def alternation(prefixes: dict[str, list[_Entry]]) -> re.Pattern[str] | None:
                if not prefixes:
                    return None
                names = sorted(prefixes, key=len, reverse=True)
                return re.compile("|".join(re.escape(n) for n in names))

            self._prefix_res = (alternation(self.class_prefixes), alternation(self.id_prefixes))
        return self._prefix_res

    def matches(self, root: HtmlElement, host: str | None) -> Iterator[tuple[HtmlElement, HidingRule]]:
        """(element, rule) for every element a rule matches, in document order, the first rule only.

        The tree must not change until the iteration ends: a compiled selector's matches are
        found once per document and remembered.
        """
        excepted = self._excepted_for(host)
        if self._needs_text:  # text rules whose words the document lacks cannot match anywhere in it
            text = plain_text(root)
            if self._any_needed_text().search(text) is None:
                excepted = excepted.union(self._needs_text)
            else:
                excepted = excepted | {
                    selector
                    for selector, needed in self._needs_text.items()
                    if not any(part in text for part in needed)
                }
        class_re, id_re = self._prefix_patterns()
        matched: dict[Selector, set[HtmlElement]] = {}
        by_tag = self._tag_rules(root, host, excepted, matched)
        # without tag rules that match here, only an element's attributes can carry a rule
        candidates = elements(root) if self.anywhere or by_tag else _WITH_ATTRIBUTES(root)
        filed = self._filed
        for element in candidates:
            if self.anywhere or element.tag in by_tag or filed(element):
                hit = self._match(element, host, excepted, (class_re, id_re), matched, by_tag)
                if hit is not None:
                    yield element, hit

    def _tag_rules(
        self, root: HtmlElement, host: str | None, excepted: frozenset[str], matched: dict[Selector, set[HtmlElement]]
    ) -> dict[str, list[_Entry]]:
        """The rules filed under a tag that apply to this document and match in it, sorted out once,
        not per element: each compiled selector runs once, where its tag is in the document."""
        by_tag: dict[str, list[_Entry]] = {}
        for tag, live in self._live_tag_rules(host, excepted):
            if next(root.iterdescendants(tag), None) is None:
                continue
            for _, compiled, _ in live:
                if compiled is not None and compiled not in matched:
                    matched[compiled] = compiled.matching(root)
            live = [entry for entry in live if entry[1] is None or matched[entry[1]]]
            if live:
                by_tag[tag] = live
        return by_tag

    def _live_tag_rules(self, host: str | None, excepted: frozenset[str]) -> list[tuple[str, list[_Entry]]]:
        """Per tag, the rules filed under it that are not excepted and apply to the host."""
        key = (host, excepted)
        cached = self._live_by_tag.get(key)
        if cached is None:
            cached = []
            for tag, entries in self.by_tag.items():
                live = [entry for entry in entries if entry[2].selector not in excepted and entry[2].applies_to(host)]
                if live:
                    cached.append((tag, live))
            if len(self._live_by_tag) >= _LIVE_TAG_KEYS_KEPT:
                self._live_by_tag.clear()
            self._live_by_tag[key] = cached
        return cached

    def _filed(self, element: HtmlElement) -> bool:
        """Whether any rule is filed under the element's classes, id, attributes or attribute values
        (its tag aside): a few lookups in C, where ``_match`` gathers the rules themselves.

        The attributes are read in one call (``items``), not asked for by name one by one: most
        elements have one or none."""
        if self._filing is None:
            self._filing = _Filing.of(self)
        filing = self._filing
        for name, value in element.items():
            if name in filing.attributes:
                return True
            if name == "class":
                if value and self._class_filed(filing, value):
                    return True
            elif name == "id" and (
                value in filing.ids or (filing.id_prefix is not None and filing.id_prefix.match(value))
            ):
                return True
            pattern = filing.values.get(name)
            if pattern is not None and value and pattern.search(value):
                return True
        return False

    @staticmethod
    def _class_filed(filing: _Filing, value: str) -> bool:
        """Whether a rule is filed under a class of the attribute's value; remembered per value."""
        filed = filing.class_values.get(value)
        if filed is None:
            filed = not filing.classes.isdisjoint(class_tokens(value)) or bool(
                filing.class_prefix is not None and filing.class_prefix.search(value)
            )
            if len(filing.class_values) >= _CLASS_VALUES_KEPT:
                filing.class_values.clear()
            filing.class_values[value] = filed
        return filed

    def _match(
        self,
        element: HtmlElement,
        host: str | None,
        excepted: frozenset[str],
        prefix_res: tuple[re.Pattern[str] | None, re.Pattern[str] | None],
        matched: dict[Selector, set[HtmlElement]],
        by_tag: dict[str, list[_Entry]],
    ) -> HidingRule | None:
        class_re, id_re = prefix_res
        candidates: list[_Entry] = []
        for name in classes(element):
            candidates.extend(self.by_class.get(name, ()))
            if class_re is not None:
                match = class_re.match(name)
                if match:
                    candidates.extend(self.class_prefixes[match.group(0)])
        element_id = element.get("id")
        if element_id is not None:
            candidates.extend(self.by_id.get(element_id, ()))
            if id_re is not None:
                match = id_re.match(element_id)
                if match:
                    candidates.extend(self.id_prefixes[match.group(0)])
        if self.by_attr:
            for attr in element.attrib:
                candidates.extend(self.by_attr.get(attr, ()))
        if self.attr_values:
            candidates.extend(self._attr_value_candidates(element))
        candidates.extend(by_tag.get(element.tag, ()))
        candidates.extend(self.anywhere)
        for tag, compiled, rule in candidates:
            if tag is not None and tag != element.tag:
                continue
            if rule.selector in excepted or not rule.applies_to(host):
                continue
            if compiled is None:
                return rule
            found = matched.get(compiled)
            if found is None:
                found = matched[compiled] = compiled.matching(element)
            if element in found:
                return rule
        return None


class DocumentKeys:
    """What the elements under a root offer a selector's key (``_index_key``): their classes, ids,
    attribute names and tags, each kind gathered by libxml2 only when a selector first asks for it.
    A key no element offers means the selector cannot match (``could_match``)."""

    def __init__(self, root: HtmlElement) -> None:
        self.root = root
        self._classes: set[str] | None = None
        self._ids: set[str] | None = None

    def could_match(self, selector: str) -> bool:
        """False when no element under the root offers the key the selector's last compound needs."""
        kind, key = _index_key(selector)
        if kind == "class":
            if self._classes is None:
                self._classes = {name for value in _CLASS_VALUES(self.root) for name in value.split()}
            return key in self._classes
        if kind == "id":
            if self._ids is None:
                self._ids = set(_ID_VALUES(self.root))
            return key in self._ids
        if kind == "attr":
            return bool(_WITH_ATTRIBUTE(self.root, name=key))
        if kind == "tag":
            return next(self.root.iterdescendants(key), None) is not None
        return True


_CLASS_VALUES = etree.XPath("descendant::*/@class", smart_strings=False)
_ID_VALUES = etree.XPath("descendant::*/@id", smart_strings=False)
_WITH_ATTRIBUTE = etree.XPath("descendant::*[@*[name() = $name]][1]")


@lru_cache(maxsize=4096)  # asked again for every main-article selector of every fragment
def _index_key(selector: str) -> tuple[str, str]:
    """The most selective key of a selector's last compound: class, id, attribute or tag."""
    selector = _QUOTED.sub('""', selector)  # text in quotes is no syntax: `:-soup-contains("a, b")`
    depth = 0
    last_start = 0
    for i, char in enumerate(selector):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif depth == 0 and char == ",":
            return "anywhere", ""
        elif depth == 0 and (char in ">+~ "):
            last_start = i + 1
    compound = selector[last_start:].strip()
    outside = re.sub(r"\([^)]*\)|\[[^\]]*\]", "", compound)
    found = re.search(r"\.(-?[_a-zA-Z][\w-]*)", outside)
    if found:
        return "class", found.group(1)
    found = re.search(r"#(-?[_a-zA-Z][\w-]*)", outside)
    if found:
        return "id", found.group(1)
    found = re.search(r"\[\s*([\w-]+)", re.sub(r"\([^)]*\)", "", compound))
    if found:
        return "attr", found.group(1).lower()
    found = re.match(r"[a-zA-Z][\w-]*", compound)
    if found:
        return "tag", found.group(0).lower()
    return "anywhere", ""


@dataclass(frozen=True)
class UrlRule:
    pattern: str
    kind: str
    origin: str
    regex: re.Pattern[str]


def _network_regex(pattern: str) -> re.Pattern[str]:
    """Translate an adblock network pattern (||host/path, |start, * and ^) into a regex."""
    body = pattern
    prefix = ""
    if body.startswith("||"):
        prefix = _HOST_ANCHOR
        body = body[2:]
    elif body.startswith("|"):
        prefix = "^"
        body = body[1:]
    suffix = "$" if body.endswith("|") else ""
    body = body.rstrip("|")
    parts = []
    for char in body:
        if char == "*":
            parts.append(".*")
        elif char == "^":
            parts.append(r"(?:[^\w.%-]|$)")
        else:
            parts.append(re.escape(char))
    return re.compile(prefix + "".join(parts) + suffix, re.IGNORECASE)


@dataclass
class UrlRules:
    rules: list[UrlRule] = field(default_factory=list)
    skipped: int = 0
    # one search for any of the rules, and the rule list (its identity, its length) it was made for
    _any: tuple[int, int, re.Pattern[str] | None] | None = field(default=None, init=False, repr=False, compare=False)

    def match(self, url: str) -> UrlRule | None:
        """The first rule (in pack order) that matches the URL.

        Most URLs match none: one search for all the rules says so, instead of one per rule.
        """
        if not self.rules:
            return None
        if self._any is None or self._any[:2] != (id(self.rules), len(self.rules)):
            self._any = (id(self.rules), len(self.rules), _any_rule(self.rules))
        either = self._any[2]
        if either is not None and either.search(url) is None:
            return None
        for rule in self.rules:
            if rule.regex.search(url):
                return rule
        return None


# `||host`: any scheme, then the host or a subdomain of it
_HOST_ANCHOR = r"^[a-z][a-z0-9+.-]*://([^/?#]*\.)?"


def _any_rule(rules: list[UrlRule]) -> re.Pattern[str] | None:
    """One pattern matching where any of the rules matches; None when their flags differ.

    The `||host` rules share their start, written once before the alternation of what follows
    it: the engine then reads the scheme and tries each dot of the host once for all of them,
    not once per rule (a third of the time for five rules, on a URL none of them matches)."""
    if len({rule.regex.flags for rule in rules}) != 1:
        return None
    hosts = [rule.regex.pattern[len(_HOST_ANCHOR) :] for rule in rules if rule.regex.pattern.startswith(_HOST_ANCHOR)]
    others = [rule.regex.pattern for rule in rules if not rule.regex.pattern.startswith(_HOST_ANCHOR)]
    if hosts:
        others.append(_HOST_ANCHOR + "(?:" + "|".join(f"(?:{rest})" for rest in hosts) + ")")
    return re.compile("|".join(f"(?:{pattern})" for pattern in others), rules[0].regex.flags)


@dataclass
class RuleBook:
    """Everything the strip and repair stages know about cruft, loaded from packs."""

    hiding: RuleSet
    links: UrlRules
    pixels: UrlRules
    tracking_params: tuple[str, ...]
    main_article: tuple[tuple[str, Selector], ...] = ()

    def mentions_tracking_param(self, text: str) -> bool:
        """A cheap first look: could any URL in this text hold a tracking parameter?

        A parameter's name starts a query (after `?`) or follows an `&` (or `&amp;`, in
        Markdown): the search looks only there, which lets the regex engine skip to those
        characters instead of trying every parameter at every letter. Names are looked for as
        written: one spelled with percent-escapes (`?%75tm_source=`) is not seen, as it was not
        by the search everywhere.
        """
        prefixes = _parameter_prefixes(self.tracking_params)
        return prefixes is not None and prefixes.search(text) is not None

    def is_tracking_param(self, name: str) -> bool:
        lowered = name.lower()
        return any(fnmatch.fnmatchcase(lowered, pat) for pat in self.tracking_params)


@lru_cache(maxsize=8)
def _parameter_prefixes(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    """One search for a `?` or `&` and the part of any parameter pattern before its first `*`
    (None: no patterns), in any case: names are matched lower-cased (a pattern with a capital in
    that part matches none, and is left out).

    Searched case-blind rather than in a lower-cased copy of the text: the engine skips ahead
    to the `?` and `&` either way, and a post is not copied."""
    starts = [start for pattern in patterns if (start := pattern.split("*", 1)[0]) == start.lower()]
    if not starts:
        return None
    # `&amp;` too: a Markdown destination may write the `&` between parameters as its entity.
    # Written to start with the character class, which the regex engine skips ahead to: as an
    # alternation (`(?:[?&]|&amp;)`) the search took four times as long.
    return re.compile("[?&](?:amp;)?(?:" + any_of(starts).pattern + ")", re.IGNORECASE)


def _pack_lines(text: str) -> Iterator[tuple[str, str]]:
    """Yield (kind, line) for rule lines, following `! kind:` directives."""
    kind = "cruft"
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("["):
            continue
        if line.startswith("!"):
            directive = _KIND.match(line)
            if directive:
                kind = directive["kind"]
            continue
        yield kind, line


def parse_hiding_pack(text: str, origin: str, into: RuleSet | None = None) -> RuleSet:
    """Add the element-hiding rules of one pack to a RuleSet; unusable lines are counted as skipped."""
    ruleset = into if into is not None else RuleSet()
    for kind, line in _pack_lines(text):
        if any(marker in line for marker in _UNSUPPORTED_MARKERS):
            ruleset.skipped += 1
            continue
        separator = next((sep for sep in ("#@?#", "#@#", "#?#", "##") if sep in line), None)
        if separator is None:
            ruleset.skipped += 1  # a network rule: it blocks requests, it does not hide elements
            continue
        exception = "@" in separator
        domains_part, written = line.split(separator, 1)
        selector = translate_procedural(written.strip())
        if not selector:
            ruleset.skipped += 1
            continue
        include, exclude = _parse_domains(domains_part)
        rule = HidingRule(selector=selector, kind=kind, origin=origin, include=include, exclude=exclude)
        if exception:
            ruleset.exceptions.setdefault(selector, []).append(rule)
        else:
            ruleset.add(rule)
    return ruleset


def translate_procedural(selector: str) -> str | None:
    """The CSS selector for a rule that uses a text or `-abp-has` operator; None if it cannot be written.

    ``p:has-text(© Deutsche Welle)`` becomes ``p:-soup-contains("© Deutsche Welle")``; a regex
    argument (``:has-text(/ad\\d+/)``) cannot be translated.
    """
    selector = selector.replace(":-abp-has(", ":has(")
    for operator in _TEXT_OPERATORS:
        while operator in selector:
            start = selector.index(operator)
            end = _closing_paren(selector, start + len(operator))
            if end is None:
                return None
            text = selector[start + len(operator) : end].strip()
            if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
                text = text[1:-1]
            if not text or (text.startswith("/") and text.endswith("/") and len(text) > 1):
                return None
            quoted = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
            selector = f"{selector[:start]}:-soup-contains({quoted}){selector[end + 1 :]}"
    return selector


def _closing_paren(text: str, start: int) -> int | None:
    depth = 1
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return None


def _parse_domains(part: str) -> tuple[frozenset[str], frozenset[str]]:
    include: set[str] = set()
    exclude: set[str] = set()
    for raw in part.split(","):
        domain = raw.strip().lower()
        if not domain:
            continue
        if domain.startswith("~"):
            exclude.add(domain[1:])
        else:
            include.add(domain)
    return frozenset(include), frozenset(exclude)


def parse_url_pack(text: str, origin: str, into: UrlRules | None = None) -> UrlRules:
    rules = into if into is not None else UrlRules()
    for kind, line in _pack_lines(text):
        if "##" in line or "#@#" in line or line.startswith("@@") or "$" in line:
            rules.skipped += 1
            continue
        rules.rules.append(UrlRule(pattern=line, kind=kind, origin=origin, regex=_network_regex(line)))
    return rules


def _read_builtin(name: str) -> str:
    return resources.files("postkit.rules").joinpath("packs").joinpath(name).read_text(encoding="utf-8")


def builtin_hiding_packs() -> list[str]:
    """The shipped element-hiding packs: generic.txt, then one pack per site under sites/."""
    sites = resources.files("postkit.rules").joinpath("packs").joinpath("sites")
    names = sorted(entry.name for entry in sites.iterdir() if entry.name.endswith(".txt"))
    return ["generic.txt", *(f"sites/{name}" for name in names)]


def load_rulebook(extra_packs: Sequence[str | Path] = ()) -> RuleBook:
    """The built-in packs plus the user's; a missing or unreadable user pack is a ConfigError."""
    hiding = RuleSet()
    for name in builtin_hiding_packs():
        parse_hiding_pack(_read_builtin(name), origin=name, into=hiding)
    for path in extra_packs:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read rule pack: {exc}") from None
        parse_hiding_pack(text, origin=str(path), into=hiding)
    links = parse_url_pack(_read_builtin("links.txt"), origin="links.txt")
    pixels = parse_url_pack(_read_builtin("pixels.txt"), origin="pixels.txt")
    params = tuple(line.lower() for _, line in _pack_lines(_read_builtin("tracking-params.txt")))
    main = tuple((line, Selector(line)) for _, line in _pack_lines(_read_builtin("main-article.txt")))
    return RuleBook(hiding=hiding, links=links, pixels=pixels, tracking_params=params, main_article=main)
