"""The demo: for each protocol, the bench sheet; simulated readings written as the instrument
writes them; a run worked through in a store (steps ticked, reagent lots recorded, one
deviation, a note); the file attached, read back through :mod:`protocol_kit.io` and analysed
once, and the report in HTML and PDF (:mod:`protocol_kit.workflow`). Prints the key numbers and where everything is."""
from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .core.protocol import get_protocol
from .demo_files import instrument_file
from .profile.core import profile
from .profile.simulate import OPERATOR as SIMULATION_OPERATOR
from .profile.simulate import simulate_profile_runs
from .records import keys
from .records.store import Store
from .workflow import analyse_run, report_run

SEED = 1
STORE_NAME = "demo-runs.db"
# The demo's signing keys live in their own folder inside the demo's output, unlocked by this
# passphrase: printed, so it is not a secret (real keys: protocol-kit keys init --name NAME).
KEYS_CONFIG = "demo-config"
DEMO_PASSPHRASE = "demo passphrase (not secret)"
NOTE = ("Demo run: the steps were ticked by the demo script within seconds, so the elapsed times are not bench "
        f"times; the readings are simulated (seed {SEED}) from the reference pharmacology.")


@dataclass(frozen=True)
class DemoRun:
    """One protocol as the demo works it through."""

    protocol: str
    operator: str
    values: dict = field(default_factory=dict)  # plan values (defaults for the rest)
    options: dict = field(default_factory=dict)  # analysis options
    lots: tuple[tuple[str, str], ...] = ()  # (reagent, lot); expiry a year from today
    deviation: tuple[str, str] = ("", "")  # (step id, what was done instead and why)
    stem: str = ""

    @property
    def name(self) -> str:
        return self.stem or self.protocol


DEMO_RUNS = (
    DemoRun("radioligand-binding", "A. Smith",
            lots=(("Tris base", "T-20931"), ("NaCl", "S-7741"), ("KCl", "P-1182"), ("sertraline stock", "SRT-0042"),
                  ("[3H]citalopram working solution", "NET-1047 (batch 12)"),
                  ("fluoxetine (NSB) working solution", "FLX-0310"), ("Membrane suspension", "hSERT-HEK m-0611")),
            deviation=("rb-filters", "Filter mat soaked in 0.3% PEI for 2 h instead of 1 h (harvester free late); "
                                     "a longer soak only lowers filter binding further.")),
    DemoRun("reuptake-inhibition", "A. Smith", values={"top_conc": "1 uM"},
            lots=(("NaCl", "S-7741"), ("HEPES", "H-5521"), ("D-glucose", "G-0934"), ("pargyline HCl", "PG-118"),
                  ("sertraline stock", "SRT-0042"), ("[3H]5-HT working solution", "NET-498 (batch 7)"),
                  ("fluoxetine (100% inhibition) working solution", "FLX-0310")),
            deviation=("ru-preincubate", "Pre-incubation 20 min instead of 15 min (pipette re-calibrated); "
                                         "sertraline binding is at equilibrium either way.")),
    DemoRun("microdialysis", "C. Lee", options={"weighting": "1/x"},
            lots=(("NaCl", "S-7741"), ("KCl", "P-1182"), ("CaCl2·2H2O", "C-2207"), ("MgCl2·6H2O", "M-4410"),
                  ("sertraline HCl", "SRT-HCl-0007")),
            deviation=("md-equilibrate", "Equilibration extended to 150 min: the R07 outflow line was re-seated "
                                         "and the fraction volume checked before the baseline.")),
)


def work_through(demo: DemoRun, out: Path, store: Store) -> dict:
    """Sheet, instrument file, run, analysis and reports of one demo run; returns what it made."""
    p = get_protocol(demo.protocol, **demo.values)
    sheets = [p.sheet(out / f"{demo.name}-sheet.{s}") for s in ("html", "pdf")]
    file = instrument_file(p, p.simulate(seed=SEED), out, demo.name)
    run = p.start_run(demo.operator, store)
    expiry = dt.date.today() + dt.timedelta(days=365)
    lots = list(demo.lots)
    for step in p.checklist:
        run.check(step.id)
        if step.id == demo.deviation[0]:
            run.deviation(demo.deviation[1], step_id=step.id)
        if step.id == p.checklist[0].id:
            for reagent, lot in lots:
                run.record_lot(reagent, lot, expiry)
    run.note(NOTE)
    run.attach_data(file)
    result = analyse_run(run, **demo.options)  # read back, matched to the plan and analysed once
    reports = [report_run(run, out / f"{demo.name}-report.{s}") for s in ("html", "pdf")]
    rows = run.latest_analysis().result["data"]["rows"]
    return {"demo": demo, "run": run, "sheets": sheets, "file": file, "rows": rows, "result": result,
            "reports": reports, "lots": len(lots)}


def _show(made: dict, out: Path) -> list[str]:
    rel = lambda path: str(path.relative_to(out))  # noqa: E731
    run, demo = made["run"], made["demo"]
    lines = [f"{demo.name}",
             f"  bench sheet  {rel(made['sheets'][0])}, {rel(made['sheets'][1])}",
             f"  instrument   {rel(made['file'])} ({made['rows']} rows read back through protocol_kit.io)",
             f"  run          {run.id}: {len(run.steps)} steps ticked, {made['lots']} lots, "
             f"{len(run.deviations)} deviation, by {demo.operator}"]
    summary = made["result"].summary().splitlines()
    lines += [f"  result       {summary[0]}"] + [f"               {s}" for s in summary[1:]]
    lines.append(f"  report       {rel(made['reports'][0])}, {rel(made['reports'][1])}")
    return lines


PROFILE_COMPOUND, PROFILE_TARGETS = "sertraline", ("SERT", "NET", "DAT")


@contextmanager
def demo_keys(out: Path, names: tuple[str, ...]) -> Iterator[Path]:
    """While the demo runs, keys are read from ``out/demo-config`` (made there for ``names``
    with :data:`DEMO_PASSPHRASE` when missing); the user's own keys are not touched."""
    config = out / KEYS_CONFIG
    saved = os.environ.get(keys.CONFIG_ENV)
    os.environ[keys.CONFIG_ENV] = str(config)
    try:
        for name in dict.fromkeys(names):
            if not keys.key_path(name).is_file():
                keys.init_key(name, DEMO_PASSPHRASE)
        yield config
    finally:
        if saved is None:
            os.environ.pop(keys.CONFIG_ENV, None)
        else:
            os.environ[keys.CONFIG_ENV] = saved


def run_demo(out: Path, runs: tuple[DemoRun, ...] = DEMO_RUNS) -> list[dict]:
    """Work every demo run through into ``out`` (created), print the summary; returns what
    each made (see :func:`work_through`)."""
    start = time.perf_counter()
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    db = out / STORE_NAME
    print(f"protocol_kit demo: {len(runs)} runs, simulated data (seed {SEED}), into {out}")
    made = []
    with Store(db) as store, demo_keys(out, (*(d.operator for d in runs), SIMULATION_OPERATOR)) as config:
        for demo in runs:
            made.append(work_through(demo, out, store))
            print("\n".join(["", *_show(made[-1], out)]), flush=True)
        print(f"\nsertraline at SERT, NET and DAT: {len(PROFILE_TARGETS)} more binding runs, analysed and signed "
              f"with the demo key of {SIMULATION_OPERATOR!r}", flush=True)
        simulate_profile_runs(store, PROFILE_COMPOUND, PROFILE_TARGETS, seed=SEED, passphrase=DEMO_PASSPHRASE)
    prof = profile(PROFILE_COMPOUND, store=db)
    svg = out / f"{PROFILE_COMPOUND}-profile.svg"
    prof.plot(svg)
    print(f"\n{prof}\n\nprofile plot: {svg.name} (protocol-kit profile {PROFILE_COMPOUND} --store {db})")
    first = made[0]["run"].id
    print(f"\nstore: {db} (protocol-kit runs list --store {db})")
    print(f"the three protocol runs above are not signed yet; the demo's signing keys are in {config} "
          f"(passphrase {DEMO_PASSPHRASE!r}); to sign one and render the signed report:")
    print(f"  PROTOCOL_KIT_CONFIG_DIR={config} PROTOCOL_KIT_PASSPHRASE='{DEMO_PASSPHRASE}' \\\n"
          f"    protocol-kit runs sign {first} --name '{made[0]['demo'].operator}' --meaning performed --store {db}")
    print(f"  protocol-kit report {first} -o {out / 'signed-report.pdf'} --store {db}")
    print(f"done in {time.perf_counter() - start:.1f} s")
    return made


# (protocol id, plan values, analysis options) of print_analyses: the plans' defaults, and saturation
DEMO_ANALYSES = (
    ("radioligand-binding", {}, {}),
    ("radioligand-binding", {"mode": "saturation"}, {}),
    ("reuptake-inhibition", {}, {}),
    ("microdialysis", {}, {"weighting": "1/x"}),
)


def print_analyses(seed: int = 1) -> list:
    """Simulate each default plan's data (seed ``seed``), analyse it and print the summary,
    without a run; returns the results."""
    print(f"simulated data (seed {seed}; Ki from protocol_kit.reference), analysed:")
    results = []
    for pid, values, options in DEMO_ANALYSES:
        p = get_protocol(pid, **values)
        result = p.analyse(p.simulate(seed=seed), **options)
        results.append(result)
        print(f"  {pid}{' (' + values['mode'] + ')' if 'mode' in values else ''}:")
        for line in result.summary().splitlines():
            print(f"    {line}")
    return results
