"""Model functions of the fitting engine (pure numpy, broadcasting over curves).

X is log10 of the concentration. A vehicle well (concentration 0) has X = -inf and is
predicted by the model's limit as X -> -inf, so it informs the plateau on the left of the
curve (``top`` of an inhibition curve in Prism's sign convention, where HillSlope < 0).
"""
from __future__ import annotations

import numpy as np

LN10 = float(np.log(10.0))

#: parameter order of the four-parameter logistic everywhere in the engine
LOGISTIC_PARAMS = ("bottom", "top", "log_ic50", "hill")


def _fraction(x, log_ic50, hill):
    """f = 1 / (1 + 10^((logIC50 - X) * HillSlope)), written as 0.5 - 0.5 tanh(u/2).

    The tanh form never overflows and gives exactly 0 or 1 at X = -inf (vehicle wells),
    the limit of the model. A HillSlope of exactly 0 gives f = 0.5 everywhere.
    Returns (f, d) with d = logIC50 - X.
    """
    d = log_ic50 - x
    with np.errstate(invalid="ignore"):
        u = d * (hill * (0.5 * LN10))
    f = 0.5 - 0.5 * np.tanh(u)
    if np.isnan(f).any():  # inf * 0: vehicle well with HillSlope exactly 0
        f = np.where(np.isnan(f), 0.5, f)
    return f, d


def logistic(x, bottom, top, log_ic50, hill):
    """Four-parameter logistic, log(inhibitor) vs response, variable slope.

    Y = Bottom + (Top - Bottom) / (1 + 10^((LogIC50 - X) * HillSlope))
    (GraphPad Prism, "log(inhibitor) vs. response -- Variable slope"; Motulsky &
    Christopoulos, *Fitting Models to Biological Data*, 2004). X = log10 concentration;
    X = -inf (a vehicle well) gives the X -> -inf limit: Top when HillSlope < 0, Bottom
    when HillSlope > 0.
    """
    f, _ = _fraction(np.asarray(x, float), log_ic50, hill)
    return bottom + (top - bottom) * f


def logistic_jacobian(x, bottom, top, log_ic50, hill):
    """Prediction and partial derivatives of :func:`logistic`.

    With f as in :func:`logistic`, df/dLogIC50 = -ln10 HillSlope f (1 - f) and
    df/dHillSlope = -ln10 (LogIC50 - X) f (1 - f); both are 0 at a vehicle well.
    Returns (pred, [dY/dBottom, dY/dTop, dY/dLogIC50, dY/dHill]).
    """
    x = np.asarray(x, float)
    f, d = _fraction(x, log_ic50, hill)
    span = top - bottom
    q = (-LN10) * span * (f * (1.0 - f))
    d_fin = np.where(np.isfinite(d), d, 0.0)
    return bottom + span * f, [1.0 - f, f, q * hill, q * d_fin]


def two_site(x, bottom, top, frac, log_ic50_1, log_ic50_2):
    """Two-site competition (Prism "Two sites - Fit logIC50"):

    Y = Bottom + (Top - Bottom) (Frac / (1 + 10^(X - LogIC50_1)) + (1 - Frac) / (1 + 10^(X - LogIC50_2)))
    Each site has a Hill slope of -1; X = -inf gives Top.
    """
    f1, _ = _fraction(np.asarray(x, float), log_ic50_1, -1.0)
    f2, _ = _fraction(np.asarray(x, float), log_ic50_2, -1.0)
    return bottom + (top - bottom) * (frac * f1 + (1.0 - frac) * f2)


def one_site_specific(conc, bmax, kd):
    """Specific binding at equilibrium: B = Bmax [L] / (Kd + [L]) (Hill-Langmuir; Hulme & Trevethick 2010)."""
    return bmax * conc / (kd + conc)
