"""The ``Plate:`` line of a SoftMax Pro export: what was read and how the data are laid out.

Tab-separated fields, counted from 0 (``Plate:``), for Absorbance and Luminescence:
1 name, 2 export version, 3 export format (TimeFormat / PlateFormat), 4 read type (Endpoint,
Kinetic, Spectrum, Well Scan), 5 read mode, 6 data type (Raw, or Reduced: refused, as those are
not the measured values), 7 pre-read, 8 kinetic or
spectrum points, 9 read time, 10 interval, 11-13 spectrum start, end and step (nm),
14 number of wavelengths, 15 the wavelengths (space-separated), 16 first column, 17 number of
columns read, 18 wells on the plate. Fluorescence has one more field after the read mode (read
from the bottom, TRUE/FALSE), so these are one place later, and field 20 lists the excitation
wavelengths (fluorescence numbering), one per emission wavelength. A luminescence wavelength of 0 is no filter.
(Field order as allotropy's SoftMax Pro parser documents it, and as the corpus files show.)
"""
from __future__ import annotations

from dataclasses import dataclass

from ..typed_numbers import NumberTextError, parse_number
from .plate_reads import NAN, nm
from .source import Line, Problems

MODES = {"Absorbance": ("absorbance", 0), "Luminescence": ("luminescence", 0), "Fluorescence": ("fluorescence", 1)}
READ_TYPES = ("Endpoint", "Kinetic", "Spectrum")
# wells -> (rows, columns) of the standard microplates
GEOMETRY = {6: (2, 3), 12: (3, 4), 24: (4, 6), 48: (6, 8), 96: (8, 12), 384: (16, 24), 1536: (32, 48)}


@dataclass(frozen=True)
class PlateHeader:
    name: str
    format: str          # TimeFormat / PlateFormat
    read_type: str       # Endpoint / Kinetic / Spectrum
    mode: str            # absorbance / fluorescence / luminescence
    points: int          # kinetic time points or spectrum wavelengths (1 for an endpoint)
    emission: tuple[float, ...]     # nm per read (NaN: no filter)
    excitation: tuple[float, ...]   # nm per read (NaN unless fluorescence)
    rows: int
    columns: int
    line: int
    spectrum: tuple[float, float] | None = None   # (start, end) nm

    @property
    def n_reads(self) -> int:
        return 1 if self.read_type == "Spectrum" else len(self.emission)

    def label(self, read: int) -> str:
        """How the read is named: '450 nm', '485/528' (ex/em), 'Lum', 'Lum 480 nm', '525-528 nm'."""
        if self.spectrum:
            return f"{self.spectrum[0]:g}-{self.spectrum[1]:g} nm"
        em, ex = self.emission[read], self.excitation[read]
        if self.mode == "fluorescence":
            return f"{ex:g}/{em:g}"
        if self.mode == "luminescence":
            return "Lum" if em != em else f"Lum {em:g} nm"
        return f"{em:g} nm"


def _numbers(text: str, what: str, line: Line, problems: Problems) -> list[float] | None:
    try:
        return [parse_number(t, decimal=".") for t in text.split()]
    except NumberTextError as exc:
        problems(f"Plate {line.cell(1)!r}: {what}: {exc}", line.no)
        return None


def _int(text: str, what: str, line: Line, problems: Problems) -> int | None:
    if not text.strip().isdigit():
        problems(f"Plate {line.cell(1)!r}: {what} {text!r} is not a whole number", line.no)
        return None
    return int(text)


def plate_header(line: Line, problems: Problems) -> PlateHeader | None:
    """The header of a ``Plate:`` block, or None (after reporting) when it cannot be read.
    Read modes, read types and plate sizes this reader does not know are refused by name."""
    name, fmt, read_type, mode = line.cell(1), line.cell(3), line.cell(4), line.cell(5)
    where = f"Plate {name!r}"
    if fmt not in ("TimeFormat", "PlateFormat"):
        problems(f"{where}: export format {fmt!r} (field 4) is not TimeFormat or PlateFormat", line.no)
        return None
    if mode not in MODES:
        problems(f"{where}: read mode {mode!r} is not supported (this reader knows "
                 f"{', '.join(MODES)}; the layout of other modes' exports is not documented)", line.no)
        return None
    if read_type not in READ_TYPES:
        problems(f"{where}: read type {read_type!r} is not supported (this reader reads "
                 f"{', '.join(READ_TYPES)})", line.no)
        return None
    kind, shift = MODES[mode]
    if line.cell(6 + shift) != "Raw":
        problems(f"{where}: data type {line.cell(6 + shift)!r} (field {7 + shift}); only 'Raw' exports hold the "
                 f"measured values (export the plate's raw data)", line.no)
        return None
    if read_type == "Spectrum" and kind != "absorbance":
        problems(f"{where}: a {mode.lower()} spectrum is not supported: the export does not say, in a field "
                 f"this reader knows, whether excitation or emission was scanned", line.no)
        return None
    points = _int(line.cell(8 + shift), "kinetic/spectrum points (field 9)", line, problems)
    n_wl = _int(line.cell(14 + shift) or "1", "number of wavelengths", line, problems)
    wells = _int(line.cell(18 + shift), "well count", line, problems)
    if points is None or n_wl is None or wells is None:
        return None
    if wells not in GEOMETRY:
        problems(f"{where}: a {wells}-well plate is not supported (this reader knows "
                 f"{', '.join(map(str, GEOMETRY))} wells)", line.no)
        return None
    spectrum = None
    if read_type == "Spectrum":
        ends = _numbers(f"{line.cell(11 + shift)} {line.cell(12 + shift)}", "spectrum start and end", line, problems)
        if ends is None or len(ends) != 2:
            problems(f"{where}: a spectrum without its start and end wavelengths (fields 12-13)", line.no)
            return None
        spectrum, emission, excitation = (ends[0], ends[1]), (NAN,), (NAN,)
    else:
        wl = _numbers(line.cell(15 + shift), "wavelengths", line, problems)
        if wl is None:
            return None
        if len(wl) != n_wl:
            problems(f"{where}: {n_wl} wavelengths announced but {len(wl)} listed ({line.cell(15 + shift)!r})", line.no)
            return None
        emission = tuple(nm(w) for w in wl) if kind != "absorbance" else tuple(wl)
        excitation = (NAN,) * len(wl)
        if kind == "fluorescence":
            ex = _numbers(line.cell(19 + shift), "excitation wavelengths", line, problems)
            if ex is None or len(ex) != len(wl):
                problems(f"{where}: {len(wl)} emission wavelengths but excitation {line.cell(19 + shift)!r}", line.no)
                return None
            excitation = tuple(ex)
    if read_type == "Endpoint":
        points = 1
    rows, columns = GEOMETRY[wells]
    return PlateHeader(name=name, format=fmt, read_type=read_type, mode=kind, points=points,
                       emission=emission, excitation=excitation, rows=rows, columns=columns,
                       line=line.no, spectrum=spectrum)
