"""The analysis commands: ``analyse`` (one shot), ``runs analyse`` and ``report``. Reading,
analysing, recording and reporting are the workflow's (:mod:`protocol_kit.workflow`)."""
from __future__ import annotations

import argparse

from ..errors import ParameterError, ProtocolKitError
from .common import _after, _build, _login, _options, _stored


def cmd_analyse(args: argparse.Namespace) -> int:
    """One shot: read the data file and analyse it once, then start a run, attach the file,
    record the result and write the report (:func:`protocol_kit.workflow.analyse_file`)."""
    from ..workflow import RecordedPartly, analyse_file

    p = _build(args)
    try:
        shot = analyse_file(p, args.data, args.output, operator=_login(args), store=args.store,
                            options=_options(args.option or []), paper=args.paper, pdfa=args.pdfa)
    except RecordedPartly as exc:
        raise _after(exc.cause, f" (run {exc.run.id} keeps what was recorded before this)") from None
    except ParameterError as exc:
        if exc.field != "data":
            raise
        raise ParameterError("--data", exc.value, exc.allowed, reason=exc.reason) from None
    print(f"run {shot.run.id} in {shot.run.store.location}")
    print(shot.result.summary())
    print(f"wrote {shot.path} ({_stored(shot.run, shot.path)})")
    return 0


def cmd_runs_analyse(args: argparse.Namespace) -> int:
    """Analyse a stored run's attached data file (the latest, or --data NAME) and record the result;
    the --option names are those of 'protocol-kit analyse'."""
    from ..records.run import open_run
    from ..workflow import analyse_run

    run = open_run(args.run, args.store, operator=_login(args))
    result = analyse_run(run, args.data, **_options(args.option or []))
    event = run.latest_analysis()
    print(f"run {run.id}: analysis recorded (event {event.seq}, data {event.result['data']['name']})")
    print(result.summary())
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """The report of a stored run's latest analysis (analysing its data first if needed)."""
    from ..records.run import open_run
    from ..reports.render import check_output
    from ..workflow import analyse_run
    from ..workflow.reporting import write_run_report

    out = check_output(args.output, pdfa=args.pdfa)
    run = open_run(args.run, args.store, operator=_login(args))
    if args.option:  # analyse again with these options (recorded) before the report
        analyse_run(run, **_options(args.option))
    try:
        write_run_report(run, out, paper=args.paper, pdfa=args.pdfa)
    except (ProtocolKitError, OSError) as exc:
        if not args.option:
            raise
        seq = run.latest_analysis().seq
        raise _after(exc, f" (run {run.id} keeps the analysis with these options, event {seq}; "
                          "no report was written)") from None
    print(f"run {run.id}: {run.latest_analysis().result['summary']}")
    print(f"wrote {out} ({_stored(run, out)})")
    return 0
