"""Cruft rules as data: adblock element-hiding syntax for elements, network-style patterns for URLs.

A pack is a text file in the syntax of EasyList / uBlock Origin filter lists:

    ! kind: share-bar            (postkit directive: the kind of the rules below it)
    ##.sharedaddy                (every site)
    zaobao.com##section#imu      (one site and its subdomains)
    example.com#@#.related       (an exception: not on that site)

URL packs (promo links, tracking pixels) hold one network-style pattern a line: ``||host/path``
anchors at a host and its subdomains, ``|https://`` at the start, ``*`` is a wildcard and ``^`` a
separator. Tracking parameter packs hold one query parameter name a line, ``*`` as wildcard.
Lines a pack cannot apply (scriptlets, procedural filters, network options) are counted in
``RulePack.skipped`` and ignored, never an error.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import soupsieve
from bs4 import Tag

from postkit.errors import ConfigError

# Selectors postkit can look up by name instead of testing on every element: `.a`, `#b`, `div.a`, `div#b`.
_SIMPLE = re.compile(r"(?P<tag>[a-zA-Z][a-zA-Z0-9-]*)?(?P<sigil>[.#])(?P<name>-?[_a-zA-Z][\w-]*)")
_UNSUPPORTED_MARKERS = ("#?#", "#$#", "#%#", "#@$#", "#@?#", "##+js(", "##^", "#$?#")
_KIND = re.compile(r"!\s*kind:\s*(?P<kind>[\w-]+)\s*$")


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


@dataclass
class RuleSet:
    """All element-hiding rules of the loaded packs, indexed by class and id names."""

    by_class: dict[str, list[tuple[str | None, HidingRule]]] = field(default_factory=dict)
    by_id: dict[str, list[tuple[str | None, HidingRule]]] = field(default_factory=dict)
    complex: list[tuple[soupsieve.SoupSieve, HidingRule]] = field(default_factory=list)
    exceptions: dict[str, list[HidingRule]] = field(default_factory=dict)
    skipped: int = 0
    count: int = 0

    def add(self, rule: HidingRule) -> None:
        self.count += 1
        simple = _SIMPLE.fullmatch(rule.selector)
        if simple:
            index = self.by_class if simple["sigil"] == "." else self.by_id
            tag = simple["tag"].lower() if simple["tag"] else None
            index.setdefault(simple["name"], []).append((tag, rule))
            return
        try:
            compiled = soupsieve.compile(rule.selector)
        except (soupsieve.SelectorSyntaxError, ValueError, TypeError, NotImplementedError):
            self.count -= 1
            self.skipped += 1
            return
        self.complex.append((compiled, rule))

    def active_exceptions(self, host: str | None) -> set[str]:
        return {sel for sel, rules in self.exceptions.items() if any(r.applies_to(host) for r in rules)}

    def matches(self, root: Tag, host: str | None) -> Iterator[tuple[Tag, HidingRule]]:
        """Every (element, rule) pair in document order of rule kinds, first match per element."""
        excepted = self.active_exceptions(host)
        seen: set[int] = set()
        if self.by_class or self.by_id:
            for element in root.find_all(True):
                hit = self._lookup(element, host, excepted)
                if hit is not None and id(element) not in seen:
                    seen.add(id(element))
                    yield element, hit
        for compiled, rule in self.complex:
            if rule.selector in excepted or not rule.applies_to(host):
                continue
            for element in compiled.select(root):
                if id(element) not in seen:
                    seen.add(id(element))
                    yield element, rule

    def _lookup(self, element: Tag, host: str | None, excepted: set[str]) -> HidingRule | None:
        classes = element.get("class") or ()
        element_id = element.get("id")
        candidates: list[tuple[str | None, HidingRule]] = []
        for name in classes:
            candidates.extend(self.by_class.get(name, ()))
        if isinstance(element_id, str):
            candidates.extend(self.by_id.get(element_id, ()))
        for tag, rule in candidates:
            if (tag is None or tag == element.name) and rule.selector not in excepted and rule.applies_to(host):
                return rule
        return None


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
        prefix = r"^[a-z][a-z0-9+.-]*://([^/?#]*\.)?"
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

    def match(self, url: str) -> UrlRule | None:
        for rule in self.rules:
            if rule.regex.search(url):
                return rule
        return None


@dataclass
class RuleBook:
    """Everything the strip and repair stages know about cruft, loaded from packs."""

    hiding: RuleSet
    links: UrlRules
    pixels: UrlRules
    tracking_params: tuple[str, ...]

    def mentions_tracking_param(self, text: str) -> bool:
        """A cheap first look: could any URL in this text hold a tracking parameter?"""
        lowered = text.lower()
        return any(f"{pat.split('*', 1)[0]}" in lowered for pat in self.tracking_params)

    def is_tracking_param(self, name: str) -> bool:
        lowered = name.lower()
        return any(fnmatch.fnmatchcase(lowered, pat) for pat in self.tracking_params)


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
        exception = "#@#" in line
        sep = "#@#" if exception else "##"
        if sep not in line:
            ruleset.skipped += 1  # a network rule: it blocks requests, it does not hide elements
            continue
        domains_part, selector = line.split(sep, 1)
        selector = selector.strip()
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


BUILTIN_HIDING_PACKS = ("generic.txt", "sites.txt")


def load_rulebook(extra_packs: Sequence[str | Path] = ()) -> RuleBook:
    """The built-in packs plus the user's; a missing or unreadable user pack is a ConfigError."""
    hiding = RuleSet()
    for name in BUILTIN_HIDING_PACKS:
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
    return RuleBook(hiding=hiding, links=links, pixels=pixels, tracking_params=params)
