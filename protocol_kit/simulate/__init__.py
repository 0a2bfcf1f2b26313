"""Simulated instrument data for a protocol's own layout or schedule (seeded, deterministic).

``protocol.simulate(seed=..., **truth)`` is the entry point; the functions here take plain
numbers and the plan's frames. Reference values come from :mod:`.reference` (DOMAIN.md).
"""
from .reference import REFERENCE_KI_NM, reference_ki  # noqa: F401
