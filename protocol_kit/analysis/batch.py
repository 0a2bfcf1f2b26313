"""``fit_logistic_many``: thousands of logistic curves in one batched solve."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import AnalysisError, ParameterError, near_miss
from ._inputs import as_concentrations, as_values, check_fixed
from .curves import LOGISTIC_PARAMS
from .engine import EngineFit, Stack, fit_batch, fit_free, free_mask, stats_free
from .engine.model import _ksum
from .fitting import FIXABLE
from .batch_profile import profile_bounds
from .flags import UNBOUNDED, derive, unbounded_message
from .lsq import rss_floor
from .plausible import FLAG as IMPLAUSIBLE, IC50_RANGE, TESTED_MAX, is_plain, tested_message
from .stationary import stationary

CHUNK_CURVES = 20_000  # curves solved together; bounds peak memory at 100,000+ curves
PARALLEL_POINTS = 1_000_000  # n_jobs=None: all cores from this many points (campaign.local)


def _column(frame, name, field):
    if name not in frame.columns:
        raise ParameterError(field, name, f"a column of the frame ({', '.join(map(str, frame.columns))})",
                             reason=f"is not a column{near_miss(str(name), [str(c) for c in frame.columns])}")
    return frame[name]


DENSE_FILL = 0.5  # shared-X layout when at least this fraction of its (curve, X) cells hold points
DENSE_CELLS = 1 << 22  # ... and it has at most max(this, 4 x points) cells


def pack(codes, conc, y, m) -> tuple[Stack, np.ndarray, np.ndarray]:
    """Aggregate replicate points (same curve, same concentration) and stack the curves
    points-major (see :class:`~protocol_kit.analysis.engine.Stack`).

    sum_i (y_i - f)^2 over replicates at one X equals n (ybar - f)^2 + sum_i (y_i - ybar)^2,
    so fitting the means with weight n gives the same optimum; the second term (``ss_within``)
    is added back to the RSS. Vehicle wells (concentration 0, X = -inf) become a weight and a
    mean per curve. When the curves share their tested concentrations (a plate), the layout is
    one row per distinct concentration for every curve (no sorting: the cells are counted);
    otherwise each curve's distinct X are sorted into its own column.
    ``codes`` (curve of each point, 0..m-1), ``conc`` (molar, finite) and ``y`` (finite).
    Returns (stack, ss_within, n_distinct).
    """
    # distinct concentrations, hashed as their bit patterns (twice as fast as floats; + 0.0
    # turns a -0.0 into 0.0)
    ci, uc = pd.factorize((conc + 0.0).view(np.int64))
    uc = uc.view(np.float64)
    order = np.argsort(uc)
    rank = np.empty(uc.size, np.int64)
    rank[order] = np.arange(uc.size)
    with np.errstate(divide="ignore"):
        ux = np.log10(uc[order])  # sorted distinct X; a vehicle (0) is -inf, first
    xr = rank[ci]
    K = ux.size
    has_v = bool(K and uc[order[0]] == 0)
    v0 = int(has_v)  # rows of X start after the vehicle row
    if m * K <= max(DENSE_CELLS, 4 * y.size):
        key = codes * K  # one cell per (curve, X), curve-major
        key += xr
        change = key[1:] != key[:-1]
        if y.size > 1 and (key[1:] >= key[:-1]).all():  # points sorted by curve and X: runs of cells
            starts = np.concatenate([[0], np.flatnonzero(change) + 1])
            cell = key[starts]
            n_cell = np.diff(np.append(starts, y.size)).astype(float)
            # bincount adds point after point, as in the other layouts (reduceat adds 3 as a + (b + c))
            mean_c = np.bincount(np.concatenate([[0], np.cumsum(change)]), weights=y) / n_cell
            dev = y - np.repeat(mean_c, n_cell.astype(np.int64))
            dev *= dev  # summed point after point per curve, as in the other layouts (same bits)
            ss_within = np.bincount(codes, weights=dev, minlength=m)
            cnt = np.zeros(m * K)
            mean = np.zeros(m * K)
            cnt[cell], mean[cell] = n_cell, mean_c
        else:
            cnt = np.bincount(key, minlength=m * K).astype(float)
            mean = None
        n_cells = np.count_nonzero(cnt)
        n_veh = np.count_nonzero(cnt[0::K]) if has_v else 0
        if n_cells - n_veh >= DENSE_FILL * m * (K - v0):  # the curves share their tested X
            if mean is None:
                sums = np.bincount(key, weights=y, minlength=m * K)
                mean = np.divide(sums, cnt, out=np.zeros(m * K), where=cnt > 0)
                ss_within = np.bincount(codes, weights=(y - mean[key]) ** 2, minlength=m)
            Wm, Ym = cnt.reshape(m, K), mean.reshape(m, K)
            W = np.ascontiguousarray(Wm[:, v0:].T)
            Y = np.ascontiguousarray(Ym[:, v0:].T)
            wv = Wm[:, 0].copy() if has_v else np.zeros(m)
            yv = Ym[:, 0].copy() if has_v else np.zeros(m)
            n_distinct = np.count_nonzero(Wm, axis=1)
            return Stack(ux[v0:, None].copy(), Y, W, wv, yv), ss_within, n_distinct
    # each curve its own tested X: cells sorted by curve, then X
    key = codes * K + xr
    cells, cell, cnt = np.unique(key, return_inverse=True, return_counts=True)
    sums = np.bincount(cell, weights=y, minlength=cells.size)
    mean = sums / cnt
    ss_within = np.bincount(codes, weights=(y - mean[cell]) ** 2, minlength=m)
    cc = cells // K  # curve of each cell
    cx = cells % K  # its X rank
    n_distinct = np.bincount(cc, minlength=m)
    wv, yv = np.zeros(m), np.zeros(m)
    if has_v:
        isv = cx == 0
        wv[cc[isv]], yv[cc[isv]] = cnt[isv], mean[isv]
        keep = ~isv
        cc, cx, cnt, mean = cc[keep], cx[keep], cnt[keep], mean[keep]
    n_cells = np.bincount(cc, minlength=m)
    first = np.searchsorted(cc, np.arange(m))
    width = max(int(n_cells.max()), 1)
    pos = np.arange(cc.size) - first[cc]
    last = ux[cx[np.maximum(first + n_cells - 1, 0)]] if cc.size else np.zeros(m)
    X = np.broadcast_to(np.where(n_cells > 0, last, 0.0), (width, m)).copy()
    W = np.zeros((width, m))
    Y = np.zeros((width, m))
    X[pos, cc], W[pos, cc], Y[pos, cc] = ux[cx], cnt, mean
    return Stack(X, Y, W, wv, yv), ss_within, n_distinct


def fit_logistic_many(frame: pd.DataFrame, *, by, conc: str = "conc", response: str = "response",
                      fixed: dict | None = None, n_jobs: int | None = None, out=None, shuffle: bool = False):
    """Fit Y = Bottom + (Top - Bottom) / (1 + 10^((LogIC50 - X) HillSlope)) to every curve of ``frame``.

    ``by`` names the column(s) identifying a curve; ``conc`` holds concentrations (molar floats,
    or strings/quantities with units; 0 = vehicle well, predicted by the X -> -inf plateau) and
    ``response`` the responses (NaN rows are dropped and counted in ``n_dropped``). ``fixed``
    may hold ``bottom``, ``top`` and/or ``hill``.

    All curves are solved together by the batched Levenberg-Marquardt engine of
    :mod:`protocol_kit.analysis.engine` (data-driven starts plus a profile-RSS grid over
    logIC50 x Hill; with all four parameters free, its variable-projection fast path). Returns one row per curve with the ``by`` columns, ``ic50`` (NaN when
    ``incomplete``, see ``ic50_text``), ``ic50_fitted``, ``log_ic50``, ``hill``, ``top``,
    ``bottom`` and their standard errors ``*_se``, ``ic50_ci_low``/``ic50_ci_high`` (95%,
    t distribution, from the logIC50 interval; as in :func:`~.fitting.fit_logistic`, the
    profile-likelihood interval, 0 or inf on its open side, where that is open: flag
    ``ci_unbounded`` with its sentence in ``messages``, see :mod:`.batch_profile`), ``rss``,
    ``dof``, ``n``, ``n_dropped``,
    ``r_squared``, ``converged`` (at a stationary point of the RSS, decided as for
    :func:`~.fitting.fit_logistic` by :mod:`.stationary`), ``qualifier``, ``flags`` (a tuple of strings) and ``messages``
    (a tuple of sentences: with plain molar concentrations that cannot be meant, the
    ``implausible_units`` sentence naming the unit they look like, see :mod:`.plausible`;
    the ``ci_unbounded`` sentence).

    Campaigns (:mod:`.campaign`, docs/campaigns.md): ``frame`` may also be a Dask DataFrame or
    a Parquet file, folder or glob; each partition's whole curves are fitted where they lie
    (a curve split across partitions is an error naming it, unless ``shuffle=True`` groups
    the rows by curve first), on the active Dask scheduler; the result is a lazy Dask
    DataFrame, or is written to the Parquet ``out`` (None is returned). ``n_jobs``: processes
    on this machine (None: all cores from 1,000,000 points, else 1; -1: all cores), fed
    chunks of whole curves; a pandas result is bit for bit the one of ``n_jobs=1``.
    """
    in_process = (isinstance(frame, pd.DataFrame) and out is None and not shuffle
                  and (n_jobs == 1 or (n_jobs is None and len(frame) < PARALLEL_POINTS)))
    if not in_process:  # a campaign; a small frame stays here without importing that package
        from .campaign import fit_campaign

        return fit_campaign(frame, by=by, conc=conc, response=response, fixed=fixed, n_jobs=n_jobs,
                            out=out, shuffle=shuffle)
    fixed = check_fixed(fixed, FIXABLE)
    by_cols = [by] if isinstance(by, str) else list(by)
    if not by_cols:
        raise ParameterError("by", by, "one or more column names identifying a curve")
    keys = [_column(frame, b, "by") for b in by_cols]
    conc_given = _column(frame, conc, "conc").to_numpy()
    c = as_concentrations(conc_given)
    y = as_values(_column(frame, response, "response").to_numpy(), "response")
    codes, uniques = pd.MultiIndex.from_arrays(keys).factorize() if len(keys) > 1 else _factorize(keys[0])
    if (codes < 0).any():
        raise ParameterError("by", by, "curve identifiers without missing values")
    m = len(uniques)
    keep = np.isfinite(c) & np.isfinite(y)
    if keep.all():
        codes_k, c_k, y_k = codes, c, y
        n_dropped = np.zeros(m, np.int64)
    else:
        codes_k, c_k, y_k = codes[keep], c[keep], y[keep]
        n_dropped = np.bincount(codes[~keep], minlength=m)
    n_obs = np.bincount(codes_k, minlength=m)
    y_max = np.zeros(m)  # max |y| per curve: the rounding level of an exact fit (lsq.rounding_rss)
    np.maximum.at(y_max, codes_k, np.abs(y_k))
    free = free_mask(fixed)
    # curves in chunks of CHUNK_CURVES (bounded memory): points grouped by curve
    if m > CHUNK_CURVES and np.any(codes_k[1:] < codes_k[:-1]):
        order = np.argsort(codes_k, kind="stable")
        codes_k, c_k, y_k = codes_k[order], c_k[order], y_k[order]
    bounds = np.searchsorted(codes_k, np.arange(0, m + CHUNK_CURVES, CHUNK_CURVES)) if m > CHUNK_CURVES \
        else np.array([0, codes_k.size])
    chunks = []
    for i, s in enumerate(range(0, m, CHUNK_CURVES)):
        a, b = bounds[i], bounds[i + 1]
        mm = min(CHUNK_CURVES, m - s)
        chunks.append((s, mm) + pack(codes_k[a:b] - s if s else codes_k[a:b], c_k[a:b], y_k[a:b], mm))
    n_conc = n_obs - np.concatenate([np.zeros(0)] + [st.wv for _, _, st, _, _ in chunks]).astype(np.int64)
    flat = np.flatnonzero(n_conc == 0)
    if flat.size:
        raise AnalysisError(f"curve '{uniques[flat[0]]}': no usable point at a concentration > 0 "
                            "(only vehicle wells); a curve needs tested concentrations")
    short = np.flatnonzero(n_obs < free.sum())
    if short.size:
        raise AnalysisError(f"curve '{uniques[short[0]]}': {n_obs[short[0]]} usable points are too few "
                            f"for {int(free.sum())} free parameters")
    cols: dict[str, list] = {}
    for s, mm, st, ssw, n_distinct in chunks:
        n_o = n_obs[s:s + mm]
        if fixed:
            X, Y, W = st.curve_major()
            fit = fit_batch(X, Y, W, fixed, ss_within=ssw, n_obs=n_o)
            n_free, params, conv, rss, cov, se = fit.n_free, fit.params, fit.converged, fit.rss, fit.cov, fit.se
            dof = n_o - n_free
        else:
            params, conv = fit_free(st)
            n_free = 4
            dof = n_o - n_free
            rss, cov, se = stats_free(st, params, ssw, dof)
        # converged: at a stationary point of the RSS, decided as for a single fit (.stationary)
        conv = stationary(*st.curve_major(), params, free, extra=ssw)
        fit = EngineFit(params, se, cov, rss, conv, n_free)
        lo, hi = st.x_range()
        d = derive(fit.params, fit.se, dof, lo, hi, free, fit.converged, n_distinct, fit.cov, rss=fit.rss,
                   bracket=st.bracket(fit.params[:, 2]), sides=st.sides(fit.params[:, 2]))
        tss = _total_ss(st, ssw)
        ci_low, ci_high, prof = _profile_ci(st, fit, dof, lo, hi, free, fixed, ssw, d, n_o, y_max[s:s + mm])
        part = {
            "ic50": d["ic50"], "ic50_text": d["ic50_text"], "qualifier": d["qualifier"],
            "ic50_fitted": d["ic50_fitted"], "log_ic50": fit.params[:, 2], "log_ic50_se": fit.se[:, 2],
            "hill": fit.params[:, 3], "hill_se": fit.se[:, 3], "top": fit.params[:, 1], "top_se": fit.se[:, 1],
            "bottom": fit.params[:, 0], "bottom_se": fit.se[:, 0],
            "ic50_ci_low": ci_low, "ic50_ci_high": ci_high,
            "rss": fit.rss, "dof": dof, "n": n_o, "n_dropped": n_dropped[s:s + mm],
            "r_squared": _r_squared(fit.rss, tss), "converged": fit.converged, "flags": d["flags"],
            "_prof_low": prof[0], "_prof_high": prof[1],
        }
        for k, v in part.items():
            cols.setdefault(k, []).append(_objects(v) if k in ("flags", "ic50_text") else np.asarray(v))
    out = {k: np.concatenate(v) for k, v in cols.items()}
    out["flags"], out["messages"] = _plausibility(out, codes_k, c_k, m, is_plain(conc_given))
    _unbounded(out, out.pop("_prof_low"), out.pop("_prof_high"))
    if len(keys) > 1:
        index = pd.DataFrame(uniques.tolist(), columns=by_cols)
        return pd.concat([index, pd.DataFrame(out)], axis=1)
    return pd.DataFrame({by_cols[0]: np.asarray(uniques), **out})


def _profile_ci(st: Stack, fit: EngineFit, dof, lo, hi, free, fixed, ssw, d, n_obs, y_max):
    """The headline IC50 CI as :func:`~.fitting.fit_logistic` reports it: the asymptotic one
    while the 95% profile interval of logIC50 is bounded, else the profile interval (0 or inf
    on the open side), for an IC50 reported as a value ('=') of a converged, not exact fit
    (:mod:`.batch_profile`). Returns (low, high, (profile low, profile high))."""
    floor = rss_floor(n_obs, y_max)  # unit weights
    check = (d["qualifier"] == "=") & fit.converged & (dof >= 1) & np.isfinite(fit.rss) & (fit.rss > floor)
    X, Y, W = st.curve_major()
    p_lo, p_hi = profile_bounds(fit.params, fit.se[:, 2], fit.rss, dof, lo, hi, X, Y, W, fixed, free, ssw, check)
    unbounded = np.isinf(p_lo) | np.isinf(p_hi)
    unbounded &= ~(np.isnan(p_lo) | np.isnan(p_hi))
    with np.errstate(over="ignore"):
        ci_low = np.where(unbounded, 10.0 ** p_lo, d["ic50_ci_low"])
        ci_high = np.where(unbounded, 10.0 ** p_hi, d["ic50_ci_high"])
    return ci_low, ci_high, (np.where(unbounded, p_lo, np.nan), np.where(unbounded, p_hi, np.nan))


def _unbounded(out: dict, p_lo, p_hi):
    """``ci_unbounded`` and its sentence (after any other message) where the profile interval
    of logIC50 is open on a side, as :func:`~.fitting.fit_logistic` flags it."""
    flags, messages = out["flags"], out["messages"]
    idx = np.flatnonzero(~np.isnan(p_lo))
    tq = stats.t.ppf(0.975, out["dof"][idx])  # one call for all: the same values as one per curve
    for k, i in enumerate(idx.tolist()):
        L, se = out["log_ic50"][i], out["log_ic50_se"][i]
        said = unbounded_message("logIC50", (p_lo[i], p_hi[i]), (L - tq[k] * se, L + tq[k] * se))
        if said:
            flags[i] = (*flags[i], UNBOUNDED)
            messages[i] = (*messages[i], said)


def _plausibility(out: dict, codes, conc, m: int, plain: bool):
    """Flags and messages per curve: ``implausible_units`` and its sentence where plain (molar)
    concentrations reach above 0.1 M or a bracketed IC50 lies above 1 M or below 1 fM
    (:mod:`.plausible`); every other curve gets no message."""
    flags, messages = out["flags"], _objects([()] * m)
    if not plain:
        return flags, messages
    ic50 = out["ic50"]
    odd = np.isfinite(ic50) & ((ic50 > IC50_RANGE[1]) | (ic50 < IC50_RANGE[0]))
    if not (odd.any() or (conc.size and conc.max() > TESTED_MAX)):
        return flags, messages
    top = np.zeros(m)
    np.maximum.at(top, codes, conc)
    odd |= top > TESTED_MAX
    for i in np.flatnonzero(odd).tolist():
        flags[i] = (*flags[i], IMPLAUSIBLE)
        messages[i] = (tested_message(float(top[i]), float(ic50[i])),)
    return flags, messages


def _factorize(key: pd.Series):
    """pd.factorize, with a shortcut for integer curve ids that come sorted (the usual layout:
    one block of rows per curve): codes from where the id changes, ids in order of appearance."""
    v = key.to_numpy()
    if v.dtype.kind in "iu" and v.size > 1:
        change = v[1:] != v[:-1]
        if (v[1:] >= v[:-1]).all():
            codes = np.empty(v.size, np.int64)
            codes[0] = 0
            np.cumsum(change, out=codes[1:])
            return codes, pd.Index(v[np.r_[0, np.flatnonzero(change) + 1]])
    return pd.factorize(key)


def _r_squared(rss, tss):
    """1 - RSS/TSS (NaN for a constant response)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(tss > 0, 1.0 - rss / tss, np.nan)


def _objects(values) -> np.ndarray:
    """A 1-D object array (np.asarray would make a 2-D array of equal-length tuples)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _total_ss(st: Stack, ss_within):
    """Total sum of squares about the (weighted) mean, replicate scatter included."""
    sw = _ksum(st.W) + st.wv
    mean = (_ksum(st.W * st.Y) + st.wv * st.yv) / sw
    dv = np.where(st.wv > 0, st.yv - mean, 0.0)
    dy = np.where(st.W > 0, st.Y - mean, 0.0)
    return _ksum(st.W * dy * dy) + st.wv * dv * dv + ss_within


__all__ = ["fit_logistic_many", "LOGISTIC_PARAMS"]
