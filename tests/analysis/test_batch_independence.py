"""A curve's fit does not depend on the other curves fitted with it: the 600 robustness curves
(8-12 concentrations, 1-3 replicates, missing points, outliers) fitted all together, in two
halves, odd and even curves apart, and single curves alone give the same numbers to the last
bit and the same flags and texts (docs/campaigns.md: a Dask partition's or a file's curves are
fitted as the pandas path fits them). Before, 29 of the 600 differed in the last bits between
the whole and the halves, through (engine/limits.py) the zoom step of the runaway-limit scan
taken from the first curve of the call and sums over the points whose order numpy chose from
the array shapes; and a single curve's sums over its points were pairwise, not sequential."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from protocol_kit.analysis import fit_logistic_many
from protocol_kit.analysis.engine import model

from tests.campaign.campaign_data import robustness_points, same_bits


@pytest.fixture(scope="module")
def points():
    return robustness_points()


@pytest.fixture(scope="module")
def whole(points):
    return fit_logistic_many(points, by="curve").set_index("curve")


def _fit(points, ids):
    return fit_logistic_many(points[points.curve.isin(ids)], by="curve").set_index("curve")


def _same(whole, parts):
    got = pd.concat(parts).loc[whole.index]
    return same_bits(whole.reset_index(), got.reset_index())


def test_halves_give_the_bits_of_the_whole(points, whole):
    ids = np.sort(points.curve.unique())
    assert _same(whole, [_fit(points, ids[:300]), _fit(points, ids[300:])])


def test_odd_and_even_curves_apart_give_the_bits_of_the_whole(points, whole):
    ids = np.sort(points.curve.unique())
    assert _same(whole, [_fit(points, ids[0::2]), _fit(points, ids[1::2])])


def test_single_curves_alone_give_the_bits_of_the_whole(points, whole):
    ids = np.random.default_rng(20261206).choice(np.sort(points.curve.unique()), 20, replace=False)
    assert _same(whole.loc[ids], [_fit(points, [i]) for i in ids])


def test_a_single_curve_is_summed_in_the_order_of_its_points():
    # one column (K, 1) is contiguous: numpy's sum would add it pairwise; the engine adds point
    # after point, as it does for every column of a (K, m) stack; here 1 + 2^-53 + ... + 2^-53
    # (8 times) is 1 added sequentially (each 2^-53 is lost) and 1 + 2^-50 pairwise
    a = np.array([1.0] + [2.0 ** -53] * 8)[:, None]
    assert model._ksum(a)[0] == 1.0
    wide = np.repeat(a, 3, axis=1)
    assert (model._ksum(wide) == 1.0).all() and model._dot(a, np.ones_like(a))[0] == 1.0
