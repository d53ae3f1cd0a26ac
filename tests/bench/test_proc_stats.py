"""The benchmarks' process figures: peak memory per step and CPU of a process tree."""

from __future__ import annotations

import subprocess
import sys
import time

from bench.proc_stats import PeakRss, cpu_seconds, rss_mb


def test_peak_rss_sees_memory_held_only_inside_the_block() -> None:
    with PeakRss() as quiet:
        time.sleep(0.12)
    with PeakRss() as busy:
        held = bytearray(200 * 1024 * 1024)
        held[::4096] = b"x" * len(held[::4096])  # touched, so resident
        time.sleep(0.12)
        del held
    assert busy.peak_mb - quiet.peak_mb > 150
    assert rss_mb() < busy.peak_mb - 150


def test_cpu_seconds_counts_the_children_of_a_process() -> None:
    spin = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\n"
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys\n"
            f"child = subprocess.Popen([sys.executable, '-c', {spin!r} + 'time.sleep(5)'])\n"
            "child.wait()",
        ]
    )
    try:
        deadline = time.monotonic() + 10
        while cpu_seconds(parent.pid) < 0.4 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert cpu_seconds(parent.pid) >= 0.4
    finally:
        parent.kill()
        parent.wait()
