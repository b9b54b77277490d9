"""Fixtures of the scenario suite; a scenario module loads them with
`pytest_plugins = ("tests.helpers.scenario_fixtures",)`.

- `judge_workers` (session): one started JudgePool for every desk, so a run costs milliseconds, not the
  start of two worker processes;
- `desk` (function): a fresh Desk in the test's tmp_path, on time (the deadline far away).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.judge_pool import JudgePool
from bot.entrypoints.wiring import judge_pool
from tests.helpers.scenarios import Desk


@pytest.fixture(scope="session")
def judge_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JudgePool]:
    # Built from a desk's settings: the bundled registry and form, the default limits.
    with judge_pool(Desk(tmp_path_factory.mktemp("judge")).settings) as pool:
        yield pool


@pytest.fixture
def desk(tmp_path: Path, judge_workers: JudgePool) -> Desk:
    return Desk(tmp_path, judge_workers)
