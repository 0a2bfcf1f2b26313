"""The immutable result of an assay analysis: headline numbers, tables, QC flags, HTML.

Every ``protocol.analyse(data)`` returns a subclass. Scalars are dataclass fields; tables are
kept privately and handed out as copies (``to_frame()`` for the main one, ``table(name)`` for
the others), so a result cannot be changed after the fact. ``flags`` are short codes (as the
fitting engine's: ``incomplete``, ``ligand_depletion`` ...) and ``qc`` one sentence per check
that failed, with the numbers.
"""
from __future__ import annotations

import dataclasses
import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from ..errors import UnknownNameError
from .results import ResultBase, html_rows, plain


class FrozenTables(Mapping):
    """A result's tables: read-only, and each table handed out as a copy, so changing what
    ``res.tables["wells"]`` returns changes nothing in the result."""

    def __init__(self, tables: Mapping[str, pd.DataFrame]):
        self._tables = {k: v.copy() for k, v in tables.items()}

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self._tables[name].copy()

    def __iter__(self):
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)

    def __repr__(self) -> str:
        return f"FrozenTables({', '.join(self._tables)})"


@dataclass(frozen=True)
class AssayResult:
    """Base of the assay results. Subclasses add fields and set ``main_table``/``headline``."""

    flags: tuple[str, ...]
    qc: tuple[str, ...]
    tables: Mapping[str, pd.DataFrame] = field(repr=False)

    main_table: ClassVar[str] = ""
    headline: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", FrozenTables(self.tables))

    def table(self, name: str) -> pd.DataFrame:
        """A copy of the table ``name`` (see ``table_names``)."""
        if name not in self.tables:
            raise UnknownNameError("result table", name, self.tables)
        return self.tables[name]

    @property
    def table_names(self) -> list[str]:
        return list(self.tables)

    def to_frame(self) -> pd.DataFrame:
        """The main table (a copy)."""
        return self.table(self.main_table)

    def scalars(self) -> dict:
        """The fields other than the tables, as plain Python values (fits as dicts)."""
        out = {}
        for f in dataclasses.fields(self):
            if f.name == "tables":
                continue
            v = getattr(self, f.name)
            out[f.name] = v.to_dict() if isinstance(v, (ResultBase, AssayResult)) or hasattr(v, "to_dict") \
                else plain(v)  # fits, nested results and the analysis inputs (:mod:`.inputs`) as dicts
        return out

    def to_dict(self) -> dict:
        """Fields and tables as plain Python values (tables as lists of row dicts)."""
        out = self.scalars()
        out["tables"] = {k: [{c: plain(x) for c, x in r.items()} for r in v.to_dict("records")]
                         for k, v in self.tables.items()}
        return out

    def _repr_html_(self) -> str:
        rows = html_rows(self, self.headline)
        qc = "".join(f"<li>{html.escape(m)}</li>" for m in self.qc) or "<li>all checks passed</li>"
        main = self.tables[self.main_table].to_html(index=False, float_format=lambda x: f"{x:.4g}", na_rep="")
        return (f"<div><table><caption>{html.escape(type(self).__name__)}</caption>{rows}</table>"
                f"<p>QC:</p><ul>{qc}</ul>{main}</div>")


def replicate_stats(frame: pd.DataFrame, by: list[str], value: str) -> pd.DataFrame:
    """Per group of ``by``: n (values present), n_missing (NaN), mean, sd (n - 1) and
    cv_pct = 100 sd / mean (NaN when n < 2 or the mean is 0)."""
    g = frame.groupby(by, sort=False, dropna=False)[value]
    out = g.agg(n="count", mean="mean", sd="std").reset_index()
    out.insert(len(by), "n_missing", g.size().to_numpy() - out["n"].to_numpy())
    with np.errstate(divide="ignore", invalid="ignore"):
        out["cv_pct"] = np.where(out["mean"] != 0, 100 * out["sd"] / out["mean"], np.nan)
    return out


def flag_replicates(stats: pd.DataFrame, flags: list[str], qc: list[str], *, label: str = "label",
                    limit: float) -> None:
    """Append ``replicate_cv`` and a sentence naming the groups of ``stats`` (from
    :func:`replicate_stats`) whose replicate CV exceeds ``limit`` percent."""
    bad = stats[stats["cv_pct"] > limit]
    if len(bad):
        items = ", ".join(f"{r[label]} {r['cv_pct']:.0f}%" for _, r in bad.iterrows())
        flags.append("replicate_cv")
        qc.append(f"replicate_cv: CV above {limit:g}% in {len(bad)} group(s): {items}")


def ci_text(ci: tuple[float, float], fmt, *, log_scale: bool = False) -> str:
    """' (95% CI lo to hi)' for an interval, '' when a bound is NaN. An infinite bound, or with
    ``log_scale`` (an IC50 or Ki, 10^ of an interval of its log) a lower bound of 0, reads
    'unbounded' (an open profile interval, flag ``ci_unbounded``)."""
    lo, hi = ci
    if math.isnan(lo) or math.isnan(hi):
        return ""
    low = "unbounded" if math.isinf(lo) or (log_scale and lo == 0) else fmt(lo)
    high = "unbounded" if math.isinf(hi) else fmt(hi)
    return f" (95% CI {low} to {high})"


def molar_ci_text(ci: tuple[float, float]) -> str:
    """:func:`ci_text` of an IC50 or Ki interval (molar, log scale)."""
    from ..units import format_molar
    return ci_text(ci, format_molar, log_scale=True)
