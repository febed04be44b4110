"""Whose is a relative URL: the site being built, or the site a post was archived from.

One answer for validate's PK206 and for clean's URL repair, so the rule never asks for a
rewrite the repair would not make, and the repair never points an image the site hosts at the
source's dead domain. A root-relative URL (``/images/a.png``) belongs to the site being built
when the configuration names that site (``base-url``) or when the file exists under one of its
static folders (``static-folders``: the project root for Jekyll, ``static/`` for Hugo). Pure
functions, apart from asking whether a file exists.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from postkit.config import Config

_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")


@dataclass(frozen=True)
class SiteUrls:
    """What is known about the site the posts are built into.

    ``base_url`` is the site's own address (``https://blog.example.com/``) or None;
    ``static_roots`` are absolute folders whose files the site serves from its root.
    """

    base_url: str | None = None
    static_roots: tuple[Path, ...] = ()

    def owns(self, url: str) -> bool:
        """True for a root-relative URL that points at the site being built, not at the source site."""
        value = url.strip()
        if not value.startswith("/") or value.startswith("//"):
            return False
        if self.base_url is not None:
            return True
        return self._served_file(value) is not None

    def _served_file(self, url: str) -> Path | None:
        # As a browser resolves it: "/../a" is "/a", never a folder above the site's root.
        path = posixpath.normpath("/" + unquote(urlsplit(url).path).lstrip("/")).lstrip("/")
        if not path or path == ".":
            return None
        for root in self.static_roots:
            candidate = Path(os.path.normpath(root / path))
            if candidate.is_relative_to(root) and candidate.is_file():
                return candidate
        return None

    def resolve(self, url: str, source_url: str | None) -> str | None:
        """What clean should write for a relative URL, or None to leave it exactly as written.

        A URL of the site being built stays as written (it works there). Any other relative URL
        becomes the absolute URL on the source site, but only when that is a whole ``http(s)``
        URL with a host: a link is never rewritten half way (``https:/host`` from a bad base).
        """
        value = url.strip()
        if not value or value.startswith("#") or _SCHEME.match(value) or self.owns(value):
            return None
        if value.startswith("//"):
            scheme = urlsplit(source_url).scheme if source_url else ""
            return _whole(f"{scheme if scheme in ('http', 'https') else 'https'}:{value}")
        if not source_url:
            return None
        try:
            return _whole(urljoin(source_url.strip(), value))
        except ValueError:
            return None


NO_SITE = SiteUrls()  # nothing known of the site being built: every relative URL is the source's


def _whole(url: str) -> str | None:
    """``url`` when it is an absolute http(s) URL with a host and no broken ``scheme:/host`` form, else None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc or not url.startswith(f"{parts.scheme}://"):
        return None
    return url


def site_urls_from_config(config: Config) -> SiteUrls:
    """The site as the configuration describes it; static folders are relative to the project root."""
    root = config.project_root
    roots = tuple(Path(os.path.normpath(root / folder)) for folder in config.static_folders)
    return SiteUrls(base_url=config.base_url, static_roots=tuple(r for r in roots if r.is_dir()))
