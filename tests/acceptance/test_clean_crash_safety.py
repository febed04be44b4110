"""`postkit clean` killed with SIGKILL partway through a large folder leaves every post whole.

Each trial starts ``python -m postkit clean FOLDER --jobs 2`` on a fresh folder of ~4,000 posts,
kills the whole process group (workers too) at a random moment, and checks that every post is
byte for byte either its original or its cleaned form, and parses. A last test kills runs that
have visibly started writing and then lets a normal run finish the job.

``POSTKIT_KILL_TRIALS`` sets the number of trials (5 by default, 20 when ``CI`` is set);
``POSTKIT_KILL_SEED`` replays the kill moments of a failed run (the seed is in every message).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from postkit import clean_text, read_post
from postkit.files import TEMP_MARKER

pytestmark = pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX process groups and SIGKILL")

TRIALS = int(os.environ.get("POSTKIT_KILL_TRIALS", "20" if os.environ.get("CI") else "5"))
SEED = int(os.environ.get("POSTKIT_KILL_SEED", str(random.SystemRandom().randrange(2**32))))
POSTS = 4_000  # a run of about 3.5 s on 2 cores: every kill moment (0.2-2.0 s) lands mid-run
FOLDERS = 16
OLD = 1_000_000_000
PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h


@dataclass(frozen=True)
class Post:
    original: bytes
    cleaned: bytes


def make_post(i: int) -> str:
    """A small post, different for every ``i``: HTML with cruft, Markdown with a tracking link, or clean."""
    front = f'---\nlayout: post\ntitle: "Post number {i}"\ndate: 2021-09-{i % 28 + 1:02d}\nfrom: https://www.zaobao.com/x/{i}\n---\n'
    kind = i % 10
    if kind == 0:
        return front + f"Already clean post {i}.\n\nIt has *two* paragraphs.\n"
    if kind == 1:
        return front + f"Read [story {i}](https://example.com/s/{i}?utm_source=rss&utm_medium=feed&id={i}) now.\n"
    paragraphs = 2 + i % 6 + (150 if i % 400 == 7 else 0)  # a few much larger posts
    parts = []
    for j in range(paragraphs):
        if (i + j) % 4 == 0:
            parts.append(f"<p>第{i}篇文章的第{j}段\uff0c中文正文。</p>")
        else:
            parts.append(
                f'<p>Paragraph {j} of post {i}, with <a href="/news/{i}/{j}?utm_source=rss&amp;ref={j}">'
                f"a link</a> and <b>bold {j}</b>.</p>"
            )
        if j == 1:
            parts.append('<section id="imu"><div id="dfp-ad-imu1"></div></section>')
    return front + "<!--1630634400000-->\n" + "\n".join(parts) + "\n"


@pytest.fixture(scope="module")
def corpus() -> dict[str, Post]:
    posts: dict[str, Post] = {}
    for i in range(POSTS):
        text = make_post(i)
        posts[f"f{i % FOLDERS:02d}/{i:05d}.md"] = Post(text.encode(), clean_text(text).text.encode())
    changed = sum(post.original != post.cleaned for post in posts.values())
    assert changed >= POSTS * 0.85, "most posts must change, or a kill tests little"
    assert max(len(post.original) for post in posts.values()) > 20 * min(len(post.original) for post in posts.values())
    return posts


def populate(folder: Path, corpus: dict[str, Post]) -> None:
    for name, post in corpus.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(post.original)
        os.utime(path, (OLD, OLD))


def start_clean(folder: Path, cache: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "POSTKIT_CACHE_DIR": str(cache), "NO_COLOR": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "postkit", "clean", str(folder), "--jobs", "2", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the run and its workers, and wait until none of them can write any more."""
    with contextlib.suppress(ProcessLookupError):  # already gone: nothing to kill
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        members = list(group_members(process.pid))
        for pid, state, parent in members:
            if state == "Z" and parent == os.getpid():
                os.waitpid(pid, 0)  # a worker adopted by the reaper fixture
        if all(state == "Z" and parent != os.getpid() for _, state, parent in members):
            return
        time.sleep(0.02)
    pytest.fail(f"processes of the killed run are still running: {list(group_members(process.pid))}")


def group_members(group: int) -> Iterator[tuple[int, str, int]]:
    """(pid, state, parent pid) of every process in ``group``, zombies too; Linux only, else nothing."""
    proc = Path("/proc")
    if not proc.is_dir():
        return
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, parent, process_group = stat[stat.rindex(")") + 2 :].split()[:3]
        if int(process_group) == group:
            yield int(entry.name), state, int(parent)


@pytest.fixture(scope="module", autouse=True)
def reaper() -> Iterator[None]:
    """Adopt the workers of killed runs so that kill_group can reap them, as an init process would.

    In a container whose pid 1 does not reap orphans, a killed worker would stay a zombie, which
    postkit takes for a live process: its temporary file would then outlive the finishing run (the
    strict xfail test_a_zombie_runs_temporary_files_are_removed in test_cli_clean.py).
    """
    libc = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None
    if libc is None or libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        yield
        return
    try:
        yield
    finally:
        libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


def check_old_or_new(folder: Path, corpus: dict[str, Post], context: str) -> tuple[int, int, int]:
    """Every post is wholly old or wholly new and parses; returns (old, new, leftover temp files)."""
    seen: set[str] = set()
    old = new = temps = 0
    for path in folder.rglob("*"):
        if path.is_dir():
            continue
        if TEMP_MARKER in path.name:
            temps += 1
            continue
        name = path.relative_to(folder).as_posix()
        seen.add(name)
        assert name in corpus, f"{context}: unexpected file {name}"
        data = path.read_bytes()
        post = corpus[name]
        if data == post.cleaned:
            new += data != post.original
        elif data == post.original:
            old += 1
        else:
            pytest.fail(f"{context}: {name} is neither its original nor its cleaned form ({len(data)} bytes)")
        read_post(str(path))  # raises PostError if it does not parse
    missing = sorted(set(corpus) - seen)
    assert not missing, f"{context}: {len(missing)} posts are gone, e.g. {missing[:3]}"
    return old, new, temps


@pytest.mark.parametrize("trial", range(TRIALS))
def test_sigkill_at_any_moment_leaves_every_post_old_or_new(
    trial: int, corpus: dict[str, Post], tmp_path: Path
) -> None:
    folder = tmp_path / "posts"
    populate(folder, corpus)
    delay = random.Random(SEED + trial).uniform(0.2, 2.0)
    context = f"trial {trial}, seed {SEED}, killed after {delay:.2f}s"
    process = start_clean(folder, tmp_path / "cache", "--quiet")
    time.sleep(delay)
    running = process.poll() is None
    kill_group(process)
    assert running, f"{context}: the run had already finished; make the folder larger so the kill lands mid-run"
    check_old_or_new(folder, corpus, context)


def test_a_normal_run_after_kills_finishes_the_job(corpus: dict[str, Post], tmp_path: Path) -> None:
    folder = tmp_path / "posts"
    populate(folder, corpus)
    rng = random.Random(SEED)
    old = len(corpus)
    for kill in range(2):
        process = start_clean(folder, tmp_path / "cache", "--quiet")
        deadline = time.monotonic() + 20
        # Wait until the run is visibly writing, so the kill lands in the middle of the work.
        while (
            process.poll() is None
            and time.monotonic() < deadline
            and not any((folder / name).stat().st_mtime != OLD for name in corpus)
        ):
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.4))
        running = process.poll() is None
        kill_group(process)
        context = f"kill {kill}, seed {SEED}"
        assert running, f"{context}: the run finished before the kill"
        old, _, _ = check_old_or_new(folder, corpus, context)
        for name in corpus:
            os.utime(folder / name, (OLD, OLD))
    assert 0 < old < len(corpus) * 0.95, "the kills should leave the folder partly cleaned"

    finished = subprocess.run(
        [sys.executable, "-m", "postkit", "clean", str(folder), "--jobs", "2", "--format", "json"],
        capture_output=True,
        timeout=120,
        check=False,
        env={**os.environ, "POSTKIT_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"},
    )
    assert finished.returncode == 0, finished.stderr.decode()
    report = json.loads(finished.stdout)
    assert report["statuses"]["changed"] == old  # only the posts the kills left old are written now
    assert report["files_seen"] == len(corpus)
    left_old, _, temps = check_old_or_new(folder, corpus, "after the finishing run")
    assert (left_old, temps) == (0, 0)
    assert all((folder / name).read_bytes() == post.cleaned for name, post in corpus.items())
