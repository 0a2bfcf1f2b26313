"""How fast, and with how much memory, import refuses a zip bomb, against importing a real bundle.

    PYTHONPATH=. .venv/bin/python benchmarks/import_bomb.py [--size-mib 1024] [--repeats 5]

Makes a bundle of one signed run and a bomb (one entry of --size-mib MiB of zeros, about 1 MB on
disk for 1 GiB; tests/records/hostile.py), then times import_run on each (median of --repeats)
and measures the peak of Python's allocations (tracemalloc) and the process's peak resident
size (ru_maxrss) around the bomb's refusal. Nothing is asserted.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import protocol_kit as pk  # noqa: E402
from protocol_kit.errors import DataFormatError  # noqa: E402
from protocol_kit.records import Store, import_run  # noqa: E402
from tests.records.hostile import zip_bomb  # noqa: E402


def timed(fn, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    with Store(tmp / "src.db") as src:
        run = pk.RadioligandBinding().start_run(operator="A. Smith", store=src)
        for step in run.protocol.checklist[:5]:
            run.check(step.id)
        run.sign("A. Smith", "performed")
        good = run.export(tmp / "good.zip")
        bomb = zip_bomb(tmp / "bomb.zip", f"{run.id}/events.jsonl", size=args.size_mib * 2**20)

    counter = iter(range(10**6))

    def import_good():
        with Store(tmp / f"t{next(counter)}.db") as s:
            import_run(good, s)

    def refuse_bomb():
        try:
            import_run(bomb, tmp / "bomb-target.db")
        except DataFormatError:
            return
        raise SystemExit("the bomb was not refused")

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    refuse_bomb()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t_bomb, t_good = timed(refuse_bomb, args.repeats), timed(import_good, args.repeats)
    print(f"bomb: {bomb.stat().st_size / 1e6:.2f} MB on disk, {args.size_mib} MiB declared")
    print(f"refusing the bomb: median {statistics.median(t_bomb) * 1e3:.2f} ms "
          f"(runs: {', '.join(f'{t * 1e3:.2f}' for t in t_bomb)})")
    print(f"importing a real one-run bundle ({good.stat().st_size / 1e3:.0f} kB): median "
          f"{statistics.median(t_good) * 1e3:.2f} ms; "
          f"ratio bomb/real {statistics.median(t_bomb) / statistics.median(t_good):.3f}")
    print(f"peak Python allocations while refusing (tracemalloc): {peak / 2**20:.2f} MiB; "
          f"process peak RSS grew by {(rss1 - rss0) / 1024:.1f} MiB (ru_maxrss {rss1 / 1024:.0f} MiB)")


if __name__ == "__main__":
    main()
