"""A campaign does not stop at one empty curve: a curve ``fit_logistic_many`` cannot fit (no
usable point at a concentration > 0, e.g. every response NaN, or fewer usable points than free
parameters) is reported as a row flagged ``no_data``, its numbers NaN and, in ``messages``, the
sentence the single-process path raises for it. Every other curve is fitted by that path."""
from __future__ import annotations

import numpy as np
import pandas as pd

NO_DATA = "no_data"


def fit_whole_curves(part: pd.DataFrame, *, by, conc, response, fixed) -> pd.DataFrame:
    """``fit_logistic_many`` on a frame of whole curves, with a ``no_data`` row for each curve
    it cannot fit, in the curves' order of first appearance."""
    from .._inputs import as_concentrations, as_values, check_fixed
    from ..batch import _column, _factorize, fit_logistic_many
    from ..fitting import FIXABLE

    args = dict(by=by, conc=conc, response=response, fixed=fixed, n_jobs=1)
    by_cols = [by] if isinstance(by, str) else list(by)
    keys = [_column(part, b, "by") for b in by_cols]
    codes, uniques = pd.MultiIndex.from_arrays(keys).factorize() if len(keys) > 1 else _factorize(keys[0])
    if (codes < 0).any():
        return fit_logistic_many(part, **args)  # says which key is missing
    c = as_concentrations(_column(part, conc, "conc").to_numpy())
    y = as_values(_column(part, response, "response").to_numpy(), "response")
    n_free = 4 - len(check_fixed(fixed, FIXABLE))
    m = len(uniques)
    ok = np.isfinite(c) & np.isfinite(y)
    n_obs = np.bincount(codes[ok], minlength=m)
    n_tested = np.bincount(codes[ok & (c > 0)], minlength=m)
    bad = (n_tested == 0) | (n_obs < n_free)
    if not bad.any():
        return fit_logistic_many(part, **args)
    good = np.flatnonzero(~bad)
    fitted = fit_logistic_many(part[~bad[codes]], **args) if good.size else None
    idx = np.flatnonzero(bad)
    total = np.bincount(codes, minlength=m)
    key_frame = (pd.DataFrame(list(uniques[idx]), columns=by_cols) if len(by_cols) > 1
                 else pd.DataFrame({by_cols[0]: np.asarray(uniques)[idx]}))
    rows = _no_data_rows(key_frame, n_obs[idx], total[idx] - n_obs[idx], n_tested[idx], n_free,
                         fitted if fitted is not None else _columns_of(fixed))
    both = rows if fitted is None else pd.concat([fitted, rows], ignore_index=True)
    order = np.argsort(np.r_[good, idx], kind="stable")
    return both.iloc[order].reset_index(drop=True)


def _columns_of(fixed) -> pd.DataFrame:
    from .dask_fit import _result_columns

    return _result_columns(tuple(sorted((fixed or {}).items())))


def _no_data_rows(keys: pd.DataFrame, n_obs, n_dropped, n_tested, n_free, like: pd.DataFrame) -> pd.DataFrame:
    k = len(keys)
    out = {}
    for name, dtype in like.dtypes.items():
        if name in keys.columns:
            continue
        if dtype.kind == "f":
            out[name] = np.full(k, np.nan)
        elif dtype.kind == "b":
            out[name] = np.zeros(k, bool)
        elif dtype.kind in "iu":
            out[name] = np.zeros(k, dtype)
        else:
            out[name] = np.full(k, "", dtype=object)
    out["n"], out["n_dropped"], out["dof"] = n_obs, n_dropped, n_obs - n_free
    flags = np.empty(k, object)
    flags[:] = [(NO_DATA,)] * k
    messages = np.empty(k, object)
    messages[:] = [(("no usable point at a concentration > 0 (only vehicle wells or missing values); "
                     "a curve needs tested concentrations") if t == 0 else
                    f"{o} usable points are too few for {n_free} free parameters",) for o, t in zip(n_obs, n_tested)]
    out["flags"], out["messages"] = flags, messages
    out["ic50_text"] = np.full(k, "not fitted (no data)", dtype=object)
    return pd.concat([keys.reset_index(drop=True), pd.DataFrame(out)], axis=1)[list(keys.columns) + [
        c for c in like.columns if c not in keys.columns]]
