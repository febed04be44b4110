"""Throwaway git repositories for the tests that run pre-commit: this tree's package as a hook repo."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGE_FILES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "LICENSE", "postkit/")
GIT = ("git", "-c", "user.name=postkit tests", "-c", "user.email=tests@postkit.invalid", "-c", "commit.gpgsign=false")


def git(*args: str, cwd: Path) -> str:
    return subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def commit_all(folder: Path) -> str:
    """Make ``folder`` a git repository with everything in it committed; returns the commit."""
    git("init", "-q", cwd=folder)
    git("add", "-A", cwd=folder)
    git("commit", "-q", "-m", "snapshot", cwd=folder)
    return git("rev-parse", "HEAD", cwd=folder).strip()


def snapshot_of_this_tree(target: Path) -> str:
    """A one-commit git repository of this working tree's package files; returns the commit."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True
    )
    if listed.returncode != 0:
        pytest.skip("the project is not a git checkout")
    for name in listed.stdout.splitlines():
        if name.startswith(PACKAGE_FILES) and (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    return commit_all(target)
