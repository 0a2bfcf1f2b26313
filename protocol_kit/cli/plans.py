"""Commands about plans: protocols, params, sheet, demo, and the profile of a compound across runs."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import _build


def cmd_protocols(args: argparse.Namespace) -> int:
    from ..core.protocol import protocol_class, protocol_ids

    for pid in protocol_ids():
        cls = protocol_class(pid)
        print(f"{pid:22s} {cls.title} (v{cls.version}): {cls.summary}")
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    from ..core.protocol import protocol_class

    cls = protocol_class(args.protocol)
    group = None
    for p in cls.parameters:
        if p.group != group:
            group = p.group
            print(f"\n[{group}]")
        default = p.display(p.validate(p.default))
        print(f"  {p.name} = {default}")
        print(f"      {p.label}: {p.help}" if p.help.rstrip(".") != p.label else f"      {p.label}")
        print(f"      allowed: {p.allowed_text()}")
    return 0


def cmd_sheet(args: argparse.Namespace) -> int:
    p = _build(args)
    out = p.sheet(args.output, paper=args.paper)
    for w in p.warnings:
        print(f"warning: {getattr(w, 'message', w)}", file=sys.stderr)
    print(f"wrote {out}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from ..demo import run_demo

    run_demo(Path(args.out))
    return 0


def cmd_profile(args: argparse.Namespace) -> int:
    """A compound's Ki by target across the store's runs, ratios and reference drugs."""
    from ..profile import profile

    prof = profile(args.compound, store=args.store)
    print(prof)
    if args.svg:
        prof.plot(args.svg)
        print(f"wrote {args.svg}")
    return 0
