"""The hooks in .pre-commit-hooks.yaml, run by the real pre-commit on a scratch git repository.

``pre-commit try-repo`` installs postkit from a git repository into its own virtual
environment, from PyPI for the dependencies, and runs the hooks as a user's commit would. The
repository it installs from is a snapshot of this working tree (tracked and untracked files
alike), so the test checks the hooks as they are now, committed or not. Skips when git or
pre-commit is missing; it needs network access to PyPI and takes a minute or two.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from git_repos import git, snapshot_of_this_tree

ROOT = Path(__file__).resolve().parents[2]
# What a pip install of postkit needs from the working tree.

GOOD = """\
---
layout: post
title: A clean post
date: 2021-08-10
---
The river rose overnight.
"""
BAD = """\
---
layout: post
date: 2021-08-10
from: https://news.example.com/world/flood
---
<div><p>The river rose overnight.</p><section id="ads"><ins class="adsbygoogle"></ins></section></div>
"""

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None or importlib.util.find_spec("pre_commit") is None,
    reason="needs git and pre-commit",
)


def test_manifest_offers_validate_and_clean() -> None:
    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))}
    assert sorted(hooks) == ["postkit-clean", "postkit-validate"]
    assert hooks["postkit-validate"]["entry"] == "postkit validate --force-exclude"
    assert hooks["postkit-clean"]["entry"] == "postkit clean --force-exclude"
    for hook in hooks.values():
        assert (hook["language"], hook["types"], hook["require_serial"]) == ("python", ["markdown"], True)
        posts = re.compile(hook["files"])
        assert [
            name
            for name in (
                "_posts/a.md",
                "_drafts/b.md",
                "content/c.md",
                "site/_posts/d.md",
                "README.md",
                "about.md",
                "docs/index.md",
            )
            if posts.search(name)
        ] == ["_posts/a.md", "_drafts/b.md", "content/c.md", "site/_posts/d.md"]


def test_hooks_run_through_pre_commit_try_repo(tmp_path: Path) -> None:
    hook_repo = tmp_path / "postkit"
    snapshot_of_this_tree(hook_repo)
    site = tmp_path / "site"
    (site / "_posts").mkdir(parents=True)
    good, bad = site / "_posts" / "2021-08-10-good.md", site / "_posts" / "2021-08-10-bad.md"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text(BAD, encoding="utf-8")
    (site / "notes.txt").write_text("not a post\n", encoding="utf-8")
    git("init", "-q", cwd=site)
    git("add", "-A", cwd=site)
    env = {key: value for key, value in os.environ.items() if key not in ("GITHUB_ACTIONS", "NO_COLOR")}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PRE_COMMIT_COLOR="never", POSTKIT_CACHE_DIR=str(tmp_path / "cache"))

    # Every hook of the manifest, in id order: postkit-clean, then postkit-validate.
    run = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "--all-files"],
        cwd=site,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = run.stdout + run.stderr
    if "Could not find a version" in output or "Failed to establish a new connection" in output:
        pytest.skip("PyPI is not reachable")

    assert run.returncode == 1, output
    assert "postkit clean" in output and "- files were modified by this hook" in output
    assert "postkit validate" in output
    # clean took the ad slot out of the bad post; validate still finds its missing title
    assert "adsbygoogle" not in bad.read_text(encoding="utf-8")
    assert "The river rose overnight." in bad.read_text(encoding="utf-8")
    assert good.read_text(encoding="utf-8") == GOOD
    assert "_posts/2021-08-10-bad.md" in output
    assert "PK109" in output and "required key 'title' is missing" in output
    assert "2021-08-10-good.md" not in output
    assert "Checked 2 files: 1 error, 0 warnings" in output
