"""The Analysis step as a plain object: the options the protocol's analysis offers, the run
(:func:`protocol_kit.workflow.analyse_run`: read the attached file, analyse, record), and the recorded result as the
report shows it (headline rows with 95% CIs, flags in words, the fitted curves as SVG)."""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from ..errors import ParameterError, ProtocolKitError, UnknownNameError


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
    ("kinetic", None): ("Kinetic data", (("as the readout says", None), ("initial rate per well", "rate"),
                                         ("last time point", "last")),
                        "how a kinetic read becomes one value per well; a conversion is stated in the result"),
    ("ss_type", "III"): ("ANOVA sums of squares", (("type III (unweighted means, as Prism)", "III"),
                                                   ("type I (sequential, as R's aov)", "I")),
                         "differ only when the groups are unequal; missing samples need type III"),
    ("outliers", None): ("Outliers", (("keep all points", None), ("ROUT, Q = 1%", "rout")),
                         "remove outliers by ROUT before the final fit"),
}


class AnalysisController:
    """Run the session's analysis on the data file read on the Data step; show what is recorded."""

    def __init__(self, session) -> None:
        self.session = session
        self.result = None       # the result object of an analysis run here
        self.view: dict | None = None   # the recorded analysis as the report shows it

    def options(self) -> list[OptionSpec]:
        """The options the protocol's ``analyse`` takes that the app can offer."""
        out = []
        for name, par in inspect.signature(self.session.protocol.analyse).parameters.items():
            known = KNOWN_OPTIONS.get((name, par.default))
            if known is not None:
                out.append(OptionSpec(name, known[0], known[1], known[2]))
        return out

    def run(self, **labels: str):
        """Analyse the data file read on the Data step with the options chosen (by label);
        the result is recorded in the run."""
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
        from ..workflow import analyse_run

        self.result = analyse_run(run, data.name, **data.options, **chosen)
        self.resume()
        return self.result

    # -- analysis choices recorded in the run -----------------------------------------------------
    def _run(self):
        run = self.session.run
        if run is None:
            raise ProtocolKitError("no run yet: start the run on the Bench step first")
        return run

    def exclusion_kind(self) -> str:
        """'well' for a plate protocol, 'animal' for microdialysis."""
        return "well" if self.session.protocol.plan_kind == "layout" else "animal"

    def exclude(self, item: str, reason: str):
        """Record that ``item`` (a well or an animal) is left out of the analysis, and why."""
        return self._run().exclude(item, reason)

    def supersede(self, name: str, reason: str):
        """Record that the attached file ``name`` is superseded (kept, not analysed), and why."""
        return self._run().supersede_data(name, reason)

    def exclusions(self) -> list[dict]:
        run = self.session.run
        return [] if run is None else [{"item": f"{x.kind} {x.item}", "reason": x.reason,
                                        "by": f"{x.operator}, event {x.seq}"} for x in run.exclusions]

    def superseded(self) -> list[dict]:
        run = self.session.run
        return [] if run is None else [{"item": f"file {g.name}", "reason": g.reason,
                                        "by": f"{g.operator}, event {g.seq}"} for g in run.superseded]

    def current_files(self) -> list[str]:
        """Attached data files that are not superseded."""
        run = self.session.run
        return [] if run is None else [f.name for f in run.current_data_files]

    def resume(self) -> None:
        """Show the run's latest recorded analysis (e.g. of a resumed run)."""
        from ..workflow import analysis_view

        run = self.session.run
        self.view = analysis_view(run) if run is not None else None

    # -- what the view shows ----------------------------------------------------------------
    def rows(self) -> list[dict]:
        """The headline results: label, value, 95% CI (interval) and note."""
        return list(self.view["results"]["headline"]) if self.view else []

    def flags(self) -> list[dict]:
        """One row per QC flag: code, meaning in words, the analysis's sentences."""
        return list(self.view["flags"]) if self.view else []

    def figures(self) -> list[dict]:
        """The fitted curves (title, SVG, caption)."""
        return list(self.view["results"]["figures"]) if self.view else []

    def summary(self) -> str:
        return self.view["analysis"]["summary"] if self.view else ""
