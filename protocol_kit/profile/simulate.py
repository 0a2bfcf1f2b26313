"""Simulated binding runs of one compound at several targets, for the demo and the tests.

For each target: the competition-binding plan with that target's radioligand / NSB pair
(DOMAIN.md: SERT [3H]citalopram / fluoxetine, NET [3H]nisoxetine / desipramine, DAT
[3H]WIN 35,428 / GBR 12909, H1 [3H]pyrilamine / mianserin, muscarinic [3H]QNB / atropine,
alpha-1 [3H]prazosin / phentolamine, sigma-1 [3H](+)-pentazocine / haloperidol) and a
concentration series that brackets the expected IC50 = Ki (1 + [L]/Kd): the top concentration
is 10^ceil(log10 IC50 + 2) M (at most 100 uM), so two log units lie above the IC50 and, with
twelve 1:3 steps (5.2 log units), more than three below. The plan's design checks must be
silent (a Ki too high to bracket under 100 uM is refused with the checks' message).
Then: simulate (truth Ki from :mod:`protocol_kit.reference` unless ``ki`` gives one), start a
run, note that the data are simulated, attach the counts, analyse, record, sign.

The radioligand Kd values below are illustrative planning values, not from the seeds (DOMAIN.md:
"Kd is always the user's own measured value"); the simulation uses the same Kd, so Ki is
recovered whatever they are. Run k (k = 0, 1, ...) is simulated with ``seed + k``.
"""
from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

from ..analysis.inputs import cheng_prusoff_factor
from ..errors import ParameterError
from ..records.run import Run
from ..records.store import Store, as_store
from ..reference.names import canonical_target
from ..units import parse_quantity, to_molar


@dataclass(frozen=True)
class ProfileTarget:
    """The radioligand, its Kd and [L] (texts with units) and the NSB drug a profile plan uses at one target."""

    radioligand: str
    kd: str
    conc: str
    nsb_drug: str


SETUPS: dict[str, ProfileTarget] = {
    "SERT": ProfileTarget("[3H]citalopram", "1.5 nM", "1.5 nM", "fluoxetine"),
    "NET": ProfileTarget("[3H]nisoxetine", "0.8 nM", "0.8 nM", "desipramine"),
    # [L] at 0.4 Kd keeps the simulated total/NSB window above 2 at DAT
    "DAT": ProfileTarget("[3H]WIN 35,428", "5 nM", "2 nM", "GBR 12909"),
    "H1": ProfileTarget("[3H]pyrilamine", "1 nM", "1 nM", "mianserin"),
    "muscarinic": ProfileTarget("[3H]QNB", "0.05 nM", "0.05 nM", "atropine"),
    "alpha-1": ProfileTarget("[3H]prazosin", "0.2 nM", "0.2 nM", "phentolamine"),
    "sigma-1": ProfileTarget("[3H](+)-pentazocine", "3 nM", "3 nM", "haloperidol"),
}
OPERATOR = "protocol_kit simulation"
MAX_TOP = 1e-4  # M: 100 uM, about the highest a compound stays in solution in most assays


def binding_plan(compound: str, target: str, ki_molar: float):
    """The competition plan of ``compound`` at ``target`` whose series brackets the IC50
    expected from ``ki_molar`` (see the module docstring); refuses a plan with design warnings."""
    from ..protocols import RadioligandBinding

    t = canonical_target(target)
    if t not in SETUPS:
        raise ParameterError("targets", target, f"one of {', '.join(SETUPS)} (a radioligand / NSB pair is known)")
    s = SETUPS[t]
    ic50 = ki_molar * cheng_prusoff_factor(to_molar(s.conc, field="radioligand_conc"),
                                           to_molar(s.kd, field="radioligand_kd"))
    top = min(10.0 ** math.ceil(math.log10(ic50) + 2), MAX_TOP)
    stock = min(1e-2, 1000 * top)  # working solution 10x top; the first draw stays >= 1 uL
    # radioligand stock at most 1000 x [L] (supplied 12.5 uM, diluted): its draw stays >= 1 uL
    ligand_stock = min(12.5e-6, 1000 * parse_quantity(s.conc, "M").magnitude)
    p = RadioligandBinding(
        target=t, radioligand=s.radioligand, radioligand_kd=s.kd, radioligand_conc=s.conc, nsb_drug=s.nsb_drug,
        radioligand_stock=f"{ligand_stock!r} M",
        membrane_source=f"HEK293 cells expressing human {t}", compound=compound, top_conc=f"{top!r} M",
        compound_stock=f"{stock!r} M", expected_ki=f"{ki_molar!r} M")
    if p.warnings:
        raise ParameterError("targets", target, "a target whose simulated plan passes the design checks",
                             reason="gives design warnings: " + " | ".join(w.message for w in p.warnings))
    return p


def simulate_profile_runs(store: Store | str | os.PathLike | None, compound: str = "sertraline",
                          targets: tuple[str, ...] = ("SERT", "NET", "DAT"), seed: int = 1, *,
                          ki: Mapping[str, object] | None = None, operator: str = OPERATOR,
                          passphrase: str | None = None) -> list[Run]:
    """One signed, analysed, simulated competition-binding run of ``compound`` per target in
    ``store`` (see the module docstring); ``ki`` maps a target to the true Ki to simulate
    (e.g. {"H1": "2 uM"}; default the reference estimate). Each run is signed 'performed' by
    ``operator`` with their key (``protocol-kit keys init --name OPERATOR``), unlocked by
    ``passphrase`` (None: ``$PROTOCOL_KIT_PASSPHRASE``). Returns the runs, in target order."""
    from ..simulate.reference import reference_ki

    st = as_store(store)
    given = {canonical_target(k): to_molar(v, field=f"ki[{k!r}]") for k, v in (ki or {}).items()}
    runs = []
    for k, target in enumerate(targets):
        t = canonical_target(target)
        truth = given[t] if t in given else reference_ki(compound, t)
        p = binding_plan(compound, t, truth)
        counts = p.simulate(seed=seed + k, ki=f"{truth!r} M")
        run = p.start_run(operator, st)
        for step in p.checklist:  # a simulated run is signed 'performed': every step ticked
            run.check(step.id)
        source = "given" if t in given else "reference library estimate"
        run.note(f"simulated data (protocol_kit), seed {seed + k}: true Ki {truth * 1e9:.4g} nM ({source})")
        name = f"{t}-counts.csv"
        run.attach_data(counts, name=name)
        run.analyse(name)  # the result recorded with the file's name and SHA-256
        run.sign(operator, "performed", passphrase=passphrase)
        runs.append(run)
    return runs
