"""A campaign in Parquet files: a file, a folder of ``*.parquet`` files or a glob, read as a
Dask DataFrame of one partition per file (``dask.dataframe.from_map``), so that an error can
name the file. Only the key, concentration and response columns are read. Every file's
schema is read first: a missing column is an error naming the file, the column, the columns
present and the nearest name."""
from __future__ import annotations

import glob
import os
from pathlib import Path

from ...errors import ParameterError, near_miss

ALLOWED = "a Parquet file, a folder of .parquet files or a glob such as 'plates/*.parquet'"


def campaign_files(path) -> list[str]:
    """The files of ``path`` (a file, a folder, a glob, or a list of them), in sorted order
    within each."""
    items = list(path) if isinstance(path, (list, tuple)) else [path]
    files: list[str] = []
    for item in items:
        text = os.fspath(item)
        if os.path.isdir(text):
            found = sorted(str(p) for p in Path(text).glob("*.parquet"))
        elif glob.has_magic(text):
            found = sorted(glob.glob(text))
        elif os.path.isfile(text):
            found = [text]
        else:
            raise ParameterError("path", text, ALLOWED, reason="does not exist")
        if not found:
            raise ParameterError("path", text, ALLOWED, reason="holds no Parquet file")
        files += found
    return files


def read_campaign(path, columns: list[str]):
    """(Dask DataFrame of ``columns``, one partition per file; the file names)."""
    import dask.dataframe as dd
    import pyarrow.parquet as pq

    files = campaign_files(path)
    wanted = list(dict.fromkeys(columns))
    meta = None
    for f in files:
        try:
            schema = pq.read_schema(f)
        except Exception as exc:  # pyarrow's own errors: not a Parquet file, truncated, ...
            raise ParameterError("path", f, ALLOWED, reason=f"is not readable as Parquet ({exc})") from None
        present = [n for n in schema.names if not n.startswith("__index_level_")]
        for name, field in zip(wanted, _fields(columns, wanted)):
            if name not in present:
                raise ParameterError(field, name, f"a column of {f} ({', '.join(present)})",
                                     reason=f"is not a column of {f}{near_miss(str(name), present)}")
        if meta is None:
            meta = schema.empty_table().to_pandas()[wanted]
    ddf = dd.from_map(_read_file, files, columns=wanted, meta=meta, label="read-campaign", enforce_metadata=False)
    return ddf, [os.path.basename(f) if _unique_basenames(files) else f for f in files]


def _fields(columns, wanted):
    """The argument each wanted column came from: by (all but the last two), conc, response."""
    role = {}
    for i, name in enumerate(columns):
        role.setdefault(name, "by" if i < len(columns) - 2 else ("conc" if i == len(columns) - 2 else "response"))
    return [role[n] for n in wanted]


def _unique_basenames(files) -> bool:
    return len({os.path.basename(f) for f in files}) == len(files)


def _read_file(path: str, columns):
    import pyarrow.parquet as pq

    return pq.read_table(path, columns=columns).to_pandas()
