"""``protocol-kit store copy SRC DST``: runs moved between stores (SQLite to PostgreSQL, or back),
each proved before and after.

A run is copied only if it verifies in the source (chain, files, signatures, receipts beside
the source store). Its rows go into the destination verbatim (times, operators and hashes kept)
with the files its events name and its signers' keys, in one transaction
(:meth:`.store.Store.import_rows`; into PostgreSQL that needs the admin, as the operators are the
original people, and a ``project``). Its receipts are copied beside the destination. Then the
run is verified in the destination against those receipts; a run already in the destination
with the same events is left alone (and verified), one with other events is refused.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass

from ..errors import ProtocolKitError
from .events import WITH_BLOB
from .receipts import find_receipts, receipt_dir
from .store import Store


@dataclass(frozen=True)
class Copied:
    run_id: str
    events: int
    status: str  # "copied" or "already there"
    verified: str  # the destination's verify summary


def copy_runs(src: Store, dst: Store, run_ids: list[str] | None = None, project: str | None = None) -> list[Copied]:
    """Copy ``run_ids`` (None: every run of ``src``) into ``dst``; see the module docstring."""
    ids = run_ids if run_ids else src.run_ids()
    out = []
    for run_id in ids:
        report = src.verify(run_id)
        if not report.ok:
            raise ProtocolKitError(f"store copy: run {run_id} does not verify in {src.location}, so it is not "
                                   f"copied: {report}")
        rows = src.rows(run_id)
        receipts = find_receipts(src.path, run_id)
        if run_id in dst.run_ids():
            if dst.rows(run_id) != rows:
                raise ProtocolKitError(f"store copy: run {run_id} is in {dst.location} already, with other events; "
                                       "not copied")
            status = "already there"
        else:
            blobs = {}
            for row in rows:
                if row.type in WITH_BLOB:
                    sha = json.loads(row.payload)["sha256"]
                    blobs[sha] = src.blob(sha)
            dst.import_rows(rows, blobs, project=project)
            status = "copied"
        _copy_receipts(src, dst, run_id)
        after = dst.verify(run_id, receipts=receipts)
        if not after.ok:
            raise ProtocolKitError(f"store copy: run {run_id} does not verify in {dst.location} after the copy: {after}")
        out.append(Copied(run_id, len(rows), status, str(after)))
    return out


def _copy_receipts(src: Store, dst: Store, run_id: str) -> None:
    there = receipt_dir(dst.path)
    for r in find_receipts(src.path, run_id):
        target = there / r.file_name
        if not target.exists():
            there.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(receipt_dir(src.path) / r.file_name, target)
