"""Site knowledge that is neither a hiding rule nor a URL pattern, read from data files.

``data/embeds.toml`` says which player URLs have a watch page, how embed titles say nothing,
which blockquotes a script turns into an embed and which services proxy images; the renderer
and the repair stage read it. Loaded once.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from urllib.parse import parse_qsl, unquote

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
class ImageProxy:
    """A service that serves another site's image: where in its URL the image's own URL is."""

    hosts: re.Pattern[str]
    query: str | None = None
    path: bool = False

    def real_url(self, host: str, path: str, query: str) -> str | None:
        if not self.hosts.match(host):
            return None
        if self.query is not None:
            target = dict(parse_qsl(query)).get(self.query)
            if not target:
                return None
            return target if re.match(r"^[a-z][a-z0-9+.-]*://", target) else "https://" + target.lstrip("/")
        inner = path.lstrip("/")
        if self.path and path.count("/") >= 2 and "." in inner.split("/", 1)[0]:
            return "https://" + unquote(inner)
        return None


@dataclass(frozen=True)
class EmbedKnowledge:
    players: tuple[Player, ...]
    generic_title: re.Pattern[str]
    embed_quotes: frozenset[str]
    image_proxies: tuple[ImageProxy, ...]

    @cached_property
    def proxy_hosts_anywhere(self) -> re.Pattern[str]:
        """Any proxy's host pattern, unanchored: a URL none of them occurs in has no proxy host."""
        parts = (proxy.hosts.pattern.removeprefix("^").removesuffix("$") for proxy in self.image_proxies)
        return re.compile("|".join(f"(?:{part})" for part in parts) or "(?!)")

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
    players = tuple(
        Player(
            site=entry["site"],
            player=re.compile(entry["player"]),
            page=entry["page"],
            start=entry.get("start"),
            page_start=entry.get("page-start", ""),
        )
        for entry in data.get("player", ())
    )
    proxies = tuple(
        ImageProxy(re.compile(entry["hosts"]), entry.get("query"), bool(entry.get("path", False)))
        for entry in data.get("image-proxy", ())
    )
    return EmbedKnowledge(
        players,
        re.compile(data["embed-title"]["generic"], re.IGNORECASE),
        frozenset(data["embed-quotes"]["classes"]),
        proxies,
    )
