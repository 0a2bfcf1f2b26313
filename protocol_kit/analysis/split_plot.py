"""Two-way repeated-measures (split-plot) ANOVA in closed form: one between-subject factor
(treatment), one within-subject factor (time), every subject measured at every time.

With Y the subjects x times table, m_i subject i's mean, g(i) its group of n_g subjects
(N in all, G groups, k times), D = Y - m (each row centred) and bars group or overall means:

    treatment          k sum_g n_g (mean_g m - mean m)^2               G - 1
    subjects (error)   k sum_i (m_i - mean_g(i) m)^2                   N - G
    time, type I       N sum_t Dbar_t^2                                k - 1
    time, type III     sum_t u_t^2 / c,  u = mean over g of Dbar_g,    k - 1
                       c = sum_g (1 / n_g) / G^2
    treatment x time   sum_g n_g sum_t (Dbar_gt - Dbar_t)^2            (G - 1)(k - 1)
    within (error)     sum_i sum_t (D_it - Dbar_g(i)t)^2               (N - G)(k - 1)

(Winer 1971; Maxwell & Delaney 2004, ch. 12 and 14). Type I time is the time effect on the
means weighted by group size (R's aov); type III (the default, as Prism and afex) tests the
unweighted mean of the groups' profiles; they are equal when the groups are. The treatment and
interaction sums are the same in both. Treatment is tested against subjects, time and the
interaction against the within error. No least-squares solver is involved, so the numbers do
not depend on the linear-algebra library's handling of a rank-deficient fit.

Sphericity: the Greenhouse-Geisser epsilon (Greenhouse & Geisser 1959; Box 1954),
eps = tr(M)^2 / ((k - 1) tr(M^2)), M = C' S C, with S the pooled within-group covariance of the
k times and C the k x (k - 1) orthonormal Helmert contrasts; the within-subject tests are given
both uncorrected and with both degrees of freedom multiplied by eps.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from ..errors import AnalysisError
from ._inputs import require_columns
from .anova_result import AnovaResult, ss_type_name

# a within-error sum of squares this small relative to the total is rounding: the fit is exact
EXACT_FIT = (64 * np.finfo(float).eps) ** 2


def helmert(k: int) -> np.ndarray:
    """k x (k - 1) orthonormal contrasts: column j is (1, ..., 1, -j, 0, ...) / sqrt(j (j + 1))."""
    C = np.zeros((k, k - 1))
    for j in range(1, k):
        C[:j, j - 1] = 1.0
        C[j, j - 1] = -j
        C[:, j - 1] /= np.sqrt(j * (j + 1.0))
    return C


def gg_epsilon(wide: np.ndarray, groups: np.ndarray) -> float:
    """Greenhouse-Geisser epsilon from subjects x times data and each subject's group."""
    wide, groups = np.asarray(wide, float), np.asarray(groups)
    scale = np.sqrt(np.mean((wide - wide.mean()) ** 2))
    wide = wide / scale if scale > 0 else wide  # epsilon does not depend on the scale; M must not overflow
    k = wide.shape[1]
    labels = np.unique(groups)
    dev = np.vstack([wide[groups == g] - wide[groups == g].mean(axis=0) for g in labels])
    S = dev.T @ dev / (wide.shape[0] - labels.size)
    C = helmert(k)
    M = C.T @ S @ C
    denominator = (k - 1) * np.trace(M @ M)
    return float(np.trace(M) ** 2 / denominator) if denominator > 0 else float("nan")  # constant data


def subjects_by_time(frame: pd.DataFrame, value: str, subject: str, time: str, between: str | None,
                     what: str) -> pd.DataFrame:
    """The long frame as columns y, s, t, g (strings for s, t, g); each subject in one group."""
    cols = [value, subject, time] + ([between] if between else [])
    require_columns(frame, cols, what)
    for name in cols[1:]:
        gap = frame[name].isna()
        if gap.any():
            raise AnalysisError(f"{what}: column {name!r} has no value in {int(gap.sum())} row(s) (first: row "
                                f"{frame.index[gap.to_numpy()][0]!r}); every value needs its {name}")
    df = frame[cols].copy()
    df.columns = ["y", "s", "t", "g"][:len(cols)]
    if not between:
        df["g"] = "all"
    df["t"], df["s"], df["g"] = df["t"].astype(str), df["s"].astype(str), df["g"].astype(str)
    n_groups = df.groupby("s")["g"].nunique()
    if (n_groups > 1).any():
        raise AnalysisError(f"{what}: subject {n_groups[n_groups > 1].index[0]!r} is in more than one "
                            f"{between} group; each subject belongs to one group")
    return df


def rm_anova(frame: pd.DataFrame, *, value: str, subject: str, time: str, between: str | None = None,
             ss_type="III") -> AnovaResult:
    """Two-way (or, without ``between``, one-way) repeated-measures ANOVA with the
    Greenhouse-Geisser correction; see the module docstring. Every subject needs exactly one
    value at every time (else use :func:`protocol_kit.analysis.mixed_model`). ``ss_type``:
    'III' (default) or 'I'."""
    kind = ss_type_name(ss_type)
    df = subjects_by_time(frame, value, subject, time, between, "repeated-measures ANOVA")
    counts = df.pivot_table(index="s", columns="t", values="y", aggfunc="count")
    if df["y"].isna().any() or counts.isna().any().any() or (counts != 1).any().any():
        raise AnalysisError("repeated-measures ANOVA: every subject needs exactly one value at every time; "
                            "use the mixed model for missing values")
    n, k, G = df["s"].nunique(), df["t"].nunique(), df["g"].nunique()
    if k < 2 or n - G < 1:
        raise AnalysisError(f"repeated-measures ANOVA: {n} subject(s) in {G} group(s) at {k} time(s); need "
                            "at least 2 times and more subjects than groups")
    wide = df.pivot(index="s", columns="t", values="y")
    Y = wide.to_numpy(float)
    group_of = df.drop_duplicates("s").set_index("s")["g"].reindex(wide.index).to_numpy()
    ss, dof = sums_of_squares(Y, group_of, kind)
    eps = gg_epsilon(Y, group_of) if k > 2 else 1.0
    flags, qc = [], []
    total = float(((Y - Y.mean()) ** 2).sum())
    exact = {err: ss[err] <= EXACT_FIT * total for err in ("error (within)", "error (subjects)")}
    if exact["error (within)"]:
        flags.append("exact_fit")
        qc.append("exact_fit: the within-subject residuals are zero (to rounding): the data fit the model "
                  "exactly, so time and treatment x time cannot be tested")
    if exact["error (subjects)"] and G > 1:
        flags.append("exact_fit")
        qc.append("exact_fit: the subjects of each group have the same mean (to rounding), so treatment cannot "
                  "be tested")
    effects = (["treatment"] if G > 1 else []) + ["time"] + (["treatment x time"] if G > 1 else [])
    error_between = "error (subjects)" if G > 1 else "subjects"
    rows = []
    for name in effects:
        within = name != "treatment"
        err = "error (within)" if within else "error (subjects)"
        d1, d2 = dof[name], dof[err]
        F = np.nan if exact[err] else (ss[name] / d1) / (ss[err] / d2)
        row = {"effect": name, "ss": ss[name], "df1": d1, "df2": d2, "F": F, "p": float(sps.f.sf(F, d1, d2))}
        if within:
            row.update(epsilon=eps, df1_gg=eps * d1, df2_gg=eps * d2, p_gg=float(sps.f.sf(F, eps * d1, eps * d2)))
        rows.append(row)
    rows.append({"effect": error_between, "ss": ss["error (subjects)"], "df1": dof["error (subjects)"]})
    rows.append({"effect": "error (within)", "ss": ss["error (within)"], "df1": dof["error (within)"]})
    method = ("two-way repeated-measures ANOVA (treatment x time)" if G > 1 else
              "one-way repeated-measures ANOVA (time)")
    return AnovaResult(flags=tuple(dict.fromkeys(flags)), qc=tuple(qc), tables={"effects": pd.DataFrame(rows)},
                       method=method, ss_type=kind, epsilon=eps, n_subjects=n, n_times=k)


def sums_of_squares(Y: np.ndarray, group_of: np.ndarray, ss_type: str = "III") -> tuple[dict, dict]:
    """The split-plot sums of squares and their degrees of freedom (module docstring) from a
    complete subjects x times array and each subject's group."""
    n, k = Y.shape
    labels, code = np.unique(group_of, return_inverse=True)
    G = labels.size
    n_g = np.bincount(code, minlength=G).astype(float)
    m = Y.mean(axis=1)
    m_g = np.bincount(code, weights=m, minlength=G) / n_g
    D = Y - m[:, None]
    D_g = np.vstack([D[code == j].mean(axis=0) for j in range(G)])
    D_bar = D.mean(axis=0)
    if ss_type == "III":
        u = D_g.mean(axis=0)
        time = float((u ** 2).sum() / ((1.0 / n_g).sum() / G ** 2))
    else:
        time = float(n * (D_bar ** 2).sum())
    ss = {"treatment": float(k * (n_g * (m_g - m.mean()) ** 2).sum()),
          "error (subjects)": float(k * ((m - m_g[code]) ** 2).sum()),
          "time": time,
          "treatment x time": float((n_g[:, None] * (D_g - D_bar) ** 2).sum()),
          "error (within)": float(((D - D_g[code]) ** 2).sum())}
    dof = {"treatment": G - 1, "error (subjects)": n - G, "time": k - 1, "treatment x time": (G - 1) * (k - 1),
           "error (within)": (n - G) * (k - 1)}
    return ss, dof
