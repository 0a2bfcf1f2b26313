"""The rules checked before a signature is appended; each refusal is one line saying why.

1. A run whose record does not verify (:meth:`.run.Run.verify`: chain, signature links, lock
   rule, receipts given, stored files) cannot be signed: a signature would vouch for a record
   that is known to be broken.
2. Independence (21 CFR 11.50 asks each signature to state its meaning; a review, a witness or
   a verification by the person who did the work is not one): whoever signed "performed" may
   not sign "reviewed", "witnessed" or "verified", nor the reverse; and nobody signs the same
   meaning twice.
3. Completeness: "performed" says the work was done as recorded, so every checklist step must
   be ticked or covered by a deviation recorded for that step (``run.deviation(reason,
   step_id=...)``; a deviation without a step covers none). The refusal lists the open steps.

Names are compared without regard to case and repeated spaces ("a.  smith" is "A. Smith").
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from ..errors import SigningError

if TYPE_CHECKING:
    from .run import Run

PERFORMED = "performed"
INDEPENDENT = ("reviewed", "witnessed", "verified")  # meanings a second person gives


def same_person(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def open_steps(run: Run) -> list[str]:
    """The run's checklist steps neither ticked nor covered by a deviation naming the step."""
    covered = set(run.state.steps) | {d.step_id for d in run.state.deviations if d.step_id}
    return [s.id for s in run.protocol.checklist if s.id not in covered]


def check_signing(run: Run, name: object, meaning: object, receipts: Iterable[Mapping] = ()) -> None:
    """Raise :class:`SigningError` when ``name`` may not sign ``run`` with ``meaning`` now (see
    the module docstring). A name or meaning that is not text is left to the signing call's own
    validation."""
    if not isinstance(name, str) or not isinstance(meaning, str) or not name.strip():
        return
    run.refresh()
    report = run.verify(receipts)
    if not report.ok:
        n = len(report.problems)
        raise SigningError(f"run {run.id} cannot be signed: its record does not verify ({report.first}"
                           f"{f'; {n - 1} more problem(s)' if n > 1 else ''}); see 'protocol-kit runs verify {run.id}'")
    signed = run.state.signatures
    for s in signed:
        if same_person(s.name, name) and s.meaning == meaning:
            raise SigningError(f"run {run.id}: {s.name} already signed it {meaning!r} (event {s.seq}); "
                               "a signature is given once")
    conflict = (INDEPENDENT if meaning == PERFORMED else (PERFORMED,) if meaning in INDEPENDENT else ())
    for s in signed:
        if s.meaning in conflict and same_person(s.name, name):
            raise SigningError(f"run {run.id}: {name.strip()} cannot sign {meaning!r}: they signed {s.meaning!r} "
                               f"(event {s.seq}); {meaning!r} must come from someone other than who "
                               f"signed {s.meaning!r}")
    if meaning == PERFORMED:
        missing = open_steps(run)
        if missing:
            total = len(run.protocol.checklist)
            raise SigningError(f"run {run.id} cannot be signed 'performed': {len(missing)} of {total} checklist "
                               f"steps are neither ticked nor covered by a deviation: {', '.join(missing)}; tick "
                               "each (run.check) or record a deviation for it (run.deviation(reason, step_id=...))")
