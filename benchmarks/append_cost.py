"""Time per recorded event with the once-only check inside the write transaction, and without.

    PYTHONPATH=. .venv/bin/python benchmarks/append_cost.py                 # 200 events, 7 repeats
    PYTHONPATH=. .venv/bin/python benchmarks/append_cost.py --procs 8 --dir /dev/shm

Each repeat starts a radioligand-binding run in a fresh store (in ``--dir``, default the system's
temporary folder) and times ``--events`` calls of ``run.enter_value`` under a new name each
time (a once-only rule: the name), twice, alternating which goes first: "guarded" as the code
is (checked early, then again inside ``Store.append``'s transaction) and "unguarded", the same
Run on a Store that drops the guard (the early check only, as before the guard existed).
``store.append`` of a note (the bare transaction) is timed too. Per-event times and the
guarded / unguarded ratio are medians over ``--repeats``. ``--procs N`` also times N processes
entering ``--events`` values each into one run at once, guarded and unguarded (events per
second of the whole, which is where the guard's reads inside the write lock can cost).
Timings are not asserted anywhere in the tests; the machine's load moves them, which is why
the two variants alternate within each repeat.
"""
from __future__ import annotations

import argparse
import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path

import protocol_kit as pk
from protocol_kit.records import Store


class Unguarded(Store):
    """A Store whose append ignores ``guard`` (the in-transaction check), for comparison."""

    def append(self, *args, guard=None, **kw):
        return super().append(*args, **kw)


def _per_event(fn, n: int) -> float:
    t0 = time.perf_counter()
    for k in range(n):
        fn(k)
    return (time.perf_counter() - t0) / n


def one_repeat(folder: Path, n: int, r: int) -> dict[str, float]:
    out = {}
    order = (Store, Unguarded) if r % 2 == 0 else (Unguarded, Store)
    for cls in order:
        with cls(folder / f"bench{r}-{cls.__name__}.db") as store:
            run = pk.RadioligandBinding().start_run("A. Smith", store=store)
            key = "guarded" if cls is Store else "unguarded"
            out[f"run.enter_value, {key}"] = _per_event(lambda k: run.enter_value(f"v{k}", k), n)
            if cls is Store:
                out["store.append (note)"] = _per_event(
                    lambda k: store.append(run.id, "A. Smith", "note", {"text": f"s{k}"}), n)
    return out


def _writer(path, run_id, name, n, gate, guarded):
    store = Store(path) if guarded else Unguarded(path)
    run = pk.open_run(run_id, store, operator=name)
    gate.wait(60)
    for k in range(n):
        run.enter_value(f"{name}-{k}", k)


def contended(folder: Path, procs: int, n: int, r: int, guarded: bool) -> float:
    path = folder / f"contended{r}-{guarded}.db"
    with Store(path) as store:
        run_id = pk.RadioligandBinding().start_run("A. Smith", store=store).id
    ctx = multiprocessing.get_context("fork")
    gate = ctx.Barrier(procs + 1)
    ps = [ctx.Process(target=_writer, args=(path, run_id, f"w{i}", n, gate, guarded)) for i in range(procs)]
    for p in ps:
        p.start()
    gate.wait(60)
    t0 = time.perf_counter()
    for p in ps:
        p.join()
    elapsed = time.perf_counter() - t0
    with Store(path) as store:
        assert len(store.rows(run_id)) == 1 + procs * n and store.verify().ok
    return procs * n / elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--procs", type=int, default=0, help="also time N processes entering values at once")
    ap.add_argument("--dir", default=None, help="folder for the stores (default: a temporary folder)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=a.dir) as d:
        runs = [one_repeat(Path(d), a.events, r) for r in range(a.repeats)]
        print(f"protocol_kit from {Path(pk.__file__).parent.parent}; {a.events} events x {a.repeats} repeats")
        for key in runs[0]:
            times = [r[key] * 1e3 for r in runs]
            print(f"  {key:28s} median {statistics.median(times):7.3f} ms/event  "
                  f"({', '.join(f'{t:.3f}' for t in times)})")
        ratios = [r["run.enter_value, guarded"] / r["run.enter_value, unguarded"] for r in runs]
        print(f"  guarded / unguarded          median {statistics.median(ratios):.3f}  "
              f"({', '.join(f'{x:.3f}' for x in ratios)})")
        if a.procs:
            rates = {True: [], False: []}
            for r in range(a.repeats):
                for guarded in ((True, False) if r % 2 == 0 else (False, True)):
                    rates[guarded].append(contended(Path(d), a.procs, a.events, r, guarded))
            for guarded, xs in rates.items():
                print(f"  {a.procs} processes x {a.events} values, {'guarded' if guarded else 'unguarded'}: "
                      f"median {statistics.median(xs):.0f} events/s ({', '.join(f'{x:.0f}' for x in xs)})")
            ratios = [g / u for g, u in zip(rates[True], rates[False])]
            print(f"  throughput guarded / unguarded: median {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
