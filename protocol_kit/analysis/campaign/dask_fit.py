"""A Dask DataFrame of points fitted partition by partition, on whatever scheduler is active.

Each partition's curves are fitted where they lie (``map_partitions``) by the single-process
``fit_logistic_many``, so every curve is whole in one partition: that is checked first
(:func:`check_whole_curves`, one pass over the key columns), and a curve found in two
partitions is an error naming the curve and the two partitions (files, when read from
Parquet), unless ``shuffle=True`` moves every curve's rows into one partition first
(``DataFrame.shuffle`` on the key: rows move between workers, and the result is then in the
order of the shuffled partitions, not that of the input).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from ...errors import AnalysisError, ParameterError, ProtocolKitError, near_miss


def fit_dask(ddf, *, by_cols, conc, response, fixed, shuffle=False, names=None):
    """The lazy Dask DataFrame of results, one row per curve, in partition order."""
    from .._inputs import check_fixed
    from ..fitting import FIXABLE

    check_fixed(fixed, FIXABLE)  # said now, not by every partition
    for name, field in [(b, "by") for b in by_cols] + [(conc, "conc"), (response, "response")]:
        if name not in ddf.columns:
            present = [str(c) for c in ddf.columns]
            raise ParameterError(field, name, f"a column of the frame ({', '.join(present)})",
                                 reason=f"is not a column{near_miss(str(name), present)}")
    ddf = ddf[list(dict.fromkeys(by_cols + [conc, response]))]
    if shuffle:
        ddf = ddf.shuffle(on=by_cols if len(by_cols) > 1 else by_cols[0])
    else:
        check_whole_curves(ddf, by_cols, names)
    meta = result_meta(ddf._meta[by_cols], fixed)
    fits = ddf.map_partitions(_fit_partition, by_cols=tuple(by_cols), conc=conc, response=response, fixed=fixed,
                              names=names, meta=meta, align_dataframes=False)
    return fits.optimize()  # read and fit fused into one task per partition (see compute_fits)


def _fit_partition(part: pd.DataFrame, *, by_cols, conc, response, fixed, names, partition_info=None):
    """One partition's curves, fitted by the single-process path (its errors named with the
    partition or file, and picklable, so that a worker's error arrives as it was said)."""
    from .nodata import fit_whole_curves

    if not len(part):
        return result_meta(part[list(by_cols)].iloc[:0], fixed)
    by = by_cols[0] if len(by_cols) == 1 else list(by_cols)
    try:
        return fit_whole_curves(part, by=by, conc=conc, response=response, fixed=fixed)
    except ParameterError as exc:
        where = _where(partition_info["number"] if partition_info else None, names)
        if not where:
            raise
        raise type(exc)(exc.field, exc.value, exc.allowed,
                        reason=f"{exc.reason or 'is not allowed'} (in {where})") from None
    except ProtocolKitError as exc:
        where = _where(partition_info["number"] if partition_info else None, names)
        raise AnalysisError(f"{where}: {exc}" if where else str(exc)) from None


def _where(number, names) -> str:
    if number is None:
        return ""
    return f"file {names[number]}" if names else f"partition {number}"


@lru_cache(maxsize=16)
def _result_columns(fixed_items: tuple) -> pd.DataFrame:
    """The result's columns and types, from a fit of one made-up curve."""
    from ..batch import fit_logistic_many

    x = np.r_[0.0, 10.0 ** np.arange(-10, -4.9, 1.0)]
    y = 10 + 90 / (1 + 10 ** (np.log10(np.where(x > 0, x, 1e-30)) + 7.5)) + np.arange(x.size) % 2
    demo = pd.DataFrame({"_key": 0, "conc": x, "response": y})
    res = fit_logistic_many(demo, by="_key", fixed=dict(fixed_items) or None, n_jobs=1)
    return res.drop(columns="_key").iloc[:0]


def result_meta(keys: pd.DataFrame, fixed) -> pd.DataFrame:
    """An empty result frame: the key columns as in ``keys``, then the result's columns."""
    cols = _result_columns(tuple(sorted((fixed or {}).items())))
    return pd.concat([keys.iloc[:0].reset_index(drop=True), cols], axis=1)


def check_whole_curves(ddf, by_cols, names=None) -> None:
    """Refuse a curve whose rows lie in two partitions: one pass over the key columns. When
    every partition is sorted by the key and their key ranges follow one another (the usual
    layout of plate files), the first and last keys settle it; otherwise each partition's
    distinct keys are counted across partitions (a Dask groupby)."""
    import dask

    if ddf.npartitions == 1:
        return  # nothing to split
    parts = ddf[by_cols].to_delayed()
    summaries = dask.compute(*[dask.delayed(_summary)(p, tuple(by_cols)) for p in parts])
    filled = [(i, s) for i, s in enumerate(summaries) if s is not None]
    if all(s["sorted"] for _, s in filled):
        ok = True
        for (i, a), (j, b) in zip(filled[:-1], filled[1:]):
            if a["last"] == b["first"]:
                raise _split_error(a["last"], (i, j), names, by_cols)
            if not _less(a["last"], b["first"]):
                ok = False
        if ok:
            return
    _check_by_groupby(ddf, by_cols, names)


def _summary(part: pd.DataFrame, by_cols):
    if not len(part):
        return None
    idx = pd.MultiIndex.from_frame(part[list(by_cols)]) if len(by_cols) > 1 else pd.Index(part[by_cols[0]])
    try:
        ordered = bool(idx.is_monotonic_increasing)
    except TypeError:  # keys of mixed types
        ordered = False
    return {"first": _key(idx[0]), "last": _key(idx[-1]), "sorted": ordered}


def _key(value):
    return tuple(v.item() if hasattr(v, "item") else v for v in value) if isinstance(value, tuple) else (
        value.item() if hasattr(value, "item") else value)


def _less(a, b) -> bool:
    try:
        return bool(a < b)
    except TypeError:
        return False


def _check_by_groupby(ddf, by_cols, names):
    keys = ddf[by_cols].map_partitions(_distinct_keys, meta=ddf._meta[by_cols].assign(_part=np.int64(0)))
    span = keys.groupby(by_cols)["_part"].agg(["min", "max"])
    split = span[span["min"] != span["max"]].compute()
    if len(split):
        key = _key(split.index[0])
        raise _split_error(key, (int(split["min"].iloc[0]), int(split["max"].iloc[0])), names, by_cols)


def _distinct_keys(part: pd.DataFrame, partition_info=None) -> pd.DataFrame:
    number = partition_info["number"] if partition_info else -1
    return part.drop_duplicates().assign(_part=np.int64(number))


def _split_error(key, pair, names, by_cols) -> AnalysisError:
    where = (f"files {names[pair[0]]} and {names[pair[1]]}" if names else f"partitions {pair[0]} and {pair[1]}")
    by = by_cols[0] if len(by_cols) == 1 else tuple(by_cols)
    return AnalysisError(f"curve {by}={key!r} is split across {where}; each curve's rows must lie in one "
                         "partition (write each curve into one file, or pass shuffle=True / --shuffle to "
                         "group the rows by curve first)")


def compute_fits(result, out, *, n_jobs=None, progress: bool = False) -> int:
    """Write the results into the new folder ``out``, one file per partition
    (``part-00000.parquet``, ...), on the active scheduler: a ``dask.distributed`` Client if one
    is current, else Dask's local scheduler (processes, ``n_jobs`` of them, all cores by
    default; with ``n_jobs=None`` the scheduler set by ``dask.config.set(scheduler=...)`` if
    there is one), with a progress bar on stderr when ``progress``. Each file is written under
    a temporary name and renamed, so a task run twice (a worker lost after it finished) or cut
    short (a worker killed while writing) leaves each partition's curves exactly once.
    Returns the number of curves written."""
    import dask

    from .local import resolve_n_jobs
    from .results import check_new

    folder = check_new(out)
    folder.mkdir(parents=True)
    meta = pd.DataFrame({"part": pd.Series(dtype="int64"), "curves": pd.Series(dtype="int64")})
    # optimized here so that read, fit and write are fused into one task per partition: else
    # the local processes scheduler ships every partition's rows through this process
    job = result.map_partitions(_write_part, str(folder), meta=meta, align_dataframes=False).optimize()
    client = _current_client()
    if client is not None:
        future = client.compute(job)
        if progress:
            import contextlib
            import sys

            from distributed import progress as show

            with contextlib.redirect_stdout(sys.stderr):  # the bar on stderr, as the local one
                show(future)
        written = int(future.result()["curves"].sum())
        _sweep(folder)
        return written
    if n_jobs is None and dask.config.get("scheduler", None) is not None:
        how = {}  # the scheduler the caller chose
    else:
        jobs = resolve_n_jobs(-1 if n_jobs is None else n_jobs, 0)
        how = {"scheduler": "sync"} if jobs == 1 else {"scheduler": "processes", "num_workers": jobs}
    import contextlib
    import multiprocessing
    import sys

    from dask.diagnostics import ProgressBar

    # forked workers, as in .local: spawn would run the caller's script again in each worker
    fork = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with dask.config.set({"multiprocessing.context": fork}), \
            (ProgressBar(out=sys.stderr) if progress else contextlib.nullcontext()):
        (counts,) = dask.compute(job, **how)
    _sweep(folder)
    return int(counts["curves"].sum())


def _sweep(folder) -> None:
    """Remove what a worker killed while writing left behind (its temporary file)."""
    from pathlib import Path

    for tmp in Path(folder).glob(".part-*.tmp"):
        tmp.unlink(missing_ok=True)


def _write_part(frame: pd.DataFrame, folder: str, partition_info=None) -> pd.DataFrame:
    import os
    import uuid
    from pathlib import Path

    import pyarrow.parquet as pq

    from .results import to_table

    number = partition_info["number"] if partition_info else 0
    path = Path(folder) / f"part-{number:05d}.parquet"
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    pq.write_table(to_table(frame), tmp)
    os.replace(tmp, path)
    return pd.DataFrame({"part": [number], "curves": [len(frame)]})


def _current_client():
    try:
        from distributed import get_client
    except ImportError:
        return None
    try:
        return get_client()
    except ValueError:
        return None
