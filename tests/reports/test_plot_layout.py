"""Labels are not covered: the IC50 label clear of every well point, the LOD and LOQ labels
clear of each other and of the legend (measured on the drawn figure, in display pixels)."""
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from protocol_kit.analysis.curves import logistic
from protocol_kit.reports import plots


@pytest.fixture
def drawn(monkeypatch):
    """The figures plots.* paint, kept instead of turned into SVG."""
    figs = []

    def draw(width, height, key, title, paint):
        fig = Figure(figsize=(width, height), dpi=100)
        FigureCanvasAgg(fig)
        paint(fig)
        fig.canvas.draw()
        figs.append(fig)
        return ""

    monkeypatch.setattr(plots, "draw", draw)
    return figs


def _text(ax, start):
    return next(t for t in ax.texts if t.get_text().startswith(start))


@pytest.mark.parametrize("hill, transform", [(-1.0, None), (-1.0, lambda v: 100 - v)])   # falling; rising (uptake)
def test_the_ic50_label_covers_no_well(drawn, hill, transform):
    conc = np.repeat(10.0 ** np.arange(-11, -5.5, 0.5), 3)
    fit = {"bottom": 0.0, "top": 100.0, "log_ic50": -9.5, "hill": hill}
    y = logistic(np.log10(conc), *fit.values())
    y[conc == 10.0 ** -9.0] += 8            # points just right of the IC50, where the label used to sit
    plots.inhibition_curve(conc, y, fit=fit, ic50=10 ** -9.5, ic50_text="316 pM", y_label="inhibition (%)",
                           control_label="vehicle", key="t", title="t", transform=transform)
    ax = drawn[0].axes[0]
    box = _text(ax, "IC50").get_window_extent()
    points = ax.lines[0].get_xydata()
    pixels = ax.transData.transform(points)
    assert not any(box.x0 - 3 <= px <= box.x1 + 3 and box.y0 - 3 <= py <= box.y1 + 3 for px, py in pixels)
    assert drawn[0].axes[1].get_ylabel() == "residual (%)"


def test_lod_and_loq_are_apart_and_clear_of_the_legend(drawn):
    conc = np.array([0.05, 0.05, 0.1, 0.1, 0.25, 0.5, 1, 2.5, 5])
    plots.standard_curve(conc, 5 + 1000 * conc, slope=1000, intercept=5, lod=0.0198, loq=0.0601, unit="nM",
                         key="s", title="s")
    full, low = drawn[0].axes
    lod, loq = _text(low, "LOD").get_window_extent(), _text(low, "LOQ").get_window_extent()
    assert not lod.overlaps(loq)
    x_lod, x_loq = low.transData.transform([(0.0198, 0), (0.0601, 0)])[:, 0]
    assert x_loq - x_lod > 20                      # the lines themselves at least 20 px apart
    assert full.get_legend() is not None and not low.get_legend()
    assert full.get_ylabel().startswith("peak area (")
