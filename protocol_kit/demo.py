"""The demo: every protocol's bench sheet, as HTML and PDF, in one folder."""
from __future__ import annotations

from pathlib import Path

from .core.protocol import get_protocol, protocol_ids


def run_demo(out: Path) -> list[Path]:
    """Write each protocol's default bench sheet (HTML and PDF) into ``out``; print the paths."""
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
    return written
