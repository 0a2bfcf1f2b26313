"""Design checks: warnings about a planned binding or uptake assay before it is run.

>>> from protocol_kit.design import design_warnings
>>> for w in design_warnings(pk.RadioligandBinding(top_conc="100 nM")):
...     print(w.code, w.message)
"""
from __future__ import annotations

from .checks import design_warnings
from .consistency import check_consistency
from .expected import ExpectedIC50, cheng_prusoff_factor, expected_ic50
from .plan import Design, read_design
from .volumes import SeriesVolumes, series_volumes
from .warning import DesignWarning

__all__ = ["Design", "DesignWarning", "check_consistency", "ExpectedIC50", "SeriesVolumes", "cheng_prusoff_factor", "design_warnings",
           "expected_ic50", "read_design", "series_volumes"]
