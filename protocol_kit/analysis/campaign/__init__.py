"""Screening campaigns past one process (issue 18): :func:`~protocol_kit.analysis.fit_logistic_many`
on all the cores of one machine (:mod:`.local`, ``n_jobs``), on a Dask DataFrame or a set of
Parquet files on whatever Dask scheduler is active (:mod:`.dask_fit`, :mod:`.parquet`), with
the results written to Parquet (:mod:`.results`) and summed up per flag and potency
(:mod:`.summary`).

``fit_logistic_many`` hands over to :func:`fit_campaign` when it is given anything but a
pandas frame, or ``n_jobs``/``out``; nothing here is imported by ``import
protocol_kit.analysis``, and Dask only when a Dask frame or a Parquet path is fitted (the
``campaign`` extra: ``pip install 'protocol_kit[campaign]'``).
"""
from __future__ import annotations

import os

import pandas as pd

from ...errors import ParameterError, ProtocolKitError

__all__ = ["fit_campaign"]


def fit_campaign(data, *, by, conc="conc", response="response", fixed=None, n_jobs=None, out=None,
                 shuffle=False):
    """``fit_logistic_many`` for a pandas frame in chunks of whole curves over ``n_jobs``
    processes, or for a Dask DataFrame / Parquet path or glob partition by partition (a lazy
    Dask DataFrame, or None once written to ``out``). See :func:`.batch.fit_logistic_many`."""
    by_cols = [by] if isinstance(by, str) else list(by)
    if not by_cols:
        raise ParameterError("by", by, "one or more column names identifying a curve")
    if out is not None:
        from .results import check_new

        check_new(out)  # before any fitting
    if isinstance(data, pd.DataFrame):
        from .local import fit_local

        if shuffle:
            raise ParameterError("shuffle", shuffle, "False for a pandas frame (its curves are whole already)")
        frame = fit_local(data, by=by, conc=conc, response=response, fixed=fixed, n_jobs=n_jobs)
        if out is None:
            return frame
        from .results import write_results

        write_results(frame, out)
        return None
    if isinstance(data, (str, os.PathLike)) or (isinstance(data, (list, tuple)) and data
                                                 and all(isinstance(d, (str, os.PathLike)) for d in data)):
        _need_dask()
        from .parquet import read_campaign

        data, names = read_campaign(data, by_cols + [conc, response])
    elif _is_dask_frame(data):
        names = None
    else:
        raise ParameterError("frame", type(data).__name__,
                             "a pandas DataFrame, a Dask DataFrame, or a Parquet file, folder or glob "
                             "with one row per point")
    from .dask_fit import compute_fits, fit_dask

    result = fit_dask(data, by_cols=by_cols, conc=conc, response=response, fixed=fixed, shuffle=shuffle,
                      names=names)
    if out is None:
        return result
    compute_fits(result, out, n_jobs=n_jobs)
    return None


def _need_dask() -> None:
    import importlib.util

    missing = [m for m in ("dask", "pyarrow") if importlib.util.find_spec(m) is None]
    if missing:
        raise ProtocolKitError(f"fitting Parquet files or a Dask frame needs {' and '.join(missing)}: "
                               "pip install 'protocol_kit[campaign]'")


def _is_dask_frame(data) -> bool:
    module = type(data).__module__
    if not module.startswith("dask"):
        return False
    import dask.dataframe as dd

    return isinstance(data, dd.DataFrame)
