"""The protocol base class and the registry of protocols by id.

A protocol declares its parameters; from validated values it derives a plan: the checklist,
the reagent table and a plate layout or a fraction schedule. A plan needs no widgets, no
files and no data (the Opentrons idea of a dry run).
"""
from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import pint
import pydantic

from ..errors import ParameterError, ProtocolKitError, UnknownNameError
from .params import Parameter, build_schema, validate_values
from .steps import Step, checklist_frame

_REGISTRY: dict[str, type[Protocol]] = {}


def register(cls: type[Protocol]) -> type[Protocol]:
    """Class decorator: make ``cls`` available by its ``id``."""
    if cls.id in _REGISTRY and _REGISTRY[cls.id] is not cls:
        raise ValueError(f"protocol id {cls.id!r} registered twice")
    _REGISTRY[cls.id] = cls
    return cls


def _builtin_loaded() -> None:
    """Register the built-in protocols (their package registers them when imported)."""
    import importlib

    importlib.import_module("protocol_kit.protocols")


def protocol_ids() -> list[str]:
    """The ids of all registered protocols, in registration order."""
    _builtin_loaded()
    return list(_REGISTRY)


def protocol_class(protocol_id: str) -> type[Protocol]:
    """The class registered as ``protocol_id`` (near misses are suggested)."""
    _builtin_loaded()
    try:
        return _REGISTRY[protocol_id]
    except KeyError:
        raise UnknownNameError("protocol", protocol_id, _REGISTRY) from None


def get_protocol(protocol_id: str, **values: Any) -> Protocol:
    """A protocol by id, built with ``values`` (defaults for the rest)."""
    return protocol_class(protocol_id)(**values)


class Protocol:
    """Base class: subclasses set ``id``, ``title``, ``version``, ``parameters``, and
    implement :meth:`_checklist`, :meth:`_reagents` and :meth:`_layout` or :meth:`_schedule`."""

    id: ClassVar[str]
    title: ClassVar[str]
    version: ClassVar[str]
    summary: ClassVar[str] = ""
    parameters: ClassVar[tuple[Parameter, ...]]
    plan_kind: ClassVar[str] = "layout"  # or "schedule"

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if "parameters" in cls.__dict__:
            cls._schema = build_schema(cls.__name__ + "Params", cls.parameters)

    def __init__(self, **values: Any) -> None:
        self.params: pydantic.BaseModel = validate_values(self._schema, self.parameters, values)
        self._check()
        # Derive the plan now: a design that cannot be made or laid out fails here, not at the bench.
        self._plan_frame
        self._reagent_frame

    # -- declarations ----------------------------------------------------------------------
    @classmethod
    def parameter(cls, name: str) -> Parameter:
        for p in cls.parameters:
            if p.name == name:
                return p
        raise UnknownNameError("parameter", name, [p.name for p in cls.parameters])

    @classmethod
    def from_toml(cls, path: str | Path, **overrides: Any) -> Protocol:
        """Build from a TOML file of ``name = value`` lines (or a ``[params]`` table)."""
        return cls(**{**read_params_file(path), **overrides})

    def with_values(self, **changes: Any) -> Protocol:
        """A new protocol with some values changed (this one is unchanged)."""
        return type(self)(**{**self.raw_values(), **changes})

    # -- hooks for subclasses --------------------------------------------------------------
    def _check(self) -> None:
        """Cross-field checks; raise ParameterError naming the field."""

    def _checklist(self) -> list[Step]:
        raise NotImplementedError

    def _reagents(self) -> list[dict]:
        raise NotImplementedError

    def _layout(self) -> pd.DataFrame:
        raise NotImplementedError

    def _schedule(self) -> pd.DataFrame:
        raise NotImplementedError

    # -- the plan ---------------------------------------------------------------------------
    @property
    def reading_unit(self) -> str | None:
        """The unit of a plate well's reading as this protocol's readout gives it ('CPM', 'RFU');
        None where the instrument file names it (an HPLC table's peak-area header)."""
        return None

    def default_of(self, name: str) -> Any:
        """The default of parameter ``name`` for this plan, validated (a protocol may derive it
        from other choices, e.g. the target's radioligand)."""
        return self.parameter(name).default_value

    @property
    def values(self) -> dict[str, Any]:
        """Validated values by name (quantities as pint Quantities)."""
        return dict(self.params)

    def raw_values(self) -> dict[str, Any]:
        """Values as plain text/numbers (quantities as "10 µM"), suitable for TOML or JSON."""
        out = {}
        for p in self.parameters:
            v = getattr(self.params, p.name)
            out[p.name] = None if v is None else (f"{v.magnitude!r} {p.unit}" if isinstance(v, pint.Quantity) else v)
        return out

    @cached_property
    def _steps(self) -> tuple[Step, ...]:
        steps = tuple(self._checklist())
        ids = [s.id for s in steps]
        if len(set(ids)) != len(ids):
            raise ProtocolKitError(f"{self.id}: duplicate step ids in the checklist")
        return steps

    @property
    def checklist(self) -> list[Step]:
        """Ordered steps (each with a stable id)."""
        return list(self._steps)

    @property
    def checklist_frame(self) -> pd.DataFrame:
        return checklist_frame(self._steps)

    @cached_property
    def _reagent_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self._reagents())

    @property
    def reagents(self) -> pd.DataFrame:
        """One row per reagent or component: section, reagent, stock, final, per, total, unit,
        amount (text with unit), notes. A copy: the plan itself does not change."""
        return self._reagent_frame.copy()

    @cached_property
    def _plan_frame(self) -> pd.DataFrame:
        return self._layout() if self.plan_kind == "layout" else self._schedule()

    @property
    def layout(self) -> pd.DataFrame:
        """One row per well (binding, uptake)."""
        if self.plan_kind != "layout":
            raise ProtocolKitError(f"{self.id} has a fraction schedule, not a plate layout; use .schedule")
        return self._plan_frame.copy()

    @property
    def schedule(self) -> pd.DataFrame:
        """One row per fraction (microdialysis)."""
        if self.plan_kind != "schedule":
            raise ProtocolKitError(f"{self.id} has a plate layout, not a fraction schedule; use .layout")
        return self._plan_frame.copy()

    @property
    def warnings(self) -> list:
        """Design warnings for the plan (see :mod:`protocol_kit.design`): each has a ``code``,
        a ``message`` with the reason and the numbers, and the ``fields`` it concerns."""
        from ..design import design_warnings

        return design_warnings(self)

    def to_dict(self) -> dict[str, Any]:
        return {"protocol": self.id, "version": self.version, "params": self.raw_values()}

    @property
    def plan_hash(self) -> str:
        """SHA-256 of the protocol id, version and canonical parameter values."""
        text = json.dumps(self.to_dict(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    # -- data: simulation and analysis --------------------------------------------------------
    def simulate(self, seed: int | None = 0, **truth: Any) -> pd.DataFrame:
        """Simulated instrument data for this plan's layout or schedule (seeded, deterministic);
        ``truth`` overrides the simulated pharmacology (see each protocol)."""
        raise NotImplementedError(f"{self.id} has no simulation")

    def analyse(self, data: pd.DataFrame, **options: Any):
        """Analyse recorded readings (a tidy frame, joined to the plan or with ``well`` /
        ``fraction`` to join); returns an immutable result with tables, QC flags and HTML."""
        raise NotImplementedError(f"{self.id} has no analysis")

    def _joined(self, data: pd.DataFrame, warnings: list[str] | None = None, *, read: object = None,
                wavelength: object = None, expect: str = "endpoint", kinetic_hints=(),
                exclude_wells: object = None, extra_wells: str = "error") -> pd.DataFrame:
        """``data`` joined to the plan (by :func:`protocol_kit.io.join_layout`) unless it
        already carries the plan's columns (``role`` of a layout, ``phase`` of a schedule).
        A plate's readings are first narrowed to the one read ``read`` / ``wavelength``
        choose, of the kind ``expect``-ed, and a marker cell in a planned well is refused
        unless ``exclude_wells`` names it (:mod:`protocol_kit.io.reads`)."""
        if not isinstance(data, pd.DataFrame):
            raise ParameterError("data", type(data).__name__, "a pandas DataFrame of readings (one row per "
                                 "well or fraction)")
        marker = "role" if self.plan_kind == "layout" else "phase"
        if self.plan_kind == "layout":
            from ..io.reads import check_markers, one_read

            data = one_read(data, read=read, wavelength=wavelength, expect=expect, kinetic_hints=kinetic_hints)
        if marker not in data.columns:
            from ..io import join_layout

            data = join_layout(data, self._plan_frame, warnings=warnings, extra_wells=extra_wells)
        if self.plan_kind == "layout":
            data = check_markers(data, list(self._plan_frame["well"]), exclude_wells)
        return data

    # -- output ------------------------------------------------------------------------------
    def sheet(self, path: str | Path | None = None, *, paper: str = "A4") -> str | Path:
        """The bench sheet: HTML text when ``path`` is None, else written to ``path``
        (.html or .pdf) and the path returned."""
        from ..reports.render import render_sheet, write_sheet

        if path is None:
            return render_sheet(self, paper=paper)
        return write_sheet(self, path, paper=paper)

    def form(self, *, run_id: str | None = None, store=None, operator: str | None = None, out_dir=None):
        """The guided ipywidgets app for this plan: Plan, Bench, Data, Analysis, Report
        (``run_id`` resumes a recorded run where it stopped; see :mod:`protocol_kit.widgets`)."""
        from ..widgets import form

        return form(self, run_id=run_id, store=store, operator=operator, out_dir=out_dir)

    def start_run(self, operator: str, store=None, *, project: str | None = None):
        """Start recording a run of this plan (``store``: a Store, a path or ``postgresql://``
        URL, or None for the default ``$PROTOCOL_KIT_STORE`` / ``./protocol_kit.db``; ``project``:
        the run's project in a PostgreSQL store); returns the Run."""
        from ..records.run import start_run

        return start_run(self, operator, store, project=project)

    def _repr_html_(self) -> str:
        from ..reports.render import render_plan_summary

        return render_plan_summary(self)

    def __repr__(self) -> str:
        changed = {k: v for k, v in self.raw_values().items()
                   if v != _default_raw(self.parameter(k))}
        inner = ", ".join(f"{k}={v!r}" for k, v in changed.items())
        return f"{type(self).__name__}({inner})"


def _default_raw(p: Parameter) -> Any:
    v = p.default_value
    return None if v is None else (f"{v.magnitude!r} {p.unit}" if isinstance(v, pint.Quantity) else v)


def read_params_file(path: str | Path) -> dict[str, Any]:
    """Parameter values from a TOML file: top-level ``name = value`` or a ``[params]`` table."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParameterError("--params", str(path), "an existing TOML file", reason="does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError("--params", str(path), "a TOML file of name = value lines",
                             reason=f"is not valid TOML ({exc})") from None
    if "params" in data and isinstance(data["params"], Mapping):
        data = dict(data["params"])
    nested = [k for k, v in data.items() if isinstance(v, Mapping)]
    if nested:
        raise ParameterError("--params", str(path), "name = value lines or one [params] table",
                             reason=f"has an unexpected table [{nested[0]}]")
    return data
