"""Analysis options, validated once: which say how the file is read, which how it is analysed.

The options a protocol's analysis takes are declared once, by the keyword parameters of its
``analyse`` (:func:`protocol_kit.io.analysis_input.analyse_options`); those on how a file is
read are the readers' own (:func:`protocol_kit.io.analysis_input.file_options`). An
:class:`Options` is made once per analysis by :func:`analysis_options`, which refuses an
option neither takes, and then handed on: the reader gets :attr:`Options.reading`, the
analysis :attr:`Options.analysis`, the record :attr:`Options.given`.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ..io.analysis_input import split_options

if TYPE_CHECKING:
    from ..core.protocol import Protocol


@dataclass(frozen=True)
class Options:
    """The options of one analysis as given (``given``, recorded with the result), split into
    those of the reader (``reading``) and those of ``protocol.analyse`` (``analysis``); the
    options that choose what is read (``read``, ``wavelength``, ``extra_wells``,
    ``exclude_wells``) are in both."""

    given: Mapping[str, Any]
    reading: Mapping[str, Any]
    analysis: Mapping[str, Any]


def analysis_options(protocol: Protocol, options: Mapping[str, Any] | Options | None = None) -> Options:
    """``options`` checked against ``protocol`` (an unknown option is refused, naming those
    that exist) and split; an :class:`Options` already made is returned as it is."""
    if isinstance(options, Options):
        return options
    given = dict(options or {})
    reading, analysis = split_options(protocol, given)
    return Options(MappingProxyType(given), MappingProxyType(reading), MappingProxyType(analysis))
