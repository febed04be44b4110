"""Faults injected into clean's workers: a worker process the kernel kills mid-file."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

import postkit.clean
from postkit.clean import CleanJob
from postkit.pipeline import CleanResult


def kill_the_worker_cleaning(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """SIGKILL the process that starts cleaning the file ``name``, as the out-of-memory killer
    would. Forked workers inherit the patch; run with workers, or the test process dies."""
    real = postkit.clean.clean_bytes

    def killed(data: bytes, path: str, job: CleanJob) -> CleanResult:
        if Path(path).name == name:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(data, path, job)

    monkeypatch.setattr(postkit.clean, "clean_bytes", killed)
