"""postkit's settings: one defaults mapping, the config file found by walking up, and validation.

Precedence is defaults < ``postkit.toml`` or ``[tool.postkit]`` in ``pyproject.toml`` < overrides
(the command line). Keys are written in kebab-case, as users write them in TOML.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from postkit.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

CONFIG_FILE_NAME = "postkit.toml"
PYPROJECT_FILE_NAME = "pyproject.toml"
SANITIZERS = ("nh3", "bleach")
CONVERTERS = ("postkit", "markdownify")
# The Markdown renderer a site uses; "auto": kramdown with the jekyll schema or a Jekyll-shaped
# post, goldmark with the hugo schema or TOML front matter, else CommonMark.
DIALECTS = ("auto", "commonmark", "kramdown", "goldmark")
SCHEMA_PRESETS = ("jekyll", "hugo", "none")

DEFAULTS: dict[str, object] = {
    "source-url-key": "from",
    "sanitizer": "nh3",
    "converter": "postkit",
    "markdown": "auto",
    "rules": [],
    "include": ["*.md", "*.markdown", "*.html"],
    "exclude": [],
    # Never posts: build output, dependencies and caches of Jekyll, Hugo and their tools, skipped
    # like ruff's default `exclude`. A name matches anywhere; `/public` and `/resources` (Hugo's
    # build output) only at the project root, since a Hugo section may well be called resources.
    # Templates are never posts either, and `clean` would turn their HTML into Markdown: Jekyll's
    # `_layouts` and `_includes` anywhere, Hugo's `layouts`, `themes` and `archetypes` at the root.
    "default-exclude": [
        ".git",
        ".jekyll-cache",
        ".sass-cache",
        ".postkit_cache",
        "_site",
        "node_modules",
        "vendor",
        "/public",
        "/resources",
        "_layouts",
        "_includes",
        "/layouts",
        "/themes",
        "/archetypes",
    ],
    "respect-gitignore": True,
    "force-exclude": False,
    "schema": "jekyll",
    "select": [],
    "ignore": [],
    "per-file-ignores": {},
    "strict": False,
    "max-file-size": 10_485_760,
    "allow-data-images": False,
    "encoding": None,
    # The site the posts are built into: a root-relative URL belongs to it (not to the source
    # site) when base-url is set, or when the file exists under one of the static folders.
    "base-url": None,
    "static-folders": [".", "static"],
    "jobs": 0,
    "cache": True,
}

# Keys whose values name files; relative ones resolve against the config file's folder.
_PATH_KEYS = frozenset({"rules", "schema"})
# Keys that do not change what cleaning writes, so they stay out of the cache fingerprint.
_NOT_FINGERPRINTED = frozenset(
    {
        "select",
        "ignore",
        "per-file-ignores",
        "include",
        "exclude",
        "default-exclude",
        "respect-gitignore",
        "force-exclude",
        "jobs",
        "cache",
    }
)
_TOML_PLACE = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_COMMAND_LINE = "command line"


@dataclass(frozen=True)
class Config:
    """Validated settings, one field per key of :data:`DEFAULTS` (snake_case).

    Lists are tuples and ``per_file_ignores`` is a tuple of ``(glob, code_prefixes)`` pairs, so a
    Config is immutable, hashable and can be sent to worker processes. ``rules`` hold absolute
    paths; ``schema`` is a preset name (str) or an absolute :class:`Path`.
    """

    source_url_key: str
    sanitizer: str
    converter: str
    markdown: str
    rules: tuple[Path, ...]
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    default_exclude: tuple[str, ...]
    respect_gitignore: bool
    force_exclude: bool
    schema: str | Path
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...]
    strict: bool
    max_file_size: int
    allow_data_images: bool
    encoding: str | None
    base_url: str | None
    static_folders: tuple[str, ...]
    jobs: int
    cache: bool
    source: Path | None = None

    @property
    def project_root(self) -> Path:
        """The folder ``exclude``, ``per-file-ignores`` and the cache are relative to.

        The config file's folder, else the current folder (as ruff and black do).
        """
        return self.source.parent if self.source is not None else Path.cwd()

    def as_dict(self) -> dict[str, object]:
        """The settings under their kebab-case keys, in the order of :data:`DEFAULTS`."""
        return {key: getattr(self, _field_name(key)) for key in DEFAULTS}

    def fingerprint(self) -> str:
        """A stable hex digest of the settings that change cleaning output, for a cache key.

        Files named by the settings (rule packs, a schema file) count by their content, so
        editing a rule pack invalidates the cache even though its path stays the same.
        """
        relevant: dict[str, object] = {}
        for key, value in self.as_dict().items():
            if key in _NOT_FINGERPRINTED:
                continue
            if key == "rules":
                relevant[key] = [[str(path), _file_digest(path)] for path in self.rules]
            elif isinstance(value, Path):
                relevant[key] = [str(value), _file_digest(value)]
            else:
                relevant[key] = value
        encoded = json.dumps(relevant, sort_keys=True, ensure_ascii=True).encode()
        return hashlib.blake2b(encoded, digest_size=16).hexdigest()


def find_config_file(paths: Sequence[Path]) -> Path | None:
    """The config file for ``paths``: walk up from their common folder to the filesystem root.

    The first folder holding ``postkit.toml``, or a ``pyproject.toml`` with a
    ``[tool.postkit]`` table, wins; ``postkit.toml`` wins within one folder. With no paths the
    walk starts at the current folder.
    """
    start = _common_folder(paths)
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_FILE_NAME
        if candidate.is_file():
            return candidate
        pyproject = folder / PYPROJECT_FILE_NAME
        if pyproject.is_file() and "postkit" in _tool_table(_read_toml(pyproject), pyproject):
            return pyproject
    return None


def load_config(
    paths: Sequence[Path],
    config_file: Path | None = None,
    overrides: Mapping[str, object] | None = None,
) -> Config:
    """Settings for a run over ``paths``: defaults < the config file < ``overrides``.

    ``config_file`` skips the search; ``overrides`` use the kebab-case keys, and a ``None``
    value means the option was not given. Relative paths in overrides resolve against the
    current folder. Raises :class:`ConfigError` for an unreadable file, invalid TOML, an
    unknown key or a wrong value.
    """
    settings = dict(DEFAULTS)
    source = config_file if config_file is not None else find_config_file(paths)
    if source is not None:
        source = Path(os.path.abspath(source))
        table = _read_config_table(source)
        settings.update(_validate(table, str(source), source.parent))
    if overrides:
        given = {key: value for key, value in overrides.items() if value is not None}
        settings.update(_validate(given, _COMMAND_LINE, Path.cwd()))
    return _build(settings, source)


def _build(settings: Mapping[str, object], source: Path | None) -> Config:
    """A Config from a complete mapping of already validated settings."""
    values: dict[str, Any] = {_field_name(key): _freeze(value) for key, value in settings.items()}
    return Config(**values, source=source)


def _freeze(value: object) -> object:
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, dict):
        return tuple((glob, tuple(codes)) for glob, codes in value.items())
    return value


def _field_name(key: str) -> str:
    return key.replace("-", "_")


def _read_toml(path: Path) -> dict[str, object]:
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read config file: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: config file is not UTF-8 ({error.reason} at byte {error.start})") from error
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        place = _TOML_PLACE.search(message)
        if place is None:
            raise ConfigError(f"{path}: invalid TOML: {message}") from error
        line, column = place.groups()
        raise ConfigError(f"{path}:{line}:{column}: invalid TOML: {message[: place.start()]}") from error


def _tool_table(document: Mapping[str, object], path: Path) -> Mapping[str, object]:
    tool = document.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: 'tool' must be a table")
    return tool


def _read_config_table(path: Path) -> Mapping[str, object]:
    if not path.is_file():
        raise ConfigError(f"{path}: config file does not exist")
    document = _read_toml(path)
    if path.name != PYPROJECT_FILE_NAME:
        return document
    tool = _tool_table(document, path)
    if "postkit" not in tool:
        raise ConfigError(f"{path}: has no [tool.postkit] table")
    table = tool["postkit"]
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.postkit] must be a table, not {_type_name(table)}")
    return table


def _common_folder(paths: Sequence[Path]) -> Path:
    if not paths:
        return Path.cwd()
    folders = []
    for path in paths:
        absolute = Path(os.path.abspath(path))
        folders.append(absolute if absolute.is_dir() else absolute.parent)
    try:
        return Path(os.path.commonpath(folders))
    except ValueError:  # paths on different drives (Windows) share no folder
        return folders[0]


def _validate(table: Mapping[str, object], where: str, base: Path) -> dict[str, object]:
    """Check keys and value types; give values their normalized form (lists, absolute paths)."""
    unknown = [key for key in table if key not in DEFAULTS]
    if unknown:
        noun = "key" if len(unknown) == 1 else "keys"
        names = ", ".join(repr(key) for key in unknown)
        raise ConfigError(f"{where}: unknown {noun} {names}; valid keys: {', '.join(DEFAULTS)}")
    return {key: _validate_value(key, value, where, base) for key, value in table.items()}


def _validate_value(key: str, value: object, where: str, base: Path) -> object:
    default = DEFAULTS[key]
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise _type_error(key, "a boolean (true or false)", value, where)
        return value
    if isinstance(default, int):
        if not isinstance(value, int) or isinstance(value, bool):
            raise _type_error(key, "an integer", value, where)
        if key == "jobs" and value < 0:
            raise ConfigError(f"{where}: 'jobs' must be 0 (all cores) or more, not {value}")
        if key == "max-file-size" and value <= 0:
            raise ConfigError(f"{where}: 'max-file-size' must be a positive number of bytes, not {value}")
        return value
    if isinstance(default, list):
        items = _string_list(key, value, where)
        if key == "rules":
            return [_existing_file(Path(item), key, where, base) for item in items]
        return items
    if isinstance(default, dict):
        expected = "a table of lists of code prefixes"
        if not isinstance(value, Mapping):
            raise _type_error(key, expected, value, where)
        return {str(glob): _string_list(key, codes, where, expected) for glob, codes in value.items()}
    # The rest are strings; `encoding` defaults to None (detect), but a given value names an encoding.
    if not isinstance(value, str) and not (key in _PATH_KEYS and isinstance(value, os.PathLike)):
        raise _type_error(key, "a string", value, where)
    return _validate_string(key, os.fspath(value), where, base)


def _validate_string(key: str, text: str, where: str, base: Path) -> str | Path:
    for name, allowed in (("sanitizer", SANITIZERS), ("converter", CONVERTERS), ("markdown", DIALECTS)):
        if key == name and text not in allowed:
            raise ConfigError(f"{where}: '{name}' must be one of {', '.join(allowed)}, not {text!r}")
    if key == "schema":
        if text in SCHEMA_PRESETS:
            return text
        return _existing_file(Path(text), key, where, base, hint=f"use a preset ({', '.join(SCHEMA_PRESETS)}) or ")
    if key == "base-url":
        parts = urlsplit(text.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(
                f"{where}: 'base-url' must be the site's address, such as https://blog.example.com/, not {text!r}"
            )
        return text.strip()
    if key == "encoding":
        try:
            codecs.lookup(text)
        except LookupError:
            raise ConfigError(f"{where}: 'encoding' names an unknown encoding {text!r}") from None
    return text


def _string_list(key: str, value: object, where: str, expected: str = "a list of strings") -> list[str]:
    """The items of a list of strings (of paths too, for path keys); ConfigError for anything else."""
    if not isinstance(value, (list, tuple)):
        raise _type_error(key, expected, value, where)
    items = []
    for item in value:
        if isinstance(item, str) or (key in _PATH_KEYS and isinstance(item, os.PathLike)):
            items.append(os.fspath(item))
        else:
            raise _type_error(key, expected, value, where)
    return items


def _type_error(key: str, expected: str, value: object, where: str) -> ConfigError:
    return ConfigError(f"{where}: '{key}' must be {expected}, not {_type_name(value)} {value!r}")


def _existing_file(path: Path, key: str, where: str, base: Path, hint: str = "") -> Path:
    resolved = (base / path.expanduser()).resolve()
    if not resolved.is_file():
        raise ConfigError(f"{where}: '{key}' names {str(path)!r}, but {resolved} is not a file; {hint}fix the path")
    return resolved


def _type_name(value: object) -> str:
    """The TOML name of a value's type, as a user wrote it."""
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a float",
        str: "a string",
        list: "an array",
        tuple: "an array",
        dict: "a table",
    }
    return names.get(type(value), f"a {type(value).__name__}")


def _file_digest(path: Path) -> str:
    try:
        return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
    except OSError:
        return "unreadable"


DEFAULT_CONFIG: Config = _build(DEFAULTS, None)
