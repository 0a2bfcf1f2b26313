"""Time courses (microdialysis): % of baseline, area under the curve, Emax and Tmax.

- % baseline = 100 C(t) / mean of the subject's baseline values (baseline mean = 100%).
- AUC by the trapezoid rule, sum (t[i+1] - t[i]) (y[i] + y[i+1]) / 2 (scipy.integrate.trapezoid),
  over [start, end]; a window edge between two samples gets a linearly interpolated value,
  never an extrapolated one.
- Emax = the largest value, Tmax = its time (the first, on a tie).

The helpers refuse NaN values (a missing sample must be dropped, and reported, by the caller;
the trapezoid then spans the gap).
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy.integrate import trapezoid

from ..errors import AnalysisError, ParameterError
from ._inputs import as_values, check_no_nan, require_columns, same_length


def _series(time, value) -> tuple[np.ndarray, np.ndarray]:
    t, y = as_values(time, "time"), as_values(value, "value")
    same_length(time=t, value=y)
    for name, arr in (("time", t), ("value", y)):
        check_no_nan(arr, name, "a number (drop missing samples first and report them)")
    if t.size == 0:
        raise AnalysisError("time course: no values")
    step = np.flatnonzero(np.diff(t) <= 0)
    if step.size:
        i = int(step[0]) + 1
        raise ParameterError(f"time[{i}]", float(t[i]), f"times in increasing order (after {t[i - 1]:g})")
    return t, y


def auc(time, value, *, start=None, end=None) -> float:
    """Area under value(time) by the trapezoid rule over [start, end] (default: all points);
    an edge between two samples is interpolated linearly; an edge outside the samples raises.
    Units: value unit x time unit (e.g. % x min)."""
    t, y = _series(time, value)
    lo = t[0] if start is None else float(start)
    hi = t[-1] if end is None else float(end)
    if lo < t[0] or hi > t[-1]:
        raise ParameterError("start" if lo < t[0] else "end", lo if lo < t[0] else hi,
                             f"a time within the samples ({t[0]:g} to {t[-1]:g}); AUC is not extrapolated")
    if hi <= lo:
        raise ParameterError("end", hi, f"a time after start ({lo:g})")
    inside = (t > lo) & (t < hi)
    tt = np.concatenate([[lo], t[inside], [hi]])
    yy = np.concatenate([[np.interp(lo, t, y)], y[inside], [np.interp(hi, t, y)]])
    return float(trapezoid(yy, tt))


def emax_tmax(time, value) -> tuple[float, float]:
    """(Emax, Tmax): the largest value and the time of its first occurrence."""
    t, y = _series(time, value)
    i = int(np.argmax(y))
    return float(y[i]), float(t[i])


def percent_baseline(frame: pd.DataFrame, *, subject: str, time: str, value: str,
                     baseline_fractions: int | Iterable) -> pd.DataFrame:
    """A copy of ``frame`` with ``baseline`` (the subject's mean baseline value), ``n_baseline``
    (baseline values present) and ``pct_baseline`` = 100 value / baseline.

    ``baseline_fractions``: the number of baseline time points (the first n distinct values of
    ``time`` in the whole frame), or the baseline times themselves. A time before the first
    baseline time, a subject without a baseline value, or a baseline mean <= 0 raises
    :class:`AnalysisError` naming the subject. NaN values stay NaN (and are not in the mean).
    """
    require_columns(frame, (subject, time, value), "percent_baseline")
    times = np.sort(frame[time].dropna().unique())
    if isinstance(baseline_fractions, (int, np.integer)):
        n = int(baseline_fractions)
        if not 1 <= n <= times.size:
            raise ParameterError("baseline_fractions", n, f"1 to {times.size} (the time points in the data)")
        base_times = times[:n]
    else:
        base_times = np.sort(np.asarray(list(baseline_fractions), float))
        if base_times.size == 0:
            raise ParameterError("baseline_fractions", [], "a count or one or more baseline times")
        early = frame[frame[time] < base_times[0]]
        if len(early):
            r = early.iloc[0]
            raise AnalysisError(f"{time} {r[time]:g} of {subject} {r[subject]} is before the first baseline "
                                f"time ({base_times[0]:g}); every sample must be at or after the baseline")
    out = frame.copy()
    is_base = out[time].isin(base_times)
    base = out[is_base].groupby(subject, sort=False)[value].agg(["mean", "count"])
    for s in pd.unique(out[subject]):
        if s not in base.index or base.loc[s, "count"] == 0:
            raise AnalysisError(f"{subject} {s}: no baseline value (times {', '.join(f'{b:g}' for b in base_times)}); "
                                "% baseline needs at least one")
        if not base.loc[s, "mean"] > 0:
            raise AnalysisError(f"{subject} {s}: baseline mean {base.loc[s, 'mean']:g} is not > 0")
    out["baseline"] = out[subject].map(base["mean"]).astype(float)
    out["n_baseline"] = out[subject].map(base["count"]).astype("int64")
    out["pct_baseline"] = 100.0 * out[value].astype(float) / out["baseline"]
    return out
