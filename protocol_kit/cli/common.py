"""What the commands share: building a protocol from --params and --set, values and options as
the command line writes them, the operator, the store and run, passphrases, findings."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ..errors import ParameterError, ProtocolKitError


def _parse_set(items: Sequence[str]) -> dict[str, str]:
    values = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ParameterError("--set", item, "name=value, e.g. --set top_conc='1 uM'",
                                 reason="is not of the form name=value")
        values[name.strip()] = value.strip()
    return values


def _build(args: argparse.Namespace):
    from ..core.protocol import protocol_class, read_params_file

    cls = protocol_class(args.protocol)
    values = read_params_file(args.params) if args.params else {}
    values.update(_parse_set(args.set or []))
    return cls(**values)


def _store(args: argparse.Namespace):
    from ..records.store import Store

    return Store(args.store, create=False)


def _run(args: argparse.Namespace):
    from ..records.run import open_run

    return open_run(args.run, args.store, operator=getattr(args, "operator", None))


def _cli_value(text: str, name: str = "value") -> object:
    """A number when the text is one (1234, 0.5, -2e-3, 1,5), else the text (e.g. '1.5 nM');
    a number the rule of typed_numbers refuses ('1,000', '1e999') is an error, not text."""
    from ..typed_numbers import NumberTextError, looks_like_number, parse_number

    t = text.strip()
    if not looks_like_number(t):
        return text
    try:
        x = parse_number(t)
    except NumberTextError as exc:
        raise ParameterError(name, text, "a number such as 1234, 0.56 or 1e-5, or text",
                             reason=f"is not read as a number: {exc}") from None
    return int(t) if t.lstrip("+-").isdigit() else x


def _print_findings(report, file=None) -> None:
    """The summary line, then each problem once (the summary names none of them)."""
    print(f"BROKEN: {len(report.problems)} problem(s) in {len(report.runs)} run(s), "
          f"{report.events_checked} event(s) checked", file=file)
    for problem in report.problems:
        print(f"  {problem}", file=file)


def _passphrase(name: str, *, confirm: bool = False) -> str | None:
    """None when $PROTOCOL_KIT_PASSPHRASE is set (the record layer reads it); else asked for
    without echo in a terminal; else an error saying how to give it."""
    import getpass
    import os

    from ..records.keys import PASSPHRASE_ENV

    if os.environ.get(PASSPHRASE_ENV):
        return None
    if not sys.stdin.isatty():
        raise ProtocolKitError(f"the passphrase of {name!r} is needed: set ${PASSPHRASE_ENV} (not a terminal, "
                               "so it cannot be asked for)")
    secret = getpass.getpass(f"passphrase of {name}: ")
    if confirm and getpass.getpass("the same passphrase again: ") != secret:
        raise ProtocolKitError("keys: the two passphrases differ; nothing was written")
    return secret


def _login(args: argparse.Namespace) -> str:
    """--operator, else the login name of whoever runs the command."""
    import getpass

    if args.operator:
        return args.operator
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        raise ParameterError("--operator", None, "the name of the person analysing, e.g. --operator 'A. Smith'",
                             reason="is needed (no login name found)") from None


def _options(items: Sequence[str]) -> dict[str, object]:
    """--option NAME=VALUE pairs for the analysis: numbers as numbers, 'none' as None."""
    return {k: None if v.lower() == "none" else _cli_value(v) for k, v in _parse_set(items).items()}


def _stored(run, path: Path) -> str:
    if not run.state.data_open:
        return "not stored: the run's review closed its reports"
    f = run.reports[-1]
    return f"stored in the run as {f.name}, SHA-256 {f.sha256[:16]}..."


def _after(exc: ProtocolKitError | OSError, tail: str) -> ProtocolKitError:
    """``exc`` with ``tail`` added to its message, its option hints kept."""
    if getattr(exc, "template", None) is None:
        return ProtocolKitError(f"{exc}{tail}")
    return ProtocolKitError.hinted(exc.template + tail.replace("{", "{{").replace("}", "}}"), exc.hints)
