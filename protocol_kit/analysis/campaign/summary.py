"""The numbers of a campaign's summary: curves, converged fits, counts per flag, IC50
qualifiers and a histogram of potency (pIC50 = -log10 IC50 in M) over the curves whose IC50 is
a value (qualifier '='). Read from a results frame, or streamed from a results file or folder
one record batch at a time (only the flags, qualifier, converged and ic50 columns), so a
campaign of any size is summed up in little memory."""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

BIN = 0.25  # pIC50 units per bar
EDGES = np.arange(0.0, 18.0 + BIN / 2, BIN)  # pIC50 0 (1 M) to 18 (1 aM); outside: counted apart
COLUMNS = ["flags", "qualifier", "converged", "ic50"]


@dataclass
class CampaignSummary:
    curves: int = 0
    converged: int = 0
    unflagged: int = 0
    flags: Counter = field(default_factory=Counter)
    qualifiers: Counter = field(default_factory=Counter)
    counts: np.ndarray = field(default_factory=lambda: np.zeros(EDGES.size - 1, np.int64))
    outside: int = 0  # '=' IC50s outside pIC50 0-18

    def add(self, frame: pd.DataFrame) -> None:
        self.curves += len(frame)
        self.converged += int(np.count_nonzero(frame["converged"].to_numpy(bool)))
        n_flags = np.fromiter((len(f) for f in frame["flags"]), np.int64, len(frame))
        self.unflagged += int(np.count_nonzero(n_flags == 0))
        self.flags.update(f for fl in frame["flags"] for f in fl)
        self.qualifiers.update(frame["qualifier"].astype(str))
        ic50 = frame["ic50"].to_numpy(float)
        value = (frame["qualifier"].astype(str).to_numpy() == "=") & np.isfinite(ic50) & (ic50 > 0)
        p = -np.log10(ic50[value])
        inside = (p >= EDGES[0]) & (p <= EDGES[-1])
        self.counts += np.histogram(p[inside], EDGES)[0]
        self.outside += int(np.count_nonzero(~inside))

    @property
    def histogram(self) -> tuple[np.ndarray, np.ndarray]:
        """(edges, counts) trimmed to the bars from the first to the last non-empty one."""
        nz = np.flatnonzero(self.counts)
        if not nz.size:
            return EDGES[:1], self.counts[:0]
        a, b = nz[0], nz[-1] + 1
        return EDGES[a:b + 1], self.counts[a:b]


def summarise(results) -> CampaignSummary:
    """The summary of a results frame, or of a results file or folder (Parquet)."""
    s = CampaignSummary()
    if isinstance(results, pd.DataFrame):
        s.add(results)
        return s
    import pyarrow.dataset as ds

    data = ds.dataset(os.fspath(results), format="parquet")
    for batch in data.to_batches(columns=COLUMNS, batch_size=200_000):
        s.add(batch.to_pandas())
    return s
