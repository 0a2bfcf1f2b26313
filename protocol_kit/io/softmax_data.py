"""The raw (and reduced) data of a SoftMax Pro plate block, after its ``Plate:`` line.

TimeFormat: a column header naming the wells, then per wavelength up to ``points`` rows (one
per time point, or per wavelength of a spectrum), a blank line between wavelengths.
PlateFormat: a column header of column numbers, one block per wavelength side by side (a blank
cell between blocks), then per time point one grid of the plate's rows (blank lines between
grids). The first cell of a row or grid is the time (Kinetic), the wavelength (Spectrum) or
empty (Endpoint); the second is the temperature. What follows the raw data (after a blank line)
is the reduced data: a header (wells, or column numbers) and one row or grid of values.
"""
from __future__ import annotations

from ..typed_numbers import NumberTextError, parse_number
from .plate_reads import NAN, clock_seconds, measured, plate_well, row_index
from .wells import row_letter
from .softmax_header import PlateHeader
from .source import Line, Problems


def _first_cells(line: Line, head: PlateHeader, problems: Problems) -> dict | None:
    """time_s, temperature and (spectrum) wavelength from the first two cells of a read."""
    first, temp_text = line.cell(0), line.cell(1)
    out = {"time_s": NAN, "temperature": NAN, "point_nm": NAN}
    if head.read_type == "Kinetic":
        t = clock_seconds(first)
        if t is None:
            problems(f"plate {head.name!r}: read time {first!r} is not m:ss or h:mm:ss", line.no)
            return None
        out["time_s"] = t
    elif head.read_type == "Spectrum":
        try:
            out["point_nm"] = parse_number(first)
        except NumberTextError as exc:
            problems(f"plate {head.name!r}: spectrum wavelength {exc}", line.no)
            return None
    elif first:
        problems(f"plate {head.name!r}: {first!r} before an endpoint read; expected an empty cell", line.no)
        return None
    if temp_text and temp_text != "NaN":
        try:
            out["temperature"] = parse_number(temp_text)
        except NumberTextError as exc:
            problems(f"plate {head.name!r}: temperature {exc}", line.no)
    return out


def _record(head: PlateHeader, read: int, well: str, cell: str, line: Line, first: dict,
            problems: Problems) -> dict | None:
    got = measured(cell, problems, line.no, f"plate {head.name!r}, well {well}")
    if got is None:
        return None
    spectrum = head.read_type == "Spectrum"
    return {"well": well, "value": got[0], "read": read + 1, "time_s": first["time_s"],
            "wavelength_nm": first["point_nm"] if spectrum else head.emission[read],
            "excitation_nm": head.excitation[read], "mode": head.mode, "read_label": head.label(read),
            "text": got[1], "line": line.no, "temperature": first["temperature"]}


def _column_header(line: Line, head: PlateHeader, problems: Problems) -> bool:
    if not line.cell(1).startswith("Temperature"):
        problems(f"plate {head.name!r}: expected the raw data's column header ('Temperature(°C)' in its "
                 f"second cell), found {line.cell(1)!r}", line.no)
        return False
    return True


def _skip_blank(body: list[Line], i: int) -> int:
    while i < len(body) and body[i].blank:
        i += 1
    return i


# --- TimeFormat -------------------------------------------------------------------------------

def _well_header(line: Line) -> bool:
    return line.cell(0) == "" and any(plate_well(c) for c in line.cells[2:])


def _wells(line: Line, head: PlateHeader, problems: Problems) -> list[str | None]:
    names: list[str | None] = []
    for c in line.cells[2:]:
        w = plate_well(c)
        if c and (w is None or w[1] > head.columns or _past_rows(w[0], head.rows)):
            problems(f"plate {head.name!r}: column header {c!r} is not a well of a "
                     f"{head.rows * head.columns}-well plate", line.no)
        names.append(f"{w[0]}{w[1]}" if w else None)
    return names


def _row_values(line: Line, names: list[str | None], read: int, first: dict, head: PlateHeader,
                problems: Problems) -> list[dict]:
    out = []
    for j, cell in enumerate(line.cells[2:]):
        if not cell:
            continue
        well = names[j] if j < len(names) else None
        if well is None:
            problems(f"plate {head.name!r}: value {cell!r} in column {j + 3}, which names no well", line.no)
            continue
        rec = _record(head, read, well, cell, line, first, problems)
        if rec:
            out.append(rec)
    return out


def time_format(body: list[Line], head: PlateHeader, problems: Problems, *, reduced: bool = False
                ) -> tuple[list[dict], list[dict]]:
    """Raw records (and, with ``reduced``, the reduced ones) of a TimeFormat plate block."""
    if not body or not _column_header(body[0], head, problems):
        return [], []
    names = _wells(body[0], head, problems)
    raw: list[dict] = []
    i = 1
    for read in range(head.n_reads):
        i = _skip_blank(body, i)
        if i >= len(body) or _well_header(body[i]):
            problems(f"plate {head.name!r}: no data for read {read + 1} ({head.label(read)}); the header "
                     f"announces {head.n_reads}", body[i].no if i < len(body) else head.line)
            return raw, []
        n = 0
        while i < len(body) and not body[i].blank and not _well_header(body[i]):
            if n == head.points:
                problems(f"plate {head.name!r}: read {read + 1} has more than the {head.points} rows the header "
                         f"announces", body[i].no)
                return raw, []
            first = _first_cells(body[i], head, problems)
            if first is not None:
                raw.extend(_row_values(body[i], names, read, first, head, problems))
            i, n = i + 1, n + 1
    i = _skip_blank(body, i)
    if i < len(body) and not _well_header(body[i]):
        problems(f"plate {head.name!r}: unexpected line after the {head.n_reads} reads the header announces; "
                 f"expected the reduced data's header (the wells) or '~End'", body[i].no)
    out_reduced: list[dict] = []
    if reduced and i < len(body):
        names = _wells(body[i], head, problems)
        j = _skip_blank(body, i + 1)
        if j < len(body):
            for k, cell in enumerate(body[j].cells[2:]):
                if cell and k < len(names) and names[k] and (got := measured(cell, problems, body[j].no,
                                                                             f"reduced {names[k]}")):
                    out_reduced.append({"well": names[k], "value": got[0], "text": got[1], "line": body[j].no})
    return raw, out_reduced


# --- PlateFormat ------------------------------------------------------------------------------

def _column_blocks(line: Line) -> list[tuple[int, int] | None]:
    """Per cell from the third: (block, column number), or None for a cell between blocks.
    A block is a run of consecutive column numbers; a new run starts at a number that does not
    follow the one before."""
    out: list[tuple[int, int] | None] = []
    block, last = -1, None
    for c in line.cells[2:]:
        if not c.isdigit():
            out.append(None)
            last = None if c == "" else last
            continue
        n = int(c)
        if last is None or n != last + 1:
            block += 1
        out.append((block, n))
        last = n
    return out


def _number_header(line: Line) -> bool:
    return line.cell(0) == "" and line.cell(1) == "" and line.cell(2) == "1" and line.cell(3) in ("2", "")


def plate_format(body: list[Line], head: PlateHeader, problems: Problems, *, reduced: bool = False
                 ) -> tuple[list[dict], list[dict]]:
    """Raw records (and, with ``reduced``, the reduced ones) of a PlateFormat plate block."""
    if not body or not _column_header(body[0], head, problems):
        return [], []
    blocks = _column_blocks(body[0])
    n_blocks = 1 + max((b[0] for b in blocks if b), default=-1)
    bad = [n for b in blocks if b for n in (b[1],) if n > head.columns]
    if n_blocks != head.n_reads or bad:
        problems(f"plate {head.name!r}: the column header has {n_blocks} blocks of columns"
                 f"{' up to ' + str(max(bad)) if bad else ''}; expected {head.n_reads} (one per wavelength) "
                 f"of columns 1-{head.columns}", body[0].no)
        return [], []
    raw: list[dict] = []
    i = 1
    for point in range(head.points):
        i = _skip_blank(body, i)
        if i >= len(body) or (point > 0 and _number_header(body[i])):
            break
        first = _first_cells(body[i], head, problems)
        for r in range(head.rows):
            line = body[i + r] if i + r < len(body) else None
            if line is None or line.blank or (r and line.cell(0)):
                problems(f"plate {head.name!r}: the grid starting at line {body[i].no} has {r} rows; the plate "
                         f"has {head.rows}", line.no if line else body[i].no)
                return raw, []
            if first is None:
                continue
            for j, cell in enumerate(line.cells[2:]):
                if not cell:
                    continue
                where = blocks[j] if j < len(blocks) else None
                if where is None:
                    problems(f"plate {head.name!r}: value {cell!r} in column {j + 3}, outside the blocks of "
                             f"plate columns", line.no)
                    continue
                rec = _record(head, where[0], f"{row_letter(r)}{where[1]}", cell, line, first, problems)
                if rec:
                    raw.append(rec)
        i += head.rows
    if not raw and i == 1:
        problems(f"plate {head.name!r}: no raw data under the column header", body[0].no)
    i = _skip_blank(body, i)
    if i < len(body) and not _number_header(body[i]):
        problems(f"plate {head.name!r}: unexpected line after the {head.points} reads the header announces; "
                 f"expected the reduced data's header (column numbers) or '~End'", body[i].no)
    out_reduced: list[dict] = []
    if reduced and i < len(body):
        cols = _column_blocks(body[i])
        for r in range(head.rows):
            line = body[i + 1 + r] if i + 1 + r < len(body) else None
            if line is None or line.blank:
                break
            for j, cell in enumerate(line.cells[2:]):
                if cell and j < len(cols) and cols[j] and cols[j][0] == 0 and (
                        got := measured(cell, problems, line.no, f"reduced {row_letter(r)}{cols[j][1]}")):
                    out_reduced.append({"well": f"{row_letter(r)}{cols[j][1]}", "value": got[0], "text": got[1],
                                        "line": line.no})
    return raw, out_reduced


def _past_rows(row: str, rows: int) -> bool:
    """Whether a well's row label is not a row of a plate of ``rows`` rows."""
    r = row_index(row)
    return r is None or r >= rows
