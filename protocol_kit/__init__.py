"""protocol_kit: an electronic lab notebook for antidepressant pharmacology assays.

>>> import protocol_kit as pk
>>> p = pk.RadioligandBinding(target="SERT", radioligand="[3H]citalopram")
>>> p.reagents, p.layout, p.checklist

The names below are loaded on first use (PEP 562), so ``import protocol_kit`` and the command
line start without loading pandas, pint or the layers they do not use.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ._version import __version__

# public name -> the module that defines it
_LAZY = {
    **dict.fromkeys(("Protocol", "get_protocol", "protocol_class", "protocol_ids"), ".core.protocol"),
    **dict.fromkeys(("AnalysisError", "DataFormatError", "DimensionError", "LayoutError", "ParameterError",
                     "ProtocolKitError", "RecordLockedError", "SigningError", "UnknownNameError"), ".errors"),
    **dict.fromkeys(("DesignWarning", "design_warnings"), ".design"),
    **dict.fromkeys(("Microdialysis", "RadioligandBinding", "ReuptakeInhibition"), ".protocols"),
    "open_run": ".records",
    **dict.fromkeys(("Q_", "ureg"), ".units"),
}
_SUBPACKAGES = ("analysis", "core", "design", "errors", "io", "profile", "protocols", "records", "reference",
                "reports", "simulate", "typed_numbers", "units", "widgets", "workflow")

__all__ = ["__version__", "app", "profile", *_LAZY]

if TYPE_CHECKING:  # what the lazy names are, for type checkers and editors
    from . import reference  # noqa: F401
    from .core.protocol import Protocol, get_protocol, protocol_class, protocol_ids  # noqa: F401
    from .design import DesignWarning, design_warnings  # noqa: F401
    from .errors import (  # noqa: F401
        AnalysisError, DataFormatError, DimensionError, LayoutError, ParameterError, ProtocolKitError,
        RecordLockedError, SigningError, UnknownNameError,
    )
    from .protocols import Microdialysis, RadioligandBinding, ReuptakeInhibition  # noqa: F401
    from .records import open_run  # noqa: F401
    from .units import Q_, ureg  # noqa: F401


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    if name in _SUBPACKAGES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'protocol_kit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY, *_SUBPACKAGES})


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
