"""``n_jobs``: one pandas frame fitted on the cores of one machine.

The frame is cut into chunks of whole curves, the same chunks of ``CHUNK_CURVES`` curves
(in order of first appearance) that the single-process path solves one after another, so every
curve is solved with the same neighbours and the result is bit for bit the single-process one.
The chunks go to a ``concurrent.futures.ProcessPoolExecutor`` (forked workers on Linux):
processes, not threads, because the engine is numpy on arrays of a few thousand curves, many
small operations that hold the GIL much of the time (two threads measured no faster than one);
and concurrent.futures, not Dask's local scheduler, because
a pandas frame needs no Dask (the ``campaign`` extra stays optional). At most two chunks per
process are in flight, so the copies sent to the workers stay bounded (about 2 x n_jobs x
``CHUNK_CURVES`` curves' points) whatever the size of the frame.
"""
from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

import numpy as np
import pandas as pd

from ...errors import ParameterError

from ..batch import PARALLEL_POINTS  # n_jobs=None: all cores from this many points (~30,000 curves), else one


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def resolve_n_jobs(n_jobs, n_points: int) -> int:
    """The number of processes: ``None`` = all cores from ``PARALLEL_POINTS`` points, else 1;
    ``-1`` = all cores; a whole number >= 1 as given."""
    if n_jobs is None:
        return cores() if n_points >= PARALLEL_POINTS else 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or not (n_jobs >= 1 or n_jobs == -1):
        raise ParameterError("n_jobs", n_jobs, f"a whole number >= 1, -1 for all cores ({cores()} here), or None "
                                               f"(all cores from {PARALLEL_POINTS:,} points, else 1)")
    return cores() if n_jobs == -1 else int(n_jobs)


def whole_curve_chunks(frame: pd.DataFrame, by_cols: list[str], size: int):
    """Row selections of ``frame``, each holding the whole curves whose code (order of first
    appearance, as ``fit_logistic_many`` numbers them) lies in [k size, (k+1) size), points in
    their order; None when the frame holds at most ``size`` curves or a key is missing (then
    the single-process path says so)."""
    from ..batch import _column, _factorize

    keys = [_column(frame, b, "by") for b in by_cols]
    codes, uniques = pd.MultiIndex.from_arrays(keys).factorize() if len(keys) > 1 else _factorize(keys[0])
    m = len(uniques)
    if m <= size or (codes < 0).any():
        return None
    order = np.argsort(codes, kind="stable") if np.any(codes[1:] < codes[:-1]) else None
    sorted_codes = codes if order is None else codes[order]
    bounds = np.searchsorted(sorted_codes, np.arange(0, m + size, size))
    return [slice(a, b) if order is None else order[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def fit_local(frame: pd.DataFrame, *, by, conc, response, fixed, n_jobs) -> pd.DataFrame:
    from ..batch import CHUNK_CURVES, _column, fit_logistic_many

    jobs = resolve_n_jobs(n_jobs, len(frame))
    by_cols = [by] if isinstance(by, str) else list(by)
    chunks = whole_curve_chunks(frame, by_cols, CHUNK_CURVES) if jobs > 1 else None
    if chunks is None:
        return fit_logistic_many(frame, by=by, conc=conc, response=response, fixed=fixed, n_jobs=1)
    for name, field in ((conc, "conc"), (response, "response")):  # said before any process starts
        _column(frame, name, field)
    cols = list(dict.fromkeys(by_cols + [conc, response]))
    sub = frame[cols]
    args = dict(by=by, conc=conc, response=response, fixed=fixed)
    results: dict[int, pd.DataFrame] = {}
    import multiprocessing

    # fork where there is one: the workers inherit the loaded engine and nothing is imported
    # again; forkserver and spawn run the caller's script again in each worker, which breaks
    # every script without an `if __name__ == "__main__":` guard
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(chunks)), mp_context=ctx) as pool:
        pending = {}
        todo = iter(enumerate(chunks))
        for i, rows in todo:
            pending[pool.submit(_fit_chunk, sub.iloc[rows], args)] = i
            if len(pending) >= 2 * jobs:
                break
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                results[pending.pop(fut)] = fut.result()  # the first error is raised here, as is
                nxt = next(todo, None)
                if nxt is not None:
                    pending[pool.submit(_fit_chunk, sub.iloc[nxt[1]], args)] = nxt[0]
    return pd.concat([results[i] for i in range(len(chunks))], ignore_index=True)


def _fit_chunk(part: pd.DataFrame, args: dict) -> pd.DataFrame:
    from .nodata import fit_whole_curves

    return fit_whole_curves(part, **args)
