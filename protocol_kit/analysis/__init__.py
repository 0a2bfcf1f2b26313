"""The fitting engine of protocol_kit: logistic, Ki and saturation fits, model comparison, ROUT,
and the assay analyses with their inputs contract (:mod:`.inputs`).

The names below are loaded on first use (PEP 562), so importing a light module of the package
(``protocol_kit.analysis.inputs``, which a plan's layout and design checks read) does not load
the fitting engine, scipy or statsmodels.
"""
from __future__ import annotations

import importlib

_NAMES = {
    ".batch": ("fit_logistic_many",),
    ".curves": ("logistic", "one_site_specific", "two_site"),
    ".fitting": ("LogisticFit", "fit_logistic"),
    ".binding": ("KiFit", "SaturationFit", "cheng_prusoff", "fit_ki", "fit_saturation"),
    ".compare": ("GlobalFit", "ModelComparison", "TwoSiteFit", "aicc", "compare_models", "fit_logistic_global",
                 "fit_two_site"),
    # assay arithmetic (issue 4)
    ".assay_results": ("AssayResult",),
    ".controls": ("percent_inhibition", "percent_of_control", "signal_to_background", "z_prime"),
    ".counts": ("added_cpm", "counts_to_fmol", "specific_binding"),
    ".stdcurve": ("StandardCurve", "standard_curve"),
    ".timecourse": ("auc", "emax_tmax", "percent_baseline"),
    ".inputs": ("BindingInputs", "MicrodialysisInputs", "SaturationInputs", "UptakeInputs", "cheng_prusoff_factor"),
    ".assay_binding": ("CompetitionResult", "analyse_competition"),
    ".assay_saturation": ("SaturationResult", "analyse_saturation"),
    ".uptake": ("UptakeResult", "analyse_uptake", "initial_rate"),
    ".microdialysis": ("MicrodialysisResult", "analyse_microdialysis"),
    ".stats": ("AnovaResult", "gg_epsilon", "mixed_model", "rm_anova"),
}
_WHERE = {name: module for module, names in _NAMES.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
