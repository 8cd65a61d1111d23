"""The threads beside a run's ledger commit yield the processor to it."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from ivs.batch.run import _yield_to_the_commit


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priority is Linux's")
def test_a_thread_beside_the_commit_runs_ten_steps_lower_and_the_caller_is_untouched() -> None:
    caller = threading.get_native_id()
    before = os.getpriority(os.PRIO_PROCESS, caller)
    seen: list[int] = []

    def beside_the_commit() -> None:
        _yield_to_the_commit()
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    thread = threading.Thread(target=beside_the_commit)
    thread.start()
    thread.join()
    assert seen == [min(before + 10, 19)]
    assert os.getpriority(os.PRIO_PROCESS, caller) == before
