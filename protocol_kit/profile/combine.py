"""Combining runs per target, and selectivity ratios.

Per target and assay (binding Ki and the Ki of uptake inhibition are different measures, so
they are never averaged together; the values a run's flags do not exclude, see :mod:`.gather`):

- one run: its Ki and its own 95% CI;
- n >= 2 runs: the geometric mean, 10^(mean of log10 Ki), with the between-run 95% CI
  10^(mean +/- t(0.975, n-1) x s / sqrt(n)), s the SD of the log10 values (independent
  experiments, as Ki values are usually reported: the mean of n experiments).

Selectivity ratio of a target T over the primary target P (SERT), within one assay: ratio =
Ki(T) / Ki(P), a ratio above 1 meaning the compound prefers P. Its 95% CI comes from the two log-Ki CIs,
taken as symmetric on the log scale (they are: Ki's CI is the IC50's, from logIC50 +/- t SE)
and independent: the log10 half-widths add in quadrature, h = sqrt(h_T^2 + h_P^2), and the
CI is ratio / 10^h to ratio x 10^h. (With both CIs from z quantiles this is exact; with t
quantiles it is the usual approximation.) When either CI is missing the interval is stated
as not available, with the reason.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from .gather import Measurement


@dataclass(frozen=True)
class TargetKi:
    """The compound's Ki at one target in one assay: every run listed, the mean over the used
    ones (nM)."""

    target: str
    assay: str
    measurements: tuple[Measurement, ...]
    ki_nM: float | None
    ci_nM: tuple[float, float] | None
    method: str

    @property
    def used(self) -> tuple[Measurement, ...]:
        return tuple(m for m in self.measurements if m.used)

    @property
    def excluded(self) -> tuple[Measurement, ...]:
        return tuple(m for m in self.measurements if not m.used)

    @property
    def log_half_width(self) -> float | None:
        if self.ci_nM is None:
            return None
        return (math.log10(self.ci_nM[1]) - math.log10(self.ci_nM[0])) / 2


def combine(target: str, assay: str, measurements: list[Measurement]) -> TargetKi:
    """The :class:`TargetKi` of ``target`` in ``assay`` (see the module docstring)."""
    used = [m for m in measurements if m.used]
    if not used:
        return TargetKi(target, assay, tuple(measurements), None, None,
                        f"no usable Ki ({len(measurements)} run(s) listed with the reason)")
    if len(used) == 1:
        m = used[0]
        method = f"one run ({m.run_id})" + ("; its 95% CI" if m.ki_ci_nM else "; no CI recorded")
        return TargetKi(target, assay, tuple(measurements), m.ki_nM, m.ki_ci_nM, method)
    logs = [math.log10(m.ki_nM) for m in used]
    n = len(logs)
    mean = sum(logs) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in logs) / (n - 1))
    half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    method = (f"geometric mean of {n} runs; between-run 95% CI (t, {n - 1} df, SD of log10 Ki "
              f"{sd:.3f})")
    return TargetKi(target, assay, tuple(measurements), 10 ** mean, (10 ** (mean - half), 10 ** (mean + half)), method)


@dataclass(frozen=True)
class Ratio:
    """Ki(target) / Ki(primary) in one assay with its 95% CI (None, and ``note`` says why,
    when unavailable)."""

    name: str
    assay: str
    target: str
    primary: str
    ratio: float | None
    ci: tuple[float, float] | None
    note: str

    def to_dict(self) -> dict:
        return {"name": self.name, "assay": self.assay, "target": self.target, "primary": self.primary, "ratio": self.ratio,
                "ci": list(self.ci) if self.ci else None, "note": self.note}


def ratio(other: TargetKi, primary: TargetKi) -> Ratio:
    """Ki(other) / Ki(primary), the CI propagated from the log-Ki CIs (module docstring)."""
    name = f"{other.target}/{primary.target}"
    missing = [t.target for t in (other, primary) if t.ki_nM is None]
    if missing:
        return Ratio(name, other.assay, other.target, primary.target, None, None,
                     f"not available: no usable Ki at {' and '.join(missing)}")
    r = other.ki_nM / primary.ki_nM
    h_o, h_p = other.log_half_width, primary.log_half_width
    if h_o is None or h_p is None:
        lacking = " and ".join(t.target for t, h in ((other, h_o), (primary, h_p)) if h is None)
        return Ratio(name, other.assay, other.target, primary.target, r, None, f"CI not available: no CI of Ki at {lacking}")
    h = math.hypot(h_o, h_p)
    return Ratio(name, other.assay, other.target, primary.target, r, (r / 10 ** h, r * 10 ** h),
                 f"95% CI from the log-Ki CIs (half-widths {h_o:.3f} and {h_p:.3f} log10 in quadrature)")
