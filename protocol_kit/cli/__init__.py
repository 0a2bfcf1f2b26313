"""The ``protocol-kit`` command line.

Bad input prints one line naming the problem and exits with status 2; no traceback. The
parser is in :mod:`.parser`, the commands in :mod:`.plans`, :mod:`.runs`, :mod:`.campaign` and :mod:`.analysis`
(which leaves reading, analysing, recording and reporting to :mod:`protocol_kit.workflow`)."""
from __future__ import annotations

import sys
from collections.abc import Sequence

from ..errors import Hint, ParameterError, ProtocolKitError
from .parser import _UsageError, make_parser

EXIT_USAGE = 2


def message(exc: ProtocolKitError, options: Sequence[str] = ()) -> str:
    """An error as the command line says it: an option to pass as ``--option name=value``, and
    a bad value of an option given with --option named as ``--option name``."""
    if isinstance(exc, ParameterError) and exc.field in options:
        return exc.named(f"--option {exc.field}")
    return exc.say(Hint.cli)


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = None
    try:
        args = parser.parse_args(argv)
        return args.func(args)
    except ProtocolKitError as exc:
        given = [item.partition("=")[0].strip() for item in (getattr(args, "option", None) or [])]
        print(f"error: {message(exc, given)}", file=sys.stderr)
        return EXIT_USAGE
    except _UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # output piped into e.g. head
        return 0
    except OSError as exc:
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE


__all__ = ["EXIT_USAGE", "main", "make_parser", "message"]
