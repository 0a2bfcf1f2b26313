"""Immutable result objects of the fitting functions, with ``to_dict()`` and an HTML table."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
import html
import math

import numpy as np


def _plain(v):
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, tuple):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


def _cell(v) -> str:
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:.6g}"
    if isinstance(v, (tuple, list)):
        if v and isinstance(v[0], float):
            return "[" + ", ".join(_cell(x) for x in v) + "]"
        return ", ".join(map(str, v)) if v else "none"
    return str(v)


class ResultBase:
    """Mixin for frozen dataclasses: ``to_dict()`` (plain Python values) and ``_repr_html_``."""

    _html_fields: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def _repr_html_(self) -> str:
        names = self._html_fields or tuple(f.name for f in dataclasses.fields(self))
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(n)}</th><td>{html.escape(_cell(getattr(self, n)))}</td></tr>"
            for n in names)
        return f"<table><caption>{html.escape(type(self).__name__)}</caption>{rows}</table>"


@dataclass(frozen=True)
class FitStats(ResultBase):
    """Goodness-of-fit fields every least-squares result carries (what compare_models reads):
    residual sum of squares, degrees of freedom n - n_params, points used, points dropped
    (NaN), fitted parameters and whether the optimiser converged."""

    rss: float
    dof: int
    n: int
    n_dropped: int
    n_params: int
    converged: bool
