"""A compound's profile across runs: Ki per target, selectivity, the reference drugs.

>>> import protocol_kit as pk
>>> prof = pk.profile("sertraline")          # every analysed binding / uptake run in the store
>>> prof.to_frame(), prof.ratios_frame(), prof.comparison()
>>> svg = prof.plot("profile.svg")           # log Ki by target beside the reference ranges

Parts: :mod:`.gather` (runs to measurements), :mod:`.combine` (geometric means, ratios),
:mod:`.compare` (reference drugs), :mod:`.plot` (SVG), :mod:`.simulate` (simulated runs),
:mod:`.section` (the report section).
"""
from __future__ import annotations

import sys
import types

from .combine import Ratio, TargetKi
from .core import DEFAULT_ASSAYS, CompoundProfile, UnknownCompoundError, profile
from .gather import EXCLUDING_FLAGS, Measurement
from .simulate import simulate_profile_runs

__all__ = ["CompoundProfile", "DEFAULT_ASSAYS", "EXCLUDING_FLAGS", "Measurement", "Ratio", "TargetKi",
           "UnknownCompoundError", "profile", "profile_svg", "render_section", "simulate_profile_runs"]


def profile_svg(prof, path=None) -> str:
    """The profile plot as SVG text (see :func:`protocol_kit.profile.plot.profile_svg`)."""
    from .plot import profile_svg as _svg

    return _svg(prof, path)


def render_section(prof) -> str:
    """The HTML report section of a profile (see :func:`protocol_kit.profile.section.render_section`)."""
    from .section import render_section as _render

    return _render(prof)


class _CallablePackage(types.ModuleType):
    """``pk.profile`` is a function of protocol_kit that imports this package lazily; importing
    a package sets the parent's attribute of the same name to the package, so the package is
    made callable too: ``pk.profile("sertraline")`` works before and after the import."""

    def __call__(self, compound: str, **options) -> CompoundProfile:
        return profile(compound, **options)


sys.modules[__name__].__class__ = _CallablePackage
