"""HTML snippets the app shows: tables, the plate map, messages and download links.

Presentation only: every number comes from a controller. Nothing is told by colour alone:
wells carry their code (and reading), messages start with a word ("Error:", "Done:").
"""
from __future__ import annotations

import base64
import datetime as dt
import html
from collections.abc import Iterable, Sequence

import pandas as pd

esc = html.escape

# Role shading and border style: the code in the well says the role; these only help the eye.
ROLE_STYLE = {"total": ("#dbe9f6", "solid"), "nsb": ("#eeeeee", "dashed"), "compound": ("#fff6d8", "solid"),
              "vehicle": ("#dbe9f6", "solid"), "positive": ("#eeeeee", "dashed"), "blank": ("#ffffff", "dotted")}
# Text in a well is black on every shade (explicit, so a dark theme's light text cannot land on a
# light well); each shade keeps a contrast of at least 4.5:1 with it (WCAG 2.1 AA, tested).
CELL = ("border:1px {border} #555;padding:2px 3px;text-align:center;min-width:2.6em;font-size:11px;"
        "color:#000;")
# Readings shade from rgb(245, 245, 255) (lowest) to rgb(120, 120, 255) (highest): black text
# on the darkest is 5.9:1 (relative luminance 0.2126·0.188 + 0.7152·0.188 + 0.0722·1 = 0.247;
# (0.247 + 0.05) / (0 + 0.05)). The old range down to rgb(95, 95, 255) with white text was 2.5-3.9:1.
SHADE_LIGHT, SHADE_DARK = 245, 120


STYLE = """<style>
.pk-app .pk-table {border-collapse: collapse; width: 100%; font-size: 12px}
.pk-app .pk-table th, .pk-app .pk-table td {padding: 2px 6px; text-align: left; vertical-align: top;
  border-bottom: 1px solid #ddd}
.pk-app .pk-table td:nth-child(2) {min-width: 14em}
.pk-app .pk-checklist td:nth-child(2) {min-width: 9em}
.pk-app .pk-msg {line-height: 1.4}
</style>"""


def local_time(time: str | None) -> str:
    """A recorded time (ISO 8601, stored in UTC with microseconds) as the person at the bench
    reads it: in the kernel's local zone, to the second, with the zone's name or offset,
    e.g. '2025-03-01 10:30:00 CET'; '' for None or ''."""
    if not time:
        return ""
    local = dt.datetime.fromisoformat(time).astimezone()
    zone = local.strftime("%Z") or local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M:%S} {zone}"


def message(kind: str, text: str) -> str:
    """A message that starts with its kind in words: 'Error: ...', 'Done: ...'."""
    marks = {"Error": "✗", "Done": "✓", "Warning": "⚠", "Working": "…", "Note": "ℹ"}
    return (f"<div class='pk-msg pk-msg-{kind.lower()}' role='status'>"
            f"<b>{marks.get(kind, '')} {esc(kind)}:</b> {esc(text)}</div>")


def table(rows: Iterable[dict], columns: Sequence[tuple[str, str]], *, css: str = "") -> str:
    """An HTML table of ``rows`` with (key, header) ``columns``."""
    head = "".join(f"<th style='text-align:left'>{esc(h)}</th>" for _, h in columns)
    body = "".join("<tr>" + "".join(f"<td>{esc(str(r.get(k, '')))}</td>" for k, _ in columns) + "</tr>"
                   for r in rows)
    return f"<table class='pk-table {css}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def frame(df: pd.DataFrame, *, css: str = "", max_rows: int = 200) -> str:
    """A DataFrame as a plain HTML table (numbers to 4 significant digits)."""
    shown = df.head(max_rows)
    more = f"<p>{len(df) - max_rows} more rows not shown.</p>" if len(df) > max_rows else ""
    table = shown.to_html(index=False, classes=f"pk-table {css}", float_format=lambda x: f"{x:.4g}",
                          na_rep="", border=0)
    return f"<div style='font-size:12px;line-height:1.3'>{table}</div>{more}"


def plate_map(plate: dict) -> str:
    """The plan's plate map (from :func:`protocol_kit.reports.render.plate_context`): a grid
    with the code in every used well, and the legend of codes."""
    head = "<tr><th></th>" + "".join(f"<th>{c}</th>" for c in plate["columns"]) + "</tr>"
    rows = []
    for r in plate["rows"]:
        cells = []
        for c in r["cells"]:
            bg, border = ROLE_STYLE.get(c["role"], ("#ffffff", "dotted"))
            title = f"{c['code']} ({c['role']})" if c["code"] else "unused"
            cells.append(f"<td title='{esc(title)}' style='{CELL.format(border=border)}background:{bg}'>"
                         f"{esc(c['code'] or '·')}</td>")
        rows.append(f"<tr><th>{r['letter']}</th>{''.join(cells)}</tr>")
    legend = table(plate["legend"], [("group", "code"), ("label", "what"), ("role", "role"), ("wells", "wells")])
    return (f"<table class='pk-plate' style='border-collapse:collapse'>{head}{''.join(rows)}</table>"
            f"<p>{plate['used']} of {plate['wells']} wells used; '·' is an unused well.</p>{legend}")


def readings_map(plate: dict) -> str:
    """A plate of readings: each well shows its code and its reading; the shade (light =
    low, dark = high) repeats the number, it does not replace it."""
    unit = plate.get("unit", "")
    head = "<tr><th></th>" + "".join(f"<th>{c}</th>" for c in plate["columns"]) + "</tr>"
    rows = []
    for r in plate["rows"]:
        cells = []
        for c in r["cells"]:
            if c["level"] is None:
                cells.append(f"<td style='{CELL.format(border='dotted')}background:#fff'>·</td>")
                continue
            light = round(SHADE_LIGHT - (SHADE_LIGHT - SHADE_DARK) * c["level"])
            reading = f"{c['value']} {unit}" if unit and c["value"] != "missing" else c["value"]
            cells.append(f"<td title='{esc(c['well'])}: {esc(c['code'])} = {esc(reading)}' "
                         f"style='{CELL.format(border='solid')}background:rgb({light},{light},255)'>"
                         f"{esc(c['code'])}<br>{esc(c['value'])}</td>")
        rows.append(f"<tr><th>{r['letter']}</th>{''.join(cells)}</tr>")
    what = f"readings in {unit}" if unit else "readings"
    read = f" ({plate['read']})" if plate.get("read") else ""
    after = f" {unit}" if unit else ""
    return (f"<p><b>Plate {esc(str(plate['plate']))}</b>: {esc(what)}{esc(read)}, from {esc(plate['low'] + after)} "
            f"(lightest) to {esc(plate['high'] + after)} (darkest); each well shows its code and its reading "
            f"in {esc(unit or 'the file’s units')}.</p>"
            f"<table class='pk-readings' style='border-collapse:collapse'>{head}{''.join(rows)}</table>")


def warnings(items: Sequence[tuple[str, str, str]]) -> str:
    """Design warnings as a list: code, message and the fields to change."""
    if not items:
        return message("Done", "no design warnings for this plan.")
    lis = "".join(f"<li><b>Warning ({esc(code)}):</b> {esc(text)}"
                  + (f" <i>Fields: {esc(fields)}.</i>" if fields else "") + "</li>"
                  for code, text, fields in items)
    return f"<ul class='pk-warnings'>{lis}</ul>"


def download_link(data: bytes, filename: str, mime: str, label: str) -> str:
    """A link that downloads ``data`` as ``filename`` (a data: URI, so it works without a
    server, e.g. in Voilà)."""
    b64 = base64.b64encode(data).decode("ascii")
    return (f"<a class='pk-download' download='{esc(filename)}' href='data:{mime};base64,{b64}' "
            f"target='_blank'>⬇ {esc(label)}</a>")
