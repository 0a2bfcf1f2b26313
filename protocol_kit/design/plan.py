"""What the design checks read from a planned binding or uptake protocol.

:func:`read_design` takes a protocol object (its ``params`` and ``layout``) and returns a
:class:`Design`, or None for a protocol without a compound or radioligand series (e.g.
microdialysis). It recognises a protocol by its parameters, not its class: a radioligand Kd
makes a binding assay (competition or, with ``mode = "saturation"``, saturation), a substrate Km
an uptake assay.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pint

from ..analysis.inputs import BindingInputs, SaturationInputs, UptakeInputs
from ..units import Q_


@dataclass(frozen=True)
class Design:
    """One planned assay: kind, names, the tested series (molar, ascending) and the plan's
    contract ``inputs`` (:mod:`protocol_kit.analysis.inputs`: [L] and Kd, or [S] and Km, as the
    analysis reads them)."""

    kind: str  # "competition", "saturation" or "uptake"
    compound: str | None
    target: str
    tested: tuple[float, ...]  # compound (competition, uptake) or radioligand (saturation) concentrations
    inputs: BindingInputs | SaturationInputs | UptakeInputs
    params: Any  # the protocol's validated values

    @property
    def conc(self) -> pint.Quantity | None:
        """[L] or [S] (None in saturation mode, where [L] is the tested series)."""
        i = self.inputs
        if isinstance(i, SaturationInputs):
            return None
        return Q_(i.substrate_conc if isinstance(i, UptakeInputs) else i.radioligand_conc, "M")

    @property
    def k(self) -> pint.Quantity:
        """Kd or Km."""
        return Q_(self.inputs.km if isinstance(self.inputs, UptakeInputs) else self.inputs.kd, "M")

    @property
    def factor(self) -> float:
        """The Cheng-Prusoff factor 1 + [L]/Kd or 1 + [S]/Km (the inputs', one function)."""
        return self.inputs.factor

    @property
    def conc_name(self) -> str:
        return "[S]" if self.kind == "uptake" else "[L]"

    @property
    def k_name(self) -> str:
        return "Km" if self.kind == "uptake" else "Kd"


def read_design(protocol) -> Design | None:
    """The design of ``protocol``, or None when it has no series to check (a protocol whose
    ``analysis_inputs()`` is not a binding or uptake contract, e.g. microdialysis)."""
    make = getattr(protocol, "analysis_inputs", None)
    inputs = make() if make is not None else None
    v = protocol.params
    if isinstance(inputs, SaturationInputs):
        kind, target = "saturation", v.target
        tested = tuple(sorted(inputs.ligand_concs))
    elif isinstance(inputs, (BindingInputs, UptakeInputs)):
        kind, target = ("uptake", v.transporter) if isinstance(inputs, UptakeInputs) else ("competition", v.target)
        layout = protocol.layout
        tested = tuple(sorted(float(c) for c in layout.loc[layout["role"] == "compound", "conc"].unique()))
    else:
        return None
    return Design(kind=kind, compound=getattr(v, "compound", None), target=target, tested=tested,
                  inputs=inputs, params=v)
