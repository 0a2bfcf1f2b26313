"""The one exception hierarchy of protocol_kit.

Every error a user can cause derives from :class:`ProtocolKitError`, so the command line can
print its message on one line and exit with status 2, and a form can show it beside a field.
"""
from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass


def near_miss(name: str, known: Iterable[str]) -> str:
    """The hint "; did you mean 'x'?" naming the closest of ``known`` to ``name`` (difflib), or ""."""
    close = difflib.get_close_matches(name, known, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


@dataclass(frozen=True)
class Hint:
    """An option that would resolve an error: ``name`` and the ``value`` to pass. Each view
    says it in its own words (:meth:`ProtocolKitError.say`): Python ``extra_wells='ignore'``,
    the command line ``--option extra_wells=ignore``, the form the field's label."""

    name: str
    value: object

    def python(self) -> str:
        return f"{self.name}={self.value!r}"

    def cli(self) -> str:
        """As typed in a shell: quoted when the value has spaces or shell characters."""
        import shlex

        return f"--option {shlex.quote(f'{self.name}={self.value}')}"


class ProtocolKitError(Exception):
    """Base class of every error protocol_kit raises on bad input or state.

    An error that a reader or analysis option resolves is built with :meth:`hinted`: its text
    holds ``{0}``, ``{1}``, ... where each :class:`Hint` goes, so each view can say the option
    in its own language (:meth:`say`) while ``str(error)`` speaks Python."""

    template: str | None = None
    hints: tuple[Hint, ...] = ()

    @classmethod
    def hinted(cls, template: str, hints: Sequence[Hint]):
        """An error whose message is ``template`` with each hint said as Python says it."""
        exc = cls(template.format(*(h.python() for h in hints)))
        exc.template, exc.hints = template, tuple(hints)
        return exc

    def say(self, option: Callable[[Hint], str]) -> str:
        """The message with each hint said by ``option`` (e.g. :meth:`Hint.cli`)."""
        if self.template is None:
            return str(self)
        return self.template.format(*(option(h) for h in self.hints))


class ParameterError(ProtocolKitError, ValueError):
    """A parameter value is missing, unknown, of the wrong kind or outside what is allowed.

    ``field`` names the parameter, ``value`` is what was given and ``allowed`` says what
    would have been accepted.
    """

    def __init__(self, field: str, value: object, allowed: str, *, reason: str | None = None):
        self.field = field
        self.value = value
        self.allowed = allowed
        self.reason = reason
        head = f"{field}: {value!r} is not allowed"
        if reason:
            head = f"{field}: {value!r} {reason}"
        super().__init__(f"{head}; allowed: {allowed}")

    def named(self, field: str) -> str:
        """The message with the field called ``field`` (e.g. '--option wavelength', or a form
        field's label), as a view names it."""
        return str(ParameterError(field, self.value, self.allowed, reason=self.reason))

    def __reduce__(self):
        """Pickled by its fields, so that the error of a fit in another process (a pool or a Dask
        worker) arrives whole (Exception pickles ``args`` alone, which __init__ cannot take)."""
        return _rebuild_parameter_error, (type(self), self.field, self.value, self.allowed, self.reason)


def _rebuild_parameter_error(cls, field, value, allowed, reason):
    return cls(field, value, allowed, reason=reason)


class DimensionError(ParameterError):
    """A quantity has the wrong physical dimension, e.g. a volume given for a concentration."""


class UnknownNameError(ProtocolKitError, KeyError):
    """A name (protocol id, parameter, reagent) that does not exist; suggests the near miss."""

    def __init__(self, kind: str, name: str, known: Iterable[str]):
        known = sorted(known)
        self.kind, self.name, self.known = kind, name, known
        super().__init__(f"unknown {kind} {name!r}{near_miss(name, known)} (known: {', '.join(known)})")

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


class LayoutError(ProtocolKitError):
    """A plate design that does not fit the plate, or an impossible layout."""


class SigningError(ProtocolKitError):
    """A signature the signing rules refuse (a broken record, the same person performing and
    reviewing, checklist steps left open): :mod:`protocol_kit.records.signing_rules`."""


class DataFormatError(ProtocolKitError):
    """Instrument or user data that cannot be read as what was expected."""


class AnalysisError(ProtocolKitError):
    """Data that cannot be analysed as asked (missing controls, too few points, ...)."""


class RecordLockedError(ProtocolKitError):
    """A change was attempted on a signed (locked) run."""
