"""A campaign's summary as a small HTML page (``campaign_summary.html.j2``, the templates and
jinja2 environment of the reports): curves, converged fits, counts per flag with what each
flag means, IC50 qualifiers, and a histogram of potency (pIC50) as inline SVG."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from .._version import __version__
from ..analysis.campaign.summary import BIN, CampaignSummary, summarise
from .flag_words import MEANING
from .render import environment
from .svg import draw

QUALIFIERS = {"=": "a value (IC50 within the tested range)", ">": "above the highest concentration",
              "<": "below the lowest concentration", "?": "undetermined", "~": "a step between two concentrations",
              "": "not fitted (no data)"}
EXTRA_MEANING = {"no_data": "no usable point at a tested concentration (or too few points): the curve was not "
                            "fitted"}


def potency_histogram(s: CampaignSummary) -> str:
    edges, counts = s.histogram

    def paint(fig):
        from matplotlib.ticker import MaxNLocator

        ax = fig.add_subplot()
        if counts.size:
            ax.bar(edges[:-1], counts, width=BIN, align="edge", color="#4c72b0", edgecolor="white", linewidth=0.4)
        ax.set_xlabel("pIC50 (-log10 IC50, M)")
        ax.set_ylabel("curves")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no tick at 2.5 curves

    return draw(5.5, 2.4, "potency", "Histogram of pIC50 over the curves with an IC50 value", paint)


def render_campaign_summary(results, *, title: str = "Campaign", source: str = "") -> str:
    """The HTML page for a results frame, file or folder."""
    s = summarise(results)
    flags = [{"code": code, "count": n, "share": n / s.curves if s.curves else 0.0,
              "meaning": MEANING.get(code) or EXTRA_MEANING.get(code, "")}
             for code, n in sorted(s.flags.items(), key=lambda kv: (-kv[1], kv[0]))]
    quals = [{"code": q, "count": n, "meaning": QUALIFIERS.get(q, "")}
             for q, n in sorted(s.qualifiers.items(), key=lambda kv: (-kv[1], kv[0]))]
    edges, counts = s.histogram
    return environment().get_template("campaign_summary.html.j2").render(
        title=title, source=source or (str(results) if isinstance(results, (str, os.PathLike)) else ""),
        s=s, flags=flags, qualifiers=quals, valued=int(counts.sum()), svg=potency_histogram(s),
        bins=[(float(a), float(b), int(n)) for a, b, n in zip(edges[:-1], edges[1:], counts)],
        rendered=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), protocol_kit=__version__)


def write_campaign_summary(results, path: str | os.PathLike, **kw) -> Path:
    path = Path(path)
    path.write_text(render_campaign_summary(results, **kw), encoding="utf-8")
    return path
