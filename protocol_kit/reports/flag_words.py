"""QC flags in words, for a reader who does not know the codes.

Each flag of a result gets what it means in general (here) beside the analysis's own sentence
with the numbers (the result's ``qc``, whose sentences start with the flag's code).
"""
from __future__ import annotations

MEANING = {
    "incomplete": "the IC50 is not bracketed by the tested concentrations (or a plateau is undefined); the value "
                  "is a bound, not an estimate",
    "not_converged": "the fit did not converge; its numbers are not reliable",
    "weights_not_converged": "the weights from the fitted curve (relative weighting) did not settle; the numbers "
                             "may not be the weighted optimum",
    "shallow": "the Hill slope is shallower than 0.5",
    "steep": "the Hill slope is steeper than 2",
    "few_points": "too few points for the parameters fitted",
    "ci_unbounded": "the data do not bound the IC50 (or Ki) on one side at 95%: its profile-likelihood CI is open "
                    "there, and that is the CI shown",
    "outlier": "points were removed as outliers (ROUT)",
    "implausible_units": "concentrations given as plain numbers (read as molar) cannot be meant in molar, e.g. nM "
                         "values passed as M: the values are in the unit of the numbers, not in M",
    "hill_not_1": "the Hill slope differs from 1: more than one site, cooperativity, or not at equilibrium; "
                  "Ki by Cheng-Prusoff is doubtful",
    "bottom_not_0": "the curve does not fall to the full-inhibition level: a partial inhibitor, or a curve that stops "
                    "before its bottom",
    "ligand_depletion": "more than 10% of the radioligand added is bound, so the free concentration is below the "
                        "added one",
    "small_window": "the specific signal is small compared with the background",
    "replicate_cv": "replicate wells disagree by more than 20% (CV)",
    "missing_wells": "planned wells had no reading and were left out",
    "low_z_prime": "the controls overlap (Z' below 0.5): the assay window is not reliable",
    "constant_controls": "control wells all read the same value (a saturated or clipped detector, a placeholder or "
                         "copied values): Z' and the normalisation from them are not measurements",
    "standard_failed": "standards back-calculate outside the accepted range (15%, 20% at the lowest level)",
    "nonpositive_slope": "the standard curve does not rise with concentration",
    "below_lod": "samples are below the limit of detection",
    "below_loq": "samples are detected but below the limit of quantification",
    "missing_samples": "planned samples have no value",
    "excluded_animals": "animals were excluded from the analysis (listed with the reason)",
}


# flags whose sentences in ``qc`` start with another word
SAID_AS = {"excluded_animals": "excluded", "missing_samples": "missing"}


def flag_rows(flags, qc) -> list[dict]:
    """One row per flag: code, general meaning, and the analysis's sentences for it. QC
    sentences that belong to no flag are listed after, with an empty code."""
    qc = list(qc or ())
    rows, used = [], set()
    for code in flags or ():
        word = SAID_AS.get(code, code)
        said = [q for q in qc if q.startswith(f"{word}:") or q.startswith(f"{word} ")]
        used.update(said)
        rows.append({"code": code, "meaning": MEANING.get(code, "see the analysis notes"),
                     "details": [s.split(":", 1)[1].strip() if s.startswith(f"{word}:") else s for s in said]})
    rest = [q for q in qc if q not in used]
    if rest:
        rows.append({"code": "", "meaning": "notes from the analysis", "details": rest})
    return rows
