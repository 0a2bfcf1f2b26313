"""protocol_kit: an electronic lab notebook for antidepressant pharmacology assays.

>>> import protocol_kit as pk
>>> p = pk.RadioligandBinding(target="SERT", radioligand="[3H]citalopram")
>>> p.reagents, p.layout, p.checklist
"""
from __future__ import annotations

__version__ = "0.1.0"

from .core.protocol import Protocol, get_protocol, protocol_class, protocol_ids  # noqa: F401
from .errors import (  # noqa: F401
    AnalysisError,
    DataFormatError,
    DimensionError,
    LayoutError,
    ParameterError,
    ProtocolKitError,
    RecordLockedError,
    SigningError,
    UnknownNameError,
)
from . import reference  # noqa: F401
from .design import DesignWarning, design_warnings  # noqa: F401
from .protocols import Microdialysis, RadioligandBinding, ReuptakeInhibition  # noqa: F401
from .records import open_run  # noqa: F401
from .units import Q_, ureg  # noqa: F401


def app(run_id: str | None = None, **options):
    """The guided app in a notebook: pick a protocol, then plan, record, analyse, report and
    sign; ``pk.app(run_id=...)`` resumes a run (see :func:`protocol_kit.widgets.app`)."""
    from .widgets import app as _app

    return _app(run_id, **options)


def profile(compound: str, **options):
    """A compound's Ki by target across the runs of the store, its selectivity ratios and the
    reference drugs beside it (see :func:`protocol_kit.profile.profile`)."""
    from .profile import profile as _profile

    return _profile(compound, **options)
