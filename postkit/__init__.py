"""postkit: clean, validate and convert archived Markdown posts full of scraped HTML."""

from __future__ import annotations

from postkit.errors import ConfigError, PostError, PostkitError
from postkit.pipeline import CleanOptions, CleanResult, clean_post, clean_text, convert_html_document, convert_text
from postkit.post import SourcePost, read_post, split_post

__version__ = "0.1.0"

__all__ = [
    "CleanOptions",
    "CleanResult",
    "ConfigError",
    "PostError",
    "PostkitError",
    "SourcePost",
    "__version__",
    "clean_post",
    "clean_text",
    "convert_html_document",
    "convert_text",
    "read_post",
    "split_post",
]
