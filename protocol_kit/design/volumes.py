"""The volumes pipetted to make a planned dilution series, recomputed from the parameters.

The same bench arithmetic as the reagent table (:class:`protocol_kit.core.reagents.SerialDilution`):
each plate addition is well volume / working fold; each tube keeps what its wells take,
addition x wells per tube x (1 + overage/100); a series by factor f passes T = keep / (f - 1)
from tube to tube; the first tube holds keep + T, of which (keep + T) x top working / stock is
drawn from the stock (C1 V1 = C2 V2). Wells per tube: the replicates of a compound series; in a
saturation series the total and the NSB wells of each concentration (2 x replicates).
"""
from __future__ import annotations

from dataclasses import dataclass

import pint

from .plan import Design


@dataclass(frozen=True)
class SeriesVolumes:
    """The three smallest-volume pipettings of a series (microlitres) and what they are of."""

    name: str  # "sertraline" or "[3H]citalopram"
    stock: pint.Quantity
    stock_field: str
    factor_field: str
    stock_draw: float  # into the first tube
    transfer: float  # from tube to tube
    addition: float  # per well

    def items(self) -> list[tuple[str, float, str]]:
        """(what, volume in uL, field to change) for each pipetting."""
        return [(f"{self.name} stock into the first tube", self.stock_draw, self.stock_field),
                ("tube-to-tube transfer", self.transfer, self.factor_field),
                ("addition of each dilution per well", self.addition, "working_fold")]


def series_volumes(design: Design) -> SeriesVolumes:
    v = design.params
    addition = float((v.well_volume / v.working_fold).to("uL").magnitude)
    if design.kind == "saturation":
        name, stock, field = v.radioligand, v.radioligand_stock, "radioligand_stock"
        top, factor, wells = v.sat_top_conc, v.sat_dilution_factor, 2 * v.replicates
    else:
        name, stock, field = v.compound, v.compound_stock, "compound_stock"
        top, factor, wells = v.top_conc, v.dilution_factor, v.replicates
    keep = addition * wells * (1 + v.overage / 100)
    transfer = keep / (factor - 1)
    fraction = float((top * v.working_fold / stock).to("").magnitude)
    return SeriesVolumes(name=name, stock=stock, stock_field=field,
                         factor_field="sat_dilution_factor" if design.kind == "saturation" else "dilution_factor",
                         stock_draw=(keep + transfer) * fraction,
                         transfer=transfer, addition=addition)
