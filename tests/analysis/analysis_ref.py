"""Readers of the reference data kept in tests/analysis/data/reference (sources and licences in
its README.md)."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

REFERENCE = Path(__file__).parent / "data" / "reference"


def read_nist(name: str):
    """Data, certified parameters (value, sd), certified RSS and the two NIST start vectors of a StRD file."""
    path = REFERENCE / "nist" / f"{name}.dat"
    lines = path.read_text().splitlines()
    params, starts = {}, ([], [])
    for line in lines:
        m = re.match(r"\s*(b\d)\s*=\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)", line)
        if m:
            params[m.group(1)] = (float(m.group(4)), float(m.group(5)))
            starts[0].append(float(m.group(2)))
            starts[1].append(float(m.group(3)))
    rss = float(next(re.search(r"([-\d.E+]+)\s*$", ln).group(1) for ln in lines if "Residual Sum of Squares" in ln))
    start = next(i for i, ln in enumerate(lines) if ln.strip().startswith("Data:") and "y" in ln and "x" in ln)
    data = np.array([[float(v) for v in ln.split()] for ln in lines[start + 1:] if ln.strip()])
    return data[:, 1], data[:, 0], params, rss, starts


def read_drc(name: str) -> pd.DataFrame:
    path = REFERENCE / "drc" / f"{name}.csv"
    return pd.read_csv(path)


def sig_digits_equal(a: float, b: float, digits: int = 6) -> bool:
    """|a - b| <= 0.5 x 10^(1 - digits) |b|: a and b agree to ``digits`` significant digits."""
    return abs(a - b) <= 0.5 * 10 ** (1 - digits) * abs(b)
