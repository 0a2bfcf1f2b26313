"""Repeated-measures statistics for time courses: treatment x time.

:func:`rm_anova` (:mod:`.split_plot`): the two-way split-plot ANOVA in closed form, type III
by default (type I on request), Greenhouse-Geisser corrected and uncorrected p; every subject
measured at every time. :func:`mixed_model` (:mod:`.mixed`): with missing values, a
random-intercept linear mixed model (REML) with F tests and Satterthwaite degrees of freedom.
"""
from .anova_result import AnovaResult
from .mixed import mixed_model
from .split_plot import gg_epsilon, rm_anova

__all__ = ["AnovaResult", "gg_epsilon", "mixed_model", "rm_anova"]
