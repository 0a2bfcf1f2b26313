"""Hostile bundles made from a valid export: zip tricks, bombs, broken and forged event logs.

Each maker takes the valid bundle's entries (name -> bytes, in order) and returns the entries of
a hostile one, or writes raw bytes itself (``raw=True``). Used by test_import_hostile.py and by
benchmarks/import_bomb.py.
"""
from __future__ import annotations

import hashlib
import json
import stat
import struct
import warnings
import zipfile
import zlib
from pathlib import Path

from protocol_kit.records.events import event_hash


def read_entries(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def write_entries(path, entries, infos: dict[str, zipfile.ZipInfo] | None = None) -> Path:
    """Write ``entries`` (a dict, or a list of (name, bytes) to allow duplicates) as a zip."""
    items = entries.items() if isinstance(entries, dict) else entries
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": wanted here
        for name, data in items:
            info = (infos or {}).get(name) or zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if info.filename != name:  # ZipInfo() would not keep some names as given
                info.filename = name
            z.writestr(info, data)
    return Path(path)


def find(entries, suffix: str) -> str:
    return next(n for n in entries if n.endswith(suffix))


def events_of(entries) -> list[dict]:
    return [json.loads(line) for line in entries[find(entries, "events.jsonl")].decode().splitlines()]


def rechain(events: list[dict], run_id: str | None = None) -> list[dict]:
    """The events with every hash recomputed (as a forger holding no key would)."""
    prev = "0" * 64
    out = []
    for e in events:
        e = dict(e, prev_hash=prev)
        if run_id is not None:
            e["run_id"] = run_id
        e["hash"] = event_hash(prev, e["run_id"], e["seq"], e["time"], e["operator"], e["type"], e["payload"])
        prev = e["hash"]
        out.append(e)
    return out


def jsonl(events) -> bytes:
    return "".join(json.dumps(e, sort_keys=True) + "\n" for e in events).encode()


def with_events(entries, events, *, fix_record: bool) -> dict[str, bytes]:
    """``entries`` with the event log replaced; ``fix_record`` also rewrites record.json's head,
    event count and the log's SHA-256, as a careful forger would (the .eln metadata is left)."""
    out = dict(entries)
    log = find(out, "events.jsonl")
    out[log] = jsonl(events)
    if fix_record:
        rec_name = find(out, "record.json")
        rec = json.loads(out[rec_name])
        rec["head"], rec["n_events"] = events[-1]["hash"], len(events)
        rec["files"]["events.jsonl"] = hashlib.sha256(out[log]).hexdigest()
        out[rec_name] = json.dumps(rec).encode()
    return out


def patch_central(path: Path, name: str, *, crc: int | None = None, size: int | None = None,
                  flags: int | None = None) -> None:
    """Overwrite the CRC-32, uncompressed size or flag bits of ``name`` in both zip headers."""
    data = bytearray(path.read_bytes())
    raw = name.encode()
    for sig, crc_at, size_at, name_at in ((b"PK\x01\x02", 16, 24, 46), (b"PK\x03\x04", 14, 22, 30)):
        flags_at = crc_at - 8
        i = data.find(sig)
        while i >= 0:
            n = struct.unpack_from("<H", data, i + name_at - (18 if sig == b"PK\x01\x02" else 4))[0]
            if bytes(data[i + name_at:i + name_at + n]) == raw:
                if crc is not None:
                    struct.pack_into("<I", data, i + crc_at, crc)
                if size is not None:
                    struct.pack_into("<I", data, i + size_at, size)
                if flags is not None:
                    struct.pack_into("<H", data, i + flags_at, flags)
            i = data.find(sig, i + 4)
    path.write_bytes(bytes(data))


def zip_bomb(path, name: str, size: int = 2**30) -> Path:
    """A valid zip whose one entry ``name`` inflates to ``size`` zero bytes (``size`` a multiple of
    16 MiB), about 1 MB on disk for 1 GiB: one deflate block of 16 MiB of zeros, full-flushed so
    it can be repeated, then the final empty block."""
    chunk = bytes(2**24)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    n = size // len(chunk)
    stream = block * n + zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(n):
        crc = zlib.crc32(chunk, crc)
    raw = name.encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(stream), size, len(raw), 0)
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(stream), size,
                          len(raw), 0, 0, 0, 0, 0o644 << 16, 0)
    offset = len(local) + len(raw) + len(stream)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central) + len(raw), offset, 0)
    Path(path).write_bytes(local + raw + stream + central + raw + end)
    return Path(path)


def symlink_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # Unix
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info
