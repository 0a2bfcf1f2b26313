"""The batched least-squares engine for the four-parameter logistic.

Many curves are fitted at once (stacked arrays, one row or column per curve), each by
Levenberg-Marquardt from several starts, so that every curve reaches its global optimum (or
the limit of a curve that has none), with asymptotic standard errors:

    model.py       the logistic, its Jacobian, the stacked layout (Stack) and the result (EngineFit)
    projection.py  variable projection: the plateaus solved exactly, the profile RSS and its derivatives
    starts.py      data-driven starts and the (logIC50, Hill) grids scored by the profile RSS
    lm.py          the one batched Levenberg-Marquardt loop (every fit of the engine runs it)
    limits.py      curves with no finite optimum (runaway plateaus, steps) placed on their limits
    errors.py      standard errors: s^2 (J'WJ)^-1
    batch.py       the drivers: fit_batch (parameters fixed, single fits), fit_free (all free)

Flags derived from a fit are :mod:`protocol_kit.analysis.flags`; the profile-likelihood check of
batched intervals :mod:`protocol_kit.analysis.batch_profile`.
"""
from __future__ import annotations

from .batch import fit_batch, fit_free
from .errors import covariance, spd_inverse_kkm, stats_free, t_quantile
from .lm import levenberg_marquardt
from .model import BOTTOM, HILL, LOG_IC50, TOP, CurveProblem, EngineFit, Stack, canonical, curve_lm, free_mask, \
    normal_matrix, x_range
from .projection import ProjectedProblem, vp_levenberg_marquardt
from .starts import FAST_GRID, FULL_GRID, VP_GRID, GridSpec, data_starts, grid_search

__all__ = ["BOTTOM", "TOP", "LOG_IC50", "HILL", "EngineFit", "Stack", "GridSpec", "FAST_GRID", "FULL_GRID",
           "VP_GRID", "free_mask", "x_range", "canonical", "normal_matrix", "data_starts", "grid_search",
           "levenberg_marquardt", "CurveProblem", "curve_lm", "ProjectedProblem", "vp_levenberg_marquardt", "covariance", "spd_inverse_kkm", "stats_free",
           "t_quantile", "fit_batch", "fit_free"]
