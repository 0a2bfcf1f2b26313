"""Start-up time of `import protocol_kit`, `protocol-kit --help` and `import protocol_kit.analysis`,
each against a bare `python -c pass` in the same run (medians of --repeats, fresh processes).

    .venv/bin/python benchmarks/startup.py --repeats 15
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

CLI = str(Path(sys.executable).with_name("protocol-kit"))
CASES = {"python -c pass": [sys.executable, "-c", "pass"],
         "import protocol_kit": [sys.executable, "-c", "import protocol_kit"],
         "protocol-kit --help": [CLI, "--help"],
         "import protocol_kit.analysis": [sys.executable, "-c", "import protocol_kit.analysis"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=15)
    a = ap.parse_args()
    times = {k: [] for k in CASES}
    for _ in range(a.repeats):
        for name, cmd in CASES.items():  # interleaved, so the machine's load falls on all alike
            t0 = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
            times[name].append(time.perf_counter() - t0)
    base = statistics.median(times["python -c pass"])
    for name, ts in times.items():
        m = statistics.median(ts)
        print(f"{name:<32} median {m * 1000:7.0f} ms  ({m / base:.1f}x bare python)")


if __name__ == "__main__":
    main()
