"""Front matter read once for every check: the YAML node tree, a JSON-typed copy of the values
as written, the file position of every key and value, and why it could not be read."""

from __future__ import annotations

import bisect
import datetime
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from postkit.checks.base import Finding, Position
from postkit.post import SourcePost
from postkit.segments import line_offsets

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

JsonPath = tuple[str | int, ...]

TAG_PREFIX = "tag:yaml.org,2002:"
STR_TAG = TAG_PREFIX + "str"
INT_TAG = TAG_PREFIX + "int"
FLOAT_TAG = TAG_PREFIX + "float"
BOOL_TAG = TAG_PREFIX + "bool"
NULL_TAG = TAG_PREFIX + "null"
MERGE_TAG = TAG_PREFIX + "merge"
_CONSTRUCTED_TAGS = frozenset({NULL_TAG, BOOL_TAG, INT_TAG, FLOAT_TAG})
_SAFE_TAGS = frozenset(tag for tag in SafeConstructor.yaml_constructors if tag is not None) | {MERGE_TAG}

# libyaml's parser where PyYAML was built with it (about 10x faster), else the pure-Python one.
# Both compose the same node tree (values are built by _Builder below); a document libyaml
# refuses is composed again by the pure loader, whose error messages and places postkit shows.
FAST_YAML_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Front matter is a handful of keys; these bounds only stop alias bombs and pathological nesting.
MAX_VALUES = 10_000
MAX_DEPTH = 100

FENCE_LINE = re.compile(r"(---|\+\+\+)[ \t]*\r?")
# The first file line of the front matter's content: line 1 holds the opening fence.
FIRST_LINE = 2


@dataclass(frozen=True)
class Entry:
    """Where one key and its value sit in the file.

    ``key`` is ``None`` for list items and the root; ``value`` is the key's position when the
    value is empty (``title:``); ``written`` is a scalar's text after YAML's quoting rules, before
    any conversion to a number, boolean or date (``None`` for collections and TOML values).
    """

    key: Position | None
    value: Position
    written: str | None = None


@dataclass
class FrontMatter:
    """One post's front matter as validate sees it.

    ``data`` holds the values with YAML tags resolved only to JSON types: strings, timestamps and
    sexagesimal numbers (``10:00``) stay the strings they were written as, so a schema checks them
    as written. ``data`` is ``None`` when the front matter cannot be read, and ``{}`` when there
    is none.
    """

    format: str | None
    text: str = ""
    unclosed_fence: str | None = None
    root: yaml.Node | None = None
    data: Any = None
    errors: list[Finding] = field(default_factory=list)
    _entries: dict[JsonPath, Entry] = field(default_factory=dict, init=False, repr=False)
    # (path, key node, value node) as the YAML was read: placed in the file when entries are asked for
    _recorded: list[tuple[JsonPath, yaml.Node | None, yaml.Node]] = field(
        default_factory=list, init=False, repr=False, compare=False
    )
    _line_starts: list[int] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        self._line_starts = line_offsets(self.text.split("\n"))[:-1]

    @property
    def entries(self) -> dict[JsonPath, Entry]:
        """Where each key and value sits in the file, by path. Placed on first use: clean reads the
        values and never asks, unless the front matter is refused."""
        if self._recorded:
            recorded, self._recorded = self._recorded, []
            for path, key_node, value_node in recorded:
                self._entries[path] = self._entry(key_node, value_node)
        return self._entries

    @entries.setter
    def entries(self, entries: dict[JsonPath, Entry]) -> None:
        self._recorded = []
        self._entries = entries

    def record(self, path: JsonPath, key_node: yaml.Node | None, value_node: yaml.Node) -> None:
        """Note where a YAML key and value are, to be placed as an entry when entries are asked for."""
        self._recorded.append((path, key_node, value_node))

    def _entry(self, key_node: yaml.Node | None, value_node: yaml.Node) -> Entry:
        key = self.mark_position(key_node.start_mark) if key_node is not None else None
        written = value_node.value if isinstance(value_node, yaml.ScalarNode) else None
        empty = isinstance(value_node, yaml.ScalarNode) and is_plain(value_node) and not value_node.value
        value = key if empty and key is not None else self.mark_position(value_node.start_mark)
        return Entry(key, value, written)

    @property
    def is_mapping(self) -> bool:
        return isinstance(self.data, dict)

    def position(self, index: int) -> Position:
        """File position of a character index into the front matter's content.

        Lines are counted on ``\\n`` only, as markdown-it and the rest of postkit count them; PyYAML also breaks lines
        on ``\\r``, NEL and U+2028, so its own line numbers are not used.
        """
        line = bisect.bisect_right(self._line_starts, index) - 1
        return Position(line + FIRST_LINE, index - self._line_starts[line] + 1)

    def mark_position(self, mark: yaml.Mark) -> Position:
        return self.position(mark.index)

    def locate(self, path: JsonPath) -> Position:
        """The value at ``path``, or the nearest enclosing value whose place is known."""
        for end in range(len(path), -1, -1):
            entry = self.entries.get(path[:end])
            if entry:
                return entry.value
        return Position(1, 1)

    def lines(self) -> Iterator[tuple[int, str]]:
        """(file line, text) of each content line, without the closing fence."""
        lines = self.text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        yield from enumerate(lines, start=FIRST_LINE)

    def nodes(self) -> Iterator[yaml.Node]:
        """Every node of the YAML tree once (aliases are not followed twice), keys before values."""
        if self.root is None:
            return
        seen: set[int] = set()
        stack: list[yaml.Node] = [self.root]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            yield node
            if isinstance(node, yaml.SequenceNode):
                stack.extend(reversed(node.value))
            elif isinstance(node, yaml.MappingNode):
                for key_node, value_node in reversed(node.value):
                    stack.append(value_node)
                    stack.append(key_node)

    def continuation_lines(self) -> set[int]:
        """File lines that continue a multi-line scalar or flow collection begun on an earlier line."""
        lines: set[int] = set()
        for node in self.nodes():
            if isinstance(node, yaml.ScalarNode) or getattr(node, "flow_style", False):
                start = self.mark_position(node.start_mark)
                end = self.mark_position(node.end_mark)
                last = end.line if end.column > 1 else end.line - 1
                lines.update(range(start.line + 1, last + 1))
        return lines

    def fail(self, position: Position, message: str, hint: str) -> None:
        self.errors.append(Finding.at(position, message, hint))
        self.data = None


def read_front_matter(post: SourcePost) -> FrontMatter:
    """Read a post's front matter; never raises for anything in the file."""
    if post.format is None:
        return FrontMatter(format=None, unclosed_fence=_unclosed_fence(post), data={})
    front_matter = FrontMatter(format=post.format, text=content_text(post.front_matter))
    if post.format == "toml":
        _read_toml(front_matter)
    else:
        _read_yaml(front_matter)
    return front_matter


def content_text(front_matter: str) -> str:
    """The text between the fences, also when the closing fence ends the file without a newline."""
    start = front_matter.find("\n") + 1
    without_last_break = front_matter[:-1] if front_matter.endswith("\n") else front_matter
    closing_start = without_last_break.rfind("\n") + 1
    return front_matter[start:closing_start] if closing_start > start else ""


def _unclosed_fence(post: SourcePost) -> str | None:
    """The fence a post opens but never closes (split_for_check leaves such a post unsplit)."""
    if post.front_matter:
        return None
    match = FENCE_LINE.fullmatch(post.body.split("\n", 1)[0])
    return match.group(1) if match else None


def short_tag(tag: str) -> str:
    return "!!" + tag[len(TAG_PREFIX) :] if tag.startswith(TAG_PREFIX) else tag


# --- YAML ---------------------------------------------------------------------------------


def compose_yaml(text: str) -> yaml.Node | None:
    """The YAML node tree of ``text``: libyaml's where it reads the text, else the pure loader's.

    The two mark a plain scalar's style differently (libyaml '', the pure loader None): ask
    ``is_plain`` rather than reading the style.
    """
    if FAST_YAML_LOADER is not yaml.SafeLoader:
        try:
            return yaml.compose(text, Loader=FAST_YAML_LOADER)
        except (yaml.YAMLError, RecursionError):
            pass  # compose again below, for the pure loader's message and place
    return yaml.compose(text, Loader=yaml.SafeLoader)


def is_plain(node: yaml.ScalarNode) -> bool:
    """Whether a scalar is written plain (no quotes, no block style), from either loader's tree."""
    return not node.style


def _read_yaml(front_matter: FrontMatter) -> None:
    try:
        root = compose_yaml(front_matter.text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "cannot be parsed"
        if "end of stream" in problem and exc.context_mark:
            mark = exc.context_mark  # an unterminated quote: its start says more than the fence
        position = front_matter.mark_position(mark) if mark else Position(FIRST_LINE, 1)
        if exc.context:  # "while scanning ..." follows the problem; "expected ..." comes before "but found ..."
            problem = f"{problem} {exc.context}" if exc.context.startswith("while") else f"{exc.context} {problem}"
        front_matter.fail(position, f"front matter is not valid YAML: {problem}", _yaml_hint(problem))
        return
    except yaml.reader.ReaderError as exc:
        character = exc.character if isinstance(exc.character, str) else chr(exc.character)
        front_matter.fail(
            front_matter.position(exc.position),
            f"front matter holds U+{ord(character):04X}, a control character YAML does not allow",
            "delete the character",
        )
        return
    except RecursionError:
        front_matter.fail(
            Position(FIRST_LINE, 1), "front matter nests too deeply to be read", "flatten the nested lists and mappings"
        )
        return
    front_matter.root = root
    if root is None:
        front_matter.data = {}
        return
    front_matter.entries[()] = Entry(None, front_matter.mark_position(root.start_mark))
    builder = _Builder(front_matter)
    try:
        front_matter.data = builder.build(root, (), 0)
    except _Unreadable as exc:
        front_matter.fail(exc.position, exc.message, exc.hint)


def _yaml_hint(problem: str) -> str:
    if "'\\t'" in problem:
        return "indent and separate with spaces; YAML does not allow tabs here"
    if "mapping values are not allowed" in problem:
        return "put the value in quotes: a value holding ': ' must be quoted"
    if "quoted scalar" in problem:
        return "close the quote that starts here, or escape the quote characters inside it"
    if "another document" in problem:
        return "remove the second '---' line inside the front matter"
    if "could not find expected ':'" in problem:
        return "every line needs 'key: value'; put a value holding ': ' or '#' in quotes"
    return "fix the YAML at this place; put values holding special characters in quotes"


class _Unreadable(Exception):
    def __init__(self, position: Position, message: str, hint: str) -> None:
        super().__init__(message)
        self.position = position
        self.message = message
        self.hint = hint


class _Builder:
    """Turns a YAML node tree into JSON-typed data, recording positions, bounded against bombs."""

    def __init__(self, front_matter: FrontMatter) -> None:
        self.front_matter = front_matter
        self.count = 0
        self.active: set[int] = set()
        self.reported: set[int] = set()
        self.constructor = SafeConstructor()

    def build(self, node: yaml.Node, path: JsonPath, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            # the node itself sits inside some anchor; the top-level key being expanded says more
            entry = self.front_matter.entries.get(path[:1])
            position = entry.key if entry and entry.key else self.at(node)
            raise _Unreadable(
                position,
                f"front matter expands to more than {MAX_VALUES} values through aliases (an alias bomb?)",
                "write the values out without aliases",
            )
        if depth > MAX_DEPTH:
            raise _Unreadable(
                self.at(node),
                f"front matter nests deeper than {MAX_DEPTH} levels",
                "flatten the nested lists and mappings",
            )
        if node.tag not in _SAFE_TAGS and id(node) not in self.reported:
            self.reported.add(id(node))
            self.front_matter.errors.append(
                Finding.at(
                    self.at(node),
                    f"tag '{short_tag(node.tag)}' cannot be read by a safe YAML loader",
                    "remove the tag; front matter holds plain values",
                )
            )
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if id(node) in self.active:
            raise _Unreadable(
                self.at(node),
                "an alias refers to the value that contains it (a recursive value)",
                "write the value out instead of the alias",
            )
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, path, depth)
            return self.sequence(node, path, depth)
        finally:
            self.active.discard(id(node))

    def sequence(self, node: yaml.Node, path: JsonPath, depth: int) -> list[Any]:
        items = []
        for index, item in enumerate(node.value):
            self.front_matter.record((*path, index), None, item)
            items.append(self.build(item, (*path, index), depth + 1))
        return items

    def mapping(self, node: yaml.MappingNode, path: JsonPath, depth: int) -> dict[str, Any]:
        mapping: dict[str, Any] = {}
        for key_node, value_node in self.pairs(node):
            if not isinstance(key_node, yaml.ScalarNode):
                continue  # a list or mapping as key has no JSON form; PyYAML cannot load it either
            self.front_matter.record((*path, key_node.value), key_node, value_node)
            mapping[key_node.value] = self.build(value_node, (*path, key_node.value), depth + 1)
        return mapping

    def pairs(self, node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
        """Key/value pairs with merge keys (``<<: *base``) expanded as the YAML merge-key spec says:
        a mapping's own keys win over merged ones, earlier merged mappings over later ones."""
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        own: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag != MERGE_TAG:
                own.append((key_node, value_node))
                continue
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            # earlier sources win, and later pairs win in a dict, so the first source goes last
            for source in reversed(sources):
                if not isinstance(source, yaml.MappingNode):
                    raise _Unreadable(
                        self.at(source),
                        "a merge key '<<' needs a mapping or a list of mappings",
                        "merge only mappings (<<: *anchor)",
                    )
                if id(source) in self.active:
                    raise _Unreadable(
                        self.at(source),
                        "a merge key refers to the mapping that contains it",
                        "write the keys out instead of merging",
                    )
                self.active.add(id(source))
                try:
                    merged.extend(self.pairs(source))
                finally:
                    self.active.discard(id(source))
        return merged + own

    def scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag in (INT_TAG, FLOAT_TAG) and ":" in node.value:
            return node.value  # YAML 1.1 sexagesimal: '10:00' would become 600
        if node.tag not in _CONSTRUCTED_TAGS:
            return node.value  # strings, timestamps, binary and unknown tags: the text as written
        try:
            return self.constructor.construct_object(node)
        except (ValueError, LookupError, TypeError, yaml.YAMLError):
            self.front_matter.errors.append(
                Finding.at(
                    self.at(node),
                    f"'{node.value}' cannot be read as {short_tag(node.tag)}",
                    "fix the value or remove the tag",
                )
            )
            return node.value

    def at(self, node: yaml.Node) -> Position:
        return self.front_matter.mark_position(node.start_mark)


def scalar_identity(node: yaml.ScalarNode) -> tuple[str, object]:
    """What a safe loader makes of a scalar key, for telling whether two keys are the same."""
    if node.tag in _CONSTRUCTED_TAGS and ":" not in node.value:
        try:
            return node.tag, SafeConstructor().construct_object(node)
        except (ValueError, LookupError, TypeError, yaml.YAMLError):
            pass
    return node.tag, node.value


# --- TOML ---------------------------------------------------------------------------------

_TOML_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_TOML_DOTTED = rf"{_TOML_KEY_PART}(?:[ \t]*\.[ \t]*{_TOML_KEY_PART})*"
_TOML_KEY_LINE = re.compile(rf"([ \t]*)({_TOML_DOTTED})[ \t]*=[ \t]*")
_TOML_TABLE_LINE = re.compile(rf"[ \t]*(\[\[?)[ \t]*({_TOML_DOTTED})[ \t]*\]")
_TOML_ERROR_PLACE = re.compile(r" \(at (?:line (\d+), column (\d+)|end of document)\)$")


def _read_toml(front_matter: FrontMatter) -> None:
    try:
        data = tomllib.loads(front_matter.text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc).splitlines()[0] if str(exc) else "cannot be parsed"
        place = _TOML_ERROR_PLACE.search(message)
        line = getattr(exc, "lineno", None)
        column = getattr(exc, "colno", None)
        if place:
            message = message[: place.start()]
            if line is None and place.group(1):
                line, column = int(place.group(1)), int(place.group(2))
        if line is None or column is None:
            position = front_matter.position(len(front_matter.text))
        else:
            position = Position(line + FIRST_LINE - 1, column)
        front_matter.fail(
            position,
            f"front matter is not valid TOML: {message}",
            "fix the TOML at this place; strings need quotes and each key may appear once",
        )
        return
    front_matter.data = _jsonable(data)
    front_matter.entries = _toml_entries(front_matter.text)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return value


def _toml_key(dotted: str) -> tuple[str, ...]:
    return tuple(part.strip("'\"") if part[:1] in "'\"" else part for part in re.findall(_TOML_KEY_PART, dotted))


def _toml_entries(text: str) -> dict[JsonPath, Entry]:
    """Positions of top-level keys, table headers and the keys in them, found line by line.

    tomllib reports no positions; this reading is enough to point a schema problem at its key
    (values inside arrays and inline tables point at their key).
    """
    entries: dict[JsonPath, Entry] = {(): Entry(None, Position(FIRST_LINE, 1))}
    table: JsonPath = ()
    array_counts: dict[tuple[str, ...], int] = {}
    in_multiline = False
    for number, line in enumerate(text.split("\n"), start=FIRST_LINE):
        quotes = line.count('"""') + line.count("'''")
        if in_multiline:
            in_multiline = quotes % 2 == 0
            continue
        header = _TOML_TABLE_LINE.match(line)
        if header:
            name = _toml_key(header.group(2))
            if header.group(1) == "[[":
                index = array_counts.get(name, -1) + 1
                array_counts[name] = index
                table = (*name, index)
            else:
                table = name
            position = Position(number, header.start(2) + 1)
            entries.setdefault(table, Entry(position, position))
            continue
        key_line = _TOML_KEY_LINE.match(line)
        if key_line:
            path = (*table, *_toml_key(key_line.group(2)))
            key_at = Position(number, key_line.start(2) + 1)
            entries.setdefault(path, Entry(key_at, Position(number, key_line.end() + 1)))
        in_multiline = quotes % 2 == 1
    return entries
