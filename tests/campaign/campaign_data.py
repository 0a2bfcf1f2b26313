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


def write_files(points: pd.DataFrame, folder: Path, n_files: int) -> list[Path]:
    """Consecutive blocks of whole curves, one file each (plate-00.parquet, ...)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, curves in enumerate(np.array_split(points["curve"].unique(), n_files)):
        path = folder / f"plate-{i:02d}.parquet"
        points[points["curve"].isin(curves)].to_parquet(path, index=False)
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
