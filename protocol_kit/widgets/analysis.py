"""The Analysis step as a plain object: the options the protocol's analysis offers, the run,
and the result read back as labelled rows for the results table."""
from __future__ import annotations

import importlib.util
import inspect
from dataclasses import dataclass
from typing import Any

from ..errors import ParameterError, ProtocolKitError, UnknownNameError
from ..units import fmt_number, format_molar
from .runapi import analyse_run


@dataclass(frozen=True)
class OptionSpec:
    """A choice the analysis offers: ``choices`` are (label, value) pairs, the default first."""

    name: str
    label: str
    choices: tuple[tuple[str, Any], ...]
    help: str

    @property
    def labels(self) -> list[str]:
        return [label for label, _ in self.choices]

    def value(self, label: str) -> Any:
        for text, value in self.choices:
            if text == label:
                return value
        raise ParameterError(self.name, label, "one of " + ", ".join(self.labels))


# Options the app knows how to offer, by (keyword, its default in the analyse signature).
KNOWN_OPTIONS = {
    ("weighting", "relative"): ("Weighting", (("relative, 1/Y²", "relative"), ("none", None)),
                                "relative weights for counts whose SD grows with the count"),
    ("weighting", None): ("Standard-curve weighting", (("none", None), ("1/x", "1/x"), ("1/x²", "1/x2")),
                          "weights of the standard-curve regression"),
    ("bottom", None): ("Bottom plateau", (("fitted", None), ("fixed at 0 (NSB / full inhibition)", 0.0)),
                       "fix the bottom for a curve that stops early"),
    ("outliers", None): ("Outliers", (("keep all points", None), ("ROUT, Q = 1%", "rout")),
                         "remove outliers by ROUT before the final fit"),
    ("model", None): ("Model", (("one site", None), ("two sites", "two-site")), "the curve model"),
}

# Result fields: their label, and whether they are molar concentrations.
LABELS = {"ic50": ("IC50", True), "ic50_text": ("IC50", False), "ki": ("Ki (Cheng-Prusoff)", True),
          "ki_direct": ("Ki (direct fit)", True), "kd": ("Kd", True), "hill": ("Hill slope", False),
          "bmax": ("Bmax (fmol/mg protein)", False), "window": ("TB/NSB", False),
          "z_prime": ("Z'", False), "signal_to_background": ("S/B", False),
          "depletion_pct": ("Ligand depletion (%)", False),
          "specific_pct_of_total": ("Specific binding (% of total)", False),
          "specific_fmol_per_mg": ("Specific binding (fmol/mg)", False), "flags": ("Flags", False)}


class AnalysisController:
    """Run the session's analysis on the loaded data file and keep the result."""

    def __init__(self, session) -> None:
        self.session = session
        self.result = None

    def options(self) -> list[OptionSpec]:
        """The options the protocol's ``analyse`` takes that the app can offer."""
        out = []
        params = inspect.signature(self.session.protocol.analyse).parameters
        for name, par in params.items():
            known = KNOWN_OPTIONS.get((name, par.default))
            if known is not None:
                out.append(OptionSpec(name, known[0], known[1], known[2]))
        return out

    def run(self, **labels: str):
        """Analyse the data file read on the Data step with the options chosen (by label)
        and record the result in the run."""
        run, data = self.session.run, self.session.data
        if run is None:
            raise ProtocolKitError("no run yet: start the run on the Bench step first")
        if data.name is None or data.frame is None:
            raise ProtocolKitError("no readable data file yet: attach one on the Data step first")
        specs = {o.name: o for o in self.options()}
        chosen = {}
        for name, label in labels.items():
            if name not in specs:
                raise UnknownNameError("analysis option", name, specs)
            chosen[name] = specs[name].value(label)
        self.result = analyse_run(run, data.name, **chosen)
        return self.result

    def resume(self) -> None:
        """Nothing to redo: a resumed run shows its recorded analyses in the record."""

    # -- what the view shows ----------------------------------------------------------------
    def rows(self) -> list[tuple[str, str]]:
        """The headline results as (label, text), a value and its 95% CI on one row."""
        r = self.result
        if r is None:
            return []
        out = []
        for name in getattr(r, "headline", ()):
            if name.endswith("_ci"):
                continue
            base = name.removesuffix("_text")
            label, molar = LABELS.get(name, (name.replace("_", " "), False))
            text = _text(getattr(r, name), molar)
            ci = getattr(r, base + "_ci", None) if base + "_ci" in r.headline else None
            if ci is not None and len(ci) == 2:
                ci_molar = LABELS.get(base, ("", molar))[1]
                text += f" (95% CI {_text(ci[0], ci_molar)} to {_text(ci[1], ci_molar)})"
            out.append((label, text))
        return out

    def flags(self) -> list[str]:
        """One sentence per failed check (or 'all checks passed')."""
        if self.result is None:
            return []
        return list(self.result.qc) or ["all checks passed"]

    def plot_svg(self) -> str | None:
        """The fitted curves as SVG, when :mod:`protocol_kit.reports.plots` can draw them."""
        if self.result is None or importlib.util.find_spec("protocol_kit.reports.plots") is None:
            return None
        from ..reports import plots

        draw = getattr(plots, "result_svg", None)
        return draw(self.result) if callable(draw) else None


def _text(value: Any, molar: bool) -> str:
    if value is None:
        return "—"
    if isinstance(value, (tuple, list)):
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, float):
        return format_molar(value).replace("\u00a0", " ") if molar else fmt_number(value)
    return str(value)
