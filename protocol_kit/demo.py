"""The demo: every protocol's bench sheet, as HTML and PDF, in one folder; then simulated data
for each plan, analysed, with the key results printed."""
from __future__ import annotations

from pathlib import Path

from .core.protocol import get_protocol, protocol_ids

# (protocol id, plan values, analysis options): the plans' defaults, plus saturation binding
DEMO_ANALYSES = (
    ("radioligand-binding", {}, {}),
    ("radioligand-binding", {"mode": "saturation"}, {}),
    ("reuptake-inhibition", {}, {}),
    ("microdialysis", {}, {"weighting": "1/x"}),
)


def print_analyses(seed: int = 1) -> list:
    """Simulate each demo plan's data (seed ``seed``), analyse it and print the summary;
    returns the results."""
    print(f"simulated data (seed {seed}; Ki from protocol_kit.reference), analysed:")
    results = []
    for pid, values, options in DEMO_ANALYSES:
        p = get_protocol(pid, **values)
        result = p.analyse(p.simulate(seed=seed), **options)
        results.append(result)
        lines = result.summary().splitlines()
        print(f"  {pid}{' (' + values['mode'] + ')' if 'mode' in values else ''}:")
        for line in lines:
            print(f"    {line}")
    return results


def run_demo(out: Path) -> list[Path]:
    """Write each protocol's default bench sheet (HTML and PDF) into ``out``; print the paths;
    then simulate, analyse and print the key results (:func:`print_analyses`)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    print(f"protocol_kit demo: bench sheets for {len(protocol_ids())} protocols")
    for pid in protocol_ids():
        p = get_protocol(pid)
        for suffix in ("html", "pdf"):
            written.append(p.sheet(out / f"{pid}-sheet.{suffix}"))
        plan = f"{len(p.layout)} wells" if p.plan_kind == "layout" else f"{len(p.schedule)} fractions"
        print(f"  {pid:22s} {len(p.checklist):2d} steps, {len(p.reagents):2d} reagent rows, {plan}")
    print(f"wrote {len(written)} files to {out.resolve()}")
    for path in written:
        print(f"  {path}")
    print_analyses()
    return written
