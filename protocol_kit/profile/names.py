"""Compound names as recorded in runs: case, spacing and salt forms.

A run may name its compound "Sertraline", "sertraline HCl" or "sertraline hydrochloride". Two
names are the same compound when their keys match after :func:`base_name` strips trailing
salt and hydrate words (the ones in :data:`SALT_WORDS`); the key is
:func:`protocol_kit.reference.names.name_key` (lower case, punctuation and spaces removed).
A match that needed the salt stripped is reported, never made silently.
"""
from __future__ import annotations

from ..reference.names import name_key

# Counter-ions and hydrates written after a drug's name (lower case). Multiplied forms such as
# "2HCl" or "di-hydrochloride" are covered by the prefix rule in :func:`_is_salt_word`.
SALT_WORDS = frozenset({
    "hcl", "hydrochloride", "hbr", "hydrobromide", "hydrate", "monohydrate", "hemihydrate",
    "dihydrate", "maleate", "fumarate", "oxalate", "citrate", "mesylate", "methanesulfonate",
    "tartrate", "succinate", "sulfate", "sulphate", "besylate", "tosylate", "phosphate",
    "acetate", "lactate", "malate", "napsylate", "sodium", "potassium", "salt", "freebase", "base",
})
_MULTIPLIERS = ("mono", "di", "tri", "hemi", "sesqui", "1", "2", "3")


def _is_salt_word(word: str) -> bool:
    w = name_key(word)
    if w in SALT_WORDS:
        return True
    return any(w.startswith(m) and w[len(m):] in SALT_WORDS for m in _MULTIPLIERS)


def base_name(name: str) -> tuple[str, str]:
    """``(base, salt)``: the name without its trailing salt words, and those words
    ("sertraline HCl" -> ("sertraline", "HCl")); a name that is only salt words is kept whole."""
    words = name.replace("·", " ").split()
    cut = len(words)
    while cut > 1 and _is_salt_word(words[cut - 1]):
        cut -= 1
    return " ".join(words[:cut]), " ".join(words[cut:])


def compound_key(name: str) -> str:
    """The key two names of one compound share (see the module docstring)."""
    return name_key(base_name(name)[0])


def match_note(wanted: str, recorded: str) -> str | None:
    """None when ``recorded`` names ``wanted`` up to case and spacing; a sentence when only
    the salt form differs; raises ValueError when they are different compounds."""
    if compound_key(wanted) != compound_key(recorded):
        raise ValueError(f"{recorded!r} is not {wanted!r}")
    if name_key(wanted) == name_key(recorded):
        return None
    return (f"recorded as {recorded!r}, matched to {wanted!r} by its base name "
            f"(salt or hydrate form {base_name(recorded)[1] or base_name(wanted)[1]!r} ignored)")
