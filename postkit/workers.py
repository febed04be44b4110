"""A function mapped over items in worker processes, each result given back as it is ready.

One pipe per worker and nothing else shared: no lock, no common queue. A worker stopped or
killed halfway through anything leaves nothing behind that another process waits for, and its
death is seen at once (its pipe closes) and reported instead of waited on.
``multiprocessing.Pool`` shares a result lock and a task lock among its workers: a worker
killed while it held one hung the whole run, and a worker killed by the kernel (out of memory)
lost its task for good, so the map never ended.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import multiprocessing.connection
import os
import pickle
import queue
import signal
import sys
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sized
from typing import Any, TypeVar

from postkit.errors import PostkitError

T = TypeVar("T")
R = TypeVar("R")

# Chunks handed to a worker and not yet back: one being worked on, one waiting, so a worker
# never idles while this process handles its last result (clean commits a batch meanwhile).
_IN_FLIGHT = 2
# Seconds a worker gets to exit after SIGTERM (its cleanup runs) before it is killed.
_STOP_GRACE = 3.0


def parallel_map(
    func: Callable[[T], R],
    items: Iterable[T],
    jobs: int,
    initializer: Callable[..., object] | None = None,
    initargs: tuple[Any, ...] = (),
    chunksize: int | None = None,
) -> Generator[R, None, None]:
    """``func`` over ``items``, each result yielded as soon as it is ready (in no fixed order).

    ``jobs == 1`` runs in this process; ``jobs <= 0`` uses every core. Otherwise worker
    processes run ``func`` (a top-level function, so it can be pickled), ``chunksize`` items at
    a time (by default as many as spread the work evenly), with at most two chunks per worker
    in flight: items are drawn from ``items`` only as results are taken, so memory stays flat
    however many items there are. ``initializer(*initargs)`` runs once per worker.

    The first exception ``func`` raises is raised here, and a worker that dies raises
    ``PostkitError``. Closing the iterator, or any exception (Ctrl-C among them), stops the
    workers: SIGTERM first, which workers turn into ``SystemExit`` so their cleanup runs, and
    SIGKILL for one still alive a few seconds later.
    """
    workers = jobs if jobs > 0 else (os.cpu_count() or 1)
    if workers == 1:
        return _map_in_process(func, items, initializer, initargs)
    return _map_in_pool(func, items, workers, initializer, initargs, chunksize or chunk_size(items, workers))


def report(value: object) -> None:
    """From inside ``func``: give ``value`` to ``parallel_map``'s caller now, ahead of the result
    of the item being worked on (in a worker, at once through its pipe; in this process, just
    before that result, or before the exception the item raises).

    For what is done and must be known even if the run stops before the item is finished, such
    as a file already written.
    """
    if _reporter is None:
        raise RuntimeError("report() is called from a function parallel_map runs")
    _reporter(value)


_reporter: Callable[[object], None] | None = None


def chunk_size(items: Iterable[object], workers: int) -> int:
    """Items to hand a worker at a time when there is no reason to choose otherwise."""
    # Big enough that process round trips do not dominate, small enough that the work spreads
    # evenly and results start streaming at once.
    if isinstance(items, Sized):
        return max(1, min(32, len(items) // (workers * 8)))
    return 16


def _map_in_process(
    func: Callable[[T], R],
    items: Iterable[T],
    initializer: Callable[..., object] | None,
    initargs: tuple[Any, ...],
) -> Generator[R, None, None]:
    global _reporter
    if initializer is not None:
        initializer(*initargs)
    reported: list[Any] = []
    for item in items:
        _reporter = reported.append
        failure: Exception | None = None
        try:
            result = func(item)
        except Exception as error:
            failure = error
        finally:
            _reporter = None
        yield from reported  # also when the item raised: what it reported is done
        reported.clear()
        if failure is not None:
            raise failure
        yield result


def _map_in_pool(
    func: Callable[[T], R],
    items: Iterable[T],
    workers: int,
    initializer: Callable[..., object] | None,
    initargs: tuple[Any, ...],
    chunksize: int,
) -> Generator[R, None, None]:
    pool = _Pool(workers, func, initializer, initargs)
    finished = False
    try:
        yield from pool.results(batches(items, chunksize))
        finished = True
    finally:
        pool.close(finished)


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last may be shorter), each drawn only when asked for."""
    source = iter(items)
    while batch := list(itertools.islice(source, size)):
        yield batch


class _Worker:
    """One worker process and this process's end of its pipe."""

    def __init__(
        self, context: Any, siblings: list[_Worker], target: Callable[..., None], args: tuple[Any, ...]
    ) -> None:
        self.pipe, child_end = context.Pipe()
        # A forked worker inherits this process's end of its own pipe and of those of the
        # workers started before it. It closes them, so that each end is open in one process
        # only, and a worker whose parent died reads the end of its pipe.
        forked = context.get_start_method() == "fork"
        inherited = [self.pipe, *(sibling.pipe for sibling in siblings)] if forked else []
        self.process = context.Process(target=target, args=(child_end, inherited, *args), daemon=True)
        self.process.start()
        child_end.close()
        self.in_flight = 0

    def describe_exit(self) -> str:
        self.process.join(_STOP_GRACE)
        code = self.process.exitcode
        if code is not None and code < 0:
            name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
            return f"killed by {name}"
        return f"exit code {code}"


class _Pool:
    def __init__(
        self,
        workers: int,
        func: Callable[[Any], Any],
        initializer: Callable[..., object] | None,
        initargs: tuple[Any, ...],
    ) -> None:
        context = _pool_context()
        self.workers: list[_Worker] = []
        # Chunks go out from a thread of their own: a send that waits for a busy worker to read
        # never keeps this thread from reading the results that worker waits to write.
        self.outbox: queue.SimpleQueue[tuple[_Worker, object] | None] = queue.SimpleQueue()
        self.sender = threading.Thread(target=self._send, name="postkit-sender", daemon=True)
        try:
            for _ in range(workers):
                self.workers.append(_Worker(context, self.workers, _serve, (func, initializer, initargs)))
        except BaseException:
            self._stop_workers()
            self._close_pipes()
            raise
        self.sender.start()

    def results(self, chunks: Iterator[list[Any]]) -> Iterator[Any]:
        by_pipe = {worker.pipe: worker for worker in self.workers}
        by_sentinel = {worker.process.sentinel: worker for worker in self.workers}
        more = True

        def feed(worker: _Worker) -> None:
            nonlocal more
            chunk = next(chunks, None) if more else None
            if chunk is None:
                more = False
                return
            worker.in_flight += 1
            self.outbox.put((worker, chunk))

        for _ in range(_IN_FLIGHT):  # in turn, so a short run is spread over every worker
            for worker in self.workers:
                feed(worker)
        while busy := [worker for worker in self.workers if worker.in_flight]:
            waited = [worker.pipe for worker in busy] + [worker.process.sentinel for worker in busy]
            for ready in multiprocessing.connection.wait(waited):
                worker = by_pipe.get(ready) or by_sentinel[ready]
                if not worker.in_flight:
                    continue  # its result was taken through its pipe in this same round
                kind, payload = self._receive(worker)
                if kind == "reported":
                    yield payload
                    continue
                worker.in_flight -= 1
                if kind == "error":
                    raise payload
                feed(worker)  # before the results are handled, so the worker keeps busy
                yield from payload

    def _receive(self, worker: _Worker) -> tuple[str, Any]:
        try:  # a result written before the worker exited is still read
            message: tuple[str, Any] = worker.pipe.recv()
        except (EOFError, OSError):  # OSError: the worker died halfway through writing
            raise PostkitError(
                f"a worker process stopped ({worker.describe_exit()}) before it returned its results"
            ) from None
        return message

    def _send(self) -> None:
        while (message := self.outbox.get()) is not None:
            worker, chunk = message
            with contextlib.suppress(OSError):  # a worker that died: results() reports it
                worker.pipe.send(chunk)

    def close(self, finished: bool) -> None:
        """Let the workers exit once the work is done; otherwise stop them."""
        if finished:
            for worker in self.workers:
                self.outbox.put((worker, None))
        self.outbox.put(None)
        if finished:
            self.sender.join(_STOP_GRACE)
            for worker in self.workers:
                worker.process.join(_STOP_GRACE)
        self._stop_workers()
        # the sender may still be writing a chunk queued before the stop: its pipe is closed only
        # after it is done (a stopped worker's pipe fails that write with EPIPE, which it ignores);
        # closed under it, the write failed with a TypeError in the sender's thread
        self.sender.join(_STOP_GRACE)
        self._close_pipes()

    def _stop_workers(self) -> None:
        """SIGTERM each worker still alive, SIGKILL any left after the grace period, reap all."""
        alive = [worker.process for worker in self.workers if worker.process.exitcode is None]
        for process in alive:
            with contextlib.suppress(OSError):
                process.terminate()
        if alive:  # wait() on nothing would sleep the whole grace period
            multiprocessing.connection.wait([process.sentinel for process in alive], _STOP_GRACE)
        for process in alive:
            if process.exitcode is None:
                with contextlib.suppress(OSError):
                    process.kill()
        for process in alive:
            process.join()

    def _close_pipes(self) -> None:
        for worker in self.workers:
            worker.pipe.close()


def _serve(
    pipe: Any,
    inherited: list[Any],
    func: Callable[[Any], Any],
    initializer: Callable[..., object] | None,
    initargs: tuple[Any, ...],
) -> None:
    """A worker's life: chunks in through its pipe, results (or the first error) back out."""
    global _reporter
    for other in inherited:
        other.close()
    _reporter = lambda value: pipe.send(("reported", value))  # noqa: E731
    _start_worker(initializer, initargs)
    while True:
        try:
            chunk = pipe.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if chunk is None:
            return
        try:
            message: tuple[str, Any] = ("ok", [func(item) for item in chunk])
        except Exception as error:
            message = ("error", _picklable(error))
        try:
            pipe.send(message)
        except (pickle.PicklingError, TypeError, AttributeError) as error:
            pipe.send(("error", PostkitError(f"a result could not be sent back from a worker: {error}")))


def _picklable(error: Exception) -> Exception:
    # An exception that pickles but cannot be unpickled would fail in the parent's receive;
    # send such an exception as a PostkitError carrying its message.
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return PostkitError(f"{type(error).__name__}: {error}")
    return error


def _start_worker(initializer: Callable[..., object] | None, initargs: tuple[Any, ...]) -> None:
    # Ctrl-C reaches every process in the group; only the parent should handle it. The parent
    # then stops the workers with SIGTERM: as an exception, so their cleanup (temporary files
    # of a batch not yet renamed) runs before they exit.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_terminate)
    if initializer is not None:
        initializer(*initargs)


def _exit_on_terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _pool_context() -> Any:
    # fork starts workers fastest and shares the imported modules; elsewhere spawn is safe.
    if sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")
