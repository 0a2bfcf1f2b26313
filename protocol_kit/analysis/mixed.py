"""Repeated measures with missing values: a linear mixed model with a random intercept per
subject, fitted by REML, each effect tested by an F test with Satterthwaite's denominator
degrees of freedom.

Model: y = X b + Z u + e, u ~ N(0, s2_u I) one per subject, e ~ N(0, s2_e I). X codes
treatment * time with sum-to-zero (effect) contrasts, so each term's test is the type III
hypothesis (a main effect on the unweighted mean over the other factor's levels).

Fit: with lam = s2_u / s2_e and c_i = lam / (1 + n_i lam), V_i^-1 = (I - c_i J) / s2_e = W_i / s2_e
for subject i's n_i values, and the REML criterion profiled over s2_e is
    -2 l_R(lam) = (N - p) log(r'Wr) + sum_i log(1 + n_i lam) + log det(X'WX) + const,
b = (X'WX)^-1 X'Wy, r = y - Xb, s2_e = r'Wr / (N - p) (Harville 1977; Searle, Casella &
McCulloch 1992, ch. 6). Its derivative in lam is analytic (dc_i/dlam = (1 + n_i lam)^-2; b drops
out because it minimises r'Wr) and its root is found by Brent's method to machine precision;
lam = 0 (no subject variance) when the derivative at 0 is not negative. No iterative optimiser's
tolerance reaches the answer, so it is the same to rounding on every machine.

Tests: for a term with contrast rows L (q of them), F = (Lb)' (L C L')^-1 (Lb) / q with
C = (X'V^-1 X)^-1. Denominator df by Satterthwaite's approximation for multi-df contrasts
(Fai & Cornelius 1996; as SAS PROC MIXED DDFM=SATTERTHWAITE and R's lmerTest, Kuznetsova et al.
2017): with L C L' = U diag(d) U' and l_m = U_m' L, nu_m = 2 d_m^2 / (g_m' A g_m), where g_m is
the gradient of l_m C l_m' in theta = (s2_e, s2_u), dC/dtheta_j = C X'V^-1 V_j V^-1 X C, and A the
inverse REML expected information I_jk = tr(P V_j P V_k) / 2 (V_e = I, V_u = Z Z',
P = V^-1 - V^-1 X C X' V^-1); E = sum over nu_m > 2 of nu_m / (nu_m - 2), df = 2 E / (E - q).
With every subject measured at every time this gives the split-plot ANOVA's F and degrees of
freedom exactly (uncorrected); with missing values it keeps the nominal error rate where the
Wald chi-square test does not (benchmarks/rm_null_rates.py).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, stats as sps

from ..errors import AnalysisError
from .anova_result import AnovaResult
from .split_plot import EXACT_FIT, subjects_by_time

TERMS = ("treatment", "time", "treatment x time")


def sum_coding(levels: np.ndarray) -> np.ndarray:
    """Columns +1 at level j, -1 at the last level, 0 elsewhere (j = first .. second-last)."""
    labels, code = np.unique(levels, return_inverse=True)
    X = np.zeros((code.size, labels.size - 1))
    for j in range(labels.size - 1):
        X[code == j, j] = 1.0
        X[code == labels.size - 1, j] = -1.0
    return X


def design(df: pd.DataFrame, grouped: bool) -> tuple[np.ndarray, dict[str, slice]]:
    """Fixed-effects matrix (intercept, treatment, time, interaction) and each term's columns."""
    T = sum_coding(df["t"].to_numpy())
    cols, terms = [np.ones((len(df), 1))], {}
    if grouped:
        Gc = sum_coding(df["g"].to_numpy())
        inter = np.hstack([Gc[:, [a]] * T for a in range(Gc.shape[1])])
        blocks = (("treatment", Gc), ("time", T), ("treatment x time", inter))
    else:
        blocks = (("time", T),)
    start = 1
    for name, B in blocks:
        terms[name] = slice(start, start + B.shape[1])
        cols.append(B)
        start += B.shape[1]
    return np.hstack(cols), terms


class _Reml:
    """The profiled REML criterion in lam = s2_u / s2_e for given y, X and subject codes."""

    def __init__(self, y, X, subject_code):
        self.y, self.X, self.code = y, X, subject_code
        self.n_i = np.bincount(subject_code).astype(float)
        self.Sx = np.vstack([np.bincount(subject_code, weights=X[:, j]) for j in range(X.shape[1])]).T
        self.Sy = np.bincount(subject_code, weights=y)
        self.N, self.p = X.shape

    def solve(self, lam):
        """(b, X'WX, r'Wr, subject sums of r) at lam."""
        c = lam / (1.0 + self.n_i * lam)
        A = self.X.T @ self.X - (self.Sx * c[:, None]).T @ self.Sx
        rhs = self.X.T @ self.y - (self.Sx * c[:, None]).T @ self.Sy
        b = np.linalg.solve(A, rhs)
        r = self.y - self.X @ b
        rs = np.bincount(self.code, weights=r, minlength=self.n_i.size)
        return b, A, float(r @ r - (c * rs ** 2).sum()), rs

    def criterion(self, lam):
        _, A, Q, _ = self.solve(lam)
        return (self.N - self.p) * np.log(Q) + np.log1p(self.n_i * lam).sum() + np.linalg.slogdet(A)[1]

    def slope(self, lam):
        """d(-2 l_R)/dlam."""
        _, A, Q, rs = self.solve(lam)
        dc = 1.0 / (1.0 + self.n_i * lam) ** 2
        dA = -(self.Sx * dc[:, None]).T @ self.Sx
        return (-(self.N - self.p) * (dc * rs ** 2).sum() / Q + (self.n_i / (1.0 + self.n_i * lam)).sum()
                + np.trace(np.linalg.solve(A, dA)))

    def optimum(self) -> float:
        if self.slope(0.0) >= 0:
            return 0.0
        hi = 1.0
        while self.slope(hi) < 0:
            hi *= 4.0
            if hi > 1e15:
                return np.inf  # no interior optimum: the within-subject variance is nil
        lam = optimize.brentq(self.slope, 0.0, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500)
        return lam if self.criterion(lam) <= self.criterion(0.0) else 0.0


def satterthwaite_f(L, b, C, dC, A) -> tuple[float, float]:
    """(F, denominator df) for H0: L b = 0 (module docstring)."""
    q = L.shape[0]
    LCL = L @ C @ L.T
    F = float((L @ b) @ np.linalg.solve(LCL, L @ b) / q)
    d, U = np.linalg.eigh(LCL)
    rows = U.T @ L
    nu = np.array([2 * d[m] ** 2 / (g @ A @ g) for m in range(q)
                   for g in [np.array([rows[m] @ D @ rows[m] for D in dC])]])
    E = float((nu[nu > 2] / (nu[nu > 2] - 2)).sum())
    return F, (2 * E / (E - q) if E > q else np.nan)


def mixed_model(frame: pd.DataFrame, *, value: str, subject: str, time: str, between: str | None = None) -> AnovaResult:
    """Random-intercept linear mixed model (REML) with F tests and Satterthwaite degrees of
    freedom for treatment, time and their interaction; see the module docstring. Missing
    values are allowed: they are left out and counted in ``qc``."""
    df = subjects_by_time(frame, value, subject, time, between, "mixed model")
    n_missing = int(df["y"].isna().sum())
    df = df.dropna(subset=["y"]).reset_index(drop=True)
    grouped = between is not None and df["g"].nunique() > 1
    cells = df.groupby(["g", "t"]).size().unstack()
    if cells.isna().any().any():
        g, t = cells.stack(future_stack=True).loc[lambda s: s.isna()].index[0]
        raise AnalysisError(f"mixed model: no value for group {g!r} at time {t!r}; every group needs a value at "
                            "every time to test the interaction")
    n_s, k = df["s"].nunique(), df["t"].nunique()
    X, terms = design(df, grouped)
    if k < 2 or len(df) - X.shape[1] < 1 or n_s - (df["g"].nunique() if grouped else 1) < 1:
        raise AnalysisError(f"mixed model: {len(df)} value(s) from {n_s} subject(s) at {k} time(s): too few "
                            "to estimate the effects and the variances")
    y = df["y"].to_numpy(float)
    subject_code = np.unique(df["s"].to_numpy(), return_inverse=True)[1]
    if np.bincount(subject_code).max() < 2:
        raise AnalysisError("mixed model: every subject has a single value, so the between- and within-subject "
                            "variances cannot be told apart")
    scale = float(np.std(y)) or 1.0  # F and df do not depend on y's scale; the variances are scaled back
    y = y / scale
    exact = _within_residual_ss(y, X, subject_code) <= EXACT_FIT * float(((y - y.mean()) ** 2).sum())
    reml = _Reml(y, X, subject_code)
    lam = np.inf if exact else reml.optimum()
    b, XWX, Q, _ = reml.solve(min(lam, 1e15))
    s2_e = Q / (len(y) - X.shape[1])
    flags, qc = [], []
    rows = []
    if not exact and not np.isfinite(lam):
        raise AnalysisError("mixed model: the REML fit puts all the variance between subjects (no finite "
                            "optimum of the variance ratio); no test can be made")
    if exact:
        flags.append("exact_fit")
        qc.append("exact_fit: the residuals are zero (to rounding): the data fit the model exactly, so no F test "
                  "can be made")
        rows = [{"effect": name, "F": np.nan, "df1": terms[name].stop - terms[name].start, "df2": np.nan,
                 "p": np.nan} for name in TERMS if name in terms]
    else:
        C, dC, A = _covariances(X, subject_code, s2_e, lam)
        for name in TERMS:
            if name not in terms:
                continue
            L = np.eye(X.shape[1])[terms[name]]
            F, df2 = satterthwaite_f(L, b, C, dC, A)
            if not np.isfinite(df2):
                flags.append("df_undefined")
                qc.append(f"df_undefined: Satterthwaite's degrees of freedom for {name} are undefined (the "
                          "variance estimates are too uncertain); no p value")
            p = float(sps.f.sf(F, L.shape[0], df2))
            rows.append({"effect": name, "F": F, "df1": L.shape[0], "df2": df2, "p": p})
    if n_missing:
        qc.append(f"mixed model: {n_missing} missing value(s) left out")
    # exact: no finite variance ratio
    sub, res = (np.nan, 0.0) if exact else (lam * s2_e * scale ** 2, s2_e * scale ** 2)
    variance = pd.DataFrame([{"component": "subject (intercept)", "variance": sub},
                             {"component": "residual", "variance": res}])
    variance["sd"] = np.sqrt(variance["variance"])
    tables = {"effects": pd.DataFrame(rows), "variance": variance}
    return AnovaResult(flags=tuple(dict.fromkeys(flags)), qc=tuple(qc), tables=tables,
                       method="linear mixed model (REML, random intercept per subject; F tests, Satterthwaite df)",
                       ss_type="III", epsilon=float("nan"), n_subjects=n_s, n_times=k)


def _within_residual_ss(y, X, subject_code) -> float:
    """Residual sum of squares of y on X with a fixed effect per subject (both centred within
    subjects): zero when the data fit the model exactly whatever the variances."""
    n = np.bincount(subject_code).astype(float)

    def centred(v):
        return v - (np.bincount(subject_code, weights=v) / n)[subject_code]

    yc = centred(y)
    Xc = np.column_stack([centred(X[:, j]) for j in range(X.shape[1])])
    r = yc - Xc @ np.linalg.lstsq(Xc, yc, rcond=None)[0]
    return float(r @ r)


def _covariances(X, subject_code, s2_e, lam):
    """C = (X'V^-1 X)^-1, its derivatives in (s2_e, s2_u) and A, the inverse REML expected
    information of (s2_e, s2_u)."""
    Z = np.zeros((X.shape[0], subject_code.max() + 1))
    Z[np.arange(X.shape[0]), subject_code] = 1.0
    n_i = Z.sum(axis=0)
    Vi = (np.eye(X.shape[0]) - (Z * (lam / (1.0 + n_i * lam))) @ Z.T) / s2_e  # V_i^-1 = (I - c_i J) / s2_e
    ViX = Vi @ X
    C = np.linalg.inv(X.T @ ViX)
    P = Vi - ViX @ C @ ViX.T
    PZ = P @ Z
    ZPZ = Z.T @ PZ
    info = 0.5 * np.array([[(P * P).sum(), (PZ * PZ).sum()], [(PZ * PZ).sum(), (ZPZ * ZPZ).sum()]])
    ZViX = Z.T @ ViX
    dC = [C @ (ViX.T @ ViX) @ C, C @ (ZViX.T @ ZViX) @ C]
    try:
        return C, dC, np.linalg.inv(info)
    except np.linalg.LinAlgError:
        raise AnalysisError("mixed model: the variance estimates are not identifiable from these data "
                            "(singular REML information); no F test can be made") from None
