"""Immutable result objects of the fitting functions, with ``to_dict()`` and an HTML table."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
import html
import math

import numpy as np


def plain(v):
    """``v`` as plain Python values: numpy scalars and arrays, tuples (as lists) and dicts converted."""
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, tuple):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v


def cell(v) -> str:
    """``v`` as the text of an HTML table cell: floats to 6 significant digits, NaN empty."""
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:.6g}"
    if isinstance(v, (tuple, list)):
        if v and isinstance(v[0], float):
            return "[" + ", ".join(cell(x) for x in v) + "]"
        return ", ".join(map(str, v)) if v else "none"
    return str(v)


def html_rows(obj, names) -> str:
    """One HTML table row per attribute ``names`` of ``obj``: the name, then its :func:`cell`."""
    return "".join(f"<tr><th style='text-align:left'>{html.escape(n)}</th>"
                   f"<td>{html.escape(cell(getattr(obj, n)))}</td></tr>" for n in names)


class FrozenDict(dict):
    """A dict that cannot be changed (a result's ``fixed``, ``se``, ``ci`` ...); it still
    pickles, compares and serialises as a dict."""

    def _read_only(self, *args, **kwargs):
        raise TypeError("a result's mapping is read-only; copy it with dict(...) to change it")

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _read_only

    def __reduce__(self):
        return (FrozenDict, (dict(self),))


def frozen(value):
    """``value`` made read-only: a dict as a :class:`FrozenDict` (nested too), an array as a
    read-only copy; anything else as it is."""
    if isinstance(value, dict):
        return FrozenDict({k: frozen(v) for k, v in value.items()})
    if isinstance(value, np.ndarray):
        value = value.copy()
        value.setflags(write=False)
    return value


class ResultBase:
    """Mixin for frozen dataclasses: ``to_dict()`` (plain Python values) and ``_repr_html_``.
    Dict and array fields are made read-only when the result is made (:func:`frozen`)."""

    _html_fields: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (dict, np.ndarray)) and not isinstance(value, FrozenDict):
                object.__setattr__(self, f.name, frozen(value))

    def to_dict(self) -> dict:
        return {f.name: plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def _repr_html_(self) -> str:
        names = self._html_fields or tuple(f.name for f in dataclasses.fields(self))
        return f"<table><caption>{html.escape(type(self).__name__)}</caption>{html_rows(self, names)}</table>"


@dataclass(frozen=True)
class FitStats(ResultBase):
    """Goodness-of-fit fields every least-squares result carries (what compare_models reads):
    residual sum of squares, its rounding level (:func:`.lsq.rounding_rss`), degrees of
    freedom n - n_params, points used, points dropped (NaN), fitted parameters and whether the
    optimiser converged. ``exact_fit``: the RSS is at the rounding level (noise-free data)."""

    rss: float
    rss_floor: float
    dof: int
    n: int
    n_dropped: int
    n_params: int
    converged: bool

    @property
    def exact_fit(self) -> bool:
        return bool(self.rss <= self.rss_floor)
