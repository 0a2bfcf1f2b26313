"""Plain-text views of runs, for the command line (``protocol-kit runs list|show``)."""
from __future__ import annotations

from ..errors import ProtocolKitError
from .run import Run
from .store import RunSummary


def when(time: str | None) -> str:
    """An event time as 'YYYY-MM-DD HH:MM:SS UTC' (events are stored in UTC; '' for None)."""
    return f"{time[:19].replace('T', ' ')} UTC" if time else ""


def list_line(s: RunSummary) -> str:
    status = "signed" if s.signed else "open"
    return (f"{s.run_id}  {s.protocol} v{s.version}  {when(s.started)}  {s.operator}  "
            f"{s.events} events  {status}")


def _amended(item) -> str:
    if not item.amendments:
        return ""
    return "".join(
        f"\n        amended in event {a.seq} by {a.operator}: "
        + ", ".join(f"{k} {a.before[k]!r} -> {a.after[k]!r}" for k in a.after) + f" ({a.reason})"
        for a in item.amendments)


def _analysis(a) -> str:
    """An analysis in a few lines: its summary, the data file and the options (the whole result
    is in 'runs show --json')."""
    r = a.result if isinstance(a.result, dict) else {}
    if "summary" not in r:  # recorded with record_analysis: its keys only
        return f"{a.name}: {', '.join(map(str, r))} (see --json)"
    data = r.get("data") or {}
    options = ", ".join(f"{k}={v}" for k, v in (r.get("options") or {}).items()) or "defaults"
    summary = "\n        ".join(str(r["summary"]).splitlines())
    return (f"{a.name} of {data.get('name') or 'data given in memory'} (options: {options})"
            f"\n        {summary}\n       ")


def _status(s) -> str:
    if not s.locked:
        return "open"
    return "bench work signed; data, analysis and reports open until reviewed" if s.data_open else "signed, locked"


def describe(run: Run) -> str:
    """A run as text: header, steps, lots, values, deviations, notes, files, signatures."""
    s = run.state
    lines = [f"run       {s.run_id}",
             f"protocol  {s.protocol} v{s.version}  (plan hash {s.plan_hash[:16]}...)",
             f"started   {when(s.started)} by {s.operator}",
             f"events    {s.n_events}  (head {s.head[:16]}...)",
             f"status    {_status(s)}", ""]
    try:
        step_ids = [st.id for st in run.protocol.checklist]
    except ProtocolKitError:  # protocol not available here: show what was checked
        step_ids = list(s.steps)
    lines.append(f"steps ({len(s.steps)} of {len(step_ids)} checked)")
    for sid in step_ids:
        c = s.steps.get(sid)
        lines.append(f"  [x] {sid:24s} {c.operator}, {when(c.time)}" if c else f"  [ ] {sid}")
    sections = [
        ("lots", s.lots, lambda x: f"{x.reagent}: lot {x.lot}"
         + (f", expires {x.expiry}" + (" (EXPIRED when recorded" + ("; acknowledged" if x.acknowledged else "")
                                       + ")" if x.expired else "") if x.expiry else "")),
        ("values", list(s.values.values()), lambda x: f"{x.name} = {x.value}"),
        ("deviations", s.deviations, lambda x: (f"[{x.step_id}] " if x.step_id else "") + x.reason),
        ("notes", s.notes, lambda x: x.text),
        ("data files", s.data, lambda x: f"{x.name}  {x.size} bytes  sha256 {x.sha256}"),
        ("reports", s.reports, lambda x: f"{x.name}  {x.size} bytes  sha256 {x.sha256}"),
        ("analyses", s.analyses, _analysis),
    ]
    for title, items, fmt in sections:
        if items:
            lines += ["", title]
            lines += [f"  {i.seq:>4}  {fmt(i)}  ({i.operator}, {when(i.time)}){_amended(i) if hasattr(i, 'amendments') else ''}"
                      for i in items]
    if s.handovers:
        lines += ["", "hand-overs"]
        lines += [f"  {h.seq:>4}  {h.previous} -> {h.to}, {when(h.time)}" for h in s.handovers]
    if s.signatures:
        lines += ["", "signatures"]
        lines += [f"  {g.seq:>4}  {g.meaning} by {g.name}, {when(g.time)}, covers events 1-{g.covers_seq} "
                  f"(hash {g.record_hash[:16]}...)" for g in s.signatures]
    return "\n".join(lines)
