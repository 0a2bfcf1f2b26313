"""Names of drugs and targets as users type them.

A name is matched after :func:`name_key`: lower case, Greek alpha/sigma spelled out, and every
character that is not a letter or digit removed, so "alpha-1", "Alpha1" and "α1" are one key.
A few targets have aliases (:data:`TARGET_ALIASES`); any other target in a reference file is
its own name.
"""
from __future__ import annotations

import re

# Canonical target name -> other names it is known by. The canonical names are the targets of
# the radioligand-binding protocol. "M1" maps to "muscarinic": seed 004 reports the M1 subtype,
# seed 000 muscarinic receptors without a subtype (each row's note says which).
TARGET_ALIASES: dict[str, tuple[str, ...]] = {
    "SERT": ("5-HTT", "serotonin transporter", "hSERT"),
    "NET": ("norepinephrine transporter", "noradrenaline transporter", "hNET"),
    "DAT": ("dopamine transporter", "hDAT"),
    "muscarinic": ("M1", "muscarinic M1", "mAChR"),
    "H1": ("histamine H1",),
    "alpha-1": ("alpha-1 adrenergic", "alpha1-adrenoceptor"),
    "sigma-1": (),
}

_GREEK = {"α": "alpha", "σ": "sigma"}


def name_key(name: str) -> str:
    """The matching key of a drug or target name ("Alpha-1" and "α1" give "alpha1")."""
    text = name.strip().lower()
    for letter, word in _GREEK.items():
        text = text.replace(letter, word)
    return re.sub(r"[^a-z0-9]", "", text)


_ALIAS_KEYS: dict[str, str] = {}
for _canonical, _aliases in TARGET_ALIASES.items():
    for _name in (_canonical, *_aliases):
        _ALIAS_KEYS[name_key(_name)] = _canonical


def canonical_target(name: str) -> str:
    """The canonical name of a target if it is a known alias, else ``name`` stripped."""
    return _ALIAS_KEYS.get(name_key(name), name.strip())
