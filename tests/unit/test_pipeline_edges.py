"""Edge cases of clean_text whose right output is a property rather than fixed bytes."""

from __future__ import annotations

import pytest

from postkit import clean_text, split_post


@pytest.mark.parametrize("source", ["<hr>\n<p>Text after a rule.</p>\n", "<p><hr>Text after a rule.</p>\n"])
def test_hr_first_in_post_without_front_matter(source: str) -> None:
    out = clean_text(source).text
    assert split_post(out).front_matter == ""
    assert clean_text(out).text == out
    assert "Text after a rule." in out


@pytest.mark.parametrize("source", [
    "---\ntitle: x\n---\n<hr><p>After the front matter.</p>\n",
    "Intro.\n\n<p>One.</p><hr><p>Two.</p>\n",
])
def test_hr_after_front_matter_or_text_is_a_rule(source: str) -> None:
    out = clean_text(source).text
    post = split_post(out)
    assert post.front_matter == split_post(source).front_matter
    # written `* * *`, never `---`, which on a post's first line would open front matter
    assert "\n* * *\n" in "\n" + post.body
    assert clean_text(out).text == out
