"""The two implementations of the batched fast path: numba-compiled kernels and numpy.

fit_logistic_many runs its Levenberg-Marquardt iteration compiled (protocol_kit.analysis.
_vp_numba) when numba is installed, else in numpy (engine.vp_levenberg_marquardt): two
independent codings of one algorithm, which must give the same fits. They sum in a different
order, so the RSS of one optimum differs by rounding (~1e-13 relative on the robustness sets);
1e-9 allows for that and for the step tolerance of the iteration (1e-9 of each parameter's
scale, whose effect on the RSS is of second order), while any different optimum shows.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import protocol_kit.analysis as analysis
from protocol_kit.analysis import engine, fit_logistic_many

DATA = Path(__file__).parent / "data"
SAME_RSS = 1e-9


@pytest.fixture(scope="module")
def points():
    return pd.read_csv(DATA / "robustness_points.csv")


def test_numpy_and_compiled_kernels_give_the_same_fits(points):
    pytest.importorskip("numba")
    with engine.lm_kernels(compiled=True):
        compiled = fit_logistic_many(points, by="curve")
    with engine.lm_kernels(compiled=False):
        plain = fit_logistic_many(points, by="curve")
    assert len(compiled) == len(plain) == points.curve.nunique() == 600
    rel = np.abs(compiled.rss - plain.rss) / compiled.rss
    assert rel.max() <= SAME_RSS, f"curves {list(compiled.curve[rel > SAME_RSS])}"
    differ = compiled["flags"].map(sorted) != plain["flags"].map(sorted)
    assert not differ.any(), pd.concat([compiled[differ], plain[differ]])
    assert (compiled.converged == plain.converged).all()
    # curve 482 (a step between two concentrations, its fit's RSS equal to the step limit's to
    # 2 ulp) was reported at logIC50 -7.66 by one and -7.72 by the other
    row = compiled.curve == 482
    assert compiled.log_ic50[row].item() == pytest.approx(plain.log_ic50[row].item(), abs=1e-6)


def test_the_switch_is_restored_after_the_block():
    before = engine._numba_kernels()
    with engine.lm_kernels(compiled=False):
        assert engine._numba_kernels() is None
    assert engine._numba_kernels() is before


def test_the_environment_variable_selects_numpy(monkeypatch):
    monkeypatch.setattr(engine, "_KERNELS", [])  # as in a new process
    monkeypatch.setenv("PROTOCOL_KIT_NUMBA", "0")
    assert engine._numba_kernels() is None


def test_without_numba_the_numpy_path_fits(monkeypatch, points):
    """numba is optional: with it not importable the fits come from numpy and reach the
    independently computed best-known optima (robustness_optima.csv, scipy from 20 starts)."""
    monkeypatch.setitem(sys.modules, "numba", None)  # import numba raises ImportError
    monkeypatch.delitem(sys.modules, "protocol_kit.analysis._vp_numba", raising=False)
    monkeypatch.delattr(analysis, "_vp_numba", raising=False)
    monkeypatch.setattr(engine, "_KERNELS", [])
    optima = pd.read_csv(DATA / "robustness_optima.csv").set_index("curve")
    inside = optima.index[optima.set == "inside"]
    fits = fit_logistic_many(points[points.curve.isin(inside)], by="curve").set_index("curve")
    assert engine._numba_kernels() is None
    with pytest.raises(ImportError):
        with engine.lm_kernels(compiled=True):
            pass
    reached = fits.rss <= optima.loc[inside, "best_rss"] * (1 + 1e-6)
    assert reached.mean() >= 0.99, list(inside[~reached])  # the requirement of test_robustness.py
