"""Random factors shared by the simulators."""
from __future__ import annotations

import numpy as np


def lognormal_factor(rng: np.random.Generator, cv: float, size: int) -> np.ndarray:
    """``size`` log-normal factors with mean 1 and coefficient of variation ``cv``
    (sigma^2 = ln(1 + cv^2), mu = -sigma^2 / 2): one ``rng.lognormal`` call."""
    sigma = np.sqrt(np.log1p(cv**2))
    return rng.lognormal(-sigma**2 / 2, sigma, size=size)
