"""The figures of a report, as inline SVG (see :mod:`.svg` for why the bytes are stable).

Each function takes plain numbers (arrays, floats, text), never a result object: results
know nothing of plots, and a report draws from the numbers recorded in the run. Everything
is black and grey; series differ by marker and line style, so a black-and-white print reads
the same. Concentrations are molar.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

import numpy as np

from .numbers import molar, num
from .svg import draw

WIDTH = 6.6  # inches: the text width of A4 and Letter with the reports' margins, and a little to spare
SERIES = (("o", "-", "white"), ("s", "--", "black"), ("^", ":", "white"), ("D", "-.", "black"),
          ("v", (0, (5, 1, 1, 1)), "white"))


def _control_position(conc: np.ndarray) -> tuple[float, float, float]:
    """(x for the control points, lowest and highest log concentration): the controls
    (concentration 0) sit one and a half spacings below the lowest concentration."""
    logs = np.unique(np.log10(conc[conc > 0]))
    step = float(np.median(np.diff(logs))) if logs.size > 1 else 1.0
    return float(logs[0] - 1.5 * step), float(logs[0]), float(logs[-1])


def decade_label(exponent: int) -> str:
    """10^exponent M as '1 pM', '10 nM', '100 µM' ..."""
    units = ((-12, "pM"), (-9, "nM"), (-6, "µM"), (-3, "mM"), (0, "M"))
    base, unit = max((u for u in units if u[0] <= exponent), default=units[0])
    return f"{num(10.0 ** (exponent - base))} {unit}"


def _molar_ticks(ax, lo: float, hi: float, control_x: float, control_label: str) -> None:
    decades = list(range(math.ceil(lo - 0.3), math.floor(hi + 0.3) + 1))
    ax.set_xticks([control_x, *decades], [control_label, *(decade_label(d) for d in decades)])


def inhibition_curve(conc: Sequence[float], y: Sequence[float], *, fit: dict, ic50: float, ic50_text: str,
                     y_label: str, control_label: str, key: str, title: str,
                     transform: Callable[[np.ndarray], np.ndarray] | None = None) -> str:
    """Points (one per well; controls at concentration 0 drawn left of the series), the fitted
    variable-slope curve, the IC50 marked, and the residuals below. ``fit``: bottom, top,
    log_ic50, hill of the fitted curve (on the scale of ``y`` before ``transform``);
    ``transform`` maps that scale to the one shown (uptake: % of control -> % inhibition)."""
    from ..analysis.curves import logistic  # here: importing protocol_kit.analysis costs ~0.7 s

    conc, y = np.asarray(conc, float), np.asarray(y, float)
    shown = transform or (lambda v: v)
    cx, lo, hi = _control_position(conc)
    x = np.where(conc > 0, np.log10(np.where(conc > 0, conc, 1.0)), cx)
    params = (fit["bottom"], fit["top"], fit["log_ic50"], fit["hill"])
    model = np.where(conc > 0, logistic(x, *params), params[1])
    grid = np.linspace(lo - 0.4, hi + 0.4, 300)

    def paint(fig):
        ax, res = fig.subplots(2, 1, sharex=True, height_ratios=(3, 1))
        ax.plot(x, shown(y), "o", mfc="white", mec="black", mew=0.9, label=f"wells (n = {len(y)})")
        ax.plot(grid, shown(logistic(grid, *params)), "-", color="black", label="fit, variable slope")
        if math.isfinite(ic50) and ic50 > 0:
            xi = math.log10(ic50)
            yi = float(shown(logistic(np.array([xi]), *params))[0])
            ax.plot([xi, xi], [ax.get_ylim()[0], yi], ":", color="black", lw=1.0)
            ax.plot([xi], [yi], "D", color="black", ms=5, label=f"IC50 {ic50_text}")
            # the label goes where the curve is not: above right of a falling curve, below right
            # of a rising one, on a white box drawn over any point that still falls there
            ends = shown(logistic(np.array([lo, hi]), *params))
            falling = float(ends[1]) < float(ends[0])
            ax.annotate(f"IC50 {ic50_text}", (xi, yi), xytext=(10, 10 if falling else -10),
                        textcoords="offset points", va="bottom" if falling else "top", zorder=5,
                        bbox={"boxstyle": "square,pad=0.15", "fc": "white", "ec": "none"})
        else:
            ax.text(0.98, 0.5, f"IC50 {ic50_text}", transform=ax.transAxes, ha="right")
        ax.axvline((cx + lo) / 2, color="black", lw=0.6, ls=(0, (2, 2)))
        ax.set_ylabel(y_label)
        ax.legend(loc="best")
        res.axhline(0, color="black", lw=0.8)
        res.plot(x, shown(y) - shown(model), "o", mfc="white", mec="black", mew=0.9, ms=3.5)
        res.axvline((cx + lo) / 2, color="black", lw=0.6, ls=(0, (2, 2)))
        unit = re.search(r"\(([^()]*)\)$", y_label)
        res.set_ylabel(f"residual ({unit.group(1)})" if unit else "residual")
        res.set_xlabel("concentration (log scale)")
        _molar_ticks(res, lo, hi, cx, control_label)

    return draw(WIDTH, 4.2, key, title, paint)


def saturation_curve(total: tuple[Sequence[float], Sequence[float]], nsb: tuple[Sequence[float], Sequence[float]],
                     specific: tuple[Sequence[float], Sequence[float]], *, bmax: float, kd_nM: float,
                     ns_per_nM: float, background: float, key: str, title: str) -> str:
    """Total and nonspecific binding (one point per well) and specific binding (mean per
    concentration), each as (free radioligand nM, bound), with the global fit, Bmax and Kd."""
    top = max(max(total[0], default=0), max(nsb[0], default=0), max(specific[0], default=0))
    grid = np.linspace(0, float(top) * 1.05, 300)

    def paint(fig):
        ax = fig.subplots()
        sp = bmax * grid / (kd_nM + grid)
        ax.plot(grid, sp + ns_per_nM * grid + background, "-", color="black", label="total, fit")
        ax.plot(grid, ns_per_nM * grid + background, "--", color="black", label="nonspecific, fit")
        ax.plot(grid, sp, ":", color="black", lw=1.5, label="specific, fit")
        ax.plot(*total, "o", color="black", ms=4, label="total (wells)")
        ax.plot(*nsb, "s", mfc="white", mec="black", ms=4, label="nonspecific (wells)")
        ax.plot(*specific, "^", mfc="white", mec="black", ms=5, label="specific (mean)")
        ax.axhline(bmax, color="black", lw=0.6, ls=(0, (6, 3)))
        ax.annotate(f"Bmax {bmax:.0f}", (grid[-1], bmax), xytext=(-4, 3), textcoords="offset points", ha="right")
        ax.plot([kd_nM, kd_nM], [0, bmax / 2], ":", color="black", lw=0.8)
        ax.annotate(f"Kd {molar(kd_nM * 1e-9)}", (kd_nM, bmax / 2), xytext=(4, -10), textcoords="offset points")
        ax.set_xlabel("free radioligand (nM)")
        ax.set_ylabel("bound (fmol/mg protein)")
        ax.set_xlim(0, grid[-1])
        ax.set_ylim(0, None)
        ax.legend(loc="upper left", ncols=2)

    return draw(WIDTH, 3.6, key, title, paint)


def plate_heatmap(rows: Sequence[str], columns: Sequence[int], wells: dict[str, tuple[float, str]], *,
                  unit: str, key: str, title: str, digits: int = 4) -> str:
    """A plate as a grey heat map with each well's value (and its group code) written in it:
    ``wells`` maps 'A1' -> (value, code); wells without a value are left white with a dot."""
    n_r, n_c = len(rows), len(columns)
    grid = np.full((n_r, n_c), np.nan)
    for i, r in enumerate(rows):
        for j, c in enumerate(columns):
            if f"{r}{c}" in wells:
                grid[i, j] = wells[f"{r}{c}"][0]
    lo, hi = np.nanmin(grid), np.nanmax(grid)
    span = hi - lo if hi > lo else 1.0
    small = n_c > 12
    size = 4.0 if small else 6.0

    def paint(fig):
        ax = fig.subplots()
        img = ax.imshow(grid, cmap="Greys", vmin=lo - 0.05 * span, vmax=hi, aspect="auto")
        for i, r in enumerate(rows):
            for j, c in enumerate(columns):
                well = f"{r}{c}"
                if well not in wells or not math.isfinite(wells[well][0]):
                    ax.text(j, i, "·", ha="center", va="center", fontsize=size, color="black")
                    continue
                value, code = wells[well]
                ink = "white" if (value - lo) / span > 0.55 else "black"
                text = num(value, digits)
                label = text if small else f"{code}\n{text}"
                ax.text(j, i, label, ha="center", va="center", fontsize=size, color=ink, linespacing=1.1)
        ax.set_xticks(range(n_c), [str(c) for c in columns])
        ax.set_yticks(range(n_r), list(rows))
        ax.tick_params(length=0, labelsize=size + 1)
        ax.xaxis.tick_top()
        for spine in ax.spines.values():
            spine.set_visible(True)
        ax.set_xticks(np.arange(-0.5, n_c), minor=True)
        ax.set_yticks(np.arange(-0.5, n_r), minor=True)
        ax.grid(which="minor", color="#888888", lw=0.4)
        ax.tick_params(which="minor", length=0)
        bar = fig.colorbar(img, ax=ax, shrink=0.85, pad=0.01)
        bar.set_label(unit)

    return draw(WIDTH, 4.0 if not small else 4.6, key, title, paint)


def timecourse(groups: Sequence[tuple[str, Sequence[float], Sequence[float], Sequence[float]]], *,
               dose_label: str, y_label: str, key: str, title: str) -> str:
    """Mean +/- SEM of % baseline against time from the dose, one series per group (each with
    its own marker, fill and line style), the dose marked at t = 0 and 100% drawn dotted.
    ``groups``: (label, times in min, means, SEMs)."""

    def paint(fig):
        ax = fig.subplots()
        ax.axhline(100, color="black", lw=0.6, ls=":")
        for k, (label, t, mean, sem) in enumerate(groups):
            marker, style, face = SERIES[k % len(SERIES)]
            ax.errorbar(t, mean, yerr=sem, marker=marker, ls=style, color="black", mfc=face, mec="black",
                        ecolor="black", elinewidth=0.8, capsize=2.5, label=label)
        ax.axvline(0, color="black", lw=1.0, ls=(0, (4, 2)))
        ax.annotate(f"dose: {dose_label}", (0, 0.98), xycoords=("data", "axes fraction"), xytext=(-3, 0),
                    textcoords="offset points", rotation=90, ha="right", va="top")
        ax.set_xlabel("time from the dose (min, fraction midpoint)")
        ax.set_ylabel(y_label)
        fig.legend(loc="outside upper center", ncols=min(len(groups), 3))

    return draw(WIDTH, 3.4, key, title, paint)


def standard_curve(conc: Sequence[float], area: Sequence[float], *, slope: float, intercept: float, lod: float,
                   loq: float, unit: str, key: str, title: str, area_unit: str = "detector units") -> str:
    """The HPLC standards (peak area against nominal concentration) with the fitted line: the
    whole range on the left, the low end on the right (0 to twice the LOQ, or to the lowest
    standard above it) where the LOD (dotted) and LOQ (dashed) are drawn and named at the line,
    apart from each other and clear of the legend, which sits in the empty lower right."""
    conc, area = np.asarray(conc, float), np.asarray(area, float)
    grid = np.linspace(0, float(conc.max()) * 1.05, 50)
    above = conc[conc > loq]
    zoom = max(2.0 * loq, float(above.min()) * 1.15 if above.size else 0.0)

    def paint(fig):
        ax, low = fig.subplots(1, 2, width_ratios=(3, 2))
        for a in (ax, low):
            a.plot(conc, area, "o", mfc="white", mec="black", label=f"standards (n = {len(conc)})")
            a.plot(grid, intercept + slope * grid, "-", color="black", lw=0.9, label="fit")
            a.set_xlabel(f"concentration ({unit})")
        ax.set_ylabel(f"peak area ({area_unit})")
        ax.legend(loc="lower right")
        shown = conc <= zoom
        top = max(float(area[shown].max()) if shown.any() else 0.0, intercept + slope * zoom)
        bottom = min(float(area[shown].min()) if shown.any() else 0.0, intercept, 0.0)
        low.set_xlim(0, zoom)
        low.set_ylim(bottom - 0.05 * (top - bottom), top + 0.2 * (top - bottom))
        for value, name, style, y in ((lod, "LOD", ":", 0.99), (loq, "LOQ", "--", 0.88)):
            low.axvline(value, color="black", lw=1.0, ls=style)
            low.annotate(f"{name} {value:.3g} {unit}", (value, y), xycoords=("data", "axes fraction"),
                         xytext=(3, 0), textcoords="offset points", ha="left", va="top", fontsize=7.5,
                         bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none"})
        low.set_title("low end", fontsize=8)

    return draw(WIDTH, 2.8, key, title, paint)
