"""Site knowledge that is neither a hiding rule nor a URL pattern, read from data files.

``data/embeds.toml`` says which player URLs have a watch page and how embed titles say nothing;
the renderer links an embed through it. Loaded once.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


@dataclass(frozen=True)
class Player:
    """An embedded player whose URL says which page plays the same video."""

    site: str
    player: re.Pattern[str]
    page: str
    start: str | None = None
    page_start: str = ""

    def page_of(self, url: str) -> str | None:
        match = self.player.match(url)
        if match is None:
            return None
        page = self.page.format(None, *match.groups())
        if self.start:
            query = match.group(2) if match.re.groups >= 2 else None
            found = re.search(rf"(?:^|&){re.escape(self.start)}=(\d+)", query or "")
            if found:
                page += self.page_start.format(start=found.group(1))
        return page


@dataclass(frozen=True)
class EmbedKnowledge:
    players: tuple[Player, ...]
    generic_title: re.Pattern[str]

    def page_of(self, url: str) -> str:
        """The page of an embedded video (`youtube.com/embed/ID` → `youtube.com/watch?v=ID`), else the URL."""
        for player in self.players:
            page = player.page_of(url)
            if page is not None:
                return page
        return url


@cache
def embeds() -> EmbedKnowledge:
    text = resources.files("postkit.rules").joinpath("data").joinpath("embeds.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    players = tuple(Player(site=entry["site"], player=re.compile(entry["player"]), page=entry["page"],
                           start=entry.get("start"), page_start=entry.get("page-start", ""))
                    for entry in data.get("player", ()))
    return EmbedKnowledge(players, re.compile(data["embed-title"]["generic"], re.IGNORECASE))
