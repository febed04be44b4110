"""parallel_map: results, errors, back-pressure, and stopping workers in every state."""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from postkit import workers
from postkit.errors import PostError, PostkitError
from postkit.workers import chunk_size, parallel_map

_offset = 0


def set_offset(value: int) -> None:
    global _offset
    _offset = value


def square_plus_offset(number: int) -> int:
    return number * number + _offset


def worker_pid(_: int) -> int:
    return os.getpid()


def fail_on_seven(number: int) -> int:
    if number == 7:
        raise ValueError("seven is not allowed")
    return number


def fail_with_post_error(number: int) -> int:
    raise PostError(f"posts/{number}.md", "broken front matter", 2, 1)


@pytest.fixture(autouse=True)
def no_offset() -> Iterator[None]:
    # the in-process map runs the initializer here; keep it from leaking into other tests
    set_offset(0)
    yield
    set_offset(0)


@pytest.mark.parametrize("jobs", [1, 2])
def test_parallel_map_gives_every_result(jobs: int) -> None:
    results = parallel_map(square_plus_offset, range(200), jobs, initializer=set_offset, initargs=(1000,))
    assert Counter(results) == Counter(n * n + 1000 for n in range(200))


def test_parallel_map_same_multiset_in_process_and_in_pool() -> None:
    items = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]
    assert Counter(parallel_map(square_plus_offset, iter(items), 1)) == Counter(
        parallel_map(square_plus_offset, iter(items), 2)
    )


def test_parallel_map_uses_other_processes() -> None:
    assert os.getpid() in set(parallel_map(worker_pid, range(4), 1))
    pids = set(parallel_map(worker_pid, range(64), 2))
    assert os.getpid() not in pids
    assert 1 <= len(pids) <= 2


@pytest.mark.parametrize("jobs", [1, 2])
def test_parallel_map_raises_worker_errors(jobs: int) -> None:
    with pytest.raises(ValueError, match="seven is not allowed"):
        list(parallel_map(fail_on_seven, range(20), jobs))


def test_parallel_map_post_error_does_not_hang() -> None:
    with pytest.raises(PostkitError, match=r"posts/\d+\.md:2:1: broken front matter"):
        list(parallel_map(fail_with_post_error, range(4), 2))


def test_parallel_map_draws_items_only_as_results_are_taken() -> None:
    drawn = 0

    def items() -> Iterator[int]:
        nonlocal drawn
        for number in range(100_000):
            drawn += 1
            yield number

    results = parallel_map(square_plus_offset, items(), 2)
    next(results)
    time.sleep(0.5)  # time for a feeder without backpressure to run far ahead
    assert drawn < 1000
    started = time.monotonic()
    results.close()  # terminates the pool
    assert time.monotonic() - started < 10


def ignore_stop_on_one(number: int) -> int:
    """A task that, for item 1, ignores the SIGTERM the pool stops its workers with and hangs."""
    if number == 1:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        time.sleep(120)
    return number


def test_a_worker_that_ignores_the_stop_is_killed_and_the_run_ends() -> None:
    import threading

    results = parallel_map(ignore_stop_on_one, range(3), 2, chunksize=1)
    first = next(results)
    assert first in (0, 2)
    time.sleep(0.5)  # item 1 is running by now, its worker deaf to SIGTERM
    closer = threading.Thread(target=results.close, daemon=True)  # terminates the pool
    closer.start()
    closer.join(timeout=60)
    assert not closer.is_alive(), "stopping the pool waited on a worker that ignores SIGTERM"


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name == "nt", reason="POSIX signals")
def test_a_worker_turns_the_parents_sigterm_into_an_exception_so_its_cleanup_runs() -> None:
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    try:
        workers._start_worker(None, ())
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
        with pytest.raises(SystemExit) as stopped:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)  # the handler runs between bytecodes
        assert stopped.value.code == 128 + signal.SIGTERM
    finally:
        signal.signal(signal.SIGINT, before[0])
        signal.signal(signal.SIGTERM, before[1])


def in_time(action: Callable[[], object], seconds: float = 60) -> None:
    """Run ``action`` in a thread and fail, rather than hang, if it has not returned in time."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            action()
        except BaseException as error:  # re-raised below, in the test's thread
            failure.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    if failure:
        raise failure[0]


def die_on_three(number: int) -> int:
    """A task whose worker is killed by the kernel on item 3, as the out-of-memory killer does."""
    if number == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return number


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_a_worker_killed_in_the_middle_of_a_task_is_reported_not_waited_on() -> None:
    def run() -> None:
        with pytest.raises(PostkitError, match=r"a worker process stopped \(killed by SIGKILL\) before it returned"):
            list(parallel_map(die_on_three, range(40), 2, chunksize=2))

    in_time(run)
    assert multiprocessing.active_children() == []


def exit_on_five(number: int) -> int:
    if number == 5:
        os._exit(3)
    return number


def test_a_worker_that_exits_in_the_middle_of_a_task_is_reported_with_its_exit_code() -> None:
    def run() -> None:
        with pytest.raises(PostkitError, match=r"stopped \(exit code 3\)"):
            list(parallel_map(exit_on_five, range(40), 2, chunksize=1))

    in_time(run)


def big_result_deaf_to_stop_on_one(number: int) -> bytes:
    """Item 1 answers late with a result far bigger than a pipe holds, its worker deaf to SIGTERM."""
    if number == 1:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        time.sleep(0.3)
        return b"x" * 5_000_000
    return b"%d" % number


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_stopping_while_a_worker_is_halfway_through_writing_a_result_ends() -> None:
    results = parallel_map(big_result_deaf_to_stop_on_one, range(2), 2, chunksize=1)
    assert next(results) == b"0"
    time.sleep(1.0)  # item 1's worker is stuck writing: nobody reads while the caller holds on
    started = time.monotonic()
    in_time(results.close)
    assert time.monotonic() - started < 30
    assert multiprocessing.active_children() == []


def test_workers_exit_once_the_work_is_done() -> None:
    assert sorted(parallel_map(square_plus_offset, range(50), 2)) == [n * n for n in range(50)]
    assert multiprocessing.active_children() == []


def test_workers_stop_after_an_error_and_none_is_left() -> None:
    with pytest.raises(ValueError, match="seven"):
        list(parallel_map(fail_on_seven, range(200), 2, chunksize=3))
    assert multiprocessing.active_children() == []


def unpicklable_result(number: int) -> object:
    return lambda: number


def test_a_result_that_cannot_be_sent_back_is_an_error_naming_the_problem() -> None:
    with pytest.raises(PostkitError, match="a result could not be sent back from a worker"):
        list(parallel_map(unpicklable_result, range(4), 2))


class Unloadable(Exception):
    def __init__(self, first: str, second: str) -> None:
        super().__init__(first)  # pickles, but cannot be built again from its args


def raise_unloadable(number: int) -> int:
    raise Unloadable("the message", "x")


def test_an_error_that_cannot_be_rebuilt_here_comes_back_as_its_message() -> None:
    with pytest.raises(PostkitError, match="Unloadable: the message"):
        list(parallel_map(raise_unloadable, range(4), 2))


def check_the_item_iterator_error() -> Iterator[int]:
    yield 1
    yield 2
    raise OSError("listing failed")


def test_an_error_drawing_items_stops_the_workers_and_is_raised() -> None:
    with pytest.raises(OSError, match="listing failed"):
        list(parallel_map(square_plus_offset, check_the_item_iterator_error(), 2, chunksize=1))
    assert multiprocessing.active_children() == []


def test_the_pipes_are_closed_only_once_the_sender_has_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    # closed under a sender still writing a chunk queued before the stop, a pipe failed that
    # write with a TypeError in the sender's thread (seen once in CI, in the test above)
    events: list[str] = []
    close_pipes, join = workers._Pool._close_pipes, threading.Thread.join

    def record_close(pool: workers._Pool) -> None:
        events.append(f"pipes closed, sender alive: {pool.sender.is_alive()}")
        close_pipes(pool)

    def record_join(thread: threading.Thread, timeout: float | None = None) -> None:
        if thread.name == "postkit-sender":
            events.append("sender joined")
        join(thread, timeout)

    monkeypatch.setattr(workers._Pool, "_close_pipes", record_close)
    monkeypatch.setattr(threading.Thread, "join", record_join)
    with pytest.raises(OSError, match="listing failed"):
        list(parallel_map(square_plus_offset, check_the_item_iterator_error(), 2, chunksize=1))
    assert events[-2:] == ["sender joined", "pipes closed, sender alive: False"]
    events.clear()
    assert sorted(parallel_map(square_plus_offset, range(4), 2, chunksize=1)) == [0, 1, 4, 9]
    assert events[-2:] == ["sender joined", "pipes closed, sender alive: False"]


@pytest.mark.parametrize(("count", "expected"), [(0, 1), (15, 1), (160, 10), (10_000, 32)])
def test_chunk_size_spreads_small_runs_and_caps_big_ones(count: int, expected: int) -> None:
    assert chunk_size(range(count), 2) == expected
    assert chunk_size(iter(range(count)), 2) == 16


def test_a_short_run_is_spread_over_every_worker() -> None:
    # two chunks, two workers: each worker gets one, not one worker both
    assert len(set(parallel_map(worker_pid, range(2), 2, chunksize=1))) == 2


def open_sockets(_: int) -> tuple[int, frozenset[str]]:
    folder = "/proc/self/fd"
    links = set()
    for name in os.listdir(folder):
        with contextlib.suppress(OSError):  # the listing's own descriptor, gone by now
            links.add(os.readlink(f"{folder}/{name}"))
    return os.getpid(), frozenset(link for link in links if link.startswith("socket:"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="reads /proc")
def test_a_worker_holds_no_other_workers_pipe() -> None:
    # Were the pipe to worker 0 also open in worker 1, worker 0 would not see its parent's
    # end close if the parent died: it would wait for work for as long as worker 1 lived.
    pool = workers._Pool(3, open_sockets, None, ())
    try:
        parent_ends = {f"socket:[{os.fstat(worker.pipe.fileno()).st_ino}]" for worker in pool.workers}
        seen = dict(pool.results(iter([[0], [1], [2]])))
    finally:
        pool.close(finished=True)
    assert len(seen) == 3
    for sockets in seen.values():
        assert not sockets & parent_ends


def children(pid: int) -> Iterator[int]:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                yield int(entry)


@pytest.mark.skipif(os.name == "nt" or not os.path.isdir("/proc"), reason="POSIX signals")
def test_workers_exit_when_their_parent_is_killed() -> None:
    root = Path(__file__).resolve().parents[2]
    script = "import time\nfrom postkit.workers import parallel_map\nfrom tests.unit.test_workers import worker_pid\n"
    script += "def items():\n    yield from range(6)\n    time.sleep(120)\n    yield 6\n"
    script += "for pid in parallel_map(worker_pid, items(), 2, chunksize=1):\n    print(pid, flush=True)\n"
    with subprocess.Popen([sys.executable, "-c", script], cwd=root, stdout=subprocess.PIPE, text=True) as parent:
        assert parent.stdout is not None
        parent.stdout.readline()  # the workers are up, and now wait for work the parent never sends
        pids = set(children(parent.pid))
        assert len(pids) == 2
        parent.kill()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(os.path.exists(f"/proc/{pid}") for pid in pids):
        time.sleep(0.05)
    left = [pid for pid in pids if os.path.exists(f"/proc/{pid}")]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == [], "a worker outlived its killed parent"


def test_a_finished_map_never_waits_on_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    # wait() on an empty list sleeps for the whole timeout: it once added 3 s to every run
    real_wait = multiprocessing.connection.wait
    asked: list[int] = []

    def wait(objects: list[object], timeout: float | None = None) -> list[object]:
        asked.append(len(objects))
        return real_wait(objects, timeout)

    monkeypatch.setattr(multiprocessing.connection, "wait", wait)
    assert sorted(parallel_map(square_plus_offset, range(20), 2)) == [n * n for n in range(20)]
    assert asked
    assert 0 not in asked


def report_then_square(number: int) -> int:
    workers.report(("done before", number))
    if number == 13:
        raise ValueError("thirteen")
    return number * number


@pytest.mark.parametrize("jobs", [1, 2])
def test_what_an_item_reports_comes_before_its_result(jobs: int) -> None:
    given = list(parallel_map(report_then_square, range(12), jobs, chunksize=1))
    assert sorted(given, key=str) == sorted(
        [("done before", n) for n in range(12)] + [n * n for n in range(12)], key=str
    )
    for number in range(12):
        assert given.index(("done before", number)) < given.index(number * number)


@pytest.mark.parametrize("jobs", [1, 2])
def test_what_an_item_reported_is_given_even_when_it_then_raises(jobs: int) -> None:
    given: list[object] = []
    with pytest.raises(ValueError, match="thirteen"):
        given.extend(parallel_map(report_then_square, [13], jobs))
    assert given == [("done before", 13)]


def test_report_outside_parallel_map_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="report"):
        workers.report(1)


def report_then_wait_on_one(number: int) -> int:
    workers.report(("written", number))
    if number == 1:
        time.sleep(120)  # a long batch: what it reported must not wait for its end
    return number


def test_a_report_reaches_the_caller_while_its_item_is_still_being_worked_on() -> None:
    results = parallel_map(report_then_wait_on_one, [1], 2)
    first: list[object] = []
    in_time(lambda: first.append(next(results)))
    assert first == [("written", 1)]
    in_time(results.close)


def test_workers_started_by_spawn_give_the_same_results(monkeypatch: pytest.MonkeyPatch) -> None:
    # macOS and Windows start workers with spawn: no inherited memory, everything pickled
    monkeypatch.setattr(workers, "_pool_context", lambda: multiprocessing.get_context("spawn"))
    given = list(parallel_map(report_then_square, range(6), 2, chunksize=2))
    assert sorted(given, key=str) == sorted([("done before", n) for n in range(6)] + [n * n for n in range(6)], key=str)
    results = parallel_map(square_plus_offset, range(40), 2, initializer=set_offset, initargs=(7,))
    assert Counter(results) == Counter(n * n + 7 for n in range(40))
    assert multiprocessing.active_children() == []
