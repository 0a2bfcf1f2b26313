"""What a report shows of the run record itself: the title block, reagents with their lots,
the checklist as executed, values, notes, attached files, the audit trail and the signatures.

Everything is read from the run's state (a fold of its events) and its plan; nothing is
computed in the templates. Times are the record's (UTC).
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING

from ..records.text import when

if TYPE_CHECKING:
    from ..records.run import Run

SIGNATURE_TEXT = {
    "performed": "I performed this work as recorded here.",
    "reviewed": "I reviewed this record and its analysis and found them complete and accurate.",
    "approved": "I approve the results of this run.",
    "witnessed": "I witnessed this work being performed.",
    "verified": "I verified the data and calculations against the raw data.",
}
SLOTS = ("performed", "reviewed")  # blocks printed even when not signed yet
# A run of more events than this has its audit trail summarised in the report's body (counts,
# the first and last events, every signature, deviation and amendment, the notes and values
# at each end of the run) and in full in the PDF's attachment (:func:`trail_jsonl`); a run of
# this many or fewer is shown in full, as before.
TRAIL_FULL_MAX = 200
KEEP = 10  # events, notes and values shown at each end of a summarised run
EVENT_WORDS = {
    "started": "run started", "step_checked": "steps ticked", "note": "notes", "deviation": "deviations",
    "lot_recorded": "lots recorded", "value_entered": "values entered", "data_attached": "data files attached",
    "analysis_recorded": "analyses recorded", "report_rendered": "reports stored", "signature": "signatures",
    "amendment": "amendments", "handed_over": "hand-overs", "excluded": "exclusions",
    "data_superseded": "data files superseded",
}


def _seconds(a: str, b: str) -> float:
    return (dt.datetime.fromisoformat(b) - dt.datetime.fromisoformat(a)).total_seconds()


def duration_text(seconds: float) -> str:
    """'42 s', '12.5 min', '3 h 05 min'."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 3 * 3600:
        return f"{seconds / 60:.1f} min"
    h, m = divmod(round(seconds / 60), 60)
    return f"{h} h {m:02d} min"


def _amended(item) -> list[str]:
    return [f"amended in event {a.seq} by {a.operator}, {when(a.time)}: "
            + ", ".join(f"{k} {a.before[k]!r} → {a.after[k]!r}" for k in a.after) + f" ({a.reason})"
            for a in getattr(item, "amendments", ())]


def checklist(run: Run) -> tuple[list[dict], list[dict]]:
    """(one row per planned step, deviations not tied to a step). Elapsed time is measurable
    for a step with a planned duration when it and the step before it were both ticked: the
    time between the two ticks. It is compared with the plan (shorter below 0.9x, longer above
    1.5x) only when it can say something: a step with a deviation is described by the deviation,
    and ticks less than 5% of the planned time apart were entered together, not timed."""
    s = run.state
    by_step: dict[str | None, list] = {}
    for d in s.deviations:
        by_step.setdefault(d.step_id, []).append(d)
    rows, previous = [], None
    for i, step in enumerate(run.protocol.checklist, start=1):
        tick = s.steps.get(step.id)
        elapsed, compare = "", ""
        if tick and previous and step.duration is not None:
            seconds = _seconds(previous.time, tick.time)
            planned = float(step.duration.to("s").magnitude)
            elapsed = duration_text(seconds)
            if by_step.get(step.id):
                compare = "see the deviation recorded for this step"
            elif seconds < 0.05 * planned:
                compare = "ticked together with the step before: the ticks do not time this step"
            else:
                compare = ("shorter than planned" if seconds < 0.9 * planned
                           else "longer than planned" if seconds > 1.5 * planned else "as planned")
        rows.append({
            "n": i, "id": step.id, "text": step.text, "hazards": step.hazards, "planned": step.duration_text,
            "temperature": step.temperature or "", "done": tick is not None,
            "operator": tick.operator if tick else "", "time": when(tick.time) if tick else "",
            "elapsed": elapsed, "compare": compare,
            "deviations": [{"reason": d.reason, "operator": d.operator, "time": when(d.time), "seq": d.seq,
                            "amended": _amended(d)} for d in by_step.get(step.id, [])],
        })
        previous = tick or previous
    loose = [{"reason": d.reason, "operator": d.operator, "time": when(d.time), "seq": d.seq,
              "amended": _amended(d)} for d in by_step.get(None, [])]
    return rows, loose


def reagents(run: Run) -> list[dict]:
    """The plan's reagent rows, each with the lots recorded for it (lot, expiry, by, when)."""
    lots: dict[str, list] = {}
    for lot in run.state.lots:
        lots.setdefault(lot.reagent, []).append(lot)
    rows, tubes = [], []
    for r in run.protocol.reagents.to_dict("records"):
        name = str(r["reagent"]).strip()
        if r["section"] == "Serial dilution" and name.startswith("tube ") and name not in lots:
            tubes.append(r)  # made in the run from the stock: one line for the series
            continue
        if tubes:
            rows.append(_series_row(tubes))
            tubes = []
        recorded = lots.get(name, [])
        rows.append({"section": r["section"], "reagent": r["reagent"], "amount": r["amount"],
                     "lots": [{"lot": x.lot, "expiry": x.expiry or "not given", "expired": x.expired,
                               "acknowledged": x.acknowledged,
                               "operator": x.operator, "time": when(x.time), "amended": _amended(x)}
                              for x in recorded]})
    return rows + ([_series_row(tubes)] if tubes else [])


def _series_row(tubes: list[dict]) -> dict:
    first, last = tubes[0]["reagent"].strip(), tubes[-1]["reagent"].strip()
    return {"section": tubes[0]["section"], "reagent": f"{len(tubes)} dilution tubes, made in the run from the "
            f"stock: {first.split(':')[0]} ({first.split(':', 1)[1].strip()}) to {last.split(':')[0]} "
            f"({last.split(':', 1)[1].strip()})", "amount": tubes[0]["amount"] + " each"
            if len({t["amount"] for t in tubes}) == 1 else "see the sheet", "lots": []}


def audit(run: Run) -> dict:
    """Counts of events by kind, operators, amendments, stored files and the chain check."""
    s, events = run.state, run.events
    counts = Counter(e.type for e in events)
    check = run.verify()
    return {
        "n_events": s.n_events, "first": when(events[0].time), "last": when(events[-1].time),
        "head": s.head, "verified": check.ok, "verify_text": str(check),
        "counts": [(EVENT_WORDS.get(t, t), n) for t, n in counts.items()],
        "operators": sorted({e.operator for e in events}),
        "amendments": [{"seq": a.seq, "target": a.target_seq, "operator": a.operator, "time": when(a.time),
                        "text": ", ".join(f"{k} {a.before[k]!r} → {a.after[k]!r}" for k in a.after),
                        "reason": a.reason} for a in s.amendments],
        "reports": [{"name": f.name, "sha256": f.sha256, "size": f.size, "operator": f.operator,
                     "time": when(f.time), "seq": f.seq} for f in s.reports],
        "handovers": [{"seq": h.seq, "previous": h.previous, "to": h.to, "time": when(h.time)}
                      for h in s.handovers],
    }


def completeness(run: Run) -> dict:
    """What the report's summary says of the record: steps ticked (n of N), steps covered only
    by a deviation recorded for them, steps left open, and the signatures in order."""
    s = run.state
    ids = [step.id for step in run.protocol.checklist]
    deviated = {d.step_id for d in s.deviations if d.step_id}
    ticked = [i for i in ids if i in s.steps]
    covered = [i for i in ids if i not in s.steps and i in deviated]
    return {"ticked": len(ticked), "total": len(ids), "covered": covered,
            "open": [i for i in ids if i not in s.steps and i not in deviated],
            "signatures": [f"{g.meaning} by {g.name}" for g in s.signatures]}


def signatures(run: Run) -> list[dict]:
    """Recorded signatures (name, meaning, time, what they cover, key fingerprint and receipt
    file), then an empty block for each
    of :data:`SLOTS` not signed yet."""
    from ..records.keys import fingerprint
    from ..records.receipts import run_receipts

    receipts = {r.seq: r for r in run_receipts(run)}  # a signature's seq is covers_seq + 1
    out = [{"meaning": g.meaning, "text": SIGNATURE_TEXT.get(g.meaning, ""), "name": g.name, "time": when(g.time),
            "covers": f"events 1–{g.covers_seq}", "hash": g.record_hash, "signed": True,
            "key": fingerprint(receipts[g.covers_seq + 1].public_key) if g.covers_seq + 1 in receipts else None,
            "receipt": receipts[g.covers_seq + 1].file_name if g.covers_seq + 1 in receipts else None}
           for g in run.state.signatures]
    signed = {g.meaning for g in run.state.signatures}
    out += [{"meaning": m, "text": SIGNATURE_TEXT[m], "signed": False} for m in SLOTS if m not in signed]
    return out


def title_block(run: Run) -> dict:
    s = run.state
    return {"id": s.run_id, "protocol": s.protocol, "version": s.version, "operator": s.operator,
            "operators": sorted({e.operator for e in run.events}), "started": when(s.started),
            "last": when(run.events[-1].time), "status": status(s),
            "plan_hash": s.plan_hash, "locked": s.locked, "data_open": s.data_open}


def status(s) -> str:
    """The run's status in words: open, signed as performed (the data still open), or locked."""
    if not s.locked:
        return "open (not signed)"
    if s.data_open:
        return "bench work signed; data, analysis and reports open until reviewed"
    return "signed, locked"


def is_long(run: Run) -> bool:
    """Whether the report summarises the run's audit trail (:data:`TRAIL_FULL_MAX`)."""
    return run.state.n_events > TRAIL_FULL_MAX


def trail_name(run: Run) -> str:
    return f"{run.id}-audit-trail.jsonl"


def trail_jsonl(run: Run) -> bytes:
    """Every event of the run with its hashes, one canonical JSON object a line (as the
    ``events.jsonl`` of an export)."""
    return "".join(e.to_line() for e in run.events).encode("utf-8")


def _elide(items: list, what: str) -> list:
    """``items`` whole for a short run; else the first and last :data:`KEEP`, and between
    them one entry ``{"elided": text}`` saying how many are left out and where they are."""
    if len(items) <= 2 * KEEP:
        return items
    left = items[KEEP:-KEEP]
    seqs = [i.get("seq") for i in left if i.get("seq")]
    span = f" (events {min(seqs)}–{max(seqs)})" if seqs else ""
    return items[:KEEP] + [{"elided": f"… {len(left)} more {what}{span}: in the full audit trail (6)"}] + items[-KEEP:]


def _event_line(e) -> dict:
    from ..records.events import canonical_json

    text = canonical_json(e.payload)
    return {"seq": e.seq, "time": when(e.time), "operator": e.operator, "type": EVENT_WORDS.get(e.type, e.type),
            "payload": text if len(text) <= 90 else text[:89] + "…"}


def trail(run: Run) -> dict:
    """For a long run (:func:`is_long`): the attachment's name, the first and last events, and
    how many lie between them; ``{"long": False}`` for a short one."""
    if not is_long(run):
        return {"long": False}
    events = run.events
    return {"long": True, "threshold": TRAIL_FULL_MAX, "file": trail_name(run), "n": len(events),
            "first": [_event_line(e) for e in events[:KEEP]], "last": [_event_line(e) for e in events[-KEEP:]],
            "between": len(events) - 2 * KEEP}


def record_items(run: Run) -> dict:
    """Values, notes and data files, each with who and when (and a superseded file's
    superseded record: reason, who, when). In a long run (:func:`is_long`) only the first and
    last :data:`KEEP` values and notes (the rest are in the full audit trail)."""
    s = run.state
    cut = _elide if is_long(run) else (lambda items, what: items)
    gone = {g.name: {"reason": g.reason, "operator": g.operator, "time": when(g.time), "seq": g.seq}
            for g in s.superseded}
    return {
        "values": cut([{"name": v.name, "value": v.value, "operator": v.operator, "time": when(v.time),
                        "amended": _amended(v), "seq": v.seq} for v in s.values.values()], "values"),
        "notes": cut([{"text": n.text, "operator": n.operator, "time": when(n.time), "amended": _amended(n),
                       "seq": n.seq} for n in s.notes], "notes"),
        "files": [{"name": f.name, "sha256": f.sha256, "size": f.size, "operator": f.operator,
                   "time": when(f.time), "seq": f.seq, "superseded": gone.get(f.name)} for f in s.data],
    }


def choices(run: Run, record) -> dict:
    """The analysis choices of the recorded analysis ``record``: the exclusions it applied
    (from its own record, so later ones are not shown as applied) and the exclusions or
    superseded files recorded after it (``pending``: the report then says to analyse again)."""
    applied = record.result.get("exclusions", [])
    pending = [f"{x.kind} {x.item} excluded ({x.reason}; event {x.seq})" for x in run.state.exclusions
               if x.seq > record.seq]
    pending += [f"data file {g.name} superseded ({g.reason}; event {g.seq})" for g in run.state.superseded
                if g.seq > record.seq]
    return {"exclusions": [{**x, "time": when(x["time"])} for x in applied], "pending": pending}
