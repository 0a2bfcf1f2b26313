"""The Data step as a plain object: attach an instrument file, read it, map the readings.

A file comes from an upload (bytes and a name) or from a path on disk; either way it is
attached to the run unchanged (an event with its SHA-256) and then read with the run's reader
and joined to the plan, so a reader's error names the file and the line or well. The reading
options (:data:`READ_FIELDS`: format, worksheet, decimal mark, wells not in the plan, read,
wavelength, wells to leave out) are those of :func:`protocol_kit.io.read_for_analysis` under
the same names; an error that an option resolves names the option's field.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.plates import plate_format
from ..errors import Hint, ParameterError, ProtocolKitError, UnknownNameError


def form_hint(hint: Hint) -> str:
    """An option as the form says it: the field's label and the value as the field shows it
    (Data step reading options, Analysis step options)."""
    from .analysis import KNOWN_OPTIONS

    for f in READ_FIELDS:
        if f.name == hint.name:
            return f"set '{f.label}' to '{f.shown(hint.value)}' on the Data step"
    for (name, _), (label, choices, _) in KNOWN_OPTIONS.items():
        if name == hint.name:
            shown = next((text for text, value in choices if value == hint.value), str(hint.value))
            return f"set '{label}' to '{shown}' on the Analysis step"
    return hint.python()


def form_message(exc: ProtocolKitError) -> str:
    """An error as the form says it: options by their fields (:func:`form_hint`). A hint
    the message introduces with "pass" is said without it ("set ... to ...")."""
    if isinstance(exc, ParameterError):
        from .analysis import KNOWN_OPTIONS

        labels = {f.name: f"'{f.label}'" for f in READ_FIELDS}
        labels.update({name: f"'{label}'" for (name, _), (label, _, _) in KNOWN_OPTIONS.items()})
        if exc.field in labels:
            return exc.named(labels[exc.field])
    if exc.template is None:
        return str(exc)
    template = exc.template.replace("pass {", "{")
    return template.format(*(form_hint(h) for h in exc.hints))


@dataclass(frozen=True)
class ReadField:
    """A reading option the Data step offers: a choice (``choices``: (label, value) pairs,
    the default first) or a text (``choices`` empty; an empty text is not given)."""

    name: str
    label: str
    help: str
    choices: tuple[tuple[str, Any], ...] = ()

    def value(self, shown: str) -> Any:
        """The option's value for what the field shows (a choice's label, or the text)."""
        if self.choices:
            for label, value in self.choices:
                if label == shown:
                    return value
            raise ParameterError(self.label, shown, "one of " + ", ".join(label for label, _ in self.choices))
        text = str(shown).strip()
        return text or None

    def shown(self, value: Any) -> str:
        """What the field shows for ``value``."""
        for label, v in self.choices:
            if v == value:
                return label
        return "" if value is None else str(value)


def _formats() -> tuple[tuple[str, Any], ...]:
    from ..io import READERS

    return (("found from the file", "auto"), *((name, name) for name in READERS))


# The reading options of protocol_kit.io.read_for_analysis, with the names the errors suggest.
READ_FIELDS = (
    ReadField("format", "File format", "which reader reads the file", _formats()),
    ReadField("sheet", "Worksheet", "the worksheet of an XLSX file (default: the first)"),
    ReadField("decimal", "Decimal mark", "how the file writes 1.5", (("point (1.5)", None), ("comma (1,5)", ","))),
    ReadField("extra_wells", "Wells not in the plan", "a whole plate read for a partial layout",
              (("refuse the file", "error"), ("leave them out", "ignore"))),
    ReadField("read", "Read (number or label)", "which read of a file with several, e.g. 2 or '485/528'"),
    ReadField("wavelength", "Wavelength (nm)", "which wavelength of a file with several, e.g. 535"),
    ReadField("exclude_wells", "Wells to leave out", "planned wells not analysed, e.g. C4, D5 (an OVRFLW well)"),
)


class DataController:
    """The attached data of the session's run, and the readings read from it."""

    def __init__(self, session) -> None:
        self.session = session
        self.name: str | None = None
        self.frame: pd.DataFrame | None = None
        self.error: str | None = None
        self.options: dict[str, Any] = {}   # reading options set on the Data step (not defaults)

    def fields(self) -> tuple[ReadField, ...]:
        """The reading options the Data step offers (a schedule has no reads to choose)."""
        if self.session.protocol.plan_kind == "layout":
            return READ_FIELDS
        return tuple(f for f in READ_FIELDS if f.name in ("format", "sheet", "decimal", "extra_wells"))

    def set_options(self, **shown: str) -> dict[str, Any]:
        """Set the reading options from what the fields show (by option name); a default
        or empty field is not passed. Reads the current file again when there is one."""
        fields = {f.name: f for f in self.fields()}
        options = {}
        for name, text in shown.items():
            if name not in fields:
                raise UnknownNameError("reading option", name, fields)
            value = fields[name].value(text)
            default = fields[name].choices[0][1] if fields[name].choices else None
            if value is not None and value != default:
                options[name] = value
        self.options = options
        if self.name is not None:
            self.read(self.name)
        return options

    @property
    def run(self):
        if self.session.run is None:
            raise ProtocolKitError("no run yet: start the run on the Bench step first")
        return self.session.run

    def attach_bytes(self, name: str, content: bytes) -> str:
        """Attach uploaded ``content`` as ``name`` (a name used before gets '-2', '-3', ...),
        then read it; returns the name it was attached under."""
        name = Path(str(name)).name
        if not name:
            raise ParameterError("file", name, "a file with a name")
        unique = self._unique(name)
        self.run.attach_data(bytes(content), name=unique, uploaded_as=name)
        self.read(unique)
        return unique

    def attach_path(self, path: str | Path) -> str:
        """Attach the file at ``path`` on the kernel's disk, then read it."""
        path = Path(str(path).strip()).expanduser()
        if not path.is_file():
            raise ParameterError("path", str(path), "the path of an existing file", reason="does not exist")
        unique = self._unique(path.name)
        self.run.attach_data(path, name=unique)
        self.read(unique)
        return unique

    def _unique(self, name: str) -> str:
        used = {f.name for f in self.run.data_files}
        stem, suffix, n = Path(name).stem, Path(name).suffix, 2
        out = name
        while out in used:
            out, n = f"{stem}-{n}{suffix}", n + 1
        return out

    def read(self, name: str) -> pd.DataFrame | None:
        """Read the attached file ``name`` as the analysis will (joined to a plate layout; an
        HPLC table with its standards told apart); a reader's error is kept in ``error`` (and
        the frame is None) rather than raised."""
        from ..workflow import read_run_data

        self.name, self.frame, self.error = name, None, None
        try:  # read by the workflow's reader, as the analysis reads it: what is shown is what is analysed
            self.frame = read_run_data(self.run, name, **self.options)
        except ProtocolKitError as exc:
            self.error = form_message(exc)
        return self.frame

    def resume(self) -> None:
        """Read the latest attached file of a resumed run, if any, with the reading options
        its latest analysis recorded (so the Data step shows what was analysed)."""
        run = self.session.run
        if run is not None and run.data_files:
            record = run.latest_analysis()
            names = {f.name for f in self.fields()}
            recorded = record.result.get("options", {}) if record is not None else {}
            self.options = {k: v for k, v in recorded.items() if k in names and v is not None}
            self.read(run.data_files[-1].name)

    # -- what the view shows ----------------------------------------------------------------
    def units(self) -> dict[str, str]:
        """The unit of each reading and concentration column of the frame read
        (:func:`protocol_kit.io.reading_units.reading_units`); empty before a file is read."""
        from ..io.reading_units import reading_units

        return {} if self.frame is None else reading_units(self.session.protocol, self.frame)

    def table(self) -> pd.DataFrame | None:
        """The frame read, as the Data step lists it: each reading or concentration column
        headed with its unit ('peak_area (nA·min)'), the plan's molar concentrations written
        in the unit that reads best ('1.5 nM')."""
        from ..io.reading_units import CONCENTRATIONS
        from ..reports.numbers import molar

        if self.frame is None:
            return None
        units = self.units()
        out = self.frame.copy()
        for column in CONCENTRATIONS:
            if column in out.columns:
                out[column] = [("0\u00a0M" if v == 0 else molar(v)) if isinstance(v, (int, float)) and math.isfinite(v)
                               else "" for v in out[column]]
        heads = {c: f"{c.replace('_', ' ')} ({u})" for c, u in units.items() if c not in CONCENTRATIONS}
        return out.rename(columns=heads)

    def plates(self) -> list[dict]:
        """Per plate, the plate map with each well's code and reading (with the readout's unit),
        and a shade from 0 (lowest reading) to 1 (highest); kinetic reads show the last read.
        Empty for a schedule or before a file is read."""
        f = self.frame
        p = self.session.protocol
        if f is None or p.plan_kind != "layout" or "value" not in f.columns:
            return []
        unit = self.units().get("value", "")
        kinetic = "time_s" in f.columns and f["time_s"].notna().any()
        if kinetic:  # one read, chosen on reading
            f = f.sort_values("time_s").groupby(["plate", "well"], as_index=False).last()
        fmt = plate_format(p.params.plate_format)
        out = []
        for plate, wells in (f.groupby("plate", sort=True) if "plate" in f.columns else [(1, f)]):
            by_well = wells.set_index("well")
            lo, hi = float(by_well["value"].min()), float(by_well["value"].max())
            rows = []
            for r in fmt.row_letters:
                cells = []
                for c in range(1, fmt.columns + 1):
                    well = f"{r}{c}"
                    if well not in by_well.index:
                        cells.append({"well": well, "code": "", "role": "", "value": "", "level": None})
                        continue
                    w = by_well.loc[well]
                    v = float(w["value"])
                    level = (v - lo) / (hi - lo) if hi > lo and math.isfinite(v) else 0.0
                    cells.append({"well": well, "code": str(w.get("group", "")), "role": str(w.get("role", "")),
                                  "value": f"{v:.4g}" if math.isfinite(v) else "missing", "level": level})
                rows.append({"letter": r, "cells": cells})
            out.append({"plate": plate, "rows": rows, "columns": list(range(1, fmt.columns + 1)),
                        "low": f"{lo:.4g}", "high": f"{hi:.4g}", "unit": unit,
                        "read": "the last read of the kinetic read" if kinetic else ""})
        return out

    def summary(self) -> str:
        """One line on what was read."""
        if self.error:
            return f"Could not read {self.name}: {self.error}"
        if self.frame is None:
            return "No data file yet."
        joined = ", joined to the plate layout" if "role" in self.frame.columns else ""
        return f"Read {self.name}: {len(self.frame)} rows{joined}."
