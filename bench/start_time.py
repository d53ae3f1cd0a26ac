"""Benchmark: what starting the command line costs — `connector --help`'s wall time and the
import time of ``connector.cli.app`` (``python -X importtime``), each the median of N fresh
interpreters, with the heaviest imports.

Run: ``python -m bench.start_time [--runs 10]``
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

RUN_HELP = "from connector.cli.app import main; main()"


def import_times() -> dict[str, int]:
    """Cumulative import time (µs) of every module ``connector.cli.app`` loads, fresh."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import connector.cli.app"],
        capture_output=True,
        text=True,
        check=True,
    )
    times: dict[str, int] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _self, cumulative, name = line.removeprefix("import time:").split("|")
        if cumulative.strip().isdigit():
            times[name.strip()] = int(cumulative)
    return times


def help_seconds() -> float:
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", RUN_HELP, "--help"],
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    imports = [import_times() for _ in range(args.runs)]
    totals = [run["connector.cli.app"] / 1000 for run in imports]
    walls = [help_seconds() * 1000 for _ in range(args.runs)]
    print(
        f"import connector.cli.app: median {statistics.median(totals):.1f} ms, "
        f"min {min(totals):.1f} ms ({args.runs} fresh interpreters; goal < 300 ms)"
    )
    print(
        f"connector --help, wall: median {statistics.median(walls):.1f} ms, "
        f"min {min(walls):.1f} ms (interpreter start and help rendering included)"
    )
    last = imports[-1]
    heaviest = sorted(
        ((name, micro) for name, micro in last.items() if name != "connector.cli.app"),
        key=lambda item: item[1],
        reverse=True,
    )[:10]
    print("heaviest imports (cumulative, last run):")
    for name, micro in heaviest:
        print(f"  {micro / 1000:7.1f} ms  {name}")


if __name__ == "__main__":
    main()
