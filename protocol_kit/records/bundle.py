"""Reading a zip bundle from someone else without trusting it: names, sizes and bytes checked.

A bundle is refused (:class:`~protocol_kit.errors.DataFormatError` naming the entry) when it is
not a readable zip, holds more than :data:`MAX_ENTRIES` entries, or an entry that is

- a symbolic link, encrypted, or named with an absolute path, a drive letter, a backslash, a
  ``..`` or ``.`` part, a control character, or a name that another entry already has;
- declared larger than :data:`MAX_ENTRY_BYTES`, or the entries together larger than
  :data:`MAX_TOTAL_BYTES` (checked on the sizes the zip declares, before anything is
  decompressed, so a zip bomb costs nothing);
- longer or shorter when decompressed than it declares, or with a bad CRC-32 (read in chunks of
  :data:`CHUNK` bytes, counting, so a lying header cannot make the reader allocate more);
- (for JSON) not UTF-8, not JSON, holding NaN or Infinity, or not an object where one is needed.
"""
from __future__ import annotations

import json
import stat
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import DataFormatError

MAX_ENTRIES = 10_000
MAX_ENTRY_BYTES = 64 * 2**20  # 64 MiB: instrument files and reports are kilobytes to a few MB
MAX_TOTAL_BYTES = 256 * 2**20
CHUNK = 2**20


def _mib(n: int) -> str:
    return f"{n / 2**20:.1f} MiB"


def check_name(name: str) -> str | None:
    """Why ``name`` cannot be a zip entry written or read by protocol_kit, or None if it can."""
    if not name:
        return "has an empty name"
    if any(ord(c) < 32 or c == "\x7f" for c in name):
        return "has a control character in its name"
    if "\\" in name:
        return "has a backslash in its name (a path separator on Windows)"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "has an absolute path"
    parts = name.rstrip("/").split("/")
    if any(p in ("", ".", "..") for p in parts):
        return "has a '..', '.' or empty part in its path (it would be written outside its folder)"
    return None


class Bundle:
    """An opened, checked zip: ``names`` of its files (folders left out) and :meth:`read`."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._zip = zipfile.ZipFile(self.path)
        except FileNotFoundError:
            raise DataFormatError(f"{self.path}: no such file") from None
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise DataFormatError(f"{self.path}: not a zip or .eln file ({exc})") from None
        try:
            self._infos = self._check(self._zip.infolist())
        except BaseException:
            self._zip.close()
            raise
        self.names = [n for n in self._infos if not n.endswith("/")]

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> Bundle:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _where(self, name: str) -> str:
        return f"{self.path}: entry {name!r}"

    def _check(self, infos: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
        if len(infos) > MAX_ENTRIES:
            raise DataFormatError(f"{self.path}: {len(infos)} entries; a bundle holds at most {MAX_ENTRIES}")
        out: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in infos:
            name = info.filename
            problem = check_name(name)
            if problem:
                raise DataFormatError(f"{self._where(name)} {problem}; refused")
            if name in out or name.rstrip("/") + "/" in out or name.rstrip("/") in out:
                raise DataFormatError(f"{self._where(name)} appears twice in the zip; refused "
                                      f"(which copy is the record?)")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise DataFormatError(f"{self._where(name)} is a symbolic link; refused")
            if info.flag_bits & 0x1:
                raise DataFormatError(f"{self._where(name)} is encrypted; protocol_kit bundles are not")
            if info.file_size > MAX_ENTRY_BYTES:
                raise DataFormatError(f"{self._where(name)} declares {_mib(info.file_size)} uncompressed; "
                                      f"allowed: at most {_mib(MAX_ENTRY_BYTES)} per entry")
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise DataFormatError(f"{self.path}: the entries declare more than {_mib(MAX_TOTAL_BYTES)} "
                                      f"uncompressed in all (at {name!r}); allowed: at most {_mib(MAX_TOTAL_BYTES)}")
            out[name] = info
        return out

    def read(self, name: str) -> bytes:
        """The bytes of entry ``name``, read in chunks and never more than it declares."""
        info = self._infos[name]
        parts, n = [], 0
        try:
            with self._zip.open(info) as f:
                while chunk := f.read(CHUNK):
                    n += len(chunk)
                    if n > info.file_size:  # zipfile stops at the declared size; this is a second lock
                        raise DataFormatError(f"{self._where(name)} holds more than the {info.file_size} "
                                              f"bytes it declares; refused")
                    parts.append(chunk)
        except DataFormatError:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError,
                ValueError) as exc:
            raise DataFormatError(f"{self._where(name)} cannot be read ({type(exc).__name__}: {exc})") from None
        if n != info.file_size:
            raise DataFormatError(f"{self._where(name)} holds {n} bytes but declares {info.file_size}; refused")
        return b"".join(parts)

    def text(self, name: str) -> str:
        """Entry ``name`` as UTF-8 text."""
        data = self.read(name)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DataFormatError(f"{self._where(name)} is not UTF-8 text (byte {exc.start}: "
                                  f"{data[exc.start:exc.start + 1]!r})") from None

    def json_object(self, name: str) -> dict:
        """Entry ``name`` as a JSON object (NaN and Infinity refused, as canonical JSON has none)."""
        return parse_json(self.text(name), self._where(name), object_only=True)


def _no_constant(word: str) -> Any:
    raise ValueError(f"{word} is not a number JSON allows")


def parse_json(text: str, where: str, *, object_only: bool = False) -> Any:
    """``text`` as strict JSON; ``where`` names it in the error."""
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise DataFormatError(f"{where} is not valid JSON ({exc})") from None
    if object_only and not isinstance(value, Mapping):
        raise DataFormatError(f"{where} is a JSON {type(value).__name__}; expected an object")
    return value


def folder_of(name: str) -> str:
    return str(PurePosixPath(name).parent)
