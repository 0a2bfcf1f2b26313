"""Radioligand binding fits: Ki from competition (Prism "One site - Fit Ki"), Cheng-Prusoff,
and one-site saturation (total and nonspecific fitted globally)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pint

from ..errors import ParameterError
from ..units import Q_, best_unit, format_molar, parse_quantity, to_molar
from ._inputs import as_concentrations, as_values, check_fixed, resolve_weights, same_length, weight_kind

from .fitting import fit_logistic
from .flags import UNBOUNDED, unbounded_message
from .inputs import cheng_prusoff_factor
from .lsq import evaluate, least_squares_fit, t_interval
from .plausible import FLAG as IMPLAUSIBLE
from .plausible import IC50_RANGE, LIGAND_MAX, TYPICAL_LIGAND, check_pair, is_plain, likely_unit, top_concentration
from .results import FitStats
from .reweight import FITTED, FLAG as NOT_SETTLED, describe, not_settled_message, reweight, weigher


def _positive(value, field, allow_zero=False):
    """A concentration as molar float (floats taken as molar), > 0 (or >= 0)."""
    v = to_molar(value, field=field)
    if v < 0 or (v == 0 and not allow_zero):
        raise ParameterError(field, value, "a concentration > 0" if not allow_zero else "a concentration >= 0")
    return v


def cheng_prusoff(ic50, conc, kd):
    """Ki = IC50 / (1 + [L] / Kd) (Cheng & Prusoff 1973, Biochem Pharmacol 22:3099).

    For uptake inhibition pass the substrate concentration [S] as ``conc`` and its Km as
    ``kd``. Plain floats are taken in one consistent unit (molar) and a float is returned;
    with a quantity or string ("12 nM") for ``ic50`` the Ki is a quantity in IC50's unit.

    A plain number beside values with units is read as molar, so one that cannot be meant
    as molar is refused (:class:`ParameterError` naming the unit it looks like) rather than
    giving a Ki off by 10^6 or 10^9: ``conc`` or ``kd`` of 1 mM or more beside the other with
    a unit or plausible in M (``cheng_prusoff("30 nM", 2, "1 nM")``), and an ``ic50`` above
    1 M or below 1 fM beside ``conc`` and ``kd`` with units.
    """
    check_pair(conc, "conc", kd, "kd")
    _check_ic50(ic50, conc, kd)
    ic = _positive(ic50, "ic50")
    ki = ic / cheng_prusoff_factor(_positive(conc, "conc", allow_zero=True), _positive(kd, "kd"))
    if isinstance(ic50, (pint.Quantity, str)):
        unit = parse_quantity(ic50, "M", field="ic50").units if isinstance(ic50, str) else ic50.units
        return Q_(ki, "M").to(unit) if unit != Q_(1, "M").units else best_unit(Q_(ki, "M"), ["pM", "nM", "uM", "mM", "M"])
    return ki


def _check_ic50(ic50, conc, kd) -> None:
    """A plain IC50 that cannot be molar (above 1 M, below 1 fM) beside [L] and Kd with units."""
    if not is_plain(ic50) or is_plain(conc) or is_plain(kd):
        return
    v = float(ic50)
    if v > IC50_RANGE[1] or 0 < v < IC50_RANGE[0]:
        looks = f"it looks like {likely_unit(v, 1e-7)}" if v > IC50_RANGE[1] else "it looks converted to M twice"
        raise ParameterError("ic50", ic50, "an IC50 with its unit, e.g. '30 nM', or a molar float",
                             reason=f"is read as {v:.3g} M (a plain number is molar) while conc and kd carry "
                                    f"units; {looks}")


@dataclass(frozen=True)
class KiFit(FitStats):
    """Result of :func:`fit_ki` (immutable)."""

    ki: float
    log_ki: float
    log_ki_se: float
    log_ki_ci: tuple[float, float]
    ki_ci: tuple[float, float]
    log_ki_ci_profile: tuple[float, float]
    ki_text: str
    top: float
    bottom: float
    top_se: float
    bottom_se: float
    radioligand_conc: float
    kd: float
    flags: tuple[str, ...]
    excluded: tuple[dict, ...] = ()
    messages: tuple[str, ...] = ()
    weights: str = "none"


def fit_ki(conc, response, *, radioligand_conc, kd, fixed=None, weights=None, outliers=None, sd=None) -> KiFit:
    """Prism's "One site - Fit Ki": the competition curve with Hill slope -1 and
    logIC50 = log10(10^logKi (1 + [L]/Kd)) (Cheng & Prusoff 1973), with logKi fitted directly.

    [L] (``radioligand_conc``) and ``kd`` are constants (molar floats or quantities). As
    logKi = logIC50 - log10(1 + [L]/Kd) shifts logIC50 by a constant, the least-squares problem
    is the one-site logistic's; logKi gets the same SE and its own (shifted) 95% intervals,
    asymptotic and profile. ``fixed`` may hold ``bottom`` and/or ``top``; ``weights``,
    ``outliers`` and ``sd`` as in :func:`fit_logistic`. A Ki outside the tested range
    (IC50 not bracketed) is reported as "> ..." / "< ..." in ``ki_text`` with ``ki`` NaN.
    ``ki_ci`` is the asymptotic interval, or the profile one, open on a side, when that is
    unbounded (flag ``ci_unbounded``, with its sentence in ``messages``; see :func:`fit_logistic`).

    Plain numbers are molar. [L] or Kd of 1 mM or more beside the other with a unit or plausible
    in M is refused (the ratio [L]/Kd would be off by 10^6 or more); both 1 mM or more (one
    consistent non-molar unit) is flagged ``implausible_units``, as are plain tested
    concentrations that cannot be molar (see :func:`fit_logistic`); the sentences are in
    ``messages`` (:mod:`protocol_kit.analysis.plausible`).
    """
    said = check_pair(radioligand_conc, "radioligand_conc", kd, "kd")
    lig = _positive(radioligand_conc, "radioligand_conc", allow_zero=True)
    kdv = _positive(kd, "kd")
    return fit_ki_molar(conc, response, radioligand_conc=lig, kd=kdv, fixed=fixed, weights=weights,
                        outliers=outliers, sd=sd, said=tuple(said))


def fit_ki_molar(conc, response, *, radioligand_conc: float, kd: float, fixed=None, weights=None, outliers=None,
                 sd=None, said: tuple[str, ...] = ()) -> KiFit:
    """:func:`fit_ki` for [L] and Kd that are already checked molar floats (an assay's inputs
    contract, :mod:`.inputs`, validated them once); ``said``: unit sentences to add to ``messages``."""
    lig, kdv = radioligand_conc, kd
    fx = check_fixed(fixed, ("bottom", "top"))
    res = fit_logistic(conc, response, fixed={**fx, "hill": -1.0}, weights=weights, outliers=outliers, sd=sd)
    factor = cheng_prusoff_factor(lig, kdv)
    shift = math.log10(factor)
    log_ki = res.log_ic50 - shift
    ci = tuple(v - shift for v in res.log_ic50_ci)
    prof = tuple(v - shift for v in res.log_ic50_ci_profile)
    incomplete = "incomplete" in res.flags
    said_ci = unbounded_message("logKi", prof, ci) if UNBOUNDED in res.flags else None
    ci_ki = prof if said_ci else ci  # the headline CI: see fit_logistic
    if res.qualifier in (">", "<"):
        bound = res.conc_range[1] if res.qualifier == ">" else res.conc_range[0]
        text = f"{res.qualifier} {format_molar(bound / factor)}"
    elif incomplete:
        text = res.ic50_text
    else:
        text = format_molar(10 ** log_ki)
    return KiFit(
        ki=float("nan") if incomplete else 10 ** log_ki, log_ki=log_ki, log_ki_se=res.log_ic50_se,
        log_ki_ci=ci, ki_ci=(float("nan"),) * 2 if incomplete else (10 ** ci_ki[0], 10 ** ci_ki[1]),
        log_ki_ci_profile=prof, ki_text=text, top=res.top, bottom=res.bottom, top_se=res.top_se,
        bottom_se=res.bottom_se, radioligand_conc=lig, kd=kdv, rss=res.rss, rss_floor=res.rss_floor,
        dof=res.dof, n=res.n,
        n_dropped=res.n_dropped, n_params=res.n_params, converged=res.converged,
        flags=res.flags + ((IMPLAUSIBLE,) if said and IMPLAUSIBLE not in res.flags else ()),
        excluded=res.excluded,
        messages=tuple(m for m in res.messages if not m.startswith(UNBOUNDED)) + ((said_ci,) if said_ci else ())
        + tuple(said), weights=res.weights)


@dataclass(frozen=True)
class SaturationFit(FitStats):
    """Result of :func:`fit_saturation` (immutable); ``ns``/``background`` are NaN in specific mode."""

    bmax: float
    kd: float
    ns: float
    background: float
    bmax_se: float
    kd_se: float
    ns_se: float
    background_se: float
    bmax_ci: tuple[float, float]
    kd_ci: tuple[float, float]
    flags: tuple[str, ...]
    mode: str
    messages: tuple[str, ...] = ()
    weights: str = "none"


SATURATION_PARAMS = ("bmax", "kd", "ns", "background")


def _saturation_model(L, is_total):
    """Stacked model: total = Bmax L/(Kd+L) + NS L + Bg where is_total, NSB = NS L + Bg elsewhere."""
    def model(p):
        bmax, kd, ns, bg = p
        g = L / (kd + L)
        pred = np.where(is_total, bmax * g, 0.0) + ns * L + bg
        J = np.column_stack([np.where(is_total, g, 0.0), np.where(is_total, -bmax * g / (kd + L), 0.0),
                             L, np.ones_like(L)])
        return pred, J
    return model


def _saturation_start(L, y, w, is_total, free):
    """Separable start: on a grid of Kd (1/100 of the lowest to 100 x the highest conc)
    the linear parameters (Bmax, NS, background) are solved exactly; the best Kd wins."""
    pos = L[L > 0]
    best = (np.inf, None)
    sw = np.sqrt(w)
    for kd in np.geomspace(pos.min() / 100, pos.max() * 100, 81):
        cols = [np.where(is_total, L / (kd + L), 0.0), L, np.ones_like(L)]
        A = np.column_stack([c for c, f in zip(cols, free[[0, 2, 3]]) if f])
        coef, *_ = np.linalg.lstsq(A * sw[:, None], y * sw, rcond=None)
        rss = float(np.sum(w * (y - A @ coef) ** 2))
        if rss < best[0]:
            full = np.zeros(3)
            full[free[[0, 2, 3]]] = coef
            best = (rss, np.array([full[0], kd, full[1], full[2]]))
    return best[1]


def fit_saturation(conc, total, nonspecific=None, *, weights=None, start=None) -> SaturationFit:
    """One-site saturation binding.

    With ``nonspecific`` (Prism "One site - Total and nonspecific binding"), both data sets are
    fitted globally with shared NS and Background:
    total = Bmax [L]/(Kd + [L]) + NS [L] + Background,  NSB = NS [L] + Background.
    Without it, ``total`` is specific binding: B = Bmax [L]/(Kd + [L]) (Hill-Langmuir).
    ``conc`` is the free radioligand concentration (molar floats or quantities; any positive
    unit works, Kd comes out in it). NaNs are dropped per point and counted. ``weights`` on the
    stacked responses: None; "1/y2" or "1/y" of the fitted curves (total and NSB), iterated to
    convergence as Prism 5 and later, with RSS, SEs and CIs from the final weights 1/f_i^2
    (:mod:`.reweight`); "1/y2 observed" or "1/y observed" of the observed Y (Prism 4); the
    result's ``weights`` names it. ``start``: dict of starting values (bmax,
    kd, ns, background) for a single local fit instead of the automatic separable Kd grid.
    Kd > highest concentration is flagged ``incomplete`` (saturation not reached).
    Plain floats are read as molar: radioligand concentrations of 1 mM or more (and so a Kd
    there) are flagged ``implausible_units`` with a sentence in ``messages`` naming the unit
    they look like (:mod:`protocol_kit.analysis.plausible`); Kd is in that unit.
    """
    c = as_concentrations(conc)
    plain = is_plain(conc)
    tot = as_values(total, "total")
    same_length(conc=c, total=tot)
    specific = nonspecific is None
    if specific:
        L, y, is_total = c, tot, np.ones(c.size, bool)
    else:
        nsb = as_values(nonspecific, "nonspecific")
        same_length(conc=c, nonspecific=nsb)
        L, y = np.concatenate([c, c]), np.concatenate([tot, nsb])
        is_total = np.repeat([True, False], c.size)
    keep = np.isfinite(L) & np.isfinite(y)
    n_dropped = int((~keep).sum())
    row = np.tile(np.arange(c.size), 1 if specific else 2)[keep]
    L, y, is_total = L[keep], y[keep], is_total[keep]
    free = np.array([True, True, not specific, not specific])
    if y.size < free.sum() or np.unique(L[is_total]).size < 2:
        from ..errors import AnalysisError
        raise AnalysisError(f"total: {y.size} usable points ({np.unique(L[is_total]).size} distinct "
                            f"concentrations) are too few for a saturation fit with {int(free.sum())} parameters")
    kind = weight_kind(weights)
    if kind == "function":
        raise ParameterError("weights", weights, 'None, "1/y2", "1/y", "1/y2 observed", "1/y observed" or an array',
                             reason="a function of the fitted values is taken by fit_logistic, not here")
    w = resolve_weights(weights, y) if weights is not None else np.ones(y.size)
    if start is not None:
        unknown = set(start) - set(SATURATION_PARAMS)
        if unknown:
            raise ParameterError("start", sorted(unknown)[0], ", ".join(SATURATION_PARAMS))
    model = _saturation_model(L, is_total)

    def solve(w):
        p0 = (np.array([float(start.get(k, 0.0)) for k in SATURATION_PARAMS]) if start is not None
              else _saturation_start(L, y, w, is_total, free))
        return least_squares_fit(model, p0, y, w, free)

    rw = None
    if kind in FITTED:
        weigh = weigher(kind, None, row, lambda i: f"{'total' if is_total[i] else 'nonspecific'}[{row[i]}] (conc {L[i]:.4g})")
        rw = reweight(weigh, solve, lambda w, p: least_squares_fit(model, p, y, w, free),
                      lambda w, p, ok: evaluate(model, p, y, w, free, ok), lambda p: model(p)[0], y.size)
        res = rw.res
    else:
        res = solve(w)
    p, se = res.params, res.se
    flags = [NOT_SETTLED] if rw is not None and not rw.converged else []
    if p[1] > L.max():
        flags.append("incomplete")
    if not res.converged:
        flags.append("not_converged")
    if np.unique(L[is_total]).size < free.sum() + 2 or res.dof < 2:
        flags.append("few_points")
    said = _saturation_units(top_concentration(L), float(p[1])) if plain else None
    if said:
        flags.append(IMPLAUSIBLE)
    messages = ((said,) if said else ()) + ((not_settled_message(kind, rw.rounds),) if NOT_SETTLED in flags else ())
    nan = float("nan")
    return SaturationFit(
        bmax=float(p[0]), kd=float(p[1]), ns=float(p[2]) if not specific else nan,
        background=float(p[3]) if not specific else nan, bmax_se=float(se[0]), kd_se=float(se[1]),
        ns_se=float(se[2]), background_se=float(se[3]), bmax_ci=t_interval(p[0], se[0], res.dof),
        kd_ci=t_interval(p[1], se[1], res.dof), rss=res.rss, rss_floor=res.rss_floor, dof=res.dof, n=int(y.size),
        n_dropped=n_dropped,
        n_params=res.n_free, converged=res.converged, flags=tuple(flags),
        mode="specific" if specific else "total+nonspecific", messages=messages,
        weights=describe(kind, rw and rw.rounds))


def _saturation_units(top: float, kd: float) -> str | None:
    """The ``implausible_units`` sentence for plain radioligand concentrations or a fitted Kd
    of 1 mM or more (read as molar), else None."""
    found = [f"radioligand concentrations up to {top:.3g} M"] if top >= LIGAND_MAX else []
    # a Kd above the top is an extrapolation (flagged incomplete), not a unit
    found += [f"Kd {kd:.3g} M"] if found and math.isfinite(kd) and LIGAND_MAX <= kd <= top else []
    if not found:
        return None
    u = likely_unit(top, TYPICAL_LIGAND * 10)
    return (f"{IMPLAUSIBLE}: {' and '.join(found)} (1 mM or more, which no radioligand is used at): the "
            f"concentrations look like {u}, not M, and Kd is in their unit: pass them in M or as '1 {u}'")
