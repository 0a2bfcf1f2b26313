"""The fitting engine of protocol_kit: logistic, Ki and saturation fits, model comparison, ROUT."""
from __future__ import annotations

from .batch import fit_logistic_many
from .curves import logistic, one_site_specific, two_site
from .fitting import LogisticFit, fit_logistic
from .binding import KiFit, SaturationFit, cheng_prusoff, fit_ki, fit_saturation
from .compare import (
    GlobalFit,
    ModelComparison,
    TwoSiteFit,
    aicc,
    compare_models,
    fit_logistic_global,
    fit_two_site,
)
# assay arithmetic (issue 4)
from .assay_results import AssayResult
from .controls import percent_inhibition, percent_of_control, signal_to_background, z_prime
from .counts import added_cpm, counts_to_fmol, specific_binding
from .stdcurve import StandardCurve, standard_curve
from .timecourse import auc, emax_tmax, percent_baseline
from .assay_binding import BindingSetup, CompetitionResult, analyse_competition
from .assay_saturation import SaturationResult, analyse_saturation
from .uptake import UptakeResult, analyse_uptake, initial_rate
from .microdialysis import MicrodialysisResult, analyse_microdialysis
from .stats import AnovaResult, gg_epsilon, mixed_model, rm_anova
