"""Repeated-measures statistics for time courses: treatment x time.

:func:`rm_anova`: two-way repeated-measures (split-plot) ANOVA, one between-subject factor
(treatment) and one within-subject factor (time), complete data. Sums of squares are the
sequential (type I) reductions in residual sum of squares of ordinary least-squares fits by
statsmodels, added in this order: treatment, subject (within treatment), time,
treatment x time. Tests: treatment against subject-within-treatment, time and the interaction
against the residual (time x subject within treatment) (Winer 1971; Maxwell & Delaney 2004,
ch. 12). Sphericity: the Greenhouse-Geisser epsilon (Greenhouse & Geisser 1959; Box 1954),
eps = tr(M)^2 / ((k - 1) tr(M^2)), M = C' S C, with S the pooled within-treatment covariance
matrix of the k time points and C k x (k-1) orthonormal contrasts; the within-subject tests'
degrees of freedom are multiplied by eps (p from scipy's F distribution). statsmodels'
AnovaRM has neither a between-subject factor nor the correction, hence this assembly. With a
single treatment group the same code gives the one-way repeated-measures ANOVA.

:func:`mixed_model`: when time points are missing, a linear mixed model by statsmodels
MixedLM (REML), value ~ treatment * time with sum-to-zero contrasts and a random intercept per
subject, each term tested by a Wald chi-square test (``wald_test_terms``).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps
from scipy.linalg import null_space

from ..errors import AnalysisError
from ..units import fmt_number, format_p
from ._inputs import require_columns
from .assay_results import AssayResult


@dataclass(frozen=True)
class AnovaResult(AssayResult):
    """``to_frame()``: one row per effect (source, df1, df2, F, p; and epsilon, df1_gg,
    df2_gg, p_gg for the within-subject effects; mixed model: chi2, df, p)."""

    method: str
    epsilon: float
    n_subjects: int
    n_times: int

    main_table = "effects"
    headline = ("method", "epsilon", "n_subjects", "n_times", "flags")

    def p(self, effect: str) -> float:
        """The p value of ``effect`` ('treatment', 'time', 'treatment x time'); GG-corrected
        for the within-subject effects of the ANOVA."""
        t = self.tables["effects"].set_index("effect")
        col = "p_gg" if "p_gg" in t.columns and np.isfinite(t.loc[effect, "p_gg"]) else "p"
        return float(t.loc[effect, col])

    def summary(self) -> str:
        parts = []
        for _, r in self.tables["effects"].iterrows():
            if not np.isfinite(r.get("p", np.nan)):
                continue  # error rows
            if "F" in r:
                gg = np.isfinite(r.get("p_gg", np.nan))
                p, d1, d2 = (r["p_gg"], r["df1_gg"], r["df2_gg"]) if gg else (r["p"], r["df1"], r["df2"])
                parts.append(f"{r['effect']} F({fmt_number(d1, 3)}, {fmt_number(d2, 3)}) = {r['F']:.2f}, {_p(p)}")
            else:
                parts.append(f"{r['effect']} chi2({r['df']:.0f}) = {r['chi2']:.2f}, {_p(r['p'])}")
        eps = f" (Greenhouse-Geisser epsilon {self.epsilon:.2f})" if np.isfinite(self.epsilon) else ""
        return f"{self.method}{eps}: " + "; ".join(parts)


def _p(p: float) -> str:
    """'p = 0.031' or 'p < 0.0001' (:func:`protocol_kit.units.format_p`)."""
    text = format_p(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def _check(frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    require_columns(frame, cols, "repeated measures")
    df = frame[cols].copy()
    df.columns = ["y", "s", "t", "g"][:len(cols)]
    return df


def gg_epsilon(wide: np.ndarray, groups: np.ndarray) -> float:
    """Greenhouse-Geisser epsilon from subjects x times data and each subject's group."""
    k = wide.shape[1]
    dev = np.vstack([wide[groups == g] - wide[groups == g].mean(axis=0) for g in np.unique(groups)])
    S = dev.T @ dev / (wide.shape[0] - np.unique(groups).size)
    C = null_space(np.ones((1, k)))  # k x (k-1), orthonormal, orthogonal to the mean
    M = C.T @ S @ C
    return float(np.trace(M) ** 2 / ((k - 1) * np.trace(M @ M)))


def rm_anova(frame: pd.DataFrame, *, value: str, subject: str, time: str, between: str | None = None) -> AnovaResult:
    """Two-way (or, without ``between``, one-way) repeated-measures ANOVA with the
    Greenhouse-Geisser correction; see the module docstring. Every subject needs a value at
    every time (else use :func:`mixed_model`)."""
    import statsmodels.formula.api as smf

    cols = [value, subject, time] + ([between] if between else [])
    df = _check(frame, cols)
    if not between:
        df["g"] = "all"
    df["t"], df["s"], df["g"] = df["t"].astype(str), df["s"].astype(str), df["g"].astype(str)
    wide = df.pivot_table(index="s", columns="t", values="y", aggfunc="count")
    if df["y"].isna().any() or wide.isna().any().any() or (wide != 1).any().any():
        raise AnalysisError("repeated-measures ANOVA: every subject needs exactly one value at every time; "
                            "use the mixed model for missing values")
    n_s, k, n_g = df["s"].nunique(), df["t"].nunique(), df["g"].nunique()
    if k < 2 or n_s - n_g < 1:
        raise AnalysisError(f"repeated-measures ANOVA: {n_s} subject(s) in {n_g} group(s) at {k} time(s); need "
                            "at least 2 times and more subjects than groups")
    formulas = ["y ~ 1", "y ~ C(g)", "y ~ C(s)", "y ~ C(s) + C(t)", "y ~ C(s) + C(t) + C(g):C(t)"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # subject dummies nest the groups: rank-deficient on purpose
        fits = [smf.ols(f, df).fit() for f in formulas]
    rss = [f.ssr for f in fits]
    dfr = [f.df_resid for f in fits]
    ss = {name: rss[i] - rss[i + 1] for i, name in enumerate(["treatment", "subject", "time", "treatment x time"])}
    dof = {name: dfr[i] - dfr[i + 1] for i, name in enumerate(["treatment", "subject", "time", "treatment x time"])}
    ss_err, df_err = rss[-1], dfr[-1]
    w = df.pivot(index="s", columns="t", values="y")
    g_of = df.drop_duplicates("s").set_index("s")["g"].reindex(w.index).to_numpy()
    eps = gg_epsilon(w.to_numpy(float), g_of) if k > 2 else 1.0
    rows = []
    effects = (["treatment"] if n_g > 1 else []) + ["time"] + (["treatment x time"] if n_g > 1 else [])
    for name in effects:
        within = name != "treatment"
        d1 = dof[name]
        d2 = df_err if within else dof["subject"]
        den = (ss_err / df_err) if within else ss["subject"] / dof["subject"]
        F = (ss[name] / d1) / den if den > 0 else np.inf
        row = {"effect": name, "ss": ss[name], "df1": d1, "df2": d2, "F": F, "p": float(sps.f.sf(F, d1, d2))}
        if within:
            row.update(epsilon=eps, df1_gg=eps * d1, df2_gg=eps * d2, p_gg=float(sps.f.sf(F, eps * d1, eps * d2)))
        rows.append(row)
    rows.append({"effect": "error (subjects)" if n_g > 1 else "subjects", "ss": ss["subject"], "df1": dof["subject"]})
    rows.append({"effect": "error (within)", "ss": ss_err, "df1": df_err})
    table = pd.DataFrame(rows)
    method = ("two-way repeated-measures ANOVA (treatment x time)" if n_g > 1 else
              "one-way repeated-measures ANOVA (time)")
    return AnovaResult(flags=(), qc=(), tables={"effects": table}, method=method, epsilon=eps, n_subjects=n_s,
                       n_times=k)


def mixed_model(frame: pd.DataFrame, *, value: str, subject: str, time: str, between: str | None = None) -> AnovaResult:
    """Linear mixed model (statsmodels MixedLM, REML) with a random intercept per subject and
    Wald chi-square tests of treatment, time and their interaction (sum-to-zero contrasts, so
    main effects are averaged over the other factor). Missing values are allowed (left out
    and counted in ``qc``)."""
    import statsmodels.formula.api as smf

    cols = [value, subject, time] + ([between] if between else [])
    df = _check(frame, cols)
    n_missing = int(df["y"].isna().sum())
    df = df.dropna(subset=["y"])
    df["t"], df["s"] = df["t"].astype(str), df["s"].astype(str)
    formula = "y ~ C(g, Sum) * C(t, Sum)" if between else "y ~ C(t, Sum)"
    if between:
        df["g"] = df["g"].astype(str)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = smf.mixedlm(formula, df, groups=df["s"]).fit(reml=True)
        terms = fit.wald_test_terms(scalar=True).summary_frame()
    names = {"C(g, Sum)": "treatment", "C(t, Sum)": "time", "C(g, Sum):C(t, Sum)": "treatment x time"}
    rows = [{"effect": names[k], "chi2": float(r["chi2"]), "df": int(r["df constraint"]), "p": float(r["P>chi2"])}
            for k, r in terms.iterrows() if k in names]
    flags, qc = [], []
    if not fit.converged:
        flags.append("not_converged")
        qc.append("not_converged: the mixed model's REML fit did not converge")
    if n_missing:
        qc.append(f"mixed model: {n_missing} missing value(s) left out")
    return AnovaResult(flags=tuple(flags), qc=tuple(qc), tables={"effects": pd.DataFrame(rows)},
                       method="linear mixed model (random intercept per subject, Wald tests)", epsilon=float("nan"),
                       n_subjects=df["s"].nunique(), n_times=df["t"].nunique())
