"""CheckContext: what every check of one run may consult besides the post itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from postkit.checks.content import Body
from postkit.checks.frontmatter import FrontMatter, read_front_matter
from postkit.checks.schema import Schema
from postkit.post import SourcePost
from postkit.rules import RuleBook, load_rulebook

DEFAULT_SOURCE_URL_KEY = "from"


@dataclass
class CheckContext:
    """Settings for one validate run, and the front matter and body of the post being checked.

    ``schema`` is ``None`` for no schema check; ``source_url_key`` names the front-matter key
    holding a post's original URL; ``rule_files`` are extra rule packs the content rules use
    beside the shipped ones; ``options`` carries rule settings from the configuration.
    """

    schema: Schema | None = None
    source_url_key: str = DEFAULT_SOURCE_URL_KEY
    options: Mapping[str, Any] = field(default_factory=dict)
    rule_files: tuple[str, ...] = ()
    _last: tuple[SourcePost, FrontMatter] | None = field(default=None, init=False, repr=False, compare=False)
    _last_body: tuple[SourcePost, Body] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def rules(self) -> RuleBook:
        """The cruft rule book, loaded once per set of rule packs (ConfigError for a bad pack)."""
        return _rulebook(self.rule_files)

    def front_matter(self, post: SourcePost) -> FrontMatter:
        """The post's front matter, parsed once however many checks ask for it.

        The engine runs every check of one post before the next post, so remembering the
        last post is enough and keeps no more than one front matter alive.
        """
        last = self._last
        if last is not None and last[0] is post:
            return last[1]
        front_matter = read_front_matter(post)
        self._last = (post, front_matter)
        return front_matter

    def body(self, post: SourcePost) -> Body:
        """The post's body with its HTML parsed, once for every content rule, like the front matter."""
        last = self._last_body
        if last is not None and last[0] is post:
            return last[1]
        body = Body.read(post.body, post.body_start_line, self.rules, self.source_url(post))
        self._last_body = (post, body)
        return body

    def source_url(self, post: SourcePost) -> str | None:
        """The post's original URL from the front matter, as written; None when missing or unreadable."""
        data = self.front_matter(post).data
        value = data.get(self.source_url_key) if isinstance(data, dict) else None
        return value.strip() if isinstance(value, str) and value.strip() else None


@lru_cache(maxsize=4)
def _rulebook(rule_files: tuple[str, ...]) -> RuleBook:
    return load_rulebook(rule_files)
