"""The runs behind the golden report files: one per report template (and binding's two modes),
each a deterministic record (seeded simulated data, fixed lots, a deviation, a note, an
amended value, one step left unticked) rendered at a fixed time.

Regenerate the golden files only on purpose, after checking the change in a browser:
``.venv/bin/python tests/reports/make_golden.py`` (the tests never write them).
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import protocol_kit as pk
from protocol_kit.demo_files import instrument_file
from protocol_kit.reports.report import render_report

GOLDEN = Path(__file__).parent / "golden"
RENDERED_AT = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.timezone.utc)

# name: (protocol id, plan values, analysis options, (reagent, lot, expiry)..., deviation step, unticked step)
CASES = {
    "competition": ("radioligand-binding", {}, {},
                    (("NaCl", "S-7741", "2031-12-31"), ("KCl", "P-1182", "2020-01-31")), "rb-filters", "rb-waste"),
    "saturation": ("radioligand-binding", {"mode": "saturation"}, {},
                   (("[3H]citalopram stock", "NET-1047", "2031-12-31"),), "rb-ligand-series", "rb-waste"),
    "uptake": ("reuptake-inhibition", {"top_conc": "1 uM"}, {},
               (("HEPES", "H-5521", "2031-12-31"),), "ru-preincubate", "ru-waste"),
    "microdialysis": ("microdialysis", {}, {"weighting": "1/x", "exclude": {"R03": "probe outside the hippocampus"}},
                      (("sertraline HCl", "SRT-0007", "2031-12-31"),), "md-equilibrate", "md-histology"),
}


def build(name: str, store, folder: Path):
    """The run of case ``name`` in ``store`` (data files written to ``folder``), analysed."""
    pid, values, options, lots, deviation, skip = CASES[name]
    p = pk.get_protocol(pid, **values)
    run = p.start_run(operator="A. Smith", store=store)
    for step in p.checklist:
        if step.id != skip:
            run.check(step.id, operator="B. Jones" if step.id == deviation else None)
    for reagent, lot, expiry in lots:
        run.record_lot(reagent, lot, expiry, acknowledge_expired=True)   # one case has an expired lot
    run.deviation(f"{deviation}: done differently (golden case)", step_id=deviation)
    run.note("golden-file run; readings simulated with seed 1")
    seq = run.enter_value("room_temperature_C", 21.5).seq
    run.amend(seq, "misread the thermometer", value=22.5, operator="B. Jones")
    run.attach_data(instrument_file(p, p.simulate(seed=1), folder, name))
    run.analyse(**options)
    return run


def render(name: str, store, folder: Path) -> str:
    return render_report(build(name, store, folder), now=RENDERED_AT)


# The normaliser: what varies between two renders of the same case, replaced by a placeholder.
_RULES = (
    # figures: their bytes are tested on their own (test_plots); keep the title only
    (re.compile(r'<svg role="img" aria-label="([^"]*)".*?</svg>', re.S), r'<svg aria-label="\1">[figure]</svg>'),
    # elapsed times between ticks (wall-clock of the test run)
    (re.compile(r'<span class="volatile">[^<]*</span>'), '<span class="volatile">[elapsed]</span>'),
    # run ids: YYYYMMDD-<protocol>-<6 hex>
    (re.compile(r"\b\d{8}-[a-z-]+-[0-9a-f]{6}\b"), "[run-id]"),
    # event times (ISO, or as the report prints them)
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(\+00:00)?( UTC)?"), "[time]"),
    # SHA-256 hashes, whole or shortened to 12 or 16 characters (event hashes include times)
    (re.compile(r"\b[0-9a-f]{12,64}\b"), "[hash]"),
)


def normalise(html: str) -> str:
    """``html`` with figures, elapsed times, run ids, event times and hashes replaced by
    placeholders (see :data:`_RULES`); everything else is compared as it is."""
    for pattern, repl in _RULES:
        html = pattern.sub(repl, html)
    return html
