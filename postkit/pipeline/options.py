"""What changes how a post is cleaned: the options every stage reads."""

from __future__ import annotations

from dataclasses import dataclass

from postkit.site_urls import NO_SITE, SiteUrls


@dataclass(frozen=True)
class CleanOptions:
    """What changes how a post is cleaned; the cache key is built from these."""

    source_url_key: str = "from"
    sanitizer: str = "nh3"
    converter: str = "postkit"
    # the renderer the site uses: "commonmark", "kramdown" (Jekyll), "goldmark" (Hugo), or "auto"
    # (kramdown for a Jekyll-shaped post, goldmark for TOML front matter, else CommonMark)
    markdown: str = "auto"
    rule_files: tuple[str, ...] = ()
    allow_data_images: bool = False
    # the site being built: whose root-relative URLs stay as written (base-url, static folders)
    site: SiteUrls = NO_SITE
