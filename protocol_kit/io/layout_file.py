"""A plate layout from the user's own file, in wellmap's TOML format, instead of the generated one.

wellmap (https://wellmap.readthedocs.io) describes a plate with ``[row.A]``, ``[col.3]``,
``[block.2x3.A1]``, ``[well.H12]`` tables of ``name = value`` lines. :func:`read_layout` turns
it into a frame shaped like ``p.layout``: ``well``, ``row``, ``column``, and the file's own
columns. Two of them are checked because the analysis reads them: ``role`` must be a layout role
(total, nsb, compound, ...) and ``conc`` a concentration with its unit (``conc = "10 nM"``; a
bare number is refused rather than read as molar). Errors name the file, the well and the value.
"""
from __future__ import annotations

import difflib
import os
import tomllib
from pathlib import Path

import pandas as pd

from ..core.plates import PLATES, ROLES
from ..errors import DataFormatError, ParameterError
from ..units import to_molar
from .wells import fits, plate_text

_WELLMAP_COLUMNS = ("well0", "row_i", "col_j", "col", "path")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def read_layout(path: str | os.PathLike, *, plate_format: int = 96) -> pd.DataFrame:
    """The layout described by a wellmap TOML file (one plate), one row per well, row-major."""
    import wellmap  # imported here: it pulls in plotting code that plain reading does not need

    name = str(path)
    if plate_format not in PLATES:
        raise ParameterError("plate_format", plate_format, "96 or 384")
    try:
        raw = wellmap.load(Path(path))
    except FileNotFoundError:
        raise DataFormatError(f"{name}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise DataFormatError(f"{name}: not valid TOML ({_one_line(exc)})") from None
    except (wellmap.LayoutError, ValueError, KeyError) as exc:
        raise DataFormatError(f"{name}: not a usable wellmap layout ({_one_line(exc)})") from None
    if "plate" in raw.columns:
        raise DataFormatError(f"{name}: describes {raw['plate'].nunique()} plates; give one layout file per plate")
    plate = PLATES[plate_format]
    out = pd.DataFrame({"well": raw["well"].astype(str), "row": raw["row"].astype(str),
                        "column": raw["col_j"].astype("int64") + 1})
    for _, r in out.iterrows():
        if not fits(r["row"], int(r["column"]), plate):
            raise DataFormatError(f"{name}: well {r['well']} is outside {plate_text(plate)}")
    for col in raw.columns:
        if col not in ("well", "row", *_WELLMAP_COLUMNS):
            out[col] = raw[col].to_numpy()
    if "role" in out.columns:
        for well, role in zip(out["well"], out["role"]):
            if role not in ROLES:
                close = difflib.get_close_matches(str(role), ROLES, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise DataFormatError(f"{name}: well {well}: role {role!r} is not a layout role{hint} "
                                      f"(allowed: {', '.join(ROLES)})")
    if "conc" in out.columns:
        out["conc"] = [_molar(name, w, v) for w, v in zip(out["well"], out["conc"])]
    order = {w: i for i, w in enumerate(plate.well_names())}
    out = out.sort_values("well", key=lambda s: s.map(order)).reset_index(drop=True)
    out.attrs = {"source": name, "format": "wellmap"}
    return out


def _molar(name: str, well: str, value: object) -> float:
    if value is None or (isinstance(value, float) and value != value):
        return float("nan")
    if not isinstance(value, str):
        raise DataFormatError(f"{name}: well {well}: conc {value!r} has no unit; write it with one, "
                              f"e.g. conc = \"{value} nM\"")
    try:
        return to_molar(value, field="conc")
    except ParameterError as exc:
        raise DataFormatError(f"{name}: well {well}: {exc}") from None
