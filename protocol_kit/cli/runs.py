"""Commands on the record: runs start / check / note / ... / sign, list, show, verify, export,
import, and signing keys."""
from __future__ import annotations

import argparse
import sys

from ..errors import ParameterError, ProtocolKitError
from .common import _build, _cli_value, _parse_set, _passphrase, _print_findings, _run, _store


def cmd_runs_start(args: argparse.Namespace) -> int:
    run = _build(args).start_run(args.operator, args.store, project=args.project)
    print(run.id)
    return 0


def cmd_runs_record(args: argparse.Namespace) -> int:
    """check / note / deviation / lot / value / attach / amend / sign: one event each (check: one per step)."""
    run = _run(args)
    what = args.runs_command
    if what == "check":
        events = [run.check(step) for step in args.steps]
    elif what == "note":
        events = [run.note(args.text)]
    elif what == "deviation":
        events = [run.deviation(args.reason, step_id=args.step)]
    elif what == "lot":
        events = [run.record_lot(args.reagent, args.lot, _cli_expiry(args.expiry, args.expired_ok),
                                 acknowledge_expired=args.expired_ok)]
    elif what == "handover":
        events = [run.hand_over(args.to)]
    elif what == "value":
        events = [run.enter_value(args.name, _cli_value(args.value))]
    elif what == "attach":
        events = [run.attach_data(args.file, name=args.name)]
    elif what == "amend":
        changes = {k: _cli_value(v) if k == "value" else v for k, v in _parse_set(args.set or []).items()}
        events = [run.amend(args.seq, args.reason, changes=changes)]
    else:
        events = [run.sign(args.name, args.meaning, passphrase=_passphrase(args.name))]
    for e in events:
        print(f"{run.id}: event {e.seq} {e.type} by {e.operator}")
    return 0


def _cli_expiry(expiry: str | None, expired_ok: bool) -> str | None:
    """--expiry as the record will take it; a past date is refused here in the command's words."""
    from ..records.run import parse_expiry, utc_today

    iso = parse_expiry(expiry)
    if iso is not None and iso < utc_today() and not expired_ok:
        raise ParameterError("--expiry", iso, f"a date from today ({utc_today()}) on, or --expired-ok to "
                             "record an expired lot on purpose (the event says so)", reason="is past: the lot has expired")
    return iso


def cmd_runs_list(args: argparse.Namespace) -> int:
    from ..records.text import list_line

    store = _store(args)
    summaries = store.runs()
    for s in summaries:
        print(list_line(s))
    if not summaries:
        print(f"no runs in {store.location}")
    return 0


def cmd_runs_show(args: argparse.Namespace) -> int:
    import json

    from ..records.text import describe

    report = _store(args).verify(args.run)
    if not report.ok:  # the findings first (on stderr), then what can still be read, exit 1
        _print_findings(report, file=sys.stderr)
    try:
        run = _run(args)
        print(json.dumps(run.to_dict(), indent=2, ensure_ascii=False) if args.json else describe(run))
    except ProtocolKitError as exc:
        if report.ok:
            raise
        print(f"error: {exc}", file=sys.stderr)
    return 0 if report.ok else 1


def cmd_keys(args: argparse.Namespace) -> int:
    """keys init / register / list: a person's signing key, and the keys a store holds."""
    from ..records import keys
    from ..records.store import Store

    what = args.keys_command
    if what == "list":
        with Store(args.store, create=False) as store:
            rows = keys.registry_rows(store)
            for name, found in sorted(keys.registered_keys(rows).items()):
                mine = keys.key_path(name)
                print(f"{name}: key {', '.join(keys.fingerprint(k) for k in found)}"
                      f"{f' (private key here: {mine})' if mine.is_file() else ''}")
            if not rows:
                print(f"no keys registered in {store.location}")
        return 0
    secret = _passphrase(args.name, confirm=what == "init")
    if what == "init":
        path = keys.init_key(args.name, secret)
        print(f"made the signing key of {args.name.strip()!r}: {path}")
        if args.store is None:
            print(f"it is registered in a store on its first signature there, or now with "
                  f"'protocol-kit keys register --name {args.name.strip()!r} --store FILE'")
            return 0
    key = keys.load_key(args.name, secret)  # registering proves the key is the person's
    with Store(args.store) as store:
        written = keys.register_key(store, key.name, key.public_key)
        print(f"{key.name!r}: key {keys.fingerprint(key.public_key)} "
              f"{'registered in' if written else 'already registered in'} {store.location}")
    return 0


def cmd_runs_verify(args: argparse.Namespace) -> int:
    report = _store(args).verify(args.run, receipts=args.receipt or ())
    if report.ok:
        print(report)
    else:
        _print_findings(report)
    return 0 if report.ok else 1


def cmd_runs_export(args: argparse.Namespace) -> int:
    from ..records.export_out import export_stored

    with _store(args) as store:  # streamed from the store: the run is never held whole
        print(f"wrote {export_stored(store, args.run, args.output)}")
    return 0


def cmd_runs_import(args: argparse.Namespace) -> int:
    from ..records.export import import_run

    run = import_run(args.file, args.store)
    print(f"imported {run.id} into {run.store.location} ({run.state.n_events} events); {run.verify()}")
    return 0
