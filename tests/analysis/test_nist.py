"""NIST StRD certified values (the header of each .dat file is the independent source)."""
from __future__ import annotations

import math

import pytest

from protocol_kit.analysis import fit_logistic, fit_saturation

from analysis_ref import read_nist, sig_digits_equal

LN10 = math.log(10)


def _rat42_start(b):
    # NIST start (b1, b2, b3) mapped as in the reference README: top = b1, logIC50 = b2/b3, hill = b3/ln10
    return {"top": b[0], "log_ic50": b[1] / b[2], "hill": b[2] / LN10}


@pytest.mark.parametrize("start", ["auto", "nist1", "nist2"])
def test_rat42_as_logistic_with_bottom_fixed_at_zero(start):
    x, y, cert, rss, starts = read_nist("Rat42")
    st = None if start == "auto" else _rat42_start(starts[0] if start == "nist1" else starts[1])
    r = fit_logistic(10.0 ** x, y, fixed={"bottom": 0}, start=st)
    b1, b2, b3 = cert["b1"][0], cert["b2"][0], cert["b3"][0]
    assert sig_digits_equal(r.top, b1)
    assert sig_digits_equal(r.log_ic50, b2 / b3)
    assert sig_digits_equal(r.hill, b3 / LN10)
    assert sig_digits_equal(r.rss, rss)
    # certified standard deviations: SE(top) = sd(b1); SE(hill) = sd(b3) / ln10 (linear map)
    assert sig_digits_equal(r.top_se, cert["b1"][1], 6)
    assert sig_digits_equal(r.hill_se, cert["b3"][1] / LN10, 6)
    assert r.dof == 6 and r.n == 9  # NIST header: 6 degrees of freedom, 9 observations


@pytest.mark.parametrize("start", ["auto", "nist1", "nist2"])
def test_misra1d_as_one_site_hyperbola(start):
    x, y, cert, rss, starts = read_nist("Misra1d")
    # y = b1 b2 x / (1 + b2 x) = Bmax x / (Kd + x) with Bmax = b1, Kd = 1 / b2
    st = None if start == "auto" else dict(zip(("bmax", "kd"), (lambda s: (s[0], 1 / s[1]))(
        starts[0] if start == "nist1" else starts[1])))
    r = fit_saturation(x, y, start=st)
    assert sig_digits_equal(r.bmax, cert["b1"][0])
    assert sig_digits_equal(1 / r.kd, cert["b2"][0])
    assert sig_digits_equal(r.rss, rss)
    assert sig_digits_equal(r.bmax_se, cert["b1"][1])
    # sd(b2) = SE(Kd) / Kd^2 (delta method, exact for the asymptotic covariance of b2 = 1/Kd)
    assert sig_digits_equal(r.kd_se / r.kd**2, cert["b2"][1])
    assert r.dof == 12
