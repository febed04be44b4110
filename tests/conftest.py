"""Shared fixtures: the real-post corpus (skipped when absent) and the hypothesis profiles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# HYPOTHESIS_PROFILE=dev for a quick local loop, =ci for a thorough run; modest by default.
settings.register_profile("default", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# CI searches deterministically (derandomize): a landing never hangs on a seed nobody can reproduce;
# the dev and default profiles keep searching at random, and what they find becomes an @example.
settings.register_profile(
    "ci", max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

CORPUS = Path(__file__).parents[1] / ".." / "shared" / "corpus"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The archived posts in ../shared/corpus; a fresh clone has none, so tests using it skip."""
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS.resolve()}")
    return CORPUS.resolve()
