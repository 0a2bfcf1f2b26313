"""The assay helpers of protocol_kit.analysis against values worked out by hand."""
import math

import numpy as np
import pandas as pd
import pytest

from protocol_kit import AnalysisError, ParameterError
from protocol_kit.analysis import (
    added_cpm, auc, counts_to_fmol, emax_tmax, percent_baseline, percent_inhibition, percent_of_control,
    signal_to_background, specific_binding, standard_curve, z_prime,
)


# -- counts -------------------------------------------------------------------------------------
def test_counts_to_fmol_by_hand():
    # 888 CPM / 0.40 = 2220 DPM; 1 fmol at 80 Ci/mmol = 2.22 x 80 = 177.6 DPM -> 2220 / 177.6 = 12.5 fmol
    assert counts_to_fmol(888, efficiency=0.40, specific_activity=80) == pytest.approx(12.5)
    out = counts_to_fmol([888, 0, math.nan], efficiency="40%", specific_activity="80 Ci/mmol")
    assert out[:2] == pytest.approx([12.5, 0.0]) and math.isnan(out[2])
    # 2.96e15 Bq/mol is 80 Ci/mmol (80 x 3.7e10 Bq / 1e-3 mol)
    assert counts_to_fmol(888, efficiency=0.4, specific_activity="2.96e15 Bq/mol") == pytest.approx(12.5)


def test_counts_to_fmol_rejects_bad_input():
    with pytest.raises(ParameterError, match=r"cpm\[1\]: -5\.0 .*counts >= 0"):
        counts_to_fmol([10, -5], efficiency=0.4, specific_activity=80)
    with pytest.raises(ParameterError, match=r"efficiency: 40 .*write 0\.4 or '40%'"):
        counts_to_fmol(10, efficiency=40, specific_activity=80)
    with pytest.raises(ParameterError, match="specific_activity"):
        counts_to_fmol(10, efficiency=0.4, specific_activity="80 uL")


def test_added_cpm_by_hand():
    # 1.5 nM x 250 uL = 1.5e-9 x 2.5e-4 = 3.75e-13 mol = 375 fmol; x 177.6 DPM/fmol = 66600 DPM;
    # x 0.40 = 26640 CPM
    assert added_cpm(1.5e-9, 250e-6, efficiency=0.4, specific_activity=80) == pytest.approx(26640)


def test_specific_binding_by_hand():
    # NSB mean (200 + 300) / 2 = 250: 1000 - 250 = 750, 1100 - 250 = 850
    assert specific_binding([1000, 1100], [200, 300]) == pytest.approx([750, 850])
    assert specific_binding(1000.0, 250.0) == pytest.approx(750)
    with pytest.raises(ParameterError, match=r"nsb\[1\]"):
        specific_binding([1000], [200, math.nan])


# -- controls -----------------------------------------------------------------------------------
def test_percent_inhibition_and_of_control_by_hand():
    # vehicle mean (1000 + 1200) / 2 = 1100, full 100: 600 -> 100 (1 - 500 / 1000) = 50 %
    assert percent_inhibition([600, 1100, 100], vehicle=[1000, 1200], full=[100]) == pytest.approx([50, 0, 100])
    assert percent_of_control([600], vehicle=1100, full=100) == pytest.approx([50])
    with pytest.raises(AnalysisError, match="no window"):
        percent_inhibition([1], vehicle=[5, 5], full=[5])
    with pytest.raises(AnalysisError, match="vehicle: 0 well"):
        percent_inhibition([1], vehicle=[], full=[5])


def test_z_prime_and_signal_to_background_by_hand():
    # pos mean 100, SD 10 (deviations 0, 10, -10 -> 200 / 2 = 100); neg mean 10, SD 2
    # Z' = 1 - 3 (10 + 2) / 90 = 1 - 0.4 = 0.6; S/B = 100 / 10 = 10
    z = z_prime([100, 110, 90], [10, 12, 8])
    assert z.value == float(z) == pytest.approx(0.6) and (z.sd_positive, z.sd_negative) == pytest.approx((10, 2))
    assert z.flags == ()
    assert signal_to_background([100, 110, 90], [10, 12, 8]) == pytest.approx(10.0)
    with pytest.raises(AnalysisError, match="at least 2"):
        z_prime([100], [10, 12])


def test_z_prime_of_identical_wells_is_flagged():
    # all wells identical: SDs 0, Z' = 1 - 3 (0 + 0) / 95 = 1 exactly, which identical wells cannot earn
    z = z_prime([100, 100, 100], [5, 5, 5])
    assert z.value == 1.0 and z.flags == ("constant_controls",)
    assert "positive wells all read 100 and the negative wells all read 5" in z.messages[0]
    # one constant control inflates Z': pos SD 10, neg SD 0 -> 1 - 3 x 10 / 95 = 0.68421
    z = z_prime([100, 110, 90], [5, 5, 5])
    assert z.value == pytest.approx(1 - 30 / 95) and z.flags == ("constant_controls",)
    assert "negative wells all read 5" in z.messages[0] and "positive wells" not in z.messages[0]
    # counts a unit apart are not constant: SD of 5, 6, 5 = 0.57735
    assert z_prime([100, 110, 90], [5, 6, 5]).flags == ()


# -- standard curve -----------------------------------------------------------------------------
def test_standard_curve_unweighted_by_hand():
    # x = 1, 2, 3; y = 2, 5, 6: xbar 2, ybar 13/3, Sxy = (-1)(-7/3) + (1)(5/3) = 4, Sxx = 2
    # slope 2, intercept 13/3 - 4 = 1/3; residuals -1/3, 2/3, -1/3 -> RSS 2/3, sigma = sqrt(2/3 / 1)
    s = standard_curve([1, 2, 3], [2, 5, 6])
    assert (s.slope, s.intercept) == pytest.approx((2.0, 1 / 3))
    sigma = math.sqrt(2 / 3)
    assert s.residual_sd == pytest.approx(sigma)
    assert s.lod == pytest.approx(3.3 * sigma / 2) and s.loq == pytest.approx(10 * sigma / 2)
    t = s.to_frame()
    # back-calculated (y - 1/3) / 2: 0.8333 (-16.7%, lowest level, limit 20%: pass),
    # 2.3333 (+16.7% > 15%: fail), 2.8333 (-5.6%: pass)
    assert t["deviation_pct"].tolist() == pytest.approx([-50 / 3, 50 / 3, -50 / 9])
    assert t["passed"].tolist() == [True, False, True]
    assert s.flags == ("standard_failed",) and s.n_failed == 1
    assert s.concentration(21 / 3) == pytest.approx(10 / 3)  # (7 - 1/3) / 2


def test_standard_curve_weighted_by_hand():
    # x = 1, 2, 4; y = 3, 5, 11; w = 1/x^2 = 1, 1/4, 1/16 (sum 21/16)
    # weighted xbar = (1 + 1/2 + 1/4) / (21/16) = 4/3, ybar = (3 + 5/4 + 11/16) / (21/16) = 79/21
    # Sxy = 16/63 + 13/63 + 76/63 = 5/3, Sxx = (1 + 1 + 4) / 9 = 2/3 -> slope 5/2, intercept 79/21 - 10/3 = 3/7
    s = standard_curve([1, 2, 4], [3, 5, 11], weighting="1/x^2")
    assert (s.slope, s.intercept) == pytest.approx((2.5, 3 / 7))
    assert s.weighting == "1/x2"
    # fitted 41/14, 38/7, 73/7 -> residuals 1/14, -3/7, 4/7; sum w r^2 = 1/196 + 9/196 + 4/196 = 1/14
    # sigma at the lowest level (x = 1, w = 1) = sqrt(1/14 / 1) = 0.26726; LOD = 3.3 x 0.26726 / 2.5
    assert s.residual_sd == pytest.approx(math.sqrt(1 / 14))
    assert s.lod == pytest.approx(3.3 * math.sqrt(1 / 14) / 2.5)


def test_standard_curve_rejects_one_level_and_bad_weighting():
    with pytest.raises(AnalysisError, match=r"1 level\(s\) \(0\.5\).*at least 3 standards at 2 or more"):
        standard_curve([0.5, 0.5, 0.5], [10, 11, 12])
    with pytest.raises(AnalysisError, match="2 usable standard"):
        standard_curve([0.5, 1, math.nan], [10, 20, 30])
    with pytest.raises(ParameterError, match="weighting: '1/x' gives a blank"):
        standard_curve([0, 1, 2], [0, 10, 20], weighting="1/x")
    with pytest.raises(ParameterError, match="weighting: 'log'"):
        standard_curve([1, 2, 3], [1, 2, 3], weighting="log")


# -- time courses -------------------------------------------------------------------------------
def test_auc_by_hand():
    # (0, 100), (20, 200), (40, 100): 20 (100 + 200) / 2 + 20 (200 + 100) / 2 = 3000 + 3000
    assert auc([0, 20, 40], [100, 200, 100]) == pytest.approx(6000)
    # from 10: value interpolated 150; 10 (150 + 200) / 2 + 3000 = 1750 + 3000
    assert auc([0, 20, 40], [100, 200, 100], start=10, end=40) == pytest.approx(4750)
    with pytest.raises(ParameterError, match="end: 60.0 .*not extrapolated"):
        auc([0, 20, 40], [100, 200, 100], end=60)
    with pytest.raises(ParameterError, match=r"value\[1\]"):
        auc([0, 20, 40], [100, math.nan, 100])
    with pytest.raises(ParameterError, match=r"time\[2\].*increasing"):
        auc([0, 20, 20], [1, 2, 3])


def test_emax_tmax_first_of_ties():
    assert emax_tmax([0, 20, 40, 60], [100, 250, 250, 90]) == (250.0, 20.0)


def test_percent_baseline_by_hand():
    df = pd.DataFrame({"animal": ["A"] * 4 + ["B"] * 4, "t": [-40, -20, 20, 40] * 2,
                       "c": [2, 4, 6, math.nan, 1, 1, 3, 0.5]})
    out = percent_baseline(df, subject="animal", time="t", value="c", baseline_fractions=2)
    # A: baseline (2 + 4) / 2 = 3 -> 6 is 200%; B: baseline 1 -> 3 is 300%, 0.5 is 50%
    assert out["pct_baseline"].tolist()[:3] == pytest.approx([200 / 3, 400 / 3, 200])
    assert math.isnan(out["pct_baseline"].iloc[3])
    assert out["pct_baseline"].tolist()[6:] == pytest.approx([300, 50])
    same = percent_baseline(df, subject="animal", time="t", value="c", baseline_fractions=[-40, -20])
    assert same["pct_baseline"].equals(out["pct_baseline"])


def test_percent_baseline_errors():
    df = pd.DataFrame({"animal": ["A"] * 3, "t": [-60, -20, 20], "c": [2, 4, 6]})
    with pytest.raises(AnalysisError, match="t -60 of animal A is before the first baseline time"):
        percent_baseline(df, subject="animal", time="t", value="c", baseline_fractions=[-20])
    df = pd.DataFrame({"animal": ["A", "A", "B", "B"], "t": [-20, 20, -20, 20], "c": [2, 4, np.nan, 6]})
    with pytest.raises(AnalysisError, match="animal B: no baseline value"):
        percent_baseline(df, subject="animal", time="t", value="c", baseline_fractions=1)


# -- input messages, pinned byte for byte -------------------------------------------------------
def test_input_check_messages():
    with pytest.raises(ParameterError) as err:
        counts_to_fmol([10, math.nan, -5, -7], efficiency=0.4, specific_activity=80)
    assert str(err.value) == "cpm[2]: -5.0 is not allowed; allowed: counts >= 0 (NaN marks a missing well)"
    with pytest.raises(ParameterError) as err:
        auc([0, 10, math.nan], [1, 2, 3])
    assert str(err.value) == ("time[2]: nan is not allowed; allowed: a number (drop missing samples first "
                              "and report them)")
    with pytest.raises(ParameterError) as err:
        emax_tmax([0, 10, 20], [1, math.nan, 3])
    assert str(err.value) == ("value[1]: nan is not allowed; allowed: a number (drop missing samples first "
                              "and report them)")
    with pytest.raises(ParameterError) as err:
        percent_inhibition([50.0], vehicle=[100.0, math.nan], full=[0.0])
    assert str(err.value) == ("vehicle[1]: nan is not allowed; allowed: a number for every control well "
                              "(drop missing wells first, and report them)")
    frame = pd.DataFrame({"rat": ["a"], "t": [0.0], "conc": [1.0]})
    with pytest.raises(AnalysisError) as err:
        percent_baseline(frame, subject="rat", time="time", value="value", baseline_fractions=1)
    assert str(err.value) == "percent_baseline: no column 'time'; the frame has rat, t, conc"
    from protocol_kit.analysis import rm_anova
    with pytest.raises(AnalysisError) as err:
        rm_anova(frame, value="conc", subject="animal", time="t")
    assert str(err.value) == "repeated-measures ANOVA: no column 'animal'; the frame has rat, t, conc"
