"""protocol_kit: an electronic lab notebook for antidepressant pharmacology assays."""
from __future__ import annotations

__version__ = "0.1.0"

from .errors import (  # noqa: F401
    AnalysisError,
    DataFormatError,
    DimensionError,
    LayoutError,
    ParameterError,
    ProtocolKitError,
    RecordLockedError,
    UnknownNameError,
)
from .units import Q_, ureg  # noqa: F401
