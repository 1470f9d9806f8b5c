"""Run Anxin's benchmarks: ``python bench/run.py [names...] [--quick]`` (``make bench``).

Each benchmark is ``bench/bench_<name>.py`` with a ``main()``; each runs as its own subprocess
(its own Django setup, data directory and database) and its output is shown as it comes. At
the end the RESULT lines are repeated together. Benchmarks print figures and ratios against a
baseline measured in the same run; they never fail on timing, only when something is broken.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
TIME_LIMIT = 600  # seconds per benchmark, a bound should one hang


def available() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in BENCH_DIR.glob("bench_*.py"))


def main(argv: list[str] | None = None) -> int:
    names = available()
    parser = argparse.ArgumentParser(description="Run Anxin's benchmarks.")
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all: {names})")
    parser.add_argument("--quick", action="store_true", help="smaller counts, shorter runs")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in names]
    if unknown:
        parser.error(f"no benchmark {', '.join(unknown)}; there are: {', '.join(names)}")

    results: list[str] = []
    failed: list[str] = []
    for name in args.names or names:
        print(f"== {name}", flush=True)
        started = time.monotonic()
        command = [sys.executable, "-u", str(BENCH_DIR / f"bench_{name}.py")]
        if args.quick:
            command.append("--quick")
        code, lines = run_one(command)
        took = time.monotonic() - started
        results += [line for line in lines if line.startswith("RESULT ")]
        status = "ok" if code == 0 else f"FAILED (exit {code})"
        if code != 0:
            failed.append(name)
        print(f"== {name}: {status} in {took:.0f} s\n", flush=True)

    if results:
        print("== results")
        for line in results:
            print(line)
    if failed:
        print(f"FAILED: {' '.join(failed)}")
        return 1
    return 0


def run_one(command: list[str]) -> tuple[int, list[str]]:
    """Run one benchmark, echoing its output line by line; stop it at the time limit."""
    lines: list[str] = []
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    deadline = time.monotonic() + TIME_LIMIT
    timer = None
    try:

        def over_time() -> None:
            if proc.poll() is None:
                print(f"-- over the {TIME_LIMIT} s limit; stopping it", flush=True)
                proc.send_signal(signal.SIGTERM)  # the benchmark stops what it started

        timer = threading.Timer(max(0.0, deadline - time.monotonic()), over_time)
        timer.daemon = True
        timer.start()
        assert proc.stdout is not None
        for line in proc.stdout:
            print(line, end="", flush=True)
            lines.append(line.rstrip("\n"))
        try:
            return proc.wait(timeout=60), lines
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait(), lines
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
        raise
    finally:
        if timer is not None:
            timer.cancel()


if __name__ == "__main__":
    sys.exit(main())
