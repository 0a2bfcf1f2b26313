"""Shared data of the campaign tests: the 600 robustness curves (tests/analysis/data, made by
make_robustness_sets.py: 8-12 concentrations, 1-3 replicates, 5-15% noise, missing points,
outliers) written as Parquet files of whole curves, and a comparison of result frames."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parents[1] / "analysis" / "data"
TEXT = ["flags", "messages", "qualifier", "ic50_text"]


def robustness_points() -> pd.DataFrame:
    return pd.read_csv(DATA / "robustness_points.csv")[["curve", "conc", "response"]]


def write_files(points: pd.DataFrame, folder: Path, n_files: int, key: str = "curve") -> list[Path]:
    """Consecutive blocks of whole curves, one file each (plate-00.parquet, ...)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, curves in enumerate(np.array_split(points[key].unique(), n_files)):
        path = folder / f"plate-{i:02d}.parquet"
        points[points[key].isin(curves)].to_parquet(path, index=False)
        paths.append(path)
    return paths


def numbers(frame: pd.DataFrame) -> np.ndarray:
    return frame.select_dtypes("number").to_numpy(float)


def same_bits(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Row for row the same curves, every number equal to the last bit (NaN = NaN), the same
    flags, messages, qualifiers and texts."""
    x, y = numbers(a), numbers(b)
    return (list(a.columns) == list(b.columns) and x.shape == y.shape
            and bool(((x == y) | (np.isnan(x) & np.isnan(y))).all())
            and all(list(a[c]) == [tuple(v) if isinstance(v, (tuple, list, np.ndarray)) else v for v in b[c]]
                    for c in TEXT))


CONC = np.r_[np.zeros(3), np.repeat(10.0 ** np.arange(-10, -5.4, 0.5), 3)]  # 3 vehicle + 10 x 3


def simulate(n: int, seed: int, first: int = 0) -> pd.DataFrame:
    """``n`` seeded inhibition curves of 33 points (as benchmarks/fit_throughput.py), ids from ``first``."""
    rng = np.random.default_rng(seed)
    L, h = rng.uniform(-9.75, -5.75, n), -rng.uniform(0.6, 2.5, n)
    top, bottom = rng.uniform(80, 120, n), rng.uniform(-5, 15, n)
    with np.errstate(divide="ignore"):
        x = np.log10(CONC)
    f = np.where(CONC > 0, 1 / (1 + 10.0 ** ((L[:, None] - x[None]) * h[:, None])), 1.0)
    y = bottom[:, None] + (top - bottom)[:, None] * f + rng.normal(0, 1, (n, CONC.size)) * (0.08 * (top - bottom))[:, None]
    return pd.DataFrame({"curve": np.repeat(np.arange(first, first + n), CONC.size), "conc": np.tile(CONC, n),
                         "response": y.ravel()})
