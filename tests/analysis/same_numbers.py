"""The statistics whose values must not depend on the machine: the repeated-measures tests,
the mixed model, weighted assay fits and the batch engine, on fixed inputs. Written once by
``make_same_numbers.py`` to data/same_numbers.json; test_same_numbers.py recomputes them on
whatever interpreter and numpy/scipy/pandas build runs the suite (CI: Python 3.11 and 3.13)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).parent / "data"


def statistics() -> dict[str, float | str]:
    import protocol_kit as pk
    from protocol_kit.analysis import fit_logistic_many
    from protocol_kit.analysis.stats import mixed_model
    from protocol_kit.simulate.null_timecourses import null_timecourses

    out: dict[str, float | str] = {}
    p = pk.Microdialysis()
    d = p.simulate(seed=0)
    for ss_type in ("III", "I"):
        r = p.analyse(d[d["animal"] != "R03"], weighting="1/x", ss_type=ss_type)
        for e in r.anova.to_frame().to_dict("records"):
            for c in ("ss", "F", "p", "df2_gg", "p_gg"):
                if np.isfinite(e.get(c, np.nan)):
                    out[f"anova {ss_type} {e['effect']} {c}"] = float(e[c])
    for i, frame in enumerate(null_timecourses(5, seed=5)):
        m = mixed_model(frame, value="pct_baseline", subject="animal", time="fraction", between="group")
        for e in m.to_frame().to_dict("records"):
            out[f"mixed {i} {e['effect']} F"] = float(e["F"])
            out[f"mixed {i} {e['effect']} df2"] = float(e["df2"])
    for cls in (pk.RadioligandBinding, pk.ReuptakeInhibition):
        q = cls()
        res = q.analyse(q.simulate(seed=2))
        for k, v in res.scalars().items():
            if isinstance(v, float) and np.isfinite(v):
                out[f"{q.id} {k}"] = v
    pts = pd.read_csv(DATA / "robustness_points.csv")
    many = fit_logistic_many(pts[pts.curve % 12 == 0], by="curve")
    for c in ("log_ic50", "rss", "ic50_ci_low", "ic50_ci_high"):
        for cid, v in zip(many["curve"], many[c].to_numpy(float)):
            out[f"many {cid} {c}"] = float(v) if np.isfinite(v) else str(v)
    out["many flags"] = ";".join(",".join(f) for f in many["flags"])
    return out
