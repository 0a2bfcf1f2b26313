"""ROUT (Motulsky & Brown 2006)."""
from __future__ import annotations

import numpy as np
import pytest

from protocol_kit.analysis import fit_logistic
from protocol_kit.analysis.outliers import robust_sd, rout_flags

CONC = np.repeat(10.0 ** np.arange(-10, -4.9, 0.5), 2)


def _y(seed):
    return 100 / (1 + CONC / 1e-7) + np.random.default_rng(seed).normal(0, 3, CONC.size)


def test_gross_outlier_removed_listed_and_flagged():
    y = _y(1)
    y[7] += 60.0  # 20 SD
    r = fit_logistic(CONC, y, outliers="rout")
    assert [e["index"] for e in r.excluded] == [7]
    assert r.excluded[0]["conc"] == CONC[7] and r.excluded[0]["response"] == y[7]
    assert "outlier" in r.flags and r.n == CONC.size - 1
    plain = fit_logistic(np.delete(CONC, 7), np.delete(y, 7))
    assert r.log_ic50 == pytest.approx(plain.log_ic50, abs=1e-9)  # final fit = least squares without it


def test_clean_data_keeps_every_point():
    r = fit_logistic(CONC, _y(2), outliers=0.01)
    assert r.excluded == () and "outlier" not in r.flags


def test_robust_sd_and_fdr_by_hand():
    # |r| = 1..10: 68.27th percentile (numpy linear) = 1 + 0.6827 * 9 = 7.1443; x 10/(10-2)
    r = np.arange(1.0, 11.0)
    assert robust_sd(r, 2) == pytest.approx(7.1443 * 10 / 8)
    # one residual of 100 SD among small ones: its P is ~0, below Q * 1/n; the others are not
    res = np.r_[np.linspace(-1, 1, 19), 100.0]
    out = rout_flags(res, 1.0, 2, 0.01)
    assert out.tolist() == [False] * 19 + [True]
