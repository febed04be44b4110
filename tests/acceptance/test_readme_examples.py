"""The README's examples run as tests, so they cannot drift from the code (issue #11).

Each example is taken from README.md itself: the configuration blocks are loaded, the
GitHub Actions steps are run as commands, the console samples are compared with a real run,
and the pre-commit configuration is used as written (the repository URL and rev aside) on a
scratch repository by the real pre-commit.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from git_repos import git, snapshot_of_this_tree
from typer.testing import CliRunner

from postkit.cli import app
from postkit.config import load_config

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.DOTALL | re.MULTILINE)

FLOOD = """\
---
title: Flood warning
date: 2021-08-10
from: https://example.com/news/flood
---
The river rose overnight. [Report](https://example.com/report?utm_source=rss)

<div class="adsbygoogle"></div>
"""
CLEAR = "---\ntitle: All clear\ndate: 2021-08-11\n---\nThe water went down.\n"
GOOD = "---\nlayout: post\ntitle: A clean post\ndate: 2021-08-10\n---\nThe river rose overnight.\n"


def blocks(language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(README) if lang == language]


def block_starting(language: str, first_line: str) -> str:
    found = [body for body in blocks(language) if body.splitlines()[0].strip() == first_line]
    assert len(found) == 1, f"README has no single {language} block starting {first_line!r}"
    return found[0]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POSTKIT_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("GITHUB_ACTIONS", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


# --- configuration ----------------------------------------------------------------------------


def test_every_toml_example_is_a_valid_configuration(folder: Path) -> None:
    examples = [body for body in blocks("toml") if body.startswith("[tool.postkit]")]
    assert len(examples) >= 2
    (folder / "my-sites.txt").write_text("##.my-ad\n", encoding="utf-8")  # the rule pack one example names
    for example in examples:
        (folder / "pyproject.toml").write_text('[project]\nname = "blog"\n\n' + example, encoding="utf-8")
        config = load_config([folder])
        assert config.source == folder / "pyproject.toml"


def test_the_configuration_example_means_what_its_comments_say(folder: Path) -> None:
    example = next(body for body in blocks("toml") if "exclude" in body and body.startswith("[tool.postkit]"))
    (folder / "my-sites.txt").write_text("##.my-ad\n", encoding="utf-8")
    (folder / "pyproject.toml").write_text(example, encoding="utf-8")
    for name in ("drafts/a.md", "_posts/drafts/b.md", "_posts/c.bak.md", "_posts/2021-08-11-clear.md"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(CLEAR, encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", ".", "--format", "json"], catch_exceptions=False)
    checked = json.loads(result.stdout)["files_checked"]
    # drafts/ at the root and *.bak.md anywhere are excluded; _posts/drafts/ is not the root's drafts/
    assert checked == 2, result.stdout


# --- console samples --------------------------------------------------------------------------


def _two_posts(folder: Path) -> None:
    (folder / "_posts").mkdir()
    (folder / "_posts" / "2021-08-10-flood.md").write_text(FLOOD, encoding="utf-8")
    (folder / "_posts" / "2021-08-11-clear.md").write_text(CLEAR, encoding="utf-8")


@pytest.mark.usefixtures("folder")
@pytest.mark.parametrize(
    "prompt",
    ["$ postkit validate _posts/ --ignore PK207 --format table", "$ postkit validate _posts/ --ignore PK207 | cat"],
)
def test_console_samples_are_what_the_command_prints(folder: Path, prompt: str) -> None:
    sample = block_starting("console", prompt)
    _two_posts(folder)
    args = shlex.split(prompt[2:].split(" | ")[0])[1:]
    result = CliRunner().invoke(app, args, catch_exceptions=False, env={"COLUMNS": "120"})
    assert result.exit_code == 1
    assert result.stdout == sample.split("\n", 1)[1]


# --- GitHub Actions -------------------------------------------------------------------------------


def _postkit_steps(workflow: str) -> list[list[str]]:
    document = yaml.safe_load(workflow)
    steps = (
        document if isinstance(document, list) else [step for job in document["jobs"].values() for step in job["steps"]]
    )
    return [shlex.split(step["run"]) for step in steps if str(step.get("run", "")).startswith("postkit ")]


def test_the_github_actions_workflow_runs(folder: Path) -> None:
    workflow = block_starting("yaml", "# .github/workflows/posts.yml")
    steps = _postkit_steps(workflow)
    assert steps == [["postkit", "validate", "--format", "github", "posts/"]]
    (folder / "posts").mkdir()
    (folder / "posts" / "2021-08-11-clear.md").write_text(CLEAR, encoding="utf-8")
    result = CliRunner().invoke(app, steps[0][1:], catch_exceptions=False, env={"GITHUB_ACTIONS": "true"})
    assert (result.exit_code, result.stdout, result.stderr) == (0, "Checked 1 file: no problems\n", "")
    (folder / "posts" / "2021-08-10-flood.md").write_text(FLOOD, encoding="utf-8")
    result = CliRunner().invoke(app, steps[0][1:], catch_exceptions=False, env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 1
    assert result.stdout.startswith("::warning file=posts/2021-08-10-flood.md,line=6,col=36,title=PK203::")
    assert "::error file=posts/2021-08-10-flood.md,line=8,col=1,title=PK201::" in result.stdout


def test_the_sarif_upload_steps_write_the_file_they_upload(folder: Path) -> None:
    steps_block = next(body for body in blocks("yaml") if "upload-sarif" in body)
    steps = yaml.safe_load(steps_block.replace("      - ", "- ").replace("\n        ", "\n  "))
    commands = [shlex.split(step["run"]) for step in steps if "run" in step]
    uploaded = next(step["with"]["sarif_file"] for step in steps if "uses" in step)
    (folder / "posts").mkdir()
    (folder / "posts" / "2021-08-10-flood.md").write_text(FLOOD, encoding="utf-8")
    result = CliRunner().invoke(app, commands[0][1:], catch_exceptions=False)
    assert (result.exit_code, result.stdout) == (1, "")
    log = json.loads((folder / uploaded).read_text(encoding="utf-8"))
    assert {r["ruleId"] for r in log["runs"][0]["results"]} == {"PK201", "PK203", "PK207"}


# --- pre-commit, as the README shows it, on a real repository -----------------------------------

needs_pre_commit = pytest.mark.skipif(
    shutil.which("git") is None or importlib.util.find_spec("pre_commit") is None, reason="needs git and pre-commit"
)


def _blog_repository(site: Path) -> None:
    """A blog as people keep one: a README, a pyproject.toml, dependencies and build output ignored."""
    files = {
        ".gitignore": "node_modules/\n_site/\n.postkit_cache/\n",
        "README.md": "# My blog\n\nBuilt with Jekyll. No front matter here: this is not a post.\n",
        "pyproject.toml": '[project]\nname = "blog"\nversion = "0"\n\n[tool.postkit]\nexclude = ["drafts/*"]\n',
        "about.md": "Not a post either.\n",
        "_posts/2021-08-10-good.md": GOOD,
        "_posts/2021-08-11-other.md": GOOD.replace("A clean post", "Another clean post").replace("08-10", "08-11"),
        "node_modules/some-package/README.md": "# a package\n",
        "node_modules/some-package/content/guide.md": "no front matter\n",
        "_site/index.html": '<html><body><div class="sharedaddy">Share</div></body></html>\n',
        "_site/_posts/built.md": "no front matter\n",
    }
    for name, text in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text, encoding="utf-8")
    git("init", "-q", cwd=site)
    git("add", "-A", cwd=site)
    git("add", "-f", "_site/_posts/built.md", cwd=site)  # build output committed by mistake
    git("commit", "-q", "-m", "blog", cwd=site)


def _pre_commit(args: list[str], cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("GITHUB_ACTIONS", "NO_COLOR")}
    env.update(
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PRE_COMMIT_COLOR="never",
        PRE_COMMIT_HOME=str(home),
        POSTKIT_CACHE_DIR=str(home / "postkit-cache"),
    )
    run = subprocess.run(
        [sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )
    output = run.stdout + run.stderr
    if "Could not find a version" in output or "Failed to establish a new connection" in output:
        pytest.skip("PyPI is not reachable: pre-commit cannot install the hook's dependencies")
    return run


@needs_pre_commit
def test_the_readme_pre_commit_config_passes_on_a_real_blog_repository(tmp_path: Path) -> None:
    commit = snapshot_of_this_tree(tmp_path / "postkit")
    site = tmp_path / "blog"
    _blog_repository(site)
    config = yaml.safe_load(block_starting("yaml", "# .pre-commit-config.yaml"))
    hooks = config["repos"][0]["hooks"]
    assert [hook["id"] for hook in hooks] == ["postkit-validate", "postkit-clean"]
    config["repos"][0].update(repo=str(tmp_path / "postkit"), rev=commit)  # the README's URL is a placeholder
    (site / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    home = tmp_path / "pre-commit-home"

    run = _pre_commit(["run", "--all-files"], site, home)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert re.search(r"postkit validate\.+Passed", output), output
    assert re.search(r"postkit clean\.+Passed", output), output

    # try-repo runs the manifest's hooks, the ones the README lists, on the same repository
    tried = _pre_commit(["try-repo", str(tmp_path / "postkit"), "--all-files"], site, home)
    assert tried.returncode == 0, tried.stdout + tried.stderr
    assert re.search(r"postkit validate\.+Passed", tried.stdout), tried.stdout

    # and they do fail on a bad post, naming it, while README.md and the ignored folders stay out
    (site / "_posts" / "2021-08-12-bad.md").write_text(FLOOD.replace("title: Flood warning\n", ""), encoding="utf-8")
    git("add", "-A", cwd=site)
    run = _pre_commit(["run", "--all-files"], site, home)
    output = run.stdout + run.stderr
    assert run.returncode == 1
    assert "_posts/2021-08-12-bad.md:2:1: PK109 required key 'title' is missing" in output, output
    assert "README.md" not in output and "node_modules" not in output and "_site" not in output
