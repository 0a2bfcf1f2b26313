"""Check 6: the parts of an assay system belong to the target studied.

A binding plan's radioligand, membrane source and NSB drug, and an uptake plan's substrate,
system and reference inhibitor, are compared with the assay-system file
(:mod:`protocol_kit.reference.systems`). A part listed there for another target and not for
this one ([3H]citalopram, a SERT radioligand, planned at NET) gives an ``inconsistent-system``
warning naming the part, the target it belongs to, what the file has for this target and its
source. A membrane source or system whose name names another transporter or receptor ("HEK293
cells expressing human SERT" at NET) is flagged the same way. A part the file does not know is
not judged (a user's own radioligand or cell line).
"""
from __future__ import annotations

import re

from ..reference.names import canonical_target, name_key
from ..reference.systems import AssaySystems, systems
from .plan import Design
from .warning import DesignWarning

# (assay, field of the plan, attribute of the file row, the part in words)
_PARTS = {
    "binding": (("radioligand", "labelled", "radioligand"), ("membrane_source", "system", "membrane source"),
                ("nsb_drug", "controls", "NSB drug")),
    "uptake": (("substrate", "labelled", "substrate"), ("system", "system", "system"),
               ("reference_inhibitor", "controls", "reference inhibitor")),
}


def check_consistency(design: Design, table: AssaySystems | None = None) -> list[DesignWarning]:
    """Check 6: each part of the assay system is one the file lists for the target (see module)."""
    table = table or systems()
    assay = "uptake" if design.kind == "uptake" else "binding"
    target_field = "transporter" if assay == "uptake" else "target"
    target = canonical_target(design.target)
    v = design.params
    out = []
    for field, attr, words in _PARTS[assay]:
        value = getattr(v, field)
        if not isinstance(value, str):
            continue
        belongs = _targets_of(table, assay, attr, value)
        if not belongs and attr == "system":
            belongs = _named_targets(value, table.targets(assay))
        if not belongs or any(name_key(t) == name_key(target) for t in belongs):
            continue
        here = table.default(assay, target)
        if here is not None:
            have = here.controls if attr == "controls" else (
                [r.labelled for r in table.of(assay, target)] if attr == "labelled" else [here.system])
            instead = (f"at {target} the assay-system file has {' or '.join(dict.fromkeys(have))} "
                       f"({here.source}; {here.where})")
        else:
            instead = f"the assay-system file has no {assay} system for {target}"
        msg = (f"The {words} {value!r} belongs to {' and '.join(belongs)} in the assay-system file, not to the "
               f"target {target}: {instead}. Change {field}, or {target_field} if {', '.join(belongs)} is meant.")
        out.append(DesignWarning("inconsistent-system", msg, {}, (field, target_field)))
    return out


def _targets_of(table: AssaySystems, assay: str, attr: str, value: str) -> list[str]:
    if attr == "labelled":
        return table.targets_of(assay, labelled=value)
    if attr == "system":
        return table.targets_of(assay, system=value)
    return table.targets_of(assay, control=value)


def _named_targets(text: str, known: list[str]) -> list[str]:
    """Known targets named by a word of ``text`` ("... human SERT" -> SERT; "hNET-HEK293" -> NET)."""
    keys = {name_key(t): t for t in known}
    found = []
    for word in re.split(r"[\s,;:()/-]+", text):
        t = canonical_target(word) if word else ""
        if t and name_key(t) in keys and keys[name_key(t)] not in found:
            found.append(keys[name_key(t)])
    return found
