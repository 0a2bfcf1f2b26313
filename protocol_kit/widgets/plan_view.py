"""The Plan step's widgets: a form generated from the parameter schema, the live preview,
and the sheet to print. Bound to :class:`~protocol_kit.widgets.plan.PlanController`."""
from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as w

from . import html, ui
from .fields import FieldSpec


# Widths (px): label + value box, unit dropdown, the form column and the preview's least width.
LABEL_PX, CONTROL_PX, UNIT_PX = 190, 350, 80
FORM_PX, PREVIEW_PX = 440, 440


@dataclass
class Field:
    """The controls of one field: the value control, the unit dropdown (quantities) and the
    message beside them."""

    spec: FieldSpec
    control: w.ValueWidget
    unit: w.Dropdown | None
    message: w.HTML
    box: w.Box


def make_field(spec: FieldSpec, value, unit) -> Field:
    """The controls for ``spec``, showing ``value`` (and ``unit``)."""
    common = dict(description=spec.description, tooltip=f"{spec.help} Allowed: {spec.allowed}.",
                  style={"description_width": f"{LABEL_PX}px"}, layout=w.Layout(width=f"{CONTROL_PX}px"))
    unit_dd = None
    if spec.control == "choice":
        control = w.Dropdown(options=list(spec.choices), value=value, **common)
    elif spec.control == "combo":
        control = w.Combobox(options=list(spec.choices), value=value, ensure_option=False,
                             placeholder="type or pick", **common)
    elif spec.control == "bool":
        control = w.Checkbox(value=bool(value), indent=True, **common)
    else:
        placeholder = "empty: write it on the sheet" if spec.optional else "a number"
        control = w.Text(value=value, placeholder=placeholder if spec.control != "text" else "",
                         continuous_update=True, **common)
    parts: list[w.Widget] = [control]
    if spec.control == "quantity":
        unit_dd = w.Dropdown(options=list(spec.units), value=unit, description=f"{spec.label} unit",
                             tooltip=f"unit of {spec.label}", style={"description_width": "0px"},
                             layout=w.Layout(width=f"{UNIT_PX}px"))
        parts.append(unit_dd)
    message = ui.message_box()
    message.layout.margin = f"0 0 4px {LABEL_PX + 4}px"  # under the value, beside the label column
    box = w.VBox([w.HBox(parts), message])
    box.add_class(f"pk-field-{spec.name}")
    return Field(spec, control, unit_dd, message, box)


class PlanView:
    """Form on the left, preview on the right; the sheet buttons under the preview."""

    def __init__(self, session) -> None:
        self.session = session
        self.plan = session.plan
        self._shown = None  # (protocol, locked) last drawn by refresh()
        self._filling = False  # True while the view itself writes a field (not the user typing)
        self.fields: dict[str, Field] = {}
        groups: dict[str, list[w.Widget]] = {}
        for name, spec in self.plan.specs.items():
            value, unit = self.plan.value(name)
            f = make_field(spec, value, unit)
            self.fields[name] = f
            f.control.observe(lambda ch, n=name: self._changed(n), names="value")
            if f.unit is not None:
                f.unit.observe(lambda ch, n=name: self._changed(n), names="value")
            groups.setdefault(spec.group, []).append(f.box)
        form = w.VBox([child for g, boxes in groups.items() for child in (ui.heading(g), *boxes)])
        self.status = w.HTML()
        self.warnings = w.HTML()
        self.checklist = w.HTML()
        self.reagents = w.HTML()
        self.plan_map = w.HTML()
        for pane in (self.checklist, self.reagents, self.plan_map):   # a wide table scrolls, never clipped
            pane.layout.overflow_x = "auto"
        self.preview = w.Tab(children=[self.checklist, self.reagents, self.plan_map])
        self.preview.add_class("pk-preview")
        for i, title in enumerate(["Checklist", "Reagents",
                                   "Plate map" if self.plan.protocol.plan_kind == "layout" else "Fractions"]):
            self.preview.set_title(i, title)
        self.sheet_html_button = ui.button("Print sheet (HTML)", "Make the bench sheet as HTML to download",
                                           "pk-sheet-html")
        self.sheet_pdf_button = ui.button("Print sheet (PDF)", "Make the bench sheet as PDF to download",
                                          "pk-sheet-pdf")
        self.sheet_link = w.HTML()
        self.sheet_message = ui.message_box()
        self.progress = ui.progress()
        self.sheet_html_button.on_click(lambda _: self.print_sheet("html"))
        self.sheet_pdf_button.on_click(lambda _: self.print_sheet("pdf"))
        sheet_row = w.HBox([self.sheet_html_button, self.sheet_pdf_button, self.progress])
        right = w.VBox([ui.heading("Preview"), self.status, ui.heading("Design checks", 5), self.warnings,
                        self.preview, sheet_row, self.sheet_link, self.sheet_message],
                       layout=w.Layout(flex=f"1 1 {PREVIEW_PX}px", min_width="0"))
        right.add_class("pk-plan-preview")
        left = w.VBox([form], layout=w.Layout(flex=f"0 0 {FORM_PX}px"))
        left.add_class("pk-plan-form")
        # side by side from FORM_PX + PREVIEW_PX wide (a notebook at 1400 px with its file browser
        # open gives the app about 930 px); narrower, the preview goes below the form
        self.widget = w.HBox([left, right], layout=w.Layout(flex_flow="row wrap"))
        self.widget.add_class("pk-plan")
        session.listeners.append(self.refresh)
        self.refresh()

    def _changed(self, name: str) -> None:
        if self._filling:
            return
        f = self.fields[name]
        if self.plan.locked:
            self._refuse(name)
            return
        self.plan.set(name, f.control.value, f.unit.value if f.unit is not None else None)
        self._fill(self.plan.refilled)
        for n, other in self.fields.items():  # a cross-field message may appear or clear elsewhere
            msg = self.plan.message(n)
            ui.show(other.message, "Error" if msg else None, msg or "")
        # a sheet made (or refused) for the plan as it was is not this plan's: clear its message and link
        ui.show(self.sheet_message, None)
        self.sheet_link.value = ""
        self.refresh_preview()

    def _fill(self, names) -> None:
        """Show the controller's values in the fields ``names`` (defaults that followed a new
        target), without counting them as typed."""
        self._filling = True
        try:
            for name in names:
                f, (value, unit) = self.fields[name], self.plan.value(name)
                if f.unit is not None:
                    f.unit.value = unit
                f.control.value = value
        finally:
            self._filling = False

    def _refuse(self, name: str) -> None:
        """A field changed after the run started: put the run's value back and say why."""
        f = self.fields[name]
        value, unit = self.plan.value(name)
        if f.control.value == value and (f.unit is None or f.unit.value == unit):
            return
        f.control.value = value
        if f.unit is not None:
            f.unit.value = unit
        ui.show(f.message, "Error", f"{f.spec.label} cannot change: the plan is fixed once the run has "
                                    "started (it is what the run records). Open a new form to plan another run.")

    def refresh(self) -> None:
        """Show the controller's values (e.g. after a resumed run) and lock a started plan.
        Bench actions call this too; an unchanged plan (the same protocol, locked or not) is not redrawn."""
        shown = (self.plan.protocol, self.plan.locked)
        if self._shown is not None and shown[0] is self._shown[0] and shown[1] == self._shown[1]:
            return
        self._shown = shown
        for name, f in self.fields.items():
            value, unit = self.plan.value(name)
            if not self.plan.locked:
                continue
            f.control.value = value
            if f.unit is not None:
                f.unit.value = unit
            f.control.disabled = True
            if f.unit is not None:
                f.unit.disabled = True
        self.refresh_preview()

    def refresh_preview(self) -> None:
        plan = self.plan
        lock = " The plan is fixed: the run has started." if plan.locked else ""
        ui.show(self.status, "Note" if plan.valid else "Warning", plan.status + lock)
        self.warnings.value = html.warnings(plan.warnings())
        steps = plan.checklist()
        self.checklist.value = html.frame(steps[["id", "text", "duration", "temperature", "hazards"]],
                                          css="pk-checklist")
        self.reagents.value = html.frame(plan.reagents(), css="pk-reagents")
        plate = plan.plate()
        self.plan_map.value = html.plate_map(plate) if plate is not None else html.frame(
            plan.plan_table(), css="pk-schedule")

    def print_sheet(self, fmt: str) -> None:
        """Make the bench sheet and offer it as a download."""
        p = self.plan.protocol
        name = f"{p.id}-sheet.{fmt}"
        with ui.busy(self.progress, f"Making {fmt.upper()}", self.sheet_html_button, self.sheet_pdf_button):
            if fmt == "html":
                text = ui.attempt(self.plan.sheet_html, self.sheet_message)
                data, mime = (text.encode("utf-8") if text is not None else None), "text/html"
            else:
                out = self.session.out_dir / name
                path = ui.attempt(lambda: self.plan.sheet_pdf(out), self.sheet_message)
                data, mime = (path.read_bytes() if path is not None else None), "application/pdf"
        if data is None:
            self.sheet_link.value = ""
            return
        self.sheet_link.value = html.download_link(data, name, mime, f"Download {name}")
        where = f" (also written to {self.session.out_dir / name})" if fmt == "pdf" else ""
        ui.show(self.sheet_message, "Done", f"bench sheet ready{where}.")
