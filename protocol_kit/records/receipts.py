"""Receipts: a copy of each signature kept outside the store, so cutting or rewriting a signed
run shows even to a forger who holds the database file.

A receipt (SPEC12, format :data:`FORMAT`) holds the run id, the signature event's seq and hash,
the record hash and seq it covers, the signer's name, meaning and time, the public key and the
Ed25519 signature. Every signature writes one beside the store, in ``<store file>.receipts/``
as ``<run id>.<seq>.json`` (:func:`write_receipt`); export bundles carry them as
``receipts/<run id>.<seq>.json``. :func:`check_receipts` proves, for each receipt of a run:
the event at its seq exists (else the run was cut), the event's hash is the receipt's (else
it was rewritten), the event holds the receipt's signature, and the receipt's signature is
valid for its key.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import DataFormatError
from .events import SIGNATURE
from .keys import fingerprint, signature_valid, signed_message
from .verify import Problem, Row

FORMAT = "protocol_kit.receipt/1"
_TEXT = ("run_id", "event_hash", "record_hash", "name", "meaning", "time", "public_key", "signature")
_INT = ("seq", "covers_seq")


@dataclass(frozen=True)
class Receipt:
    """One signature's receipt (see the module docstring)."""

    run_id: str
    seq: int
    event_hash: str
    record_hash: str
    covers_seq: int
    name: str
    meaning: str
    time: str
    public_key: str
    signature: str

    @property
    def file_name(self) -> str:
        return f"{self.run_id}.{self.seq}.json"

    def to_dict(self) -> dict:
        return {"format": FORMAT, **asdict(self)}

    def to_json(self) -> bytes:
        return (json.dumps(self.to_dict(), indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")

    def message(self) -> bytes:
        return signed_message(self.run_id, self.record_hash, self.covers_seq, self.meaning, self.time, self.name)

    @classmethod
    def from_dict(cls, doc: object, source: str = "receipt") -> Receipt:
        """A receipt from its JSON object; a DataFormatError naming ``source`` and the field
        when a field is missing, of the wrong type, or the format is not :data:`FORMAT`."""
        if not isinstance(doc, Mapping):
            raise DataFormatError(f"{source}: a receipt is a JSON object, found {type(doc).__name__}")
        if doc.get("format") != FORMAT:
            raise DataFormatError(f"{source}: format is {doc.get('format')!r}; a receipt says {FORMAT!r}")
        for key in _TEXT:
            if not isinstance(doc.get(key), str) or not doc[key]:
                raise DataFormatError(f"{source}: field {key!r} is {doc.get(key)!r}; it must be non-empty text")
        for key in _INT:
            value = doc.get(key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise DataFormatError(f"{source}: field {key!r} is {value!r}; it must be a whole number from 1 on")
        if doc["covers_seq"] != doc["seq"] - 1:
            raise DataFormatError(f"{source}: covers_seq {doc['covers_seq']} is not seq - 1 ({doc['seq'] - 1})")
        extra = sorted(set(doc) - set(_TEXT) - set(_INT) - {"format"})
        if extra:
            raise DataFormatError(f"{source}: unknown field(s) {', '.join(map(repr, extra))}")
        return cls(**{k: doc[k] for k in _TEXT + _INT})

    @classmethod
    def from_event(cls, event) -> Receipt:
        """The receipt of a signature event (an :class:`~.events.Event`)."""
        p = event.payload
        return cls(event.run_id, event.seq, event.hash, p["record_hash"], p["covers_seq"], p["name"],
                   p["meaning"], event.time, p["public_key"], p["signature"])


def receipt_dir(store_path: str | os.PathLike) -> Path:
    """The folder beside the store holding its receipts: ``<store file>.receipts``."""
    p = Path(store_path)
    return p.with_name(p.name + ".receipts")


def write_receipt(store_path: str | os.PathLike, receipt: Receipt) -> Path:
    """Write ``receipt`` beside the store (whole or not at all: a temporary file renamed)."""
    folder = receipt_dir(store_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / receipt.file_name
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(receipt.to_json())
    os.replace(tmp, path)
    return path


def parse_receipt(data: bytes, source: str) -> Receipt:
    """A receipt from the bytes of a file or bundle entry named ``source``."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise DataFormatError(f"{source}: a receipt is UTF-8 JSON; the file is not UTF-8") from None
    except ValueError as exc:
        raise DataFormatError(f"{source}: not a JSON receipt ({exc})") from None
    return Receipt.from_dict(doc, source)


def load_receipt(path: str | os.PathLike) -> Receipt:
    """Read a receipt file; a malformed one is a DataFormatError naming the file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataFormatError(f"receipt {path}: cannot be read ({exc.strerror or exc})") from None
    return parse_receipt(data, f"receipt {path}")


def find_receipts(store_path: str | os.PathLike, run_id: str | None = None) -> list[Receipt]:
    """The receipts beside the store (of ``run_id`` only, if given), by run and seq."""
    folder = receipt_dir(store_path)
    if not folder.is_dir():
        return []
    found = [load_receipt(p) for p in sorted(folder.glob("*.json"))
             if run_id is None or p.name.startswith(f"{run_id}.")]
    return sorted((r for r in found if run_id is None or r.run_id == run_id), key=lambda r: (r.run_id, r.seq))


def as_receipts(items: Iterable[object]) -> list[Receipt]:
    """Receipts from Receipt objects, mappings (a receipt's JSON object) or file paths."""
    out = []
    for item in items:
        if isinstance(item, Receipt):
            out.append(item)
        elif isinstance(item, Mapping):
            out.append(Receipt.from_dict(item))
        elif isinstance(item, (str, os.PathLike)):
            out.append(load_receipt(item))
        else:
            raise DataFormatError(f"receipt: {type(item).__name__} given; a receipt is a Receipt, its JSON object "
                                  "or the path of a receipt file")
    return out


def run_receipts(run, events: Iterable | None = None) -> list[Receipt]:
    """A run's receipts for a bundle or report: those beside its store, and for a signature
    without one there (e.g. a run imported from a bundle without receipts) its receipt made
    from the event; by seq. ``events``: the run's events (or its signature events alone) when
    not ``run.events``."""
    found = {r.seq: r for r in find_receipts(run.store.path, run.id)}
    for event in run.events if events is None else events:
        if event.type == SIGNATURE and event.seq not in found:
            try:
                found[event.seq] = Receipt.from_event(event)
            except KeyError:  # a signature without a key: nothing to give a receipt of
                continue
    return [found[k] for k in sorted(found)]


def check_receipts(rows: list[Row], receipts: Iterable[Receipt]) -> list[Problem]:
    """Problems a run's receipts find in its rows (seq order): for each receipt of the run,
    the event at its seq is missing (cut), or has another hash (rewritten), or is not the
    signature the receipt holds; and a receipt whose own signature is not valid for its key."""
    problems: list[Problem] = []
    by_seq = {row.seq: row for row in rows}
    run_ids = {row.run_id for row in rows}
    for r in dict.fromkeys(receipts):  # a receipt given and also found counts once
        if r.run_id not in run_ids:
            continue
        where = f"receipt {r.file_name} ({r.meaning} by {r.name})"
        row = by_seq.get(r.seq)
        if row is None:
            last = max(by_seq) if by_seq else 0
            problems.append(Problem(r.run_id, r.seq, f"event missing: {where} names event {r.seq}, the run ends "
                                    f"at event {last} (the run was cut after the signature)"))
        elif row.hash != r.event_hash:
            problems.append(Problem(r.run_id, r.seq, f"event rewritten: {where} holds hash {r.event_hash[:12]}..., "
                                    f"the store {row.hash[:12]}..."))
        elif row.type != SIGNATURE or not _same_signature(row, r):
            problems.append(Problem(r.run_id, r.seq, f"{where} does not match the signature event at {r.seq}"))
        if not signature_valid(r.public_key, r.signature, r.message()):
            problems.append(Problem(r.run_id, r.seq, f"{where}: its signature is not valid for its public key "
                                    f"{fingerprint(r.public_key)}"))
    return problems


def check_runs_present(run_ids: Iterable[str], receipts: Iterable[Receipt]) -> list[Problem]:
    """A receipt whose run the store no longer holds at all: the whole run was removed."""
    present = set(run_ids)
    return [Problem(r.run_id, r.seq, f"run missing: receipt {r.file_name} ({r.meaning} by {r.name}) names run "
                                     f"{r.run_id}, which the store does not hold (the run was removed)")
            for r in dict.fromkeys(receipts) if r.run_id not in present]


def _same_signature(row: Row, r: Receipt) -> bool:
    try:
        p = json.loads(row.payload)
        return (row.time == r.time and p.get("name") == r.name and p.get("meaning") == r.meaning
                and p.get("record_hash") == r.record_hash and p.get("covers_seq") == r.covers_seq
                and p.get("public_key") == r.public_key and p.get("signature") == r.signature)
    except (ValueError, AttributeError):
        return False
