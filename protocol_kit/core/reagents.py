"""Reagent arithmetic: buffer recipes, working solutions and serial dilutions.

Every function is pure and works in pint quantities. The formulas are the bench ones:
- mass = molarity x volume x molar mass;
- C1 V1 = C2 V2 for a working solution made from a stock;
- a serial dilution by factor f with a fixed diluent volume D per tube: each tube receives
  T = D / (f - 1) from the tube before, so it holds D + T and keeps D after passing T on.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pint

from ..errors import ParameterError
from ..units import CONC_UNITS, MASS_UNITS, VOLUME_UNITS, Q_, best_unit, clean_magnitude, format_quantity, unit_text, fmt_number



@dataclass(frozen=True)
class Component:
    """A buffer component: name, final molarity and the molar mass of the form weighed out."""

    name: str
    molarity: pint.Quantity
    molar_mass: pint.Quantity  # g/mol of the form weighed (e.g. a hydrate)
    source: str = ""
    stock: pint.Quantity | None = None  # added from an aqueous stock of this molarity, not weighed
    stock_volume: pint.Quantity = Q_(10, "mL")  # the batch of that stock

    def mass(self, volume: pint.Quantity) -> pint.Quantity:
        """Mass to weigh for ``volume`` of buffer: molarity x volume x molar mass."""
        return (self.molarity * volume * self.molar_mass).to("g")

    def stock_draw(self, volume: pint.Quantity) -> pint.Quantity:
        """Stock added to ``volume`` of buffer: volume x molarity / stock (C1 V1 = C2 V2)."""
        return (volume * (self.molarity / self.stock)).to("uL")

    def stock_mass(self) -> pint.Quantity:
        """Mass weighed for the stock batch: stock molarity x stock volume x molar mass."""
        return (self.stock * self.stock_volume * self.molar_mass).to("mg")


@dataclass(frozen=True)
class BufferRecipe:
    """A buffer made by weighing its components and adjusting the pH."""

    name: str
    components: tuple[Component, ...]
    ph: float | None = None
    ph_with: str = ""

    def rows(self, volume: pint.Quantity, *, purpose: str) -> list[dict]:
        """Reagent-table rows: the buffer itself, then each component's mass for ``volume``."""
        ph = f"; pH {fmt_number(self.ph)}" + (f" with {self.ph_with}" if self.ph_with else "") if self.ph else ""
        rows = [reagent_row(self.name, volume, section="Buffers", per=None,
                            notes=f"{purpose}{ph}")]
        for c in self.components:
            per_litre = c.mass(Q_(1, "L"))
            molar = f"M = {fmt_number(c.molar_mass.to('g/mol').magnitude, 6)} g/mol"
            if c.stock is None:
                rows.append(reagent_row(f"  {c.name}", c.mass(volume), section="Buffers", final=c.molarity,
                                        notes=f"{format_quantity(per_litre)} per litre; {molar}"))
            else:
                rows.append(reagent_row(
                    f"  {c.name}", c.stock_draw(volume), section="Buffers", final=c.molarity,
                    stock=c.stock,
                    notes=f"added from a {format_quantity(best_unit(c.stock, CONC_UNITS))} stock in water "
                          f"({format_quantity(c.stock_mass())} in {format_quantity(c.stock_volume)}; {molar}): "
                          f"{format_quantity(per_litre, 3)} per litre would be too little to weigh"))
        return rows

    def measures(self, volume: pint.Quantity) -> list[Measure]:
        """What is weighed (or drawn from a component's stock) for ``volume`` of buffer. The fix
        for a mass under 1 mg: a larger batch (the volume at which it reaches 1 mg) or a stock."""
        out = []
        for c in self.components:
            if c.stock is not None:
                out.append(Measure(f"{c.name} stock into the {self.name}", c.stock_draw(volume), f"  {c.name}",
                                   "a more dilute stock of it", ()))
                out.append(Measure(f"{c.name} for its {format_quantity(c.stock_volume)} stock", c.stock_mass(),
                                   f"  {c.name}", "a larger batch of the stock", ()))
                continue
            batch = (Q_(1, "mg") / (c.molarity * c.molar_mass)).to("mL")
            k = 10
            while (c.molarity * k * Q_(10, "mL") * c.molar_mass).to("mg") < Q_(1, "mg"):
                k *= 10
            stock = best_unit(c.molarity * k, CONC_UNITS)
            fix = (f"make a larger batch of {self.name} (at least {format_quantity(batch, 3)}, which needs 1 mg), or "
                   f"add {c.name} from a {k}x stock ({format_quantity(stock)}: "
                   f"{format_quantity((c.molarity * k * Q_(10, 'mL') * c.molar_mass).to('mg'), 3)} in 10 mL water; "
                   f"{format_quantity(best_unit(volume / k, VOLUME_UNITS), 3)} of it per {format_quantity(best_unit(volume, VOLUME_UNITS), 3)})")
            out.append(Measure(f"{c.name} weighed for the {self.name}", c.mass(volume).to("mg"), f"  {c.name}", fix))
        return out


def reagent_row(reagent: str, total: pint.Quantity, *, section: str,
                stock: pint.Quantity | None = None, final: pint.Quantity | None = None,
                per: pint.Quantity | None = None, per_what: str = "", notes: str = "") -> dict:
    """One row of a reagent table; ``amount`` is ``total`` as text in a readable unit."""
    candidates = VOLUME_UNITS if total.check("[volume]") else MASS_UNITS if total.check("[mass]") else None
    shown = best_unit(total, candidates) if candidates else total
    return {
        "section": section,
        "reagent": reagent,
        "stock": format_quantity(best_unit(stock, CONC_UNITS)) if _is_conc(stock) else _fmt(stock),
        "final": format_quantity(best_unit(final, CONC_UNITS)) if _is_conc(final) else _fmt(final),
        "per": (_fmt(per) + (f" per {per_what}" if per_what else "")) if per is not None else "",
        "total": float(shown.magnitude),
        "unit": unit_text(shown.units),
        "amount": format_quantity(shown),
        "notes": notes,
    }


def _is_conc(q: pint.Quantity | None) -> bool:
    return q is not None and q.check("[concentration]")


def _fmt(q: pint.Quantity | None) -> str:
    if q is None:
        return ""
    if q.check("[volume]"):
        q = best_unit(q, VOLUME_UNITS)
    return format_quantity(q)


def working_solution(final: pint.Quantity, fold: float, volume: pint.Quantity,
                     stock: pint.Quantity, *, field: str) -> tuple[pint.Quantity, pint.Quantity, pint.Quantity]:
    """Working concentration (fold x final), and the stock and diluent volumes for ``volume``.

    C1 V1 = C2 V2: V_stock = volume x C_working / C_stock. A working solution more concentrated
    than its stock is impossible and raises a ParameterError naming ``field``. A working solution
    as strong as its stock is the stock used neat: 0 µL diluent, not a unit conversion's residue.
    """
    working = Q_(clean_magnitude(float((final * fold).to(stock.units).magnitude)), stock.units)
    ratio = dilution_ratio(working, stock)
    if ratio > 1:
        raise ParameterError(
            field, format_quantity(stock),
            f"a stock of at least {format_quantity(best_unit(working, CONC_UNITS))} "
            f"(the {fmt_number(fold)}x working solution of {format_quantity(best_unit(final, CONC_UNITS))})",
            reason="is too dilute for the working solution",
        )
    return working, volume * ratio, volume * (1 - ratio)


def dilution_ratio(working: pint.Quantity, stock: pint.Quantity) -> float:
    """C_working / C_stock as a plain number, cleaned of the binary residue of unit conversion
    (:func:`protocol_kit.units.clean_magnitude`): 35000 nM / 35 µM is exactly 1, so the diluent
    volume (1 - ratio) x V is 0, not 2.274e-13 µL."""
    return clean_magnitude(float((working / stock).to("dimensionless").magnitude))


@dataclass(frozen=True)
class Measure:
    """One volume pipetted or mass weighed to make a reagent of the plan, for the design checks.

    ``what`` says what is measured ("fluoxetine stock into its working solution"), ``amount``
    the quantity, ``reagent`` the reagent-table row it belongs to, ``fix`` how to make it larger,
    ``fields`` the parameters to change."""

    what: str
    amount: pint.Quantity
    reagent: str
    fix: str
    fields: tuple[str, ...] = ()


def intermediate_dilution_fix(amount: pint.Quantity, stock: pint.Quantity, name: str, field: str,
                              minimum: pint.Quantity = Q_(1, "uL")) -> str:
    """The fix for a stock draw below ``minimum``: dilute the stock 1:k first (k the smallest
    power of 10 that lifts the draw to ``minimum``), then draw k times the volume."""
    k = 10
    while amount * k < minimum:
        k *= 10
    diluted = best_unit(stock / k, CONC_UNITS) if _is_conc(stock) else stock / k
    return (f"dilute the {name} stock 1:{k} first ({format_quantity(diluted)}) and draw "
            f"{format_quantity((amount * k).to('uL'))} of it ({field} = {format_quantity(diluted)}), "
            "or make a larger batch")


@dataclass(frozen=True)
class SerialDilution:
    """A serial dilution plan at working strength (the plate receives 1/fold of each tube).

    ``top_working`` is the first tube's concentration, ``factor`` the fold between tubes,
    ``keep`` the volume each tube must keep for the plate, ``stock`` the compound stock.
    """

    top_working: pint.Quantity
    factor: float
    n: int
    keep: pint.Quantity
    stock: pint.Quantity

    @property
    def transfer(self) -> pint.Quantity:
        """T = D / (f - 1), with the diluent D equal to the volume each tube keeps."""
        return self.keep / (self.factor - 1)

    @property
    def first_total(self) -> pint.Quantity:
        """The first tube holds what it keeps and what it passes on: D + T."""
        return self.keep + self.transfer

    @property
    def stock_volume(self) -> pint.Quantity:
        """Stock drawn into the first tube: (D + T) x top working / stock (C1 V1 = C2 V2)."""
        return (self.first_total * dilution_ratio(self.top_working, self.stock)).to("uL")

    @property
    def first_diluent(self) -> pint.Quantity:
        """Diluent in the first tube: (D + T) x (1 - top working / stock); 0 for a neat stock."""
        return (self.first_total * (1 - dilution_ratio(self.top_working, self.stock))).to("uL")

    def concentrations(self) -> list[pint.Quantity]:
        return [self.top_working / self.factor ** i for i in range(self.n)]

    def table(self, *, fold: float, diluent: str, first_diluent: str | None = None) -> pd.DataFrame:
        """One row per tube: working and final concentrations, what goes in, what it keeps.

        ``first_diluent`` (default ``diluent``) dilutes the stock in tube 1; ``diluent`` the
        transfers into tubes 2..n (a solvent-matched diluent keeps the solvent equal in every tube)."""
        rows = []
        v_stock = self.stock_volume
        for i, c in enumerate(self.concentrations()):
            if i == 0:
                source, v_in, v_dil = "stock", v_stock, self.first_diluent
                into = first_diluent or diluent
            else:
                source, v_in, v_dil = f"tube {i}", self.transfer.to("uL"), self.keep.to("uL")
                into = diluent
            rows.append({
                "tube": i + 1,
                "working_conc": format_quantity(best_unit(c, CONC_UNITS)),
                "final_conc": format_quantity(best_unit(c / fold, CONC_UNITS)),
                "final_molar": float((c / fold).to("M").magnitude),
                "from": source,
                "transfer": format_quantity(v_in),
                "transfer_uL": float(v_in.magnitude),
                "diluent": f"{format_quantity(v_dil)} {into}",
                "diluent_uL": float(v_dil.magnitude),
            })
        return pd.DataFrame(rows)

    def diluent_total(self) -> pint.Quantity:
        """Diluent for all tubes: (first tube's diluent) + (n - 1) x D."""
        return (self.first_diluent + self.keep * (self.n - 1)).to("uL")
