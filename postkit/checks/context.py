"""CheckContext: what every check of one run may consult besides the post itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from postkit.checks.frontmatter import FrontMatter, read_front_matter
from postkit.checks.schema import Schema
from postkit.post import SourcePost

DEFAULT_SOURCE_URL_KEY = "from"


@dataclass
class CheckContext:
    """Settings for one validate run, and the front matter of the post being checked.

    ``schema`` is ``None`` for no schema check; ``source_url_key`` names the front-matter key
    holding a post's original URL; ``options`` carries rule settings from the configuration
    (content rules read theirs from it).
    """

    schema: Schema | None = None
    source_url_key: str = DEFAULT_SOURCE_URL_KEY
    options: Mapping[str, Any] = field(default_factory=dict)
    _last: tuple[SourcePost, FrontMatter] | None = field(default=None, init=False, repr=False, compare=False)

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
