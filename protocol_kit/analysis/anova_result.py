"""The result of a repeated-measures test (:mod:`.split_plot`, :mod:`.mixed`): one row per
effect, the method and the kind of hypotheses named, corrected and uncorrected p both kept."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..units import fmt_number, format_p
from .assay_results import AssayResult


@dataclass(frozen=True)
class AnovaResult(AssayResult):
    """``to_frame()``: one row per effect: effect, F, df1, df2, p (uncorrected); the ANOVA adds
    ss and, for the within-subject effects, epsilon, df1_gg, df2_gg, p_gg (Greenhouse-Geisser);
    the mixed model's df2 is Satterthwaite's. ``ss_type``: 'III' (hypotheses on unweighted
    means, as Prism and afex) or 'I' (sequential, as R's aov); they differ only with unequal
    groups. ``method`` names the test in words."""

    method: str
    ss_type: str
    epsilon: float
    n_subjects: int
    n_times: int

    main_table = "effects"
    headline = ("method", "ss_type", "epsilon", "n_subjects", "n_times", "flags")

    def p(self, effect: str, *, corrected: bool = True) -> float:
        """The p value of ``effect`` ('treatment', 'time', 'treatment x time'): for the ANOVA's
        within-subject effects the Greenhouse-Geisser-corrected one unless ``corrected=False``."""
        t = self.tables["effects"].set_index("effect")
        # a within-subject effect has an epsilon; its corrected p is never replaced by the uncorrected one
        gg = corrected and "epsilon" in t.columns and pd.notna(t.loc[effect, "epsilon"])
        return float(t.loc[effect, "p_gg" if gg else "p"])

    def summary(self) -> str:
        parts = []
        for _, r in self.tables["effects"].iterrows():
            if "F" not in r or not np.isfinite(r.get("F", np.nan)):
                continue  # error strata, or a test that could not be made (see qc)
            text = f"{r['effect']} F({fmt_number(r['df1'], 3)}, {fmt_number(r['df2'], 3)}) = {r['F']:.2f}, {_p(r['p'])}"
            if np.isfinite(r.get("p_gg", np.nan)):
                text += (f" (Greenhouse-Geisser: df {fmt_number(r['df1_gg'], 3)}, {fmt_number(r['df2_gg'], 3)}, "
                         f"{_p(r['p_gg'])})")
            parts.append(text)
        eps = f", Greenhouse-Geisser epsilon {self.epsilon:.2f}" if np.isfinite(self.epsilon) else ""
        kind = "hypotheses" if self.method.startswith("linear mixed") else "sums of squares"
        return f"{self.method}, type {self.ss_type} {kind}{eps}: " + "; ".join(parts)


def _p(p: float) -> str:
    """'p = 0.031' or 'p < 0.0001' (:func:`protocol_kit.units.format_p`)."""
    text = format_p(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


SS_TYPES = {"III": "III", "3": "III", "I": "I", "1": "I"}


def ss_type_name(ss_type) -> str:
    """'III' or 'I' from 'III'/'3'/3 or 'I'/'1'/1; anything else is refused."""
    key = str(ss_type).strip().upper()
    if key not in SS_TYPES:
        raise ParameterError("ss_type", ss_type, "'III' (the default: unweighted means, as Prism and afex) or "
                                                 "'I' (sequential, as R's aov)")
    return SS_TYPES[key]
