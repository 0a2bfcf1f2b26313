"""The fitting engine of protocol_kit: logistic, Ki and saturation fits, model comparison, ROUT."""
from __future__ import annotations

from .batch import fit_logistic_many
from .curves import logistic, one_site_specific, two_site
from .fitting import LogisticFit, fit_logistic
