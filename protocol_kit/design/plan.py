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


@dataclass(frozen=True)
class Design:
    """One planned assay: kind, names, the tested series (molar, ascending) and the fixed
    concentration with its constant ([L] and Kd, or [S] and Km)."""

    kind: str  # "competition", "saturation" or "uptake"
    compound: str | None
    target: str
    tested: tuple[float, ...]  # compound (competition, uptake) or radioligand (saturation) concentrations
    conc: pint.Quantity  # [L] or [S]
    k: pint.Quantity  # Kd or Km
    params: Any  # the protocol's validated values

    @property
    def conc_name(self) -> str:
        return "[S]" if self.kind == "uptake" else "[L]"

    @property
    def k_name(self) -> str:
        return "Km" if self.kind == "uptake" else "Kd"


def read_design(protocol) -> Design | None:
    """The design of ``protocol``, or None when it has no series to check."""
    v = protocol.params
    if _has(v, "radioligand_kd", "radioligand_conc", "target"):
        kind = "saturation" if getattr(v, "mode", "competition") == "saturation" else "competition"
        conc, k, target = v.radioligand_conc, v.radioligand_kd, v.target
    elif _has(v, "substrate_km", "substrate_conc", "transporter"):
        kind, conc, k, target = "uptake", v.substrate_conc, v.substrate_km, v.transporter
    else:
        return None
    if kind == "saturation":
        tested = tuple(sorted(protocol.ligand_concentrations()))
    else:
        layout = protocol.layout
        tested = tuple(sorted(float(c) for c in layout.loc[layout["role"] == "compound", "conc"].unique()))
    return Design(kind=kind, compound=getattr(v, "compound", None), target=target, tested=tested,
                  conc=conc, k=k, params=v)


def _has(values: Any, *names: str) -> bool:
    return all(getattr(values, n, None) is not None for n in names)
