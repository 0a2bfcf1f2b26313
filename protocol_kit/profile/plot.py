"""The profile plot: log Ki by target, the compound beside the reference drugs, as SVG.

One panel per target (shared log-scale Ki axis in nM). In each, the compound's rows first
(one per assay measured: binding, uptake):
every run's Ki (open circle if used, cross if left out of the mean) and the mean (filled
diamond) with its 95% CI as error bars; then one row per reference drug: the published range
as a thick grey bar, the reference estimate as a black tick, a lower bound as a dashed line
running off to the right from the bound, a single value as an open square. Black, white and
greys only, told apart by marker and line style, so it reads in black and white.

Deterministic: rendered with matplotlib's SVG backend (no pyplot state), ``svg.hashsalt``
fixed, text kept as text (``svg.fonttype`` none) and no date in the metadata, so the same
profile gives the same bytes.
"""
from __future__ import annotations

import io
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .. import reference
from ..reports.svg import STABLE, STABLE_METADATA
from .fmt import assay_label

if TYPE_CHECKING:
    from .core import CompoundProfile

RC = {"svg.hashsalt": "protocol_kit-profile", **STABLE, "font.size": 8, "axes.linewidth": 0.6}
GREY = "0.6"


def _nm(q) -> float | None:
    return None if q is None else float(q.to("nM").magnitude)


def _limits(prof: CompoundProfile, drugs: list[str]) -> tuple[float, float]:
    """The Ki axis: every plotted value and bound, widened by half a log unit each side."""
    values = [v for m in prof.measurements for v in (m.ki_nM, *(m.ki_ci_nM or ())) if v]
    values += [v for t in prof.targets for v in (t.ki_nM, *(t.ci_nM or ())) if v]
    for t in prof.targets:
        for d in drugs:
            rec = reference.find(d, t.target)
            if rec is not None:
                values += [v for v in (_nm(rec.low), _nm(rec.high), _nm(rec.value)) if v]
    lo, hi = math.log10(min(values)), math.log10(max(values))
    return 10 ** math.floor(lo - 0.5), 10 ** math.ceil(hi + 0.5)


def _reference_row(ax, y: float, rec, right: float) -> None:
    low, high, value, est = _nm(rec.low), _nm(rec.high), _nm(rec.value), _nm(rec.estimate)
    if rec.qualifier == ">" and low is not None:
        ax.plot([low, right], [y, y], color="black", lw=1.2, ls=(0, (3, 2)))
        ax.plot([low], [y], marker="|", color="black", ms=7, mew=1.2)
    elif low is not None and high is not None:
        ax.plot([low, high], [y, y], color=GREY, lw=5, solid_capstyle="butt")
    if value is not None and (low is None or high is None):
        ax.plot([value], [y], marker="s", mfc="white", mec="black", ms=5, ls="none")
    elif est is not None:
        ax.plot([est], [y], marker="|", color="black", ms=9, mew=1.5)


def _measured_row(ax, y: float, target) -> None:
    for m in target.measurements:
        if m.ki_nM is not None:
            ax.plot([m.ki_nM], [y + 0.18], ls="none", ms=4.5, mew=0.9,
                    **({"marker": "o", "mfc": "white", "mec": "black"} if m.used else {"marker": "x", "color": "black"}))
    if target.ki_nM is not None:
        lo, hi = target.ci_nM or (target.ki_nM, target.ki_nM)
        ax.errorbar([target.ki_nM], [y - 0.12], xerr=[[target.ki_nM - lo], [hi - target.ki_nM]], fmt="D",
                    color="black", ms=5, capsize=3, elinewidth=1.2)


def _legend() -> list[Line2D]:
    return [
        Line2D([], [], marker="D", color="black", ls="-", ms=5, label="measured: mean, 95% CI"),
        Line2D([], [], marker="o", mfc="white", mec="black", ls="none", label="measured run (used)"),
        Line2D([], [], marker="x", color="black", ls="none", label="measured run (excluded)"),
        Line2D([], [], color=GREY, lw=5, label="reference range"),
        Line2D([], [], marker="|", color="black", ls="none", ms=9, mew=1.5, label="reference estimate"),
        Line2D([], [], color="black", lw=1.2, ls=(0, (3, 2)), label="reference lower bound (>)"),
        Line2D([], [], marker="s", mfc="white", mec="black", ls="none", label="reference single value"),
    ]


def profile_figure(prof: CompoundProfile, drugs: list[str] | None = None) -> Figure:
    """The matplotlib Figure of the profile (``drugs``: the reference drugs shown, default all)."""
    drugs = list(reference.drugs()) if drugs is None else list(drugs)
    left, right = _limits(prof, drugs)
    assays = list(dict.fromkeys(t.assay for t in prof.targets))
    names = list(dict.fromkeys(t.target for t in prof.targets))
    rows = len(assays) + len(drugs)
    fig = Figure(figsize=(7.0, 0.9 + len(names) * (0.25 * rows + 0.35)))
    axes = fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
    for ax, name in zip(axes, names):
        for y, a in enumerate(assays):
            for t in prof.targets:
                if (t.target, t.assay) == (name, a):
                    _measured_row(ax, y, t)
        for y, d in enumerate(drugs, start=len(assays)):
            rec = reference.find(d, name)
            if rec is not None:
                _reference_row(ax, y, rec, right)
        ax.set_yticks(range(rows), [f"{prof.compound} ({assay_label(a)})" for a in assays] + drugs)
        ax.set_ylim(rows - 0.4, -0.6)
        ax.set_xscale("log")
        ax.set_xlim(left, right)
        ax.grid(axis="x", color="0.85", lw=0.5)
        ax.set_title(name, loc="left", fontsize=9, fontweight="bold")
        ax.axhline(len(assays) - 0.5, color="black", lw=0.4)
    axes[-1].set_xlabel("Ki (nM), log scale")
    fig.legend(handles=_legend(), loc="lower center", ncol=4, frameon=False, fontsize=7)
    fig.subplots_adjust(left=0.25, right=0.97, top=1 - 0.25 / fig.get_figheight(),
                        bottom=0.75 / fig.get_figheight() + 0.02, hspace=0.4)
    return fig


def profile_svg(prof: CompoundProfile, path: str | os.PathLike | None = None, *,
                drugs: list[str] | None = None) -> str:
    """The profile plot as SVG text (written to ``path`` too, if given); same input, same bytes."""
    with matplotlib.rc_context(RC):
        fig = profile_figure(prof, drugs)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata=STABLE_METADATA)
    svg = buf.getvalue()
    if path is not None:
        Path(path).write_text(svg, encoding="utf-8")
    return svg
