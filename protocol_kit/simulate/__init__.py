"""Simulated instrument data for a protocol's own layout or schedule (seeded, deterministic).

``protocol.simulate(seed=..., **truth)`` is the entry point; the functions here take plain
numbers and the plan's frames. Default Ki values come from :mod:`protocol_kit.reference`.
"""
from .reference import reference_ki  # noqa: F401
