"""The collector settings apply once per process and freeze what existed at start-up."""

from __future__ import annotations

import subprocess
import sys


def test_tuning_sets_thresholds_freezes_start_up_objects_and_applies_once() -> None:
    script = (
        "import gc\n"
        "from connector.gc_tuning import THRESHOLDS, tune_collector\n"
        "assert gc.get_freeze_count() == 0\n"
        "tune_collector()\n"
        "frozen = gc.get_freeze_count()\n"
        "assert frozen > 1000, frozen\n"
        "assert gc.get_threshold() == THRESHOLDS\n"
        "gc.set_threshold(700, 10, 10)\n"
        "junk = [[] for _ in range(5000)]\n"
        "tune_collector()\n"
        "assert gc.get_threshold() == (700, 10, 10), 'a second call changed the settings'\n"
        "assert gc.get_freeze_count() == frozen, 'a second call froze run-time objects'\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
