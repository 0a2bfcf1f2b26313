"""Moved to :mod:`protocol_kit.io.analysis_input`; kept for the imports that still use this path."""
from ..io.analysis_input import analysis_frame, check_options, hplc_for_analysis

__all__ = ["analysis_frame", "check_options", "hplc_for_analysis"]
