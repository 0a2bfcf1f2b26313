"""Results as Parquet: the columns of ``fit_logistic_many``, with ``flags`` and ``messages``
(tuples of strings in pandas) stored as lists of strings, and read back as tuples."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

LIST_COLUMNS = ("flags", "messages")


def arrow_types() -> dict:
    """The Parquet types of the columns whose pandas type (object) says nothing of their values."""
    import pyarrow as pa

    return {"flags": pa.list_(pa.string()), "messages": pa.list_(pa.string()), "ic50_text": pa.string(),
            "qualifier": pa.string()}


def to_table(frame: pd.DataFrame):
    """``frame`` as a pyarrow Table with the types of :func:`arrow_types` (an all-empty
    ``flags`` column is still a list of strings)."""
    import pyarrow as pa

    types = arrow_types()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for name, typ in types.items():
        if name in table.column_names:
            i = table.column_names.index(name)
            column = pa.array([list(v) for v in frame[name]] if name in LIST_COLUMNS else frame[name].tolist(), typ)
            table = table.set_column(i, pa.field(name, typ), column)
    return table


def check_new(out: str | os.PathLike) -> Path:
    """``out`` as a Path, refused if something is there already (results are never written
    over, nor mixed with an earlier run's files)."""
    from ...errors import ParameterError

    path = Path(out)
    if path.exists():
        raise ParameterError("out", str(path), "a file or folder name that does not exist yet",
                             reason="exists already (results are not written over)")
    return path


def write_results(frame: pd.DataFrame, out: str | os.PathLike) -> Path:
    """Write one Parquet file (a new one); returns its path."""
    import pyarrow.parquet as pq

    path = check_new(out)
    pq.write_table(to_table(frame), path)
    return path


def read_results(path: str | os.PathLike, columns: list[str] | None = None) -> pd.DataFrame:
    """A results file or folder (as Dask writes it) as one frame, ``flags`` and ``messages``
    as tuples again."""
    frame = pd.read_parquet(path, columns=columns)
    for name in LIST_COLUMNS:
        if name in frame.columns:
            frame[name] = _tuples(frame[name])
    return frame


def _tuples(column: pd.Series) -> pd.Series:
    out = pd.Series([tuple(v) if v is not None else () for v in column], index=column.index, dtype=object)
    return out
