"""Declared protocol parameters and their validation.

A :class:`Parameter` declares one input (name, label, unit, default, allowed range or
choices, help, group). The declaration both validates user input and generates test cases
(:meth:`Parameter.valid_examples`, :meth:`Parameter.invalid_examples`), in the manner of
scikit-learn's parameter constraints. A protocol's parameters are assembled into a pydantic
model (:func:`build_schema`) that rejects unknown names and validates every field at once.
"""
from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Any, Literal

import pint
import pydantic
from pydantic import BeforeValidator, ConfigDict

from ..errors import ParameterError, ProtocolKitError
from ..typed_numbers import NumberTextError, parse_number
from ..units import Q_, best_unit, fmt_number, format_quantity, parse_quantity, unit_family, unit_text

Kind = Literal["quantity", "int", "float", "choice", "text", "bool"]


@dataclass(frozen=True)
class Parameter:
    """One declared input of a protocol.

    ``kind`` is inferred: a ``unit`` makes a quantity, ``choices`` a choice (or free text with
    suggestions when ``free_text`` is true), otherwise the type of ``default``. ``low`` and
    ``high`` are inclusive bounds in ``unit`` (``low_exclusive`` makes the lower one strict).
    A parameter with ``optional=True`` may be left empty (``None``), to be written on the sheet.
    """

    name: str
    label: str
    default: Any
    help: str
    group: str
    unit: str | None = None
    low: float | None = None
    high: float | None = None
    low_exclusive: bool = False
    choices: tuple[str, ...] | None = None
    free_text: bool = False
    optional: bool = False
    kind: Kind = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.kind is None:
            object.__setattr__(self, "kind", self._infer_kind())
        self.default_value  # every default must be valid (validated here, once)

    @cached_property
    def default_value(self) -> Any:
        """The validated default (a Quantity in ``unit``, int, float, str, bool or None)."""
        return self.validate(self.default)

    def _infer_kind(self) -> Kind:
        if self.unit is not None:
            return "quantity"
        if self.choices is not None:
            return "text" if self.free_text else "choice"
        if isinstance(self.default, bool):
            return "bool"
        if isinstance(self.default, int):
            return "int"
        if isinstance(self.default, float):
            return "float"
        return "text"

    # -- what is allowed -------------------------------------------------------------------
    def allowed_text(self) -> str:
        """What this parameter accepts, in words (used in every error message)."""
        if self.kind == "choice":
            text = "one of " + ", ".join(self.choices or ())
        elif self.kind == "bool":
            text = "true or false"
        elif self.kind == "text":
            text = "non-empty text"
            if self.choices:
                text += " (suggestions: " + ", ".join(self.choices) + ")"
        else:
            what = {"quantity": "a quantity", "int": "a whole number", "float": "a number"}[self.kind]
            u = f" {unit_text(self.unit)}" if self.unit else ""
            if self.low is not None and self.high is not None:
                rng = (f"> {fmt_number(self.low)}{u} and <= {fmt_number(self.high)}{u}" if self.low_exclusive
                       else f"from {fmt_number(self.low)} to {fmt_number(self.high)}{u}")
                text = f"{what} {rng}"
            elif self.low is not None:
                text = f"{what} {'>' if self.low_exclusive else '>='} {fmt_number(self.low)}{u}"
            elif self.high is not None:
                text = f"{what} <= {fmt_number(self.high)}{u}"
            else:
                text = f"{what}{' in ' + u.strip() if u else ''}"
            if self.kind == "quantity":
                text += " (any compatible unit)"
        if self.optional:
            text += ", or empty"
        return text

    # -- validation ------------------------------------------------------------------------
    def validate(self, value: Any) -> Any:
        """The validated, canonical value: a pint Quantity in ``unit``, int, float, str or bool."""
        if value is None or (isinstance(value, str) and not value.strip()):
            if self.optional:
                return None
            raise ParameterError(self.name, value, self.allowed_text(), reason="is required")
        if self.kind == "quantity":
            q = parse_quantity(value, self.unit, field=self.name)
            self._check_range(float(q.magnitude), value)
            return q
        if self.kind == "int":
            return self._validate_int(value)
        if self.kind == "float":
            return self._validate_float(value)
        if self.kind == "bool":
            return self._validate_bool(value)
        text = str(value).strip() if isinstance(value, (str, numbers.Number)) else None
        if text is None or isinstance(value, bool):
            raise ParameterError(self.name, value, self.allowed_text(), reason="is not text")
        if self.kind == "choice":
            return self._validate_choice(text, value)
        return text

    def _validate_int(self, value: Any) -> int:
        given = value
        if isinstance(value, bool):
            raise ParameterError(self.name, value, self.allowed_text(), reason="is not a whole number")
        if isinstance(value, str):
            value = self._number_text(value, "is not a whole number")
        if not isinstance(value, numbers.Real) or not math.isfinite(value) or int(value) != value:
            raise ParameterError(self.name, given, self.allowed_text(), reason="is not a whole number")
        self._check_range(value, given)
        return int(value)

    def _validate_float(self, value: Any) -> float:
        if isinstance(value, bool):
            raise ParameterError(self.name, value, self.allowed_text(), reason="is not a number")
        if isinstance(value, str):
            x = self._number_text(value, "is not a number")
        else:
            try:
                x = float(value)
            except (TypeError, ValueError):
                raise ParameterError(self.name, value, self.allowed_text(), reason="is not a number") from None
        if not math.isfinite(x):
            raise ParameterError(self.name, value, self.allowed_text(), reason="is not a finite number")
        self._check_range(x, value)
        return x

    def _number_text(self, text: str, reason: str) -> float:
        """Typed text as a number by the one rule of :mod:`protocol_kit.typed_numbers`
        ("1,5" is 1.5, "1,000" is refused as ambiguous, non-finite values are refused)."""
        try:
            return parse_number(text)
        except NumberTextError as exc:
            plain = str(exc).startswith(f"{text.strip()!r} is not a number;")
            raise ParameterError(self.name, text, self.allowed_text(),
                                 reason=reason if plain else f"is not read as a number: {exc}") from None

    def _validate_bool(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
        key = str(value).strip().lower()
        if key in words:
            return words[key]
        raise ParameterError(self.name, value, self.allowed_text())

    def _validate_choice(self, text: str, value: Any) -> str:
        for choice in self.choices or ():
            if text == choice:
                return choice
        for choice in self.choices or ():
            if text.casefold() == choice.casefold():
                return choice
        close = difflib.get_close_matches(text, list(self.choices or ()), n=1, cutoff=0.5)
        reason = "is not one of the choices" + (f" (did you mean {close[0]!r}?)" if close else "")
        raise ParameterError(self.name, value, self.allowed_text(), reason=reason)

    def _check_range(self, x: float, given: Any) -> None:
        too_low = self.low is not None and (x <= self.low if self.low_exclusive else x < self.low)
        too_high = self.high is not None and x > self.high
        if too_low or too_high:
            raise ParameterError(self.name, given, self.allowed_text(),
                                 reason="is out of range" if not too_low else "is too small")

    # -- display and generated test cases --------------------------------------------------
    def display(self, value: Any) -> str:
        """The value as it is printed on a sheet."""
        if value is None:
            return "(to be entered)"
        if isinstance(value, pint.Quantity):
            family = unit_family(value.units)  # rescale within the family: 12.5 µM, not 12500 nM
            return format_quantity(best_unit(value, family) if family else value)
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, float):
            return fmt_number(value)
        return str(value)

    def valid_examples(self) -> list[Any]:
        """Values that must be accepted: the default, the bounds, and unit variants."""
        out: list[Any] = [self.default]
        if self.kind in ("quantity", "int", "float"):
            for bound in (self.low, self.high):
                if bound is not None and not (bound == self.low and self.low_exclusive):
                    out.append(int(bound) if self.kind == "int" else bound)
            if self.kind == "quantity":
                sample = self.default if self.default is not None else (self.low or 0) / 2 + (self.high or 0) / 2
                d = parse_quantity(sample, self.unit, field=self.name)
                out.append(f"{d.magnitude!r} {self.unit}")
                out.append(d.to_base_units())
        elif self.kind == "choice":
            out.extend(self.choices or ())
            out.append((self.choices or ("",))[0].upper())
        return out

    def invalid_examples(self) -> list[Any]:
        """Values that must be refused with a ParameterError naming this parameter."""
        out: list[Any] = [[1, 2], object()]
        if not self.optional:
            out.append(None)
        if self.kind in ("quantity", "int", "float"):
            out.append("not a number")
            if self.low is not None:
                out.append(self.low - (abs(self.low) * 0.5 + 1))
            if self.high is not None:
                out.append(self.high + abs(self.high) * 0.5 + 1)
            if self.kind == "quantity":
                wrong = "5 kg" if Q_(1, self.unit).dimensionality != Q_(1, "kg").dimensionality else "5 uL"
                out.append(wrong)
            if self.kind == "int":
                out.append(2.5)
        elif self.kind == "choice":
            out.append("no such choice")
        elif self.kind == "bool":
            out.append("maybe")
        return out


def _param_validator(param: Parameter):
    def _validate(value: Any) -> Any:
        return param.validate(value)
    return _validate


def build_schema(model_name: str, parameters: Sequence[Parameter]) -> type[pydantic.BaseModel]:
    """A frozen pydantic model whose fields are the parameters (unknown names are refused)."""
    fields: dict[str, Any] = {
        p.name: (Annotated[Any, BeforeValidator(_param_validator(p))], p.default_value) for p in parameters
    }
    return pydantic.create_model(
        model_name,
        # defaults are validated once, when the parameter is declared (Parameter.default_value)
        __config__=ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True),
        **fields,
    )


def validate_values(schema: type[pydantic.BaseModel], parameters: Sequence[Parameter],
                    values: Mapping[str, Any]) -> pydantic.BaseModel:
    """Validate ``values`` against ``schema``; raise the first problem as a ParameterError.

    The error carries every problem found in ``.problems`` (for forms that show them all).
    """
    by_name = {p.name: p for p in parameters}
    unknown = [k for k in values if k not in by_name]
    if unknown:
        from ..errors import UnknownNameError
        raise UnknownNameError("parameter", unknown[0], by_name)
    try:
        return schema.model_validate(dict(values))
    except pydantic.ValidationError as exc:
        problems = [_unwrap(err, by_name, values) for err in exc.errors()]
        first = problems[0]
        first.problems = problems  # type: ignore[attr-defined]
        raise first from None


def _unwrap(err: Mapping[str, Any], by_name: Mapping[str, Parameter],
            values: Mapping[str, Any]) -> ProtocolKitError:
    ctx_error = (err.get("ctx") or {}).get("error")
    if isinstance(ctx_error, ProtocolKitError):
        return ctx_error
    name = str(err["loc"][0]) if err.get("loc") else "?"
    param = by_name.get(name)
    allowed = param.allowed_text() if param else "see 'protocol-kit params'"
    return ParameterError(name, values.get(name), allowed, reason=str(err.get("msg", "is invalid")))
