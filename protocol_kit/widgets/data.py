"""The Data step as a plain object: attach an instrument file, read it, map the readings.

A file comes from an upload (bytes and a name) or from a path on disk; either way it is
attached to the run unchanged (an event with its SHA-256) and then read with the run's reader
and joined to the plan, so a reader's error names the file and the line or well.
"""
from __future__ import annotations

import math
import tempfile
from pathlib import Path

import pandas as pd

from ..core.plates import plate_format
from ..errors import ParameterError, ProtocolKitError


class DataController:
    """The attached data of the session's run, and the readings read from it."""

    def __init__(self, session) -> None:
        self.session = session
        self.name: str | None = None
        self.frame: pd.DataFrame | None = None
        self.error: str | None = None

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
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / unique
            path.write_bytes(bytes(content))
            self.run.attach_data(path, name=unique)
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
        from ..io import read_for_analysis

        self.name, self.frame, self.error = name, None, None
        try:  # read as Run.analyse reads it, so what is shown is what is analysed
            self.frame = read_for_analysis(self.session.protocol, self.run.data_bytes(name), name=name)
        except ProtocolKitError as exc:
            self.error = str(exc)
        return self.frame

    def resume(self) -> None:
        """Read the latest attached file of a resumed run, if any."""
        if self.session.run is not None and self.session.run.data_files:
            self.read(self.session.run.data_files[-1].name)

    # -- what the view shows ----------------------------------------------------------------
    def plates(self) -> list[dict]:
        """Per plate, the plate map with each well's code and reading, and a shade from 0
        (lowest reading) to 1 (highest); kinetic reads show the last read. Empty for a
        schedule or before a file is read."""
        f = self.frame
        p = self.session.protocol
        if f is None or p.plan_kind != "layout" or "value" not in f.columns:
            return []
        if "read" in f.columns:
            f = f.sort_values("read").groupby(["plate", "well"], as_index=False).last()
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
                        "low": f"{lo:.4g}", "high": f"{hi:.4g}"})
        return out

    def summary(self) -> str:
        """One line on what was read."""
        if self.error:
            return f"Could not read {self.name}: {self.error}"
        if self.frame is None:
            return "No data file yet."
        joined = ", joined to the plate layout" if "role" in self.frame.columns else ""
        return f"Read {self.name}: {len(self.frame)} rows{joined}."
