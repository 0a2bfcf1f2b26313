"""Joining read data to the plan: the layout on ``well``, or the schedule on ``fraction``.

Every mismatch is reported, never resolved by guessing: a well (fraction) in the data but not
in the plan, one in the plan without data, one that appears twice within a plate and read, and
text where a number belongs. Each problem raises :class:`DataFormatError` naming the file, the
line (when known) or the well, and what was expected; pass ``warnings=[]`` to collect the
messages instead and get the join of what matches.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataFormatError, Hint, ParameterError
from .source import Problems, number

# Columns that tell apart several values of one well: a well may appear once per combination.
GROUP_COLUMNS = ("plate", "repeat", "label", "read", "time_s", "wavelength_nm", "excitation_nm",
                 "mode", "read_label", "animal", "analyte")
NUMBER_COLUMNS = ("value", "cpm", "dpm", "peak_area", "concentration")


def _where(row: pd.Series, groups: list[str]) -> str:
    parts = [f"{g} {row[g]}" for g in groups if pd.notna(row[g]) and str(row[g]) != ""]
    return f" ({', '.join(parts)})" if parts else ""


def _line(row: pd.Series) -> int | None:
    return int(row["line"]) if "line" in row and pd.notna(row["line"]) else None


def _extra(problems: Problems, message: str, remedy: str, line: int | None) -> None:
    """Report a data row the plan does not use, with the option that leaves such rows out as
    a :class:`~protocol_kit.errors.Hint` (each view says it in its own words)."""
    where = f"{problems.name}: line {line}: " if line else f"{problems.name}: "
    if problems.sink is not None:
        problems.sink.append(f"{where}{message}; pass extra_wells='ignore' {remedy}")
        return
    text = (where + message).replace("{", "{{").replace("}", "}}")
    raise DataFormatError.hinted(text + "; pass {0} " + remedy, [Hint("extra_wells", "ignore")])


def _check_numbers(data: pd.DataFrame, on: str, problems: Problems) -> pd.DataFrame:
    """Number columns as floats: text read by :func:`.source.number` (decimal comma read,
    '1,000' ambiguous); text that is not a number, and infinite values, are problems."""
    for col in NUMBER_COLUMNS:
        if col not in data.columns:
            continue
        if not pd.api.types.is_numeric_dtype(data[col]):
            values = []
            for _, row in data.iterrows():
                v = row[col]
                try:
                    v = number(v, "auto") if isinstance(v, str) else None if pd.isna(v) else float(v)
                except (TypeError, ValueError) as exc:
                    why = exc if isinstance(v, str) else f"{v!r} is not a number; expected a number"
                    problems(f"{col} of {on} {row[on]}: {why}", _line(row))
                    v = None
                values.append(np.nan if v is None else v)
            data[col] = np.asarray(values, float)
        for _, row in data[np.isinf(data[col].to_numpy(float))].iterrows():
            problems(f"{col} of {on} {row[on]}: {row[col]!r} is not a finite number", _line(row))
            data.loc[_, col] = np.nan
    return data


def _fractions(data: pd.DataFrame, schedule: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    """A ``fraction`` column from the samples: a schedule label (e.g. 'F03') or a fraction number
    (a whole-number float such as 3.0, as a number column with a gap holds it, is fraction 3)."""
    by_name = {str(label): int(f) for label, f in zip(schedule["label"], schedule["fraction"])}
    by_name.update({str(int(f)): int(f) for f in schedule["fraction"]})
    column = "fraction" if "fraction" in data.columns else "sample"
    if column not in data.columns:
        raise DataFormatError(f"{problems.name}: no 'fraction' or 'sample' column to join on; "
                              f"the data has {', '.join(map(str, data.columns))}")
    labels = list(schedule["label"])
    out = []
    for _, row in data.iterrows():
        value = row[column]
        if pd.api.types.is_float(value) and float(value).is_integer():
            value = int(value)
        key = str(value).strip()
        if key not in by_name:
            problems(f"sample {value!r} matches no fraction of the schedule; expected a label "
                     f"({labels[0]}-{labels[-1]}) or a fraction number (1-{len(labels)})", _line(row))
        out.append(by_name.get(key))
    data["fraction"] = pd.array(out, dtype="Int64")
    return data[data["fraction"].notna()]


def join_layout(frame: pd.DataFrame, layout: pd.DataFrame, *, on: str | None = None,
                extra_wells: str = "error", missing: str = "error",
                warnings: list[str] | None = None) -> pd.DataFrame:
    """The data rows joined to the plan's rows (plan columns keep their names; a data column of
    the same name gets '_data'). ``extra_wells='ignore'`` leaves out, with a warning, data wells
    the plan does not use (a whole plate read against a partial layout) instead of raising.
    ``missing='ignore'`` accepts planned wells (fractions) without data (a lost sample)."""
    for option, value in (("extra_wells", extra_wells), ("missing", missing)):
        if value not in ("error", "ignore"):
            raise ParameterError(option, value, "'error' or 'ignore'")
    if on is None:
        on = "well" if "well" in layout.columns else "fraction"
    if on not in layout.columns:
        raise ParameterError("on", on, f"a column of the layout ({', '.join(map(str, layout.columns))})")
    problems = Problems(str(frame.attrs.get("source", "data")), warnings)
    data = frame.copy()
    if on == "fraction":
        data = _fractions(data, layout, problems)
    elif on not in data.columns:
        raise DataFormatError(f"{problems.name}: no {on!r} column to join on; the data has "
                              f"{', '.join(map(str, data.columns))}")
    data = _check_numbers(data, on, problems)
    groups = [g for g in GROUP_COLUMNS if g in data.columns and g != on]

    key = [*groups, on]
    dup = data[data.duplicated(key, keep=False)]
    for _, rows in dup.groupby(key, sort=False, dropna=False):
        first = rows.iloc[0]
        lines = [str(x) for x in rows["line"]] if "line" in rows else []
        at = f" (lines {', '.join(lines)})" if lines else ""
        problems(f"{on} {first[on]}{_where(first, groups)} appears {len(rows)} times{at}; "
                 f"expected one value per {on}", None)

    planned = list(layout[on])
    known = set(planned)
    extra = data[~data[on].isin(known)]
    span = f"{planned[0]}-{planned[-1]}" if planned else "none"
    if extra_wells == "error":
        for _, row in extra.iterrows():
            _extra(problems, f"{on} {row[on]}{_where(row, groups)} is not in the plan (it uses {len(planned)} "
                   f"{on}s, {span})", f"to leave such {on}s out", _line(row))
    elif len(extra) and warnings is not None:
        warnings.append(f"{problems.name}: left out {len(extra)} value(s) of {on}s not in the plan: "
                        f"{', '.join(dict.fromkeys(map(str, extra[on])))}")
    data = data[data[on].isin(known)]

    if missing == "error":
        label = layout.set_index(on)["label"] if "label" in layout.columns else None
        parts = data.groupby(groups, sort=False, dropna=False) if groups and len(data) else [((), data)]
        for _, part in parts:
            present = set(part[on])
            for w in planned:
                if w not in present:
                    what = f" ({label[w]})" if label is not None else ""
                    where = _where(part.iloc[0], groups) if len(part) else ""
                    problems(f"plan {on} {w}{what} has no data{where}; expected a value for every planned {on}", None)
    merged = data.merge(layout, on=on, how="left", suffixes=("_data", ""), validate="many_to_one")
    merged.attrs = dict(frame.attrs)
    return merged
