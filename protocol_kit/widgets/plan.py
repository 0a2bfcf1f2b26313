"""The Plan step as a plain object: field values, validation messages and the live preview.

The form's controls write into :class:`PlanController` with :meth:`~PlanController.set`; it
validates the field alone (:meth:`Parameter.validate`), then the whole plan (the protocol
constructor, for cross-field checks and the layout), and keeps one message per field. The
preview (checklist, reagents, plate or schedule, design warnings) always shows the last valid
plan, and says when it is out of date.

Defaults that follow a choice (the assay system of a ``target`` or ``transporter``, see
:mod:`protocol_kit.protocols.defaults`) follow it in the form as in Python: only the fields the
user typed (and those the protocol was built with) are given to the protocol, as
``p.with_values(...)`` keeps them; every other field is refilled from the new plan and listed
in :attr:`PlanController.refilled`.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import ParameterError, ProtocolKitError
from .fields import FieldSpec, field_specs, join_value, split_value

if TYPE_CHECKING:
    from ..core.protocol import Protocol


class PlanController:
    """Field values of one protocol class, their messages and the last valid protocol."""

    def __init__(self, protocol: Protocol) -> None:
        self.cls = type(protocol)
        self.specs: dict[str, FieldSpec] = {s.name: s for s in field_specs(self.cls.parameters)}
        self.protocol = protocol
        self.inputs: dict[str, tuple[Any, str | None]] = {}
        self.field_errors: dict[str, str] = {}   # the field alone
        self.plan_errors: dict[str, str] = {}    # the whole plan, by the field it names
        self.plan_error: str | None = None        # a plan problem naming no field (layout)
        self.locked = False
        self.typed: set[str] = set()      # fields given by the user: kept when a choice changes
        self.refilled: list[str] = []     # fields the last change refilled from the new plan
        self.load(protocol)

    # -- values ----------------------------------------------------------------------------
    def load(self, protocol: Protocol) -> None:
        """Show ``protocol``'s values in every field (e.g. a resumed run's plan)."""
        self.protocol = protocol
        given = getattr(protocol, "_given", None)   # a protocol whose defaults follow its target
        self.typed = set(self.specs) if given is None else set(given) & set(self.specs)
        self.refilled = []
        for name, spec in self.specs.items():
            self.inputs[name] = split_value(spec, getattr(protocol.params, name))
        self.field_errors.clear()
        self.plan_errors.clear()
        self.plan_error = None

    def value(self, name: str) -> tuple[Any, str | None]:
        """What the field ``name`` holds: (value, unit or None)."""
        return self.inputs[name]

    def set(self, name: str, value: Any, unit: str | None = None) -> str | None:
        """Set a field as typed; returns the message now shown beside it (None when valid)."""
        if self.locked:
            raise ProtocolKitError("the plan is fixed once the run has started; start a new form to "
                                   "plan another run")
        spec = self.specs[name]
        self.inputs[name] = (value, unit if spec.control == "quantity" else None)
        self.typed.add(name)
        try:
            self.cls.parameter(name).validate(join_value(spec, value, unit))
            self.field_errors.pop(name, None)
        except ProtocolKitError as exc:
            self.field_errors[name] = self.form_words(str(exc))
        self._rebuild()
        return self.message(name)

    def _rebuild(self) -> None:
        self.plan_errors.clear()
        self.plan_error = None
        self.refilled = []
        if self.field_errors:
            return
        values = {n: join_value(self.specs[n], v, u) for n, (v, u) in self.inputs.items() if n in self.typed}
        try:
            self.protocol = self.cls(**values)
            self._refill()
        except ParameterError as exc:
            if exc.field in self.specs:
                self.plan_errors[exc.field] = self.form_words(str(exc))
            else:
                self.plan_error = self.form_words(str(exc))
        except ProtocolKitError as exc:
            self.plan_error = self.form_words(str(exc))

    def _refill(self) -> None:
        """Show the new plan's value in each field the user did not type (a default that
        followed the new target); a field whose shown value already equals it is left alone."""
        for name, spec in self.specs.items():
            if name in self.typed:
                continue
            shown = split_value(spec, getattr(self.protocol.params, name))
            if shown != self.inputs[name]:
                self.inputs[name] = shown
                self.refilled.append(name)

    def form_words(self, message: str) -> str:
        """A message in the form's words: each parameter's internal name (``top_conc``) becomes
        its label as the form shows it ("Top concentration"). Only names with an underscore are
        replaced, so a name that is also an English word ("mode", "dose") is never rewritten."""
        for name, spec in self.specs.items():
            if "_" in name:
                message = re.sub(rf"(?<![\w.]){re.escape(name)}(?!\w)", spec.label, message)
        return message

    def message(self, name: str) -> str | None:
        """The one-line message beside field ``name``, or None."""
        return self.field_errors.get(name) or self.plan_errors.get(name)

    @property
    def valid(self) -> bool:
        return not (self.field_errors or self.plan_errors or self.plan_error)

    @property
    def status(self) -> str:
        """One line above the preview: what it shows."""
        if self.valid:
            return "The preview shows the plan as entered."
        bad = sorted({*self.field_errors, *self.plan_errors})
        names = ", ".join(self.specs[n].label for n in bad)
        what = f"fix {names}" if names else self.plan_error
        return f"Not updated: {what}. The preview shows the last valid plan."

    # -- preview ---------------------------------------------------------------------------
    def warnings(self) -> list[tuple[str, str, str]]:
        """Design warnings of the last valid plan: (code, message, labels of the fields)."""
        out = []
        for w in self.protocol.warnings:
            labels = ", ".join(self.specs[f].label for f in w.fields if f in self.specs)
            out.append((w.code, w.message, labels))
        return out

    def checklist(self) -> pd.DataFrame:
        return self.protocol.checklist_frame

    def reagents(self) -> pd.DataFrame:
        cols = ["section", "reagent", "stock", "final", "amount", "notes"]
        frame = self.protocol.reagents
        return frame[[c for c in cols if c in frame.columns]]

    def plan_table(self) -> pd.DataFrame:
        """The plate layout or the fraction schedule."""
        p = self.protocol
        return p.layout if p.plan_kind == "layout" else p.schedule

    def plate(self) -> dict | None:
        """The plate map (rows of cells with code and role, and a legend), or None for a
        schedule."""
        from ..reports.render import plate_context

        p = self.protocol
        if p.plan_kind != "layout":
            return None
        return plate_context(p.layout, p.params.plate_format)

    # -- the sheet -------------------------------------------------------------------------
    def sheet_html(self) -> str:
        """The bench sheet of the last valid plan as HTML text."""
        self._require_valid()
        return self.protocol.sheet()

    def sheet_pdf(self, path: str | Path) -> Path:
        """The bench sheet as a PDF file at ``path``."""
        self._require_valid()
        return Path(self.protocol.sheet(Path(path)))

    def _require_valid(self) -> None:
        if not self.valid:
            raise ProtocolKitError(f"the plan has problems; {self.status}")
